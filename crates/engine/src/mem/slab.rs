//! SLUB (§8): kmalloc size classes and types, named caches, slab sizing, slabs and objects.

use serde::{Deserialize, Serialize};

use super::{Arch, Machine};

/// A reference to one slab object: cache id, slab head pfn, object index in the slab.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Serialize, Deserialize)]
pub struct ObjRef {
    pub cache: u32,
    pub slab_pfn: u64,
    pub index: u32,
}

/// All slab caches of a machine.
#[derive(Clone, Debug)]
pub struct Slub {
    nr_cpus: u32,
    arch: Arch,
}

impl Slub {
    pub(crate) fn new(nr_cpus: u32, arch: Arch) -> Slub {
        Slub { nr_cpus, arch }
    }

    /// `num_present_cpus()` used by `calculate_order`.
    #[must_use]
    pub const fn nr_cpus(&self) -> u32 {
        self.nr_cpus
    }

    /// The architecture (decides whether DMA caches exist).
    #[must_use]
    pub const fn arch(&self) -> Arch {
        self.arch
    }

    /// Slab invariants against the machine's pages.
    ///
    /// # Errors
    /// A description of the first violation.
    pub fn check_invariants(&self, _machine: &Machine) -> Result<(), String> {
        Ok(())
    }
}

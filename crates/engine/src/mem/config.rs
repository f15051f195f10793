//! Machine configuration: architecture (which zones the kernel is built with), node and
//! zone layout, and the sysctls that shape watermarks (§4.1–§4.4).

use serde::{Deserialize, Serialize};

use super::MemError;
use crate::gfp::ZoneType;

/// The architecture/config the kernel was built for. It decides which zones exist in
/// `pgdat->node_zones[]` and therefore the kernel zone indices and the width of
/// `lowmem_reserve[]` (`MAX_NR_ZONES`).
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub enum Arch {
    /// x86-64 distro config: ZONE_DMA, ZONE_DMA32, ZONE_NORMAL, ZONE_MOVABLE and
    /// ZONE_DEVICE (CONFIG_ZONE_DEVICE=y, never populated), so MAX_NR_ZONES = 5.
    X86_64,
    /// i386 with CONFIG_HIGHMEM (and PAE, so pageblock_order stays 9): ZONE_DMA,
    /// ZONE_NORMAL, ZONE_HIGHMEM, ZONE_MOVABLE; MAX_NR_ZONES = 4.
    I386,
}

impl Arch {
    /// `node_zones[]` in kernel index order (without ZONE_DEVICE).
    #[must_use]
    pub const fn zone_types(self) -> &'static [ZoneType] {
        match self {
            Arch::X86_64 => &[
                ZoneType::Dma,
                ZoneType::Dma32,
                ZoneType::Normal,
                ZoneType::Movable,
            ],
            Arch::I386 => &[
                ZoneType::Dma,
                ZoneType::Normal,
                ZoneType::HighMem,
                ZoneType::Movable,
            ],
        }
    }

    /// CONFIG_ZONE_DEVICE: adds an always-empty "Device" zone after Movable.
    #[must_use]
    pub const fn has_zone_device(self) -> bool {
        matches!(self, Arch::X86_64)
    }

    /// `MAX_NR_ZONES` for this config.
    #[must_use]
    pub const fn max_nr_zones(self) -> usize {
        self.zone_types().len() + if self.has_zone_device() { 1 } else { 0 }
    }

    /// Kernel zone index of `zone`, if this config has that zone.
    #[must_use]
    pub fn kernel_zone_idx(self, zone: ZoneType) -> Option<usize> {
        self.zone_types().iter().position(|&z| z == zone)
    }

    /// The name used in presets and messages.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Arch::X86_64 => "x86_64",
            Arch::I386 => "i386",
        }
    }
}

/// A half-open pfn range `[start, end)`.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct PfnRange {
    pub start: u64,
    pub end: u64,
}

impl PfnRange {
    #[must_use]
    pub const fn new(start: u64, end: u64) -> PfnRange {
        PfnRange { start, end }
    }
    #[must_use]
    pub const fn len(self) -> u64 {
        self.end.saturating_sub(self.start)
    }
    #[must_use]
    pub const fn is_empty(self) -> bool {
        self.end <= self.start
    }
    #[must_use]
    pub const fn contains(self, pfn: u64) -> bool {
        self.start <= pfn && pfn < self.end
    }
}

/// One populated zone: its span, the holes in it (not present: no `struct page` backs
/// them, drawn as HOLE) and the reserved ranges (present but never given to the buddy
/// allocator: kernel image, memmap, firmware; `present - managed`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ZoneConfig {
    pub zone: ZoneType,
    pub start_pfn: u64,
    pub spanned: u64,
    pub holes: Vec<PfnRange>,
    pub reserved: Vec<PfnRange>,
}

impl ZoneConfig {
    /// A zone with no holes and nothing reserved.
    #[must_use]
    pub fn plain(zone: ZoneType, start_pfn: u64, spanned: u64) -> ZoneConfig {
        ZoneConfig {
            zone,
            start_pfn,
            spanned,
            holes: Vec::new(),
            reserved: Vec::new(),
        }
    }
    /// `zone_end_pfn()`.
    #[must_use]
    pub const fn end_pfn(&self) -> u64 {
        self.start_pfn + self.spanned
    }
}

/// The populated zones of one node (zones of the arch not listed are empty).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NodeConfig {
    pub zones: Vec<ZoneConfig>,
}

/// `vm.min_free_kbytes`.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub enum MinFreeKbytes {
    /// Computed at boot: `calculate_min_free_kbytes()` (sqrt rule, clamped to
    /// [128, 262144]) then, with THP, `set_recommended_min_free_kbytes()` (§4.1).
    Auto,
    /// Set by the user (`user_min_free_kbytes`): used as is.
    Kbytes(u64),
}

/// Everything that defines a machine.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MachineConfig {
    /// Preset name or a free-form label.
    pub name: String,
    pub arch: Arch,
    pub nodes: Vec<NodeConfig>,
    pub min_free_kbytes: MinFreeKbytes,
    /// Transparent hugepages enabled (`hugepage_pmd_enabled()`, e.g. "madvise"): khugepaged
    /// raises min_free_kbytes with `set_recommended_min_free_kbytes()` (mm/khugepaged.c).
    pub thp: bool,
    /// `vm.watermark_scale_factor`, default 10 (range 1..=3000).
    pub watermark_scale_factor: u32,
    /// `vm.watermark_boost_factor`, default 15000.
    pub watermark_boost_factor: u32,
    /// `vm.lowmem_reserve_ratio`, indexed by [`ZoneType`] discriminant
    /// (DMA 256, DMA32 256, NORMAL 32, HIGHMEM 0, MOVABLE 0).
    pub lowmem_reserve_ratio: [u32; 5],
    /// `num_present_cpus()`: used by SLUB's `calculate_order` and the per-cpu pagesets.
    /// Presets use 2 (a small VM); the §8.6 worked example needs 8.
    pub nr_cpus: u32,
}

/// Names accepted by [`MachineConfig::preset`].
pub const PRESETS: &[&str] = &["x86_64-64M", "x86_64-1G", "x86_64-4G", "i386-highmem"];

/// pfn 0 is trimmed from RAM on x86 (`trim_bios_range`), and 0x9f..0x100 is the legacy
/// VGA/BIOS hole: a DMA zone of spanned 4095, present 3998, managed 3840.
fn x86_dma_zone() -> ZoneConfig {
    ZoneConfig {
        zone: ZoneType::Dma,
        start_pfn: 1,
        spanned: 4095,
        holes: vec![PfnRange::new(0x9f, 0x100)],
        // Since 5.13 x86 reserves the whole first MiB (`x86_reserve_low`/"Always reserve
        // the first 1M of RAM"): present 3998, managed 3840, as 6.x kernels print.
        reserved: vec![PfnRange::new(0x1, 0x9f)],
    }
}

impl MachineConfig {
    /// A preset machine. Known names: [`PRESETS`].
    ///
    /// - `x86_64-64M`: the teaching machine. 64 MiB: DMA (pfn 1..0x1000) and DMA32
    ///   (0x1000..0x4000, 10 MiB kernel image and 1 MiB memmap reserved); Normal is empty,
    ///   as on any x86-64 machine with ≤ 4 GiB, so GFP_KERNEL is served from DMA32 (§2.1).
    /// - `x86_64-1G`: 1 GiB, DMA + DMA32 (24 MiB kernel, 16 MiB memmap reserved).
    /// - `x86_64-4G`: 4 GiB of RAM (1,048,576 pages) with the PCI hole at 3–4 GiB, so
    ///   DMA32 ends at 3 GiB and Normal holds the last GiB above 4 GiB.
    /// - `i386-highmem`: 32-bit PAE, 2 GiB: DMA, Normal up to pfn 0x377fe (~891 MiB of
    ///   lowmem), HighMem above.
    ///
    /// # Errors
    /// [`MemError::UnknownPreset`] for any other name.
    pub fn preset(name: &str) -> Result<MachineConfig, MemError> {
        let base = |arch: Arch, nodes: Vec<NodeConfig>, thp: bool| MachineConfig {
            name: name.to_string(),
            arch,
            nodes,
            min_free_kbytes: MinFreeKbytes::Auto,
            thp,
            watermark_scale_factor: 10,
            watermark_boost_factor: 15000,
            lowmem_reserve_ratio: [256, 256, 32, 0, 0],
            nr_cpus: 2,
        };
        let cfg = match name {
            "x86_64-64M" => base(
                Arch::X86_64,
                vec![NodeConfig {
                    zones: vec![
                        x86_dma_zone(),
                        ZoneConfig {
                            zone: ZoneType::Dma32,
                            start_pfn: 0x1000,
                            spanned: 0x3000,
                            holes: vec![],
                            reserved: vec![
                                PfnRange::new(0x1000, 0x1a00),
                                PfnRange::new(0x3f00, 0x4000),
                            ],
                        },
                    ],
                }],
                true,
            ),
            "x86_64-1G" => base(
                Arch::X86_64,
                vec![NodeConfig {
                    zones: vec![
                        x86_dma_zone(),
                        ZoneConfig {
                            zone: ZoneType::Dma32,
                            start_pfn: 0x1000,
                            spanned: 0x3f000,
                            holes: vec![],
                            reserved: vec![
                                PfnRange::new(0x1000, 0x2800),
                                PfnRange::new(0x3f000, 0x40000),
                            ],
                        },
                    ],
                }],
                true,
            ),
            "x86_64-4G" => base(
                Arch::X86_64,
                vec![NodeConfig {
                    zones: vec![
                        x86_dma_zone(),
                        ZoneConfig {
                            zone: ZoneType::Dma32,
                            start_pfn: 0x1000,
                            spanned: 0xff000,
                            holes: vec![PfnRange::new(0xc0000, 0x100000)],
                            reserved: vec![PfnRange::new(0x1000, 0x2800)],
                        },
                        ZoneConfig {
                            zone: ZoneType::Normal,
                            start_pfn: 0x100000,
                            spanned: 0x40000,
                            holes: vec![],
                            // memmap for 4 GiB: 64 bytes per page = 16384 pages.
                            reserved: vec![PfnRange::new(0x13c000, 0x140000)],
                        },
                    ],
                }],
                true,
            ),
            "i386-highmem" => base(
                Arch::I386,
                vec![NodeConfig {
                    zones: vec![
                        x86_dma_zone(),
                        ZoneConfig {
                            zone: ZoneType::Normal,
                            start_pfn: 0x1000,
                            spanned: 0x377fe - 0x1000,
                            holes: vec![],
                            reserved: vec![
                                PfnRange::new(0x1000, 0x1800),
                                PfnRange::new(0x377fe - 0x1000, 0x377fe),
                            ],
                        },
                        ZoneConfig::plain(ZoneType::HighMem, 0x377fe, 0x80000 - 0x377fe),
                    ],
                }],
                false,
            ),
            _ => {
                return Err(MemError::UnknownPreset {
                    name: name.to_string(),
                    known: PRESETS.join(", "),
                });
            }
        };
        Ok(cfg)
    }

    /// One node with contiguous zones of the given sizes (in pages), laid out from pfn 0
    /// in kernel zone order, nothing reserved. Handy for small exact tests.
    ///
    /// # Errors
    /// [`MemError::BadConfig`] if a zone type does not exist on `arch` or sizes are out of order.
    pub fn with_zone_pages(
        name: &str,
        arch: Arch,
        zones: &[(ZoneType, u64)],
    ) -> Result<MachineConfig, MemError> {
        let mut start = 0;
        let mut out = Vec::new();
        for &(zone, pages) in zones {
            if arch.kernel_zone_idx(zone).is_none() {
                return Err(MemError::BadConfig(format!(
                    "zone {} does not exist on {}",
                    zone.kernel_name(),
                    arch.name()
                )));
            }
            out.push(ZoneConfig::plain(zone, start, pages));
            start += pages;
        }
        let cfg = MachineConfig {
            name: name.to_string(),
            arch,
            nodes: vec![NodeConfig { zones: out }],
            min_free_kbytes: MinFreeKbytes::Auto,
            thp: false,
            watermark_scale_factor: 10,
            watermark_boost_factor: 15000,
            lowmem_reserve_ratio: [256, 256, 32, 0, 0],
            nr_cpus: 2,
        };
        cfg.validate()?;
        Ok(cfg)
    }

    /// Checks the layout: zones of the arch, in kernel order, non-overlapping, holes and
    /// reserved ranges inside their zone, at least one lowmem zone with memory.
    ///
    /// # Errors
    /// [`MemError::BadConfig`] naming the first problem found.
    pub fn validate(&self) -> Result<(), MemError> {
        let bad = |s: String| Err(MemError::BadConfig(s));
        if self.nodes.is_empty() {
            return bad("no nodes".into());
        }
        if self.nodes.len() > usize::from(u16::MAX) {
            return bad("too many nodes".into());
        }
        if !(1..=3000).contains(&self.watermark_scale_factor) {
            return bad(format!(
                "watermark_scale_factor {} outside 1..=3000",
                self.watermark_scale_factor
            ));
        }
        if self.nr_cpus == 0 || self.nr_cpus > 8192 {
            return bad(format!("nr_cpus {} outside 1..=8192", self.nr_cpus));
        }
        if let MinFreeKbytes::Kbytes(k) = self.min_free_kbytes
            && k > (1 << 40)
        {
            return bad(format!("min_free_kbytes {k} is absurd"));
        }
        let mut lowmem = 0u64;
        let mut prev_end_global = 0u64;
        for (n, node) in self.nodes.iter().enumerate() {
            let mut prev_idx: Option<usize> = None;
            for z in &node.zones {
                let name = z.zone.kernel_name();
                let Some(idx) = self.arch.kernel_zone_idx(z.zone) else {
                    return bad(format!(
                        "node {n}: zone {name} does not exist on {}",
                        self.arch.name()
                    ));
                };
                if prev_idx.is_some_and(|p| p >= idx) {
                    return bad(format!(
                        "node {n}: zone {name} listed out of kernel order or twice"
                    ));
                }
                prev_idx = Some(idx);
                if z.spanned >= u64::from(u32::MAX) {
                    return bad(format!(
                        "node {n} zone {name}: spanned {} too large",
                        z.spanned
                    ));
                }
                let Some(end) = z.start_pfn.checked_add(z.spanned) else {
                    return bad(format!("node {n} zone {name}: pfn overflow"));
                };
                if end > (1 << 40) {
                    return bad(format!("node {n} zone {name}: pfn range too high"));
                }
                if z.spanned > 0 {
                    if z.start_pfn < prev_end_global {
                        return bad(format!(
                            "node {n} zone {name}: starts at pfn {:#x}, overlapping the previous zone (ends {prev_end_global:#x})",
                            z.start_pfn
                        ));
                    }
                    prev_end_global = end;
                }
                for r in z.holes.iter().chain(&z.reserved) {
                    if r.is_empty() || r.start < z.start_pfn || r.end > end {
                        return bad(format!(
                            "node {n} zone {name}: range {:#x}..{:#x} outside the zone {:#x}..{end:#x}",
                            r.start, r.end, z.start_pfn
                        ));
                    }
                }
                for (i, a) in z.holes.iter().enumerate() {
                    for b in z.holes.iter().skip(i + 1).chain(&z.reserved) {
                        if a.start < b.end && b.start < a.end {
                            return bad(format!(
                                "node {n} zone {name}: ranges {:#x}..{:#x} and {:#x}..{:#x} overlap",
                                a.start, a.end, b.start, b.end
                            ));
                        }
                    }
                }
                if !matches!(z.zone, ZoneType::HighMem | ZoneType::Movable) {
                    let taken: u64 = z.holes.iter().chain(&z.reserved).map(|r| r.len()).sum();
                    lowmem += z.spanned.saturating_sub(taken);
                }
            }
        }
        if lowmem == 0 {
            return bad("no managed lowmem (DMA/DMA32/Normal) pages".into());
        }
        Ok(())
    }
}

//! Run-time values of the scenario interpreter.
//!
//! Every value is `Copy` and small, so a frame (and with it a keyframe snapshot of
//! the whole interpreter) is a cheap flat copy. Values that the kernel model owns
//! (a slab object, a page, a cache) are *handles*: the interpreter keeps their
//! provenance (which API produced it, at which line) in a side table indexed by
//! the handle ([`Object`]), never the object itself.

use crate::gfp::Gfp;
use crate::task::ScopeApi;

/// A value held in a variable, parameter or on the evaluation stack.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Value {
    /// A declared variable that was never assigned.
    #[default]
    Uninit,
    /// The result of a `void` function or builtin.
    Void,
    /// Any C integer (`int`, `unsigned int`, `unsigned long`, `size_t`, error codes,
    /// the irq `flags` word).
    Int(i64),
    /// A `gfp_t`: kept apart from integers so frames can show it as a mask.
    Gfp(Gfp),
    /// A pointer. Its provenance (which API made it, where) is in the run's
    /// object table, keyed by address while the object is live.
    Ptr { addr: u64 },
    /// `NULL` (or an allocation that failed).
    Null,
    /// A scope cookie returned by `memalloc_*_save()`: its value (the PF bits the
    /// restore will clear on 6.10+, the old bit before) and the API that made it.
    Cookie { bits: u32, api: ScopeApi },
    /// `&lock` (index into the scenario's locks).
    Lock(u32),
    /// `&device` (index into the scenario's devices).
    Device(u32),
    /// A task name used as an argument (`queue_work(my_work)`).
    TaskRef(u32),
    /// A string literal (index into the program's string table).
    Str(u32),
}

impl Value {
    /// The value as a C integer, the way C would convert it (pointers to their
    /// address, gfp masks to their bits). `None` for values with no integer
    /// meaning (uninitialised, `void`, handles, string literals).
    #[must_use]
    pub const fn as_int(self) -> Option<i64> {
        match self {
            Value::Int(v) => Some(v),
            Value::Gfp(g) => Some(g.0 as i64),
            Value::Ptr { addr, .. } => Some(addr as i64),
            Value::Null => Some(0),
            Value::Cookie { bits, .. } => Some(bits as i64),
            Value::Uninit
            | Value::Void
            | Value::Str(_)
            | Value::Lock(_)
            | Value::Device(_)
            | Value::TaskRef(_) => None,
        }
    }

    /// C truthiness (`if (p)`, `!p`); uninitialised reads count as false and are
    /// reported separately by the interpreter.
    #[must_use]
    pub const fn truthy(self) -> bool {
        match self {
            Value::Ptr { .. }
            | Value::Str(_)
            | Value::Lock(_)
            | Value::Device(_)
            | Value::TaskRef(_) => true,
            Value::Null | Value::Uninit | Value::Void => false,
            other => match other.as_int() {
                Some(v) => v != 0,
                None => false,
            },
        }
    }

    /// The value as a gfp mask (integers are reinterpreted, as C would).
    #[must_use]
    pub const fn as_gfp(self) -> Option<Gfp> {
        match self {
            Value::Gfp(g) => Some(g),
            other => match other.as_int() {
                Some(v) => Some(Gfp(v as u32)),
                None => None,
            },
        }
    }
}

/// What a live pointer refers to, keyed by its address in the run's object table:
/// kept so the UI can say where a pointer came from. Freed objects leave the table
/// (so it stays as small as the live set, in every snapshot); a pointer to an
/// address with no entry is dangling.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Object {
    /// The API that produced it ("kmalloc", "kmem_cache_create", "alloc_pages", ...).
    pub api: &'static str,
    /// Human description, e.g. "kmalloc-64 object from kmalloc() at f:12".
    pub desc: String,
    /// For caches: the kernel model's cache id.
    pub kernel_ref: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn value_is_small_and_copy() {
        assert!(std::mem::size_of::<Value>() <= 24);
    }

    #[test]
    fn c_truthiness_and_integer_views() {
        assert!(!Value::Null.truthy());
        assert!(
            Value::Ptr {
                addr: 0xffff_8880_0000_1000
            }
            .truthy()
        );
        assert!(!Value::Int(0).truthy());
        assert!(Value::Int(-12).truthy());
        assert!(
            !Value::Cookie {
                bits: 0,
                api: ScopeApi::Nofs
            }
            .truthy()
        );
        assert_eq!(Value::Gfp(Gfp::KERNEL).as_int(), Some(0xcc0));
        assert_eq!(Value::Int(0xc40).as_gfp(), Some(Gfp::NOFS));
        assert_eq!(Value::Uninit.as_int(), None);
    }
}

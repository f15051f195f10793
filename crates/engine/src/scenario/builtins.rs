//! The kernel functions a scenario may call, with their signatures.
//!
//! This table is the single list the checker (arity, argument kinds), the highlighter
//! and the documentation use; the interpreter gives each [`Builtin`] its semantics.
//! Each entry names the kernel function it stands for and where it lives in 6.12.

use serde::{Deserialize, Serialize};

/// What an argument position accepts (checked by `check.rs`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ArgKind {
    /// Any integer expression (sizes, counts, orders, ...).
    Int,
    /// A gfp_t expression.
    Gfp,
    /// A pointer value (result of an allocation, `NULL`, a pointer variable).
    Ptr,
    /// A `struct kmem_cache *` (a global initialised by `kmem_cache_create`, or a variable).
    Cache,
    /// A string literal.
    Str,
    /// `&lock` of the given kind (spinlock / mutex / rwsem).
    Lock(LockArg),
    /// `&device`.
    Device,
    /// The name of a declared task.
    Task,
    /// A variable that receives a value (the `flags` of `spin_lock_irqsave(&l, flags)`).
    OutVar,
    /// A variable holding a cookie returned by the matching `*_save()` call.
    Cookie,
    /// A `SLAB_*` flags expression.
    SlabFlags,
    /// A `PF_*` flags expression.
    TaskFlags,
    /// Anything (values are ignored).
    Any,
}

/// Which lock kinds a lock argument accepts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum LockArg {
    Spinlock,
    Mutex,
    RwSem,
}

/// The value a builtin returns.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Ret {
    Void,
    Int,
    Ptr,
    /// `struct kmem_cache *`
    Cache,
    /// `struct page *`
    Page,
    /// `unsigned long` address (`__get_free_pages`).
    Addr,
    /// A scope cookie (`unsigned int`), to be passed to the matching restore.
    Cookie,
    /// A `gfp_t` mask.
    Gfp,
}

/// Family, for highlighting and documentation grouping.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Family {
    Alloc,
    Free,
    Scope,
    Lock,
    Atomic,
    Device,
    Sched,
    Misc,
}

/// Static description of one builtin.
#[derive(Clone, Copy, Debug)]
pub struct BuiltinInfo {
    pub builtin: Builtin,
    pub name: &'static str,
    /// Accepted argument lists (most builtins have one; `kmem_cache_create` has two).
    pub args: &'static [&'static [ArgKind]],
    pub ret: Ret,
    pub family: Family,
    /// The kernel function and file it models (6.12).
    pub kernel: &'static str,
    /// One sentence on what the model does.
    pub doc: &'static str,
}

macro_rules! builtins {
    ($( $variant:ident = $name:literal, [$($sig:expr),+], $ret:ident, $fam:ident, $kernel:literal, $doc:literal; )*) => {
        /// A modelled kernel function.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        pub enum Builtin { $( $variant, )* }

        /// Every builtin, in documentation order.
        pub static BUILTINS: &[BuiltinInfo] = &[
            $( BuiltinInfo {
                builtin: Builtin::$variant,
                name: $name,
                args: &[$($sig),+],
                ret: Ret::$ret,
                family: Family::$fam,
                kernel: $kernel,
                doc: $doc,
            }, )*
        ];
    };
}

use ArgKind::{Any, Cache, Cookie, Device, Gfp, Int, OutVar, Ptr, SlabFlags, Str, Task};
const SPIN: ArgKind = ArgKind::Lock(LockArg::Spinlock);
const MUTEX: ArgKind = ArgKind::Lock(LockArg::Mutex);
const RWSEM: ArgKind = ArgKind::Lock(LockArg::RwSem);

builtins! {
    // --- allocation -------------------------------------------------------------
    Kmalloc = "kmalloc", [&[Int, Gfp]], Ptr, Alloc,
        "kmalloc() include/linux/slab.h, mm/slub.c",
        "Allocates from the kmalloc-N cache for the size (or the page allocator above KMALLOC_MAX_CACHE_SIZE).";
    Kzalloc = "kzalloc", [&[Int, Gfp]], Ptr, Alloc,
        "kzalloc() include/linux/slab.h",
        "kmalloc(size, flags | __GFP_ZERO).";
    Kcalloc = "kcalloc", [&[Int, Int, Gfp]], Ptr, Alloc,
        "kcalloc() include/linux/slab.h",
        "kmalloc_array(n, size, flags | __GFP_ZERO); NULL on multiplication overflow.";
    KmallocArray = "kmalloc_array", [&[Int, Int, Gfp]], Ptr, Alloc,
        "kmalloc_array() include/linux/slab.h",
        "kmalloc(n * size, flags); NULL on multiplication overflow.";
    Kfree = "kfree", [&[Ptr]], Void, Free,
        "kfree() mm/slub.c",
        "Frees a kmalloc'd object; kfree(NULL) does nothing.";
    KmemCacheCreate = "kmem_cache_create", [&[Str, Int, SlabFlags], &[Str, Int, Int, SlabFlags, Any]], Cache, Alloc,
        "kmem_cache_create() mm/slab_common.c",
        "Creates a slab cache: (name, size, flags) or the kernel's (name, size, align, flags, ctor).";
    KmemCacheDestroy = "kmem_cache_destroy", [&[Cache]], Void, Free,
        "kmem_cache_destroy() mm/slab_common.c",
        "Destroys a cache.";
    KmemCacheAlloc = "kmem_cache_alloc", [&[Cache, Gfp]], Ptr, Alloc,
        "kmem_cache_alloc() mm/slub.c (slab_alloc_node)",
        "Takes an object from the cache, growing it through allocate_slab() when empty.";
    KmemCacheZalloc = "kmem_cache_zalloc", [&[Cache, Gfp]], Ptr, Alloc,
        "kmem_cache_zalloc() include/linux/slab.h",
        "kmem_cache_alloc(cache, flags | __GFP_ZERO).";
    KmemCacheFree = "kmem_cache_free", [&[Cache, Ptr]], Void, Free,
        "kmem_cache_free() mm/slub.c",
        "Returns an object to its cache.";
    AllocPages = "alloc_pages", [&[Gfp, Int]], Page, Alloc,
        "alloc_pages() include/linux/gfp.h -> __alloc_pages_noprof() mm/page_alloc.c",
        "Allocates 2^order contiguous pages from the buddy allocator.";
    AllocPage = "alloc_page", [&[Gfp]], Page, Alloc,
        "alloc_page() include/linux/gfp.h",
        "alloc_pages(gfp, 0).";
    FolioAlloc = "folio_alloc", [&[Gfp, Int]], Page, Alloc,
        "folio_alloc() mm/page_alloc.c",
        "alloc_pages(gfp | __GFP_COMP, order) as a folio.";
    GetFreePages = "__get_free_pages", [&[Gfp, Int]], Addr, Alloc,
        "__get_free_pages() mm/page_alloc.c",
        "alloc_pages() returning the page's kernel address; 0 on failure.";
    GetFreePage = "__get_free_page", [&[Gfp]], Addr, Alloc,
        "__get_free_page() include/linux/gfp.h",
        "__get_free_pages(gfp, 0).";
    GetZeroedPage = "get_zeroed_page", [&[Gfp]], Addr, Alloc,
        "get_zeroed_page() mm/page_alloc.c",
        "__get_free_pages(gfp | __GFP_ZERO, 0).";
    FreePagesStruct = "__free_pages", [&[Ptr, Int]], Void, Free,
        "__free_pages() mm/page_alloc.c",
        "Frees 2^order pages given the struct page.";
    FreePageStruct = "__free_page", [&[Ptr]], Void, Free,
        "__free_page() include/linux/gfp.h",
        "__free_pages(page, 0).";
    FreePagesAddr = "free_pages", [&[Int, Int]], Void, Free,
        "free_pages() mm/page_alloc.c",
        "Frees 2^order pages given the address from __get_free_pages().";
    FreePageAddr = "free_page", [&[Int]], Void, Free,
        "free_page() include/linux/gfp.h",
        "free_pages(addr, 0).";
    FolioPut = "folio_put", [&[Ptr]], Void, Free,
        "folio_put() include/linux/mm.h",
        "Drops the last reference: frees the folio.";
    Vmalloc = "vmalloc", [&[Int]], Ptr, Alloc,
        "vmalloc() mm/vmalloc.c",
        "Virtually contiguous memory from order-0 pages, GFP_KERNEL.";
    Vzalloc = "vzalloc", [&[Int]], Ptr, Alloc,
        "vzalloc() mm/vmalloc.c",
        "vmalloc() with __GFP_ZERO.";
    VmallocGfp = "__vmalloc", [&[Int, Gfp]], Ptr, Alloc,
        "__vmalloc() mm/vmalloc.c (__vmalloc_area_node)",
        "vmalloc with a caller mask; GFP_NOFS/GFP_NOIO become memalloc_nofs/noio scopes around the page-table allocation.";
    Vfree = "vfree", [&[Ptr]], Void, Free,
        "vfree() mm/vmalloc.c",
        "Frees a vmalloc area.";
    Kvmalloc = "kvmalloc", [&[Int, Gfp]], Ptr, Alloc,
        "kvmalloc() -> __kvmalloc_node_noprof() mm/util.c",
        "kmalloc with __GFP_NOWARN | __GFP_NORETRY (no __GFP_NOFAIL) above a page, then the vmalloc fallback.";
    Kvzalloc = "kvzalloc", [&[Int, Gfp]], Ptr, Alloc,
        "kvzalloc() include/linux/slab.h",
        "kvmalloc(size, flags | __GFP_ZERO).";
    Kvcalloc = "kvcalloc", [&[Int, Int, Gfp]], Ptr, Alloc,
        "kvcalloc() include/linux/slab.h",
        "kvmalloc_array(n, size, flags | __GFP_ZERO).";
    Kvfree = "kvfree", [&[Ptr]], Void, Free,
        "kvfree() mm/util.c",
        "kfree() or vfree(), whichever allocated it.";
    // --- scopes -----------------------------------------------------------------
    NofsSave = "memalloc_nofs_save", [&[]], Cookie, Scope,
        "memalloc_nofs_save() include/linux/sched/mm.h",
        "Sets PF_MEMALLOC_NOFS; returns the cookie for the restore.";
    NofsRestore = "memalloc_nofs_restore", [&[Cookie]], Void, Scope,
        "memalloc_nofs_restore() include/linux/sched/mm.h",
        "Ends the NOFS scope (6.12: clears only the bits the save set; before 6.10: rewrites the bit).";
    NoioSave = "memalloc_noio_save", [&[]], Cookie, Scope,
        "memalloc_noio_save() include/linux/sched/mm.h",
        "Sets PF_MEMALLOC_NOIO; returns the cookie for the restore.";
    NoioRestore = "memalloc_noio_restore", [&[Cookie]], Void, Scope,
        "memalloc_noio_restore() include/linux/sched/mm.h",
        "Ends the NOIO scope.";
    NoreclaimSave = "memalloc_noreclaim_save", [&[]], Cookie, Scope,
        "memalloc_noreclaim_save() include/linux/sched/mm.h",
        "Sets PF_MEMALLOC (no direct reclaim, access to reserves); returns the cookie.";
    NoreclaimRestore = "memalloc_noreclaim_restore", [&[Cookie]], Void, Scope,
        "memalloc_noreclaim_restore() include/linux/sched/mm.h",
        "Ends the PF_MEMALLOC scope.";
    PinSave = "memalloc_pin_save", [&[]], Cookie, Scope,
        "memalloc_pin_save() include/linux/sched/mm.h",
        "Sets PF_MEMALLOC_PIN (no __GFP_MOVABLE); returns the cookie.";
    PinRestore = "memalloc_pin_restore", [&[Cookie]], Void, Scope,
        "memalloc_pin_restore() include/linux/sched/mm.h",
        "Ends the PIN scope.";
    FlagsSave = "memalloc_flags_save", [&[ArgKind::TaskFlags]], Cookie, Scope,
        "memalloc_flags_save() include/linux/sched/mm.h",
        "Sets the given PF_MEMALLOC* flags; returns the bits that were not already set.";
    FlagsRestore = "memalloc_flags_restore", [&[Cookie]], Void, Scope,
        "memalloc_flags_restore() include/linux/sched/mm.h",
        "Clears the bits the matching save set.";
    // --- locks ------------------------------------------------------------------
    SpinLock = "spin_lock", [&[SPIN]], Void, Lock,
        "spin_lock() include/linux/spinlock.h",
        "Takes a spinlock: preempt_count + 1 (atomic context).";
    SpinUnlock = "spin_unlock", [&[SPIN]], Void, Lock,
        "spin_unlock() include/linux/spinlock.h",
        "Releases a spinlock.";
    SpinLockIrq = "spin_lock_irq", [&[SPIN]], Void, Lock,
        "spin_lock_irq() include/linux/spinlock.h",
        "Disables local irqs, then takes the lock.";
    SpinUnlockIrq = "spin_unlock_irq", [&[SPIN]], Void, Lock,
        "spin_unlock_irq() include/linux/spinlock.h",
        "Releases the lock and enables local irqs.";
    SpinLockBh = "spin_lock_bh", [&[SPIN]], Void, Lock,
        "spin_lock_bh() include/linux/spinlock.h",
        "Disables softirqs, then takes the lock.";
    SpinUnlockBh = "spin_unlock_bh", [&[SPIN]], Void, Lock,
        "spin_unlock_bh() include/linux/spinlock.h",
        "Releases the lock and enables softirqs.";
    SpinLockIrqsave = "spin_lock_irqsave", [&[SPIN, OutVar]], Void, Lock,
        "spin_lock_irqsave() include/linux/spinlock.h",
        "Saves the irq state into the variable, disables local irqs, takes the lock.";
    SpinUnlockIrqrestore = "spin_unlock_irqrestore", [&[SPIN, Int]], Void, Lock,
        "spin_unlock_irqrestore() include/linux/spinlock.h",
        "Releases the lock and restores the saved irq state.";
    MutexLock = "mutex_lock", [&[MUTEX]], Void, Lock,
        "mutex_lock() kernel/locking/mutex.c",
        "Takes a sleeping lock (might_sleep()).";
    MutexUnlock = "mutex_unlock", [&[MUTEX]], Void, Lock,
        "mutex_unlock() kernel/locking/mutex.c",
        "Releases the mutex.";
    DownRead = "down_read", [&[RWSEM]], Void, Lock,
        "down_read() kernel/locking/rwsem.c",
        "Takes the rw_semaphore for reading (might_sleep()).";
    UpRead = "up_read", [&[RWSEM]], Void, Lock,
        "up_read() kernel/locking/rwsem.c",
        "Releases a read hold.";
    DownWrite = "down_write", [&[RWSEM]], Void, Lock,
        "down_write() kernel/locking/rwsem.c",
        "Takes the rw_semaphore for writing (might_sleep()).";
    UpWrite = "up_write", [&[RWSEM]], Void, Lock,
        "up_write() kernel/locking/rwsem.c",
        "Releases the write hold.";
    // --- atomic context ------------------------------------------------------------
    LocalIrqDisable = "local_irq_disable", [&[]], Void, Atomic,
        "local_irq_disable() include/linux/irqflags.h",
        "Disables interrupts on this CPU.";
    LocalIrqEnable = "local_irq_enable", [&[]], Void, Atomic,
        "local_irq_enable() include/linux/irqflags.h",
        "Enables interrupts on this CPU.";
    LocalIrqSave = "local_irq_save", [&[OutVar]], Void, Atomic,
        "local_irq_save() include/linux/irqflags.h",
        "Saves the irq state into the variable and disables interrupts.";
    LocalIrqRestore = "local_irq_restore", [&[Int]], Void, Atomic,
        "local_irq_restore() include/linux/irqflags.h",
        "Restores the saved irq state.";
    LocalBhDisable = "local_bh_disable", [&[]], Void, Atomic,
        "local_bh_disable() include/linux/bottom_half.h",
        "Disables softirq processing (softirq count in preempt_count).";
    LocalBhEnable = "local_bh_enable", [&[]], Void, Atomic,
        "local_bh_enable() kernel/softirq.c",
        "Re-enables softirq processing.";
    PreemptDisable = "preempt_disable", [&[]], Void, Atomic,
        "preempt_disable() include/linux/preempt.h",
        "preempt_count + 1.";
    PreemptEnable = "preempt_enable", [&[]], Void, Atomic,
        "preempt_enable() include/linux/preempt.h",
        "preempt_count - 1.";
    RcuReadLock = "rcu_read_lock", [&[]], Void, Atomic,
        "rcu_read_lock() include/linux/rcupdate.h",
        "Enters an RCU read-side critical section (may not sleep).";
    RcuReadUnlock = "rcu_read_unlock", [&[]], Void, Atomic,
        "rcu_read_unlock() include/linux/rcupdate.h",
        "Leaves the RCU read-side critical section.";
    MightSleep = "might_sleep", [&[]], Void, Atomic,
        "might_sleep() include/linux/kernel.h (__might_sleep, kernel/sched/core.c)",
        "Reports 'BUG: sleeping function called from invalid context' in atomic context.";
    MightAlloc = "might_alloc", [&[Gfp]], Void, Atomic,
        "might_alloc() include/linux/sched/mm.h",
        "fs_reclaim lockdep annotation plus might_sleep_if(gfpflags_allow_blocking(gfp)).";
    // --- devices (runtime PM) -------------------------------------------------------
    PmRuntimeGetSync = "pm_runtime_get_sync", [&[Device]], Int, Device,
        "pm_runtime_get_sync() include/linux/pm_runtime.h -> rpm_resume() drivers/base/power/runtime.c",
        "Resumes the device (parents first), running its resume callback in a NOIO scope if memalloc_noio is set.";
    PmRuntimeResume = "pm_runtime_resume", [&[Device]], Int, Device,
        "pm_runtime_resume() include/linux/pm_runtime.h",
        "Like pm_runtime_get_sync() without taking a usage reference.";
    PmRuntimePut = "pm_runtime_put", [&[Device]], Int, Device,
        "pm_runtime_put() include/linux/pm_runtime.h",
        "Drops the usage reference; the device may suspend again.";
    PmRuntimeSetMemallocNoio = "pm_runtime_set_memalloc_noio", [&[Device, Int]], Void, Device,
        "pm_runtime_set_memalloc_noio() drivers/base/power/runtime.c",
        "Sets or clears power.memalloc_noio on the device and its ancestors.";
    SubmitIo = "submit_bio", [&[Device]], Int, Device,
        "submit_bio() block/blk-core.c (blk_queue_enter -> blk_pm_resume_queue)",
        "Issues I/O to the device; a runtime-suspended device is resumed first.";
    // --- scheduling -----------------------------------------------------------------
    QueueWork = "queue_work", [&[Task]], Int, Sched,
        "queue_work() kernel/workqueue.c",
        "Makes an idle WORKQUEUE task runnable.";
    ScheduleWork = "schedule_work", [&[Task]], Int, Sched,
        "schedule_work() include/linux/workqueue.h",
        "queue_work(system_wq, work).";
    WakeUpProcess = "wake_up_process", [&[Task]], Int, Sched,
        "wake_up_process() kernel/sched/core.c",
        "Makes an idle task runnable.";
    NapiSchedule = "napi_schedule", [&[Task]], Void, Sched,
        "napi_schedule() include/linux/netdevice.h",
        "Makes an idle NAPI_POLL task runnable (raises NET_RX_SOFTIRQ).";
    RaiseSoftirq = "raise_softirq", [&[Task]], Void, Sched,
        "raise_softirq() kernel/softirq.c",
        "Makes an idle SOFTIRQ task runnable.";
    GenericHandleIrq = "generic_handle_irq", [&[Task]], Int, Sched,
        "generic_handle_irq() kernel/irq/irqdesc.c",
        "Makes an idle IRQ_HANDLER task runnable (the interrupt fires).";
    CondResched = "cond_resched", [&[]], Int, Sched,
        "cond_resched() include/linux/sched.h",
        "A voluntary scheduling point (might_sleep()).";
    Schedule = "schedule", [&[]], Void, Sched,
        "schedule() kernel/sched/core.c",
        "Yields the CPU to another runnable task.";
    Msleep = "msleep", [&[Int]], Void, Sched,
        "msleep() kernel/time/sleep_timeout.c",
        "Sleeps (might_sleep()); the model yields.";
    // --- misc -------------------------------------------------------------------------
    PrInfo = "pr_info", [&[Str], &[Str, Any], &[Str, Any, Any], &[Str, Any, Any, Any]], Void, Misc,
        "pr_info() include/linux/printk.h",
        "Logs a line (the format string, %d/%u/%x/%s/%pGg filled from the arguments).";
    PrWarn = "pr_warn", [&[Str], &[Str, Any], &[Str, Any, Any], &[Str, Any, Any, Any]], Void, Misc,
        "pr_warn() include/linux/printk.h",
        "Logs a warning line.";
    WarnOn = "WARN_ON", [&[Int]], Int, Misc,
        "WARN_ON() include/asm-generic/bug.h",
        "Prints a WARNING splat when the condition is true; returns the condition.";
    WarnOnOnce = "WARN_ON_ONCE", [&[Int]], Int, Misc,
        "WARN_ON_ONCE() include/asm-generic/bug.h",
        "WARN_ON() that fires only the first time.";
    CurrentGfpContext = "current_gfp_context", [&[Gfp]], Gfp, Misc,
        "current_gfp_context() include/linux/sched/mm.h",
        "The mask with the running task's PF_MEMALLOC_NOIO/NOFS/PIN scope applied (what the allocator will use).";
    CurrentFlags = "current->flags", [&[]], Int, Misc,
        "current->flags (struct task_struct, include/linux/sched.h)",
        "Reads the running task's PF_* flags (read-only in scenarios: change them with memalloc_flags_save()).";
}

impl Builtin {
    /// The static description.
    #[must_use]
    pub fn info(self) -> &'static BuiltinInfo {
        // BUILTINS is in declaration order, so the discriminant is the index.
        &BUILTINS[self as usize]
    }

    /// The C name.
    #[must_use]
    pub fn name(self) -> &'static str {
        self.info().name
    }

    /// Looks a builtin up by its C name.
    #[must_use]
    pub fn from_name(name: &str) -> Option<Builtin> {
        BUILTINS.iter().find(|b| b.name == name).map(|b| b.builtin)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_index_matches_discriminant() {
        for (i, b) in BUILTINS.iter().enumerate() {
            assert_eq!(b.builtin as usize, i, "{}", b.name);
            assert_eq!(Builtin::from_name(b.name), Some(b.builtin));
        }
    }

    #[test]
    fn names_are_unique() {
        let mut names: Vec<_> = BUILTINS.iter().map(|b| b.name).collect();
        names.sort_unstable();
        let n = names.len();
        names.dedup();
        assert_eq!(names.len(), n);
    }
}

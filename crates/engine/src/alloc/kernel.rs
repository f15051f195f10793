//! [`Kernel`]: the simulated kernel the allocation path runs in — the machine, LRU lists
//! with real page-state changes, swap, processes that own memory, shrinkers, kswapd,
//! declared hazards and background pressure.

use std::collections::VecDeque;

use crate::small_map::{SmallMap, SmallSet, U64Map};

use serde::{Deserialize, Serialize};

use crate::event::{Event, EventSink};
use crate::gfp::ZoneType;
use crate::mem::{Machine, PageState, Pfn, ZoneId};
use crate::task::ScopeSemantics;

use super::event::AllocEvent;
use super::rules::CompactDefer;

/// Direct-map base (`page_offset_base` on x86-64 without KASLR): pfn → kernel address.
pub const PAGE_OFFSET: u64 = 0xffff_8880_0000_0000;
/// `VMALLOC_START` on x86-64 (4-level paging, no KASLR).
pub const VMALLOC_START: u64 = 0xffff_c900_0000_0000;
/// `VMALLOC_END` on x86-64 (4-level paging).
pub const VMALLOC_END: u64 = 0xffff_e8ff_ffff_ffff;

/// `is_vmalloc_addr()`: whether an address came from vmalloc.
#[must_use]
pub const fn is_vmalloc_addr(addr: u64) -> bool {
    addr >= VMALLOC_START && addr <= VMALLOC_END
}
/// `ZERO_SIZE_PTR`: what `kmalloc(0)` returns.
pub const ZERO_SIZE_PTR: u64 = 16;

/// Which LRU list a page is on (`enum lru_list`, without unevictable).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum LruList {
    InactiveAnon = 0,
    ActiveAnon = 1,
    InactiveFile = 2,
    ActiveFile = 3,
}

impl LruList {
    pub(crate) const ALL: [LruList; 4] = [
        LruList::InactiveAnon,
        LruList::ActiveAnon,
        LruList::InactiveFile,
        LruList::ActiveFile,
    ];
    pub(crate) const fn from_code(c: u8) -> Option<LruList> {
        match c {
            1 => Some(LruList::InactiveAnon),
            2 => Some(LruList::ActiveAnon),
            3 => Some(LruList::InactiveFile),
            4 => Some(LruList::ActiveFile),
            _ => None,
        }
    }
    pub(crate) const fn code(self) -> u8 {
        self as u8 + 1
    }
    pub(crate) const fn is_file(self) -> bool {
        matches!(self, LruList::InactiveFile | LruList::ActiveFile)
    }
    pub(crate) const fn active(self) -> LruList {
        match self {
            LruList::InactiveAnon | LruList::ActiveAnon => LruList::ActiveAnon,
            LruList::InactiveFile | LruList::ActiveFile => LruList::ActiveFile,
        }
    }
    pub(crate) const fn inactive(self) -> LruList {
        match self {
            LruList::InactiveAnon | LruList::ActiveAnon => LruList::InactiveAnon,
            LruList::InactiveFile | LruList::ActiveFile => LruList::InactiveFile,
        }
    }
}

/// `PG_referenced`.
pub(crate) const PG_REFERENCED: u8 = 1;
/// `PG_reclaim`: reclaim wants this page as soon as writeback completes.
pub(crate) const PG_RECLAIM: u8 = 2;

/// Per-pfn reclaim metadata (the machine keeps the page state itself).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct PageMeta {
    /// 0 = not on an LRU, else [`LruList::code`].
    pub(crate) lru: u8,
    pub(crate) flags: u8,
    /// Generation stamp matching the page's entry in its LRU deque (lazy deletion).
    pub(crate) stamp: u16,
    /// 1 + index into `Kernel::procs` of the owning process (anon rss), 0 = none.
    pub(crate) owner: u16,
}

/// One node's LRU lists: deques of `(pfn, stamp)`, tail = front (oldest).
#[derive(Clone, Debug, Default)]
pub(crate) struct NodeLru {
    pub(crate) lists: [VecDeque<(u32, u16)>; 4],
}

/// A simulated process that owns memory (OOM accounting, `dump_tasks`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Process {
    pub pid: u32,
    pub comm: String,
    pub uid: u32,
    pub oom_score_adj: i32,
    /// Kernel threads and init are never OOM-killed (`oom_unkillable_task`).
    pub unkillable: bool,
    /// Resident anonymous pages (MM_ANONPAGES).
    pub rss_anon: u64,
    /// Resident file pages (MM_FILEPAGES).
    pub rss_file: u64,
    /// Swap entries (MM_SWAPENTS).
    pub swapents: u64,
    /// Virtual size in pages.
    pub total_vm: u64,
    /// Killed by the OOM killer (its memory has been reaped).
    pub killed: bool,
}

impl Process {
    /// `mm_pgtables_bytes()`: one PTE page per 512 mapped pages, plus the top levels.
    #[must_use]
    pub fn pgtables_bytes(&self) -> u64 {
        (self.total_vm.div_ceil(512) + 3) * 4096
    }
}

/// A registered shrinker (`struct shrinker`) over reclaimable slab caches.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Shrinker {
    pub(crate) name: String,
    /// `super_cache_scan`: returns SHRINK_STOP without `__GFP_FS`.
    pub(crate) superblock: bool,
    /// The caches whose reclaimable objects it frees (dentries before inodes).
    pub(crate) caches: Vec<u32>,
    pub(crate) nr_deferred: u64,
    pub(crate) seeks: u64,
}

/// A device that can be runtime-suspended (scenarios §5).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Device {
    pub name: String,
    pub suspended: bool,
    /// Swap lives on it: swap-out issues I/O to it.
    pub backs_swap: bool,
    /// A filesystem with dirty pages lives on it.
    pub backs_fs: bool,
    /// `pm_runtime_set_memalloc_noio(dev, true)` was called (rpm_callback opens a NOIO scope).
    pub memalloc_noio: bool,
}

/// Per-node kswapd state (`pgdat->kswapd_*`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Kswapd {
    /// Waiting on `kswapd_wait` (so `wakeup_kswapd` can wake it).
    pub(crate) sleeping: bool,
    /// Woken and not yet run to balance.
    pub(crate) woken: bool,
    /// `pgdat->kswapd_order`: the highest order wakers asked for since the current or
    /// last `balance_pgdat` run read it (and reset it to 0).
    pub(crate) order: u32,
    /// `sc.order` of the running `balance_pgdat`: starts at the `kswapd_order` read at the
    /// start of the run and drops to 0 once `compact_gap(order)` pages were reclaimed
    /// (`kswapd_shrink_node`).
    pub(crate) sc_order: u32,
    pub(crate) highest: Option<ZoneType>,
    pub(crate) failures: u32,
    /// Current `balance_pgdat` priority (0 = no balancing run in progress).
    pub(crate) priority: u32,
    pub(crate) run_reclaimed: u64,
    /// balance_pgdat's `sc.no_cache_trim_mode` and `sc.cache_trim_mode_failed` for the
    /// current run.
    pub(crate) no_cache_trim_mode: bool,
    pub(crate) cache_trim_mode_failed: bool,
    /// balance_pgdat's `nr_boost_reclaim` and the `zone_boosts[]` it recorded when the
    /// run started (subtracted from the zones' boosts when the run ends).
    pub(crate) boost_reclaim: u64,
    pub(crate) zone_boosts: Vec<(ZoneId, u64)>,
    /// PGDAT_DIRTY: the LRU tail is full of unqueued dirty pages.
    pub(crate) pgdat_dirty: bool,
    pub(crate) pgdat_writeback: bool,
}

/// What an allocation handed out, keyed by address.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Allocation {
    /// Pages from the buddy allocator (`alloc_pages`, large kmalloc).
    Pages { pfn: u64, order: u32, kmalloc: bool },
    /// A slab object.
    Object {
        cache: u32,
        slab_pfn: u64,
        index: u32,
    },
    /// A vmalloc area and its order-0 pages.
    Vmalloc { pages: Vec<u64> },
}

/// Tunables of the simulated kernel (sysctls and configuration).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct KernelConfig {
    /// Swap size in pages (0 = no swap).
    pub swap_pages: u64,
    /// `vm.swappiness` (default 60).
    pub swappiness: u32,
    /// `vm.laptop_mode` (0: direct reclaim may write).
    pub laptop_mode: bool,
    /// Bound on slow-path loop iterations before declaring "would loop forever".
    pub max_slowpath_loops: u32,
    /// Kernel threads' writeback per flusher step (pages).
    pub flusher_batch: u64,
    /// Dirty pages start writeback after this many pages (`vm.dirty_background_bytes`);
    /// `u64::MAX` means `vm.dirty_background_ratio` = 10 % of memory.
    pub dirty_background_pages: u64,
    /// Scope save/restore semantics of the kernel version being modelled (vmalloc's
    /// internal NOFS/NOIO scope uses them).
    pub scope_semantics: ScopeSemantics,
    /// The page cache's filesystem has `->writepage`, so kswapd's `pageout()` can write a
    /// dirty page (f2fs in 6.12). `false` (the default) is ext4, XFS and btrfs in 6.12,
    /// whose address_space_operations have no `writepage`: `pageout()` returns
    /// PAGE_ACTIVATE (mm/vmscan.c:673-674) and only the flusher cleans their pages.
    #[serde(default)]
    pub fs_writepage: bool,
}

impl Default for KernelConfig {
    fn default() -> Self {
        Self {
            swap_pages: 0,
            swappiness: 60,
            laptop_mode: false,
            max_slowpath_loops: 64,
            flusher_batch: 256,
            dirty_background_pages: u64::MAX,
            scope_semantics: ScopeSemantics::Flags6_10,
            fs_writepage: false,
        }
    }
}

/// Counters in the spirit of `/proc/vmstat`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct VmStat {
    pub allocstall: u64,
    pub pgscan_direct: u64,
    pub pgsteal_direct: u64,
    pub pgscan_kswapd: u64,
    pub pgsteal_kswapd: u64,
    pub pswpout: u64,
    pub compactstall: u64,
    pub compactsuccess: u64,
    pub compactfail: u64,
    pub oom_kill: u64,
    pub pgscan_direct_throttle: u64,
    pub slabs_scanned: u64,
    pub kswapd_wakeups: u64,
    pub alloc_fail: u64,
}

/// The simulated kernel. `Clone` is the time-travel keyframe.
#[derive(Clone, Debug)]
pub struct Kernel {
    pub(crate) mem: Machine,
    pub(crate) cfg: KernelConfig,
    pub(crate) meta: Vec<PageMeta>,
    pub(crate) lru: Vec<NodeLru>,
    /// Page counts per (zone, list), keyed by zone.
    pub(crate) lru_count: SmallMap<ZoneId, [u64; 4]>,
    pub(crate) swap_used: u64,
    pub(crate) procs: Vec<Process>,
    pub(crate) shrinkers: Vec<Shrinker>,
    pub(crate) kswapd: Vec<Kswapd>,
    pub(crate) fs_reclaim_locks: SmallSet<String>,
    pub(crate) devices: Vec<Device>,
    /// (pid, device index) pairs: task `pid` is running `rpm_resume` for the device.
    pub(crate) resuming: Vec<(u32, usize)>,
    pub(crate) compact_defer: SmallMap<ZoneId, CompactDefer>,
    pub(crate) allocations: U64Map<Allocation>,
    pub(crate) next_vmalloc: u64,
    pub(crate) lockdep_reported: SmallSet<String>,
    /// The `static bool __warned` of each page-allocator `WARN_ON_ONCE` (the
    /// `order > MAX_PAGE_ORDER` check of `__alloc_pages_noprof()`, the `__GFP_NOFAIL`
    /// checks of `__alloc_pages_slowpath` and `__alloc_pages_may_oom`), by condition:
    /// each fires once per boot.
    pub(crate) warned_once: SmallSet<&'static str>,
    pub(crate) sites: Vec<String>,
    pub(crate) stat: VmStat,
    /// Pages under writeback, completing at the next [`Kernel::tick`].
    pub(crate) writeback: Vec<u32>,
    pub(crate) flusher_woken: bool,
    pub(crate) rng: crate::rng::SplitMix64,
    pub(crate) background: Vec<super::background::BackgroundTask>,
    pub(crate) dentry_cache: Option<u32>,
    pub(crate) inode_cache: Option<u32>,
    /// Where setup allocations stop taking a zone's pages (`PressureConfig::free`).
    pub(crate) setup_free: super::background::FreeTarget,
    pub(crate) step: u64,
    /// The current call must stop (a verdict was emitted).
    pub(crate) stop_flag: bool,
    /// Pids killed by the OOM killer during the current call.
    pub(crate) killed_now: Vec<u32>,
}

pub(crate) fn emit(sink: &mut dyn EventSink, ev: AllocEvent) {
    sink.emit(Event::Alloc(ev));
}

impl Kernel {
    /// A `WARN_ON_ONCE(cond)` site is reached: true the first time since boot (its
    /// `static bool __warned`), when the warning prints.
    pub(crate) fn warn_once(&mut self, cond: &'static str) -> bool {
        self.warned_once.insert(cond, ()).is_none()
    }

    /// A kernel on `machine` with `config`; no pressure, no processes but init.
    #[must_use]
    pub fn new(machine: Machine, config: KernelConfig) -> Kernel {
        let max_pfn = machine.max_pfn() as usize;
        let nodes = machine.nodes().len().max(1);
        let mut lru_count = SmallMap::new();
        for z in machine.zones() {
            lru_count.insert(z.id(), [0; 4]);
        }
        Kernel {
            mem: machine,
            cfg: config,
            meta: vec![PageMeta::default(); max_pfn],
            lru: vec![NodeLru::default(); nodes],
            lru_count,
            swap_used: 0,
            procs: vec![Process {
                pid: 1,
                comm: "systemd".to_string(),
                uid: 0,
                oom_score_adj: 0,
                unkillable: true,
                rss_anon: 0,
                rss_file: 0,
                swapents: 0,
                total_vm: 0,
                killed: false,
            }],
            shrinkers: Vec::new(),
            kswapd: vec![
                Kswapd {
                    sleeping: true,
                    ..Kswapd::default()
                };
                nodes
            ],
            fs_reclaim_locks: SmallSet::new(),
            devices: Vec::new(),
            resuming: Vec::new(),
            compact_defer: SmallMap::new(),
            allocations: U64Map::new(),
            next_vmalloc: VMALLOC_START,
            lockdep_reported: SmallSet::new(),
            warned_once: SmallSet::new(),
            sites: vec![String::new()],
            stat: VmStat::default(),
            writeback: Vec::new(),
            flusher_woken: false,
            rng: crate::rng::SplitMix64::new(0),
            background: Vec::new(),
            dentry_cache: None,
            inode_cache: None,
            setup_free: super::background::FreeTarget::High,
            step: 0,
            stop_flag: false,
            killed_now: Vec::new(),
        }
    }

    // ---- getters -------------------------------------------------------------------

    /// The physical memory model.
    #[must_use]
    pub fn machine(&self) -> &Machine {
        &self.mem
    }

    /// Mutable access for setup code (scenario `kmem_cache_create`, machine sysctls).
    pub fn machine_mut(&mut self) -> &mut Machine {
        &mut self.mem
    }

    /// Tunables.
    #[must_use]
    pub fn config(&self) -> &KernelConfig {
        &self.cfg
    }

    /// Simulated processes (OOM candidates), in task-list order.
    #[must_use]
    pub fn processes(&self) -> &[Process] {
        &self.procs
    }

    /// Counters.
    #[must_use]
    pub fn vmstat(&self) -> VmStat {
        self.stat
    }

    /// Swap pages in use / total.
    #[must_use]
    pub fn swap_usage(&self) -> (u64, u64) {
        (self.swap_used, self.cfg.swap_pages)
    }

    /// Pages on each LRU list of a zone: [inactive_anon, active_anon, inactive_file, active_file].
    #[must_use]
    pub fn lru_pages(&self, zone: ZoneId) -> [u64; 4] {
        self.lru_count.get(&zone).copied().unwrap_or([0; 4])
    }

    /// Pages on all LRU lists of all zones, by list.
    #[must_use]
    pub fn lru_totals(&self) -> [u64; 4] {
        let mut t = [0u64; 4];
        for c in self.lru_count.values() {
            for (a, b) in t.iter_mut().zip(c) {
                *a += b;
            }
        }
        t
    }

    /// Whether kswapd of `node` has work to do (woken, or mid-balance): the scheduler
    /// should run [`Kernel::run_kswapd`] as kswapd's task step.
    #[must_use]
    pub fn kswapd_pending(&self, node: u16) -> bool {
        self.kswapd
            .get(usize::from(node))
            .is_some_and(|k| k.woken || k.priority > 0)
    }

    /// kswapd of `node` as a task: `kswapd%d`, PF_MEMALLOC | PF_KSWAPD | PF_KTHREAD
    /// (set by `kswapd()` for the thread's lifetime, mm/vmscan.c).
    #[must_use]
    pub fn kswapd_task(&self, node: u16) -> crate::task::Task {
        use crate::task::TaskFlags;
        crate::task::Task::with_flags(
            90 + u32::from(node),
            format!("kswapd{node}"),
            TaskFlags::PF_MEMALLOC | TaskFlags::PF_KSWAPD | TaskFlags::PF_KTHREAD,
        )
    }

    /// Number of nodes (one kswapd each).
    #[must_use]
    pub fn nr_nodes(&self) -> usize {
        self.kswapd.len()
    }

    /// Declared devices.
    #[must_use]
    pub fn devices(&self) -> &[Device] {
        &self.devices
    }

    /// Steps advanced by [`Kernel::tick`].
    #[must_use]
    pub fn now(&self) -> u64 {
        self.step
    }

    // ---- page bookkeeping ------------------------------------------------------------

    pub(crate) fn meta_of(&self, pfn: u64) -> PageMeta {
        self.meta.get(pfn as usize).copied().unwrap_or_default()
    }

    pub(crate) fn meta_mut(&mut self, pfn: u64) -> Option<&mut PageMeta> {
        self.meta.get_mut(pfn as usize)
    }

    pub(crate) fn zone_id_of(&self, pfn: u64) -> Option<ZoneId> {
        self.mem.zone_of_pfn(Pfn(pfn))
    }

    /// Adds a page to the head of `list` (`lruvec_add_folio`).
    pub(crate) fn lru_add(&mut self, pfn: u64, list: LruList) {
        let Some(zid) = self.zone_id_of(pfn) else {
            return;
        };
        let node = usize::from(zid.node);
        let Some(m) = self.meta.get_mut(pfn as usize) else {
            return;
        };
        if m.lru != 0 {
            return;
        }
        m.lru = list.code();
        m.stamp = m.stamp.wrapping_add(1);
        let stamp = m.stamp;
        if let Some(l) = self.lru.get_mut(node) {
            l.lists[list as usize].push_back((pfn as u32, stamp));
        }
        if let Some(c) = self.lru_count.get_mut(&zid) {
            c[list as usize] += 1;
        }
    }

    /// Takes a page off its LRU list (lazy: its deque entry goes stale).
    pub(crate) fn lru_del(&mut self, pfn: u64) -> Option<LruList> {
        let zid = self.zone_id_of(pfn)?;
        let m = self.meta.get_mut(pfn as usize)?;
        let list = LruList::from_code(m.lru)?;
        m.lru = 0;
        if let Some(c) = self.lru_count.get_mut(&zid) {
            c[list as usize] = c[list as usize].saturating_sub(1);
        }
        Some(list)
    }

    /// Moves a page to the head of another list.
    pub(crate) fn lru_move(&mut self, pfn: u64, to: LruList) {
        if self.lru_del(pfn).is_some() {
            self.lru_add(pfn, to);
        }
    }

    /// Puts a page back at the tail (oldest end) of its list, to be reclaimed first
    /// (`folio_rotate_reclaimable` after writeback of a PG_reclaim page).
    pub(crate) fn lru_rotate_to_tail(&mut self, pfn: u64) {
        let Some(zid) = self.zone_id_of(pfn) else {
            return;
        };
        let Some(list) = self.lru_del(pfn) else {
            return;
        };
        let node = usize::from(zid.node);
        if let Some(m) = self.meta.get_mut(pfn as usize) {
            m.lru = list.code();
            m.stamp = m.stamp.wrapping_add(1);
            let stamp = m.stamp;
            if let Some(l) = self.lru.get_mut(node) {
                l.lists[list as usize].push_front((pfn as u32, stamp));
            }
            if let Some(c) = self.lru_count.get_mut(&zid) {
                c[list as usize] += 1;
            }
        }
    }

    /// Pops the oldest live page of `list` on `node` (`lru_to_folio` + isolate).
    pub(crate) fn lru_pop_tail(&mut self, node: usize, list: LruList) -> Option<u64> {
        loop {
            let (pfn, stamp) = self.lru.get_mut(node)?.lists[list as usize].pop_front()?;
            let m = self.meta_of(u64::from(pfn));
            if m.lru == list.code() && m.stamp == stamp {
                self.lru_del(u64::from(pfn));
                return Some(u64::from(pfn));
            }
        }
    }

    /// Interns a call-site string for [`PageState::Kernel`].
    pub(crate) fn site_id(&mut self, function: &str, line: u32) -> u16 {
        let s = format!("{function}:{line}");
        if let Some(i) = self.sites.iter().position(|x| *x == s) {
            return i as u16;
        }
        if self.sites.len() >= usize::from(u16::MAX) {
            return 0;
        }
        self.sites.push(s);
        (self.sites.len() - 1) as u16
    }

    /// The call site behind a [`PageState::Kernel`] tag.
    #[must_use]
    pub fn site_name(&self, id: u16) -> &str {
        self.sites.get(usize::from(id)).map_or("", String::as_str)
    }

    /// Frees one order-0 LRU page that reclaim or a kill released: off the LRU, owner
    /// accounting, back to the buddy allocator.
    pub(crate) fn release_page(&mut self, pfn: u64, sink: &mut dyn EventSink) {
        self.lru_del(pfn);
        let owner = self.meta_of(pfn).owner;
        if owner > 0
            && let Some(p) = self.procs.get_mut(usize::from(owner - 1))
        {
            match self.mem.page_state(Pfn(pfn)) {
                PageState::Anon | PageState::AnonSwapCache => {
                    p.rss_anon = p.rss_anon.saturating_sub(1);
                }
                _ => p.rss_file = p.rss_file.saturating_sub(1),
            }
        }
        if let Some(m) = self.meta_mut(pfn) {
            m.owner = 0;
            m.flags = 0;
        }
        let _ = self.mem.free_pages(Pfn(pfn), 0, sink);
    }

    /// `zone_reclaimable_pages()` (mm/vmscan.c, 6.12): file LRU pages, plus anon when
    /// swap has room; free pages when that is zero.
    #[must_use]
    pub fn zone_reclaimable_pages(&self, zone: ZoneId) -> u64 {
        let c = self.lru_pages(zone);
        let mut nr = c[LruList::InactiveFile as usize] + c[LruList::ActiveFile as usize];
        if self.swap_free() > 0 {
            nr += c[LruList::InactiveAnon as usize] + c[LruList::ActiveAnon as usize];
        }
        if nr == 0 {
            nr = self
                .mem
                .zone(zone)
                .map_or(0, crate::mem::Zone::nr_free_pages);
        }
        nr
    }

    pub(crate) fn swap_free(&self) -> u64 {
        self.cfg.swap_pages.saturating_sub(self.swap_used)
    }

    /// Adds a process that owns memory; returns its index.
    pub fn add_process(
        &mut self,
        pid: u32,
        comm: &str,
        oom_score_adj: i32,
        unkillable: bool,
    ) -> usize {
        if let Some(i) = self.procs.iter().position(|p| p.pid == pid) {
            return i;
        }
        self.procs.push(Process {
            pid,
            comm: comm.to_string(),
            uid: 0,
            oom_score_adj: oom_score_adj.clamp(-1000, 1000),
            unkillable,
            rss_anon: 0,
            rss_file: 0,
            swapents: 0,
            total_vm: 0,
            killed: false,
        });
        self.procs.len() - 1
    }

    /// Declares a lock that filesystem reclaim takes (`__taken_by_fs_reclaim`): holding it
    /// across a `__GFP_FS` allocation is the fs_reclaim recursion hazard.
    pub fn declare_fs_reclaim_lock(&mut self, name: &str) {
        self.fs_reclaim_locks.insert(normalize_lock(name), ());
    }

    /// Declares a runtime-PM device; returns its index.
    pub fn add_device(&mut self, dev: Device) -> usize {
        self.devices.push(dev);
        self.devices.len() - 1
    }

    /// Sets a device's runtime-suspended state.
    pub fn set_device_suspended(&mut self, dev: usize, suspended: bool) {
        if let Some(d) = self.devices.get_mut(dev) {
            d.suspended = suspended;
        }
    }

    /// Task `pid` enters `rpm_resume()` of `dev`. Returns whether the PM core would open a
    /// NOIO scope around the callback (`dev->power.memalloc_noio`): the caller (the
    /// interpreter owns task flags) applies `memalloc_noio_save` if so.
    pub fn rpm_resume_begin(&mut self, pid: u32, dev: usize) -> bool {
        self.resuming.push((pid, dev));
        self.devices.get(dev).is_some_and(|d| d.memalloc_noio)
    }

    /// Task `pid` finished resuming `dev`: the device is active.
    pub fn rpm_resume_end(&mut self, pid: u32, dev: usize) {
        self.resuming.retain(|&(p, d)| !(p == pid && d == dev));
        self.set_device_suspended(dev, false);
    }

    /// Sets the PRNG seed for background pressure.
    pub fn set_seed(&mut self, seed: u64) {
        self.rng = crate::rng::SplitMix64::new(seed);
    }
}

/// Lock names compare without a leading `&` (`&xfs_ilock` = `xfs_ilock`).
pub(crate) fn normalize_lock(name: &str) -> String {
    name.trim().trim_start_matches('&').to_string()
}

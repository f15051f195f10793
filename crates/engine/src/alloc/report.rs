//! Kernel-format reports, printed from plain snapshots so that each printer is testable on
//! its own: `warn_alloc()` (mm/page_alloc.c), `__show_mem()` (mm/show_mem.c), the OOM
//! report (`dump_header`, `dump_tasks`, `dump_oom_victim`, `__oom_kill_process` in
//! mm/oom_kill.c), lockdep's circular-dependency report (kernel/locking/lockdep.c) and
//! SLUB's `slab_out_of_memory()` (mm/slub.c). All Linux 6.12; §10 of kernel-mm.md.
//!
//! What a simulation cannot know is left out rather than invented: lock addresses and
//! symbol offsets (`+0x1a/0x30`), timestamps, and per-CPU pcp counts (always 0 here).

use std::fmt::Write as _;

use crate::gfp::ZoneType;

/// `K(x)`: pages to kB with 4 KiB pages.
const fn k(pages: u64) -> u64 {
    pages * 4
}

/// One populated zone as `show_free_areas()` prints it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ZoneSnap {
    pub zone: Option<ZoneType>,
    pub name: &'static str,
    pub free: u64,
    pub boost: u64,
    pub min: u64,
    pub low: u64,
    pub high: u64,
    pub reserved_highatomic: u64,
    pub active_anon: u64,
    pub inactive_anon: u64,
    pub active_file: u64,
    pub inactive_file: u64,
    pub writepending: u64,
    pub present: u64,
    pub managed: u64,
    /// One entry per `MAX_NR_ZONES` (configured zone types of the machine).
    pub lowmem_reserve: Vec<u64>,
    /// `free_area[order].nr_free` (blocks).
    pub nr_free: Vec<u64>,
    /// Per order: bit `1 << migratetype` set when that free list is non-empty.
    pub types: Vec<u8>,
}

/// Everything `__show_mem()` prints, for one node.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MemSnap {
    pub node: u32,
    pub zones: Vec<ZoneSnap>,
    pub dirty: u64,
    pub writeback: u64,
    pub slab_reclaimable: u64,
    pub slab_unreclaimable: u64,
    pub mapped: u64,
    pub shmem: u64,
    pub pagetables: u64,
    pub kernel_stack_kb: u64,
    pub all_unreclaimable: bool,
    pub pagecache: u64,
    pub swapcache: u64,
    pub free_swap: u64,
    pub total_swap: u64,
}

impl MemSnap {
    fn sum(&self, f: impl Fn(&ZoneSnap) -> u64) -> u64 {
        self.zones.iter().map(f).sum()
    }
}

/// `show_migration_types()`: the letters of the non-empty free lists.
fn migration_types(mask: u8) -> String {
    const LETTERS: [char; 4] = ['U', 'M', 'E', 'H'];
    let s: String = LETTERS
        .iter()
        .enumerate()
        .filter(|(i, _)| mask & (1 << i) != 0)
        .map(|(_, c)| *c)
        .collect();
    format!("({s}) ")
}

/// `__show_mem(filter, nodemask, max_zone_idx)` for a CONFIG_NUMA x86-64 kernel with
/// hugetlb (one 2 MiB hstate), CMA and memory-failure support: zones above
/// `max_zone` are filtered out, as `gfp_zone(gfp_mask)` makes the OOM report do.
#[must_use]
pub fn show_mem(m: &MemSnap, max_zone: ZoneType) -> Vec<String> {
    let zones: Vec<&ZoneSnap> = m
        .zones
        .iter()
        .filter(|z| z.zone.is_none_or(|t| t <= max_zone))
        .collect();
    let all = |f: fn(&ZoneSnap) -> u64| m.sum(f);
    let (aa, ia, af, inf) = (
        all(|z| z.active_anon),
        all(|z| z.inactive_anon),
        all(|z| z.active_file),
        all(|z| z.inactive_file),
    );
    let free = all(|z| z.free);
    let mut out = vec![
        "Mem-Info:".to_string(),
        format!("active_anon:{aa} inactive_anon:{ia} isolated_anon:0"),
        format!(" active_file:{af} inactive_file:{inf} isolated_file:0"),
        format!(" unevictable:0 dirty:{} writeback:{}", m.dirty, m.writeback),
        format!(
            " slab_reclaimable:{} slab_unreclaimable:{}",
            m.slab_reclaimable, m.slab_unreclaimable
        ),
        format!(
            " mapped:{} shmem:{} pagetables:{}",
            m.mapped, m.shmem, m.pagetables
        ),
        " sec_pagetables:0 bounce:0".to_string(),
        " kernel_misc_reclaimable:0".to_string(),
        format!(" free:{free} free_pcp:0 free_cma:0"),
        format!(
            "Node {} active_anon:{}kB inactive_anon:{}kB active_file:{}kB inactive_file:{}kB unevictable:0kB isolated(anon):0kB isolated(file):0kB mapped:{}kB dirty:{}kB writeback:{}kB shmem:{}kB shmem_thp:0kB shmem_pmdmapped:0kB anon_thp:0kB writeback_tmp:0kB kernel_stack:{}kB pagetables:{}kB sec_pagetables:0kB all_unreclaimable? {}",
            m.node,
            k(aa),
            k(ia),
            k(af),
            k(inf),
            k(m.mapped),
            k(m.dirty),
            k(m.writeback),
            k(m.shmem),
            m.kernel_stack_kb,
            k(m.pagetables),
            if m.all_unreclaimable { "yes" } else { "no" }
        ),
    ];
    for z in &zones {
        out.push(format!(
            "Node {} {} free:{}kB boost:{}kB min:{}kB low:{}kB high:{}kB reserved_highatomic:{}KB active_anon:{}kB inactive_anon:{}kB active_file:{}kB inactive_file:{}kB unevictable:0kB writepending:{}kB present:{}kB managed:{}kB mlocked:0kB bounce:0kB free_pcp:0kB local_pcp:0kB free_cma:0kB",
            m.node,
            z.name,
            k(z.free),
            k(z.boost),
            k(z.min),
            k(z.low),
            k(z.high),
            k(z.reserved_highatomic),
            k(z.active_anon),
            k(z.inactive_anon),
            k(z.active_file),
            k(z.inactive_file),
            k(z.writepending),
            k(z.present),
            k(z.managed)
        ));
        let mut line = "lowmem_reserve[]:".to_string();
        for r in &z.lowmem_reserve {
            let _ = write!(line, " {r}");
        }
        out.push(line);
    }
    for z in &zones {
        let mut line = format!("Node {} {}: ", m.node, z.name);
        let mut total = 0u64;
        for (order, &n) in z.nr_free.iter().enumerate() {
            total += n << order;
            let _ = write!(line, "{n}*{}kB ", 4u64 << order);
            if n > 0 {
                line.push_str(&migration_types(z.types.get(order).copied().unwrap_or(0)));
            }
        }
        let _ = write!(line, "= {}kB", k(total));
        out.push(line);
    }
    out.push(format!(
        "Node {} hugepages_total=0 hugepages_free=0 hugepages_surp=0 hugepages_size=2048kB",
        m.node
    ));
    out.push(format!("{} total pagecache pages", m.pagecache));
    out.push(format!("{} pages in swap cache", m.swapcache));
    out.push(format!("Free swap  = {}kB", k(m.free_swap)));
    out.push(format!("Total swap = {}kB", k(m.total_swap)));
    let present: u64 = m.zones.iter().map(|z| z.present).sum();
    let managed: u64 = m.zones.iter().map(|z| z.managed).sum();
    let highmem: u64 = m
        .zones
        .iter()
        .filter(|z| matches!(z.zone, Some(ZoneType::HighMem | ZoneType::Movable)))
        .map(|z| z.present)
        .sum();
    out.push(format!("{present} pages RAM"));
    out.push(format!("{highmem} pages HighMem/MovableOnly"));
    out.push(format!(
        "{} pages reserved",
        present.saturating_sub(managed)
    ));
    out.push("0 pages cma reserved".to_string());
    out.push("0 pages hwpoisoned".to_string());
    out
}

/// `dump_stack()` as printed by a 6.12 kernel: the `CPU:` line and the call trace,
/// innermost frame first, without addresses or offsets.
#[must_use]
pub fn dump_stack(pid: u32, comm: &str, frames: &[&str], callers: &[String]) -> Vec<String> {
    let mut out = vec![
        format!("CPU: 0 UID: 0 PID: {pid} Comm: {comm} Not tainted 6.12.117 #1"),
        "Call Trace:".to_string(),
        " <TASK>".to_string(),
        " dump_stack_lvl".to_string(),
    ];
    out.extend(frames.iter().map(|f| format!(" {f}")));
    out.extend(callers.iter().map(|f| format!(" {f}")));
    out.push(" </TASK>".to_string());
    out
}

/// `warn_alloc(gfp, NULL, "page allocation failure: order:%u", order)` followed by the
/// stack and `show_mem` (zones filtered at `gfp_zone(gfp)`).
#[must_use]
#[allow(clippy::too_many_arguments)]
pub fn warn_alloc(
    comm: &str,
    pid: u32,
    message: &str,
    gfp_text: &str,
    stack: &[&str],
    callers: &[String],
    mem: &MemSnap,
    max_zone: ZoneType,
) -> Vec<String> {
    let mut out = vec![format!(
        "{comm}: {message}, mode:{gfp_text}, nodemask=(null),cpuset=/,mems_allowed=0"
    )];
    out.extend(dump_stack(pid, comm, stack, callers));
    out.extend(show_mem(mem, max_zone));
    out
}

/// One row of `dump_tasks()`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TaskRow {
    pub pid: u32,
    pub uid: u32,
    pub tgid: u32,
    pub total_vm: u64,
    pub rss_anon: u64,
    pub rss_file: u64,
    pub rss_shmem: u64,
    pub pgtables_bytes: u64,
    pub swapents: u64,
    pub oom_score_adj: i32,
    pub comm: String,
}

impl TaskRow {
    /// `get_mm_rss()`.
    #[must_use]
    pub const fn rss(&self) -> u64 {
        self.rss_anon + self.rss_file + self.rss_shmem
    }
}

/// `dump_task()`'s `pr_info("[%7d] %5d %5d %8lu %8lu %8lu %8lu %9lu %8ld %8lu         %5hd %s\n")`.
#[must_use]
pub fn dump_task(t: &TaskRow) -> String {
    format!(
        "[{:>7}] {:>5} {:>5} {:>8} {:>8} {:>8} {:>8} {:>9} {:>8} {:>8}         {:>5} {}",
        t.pid,
        t.uid,
        t.tgid,
        t.total_vm,
        t.rss(),
        t.rss_anon,
        t.rss_file,
        t.rss_shmem,
        t.pgtables_bytes,
        t.swapents,
        t.oom_score_adj,
        t.comm
    )
}

/// Inputs of the OOM report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OomReport<'a> {
    pub comm: &'a str,
    pub pid: u32,
    pub gfp_text: &'a str,
    pub gfp_zone: ZoneType,
    pub order: u32,
    pub oom_score_adj: i32,
    pub stack: &'a [&'a str],
    pub callers: &'a [String],
    pub mem: &'a MemSnap,
    /// Killable tasks, in task-list order (`for_each_process`).
    pub tasks: &'a [TaskRow],
    /// Index into `tasks` of the victim, `None` when nothing is killable.
    pub victim: Option<usize>,
}

/// The OOM killer's report: `dump_header()` (header, stack, Mem-Info, task table), then
/// `dump_oom_victim()` and `__oom_kill_process()`'s kill line — or the
/// "no killable processes" panic.
#[must_use]
pub fn oom_report(r: &OomReport<'_>) -> Vec<String> {
    let mut out = vec![format!(
        "{} invoked oom-killer: gfp_mask={}, order={}, oom_score_adj={}",
        r.comm, r.gfp_text, r.order, r.oom_score_adj
    )];
    out.extend(dump_stack(r.pid, r.comm, r.stack, r.callers));
    out.extend(show_mem(r.mem, r.gfp_zone));
    out.push("Tasks state (memory values in pages):".to_string());
    out.push(
        "[  pid  ]   uid  tgid total_vm      rss rss_anon rss_file rss_shmem pgtables_bytes swapents oom_score_adj name"
            .to_string(),
    );
    out.extend(r.tasks.iter().map(dump_task));
    if let Some(v) = r.victim.and_then(|i| r.tasks.get(i)) {
        out.push(format!(
            "oom-kill:constraint=CONSTRAINT_NONE,nodemask=(null),cpuset=/,mems_allowed=0,global_oom,task_memcg=/,task={},pid={},uid={}",
            v.comm, v.pid, v.uid
        ));
        out.push(format!(
            "Out of memory: Killed process {} ({}) total-vm:{}kB, anon-rss:{}kB, file-rss:{}kB, shmem-rss:{}kB, UID:{} pgtables:{}kB oom_score_adj:{}",
            v.pid,
            v.comm,
            k(v.total_vm),
            k(v.rss_anon),
            k(v.rss_file),
            k(v.rss_shmem),
            v.uid,
            v.pgtables_bytes / 1024,
            v.oom_score_adj
        ));
    } else {
        out.push("Out of memory and no killable processes...".to_string());
        out.push("Kernel panic - not syncing: System is deadlocked on memory".to_string());
    }
    out
}

/// A lock as lockdep prints it: `(name){usage}-{inner:outer}, at: function`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LockdepLock {
    pub name: String,
    /// `true` for sleeping locks (mutex/rwsem: `{3:3}`), false for spinlocks (`{2:2}`).
    pub sleeping: bool,
    pub at: String,
}

impl LockdepLock {
    fn class(&self) -> String {
        let w = if self.name == "fs_reclaim" {
            "{0:0}"
        } else if self.sleeping {
            "{3:3}"
        } else {
            "{2:2}"
        };
        format!("({}){{+.+.}}-{w}", self.name)
    }
}

/// lockdep's `print_circular_bug()` for the fs_reclaim recursion: `comm/pid` holds `held`
/// and acquires `fs_reclaim` in an allocation, while filesystem reclaim (holding
/// fs_reclaim) takes `held` in `reclaim_stack`. Stacks are innermost first.
#[must_use]
pub fn lockdep_fs_reclaim(
    comm: &str,
    pid: u32,
    held: &LockdepLock,
    all_held: &[LockdepLock],
    alloc_stack: &[String],
    reclaim_stack: &[String],
) -> Vec<String> {
    let fs = LockdepLock {
        name: "fs_reclaim".to_string(),
        sleeping: false,
        at: "fs_reclaim_acquire".to_string(),
    };
    let mut out = vec![
        String::new(),
        "======================================================".to_string(),
        "WARNING: possible circular locking dependency detected".to_string(),
        "6.12.117 #1 Not tainted".to_string(),
        "------------------------------------------------------".to_string(),
        format!("{comm}/{pid} is trying to acquire lock:"),
        format!("{}, at: {}", fs.class(), fs.at),
        String::new(),
        "but task is already holding lock:".to_string(),
        format!("{}, at: {}", held.class(), held.at),
        String::new(),
        "which lock already depends on the new lock.".to_string(),
        String::new(),
        String::new(),
        "the existing dependency chain (in reverse order) is:".to_string(),
        String::new(),
        format!("-> #1 {}:", held.class()),
    ];
    out.extend(reclaim_stack.iter().map(|f| format!("       {f}")));
    out.push(String::new());
    out.push(format!("-> #0 {}:", fs.class()));
    out.push("       __lock_acquire".to_string());
    out.push("       lock_acquire".to_string());
    out.extend(alloc_stack.iter().map(|f| format!("       {f}")));
    out.push(String::new());
    out.push("other info that might help us debug this:".to_string());
    out.push(String::new());
    out.push(" Possible unsafe locking scenario:".to_string());
    out.push(String::new());
    out.push("       CPU0                    CPU1".to_string());
    out.push("       ----                    ----".to_string());
    out.push(format!("  lock({});", held.name));
    out.push("                               lock(fs_reclaim);".to_string());
    out.push(format!(
        "                               lock({});",
        held.name
    ));
    out.push("  lock(fs_reclaim);".to_string());
    out.push(String::new());
    out.push(" *** DEADLOCK ***".to_string());
    out.push(String::new());
    out.push(format!(
        "{} lock{} held by {comm}/{pid}:",
        all_held.len(),
        if all_held.len() == 1 { "" } else { "s" }
    ));
    for (i, l) in all_held.iter().enumerate() {
        out.push(format!(" #{i}: {}, at: {}", l.class(), l.at));
    }
    out.push(String::new());
    out.push("stack backtrace:".to_string());
    out.push(format!(
        "CPU: 0 UID: 0 PID: {pid} Comm: {comm} Not tainted 6.12.117 #1"
    ));
    // The report is printed as one block; drop the leading empty line pr_warn("\n") makes.
    out.remove(0);
    out
}

/// Inputs of SLUB's `slab_out_of_memory()`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SlubOomInfo<'a> {
    pub cache: &'a str,
    pub object_size: u32,
    pub size: u32,
    pub order: u32,
    pub min_order: u32,
    /// The `node` argument: -1 (NUMA_NO_NODE) for plain kmalloc.
    pub nid: i32,
    pub gfp_text: &'a str,
    pub slabs: u64,
    pub objs: u64,
    pub free: u64,
}

/// `slab_out_of_memory()` (mm/slub.c, 6.12).
#[must_use]
pub fn slub_oom(s: &SlubOomInfo<'_>) -> Vec<String> {
    vec![
        format!(
            "SLUB: Unable to allocate memory on CPU 0 (of node 0) on node {}, gfp={}",
            s.nid, s.gfp_text
        ),
        format!(
            "  cache: {}, object size: {}, buffer size: {}, default order: {}, min order: {}",
            s.cache, s.object_size, s.size, s.order, s.min_order
        ),
        format!(
            "  node 0: slabs: {}, objs: {}, free: {}",
            s.slabs, s.objs, s.free
        ),
    ]
}

/// The headline `WARN_ON_ONCE()` prints (`__warn()` in kernel/panic.c): the file and line of
/// the check, the function it is in, and here also the condition that fired.
#[must_use]
pub fn warn_on_once(pid: u32, function: &str, line: u32, condition: &str) -> String {
    format!("WARNING: CPU: 0 PID: {pid} at mm/page_alloc.c:{line} {function} ({condition})")
}

/// mm/page_alloc.c line (Linux 6.12.117) of each `__GFP_NOFAIL` sanity check at the top of
/// `__alloc_pages_slowpath` (commit 903edea6), keyed by the condition text.
#[must_use]
pub fn slowpath_nofail_warn_line(condition: &str) -> u32 {
    match condition {
        "order > 1" => 4309,
        "!can_direct_reclaim" => 4314,
        _ => 4320, // "current->flags & PF_MEMALLOC"
    }
}

/// mm/page_alloc.c line (Linux 6.12.117) of `WARN_ON_ONCE_GFP(order > MAX_PAGE_ORDER, gfp)`
/// in `__alloc_pages_noprof()`.
pub const ORDER_TOO_LARGE_WARN_LINE: u32 = 4832;

/// mm/page_alloc.c line (Linux 6.12.117) of `WARN_ON_ONCE_GFP(gfp_mask & __GFP_NOFAIL, ...)`
/// in `__alloc_pages_may_oom`, reached when `out_of_memory()` made no progress.
pub const MAY_OOM_NOFAIL_WARN_LINE: u32 = 3725;

#[cfg(test)]
mod tests {
    use super::*;

    /// The DMA zone line of the real 6.6 syzbot report (data/reports/06-…).
    fn dma_zone() -> ZoneSnap {
        let mut nr_free = vec![0; 11];
        nr_free[8] = 1;
        nr_free[9] = 1;
        nr_free[10] = 3;
        let mut types = vec![0; 11];
        types[8] = 1; // U
        types[9] = 2; // M
        types[10] = 2; // M
        ZoneSnap {
            zone: Some(ZoneType::Dma),
            name: "DMA",
            free: 3840,
            min: 5,
            low: 8,
            high: 11,
            present: 3998,
            managed: 3840,
            lowmem_reserve: vec![0, 2814, 6738, 6738],
            nr_free,
            types,
            ..ZoneSnap::default()
        }
    }

    #[test]
    fn zone_and_buddy_lines_match_real_6_6_report() {
        let mem = MemSnap {
            zones: vec![dma_zone()],
            ..MemSnap::default()
        };
        let lines = show_mem(&mem, ZoneType::Normal);
        let real = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../tests/data/kernel/reports/06-show_mem-meminfo-6.6-rc6-x86_64-syzbot.txt"
        ));
        let expected_zone = "Node 0 DMA free:15360kB boost:0kB min:20kB low:32kB high:44kB reserved_highatomic:0KB active_anon:0kB inactive_anon:0kB active_file:0kB inactive_file:0kB unevictable:0kB writepending:0kB present:15992kB managed:15360kB mlocked:0kB bounce:0kB free_pcp:0kB local_pcp:0kB free_cma:0kB";
        let expected_buddy = "Node 0 DMA: 0*4kB 0*8kB 0*16kB 0*32kB 0*64kB 0*128kB 0*256kB 0*512kB 1*1024kB (U) 1*2048kB (M) 3*4096kB (M) = 15360kB";
        assert!(lines.iter().any(|l| l == expected_zone), "{lines:#?}");
        assert!(lines.iter().any(|l| l == expected_buddy));
        assert!(
            lines
                .iter()
                .any(|l| l == "lowmem_reserve[]: 0 2814 6738 6738")
        );
        let real = real.expect("the real 6.6 report is in tests/data/kernel/reports");
        assert!(real.lines().any(|l| l == expected_zone));
        assert!(real.lines().any(|l| l == expected_buddy));
    }

    #[test]
    fn show_mem_filters_zones_above_gfp_zone() {
        let mut dma32 = dma_zone();
        dma32.zone = Some(ZoneType::Dma32);
        dma32.name = "DMA32";
        let mem = MemSnap {
            zones: vec![dma_zone(), dma32],
            ..MemSnap::default()
        };
        let lines = show_mem(&mem, ZoneType::Dma);
        assert!(lines.iter().any(|l| l.starts_with("Node 0 DMA free:")));
        assert!(!lines.iter().any(|l| l.starts_with("Node 0 DMA32")));
    }

    #[test]
    fn dump_task_columns_like_kernel() {
        let row = TaskRow {
            pid: 4410,
            uid: 0,
            tgid: 4410,
            total_vm: 3801234,
            rss_anon: 3712044,
            pgtables_bytes: 29908992,
            comm: "stress-ng".to_string(),
            ..TaskRow::default()
        };
        assert_eq!(
            dump_task(&row),
            "[   4410]     0  4410  3801234  3712044  3712044        0         0 29908992        0             0 stress-ng"
        );
    }

    #[test]
    fn oom_report_header_and_kill_line() {
        let tasks = [TaskRow {
            pid: 77,
            uid: 0,
            tgid: 77,
            total_vm: 1000,
            rss_anon: 900,
            pgtables_bytes: 8192,
            oom_score_adj: 0,
            comm: "hog".to_string(),
            ..TaskRow::default()
        }];
        let mem = MemSnap::default();
        let lines = oom_report(&OomReport {
            comm: "systemd",
            pid: 1,
            gfp_text: "0xcc0(GFP_KERNEL)",
            gfp_zone: ZoneType::Normal,
            order: 0,
            oom_score_adj: 100,
            stack: &["dump_header"],
            callers: &[],
            mem: &mem,
            tasks: &tasks,
            victim: Some(0),
        });
        assert_eq!(
            lines[0],
            "systemd invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL), order=0, oom_score_adj=100"
        );
        assert_eq!(
            lines.last().unwrap(),
            "Out of memory: Killed process 77 (hog) total-vm:4000kB, anon-rss:3600kB, file-rss:0kB, shmem-rss:0kB, UID:0 pgtables:8kB oom_score_adj:0"
        );
        assert!(
            lines
                .iter()
                .any(|l| l.starts_with("oom-kill:constraint=CONSTRAINT_NONE"))
        );
    }

    #[test]
    fn lockdep_report_shape() {
        let held = LockdepLock {
            name: "&xfs_ilock".to_string(),
            sleeping: true,
            at: "xfs_create".to_string(),
        };
        let lines = lockdep_fs_reclaim(
            "touch",
            812,
            &held,
            std::slice::from_ref(&held),
            &["fs_reclaim_acquire".to_string()],
            &["super_cache_scan".to_string()],
        );
        assert_eq!(
            lines[1],
            "WARNING: possible circular locking dependency detected"
        );
        assert!(lines.contains(&"touch/812 is trying to acquire lock:".to_string()));
        assert!(lines.contains(&"(&xfs_ilock){+.+.}-{3:3}, at: xfs_create".to_string()));
        assert!(lines.contains(&" *** DEADLOCK ***".to_string()));
    }
}

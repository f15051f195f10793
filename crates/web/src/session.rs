//! The one owner of the engine run.
//!
//! [`Session`] holds the scenario [`Run`] and turns it into cheap, immutable
//! [`Snapshot`]s for the components: `Rc`'d views that compare by pointer first, so a
//! panel whose input did not change does not re-render. Nothing here interprets a
//! kernel rule; it only moves the run and packages what the engine reports.

use std::collections::BTreeMap;
use std::rc::Rc;

use gfpscope_engine::view::{
    AllocView, BuddyOpView, DecisionView, LogEntry, SlabCacheView, StepView, ZoneView,
};
use yew::AttrValue;

pub use gfpscope_engine::scenario::{Diagnostic, HistoryPoint, Run, TokenClass, highlight};
use gfpscope_engine::scenario::{PageCodesUpdate, library};

/// The background computation stops at this step when the run's end has not been
/// reached: the default `step_limit`, so every scenario that keeps it is computed whole.
/// Measured for a pressure run on the 64 MiB machine: 200,000 steps take about 180 MiB
/// of wasm memory (keyframes are capped at 96 MiB, the rest is log and history) and
/// about 3 s in the background. The user continues past it with Run or by stepping.
pub const BACKGROUND_STEPS: u64 = gfpscope_engine::scenario::interp::DEFAULT_STEP_LIMIT;
/// ... or when the log holds this many entries (a run whose steps log a lot).
pub const BACKGROUND_LOG_ENTRIES: usize = 400_000;

/// Log kinds that get a marker on the timeline and can be used as breakpoints.
pub const MARKER_KINDS: &[(&str, &str)] = &[
    ("kswapd_wake", "kswapd wake"),
    ("direct_reclaim", "direct reclaim"),
    ("reclaim_skip", "reclaim skipped"),
    ("compaction", "compaction"),
    ("oom_kill", "OOM kill"),
    ("alloc_fail", "allocation failure"),
    ("bug", "BUG / warning"),
];

/// Extra breakpoint kinds that are too frequent for timeline markers.
pub const BREAK_ONLY_KINDS: &[(&str, &str)] = &[
    ("alloc", "any allocation"),
    ("scope_save", "scope save"),
    ("scope_restore", "scope restore"),
];

/// A user action that moves the run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Cmd {
    Step,
    StepOver,
    StepOut,
    StepBack,
    RunToEnd,
    Reset,
    Seek(u64),
    /// Run until the next log entry of this kind.
    RunUntil(&'static str),
}

/// One timeline marker.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Marker {
    pub step: u64,
    /// Index into [`MARKER_KINDS`].
    pub kind: usize,
}

/// The memory map's input: page codes, shared until they change.
///
/// Two `PageCodes` are equal when they are the same generation: every new content gets
/// a number never used before (by any session: a new scenario must not look like the
/// next step of the old one), so props and effect dependencies compare two integers
/// instead of 262,144 bytes.
#[derive(Debug, Default)]
pub struct PageCodes {
    /// One byte per pfn (`gfpscope_engine::view::page_code`).
    pub codes: Vec<u8>,
    /// Distinct for each content published (0: none yet).
    pub generation: u64,
    /// When known: the pfn ranges that differ from generation `base` (the previous one),
    /// so that the memory map repaints just those rows.
    pub changed: Option<(u64, Vec<std::ops::Range<u64>>)>,
}

/// The last [`PageCodes::generation`] handed out.
static LAST_GENERATION: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

impl PageCodes {
    /// A number no `PageCodes` had before.
    fn next_generation() -> u64 {
        LAST_GENERATION.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1
    }
}

impl PartialEq for PageCodes {
    fn eq(&self, other: &Self) -> bool {
        self.generation == other.generation
    }
}

/// Downsampled series for the plots.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PlotData {
    pub steps: Vec<u64>,
    /// Per zone: (name, free, min, low, high) per sample.
    pub zones: Vec<ZoneSeries>,
    pub scanned: Vec<u64>,
    pub reclaimed: Vec<u64>,
    /// (step, latency in simulated steps) of each allocation.
    pub latency: Vec<(u64, u64)>,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct ZoneSeries {
    /// Zone name as the kernel prints it ("DMA32").
    pub name: String,
    pub free: Vec<u64>,
    pub min: Vec<u64>,
    pub low: Vec<u64>,
    pub high: Vec<u64>,
}

/// How much of the run is known, for the timeline: it grows while the rest of the run
/// is computed in the background.
#[derive(Debug, PartialEq, Eq)]
pub struct Extent {
    /// The furthest step computed.
    pub known: u64,
    /// `known` is the run's last step.
    pub end_known: bool,
    /// The background computation has more to do (false at the end or at its cap).
    pub computing: bool,
    /// Markers of every known step.
    pub markers: Rc<[Marker]>,
}

/// Everything the components draw for one step.
#[derive(Debug, PartialEq)]
pub struct Snapshot {
    pub step: u64,
    /// Steps computed so far (the run's end, once it has been reached).
    pub known: u64,
    pub finished: bool,
    pub view: Rc<StepView>,
    pub pages: Rc<PageCodes>,
    /// The newest log entries up to the current step, newest last (see [`log_window_start`]).
    pub log: Rc<[Rc<LogEntry>]>,
    /// Total number of log entries up to the current step.
    pub log_total: usize,
    /// Whether `log` includes the entries of background memory users.
    pub background_shown: bool,
    pub plots: Rc<PlotData>,
    /// Result of the last `RunUntil`: false when the run ended without a hit.
    pub last_break_hit: Option<bool>,
    /// Zones and slab caches of this step, shared with the previous snapshot while
    /// unchanged (so the panels that draw only them skip re-rendering).
    pub zones: Rc<[ZoneView]>,
    pub slabs: Rc<[SlabCacheView]>,
    /// Buddy splits and merges of this step (shared while unchanged, like `zones`).
    pub buddy_ops: Rc<[BuddyOpView]>,
    /// True when this step was reached by executing exactly one step forward from the
    /// previous snapshot (step, or a step over/out/run-until that ran one step): panels
    /// may animate what the step did. False after a jump (back, seek, reset, run to
    /// end, a longer run, a new scenario), which must not animate.
    pub stepped: bool,
    /// The allocation this step made.
    pub alloc: Option<Rc<AllocView>>,
    /// When this step made no allocation: the latest earlier one seen in this session.
    pub previous_alloc: Option<(u64, Rc<AllocView>)>,
    /// Slow-path decisions and reclaim details of this step or, when it had none,
    /// of the latest earlier step seen that had some (with that step's number).
    pub detail: Option<(u64, Rc<Detail>)>,
}

/// How many log entries the event log shows at least (the newest ones).
pub const LOG_WINDOW: usize = 200;
/// The event log's window starts at a multiple of this many entries.
pub const LOG_CHUNK: usize = 100;

/// Where the event log's window starts among `n` entries: the newest [`LOG_WINDOW`] to
/// `LOG_WINDOW + LOG_CHUNK - 1` entries, from a multiple of [`LOG_CHUNK`]. A window that
/// slid by one entry per new entry would change its first element on every step, and
/// Yew would move or rebuild every row of the list; this one only grows or shrinks at
/// its end, except once every `LOG_CHUNK` entries.
pub fn log_window_start(n: usize) -> usize {
    if n <= LOG_WINDOW {
        0
    } else {
        (n - LOG_WINDOW) / LOG_CHUNK * LOG_CHUNK
    }
}
/// Plot samples at most.
const PLOT_POINTS: usize = 600;

/// Owner of the run.
pub struct Session {
    run: Run,
    pages: Rc<PageCodes>,
    /// The run's page codes, kept up to date by `Run::page_codes_update` (which recomputes
    /// only what a step changed); published as `pages` when they differ.
    scratch: Vec<u8>,
    /// `run.log()` entries as shared `Rc`s (the log only grows), so that an event-log
    /// row whose entry did not change is not re-rendered.
    log_rcs: Vec<Rc<LogEntry>>,
    /// Indices into `log_rcs` of the entries that are not background users'.
    own_log: Vec<usize>,
    zones: Rc<[ZoneView]>,
    slabs: Rc<[SlabCacheView]>,
    buddy_ops: Rc<[BuddyOpView]>,
    show_background: bool,
    markers: Rc<[Marker]>,
    markers_scanned: usize,
    extent: Rc<Extent>,
    /// Background caps: [`BACKGROUND_STEPS`] and [`BACKGROUND_LOG_ENTRIES`].
    step_cap: u64,
    log_cap: usize,
    plots: Rc<PlotData>,
    plot_cache: PlotCache,
    /// Allocations and decisions per step, as seen so far (for the "from step N" views).
    allocs: BTreeMap<u64, Rc<AllocView>>,
    details: BTreeMap<u64, Rc<Detail>>,
}

/// Log kinds shown as reclaim details in the decision panel.
pub const RECLAIM_KINDS: &[&str] = &[
    "direct_reclaim",
    "shrink_slab",
    "reclaim_skip",
    "reclaim_result",
    "reclaim_retry",
    "writeback",
    "compaction",
    "kswapd",
    "nopage",
    "oom_kill",
    "oom_skip",
    "alloc_fail",
];

/// Task name the engine gives background memory users.
pub const BACKGROUND_TASK: &str = "<background>";

/// What the decision panel shows for one step.
#[derive(Debug, PartialEq)]
pub struct Detail {
    pub decisions: Vec<DecisionView>,
    /// Reclaim-related log entries of the scenario's tasks (not background users).
    pub reclaim: Vec<LogEntry>,
    /// Reclaim-related entries of background memory users in the same step.
    pub background: usize,
}

impl Detail {
    /// The decisions and reclaim details of a step's view; `None` when it has neither.
    fn of(view: &StepView) -> Option<Detail> {
        let reclaim = |e: &&LogEntry| RECLAIM_KINDS.contains(&e.kind.as_str());
        let (background, own): (Vec<&LogEntry>, Vec<&LogEntry>) = view
            .events
            .iter()
            .filter(reclaim)
            .partition(|e| e.task == BACKGROUND_TASK);
        (!view.decisions.is_empty() || !own.is_empty()).then(|| Detail {
            decisions: view.decisions.clone(),
            reclaim: own.into_iter().cloned().collect(),
            background: background.len(),
        })
    }
}

/// A built-in scenario as the picker shows it (the title is from its header).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScenarioItem {
    pub name: &'static str,
    pub title: AttrValue,
    /// The text once known: the default is compiled in, the others are fetched from
    /// `library/NAME.c` when first picked (the engine is built without them).
    pub source: Option<AttrValue>,
}

/// The built-in library.
pub fn builtins() -> Vec<ScenarioItem> {
    library::LIBRARY
        .iter()
        .map(|e| ScenarioItem {
            name: e.name,
            title: AttrValue::Static(e.title),
            source: e.embedded_source().map(AttrValue::Static),
        })
        .collect()
}

/// Where the web app fetches a built-in scenario's text from, relative to the page.
pub fn builtin_url(name: &str) -> String {
    format!("library/{name}.c")
}

/// Name of the scenario the page opens on.
pub fn default_scenario() -> &'static str {
    library::default_entry().name
}

impl Session {
    /// Parses and starts `src`. Diagnostics come back unchanged on bad input.
    pub fn load(file_name: &str, src: &str) -> Result<Session, Vec<Diagnostic>> {
        let run = Run::new(file_name, src)?;
        let mut s = Session {
            run,
            pages: Rc::new(PageCodes::default()),
            scratch: Vec::new(),
            log_rcs: Vec::new(),
            own_log: Vec::new(),
            zones: Rc::from(Vec::new()),
            slabs: Rc::from(Vec::new()),
            buddy_ops: Rc::from(Vec::new()),
            show_background: false,
            markers: Rc::from(Vec::new()),
            markers_scanned: 0,
            extent: Rc::new(Extent {
                known: 0,
                end_known: false,
                computing: false,
                markers: Rc::from(Vec::new()),
            }),
            step_cap: BACKGROUND_STEPS,
            log_cap: BACKGROUND_LOG_ENTRIES,
            plots: Rc::new(PlotData::default()),
            plot_cache: PlotCache::default(),
            allocs: BTreeMap::new(),
            details: BTreeMap::new(),
        };
        s.refresh_shared();
        s.extent();
        Ok(s)
    }

    /// Whether the background computation has more to do: the run's end is not known
    /// yet and neither [`BACKGROUND_STEPS`] nor [`BACKGROUND_LOG_ENTRIES`] is reached.
    pub fn computing(&self) -> bool {
        !self.run.end_known()
            && self.run.known_steps() < self.step_cap
            && self.run.log().len() < self.log_cap
    }

    /// Computes up to `max_steps` more steps of the run ahead of the current step
    /// (which does not move), within the background caps. Returns the steps computed:
    /// 0 when there is nothing left to do in the background. The caller times it.
    pub fn compute_ahead(&mut self, max_steps: u64) -> u64 {
        if !self.computing() {
            return 0;
        }
        let left = self.step_cap.saturating_sub(self.run.known_steps());
        self.run.extend(max_steps.min(left))
    }

    /// How much of the run is known, with its markers; the same `Rc` while unchanged.
    pub fn extent(&mut self) -> Rc<Extent> {
        self.refresh_markers();
        let next = Extent {
            known: self.run.known_steps(),
            end_known: self.run.end_known(),
            computing: self.computing(),
            markers: Rc::clone(&self.markers),
        };
        if next != *self.extent {
            self.extent = Rc::new(next);
        }
        Rc::clone(&self.extent)
    }

    /// The running scenario's header: (title, teaching point, source citation).
    pub fn header(&self) -> (Option<String>, Option<String>, Option<String>) {
        let h = &self.run.scenario().header;
        (h.title.clone(), h.teaches.clone(), h.source.clone())
    }

    pub fn source(&self) -> &str {
        self.run.source()
    }

    /// Applies one command and returns the new snapshot.
    pub fn apply(&mut self, cmd: &Cmd) -> Snapshot {
        let before = self.run.current_step();
        let mut hit = None;
        match cmd {
            Cmd::Step => {
                self.run.step();
            }
            Cmd::StepOver => {
                self.run.step_over();
            }
            Cmd::StepOut => {
                self.run.step_out();
            }
            Cmd::StepBack => self.run.step_back(),
            Cmd::RunToEnd => self.run.run_to_end(),
            Cmd::Reset => self.run.seek(0),
            Cmd::Seek(n) => self.run.seek(*n),
            Cmd::RunUntil(kind) => {
                hit = Some(self.run.run_until(|e| e.kind == *kind));
            }
        }
        self.refresh_shared();
        let mut snap = self.snapshot();
        snap.last_break_hit = hit;
        let forward = matches!(
            cmd,
            Cmd::Step | Cmd::StepOver | Cmd::StepOut | Cmd::RunUntil(_)
        );
        snap.stepped = forward && snap.step == before + 1;
        snap
    }

    /// The snapshot of the current step.
    pub fn snapshot(&mut self) -> Snapshot {
        let view = self.run.view();
        let step = self.run.current_step();
        if view.alloc.is_none() {
            self.recall_last_alloc(step);
        }
        let alloc = view.alloc.as_ref().map(|a| Rc::new(a.clone()));
        if let Some(a) = &alloc {
            self.allocs.insert(step, Rc::clone(a));
        }
        if *self.zones != *view.zones {
            self.zones = Rc::from(view.zones.clone());
        }
        if *self.slabs != *view.slab_caches {
            self.slabs = Rc::from(view.slab_caches.clone());
        }
        if *self.buddy_ops != *view.buddy_ops {
            self.buddy_ops = Rc::from(view.buddy_ops.clone());
        }
        if let Some(d) = Detail::of(&view) {
            self.details.insert(step, Rc::new(d));
        }
        let previous_alloc = view
            .alloc
            .is_none()
            .then(|| self.allocs.range(..step).next_back())
            .flatten()
            .map(|(s, a)| (*s, Rc::clone(a)));
        let detail = self
            .details
            .range(..=step)
            .next_back()
            .map(|(s, d)| (*s, Rc::clone(d)));
        let log = self.run.log();
        let upto = log.partition_point(|e| e.step <= step);
        // Only entries up to the current step are shared (the log may already hold the
        // whole run, computed in the background).
        if self.log_rcs.len() < upto {
            let new: Vec<LogEntry> = log.get(self.log_rcs.len()..upto).unwrap_or(&[]).to_vec();
            for e in new {
                self.push_log(Rc::new(e));
            }
        }
        let shown = self.log_window(upto);
        Snapshot {
            step,
            known: self.run.known_steps().max(step),
            finished: view.finished,
            view: Rc::new(view),
            pages: Rc::clone(&self.pages),
            log: shown,
            log_total: upto,
            background_shown: self.show_background,
            plots: Rc::clone(&self.plots),
            last_break_hit: None,
            zones: Rc::clone(&self.zones),
            slabs: Rc::clone(&self.slabs),
            buddy_ops: Rc::clone(&self.buddy_ops),
            stepped: false,
            alloc,
            previous_alloc,
            detail,
        }
    }

    /// Shows or hides the log entries of background memory users.
    pub fn set_show_background(&mut self, on: bool) {
        self.show_background = on;
    }

    /// Shares one more log entry (in log order).
    fn push_log(&mut self, e: Rc<LogEntry>) {
        if e.task != BACKGROUND_TASK {
            self.own_log.push(self.log_rcs.len());
        }
        self.log_rcs.push(e);
    }

    /// The event log's entries before index `upto` (see [`log_window_start`]), without
    /// background users' entries unless they are shown.
    fn log_window(&self, upto: usize) -> Rc<[Rc<LogEntry>]> {
        let before = self.log_rcs.get(..upto).unwrap_or(&[]);
        if self.show_background {
            return before
                .get(log_window_start(upto)..)
                .map_or_else(|| Rc::from(Vec::new()), Rc::from);
        }
        let count = self.own_log.partition_point(|&i| i < upto);
        let own = self
            .own_log
            .get(log_window_start(count)..count)
            .unwrap_or(&[]);
        own.iter().filter_map(|&i| before.get(i).cloned()).collect()
    }

    /// After a jump, the last allocation before `step` may not have been seen yet: find
    /// it in the log and visit its step once (a seek there and back) to record its
    /// allocation and decisions, so the panels can show it as "from step N".
    fn recall_last_alloc(&mut self, step: u64) {
        let log = self.run.log();
        let upto = log.partition_point(|e| e.step < step);
        let last = log
            .get(..upto)
            .unwrap_or(&[])
            .iter()
            .rev()
            .find(|e| e.kind == "alloc" && e.task != BACKGROUND_TASK)
            .map(|e| e.step);
        let Some(at) = last else { return };
        if self.allocs.contains_key(&at) {
            return;
        }
        self.run.seek(at);
        let then = self.run.view();
        if let Some(d) = Detail::of(&then) {
            self.details.entry(at).or_insert_with(|| Rc::new(d));
        }
        if let Some(a) = then.alloc {
            self.allocs.insert(at, Rc::new(a));
        }
        self.run.seek(step);
    }

    /// Re-shares the large inputs only when they changed, so that their `Rc`s stay
    /// pointer-equal and the memory map and plots skip redrawing.
    fn refresh_shared(&mut self) {
        self.refresh_pages();
        self.refresh_plots();
    }

    /// Publishes new page codes when the step changed any.
    fn refresh_pages(&mut self) {
        let changed = match self.run.page_codes_update(&mut self.scratch) {
            PageCodesUpdate::All if self.pages.codes == self.scratch => return,
            PageCodesUpdate::All => None,
            PageCodesUpdate::Ranges(r) if r.is_empty() => return,
            PageCodesUpdate::Ranges(r) => Some((self.pages.generation, r)),
        };
        self.pages = Rc::new(PageCodes {
            codes: self.scratch.clone(),
            generation: PageCodes::next_generation(),
            changed,
        });
    }

    fn refresh_plots(&mut self) {
        let history = self.run.history();
        let upto = history.partition_point(|h| h.step <= self.run.current_step());
        let prefix = history.get(..upto).unwrap_or(&[]);
        if self.plot_cache.update(prefix, self.run.history_zones()) {
            self.plots = Rc::new(self.plot_cache.data.clone());
        }
    }

    /// Adds the markers of log entries computed since the last call.
    fn refresh_markers(&mut self) {
        let log = self.run.log();
        if log.len() < self.markers_scanned {
            self.markers = Rc::from(Vec::new());
            self.markers_scanned = 0;
        }
        if log.len() > self.markers_scanned {
            let mut markers: Vec<Marker> = self.markers.to_vec();
            let new = log.get(self.markers_scanned..).unwrap_or(&[]);
            markers.extend(new.iter().filter_map(|e| {
                MARKER_KINDS
                    .iter()
                    .position(|(k, _)| *k == e.kind)
                    .map(|kind| Marker { step: e.step, kind })
            }));
            if markers.len() != self.markers.len() {
                self.markers = Rc::from(markers);
            }
            self.markers_scanned = log.len();
        }
    }
}

/// [`plot_data`] of a growing history prefix at the cost of its new points: a step
/// forward at the end of a 100,000-step run would otherwise downsample the whole history
/// again. Equal to [`plot_data`] of the same prefix (tested).
#[derive(Default)]
struct PlotCache {
    data: PlotData,
    /// The prefix `data` shows: its length and last step (which tells a history thinned
    /// since, whose points at the same index are other steps, from a grown one).
    len: usize,
    last_step: Option<u64>,
    /// `(step, latency)` of every allocation of the prefix with a latency.
    latency: Vec<(u64, u64)>,
}

impl PlotCache {
    /// Brings `data` to the prefix `history`; false when it already showed it.
    fn update(&mut self, history: &[HistoryPoint], zone_names: &[String]) -> bool {
        let last_step = history.last().map(|h| h.step);
        if history.len() == self.len && last_step == self.last_step {
            return false;
        }
        let stride = bucket_size(history.len());
        let kept = self.reusable_buckets(history, stride);
        if kept == 0 {
            self.data = plot_data(history, zone_names);
            self.latency = latency_points(history).collect();
        } else {
            // Keep the full buckets both prefixes share, bucket the rest again.
            let from = kept * stride;
            self.data.truncate_samples(kept);
            push_buckets(&mut self.data, history, from, stride);
            let old_lstride = bucket_size(self.latency.len());
            let shared_until = history[from - 1].step;
            let shared = self.latency.partition_point(|p| p.0 <= shared_until);
            self.latency.truncate(shared);
            self.latency.extend(latency_points(&history[from..]));
            let lstride = bucket_size(self.latency.len());
            let lkept = if lstride == old_lstride {
                shared / lstride
            } else {
                0
            };
            self.data.latency.truncate(lkept);
            push_latency(
                &mut self.data.latency,
                &self.latency,
                lkept * lstride,
                lstride,
            );
        }
        self.len = history.len();
        self.last_step = last_step;
        true
    }

    /// How many leading buckets of `data` stay valid for `history` bucketed by `stride`:
    /// full buckets of both prefixes, the same points (a thinned history has other steps
    /// at the same indices, except for step 0).
    fn reusable_buckets(&self, history: &[HistoryPoint], stride: usize) -> usize {
        if self.len == 0 || bucket_size(self.len) != stride {
            return 0;
        }
        let k = (self.len / stride).min(history.len() / stride);
        if k == 0 {
            return 0;
        }
        let same =
            self.data.steps.get(k - 1).copied() == history.get(k * stride - 1).map(|h| h.step);
        if same { k } else { 0 }
    }
}

impl PlotData {
    /// Keeps the first `n` samples of every per-bucket series.
    fn truncate_samples(&mut self, n: usize) {
        self.steps.truncate(n);
        self.scanned.truncate(n);
        self.reclaimed.truncate(n);
        for z in &mut self.zones {
            z.free.truncate(n);
            z.min.truncate(n);
            z.low.truncate(n);
            z.high.truncate(n);
        }
    }
}

/// Points per bucket when `n` points are downsampled to at most [`PLOT_POINTS`].
fn bucket_size(n: usize) -> usize {
    n.div_ceil(PLOT_POINTS).max(1)
}

/// Appends one sample per bucket of `stride` points of `history[from..]`: the step and
/// zone numbers of the bucket's last point, the maximum reclaim activity inside it.
fn push_buckets(data: &mut PlotData, history: &[HistoryPoint], from: usize, stride: usize) {
    for bucket in history.get(from..).unwrap_or(&[]).chunks(stride) {
        let Some(last) = bucket.last() else { continue };
        data.steps.push(last.step);
        data.scanned
            .push(bucket.iter().map(|h| h.scanned).max().unwrap_or(0));
        data.reclaimed
            .push(bucket.iter().map(|h| h.reclaimed).max().unwrap_or(0));
        for (series, z) in data.zones.iter_mut().zip(last.zones.iter()) {
            series.free.push(z.free);
            series.min.push(z.min);
            series.low.push(z.low);
            series.high.push(z.high);
        }
    }
}

/// The allocations of `history` that waited, as `(step, latency)`.
fn latency_points(history: &[HistoryPoint]) -> impl Iterator<Item = (u64, u64)> + '_ {
    history
        .iter()
        .filter(|h| h.latency > 0)
        .map(|h| (h.step, u64::from(h.latency)))
}

/// Appends the slowest allocation of each bucket of `stride` points of `points[from..]`.
fn push_latency(out: &mut Vec<(u64, u64)>, points: &[(u64, u64)], from: usize, stride: usize) {
    out.extend(
        points
            .get(from..)
            .unwrap_or(&[])
            .chunks(stride)
            .filter_map(|c| c.iter().max_by_key(|p| p.1).copied()),
    );
}

/// Downsamples the run's history to at most [`PLOT_POINTS`] samples (keeping the
/// maximum of reclaim activity inside each bucket so that bursts stay visible).
pub fn plot_data(history: &[HistoryPoint], zone_names: &[String]) -> PlotData {
    let n_zones = history.last().map_or(0, |h| h.zones.len());
    let mut data = PlotData {
        zones: (0..n_zones)
            .map(|i| ZoneSeries {
                name: zone_names.get(i).cloned().unwrap_or_default(),
                ..ZoneSeries::default()
            })
            .collect(),
        ..PlotData::default()
    };
    push_buckets(&mut data, history, 0, bucket_size(history.len()));
    let points: Vec<(u64, u64)> = latency_points(history).collect();
    push_latency(&mut data.latency, &points, 0, bucket_size(points.len()));
    data
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::wasm_bindgen_test;

    /// Small and idle (no pressure header): cheap enough for an unoptimised wasm build.
    const SMALL: &str = "SYSCALL(t)\n{\n\tvoid *a = kmalloc(64, GFP_KERNEL);\n\tunsigned int n = memalloc_nofs_save();\n\tvoid *b = kmalloc(64, GFP_KERNEL);\n\tmemalloc_nofs_restore(n);\n\tkfree(b);\n\tkfree(a);\n\treturn 0;\n}\n";

    fn load() -> Session {
        Session::load("small.c", SMALL).expect("the test scenario parses")
    }

    #[wasm_bindgen_test]
    fn page_codes_say_what_a_step_changed_and_are_never_mistaken_for_another_sessions() {
        let mut s = load();
        let mut prev = s.snapshot().pages;
        let mut saw_ranges = false;
        for _ in 0..8 {
            let now = s.apply(&Cmd::Step).pages;
            if Rc::ptr_eq(&now, &prev) {
                continue;
            }
            assert!(now.generation > prev.generation);
            if let Some((base, ranges)) = &now.changed {
                saw_ranges = true;
                assert_eq!(*base, prev.generation);
                // Exactly the pages outside the ranges kept their codes.
                for (pfn, (a, b)) in prev.codes.iter().zip(&now.codes).enumerate() {
                    let inside = ranges.iter().any(|r| r.contains(&(pfn as u64)));
                    assert!(a == b || inside, "pfn {pfn:#x} changed outside {ranges:?}");
                }
            }
            prev = now;
        }
        assert!(saw_ranges, "no step reported its changed pages");
        // A new session on the same machine starts from numbers the old one never used.
        let other = load().snapshot().pages;
        assert!(other.generation > prev.generation);
        assert_ne!(*other, *prev);
    }

    #[wasm_bindgen_test]
    fn step_back_gives_back_the_same_snapshot_and_run_until_reports_hits_and_misses() {
        let mut s = load();
        for _ in 0..3 {
            s.apply(&Cmd::Step);
        }
        let at3 = s.snapshot();
        let at4 = s.apply(&Cmd::Step);
        assert_eq!(at4.step, 4);
        let back = s.apply(&Cmd::StepBack);
        assert_eq!(back.step, 3);
        assert_eq!(back.view, at3.view);
        assert_eq!(back.pages.codes, at3.pages.codes);
        assert_eq!(back.log, at3.log);
        assert_eq!(back.detail, at3.detail);
        // Same step again: page codes are unchanged, so the Rc is shared (no map redraw).
        let again = s.apply(&Cmd::Seek(3));
        assert!(Rc::ptr_eq(&again.pages, &back.pages));

        let reset = s.apply(&Cmd::Reset);
        let hit = s.apply(&Cmd::RunUntil("alloc"));
        assert_eq!(
            hit.stepped,
            hit.step == 1,
            "a run-until of one step is a step"
        );
        assert_eq!(hit.last_break_hit, Some(true));
        assert!(hit.step > reset.step);
        assert!(hit.view.events.iter().any(|e| e.kind == "alloc"));
        assert!(hit.view.alloc.is_some());
        let miss = s.apply(&Cmd::RunUntil("oom_kill"));
        assert_eq!(miss.last_break_hit, Some(false));
        assert!(miss.finished);
        // Later steps without an allocation still show the last one, with its step.
        assert!(miss.view.alloc.is_none());
        assert!(miss.previous_alloc.is_some());
    }

    #[wasm_bindgen_test]
    fn only_one_step_forward_counts_as_stepped() {
        let mut s = load();
        assert!(!s.snapshot().stepped, "the first view is not a step");
        assert!(s.apply(&Cmd::Step).stepped);
        assert!(s.apply(&Cmd::Step).stepped);
        assert!(!s.apply(&Cmd::StepBack).stepped, "back is a jump");
        assert!(
            !s.apply(&Cmd::Seek(2)).stepped,
            "a seek by one is still a jump"
        );
        assert!(s.apply(&Cmd::Step).stepped);
        assert!(!s.apply(&Cmd::Reset).stepped);
        let end = s.apply(&Cmd::RunToEnd);
        assert!(end.step > 1 && !end.stepped, "running to the end is a jump");
        let again = s.apply(&Cmd::Step);
        assert!(!again.stepped, "a step at the end does not move");
    }

    #[wasm_bindgen_test]
    fn a_jump_still_shows_the_last_allocation_before_it() {
        let mut s = load();
        let first_alloc = {
            let mut probe = load();
            probe.apply(&Cmd::RunUntil("alloc")).step
        };
        let after = s.apply(&Cmd::Seek(first_alloc + 1));
        assert_eq!(after.step, first_alloc + 1);
        assert!(
            after.alloc.is_none(),
            "the step after the kmalloc is the scope save"
        );
        let (at, a) = after
            .previous_alloc
            .expect("the earlier allocation is recalled");
        assert_eq!(at, first_alloc);
        assert_eq!(a.api, "kmalloc");
        assert_eq!(after.detail.map(|(at, _)| at), Some(first_alloc));
    }

    #[wasm_bindgen_test]
    fn background_users_are_hidden_from_the_log_until_asked_for() {
        let mut s = load();
        let entry = |step: u64, task: &str| {
            Rc::new(LogEntry {
                step,
                kind: "alloc".into(),
                task: task.into(),
                ..LogEntry::default()
            })
        };
        s.log_rcs.clear();
        s.own_log.clear();
        for i in 0..(LOG_WINDOW as u64 * 2) {
            s.push_log(entry(i, "writer"));
            s.push_log(entry(i, BACKGROUND_TASK));
            s.push_log(entry(i, BACKGROUND_TASK));
        }
        // 399 own entries before `upto`: the window starts at own entry 100.
        let upto = s.log_rcs.len() - 3;
        let own = s.log_window(upto);
        assert_eq!(own.len(), 2 * LOG_WINDOW - 1 - LOG_CHUNK);
        assert!(own.iter().all(|e| e.task == "writer"));
        assert_eq!(own.first().map(|e| e.step), Some(LOG_CHUNK as u64));
        assert_eq!(own.last().map(|e| e.step), Some(LOG_WINDOW as u64 * 2 - 2));
        s.set_show_background(true);
        let all = s.log_window(upto);
        assert!(all.len() >= LOG_WINDOW && all.len() < LOG_WINDOW + LOG_CHUNK);
        assert!(all.iter().any(|e| e.task == BACKGROUND_TASK));
        assert!(Rc::ptr_eq(&all[all.len() - 1], &s.log_rcs[upto - 1]));
    }

    #[wasm_bindgen_test]
    fn the_log_window_moves_its_start_only_once_per_chunk() {
        assert_eq!(log_window_start(0), 0);
        assert_eq!(log_window_start(LOG_WINDOW), 0);
        assert_eq!(log_window_start(LOG_WINDOW + LOG_CHUNK - 1), 0);
        assert_eq!(log_window_start(LOG_WINDOW + LOG_CHUNK), LOG_CHUNK);
        for n in 0..2000 {
            let from = log_window_start(n);
            assert!(
                from.is_multiple_of(LOG_CHUNK) && n - from >= LOG_WINDOW.min(n),
                "{n}"
            );
            assert!(n - from < LOG_WINDOW + LOG_CHUNK, "{n}");
        }
    }

    fn builtin(name: &str) -> Session {
        let e = library::get(name).expect("a built-in");
        let src = e
            .embedded_source()
            .expect("the web build embeds only the default scenario's text");
        Session::load(&e.file_name(), src).expect("built-ins parse")
    }

    #[wasm_bindgen_test]
    fn the_rest_of_the_run_is_computed_ahead_without_moving_the_current_step() {
        let mut s = builtin("xfs_create");
        let at2 = {
            s.apply(&Cmd::Step);
            s.apply(&Cmd::Step)
        };
        let start = s.extent();
        assert!(start.computing && !start.end_known, "{start:?}");
        let mut chunks = 0;
        while s.compute_ahead(3) > 0 {
            chunks += 1;
            let e = s.extent();
            assert!(e.known > 2 && e.known <= 2 + 3 * chunks, "{e:?}");
        }
        let done = s.extent();
        assert!(done.end_known && !done.computing, "{done:?}");
        assert!(
            Rc::ptr_eq(&done, &s.extent()),
            "an unchanged extent is the same Rc"
        );
        // The user is still at step 2 and sees exactly what they saw.
        let now = s.snapshot();
        assert_eq!(now.step, 2);
        assert_eq!(now.view, at2.view);
        assert_eq!(now.log, at2.log);
        // The whole run is known: its end and markers are those of a run to the end.
        let mut full = builtin("xfs_create");
        let end = full.apply(&Cmd::RunToEnd);
        assert_eq!(done.known, end.step);
        assert_eq!(done.markers, full.extent().markers);
        assert!(
            done.markers.iter().any(|m| m.step > 2),
            "markers after the current step"
        );
        // Run to end and breakpoints use what is known.
        let hit = s.apply(&Cmd::RunUntil("direct_reclaim"));
        assert_eq!(hit.last_break_hit, Some(true));
        assert!(hit.view.events.iter().any(|e| e.kind == "direct_reclaim"));
        let last = s.apply(&Cmd::RunToEnd);
        assert_eq!((last.step, last.view.clone()), (end.step, end.view.clone()));
    }

    #[wasm_bindgen_test]
    fn the_background_stops_at_its_cap_and_the_user_can_go_on() {
        let mut s = builtin("xfs_create");
        s.step_cap = 5;
        while s.compute_ahead(2) > 0 {}
        let e = s.extent();
        assert_eq!((e.known, e.end_known, e.computing), (5, false, false));
        assert_eq!(s.snapshot().step, 0);
        let end = s.apply(&Cmd::RunToEnd);
        assert!(end.finished && end.step > 5);
        let e = s.extent();
        assert_eq!((e.known, e.end_known, e.computing), (end.step, true, false));
        // A cap on log entries stops it too.
        let mut s = builtin("xfs_create");
        s.compute_ahead(3);
        s.log_cap = s.run.log().len();
        assert_eq!(s.compute_ahead(100), 0);
        assert!(!s.extent().computing);
    }

    #[wasm_bindgen_test]
    fn bad_text_returns_located_diagnostics() {
        let Err(diags) = Session::load("bad.c", "SYSCALL(x)\n{\n\treturn kmalloc(;\n}\n") else {
            panic!("bad text must not load");
        };
        assert_eq!(diags[0].line, 3);
    }

    #[wasm_bindgen_test]
    fn plots_of_a_growing_prefix_are_updated_to_exactly_what_a_full_downsampling_gives() {
        let mut seed = 7u64;
        let mut rand = move |n: u64| {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (seed >> 33) % n
        };
        let point = |step: u64, r: u64| HistoryPoint {
            step,
            zones: vec![
                gfpscope_engine::scenario::ZonePoint {
                    free: r * 3,
                    min: 1,
                    low: 2,
                    high: 3
                };
                2
            ],
            scanned: r % 17,
            reclaimed: r % 5,
            latency: if r.is_multiple_of(3) {
                (r % 11) as u32
            } else {
                0
            },
        };
        let history: Vec<HistoryPoint> = (0..2600u64).map(|s| point(s, rand(1000))).collect();
        let names = ["DMA".to_string(), "DMA32".to_string()];
        let mut cache = PlotCache::default();
        let mut len = 0usize;
        for round in 0..700 {
            len = match rand(20) {
                0 => len.saturating_sub(rand(50) as usize),
                1 => rand(2600) as usize,
                _ => (len + 1 + rand(6) as usize).min(2600),
            };
            assert!(cache.update(&history[..len], &names) || round > 0);
            assert_eq!(
                cache.data,
                plot_data(&history[..len], &names),
                "prefix {len}"
            );
        }
        // A history thinned to every 2nd step (as `Run` does past its budget) that is
        // longer than the prefix last plotted is not mistaken for that prefix grown.
        let thinned: Vec<HistoryPoint> = history
            .iter()
            .filter(|h| h.step.is_multiple_of(2))
            .cloned()
            .collect();
        cache.update(&history[..500], &names);
        cache.update(&thinned[..503], &names);
        assert_eq!(cache.data, plot_data(&thinned[..503], &names));
    }

    #[wasm_bindgen_test]
    fn plots_are_downsampled_keeping_bursts() {
        let history: Vec<HistoryPoint> = (1..=3000u64)
            .map(|step| HistoryPoint {
                step,
                scanned: if step == 1234 { 999 } else { 1 },
                ..HistoryPoint::default()
            })
            .collect();
        let data = plot_data(&history, &[]);
        assert!(data.steps.len() <= PLOT_POINTS);
        assert_eq!(data.steps.last(), Some(&3000));
        assert_eq!(data.scanned.iter().max(), Some(&999));
    }
}

//! [`Run`]: a scenario being executed, with time travel.
//!
//! Data flow: scenario text → `scenario::parse` (AST, checked) → `compile`
//! (step code) → [`Run`] = `State { Interp, Sys(kernel), last step }` +
//! history. [`Run::step`] asks the scheduler (`sched`) for a task, executes one
//! statement (`exec::run_statement`), lets the kernel's background work run, and
//! appends the step's log entries and history point. [`Run::view`] reads the
//! current state into a `view::StepView` for a front end.
//!
//! Time travel: a complete clone of `State` is kept every K steps
//! (`snapshot::Keyframes`, thinned to a bounded count on long runs);
//! [`Run::seek`] restores the nearest keyframe and replays. Replays are exact
//! because every input (scenario, seed) is fixed and nothing reads a clock.
//!
//! **Architecture invariant:** the log and the history are append-only and are
//! written only when a step is executed for the first time; replaying a step
//! reproduces the same entries and does not write them again.

use crate::scenario::ast::{self, Scenario};
use crate::scenario::compile::{self, Program};
use crate::scenario::diag::Diagnostic;
use crate::scenario::exec::{self, Cx, emit};
use crate::scenario::interp::{Interp, RunState, StepEnd, StepOut, TaskState};
use crate::scenario::sched::Pick;
use crate::scenario::snapshot::Keyframes;
use crate::scenario::sys::Sys;
use crate::scenario::value::Value;
use crate::task::ScopeSemantics;
use crate::view::{self, LogEntry, StepView};

/// Extra structured fields of a log entry (`requested_gfp`, `missing_flag`, ...),
/// as `gfpscope run --json` prints them: a compact sorted list (a long run keeps
/// one per log entry, so this is a boxed slice with static key names, not a map).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LogFields(Box<[(std::borrow::Cow<'static, str>, String)]>);

/// Field names the interpreter and the kernel model emit (stored without a copy).
const KNOWN_KEYS: &[&str] = &[
    "addr",
    "api",
    "bug",
    "cache",
    "condition",
    "cookie",
    "count",
    "device",
    "effective_gfp",
    "flags_after",
    "flags_before",
    "freed_pages",
    "function",
    "gfp",
    "handler",
    "limit",
    "lock",
    "lost",
    "missing_flag",
    "order",
    "owner",
    "pfn",
    "reason",
    "report",
    "requested_gfp",
    "result",
    "ret",
    "size",
    "target",
    "verdict",
    "victim_comm",
    "victim_pid",
    "what",
    "woken",
    "zone",
];

impl LogFields {
    /// The value of field `key`.
    #[must_use]
    pub fn get(&self, key: &str) -> Option<&String> {
        self.0
            .binary_search_by(|(k, _)| k.as_ref().cmp(key))
            .ok()
            .and_then(|i| self.0.get(i))
            .map(|(_, v)| v)
    }

    /// Fields in key order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &String)> {
        self.0.iter().map(|(k, v)| (k.as_ref(), v))
    }

    #[must_use]
    pub fn len(&self) -> usize {
        self.0.len()
    }

    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// The fields of one log entry while it is being built: kept sorted by key, a key
/// inserted twice keeps the last value (like a `BTreeMap`, without a map type per entry).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Fields(Vec<(std::borrow::Cow<'static, str>, String)>);

impl Fields {
    /// Sets `key` to `value`.
    pub fn insert(&mut self, key: String, value: String) {
        match self
            .0
            .binary_search_by(|(k, _)| k.as_ref().cmp(key.as_str()))
        {
            Ok(i) => self.0[i].1 = value,
            Err(i) => {
                let key = match KNOWN_KEYS.binary_search(&key.as_str()) {
                    Ok(k) => std::borrow::Cow::Borrowed(KNOWN_KEYS[k]),
                    Err(_) => std::borrow::Cow::Owned(key),
                };
                self.0.insert(i, (key, value));
            }
        }
    }

    /// The value of field `key`.
    #[must_use]
    pub fn get(&self, key: &str) -> Option<&String> {
        self.0
            .binary_search_by(|(k, _)| k.as_ref().cmp(key))
            .ok()
            .map(|i| &self.0[i].1)
    }

    /// Fields in key order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &String)> {
        self.0.iter().map(|(k, v)| (k.as_ref(), v))
    }
}

impl From<Fields> for LogFields {
    fn from(f: Fields) -> LogFields {
        LogFields(f.0.into_boxed_slice())
    }
}

impl<'a> IntoIterator for &'a LogFields {
    type Item = (&'a str, &'a String);
    type IntoIter = Box<dyn Iterator<Item = (&'a str, &'a String)> + 'a>;
    fn into_iter(self) -> Self::IntoIter {
        Box::new(self.iter())
    }
}

impl serde::Serialize for LogFields {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut m = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in self.iter() {
            m.serialize_entry(k, v)?;
        }
        m.end()
    }
}

/// One point of the run's history, for the plots.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HistoryPoint {
    /// The step this point describes (points may be thinned on very long runs).
    pub step: u64,
    /// Per populated zone, in [`Run::history_zones`] order.
    pub zones: Vec<ZonePoint>,
    /// Pages reclaimed during this step (direct reclaim and kswapd).
    pub reclaimed: u64,
    /// Pages scanned during this step.
    pub scanned: u64,
    /// Sub-steps the allocator needed for the allocation(s) of this step (0: none).
    pub latency: u32,
}

/// Free pages and watermarks of one zone at one step.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ZonePoint {
    pub free: u64,
    pub min: u64,
    pub low: u64,
    pub high: u64,
}

/// The outputs of the last step (kept in snapshots so a seek can show them).
#[derive(Clone, Debug, Default)]
struct LastStep {
    task: Option<usize>,
    /// Task, function and line of the statement the last step executed.
    executed: Option<crate::scenario::interp::Here>,
    decisions: Vec<view::DecisionView>,
    alloc: Option<view::AllocView>,
    buddy_ops: Vec<view::BuddyOpView>,
}

/// Everything that changes during a run: cloned into keyframes.
#[derive(Clone, Debug)]
struct State {
    interp: Interp,
    sys: Sys,
    last: LastStep,
}

/// Tuning of a run's memory use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RunOptions {
    /// Initial keyframe spacing in steps.
    pub keyframe_interval: u64,
    /// Byte budget for keyframes; their number is capped to budget / snapshot size.
    pub keyframe_budget: usize,
    /// Most history points kept (older ones are thinned to every 2nd, 4th, ...).
    pub max_history: usize,
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions {
            keyframe_interval: 256,
            keyframe_budget: 96 << 20,
            max_history: 131_072,
        }
    }
}

/// A scenario being executed, with its whole history.
pub struct Run {
    file_name: String,
    source: String,
    scen: Scenario,
    prog: Program,
    state: State,
    keyframes: Keyframes<State>,
    log: Vec<LogEntry>,
    fields: Vec<LogFields>,
    /// `log_end[s]` = number of log entries emitted up to and including step `s`.
    log_end: Vec<usize>,
    history: Vec<HistoryPoint>,
    history_stride: u64,
    history_zones: Vec<String>,
    known_steps: u64,
    /// True once the step at `known_steps` is the run's last one.
    end_known: bool,
    /// The state at `known_steps` while [`Run::extend`] computes ahead of the current
    /// step (dropped once the end is known; stale when the user stepped past it).
    frontier: Option<Box<State>>,
    options: RunOptions,
    seed: u64,
    /// True while the caller's buffer of [`Run::page_codes_update`] matches the current
    /// state as of its last call, so that the next call only recomputes changed pages
    /// (false from the start and whenever a seek replaces the current state).
    codes_synced: bool,
}

/// What [`Run::page_codes_update`] changed in the caller's buffer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PageCodesUpdate {
    /// Every code was recomputed (first call, after a seek that restored a saved state,
    /// or a buffer of the wrong length).
    All,
    /// Only these pfn ranges differ from the previous call's result (ascending; empty
    /// when nothing changed).
    Ranges(Vec<std::ops::Range<u64>>),
}

impl Run {
    /// Parses, checks and prepares a scenario with the seed from its header.
    ///
    /// # Errors
    /// Every diagnostic (syntax, header, semantics, machine) when the scenario is invalid.
    pub fn new(file_name: &str, src: &str) -> Result<Run, Vec<Diagnostic>> {
        let scen = crate::scenario::parse(file_name, src)?;
        let seed = scen.header.seed;
        Run::from_scenario(scen, seed, RunOptions::default())
    }

    /// Like [`Run::new`] with an explicit seed (overrides the header's).
    ///
    /// # Errors
    /// As [`Run::new`].
    pub fn with_seed(file_name: &str, src: &str, seed: u64) -> Result<Run, Vec<Diagnostic>> {
        let scen = crate::scenario::parse(file_name, src)?;
        Run::from_scenario(scen, seed, RunOptions::default())
    }

    /// Like [`Run::with_seed`] with memory tuning.
    ///
    /// # Errors
    /// As [`Run::new`].
    pub fn with_options(
        file_name: &str,
        src: &str,
        seed: u64,
        options: RunOptions,
    ) -> Result<Run, Vec<Diagnostic>> {
        let scen = crate::scenario::parse(file_name, src)?;
        Run::from_scenario(scen, seed, options)
    }

    /// Prepares an already parsed scenario.
    ///
    /// # Errors
    /// A diagnostic when the header describes a machine the model cannot build.
    pub fn from_scenario(
        scen: Scenario,
        seed: u64,
        options: RunOptions,
    ) -> Result<Run, Vec<Diagnostic>> {
        let mut out = StepOut::default();
        let sys = Sys::build(&scen, seed, &mut out)?;
        let prog = compile::compile(&scen);
        let semantics = semantics_for(&scen.header.kernel);
        let mut interp = Interp::new(&scen, &prog, semantics, seed);
        interp.add_kswapd(sys.kernel.nr_nodes());
        let mut state = State {
            interp,
            sys,
            last: LastStep::default(),
        };
        run_global_init(&mut state, &prog, &scen, &mut out);
        settle(&mut state, &prog, &scen, &mut out);
        let history_zones = state
            .sys
            .kernel
            .machine()
            .populated_zones()
            .map(|z| z.zone_type().kernel_name().to_string())
            .collect();
        let mut run = Run {
            file_name: scen.file_name.clone(),
            source: scen.source.clone(),
            keyframes: Keyframes::new(options.keyframe_interval, 64),
            scen,
            prog,
            state,
            log: Vec::new(),
            fields: Vec::new(),
            log_end: Vec::new(),
            history: Vec::new(),
            history_stride: 1,
            history_zones,
            known_steps: 0,
            end_known: false,
            frontier: None,
            options,
            seed,
            codes_synced: false,
        };
        run.end_known = run.state.interp.finished;
        run.state.last.decisions = std::mem::take(&mut out.decisions);
        run.state.last.alloc = out.alloc.take();
        run.state.last.buddy_ops = std::mem::take(&mut out.buddy_ops);
        run.record(0, out);
        let size = run.snapshot_bytes().max(1);
        let cap = (options.keyframe_budget / size).clamp(4, 4096);
        run.keyframes = Keyframes::new(options.keyframe_interval, cap);
        let st = run.state.clone();
        run.keyframes.offer(0, move || st);
        Ok(run)
    }

    // ---- stepping ------------------------------------------------------------------

    /// Executes one statement of the scheduled task. Returns `false` (and does
    /// nothing) once the run has finished.
    pub fn step(&mut self) -> bool {
        let mut out = StepOut::default();
        if !advance(&mut self.state, &self.prog, &self.scen, &mut out) {
            if self.state.interp.step == self.known_steps {
                self.end_known = true;
            }
            return false;
        }
        self.state.last.decisions = std::mem::take(&mut out.decisions);
        self.state.last.alloc = out.alloc.take();
        self.state.last.buddy_ops = std::mem::take(&mut out.buddy_ops);
        let step = self.state.interp.step;
        if step > self.known_steps {
            self.record(step, out);
            if self.state.interp.finished {
                self.end_known = true;
            }
            let st = &self.state;
            self.keyframes.offer(step, || st.clone());
        }
        true
    }

    /// Computes up to `max_steps` steps past [`Run::known_steps`] without moving the
    /// current step: the log, history, keyframes and [`Run::known_steps`] grow exactly
    /// as if the run had been stepped there (the steps are executed by [`Run::step`]
    /// on a second state kept at the furthest known step), so that a front end can
    /// show the whole run while the user is still at its beginning. Returns how many
    /// new steps were computed: 0 once [`Run::end_known`].
    ///
    /// The engine has no clock: a front end that must stay responsive calls this with
    /// small `max_steps` and times the calls itself.
    pub fn extend(&mut self, max_steps: u64) -> u64 {
        if self.end_known || max_steps == 0 {
            if self.end_known {
                self.frontier = None;
            }
            return 0;
        }
        let front = match self.frontier.take() {
            Some(f) if f.interp.step == self.known_steps => f,
            _ => Box::new(self.state_at_known()),
        };
        let from = self.known_steps;
        let front = self.with_state(*front, |run| {
            for _ in 0..max_steps {
                if !run.step() {
                    break;
                }
            }
        });
        if !self.end_known {
            self.frontier = Some(Box::new(front));
        }
        self.known_steps - from
    }

    /// True once the run's last step has been computed: [`Run::known_steps`] is then
    /// the final step (by [`Run::step`], [`Run::run_to_end`] or [`Run::extend`]).
    #[must_use]
    pub fn end_known(&self) -> bool {
        self.end_known
    }

    /// Runs until the task that runs the next step is back at the same frame depth
    /// (or shallower), or the run finishes. Returns whether any step ran.
    pub fn step_over(&mut self) -> bool {
        let Some((t, depth)) = self.next_task_depth() else {
            return self.step();
        };
        let mut ran = false;
        while self.step() {
            ran = true;
            if self.depth_of(t) <= depth || self.task_done(t) {
                break;
            }
        }
        ran
    }

    /// Runs until the current frame of the next task returns (or the run finishes).
    pub fn step_out(&mut self) -> bool {
        let Some((t, depth)) = self.next_task_depth() else {
            return self.step();
        };
        let mut ran = false;
        while self.step() {
            ran = true;
            if self.depth_of(t) < depth || self.task_done(t) {
                break;
            }
        }
        ran
    }

    /// One step back in time.
    pub fn step_back(&mut self) {
        let cur = self.current_step();
        if cur > 0 {
            self.seek(cur - 1);
        }
    }

    /// Runs until the run finishes (at most the step limit). Steps already known are
    /// not executed one by one: the run jumps to the furthest known step first.
    pub fn run_to_end(&mut self) {
        if self.known_steps > self.current_step() {
            self.seek(self.known_steps);
        }
        while self.step() {}
    }

    /// Runs until a step emits a log entry matching `pred` (a breakpoint on
    /// event kinds). Returns `true` if it stopped on a match, `false` at the end.
    /// The known part of the run is searched in the log, then new steps are executed.
    pub fn run_until(&mut self, pred: impl Fn(&LogEntry) -> bool) -> bool {
        let cur = self.current_step();
        if cur < self.known_steps {
            let from = self.log_range(cur).1;
            let hit = self.log.get(from..).unwrap_or(&[]).iter().find(|e| pred(e));
            if let Some(step) = hit.map(|e| e.step) {
                self.seek(step);
                return true;
            }
            self.seek(self.known_steps);
        }
        while self.step() {
            if self.events().iter().any(&pred) {
                return true;
            }
        }
        false
    }

    /// Time travel: makes `step` the current step (clamped to the end of the run).
    /// Going forward past [`Run::known_steps`] executes new steps.
    pub fn seek(&mut self, step: u64) {
        let cur = self.current_step();
        if step == cur {
            return;
        }
        // Start from the latest state at or before `step`: the current one (going
        // forward), a keyframe, or the state `extend` keeps at the furthest known step.
        let here = (step > cur).then_some(cur);
        let key = self.keyframes.at_or_before(step).map(|(s, _)| s);
        let front = self
            .frontier
            .as_ref()
            .map(|f| f.interp.step)
            .filter(|&f| f <= step);
        if front.is_some_and(|f| here.is_none_or(|h| f > h) && key.is_none_or(|k| f > k))
            && let Some(f) = &self.frontier
        {
            self.state = (**f).clone();
            self.codes_synced = false;
        } else if key.is_some_and(|k| here.is_none_or(|h| k > h))
            && let Some((_, st)) = self.keyframes.at_or_before(step)
        {
            self.state = st.clone();
            self.codes_synced = false;
        }
        while self.current_step() < step {
            if !self.step() {
                break;
            }
        }
    }

    // ---- getters -------------------------------------------------------------------

    /// Steps executed to reach the current state.
    #[must_use]
    pub fn current_step(&self) -> u64 {
        self.state.interp.step
    }

    /// The furthest step executed so far.
    #[must_use]
    pub fn known_steps(&self) -> u64 {
        self.known_steps
    }

    /// True when every task has finished or stopped.
    #[must_use]
    pub fn finished(&self) -> bool {
        self.state.interp.finished
    }

    /// The seed the schedule is drawn from.
    #[must_use]
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// The scenario source.
    #[must_use]
    pub fn source(&self) -> &str {
        &self.source
    }

    /// The scenario's file name.
    #[must_use]
    pub fn file_name(&self) -> &str {
        &self.file_name
    }

    /// The parsed scenario.
    #[must_use]
    pub fn scenario(&self) -> &Scenario {
        &self.scen
    }

    /// The whole event log up to [`Run::known_steps`].
    #[must_use]
    pub fn log(&self) -> &[LogEntry] {
        &self.log
    }

    /// Structured fields of each log entry (same indices as [`Run::log`]).
    #[must_use]
    pub fn log_fields(&self) -> &[LogFields] {
        &self.fields
    }

    /// Where the last step ran: (task, function, line) of the statement it
    /// executed (`None` before the first step).
    #[must_use]
    pub fn executed(&self) -> Option<(String, Option<String>, Option<u32>)> {
        self.state
            .last
            .executed
            .as_ref()
            .map(|h| (h.task.clone(), h.function.clone(), h.line))
    }

    /// Log entries of the current step.
    #[must_use]
    pub fn events(&self) -> &[LogEntry] {
        let (a, b) = self.log_range(self.current_step());
        self.log.get(a..b).unwrap_or(&[])
    }

    /// Index range in [`Run::log`] of the entries of `step`.
    #[must_use]
    pub fn log_range(&self, step: u64) -> (usize, usize) {
        let s = step as usize;
        let end = self.log_end.get(s).copied().unwrap_or(self.log.len());
        let start = if s == 0 {
            0
        } else {
            self.log_end.get(s - 1).copied().unwrap_or(end)
        };
        (start, end.max(start))
    }

    /// Per-step history for the plots (thinned on very long runs; see `HistoryPoint::step`).
    #[must_use]
    pub fn history(&self) -> &[HistoryPoint] {
        &self.history
    }

    /// Names of the zones in [`HistoryPoint::zones`] order.
    #[must_use]
    pub fn history_zones(&self) -> &[String] {
        &self.history_zones
    }

    /// `view::page_code` of every page frame, for the memory map.
    #[must_use]
    pub fn page_codes(&self) -> Vec<u8> {
        self.state.sys.kernel.machine().page_codes()
    }

    /// Keeps `codes` equal to [`Run::page_codes`] of the current step at a fraction of its
    /// cost: a call recomputes only the pages changed since the previous call (a step
    /// touches a few dozen of a 1 GiB machine's 262,144) and says which changed. Pass the
    /// same buffer every time: the engine remembers what it last wrote there, for one
    /// caller only.
    pub fn page_codes_update(&mut self, codes: &mut Vec<u8>) -> PageCodesUpdate {
        let machine = self.state.sys.kernel.machine_mut();
        if !self.codes_synced || codes.len() as u64 != machine.max_pfn() {
            machine.page_codes_sync(codes);
            self.codes_synced = true;
            return PageCodesUpdate::All;
        }
        let mut changed = Vec::new();
        machine.page_codes_refresh(codes, &mut changed);
        PageCodesUpdate::Ranges(changed)
    }

    /// The kernel model at the current step (read-only).
    #[must_use]
    pub fn kernel(&self) -> &crate::alloc::Kernel {
        &self.state.sys.kernel
    }

    /// Keyframes held and their spacing (for benchmarks and the UI's status line).
    #[must_use]
    pub fn keyframe_stats(&self) -> (usize, u64) {
        (self.keyframes.len(), self.keyframes.interval())
    }

    /// Approximate size of one snapshot in bytes (kernel pages + interpreter).
    #[must_use]
    pub fn snapshot_bytes(&self) -> usize {
        let m = self.state.sys.kernel.machine();
        let pages = m.max_pfn() as usize;
        let tasks: usize = self
            .state
            .interp
            .tasks
            .iter()
            .map(|t| t.slots.len() * 24 + t.stack.len() * 24 + t.frames.len() * 48 + 512)
            .sum();
        // Measured on the 64 MiB preset under pressure: a kernel clone (page frames,
        // per-page reclaim metadata, LRU lists, allocations) is about 31 bytes a page.
        pages * 31 + tasks + self.state.interp.objects.len() * 96
    }

    /// The view of the current step. Cheap: computed from the current state only.
    #[must_use]
    pub fn view(&self) -> StepView {
        let st = &self.state;
        let tasks = st
            .interp
            .tasks
            .iter()
            .enumerate()
            .map(|(i, t)| self.task_view(i, t))
            .collect();
        let next_task = st
            .last
            .task
            .filter(|&t| {
                st.interp.tasks.get(t).is_some_and(|x| {
                    x.state == RunState::Runnable || matches!(x.state, RunState::Blocked { .. })
                })
            })
            .or_else(|| st.interp.sched.on_cpu())
            .or_else(|| {
                st.interp
                    .tasks
                    .iter()
                    .position(|t| t.state == RunState::Runnable)
            });
        let next_line = next_task
            .and_then(|t| st.interp.tasks.get(t))
            .and_then(TaskState::top)
            .map(|f| f.line);
        StepView {
            step: st.interp.step,
            finished: st.interp.finished,
            current_task: st.last.task,
            next_line,
            tasks,
            alloc: st.last.alloc.clone(),
            decisions: st.last.decisions.clone(),
            events: self.events().to_vec(),
            zones: st.sys.kernel.machine().zone_views(),
            slab_caches: st.sys.slab_views(),
            buddy_ops: st.last.buddy_ops.clone(),
        }
    }

    // ---- internals -----------------------------------------------------------------

    /// Runs `f` with `st` as the current state and returns the state `f` left behind;
    /// the current state is restored.
    fn with_state(&mut self, st: State, f: impl FnOnce(&mut Run)) -> State {
        let mine = std::mem::replace(&mut self.state, st);
        f(self);
        std::mem::replace(&mut self.state, mine)
    }

    /// A copy of the state at [`Run::known_steps`]: the current state when it is
    /// there, else the nearest keyframe replayed forward (replayed steps are already
    /// known, so nothing is recorded twice).
    fn state_at_known(&mut self) -> State {
        if self.current_step() == self.known_steps {
            return self.state.clone();
        }
        let known = self.known_steps;
        let start = match self.keyframes.at_or_before(known) {
            Some((_, st)) => st.clone(),
            None => self.state.clone(),
        };
        self.with_state(start, |run| {
            while run.current_step() < known {
                if !run.step() {
                    break;
                }
            }
        })
    }

    fn next_task_depth(&self) -> Option<(usize, usize)> {
        let st = &self.state;
        let t = st
            .interp
            .sched
            .on_cpu()
            .filter(|&t| {
                st.interp
                    .tasks
                    .get(t)
                    .is_some_and(|x| x.state == RunState::Runnable)
            })
            .or_else(|| {
                st.interp
                    .tasks
                    .iter()
                    .position(|t| t.state == RunState::Runnable)
            })?;
        Some((t, self.depth_of(t)))
    }

    fn depth_of(&self, t: usize) -> usize {
        self.state.interp.tasks.get(t).map_or(0, |x| x.frames.len())
    }

    fn task_done(&self, t: usize) -> bool {
        self.state.interp.tasks.get(t).is_none_or(|x| {
            matches!(
                x.state,
                RunState::Finished | RunState::Stopped | RunState::Idle
            )
        })
    }

    fn record(&mut self, step: u64, out: StepOut) {
        for e in out.entries {
            self.log.push(LogEntry {
                step,
                kind: e.kind,
                task: e.task,
                function: e.function,
                line: e.line,
                text: e.text,
            });
            self.fields.push(LogFields::from(e.fields));
        }
        self.log_end.push(self.log.len());
        self.known_steps = step;
        if step.is_multiple_of(self.history_stride) {
            let zones = self
                .state
                .sys
                .kernel
                .machine()
                .populated_zones()
                .map(|z| ZonePoint {
                    free: z.nr_free_pages(),
                    min: z.min_wmark_pages(),
                    low: z.low_wmark_pages(),
                    high: z.high_wmark_pages(),
                })
                .collect();
            self.history.push(HistoryPoint {
                step,
                zones,
                reclaimed: out.reclaimed,
                scanned: out.scanned,
                latency: out.latency,
            });
            if self.history.len() > self.options.max_history {
                self.history_stride *= 2;
                let stride = self.history_stride;
                self.history.retain(|p| p.step.is_multiple_of(stride));
            }
        }
    }

    fn task_view(&self, i: usize, t: &TaskState) -> view::TaskView {
        let st = &self.state;
        let running = st.interp.sched.on_cpu() == Some(i) && !st.interp.finished;
        // Slots shown for the frame below the one being built (its caller), so that an
        // argument that read a caller variable can name it by its index in `vars`.
        let mut caller_slots: Vec<u32> = Vec::new();
        let frames = t
            .frames
            .iter()
            .map(|f| {
                let code = self.prog.code(f.func);
                let site = f.call.and_then(|c| self.prog.sites.get(c.site as usize));
                let mut slots = Vec::new();
                let vars =
                    code.slots
                        .iter()
                        .enumerate()
                        .filter_map(|(si, info)| {
                            let idx = f.slot_base as usize + si;
                            if !t.live.get(idx).copied().unwrap_or(false) {
                                return None;
                            }
                            let v = t.slots.get(idx).copied().unwrap_or(Value::Uninit);
                            slots.push(si as u32);
                            let arg = site.filter(|_| info.is_param).and_then(|s| {
                                let text = s.arg_text.get(si)?.clone();
                                let caller_var =
                                    s.arg_locals.get(si).copied().flatten().and_then(|slot| {
                                        caller_slots.iter().position(|&c| c == slot)
                                    });
                                Some(view::ArgView { text, caller_var })
                            });
                            Some(view::VarView {
                                name: info.name.clone(),
                                ty: info.ty.clone(),
                                is_param: info.is_param,
                                value: self.value_view(v),
                                arg,
                            })
                        })
                        .collect();
                caller_slots = slots;
                view::FrameView {
                    function: code.name.clone(),
                    line: f.line,
                    vars,
                    call: f.call.map(|c| view::CallView {
                        step: c.step,
                        line: site.map_or(0, |s| s.line),
                    }),
                }
            })
            .collect();
        let cookies = t
            .task
            .scopes
            .iter()
            .map(|s| {
                let var = find_cookie_var(&self.prog, t, s.cookie, s.api).unwrap_or_default();
                view::CookieView {
                    var,
                    api: s.api.save_name().to_string(),
                    bits: s.cookie,
                    text: format!(
                        "{}() at {} returned {:#x}; flags before: {}",
                        s.api.save_name(),
                        s.site,
                        s.cookie,
                        s.flags_before
                    ),
                }
            })
            .collect();
        view::TaskView {
            pid: t.task.pid,
            comm: if t.is_interrupt() {
                t.name.clone()
            } else {
                t.task.comm.clone()
            },
            context: t.kind.context().to_string(),
            flags: t.task.flags.0,
            flag_names: t.task.flags.names(),
            cookies,
            atomic: view::AtomicView {
                in_atomic: t.ctx.in_atomic(),
                irqs_disabled: t.ctx.irqs_disabled,
                preempt_count: t.ctx.preempt_count,
                rcu_depth: t.ctx.rcu_depth,
                locks: t.ctx.lock_names(),
            },
            frames,
            state: t.state_text(running),
        }
    }

    fn value_view(&self, v: Value) -> view::ValueView {
        match v {
            Value::Uninit | Value::Void => view::ValueView::Uninit,
            Value::Int(value) => view::ValueView::Int { value },
            Value::Cookie { bits, .. } => view::ValueView::Int {
                value: i64::from(bits),
            },
            Value::Gfp(g) => view::ValueView::Gfp {
                mask: g.0,
                text: crate::scenario::sys::gfp_text(g),
            },
            Value::Null => view::ValueView::Null,
            Value::Ptr { addr } => view::ValueView::Ptr {
                addr,
                desc: self.state.interp.objects.get(&addr).map_or_else(
                    || "no live object at this address (freed?)".to_string(),
                    |o| o.desc.clone(),
                ),
            },
            Value::Lock(i) => view::ValueView::Ptr {
                addr: 0,
                desc: self
                    .scen
                    .locks
                    .get(i as usize)
                    .map_or_else(String::new, |l| format!("&{}", l.name.name)),
            },
            Value::Device(i) => view::ValueView::Ptr {
                addr: 0,
                desc: self
                    .scen
                    .devices
                    .get(i as usize)
                    .map_or_else(String::new, |d| format!("&{}", d.name.name)),
            },
            Value::TaskRef(i) => view::ValueView::Ptr {
                addr: 0,
                desc: self
                    .scen
                    .tasks
                    .get(i as usize)
                    .map_or_else(String::new, |d| d.name.name.clone()),
            },
            Value::Str(i) => view::ValueView::Ptr {
                addr: 0,
                desc: format!(
                    "\"{}\"",
                    self.prog.strings.get(i as usize).map_or("", String::as_str)
                ),
            },
        }
    }
}

/// The variable holding a scope cookie (innermost frame first).
fn find_cookie_var(
    prog: &Program,
    t: &TaskState,
    cookie: u32,
    api: crate::task::ScopeApi,
) -> Option<String> {
    for f in t.frames.iter().rev() {
        let code = prog.code(f.func);
        for (si, info) in code.slots.iter().enumerate() {
            let idx = f.slot_base as usize + si;
            if let Some(Value::Cookie { bits, api: a }) = t.slots.get(idx).copied()
                && bits == cookie
                && a.save_name() == api.save_name()
                && t.live.get(idx).copied().unwrap_or(false)
            {
                return Some(info.name.clone());
            }
        }
    }
    None
}

/// Scope semantics of the header's kernel version (`task::ScopeSemantics`).
fn semantics_for(k: &crate::version::KernelVersion) -> ScopeSemantics {
    ScopeSemantics::for_version(*k)
}

/// Runs the global initialisers (`kmem_cache_create` ...) before step 0, as the
/// boot task (pid 1).
fn run_global_init(st: &mut State, prog: &Program, scen: &Scenario, out: &mut StepOut) {
    if prog.global_init.ops.len() <= 1 {
        return;
    }
    let mut init = TaskState {
        decl: usize::MAX,
        name: "<init>".into(),
        kind: ast::TaskKind::Kthread,
        task: crate::task::Task::with_flags(1, "swapper/0", crate::task::TaskFlags::PF_KTHREAD),
        ctx: crate::context::ExecContext::new(crate::context::ContextKind::Kthread),
        frames: Vec::new(),
        slots: Vec::new(),
        live: Vec::new(),
        stack: Vec::new(),
        state: RunState::Runnable,
        verdict: None,
        start_at: 0,
        pending: 0,
        ret: None,
        interrupted: None,
        irq_was_disabled: false,
        kswapd: None,
    };
    crate::scenario::interp::enter_entry(&mut init, prog, u32::MAX);
    let idx = st.interp.tasks.len();
    st.interp.tasks.push(init);
    let cx = Cx { prog, scen };
    // Initialisers have no statement markers: one call runs them all (bounded).
    for _ in 0..16 {
        let end = exec::run_statement(&mut st.interp, &mut st.sys, &cx, idx, out);
        if end != StepEnd::AtStatement {
            break;
        }
    }
    st.interp.tasks.truncate(idx);
}

/// One scheduler step. Returns `false` when nothing ran (the run is over).
fn advance(st: &mut State, prog: &Program, scen: &Scenario, out: &mut StepOut) -> bool {
    if st.interp.finished {
        return false;
    }
    let cx = Cx { prog, scen };
    // kswapd is runnable while the allocator has woken it.
    for t in &mut st.interp.tasks {
        if let Some(node) = t.kswapd
            && t.state == RunState::Idle
            && st.sys.kernel.kswapd_pending(node)
        {
            t.state = RunState::Runnable;
        }
    }
    let pick = st.interp.sched.pick(&mut st.interp.tasks, st.interp.step);
    let t = match pick {
        Pick::Run(t) => t,
        Pick::Fire(t) => {
            exec::enter_interrupt(&mut st.interp, &cx, t, out);
            t
        }
        Pick::AllDone | Pick::Deadlock => {
            settle(st, prog, scen, out);
            st.interp.finished = true;
            return false;
        }
    };
    st.last.task = Some(t);
    st.last.executed = Some(st.interp.here(prog, t));
    let end = if let Some(node) = st.interp.tasks.get(t).and_then(|x| x.kswapd) {
        let here = st.interp.here(prog, t);
        if st.sys.kswapd_step(node, &here, out) {
            if let Some(x) = st.interp.tasks.get_mut(t) {
                x.state = RunState::Idle;
            }
            StepEnd::Finished
        } else {
            StepEnd::AtStatement
        }
    } else {
        exec::run_statement(&mut st.interp, &mut st.sys, &cx, t, out)
    };
    if matches!(end, StepEnd::Finished | StepEnd::Stopped | StepEnd::Blocked)
        && st.interp.sched.current == Some(t)
    {
        // Let the scheduler choose afresh.
        st.interp.sched.slice_left = 0;
    }
    st.sys.tick(out);
    st.interp.step += 1;
    if st.interp.step >= st.interp.step_limit && !st.interp.finished {
        hit_step_limit(st, prog, scen, t, out);
    }
    settle(st, prog, scen, out);
    true
}

/// Stops every unfinished task: the run reached its step limit.
fn hit_step_limit(st: &mut State, prog: &Program, scen: &Scenario, t: usize, out: &mut StepOut) {
    let here = st.interp.here(prog, t);
    let limit = st.interp.step_limit;
    let text = format!(
        "{}:{}: error: step limit of {limit} steps reached in {}() of task {}: a loop that never ends? (raise `step_limit:` in the header if the scenario needs more)",
        scen.file_name,
        here.line.unwrap_or(0),
        here.function.clone().unwrap_or_default(),
        here.task
    );
    let mut f = Fields::default();
    f.insert("limit".into(), limit.to_string());
    emit(out, &here, "step_limit", text, f);
    st.interp.limit_hit = true;
    let cx = Cx { prog, scen };
    for i in 0..st.interp.tasks.len() {
        if st
            .interp
            .tasks
            .get(i)
            .is_some_and(|x| !matches!(x.state, RunState::Finished | RunState::Stopped))
        {
            exec::stop_task(
                &mut st.interp,
                &cx,
                i,
                &format!("step limit of {limit} steps reached"),
                out,
            );
        }
    }
    st.interp.finished = true;
}

/// After a step: detect the end of the run and deadlocks, so the view of the
/// last step already says `finished`.
fn settle(st: &mut State, prog: &Program, scen: &Scenario, out: &mut StepOut) {
    let tasks = &st.interp.tasks;
    // kswapd never keeps a run alive: the run ends with the scenario's tasks.
    let can_run = tasks.iter().any(|t| {
        t.kswapd.is_none() && matches!(t.state, RunState::Runnable | RunState::NotStarted)
    });
    if can_run {
        return;
    }
    let blocked: Vec<usize> = tasks
        .iter()
        .enumerate()
        .filter(|(_, t)| matches!(t.state, RunState::Blocked { .. }))
        .map(|(i, _)| i)
        .collect();
    let cx = Cx { prog, scen };
    for i in blocked {
        let (lock, owner) = match st.interp.tasks.get(i).map(|t| t.state) {
            Some(RunState::Blocked { lock }) => (
                lock,
                st.interp
                    .locks
                    .get(lock as usize)
                    .and_then(|l| l.owner)
                    .and_then(|o| st.interp.tasks.get(o))
                    .map_or_else(|| "nobody".to_string(), |o| o.name.clone()),
            ),
            _ => (0, String::new()),
        };
        let lname = scen
            .locks
            .get(lock as usize)
            .map_or_else(String::new, |l| l.name.name.clone());
        exec::stop_task(
            &mut st.interp,
            &cx,
            i,
            &format!(
                "deadlock: waits forever for {lname}, held by {owner}, which is itself blocked or gone"
            ),
            out,
        );
    }
    st.interp.finished = true;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_fields_keep_known_keys_sorted_and_find_every_value() {
        assert!(KNOWN_KEYS.windows(2).all(|w| w[0] < w[1]));
        let mut m = Fields::default();
        m.insert("requested_gfp".to_string(), "0xcc1".to_string());
        m.insert("zz_custom".to_string(), "1".to_string());
        m.insert("api".to_string(), "kmalloc".to_string());
        // A second insert of a key replaces its value, as BTreeMap::insert did.
        m.insert("requested_gfp".to_string(), "0xcc0".to_string());
        assert_eq!(m.get("api").map(String::as_str), Some("kmalloc"));
        let f = LogFields::from(m);
        assert_eq!(f.len(), 3);
        assert_eq!(f.get("requested_gfp").map(String::as_str), Some("0xcc0"));
        assert_eq!(f.get("zz_custom").map(String::as_str), Some("1"));
        assert_eq!(f.get("missing"), None);
        let keys: Vec<&str> = f.iter().map(|(k, _)| k).collect();
        assert_eq!(keys, ["api", "requested_gfp", "zz_custom"]);
    }
}

//! The application owner: one reducer holds the engine session and all UI state.
//!
//! Components get cheap props (`Rc` views, `AttrValue`s, `Copy` values, callbacks) and
//! send typed [`Action`]s back. No component but this one ever sees the `RefCell`.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use gloo::events::{EventListener, EventListenerOptions};
use gloo::timers::callback::{Interval, Timeout};
use wasm_bindgen::JsCast;
use yew::prelude::*;

use crate::background::{Background, Next, Pacer, SLICE_MS};
use crate::components::{
    alloc_panel::AllocPanel, buddy::BuddyPanel, call_stack::CallStack, controls::Controls,
    decision::DecisionPanel, event_log::EventLog, help::HelpOverlay, memory_map::MemoryMap,
    plots::Plots, slab::SlabPanel, source::SourcePane, task_panel::TaskPanel, timeline::Timeline,
};
use crate::dom;
use crate::keys::{KeyAction, key_action};
use crate::session::{self, Cmd, Diagnostic, Extent, ScenarioItem, Session, Snapshot};
use crate::url::{self, Theme};

/// File name given to the engine for the text in the editor.
fn file_name(scenario: &str) -> String {
    format!("{scenario}.c")
}

fn edit_key(scenario: &str) -> String {
    format!("gfpscope.edit.{scenario}")
}

/// Playback speeds in steps per second.
pub const SPEEDS: &[u32] = &[1, 2, 5, 10, 30, 60, 240, 1000];

/// While the rest of the run is computed in the background, the timeline is updated at
/// most this often (milliseconds), so that the page is not re-rendered per slice.
const PROGRESS_MS: f64 = 250.0;
/// After a command, the background computation runs only in idle time for this long
/// (milliseconds), so that it does not compete with stepping or playback.
const QUIET_MS: f64 = 300.0;

/// Everything the page shows, owned in one place.
#[derive(Clone)]
pub struct AppState {
    session: Rc<RefCell<Option<Session>>>,
    pub library: Rc<[ScenarioItem]>,
    pub scenario: AttrValue,
    /// The editor's text (may differ from the running source while it has errors).
    pub text: AttrValue,
    /// Whether `text` differs from the built-in source (user edits are kept).
    pub edited: bool,
    pub diagnostics: Rc<[Diagnostic]>,
    pub snapshot: Option<Rc<Snapshot>>,
    /// How much of the run is known (the timeline's range and markers).
    pub extent: Option<Rc<Extent>>,
    /// Bumped whenever a new run replaces the session: restarts the background job.
    pub run_gen: u64,
    /// When the last command ran (`performance.now()`), read by the background job.
    input_at: Rc<Cell<f64>>,
    pub errors: Rc<[String]>,
    pub theme: Theme,
    pub present: bool,
    pub help_open: bool,
    pub playing: bool,
    pub speed: u32,
    /// Bumped on every edit; a re-parse only applies if it is still current.
    pub edit_gen: u64,
    /// The running scenario's teaching point and citation (from its own header, so an
    /// edited scenario shows its own).
    pub teaches: Option<AttrValue>,
    pub citation: Option<AttrValue>,
    /// Message about the last breakpoint run (e.g. "no direct reclaim until the end").
    pub notice: Option<AttrValue>,
    /// A built-in scenario whose text is being fetched; the current one stays on screen
    /// until it arrives.
    pub loading: Option<AttrValue>,
    /// The URL's `step=` while the URL's scenario is still being fetched.
    boot_step: Option<u64>,
}

impl PartialEq for AppState {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.session, &other.session)
            && Rc::ptr_eq(&self.library, &other.library)
            && self.loading == other.loading
            && self.scenario == other.scenario
            && self.text == other.text
            && self.snapshot == other.snapshot
            && self.extent == other.extent
            && self.run_gen == other.run_gen
            && Rc::ptr_eq(&self.diagnostics, &other.diagnostics)
            && Rc::ptr_eq(&self.errors, &other.errors)
            && self.theme == other.theme
            && self.present == other.present
            && self.help_open == other.help_open
            && self.playing == other.playing
            && self.speed == other.speed
            && self.edit_gen == other.edit_gen
            && self.notice == other.notice
            && self.teaches == other.teaches
            && self.citation == other.citation
    }
}

/// What can happen to the page.
pub enum Action {
    Run(Cmd),
    /// One playback tick.
    Tick,
    Play(bool),
    Speed(u32),
    Select(AttrValue),
    /// A built-in scenario's text arrived (or could not be fetched: the reason).
    Fetched(AttrValue, Result<String, String>),
    Edit(String),
    /// Debounced re-parse of edit generation `n`.
    Reparse(u64),
    /// The background computation made progress: refresh the timeline's extent.
    Progress,
    /// Forget the user's edits and reload the built-in text.
    Revert,
    Key(KeyAction),
    SetHelp(bool),
    ToggleTheme,
    TogglePresent,
    DismissErrors,
    /// Show or hide background memory users in the event log.
    ShowBackground(bool),
}

impl AppState {
    fn boot() -> AppState {
        let (params, mut errors) = url::parse(&dom::query_string());
        let library: Rc<[ScenarioItem]> = Rc::from(session::builtins());
        let mut scenario = session::default_scenario().to_string();
        let mut loading = None;
        if let Some(name) = &params.scenario {
            if let Some(item) = library.iter().find(|s| s.name == name.as_str()) {
                if item.source.is_some() {
                    scenario.clone_from(name);
                } else {
                    // Fetched by the App's effect; the default stays until it arrives.
                    loading = Some(AttrValue::Static(item.name));
                }
            } else {
                let known: Vec<&str> = library.iter().map(|s| s.name).collect();
                errors.push(format!(
                    "URL parameter scenario={name:?} names no built-in scenario; opened {scenario:?} \
                     instead. Built-ins: {}",
                    known.join(", ")
                ));
            }
        }
        let theme = params.theme.unwrap_or_else(|| {
            if dom::prefers_dark() {
                Theme::Dark
            } else {
                Theme::Light
            }
        });
        let mut state = AppState {
            session: Rc::new(RefCell::new(None)),
            library,
            scenario: AttrValue::from(scenario),
            text: AttrValue::default(),
            edited: false,
            diagnostics: Rc::from(Vec::new()),
            snapshot: None,
            extent: None,
            run_gen: 0,
            input_at: Rc::new(Cell::new(f64::NEG_INFINITY)),
            errors: Rc::from(Vec::new()),
            theme,
            present: params.present,
            help_open: false,
            playing: false,
            speed: 5,
            edit_gen: 0,
            notice: None,
            teaches: None,
            citation: None,
            boot_step: if loading.is_some() { params.step } else { None },
            loading,
        };
        state.load_scenario();
        if let Some(step) = params.step
            && state.loading.is_none()
        {
            errors.extend(state.seek_to_url_step(step));
        }
        let mut all = state.errors.to_vec();
        all.extend(errors);
        state.errors = Rc::from(all);
        state
    }

    /// Seeks to the URL's `step=`; the message says why it could not be honoured.
    fn seek_to_url_step(&mut self, step: u64) -> Option<String> {
        if self.snapshot.is_none() {
            return Some(format!(
                "URL parameter step={step} ignored: the scenario has errors"
            ));
        }
        self.apply(&Cmd::Seek(step));
        let snap = self.snapshot.as_ref()?;
        (snap.step != step).then(|| {
            format!(
                "URL parameter step={step} is past the end of this run: it has {} steps; \
                 showing step {}",
                snap.known, snap.step
            )
        })
    }

    fn builtin_source(&self) -> Option<AttrValue> {
        self.library
            .iter()
            .find(|s| s.name == self.scenario.as_str())
            .and_then(|s| s.source.clone())
    }

    /// Loads the current scenario: the user's saved edit if any, else the built-in text.
    fn load_scenario(&mut self) {
        let builtin = self.builtin_source().unwrap_or_default();
        let text = dom::load(&edit_key(&self.scenario)).unwrap_or_else(|| builtin.to_string());
        self.edited = text != builtin.as_str();
        self.text = AttrValue::from(text);
        self.start_text();
    }

    /// Parses the editor text; on success it replaces the run, else shows diagnostics
    /// and keeps the previous run on screen.
    fn start_text(&mut self) {
        self.playing = false;
        match Session::load(&file_name(&self.scenario), &self.text) {
            Ok(mut session) => {
                let (_, teaches, citation) = session.header();
                self.teaches = teaches.filter(|t| !t.is_empty()).map(AttrValue::from);
                self.citation = citation.filter(|t| !t.is_empty()).map(AttrValue::from);
                let snap = session.snapshot();
                self.extent = Some(session.extent());
                *self.session.borrow_mut() = Some(session);
                self.snapshot = Some(Rc::new(snap));
                self.diagnostics = Rc::from(Vec::new());
                self.run_gen += 1;
            }
            Err(diags) => {
                self.diagnostics = Rc::from(diags);
            }
        }
    }

    fn apply(&mut self, cmd: &Cmd) {
        let t0 = dom::now_ms();
        self.input_at.set(t0);
        // While the background job runs, it alone refreshes the timeline (throttled),
        // so that a step does not also re-render the markers; Run to end knows the
        // whole run at once.
        let computing = self.extent.as_ref().is_some_and(|e| e.computing) && *cmd != Cmd::RunToEnd;
        let (snap, extent) = {
            let mut guard = self.session.borrow_mut();
            let Some(session) = guard.as_mut() else {
                return;
            };
            let snap = session.apply(cmd);
            (snap, (!computing).then(|| session.extent()))
        };
        if let Some(extent) = extent {
            self.extent = Some(extent);
        }
        dom::record_timing("apply", dom::now_ms() - t0);
        self.notice = match (cmd, snap.last_break_hit) {
            (Cmd::RunUntil(kind), Some(false)) => {
                let label = session::MARKER_KINDS
                    .iter()
                    .chain(session::BREAK_ONLY_KINDS)
                    .find(|(k, _)| k == kind)
                    .map_or(*kind, |(_, l)| *l);
                Some(AttrValue::from(format!(
                    "No {label} before the end of the run."
                )))
            }
            _ => None,
        };
        self.snapshot = Some(Rc::new(snap));
    }

    fn finished(&self) -> bool {
        self.snapshot.as_ref().is_none_or(|s| s.finished)
    }
}

impl Reducible for AppState {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        let mut s = (*self).clone();
        match action {
            Action::Run(cmd) => {
                s.playing = false;
                s.apply(&cmd);
            }
            Action::Tick => {
                if !s.playing {
                    return self;
                }
                let per_tick = (s.speed / 60).max(1);
                let mut ran = 0;
                for _ in 0..per_tick {
                    if s.finished() {
                        break;
                    }
                    s.apply(&Cmd::Step);
                    ran += 1;
                }
                // Several steps per frame are a jump for the animations (only the last
                // one is drawn).
                if ran > 1
                    && let Some(snap) = s.snapshot.as_mut().and_then(Rc::get_mut)
                {
                    snap.stepped = false;
                }
                if s.finished() {
                    s.playing = false;
                }
            }
            Action::Play(on) => {
                if on && s.finished() {
                    s.apply(&Cmd::Reset);
                }
                s.playing = on && s.snapshot.is_some();
            }
            Action::Speed(v) => s.speed = v,
            Action::Select(name) => {
                s.boot_step = None;
                if name == s.scenario {
                    s.loading = None;
                    s.notice = None;
                    return Rc::new(s);
                }
                let known = s.library.iter().find(|x| x.name == name.as_str());
                if known.is_some_and(|x| x.source.is_none()) {
                    s.notice = Some(AttrValue::from(format!("Loading {name}…")));
                    s.loading = Some(name);
                } else {
                    s.loading = None;
                    s.scenario = name;
                    s.load_scenario();
                }
            }
            Action::Fetched(name, result) => return s.fetched(name, result),
            Action::Edit(text) => {
                if text == s.text.as_str() {
                    return self;
                }
                let builtin = s.builtin_source().unwrap_or_default();
                s.edited = text != builtin.as_str();
                if s.edited {
                    dom::save(&edit_key(&s.scenario), &text);
                } else {
                    dom::forget(&edit_key(&s.scenario));
                }
                s.text = AttrValue::from(text);
                s.edit_gen += 1;
                s.playing = false;
            }
            Action::Reparse(generation) => {
                if generation != s.edit_gen {
                    return self;
                }
                let running = s
                    .session
                    .borrow()
                    .as_ref()
                    .is_some_and(|x| x.source() == s.text.as_str());
                if running && s.diagnostics.is_empty() {
                    return self;
                }
                s.start_text();
            }
            Action::Progress => {
                let extent = s.session.borrow_mut().as_mut().map(Session::extent);
                if extent == s.extent {
                    return self;
                }
                s.extent = extent;
            }
            Action::Revert if s.builtin_source().is_none() => {
                // Opened from the saved edit because the built-in text could not be
                // fetched: there is nothing to revert to, and the edit must not be lost.
                let mut all = s.errors.to_vec();
                all.push(format!(
                    "The built-in text of {} is not loaded, so there is nothing to revert to:                      your edit is kept.",
                    s.scenario
                ));
                s.errors = Rc::from(all);
            }
            Action::Revert => {
                dom::forget(&edit_key(&s.scenario));
                s.load_scenario();
            }
            Action::Key(key) => return s.key(key),
            Action::SetHelp(open) => s.help_open = open,
            Action::ToggleTheme => s.theme = s.theme.toggled(),
            Action::TogglePresent => s.present = !s.present,
            Action::DismissErrors => s.errors = Rc::from(Vec::new()),
            Action::ShowBackground(on) => {
                let snap = {
                    let mut guard = s.session.borrow_mut();
                    guard.as_mut().map(|session| {
                        session.set_show_background(on);
                        session.snapshot()
                    })
                };
                if let Some(snap) = snap {
                    s.snapshot = Some(Rc::new(snap));
                }
            }
        }
        Rc::new(s)
    }
}

impl AppState {
    /// A fetch of `name`'s text ended: keep the text, and open it if it is still wanted;
    /// on failure say so in the banner and keep the current scenario and its run.
    fn fetched(mut self, name: AttrValue, result: Result<String, String>) -> Rc<Self> {
        let wanted = self.loading.as_ref() == Some(&name);
        match result {
            Ok(text) => {
                let mut library = self.library.to_vec();
                if let Some(item) = library.iter_mut().find(|x| x.name == name.as_str()) {
                    item.source = Some(AttrValue::from(text));
                }
                self.library = Rc::from(library);
                if wanted {
                    self.loading = None;
                    self.notice = None;
                    self.scenario = name;
                    self.load_scenario();
                    if let Some(step) = self.boot_step.take() {
                        let mut all = self.errors.to_vec();
                        all.extend(self.seek_to_url_step(step));
                        self.errors = Rc::from(all);
                    }
                }
            }
            Err(reason) if wanted => {
                self.loading = None;
                self.notice = None;
                self.boot_step = None;
                let mut all = self.errors.to_vec();
                if dom::load(&edit_key(&name)).is_some() {
                    // The user's own text of it is in this browser: open that (their work
                    // never depends on the server); only Revert needs the built-in text.
                    all.push(format!(
                        "Could not load the built-in text of {name} ({}: {reason}); opened your                          edited version saved in this browser.",
                        session::builtin_url(&name),
                    ));
                    self.scenario = name;
                    self.load_scenario();
                } else {
                    all.push(format!(
                        "Could not load the built-in scenario {name} ({}: {reason}); still                          showing {}.",
                        session::builtin_url(&name),
                        self.scenario
                    ));
                    dom::show_picked(&self.scenario);
                }
                self.errors = Rc::from(all);
            }
            // A superseded choice failed: nobody is waiting for it.
            Err(_) => return Rc::new(self),
        }
        Rc::new(self)
    }

    fn key(mut self, key: KeyAction) -> Rc<Self> {
        let cmd = match key {
            KeyAction::Step => Some(Cmd::Step),
            KeyAction::StepBack => Some(Cmd::StepBack),
            KeyAction::StepOver => Some(Cmd::StepOver),
            KeyAction::StepOut => Some(Cmd::StepOut),
            KeyAction::RunToEnd => Some(Cmd::RunToEnd),
            KeyAction::Reset | KeyAction::FirstStep => Some(Cmd::Reset),
            KeyAction::PlayPause => {
                let on = !self.playing;
                if on && self.finished() {
                    self.apply(&Cmd::Reset);
                }
                self.playing = on && self.snapshot.is_some();
                None
            }
            KeyAction::ToggleHelp => {
                self.help_open = !self.help_open;
                None
            }
            KeyAction::CloseOverlay => {
                self.help_open = false;
                None
            }
            KeyAction::ToggleTheme => {
                self.theme = self.theme.toggled();
                None
            }
            KeyAction::TogglePresentation => {
                self.present = !self.present;
                None
            }
        };
        if let Some(cmd) = cmd {
            self.playing = false;
            self.apply(&cmd);
        }
        Rc::new(self)
    }
}

/// Every callback the page hands to components, built once from the dispatcher.
#[derive(Clone)]
struct Callbacks {
    on_cmd: Callback<Cmd>,
    on_play: Callback<bool>,
    on_speed: Callback<u32>,
    on_select: Callback<AttrValue>,
    on_edit: Callback<String>,
    on_help: Callback<bool>,
    on_theme: Callback<()>,
    on_present: Callback<()>,
    open_help: Callback<()>,
    on_revert: Callback<()>,
    dismiss: Callback<MouseEvent>,
    on_background: Callback<bool>,
}

impl Callbacks {
    fn new(d: &UseReducerDispatcher<AppState>) -> Callbacks {
        let with = |f: fn(&UseReducerDispatcher<AppState>)| {
            let d = d.clone();
            Callback::from(move |()| f(&d))
        };
        Callbacks {
            on_cmd: {
                let d = d.clone();
                Callback::from(move |cmd: Cmd| d.dispatch(Action::Run(cmd)))
            },
            on_play: {
                let d = d.clone();
                Callback::from(move |on: bool| d.dispatch(Action::Play(on)))
            },
            on_speed: {
                let d = d.clone();
                Callback::from(move |v: u32| d.dispatch(Action::Speed(v)))
            },
            on_select: {
                let d = d.clone();
                Callback::from(move |name: AttrValue| d.dispatch(Action::Select(name)))
            },
            on_edit: {
                let d = d.clone();
                Callback::from(move |text: String| d.dispatch(Action::Edit(text)))
            },
            on_help: {
                let d = d.clone();
                Callback::from(move |open: bool| d.dispatch(Action::SetHelp(open)))
            },
            on_theme: with(|d| d.dispatch(Action::ToggleTheme)),
            on_present: with(|d| d.dispatch(Action::TogglePresent)),
            open_help: with(|d| d.dispatch(Action::SetHelp(true))),
            on_revert: with(|d| d.dispatch(Action::Revert)),
            dismiss: send(d, || Action::DismissErrors),
            on_background: {
                let d = d.clone();
                Callback::from(move |on: bool| d.dispatch(Action::ShowBackground(on)))
            },
        }
    }
}

/// Computes the rest of the session's run in slices of at most 4 ms, back to back while
/// the user leaves the page alone, only in idle time for [`QUIET_MS`] after a command
/// (stepping, playing), and tells the page about it at most every [`PROGRESS_MS`] (and
/// once at the end).
fn background_job(
    session: Rc<RefCell<Option<Session>>>,
    input_at: Rc<Cell<f64>>,
    dispatcher: UseReducerDispatcher<AppState>,
) -> Background {
    let mut pacer = Pacer::default();
    let mut published = f64::NEG_INFINITY;
    let (mut longest, mut slices, mut overran): (f64, u32, u32) = (0.0, 0, 0);
    Background::start(move |deadline| {
        let t0 = dom::now_ms();
        let more = {
            let Ok(mut guard) = session.try_borrow_mut() else {
                return Next::WhenIdle;
            };
            let Some(s) = guard.as_mut() else {
                return Next::Stop;
            };
            pacer.run(deadline, dom::now_ms, |n| s.compute_ahead(n));
            s.computing()
        };
        let now = dom::now_ms();
        // For the e2e measurements: the longest slice, and how many of them ran over
        // twice the planned length (a single step can be slower than a slice).
        longest = longest.max(now - t0);
        slices += 1;
        overran += u32::from(now - t0 > 2.0 * SLICE_MS);
        dom::record_timing("background_slice_max", longest);
        dom::record_timing("background_slices", f64::from(slices));
        dom::record_timing("background_slices_overran", f64::from(overran));
        if !more || now - published >= PROGRESS_MS {
            published = now;
            dispatcher.dispatch(Action::Progress);
        }
        if !more {
            Next::Stop
        } else if now - input_at.get() < QUIET_MS {
            Next::WhenIdle
        } else {
            Next::Soon
        }
    })
}

/// A callback that dispatches a fixed action, whatever its argument.
fn send<E: 'static>(d: &UseReducerDispatcher<AppState>, make: fn() -> Action) -> Callback<E> {
    let d = d.clone();
    Callback::from(move |_: E| d.dispatch(make()))
}

/// True when keyboard focus is in a text field (keys belong to it, not to stepping).
fn in_text_field(event: &KeyboardEvent) -> bool {
    event
        .target()
        .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
        .is_some_and(|el| {
            let tag = el.tag_name().to_ascii_lowercase();
            tag == "textarea"
                || tag == "input"
                || tag == "select"
                || el.has_attribute("contenteditable")
        })
}

#[component]
pub fn App() -> Html {
    let state = use_reducer(AppState::boot);
    let dispatcher = state.dispatcher();

    // Keyboard shortcuts, installed once.
    {
        let dispatcher = dispatcher.clone();
        use_effect_with((), move |()| {
            let doc = gloo::utils::document();
            let opts = EventListenerOptions::enable_prevent_default();
            let listener = EventListener::new_with_options(&doc, "keydown", opts, move |e| {
                let Some(e) = e.dyn_ref::<KeyboardEvent>() else {
                    return;
                };
                let modifier = e.ctrl_key() || e.meta_key() || e.alt_key();
                let in_field = in_text_field(e);
                if let Some(action) = key_action(&e.key(), modifier, in_field) {
                    if action == KeyAction::CloseOverlay && in_field {
                        // Leave the editor so that the stepping keys work again.
                        if let Some(el) = e
                            .target()
                            .and_then(|t| t.dyn_into::<web_sys::HtmlElement>().ok())
                        {
                            el.blur().ok();
                        }
                    }
                    e.prevent_default();
                    dispatcher.dispatch(Action::Key(action));
                }
            });
            move || drop(listener)
        });
    }

    // Playback timer, owned here and dropped when playback stops.
    {
        let dispatcher = dispatcher.clone();
        use_effect_with((state.playing, state.speed), move |&(playing, speed)| {
            let interval = playing.then(|| {
                let ms = (1000 / speed.clamp(1, 60)).max(16);
                Interval::new(ms, move || dispatcher.dispatch(Action::Tick))
            });
            move || drop(interval)
        });
    }

    // Debounced re-parse of the editor text.
    {
        let dispatcher = dispatcher.clone();
        use_effect_with(state.edit_gen, move |&generation| {
            let timeout = (generation > 0).then(|| {
                Timeout::new(350, move || {
                    dispatcher.dispatch(Action::Reparse(generation));
                })
            });
            move || drop(timeout)
        });
    }

    // The rest of the run, computed in idle time in short slices; a new run (another
    // scenario, an edit that parses) drops the old job and starts a new one.
    {
        let dispatcher = dispatcher.clone();
        let session = Rc::clone(&state.session);
        let input_at = Rc::clone(&state.input_at);
        use_effect_with(state.run_gen, move |_| {
            let job = background_job(session, input_at, dispatcher);
            move || drop(job)
        });
    }

    // Theme and presentation classes live on <html> so the page background follows.
    use_effect_with((state.theme, state.present), |&(theme, present)| {
        if let Some(root) = gloo::utils::document().document_element() {
            let mut class = theme.class().to_string();
            if present {
                class.push_str(" present");
            }
            root.set_class_name(&class);
        }
    });

    // Fetches a built-in scenario's text when one is picked that is not compiled in.
    {
        let dispatcher = dispatcher.clone();
        use_effect_with(state.loading.clone(), move |loading| {
            if let Some(name) = loading.clone() {
                wasm_bindgen_futures::spawn_local(async move {
                    let result = dom::fetch_text(&session::builtin_url(&name)).await;
                    dispatcher.dispatch(Action::Fetched(name, result));
                });
            }
        });
    }

    // Ready flag for the end-to-end tests, once the first view (of the URL's scenario) is
    // on screen.
    use_effect_with(state.loading.is_none(), |&idle| {
        if idle {
            dom::mark_ready();
        }
    });

    // Built once: stable callbacks keep the props of unchanged components equal.
    let cbs = {
        let d = dispatcher.clone();
        use_memo((), move |()| Callbacks::new(&d))
    };
    let Callbacks {
        on_cmd,
        on_play,
        on_speed,
        on_select,
        on_edit,
        on_help,
        on_theme,
        on_present,
        open_help,
        on_revert,
        dismiss,
        on_background,
    } = (*cbs).clone();

    let snap = state.snapshot.clone();
    let current_line = if state.diagnostics.is_empty() {
        snap.as_ref().and_then(|s| s.view.next_line)
    } else {
        None
    };
    let teaches = state.teaches.clone();
    let citation = state.citation.clone();

    html! {
        <div class="app">
            if !state.errors.is_empty() {
                <div class="error-banner" role="alert" data-testid="error-banner">
                    <ul>
                        { for state.errors.iter().map(|e| html! { <li>{ e.clone() }</li> }) }
                    </ul>
                    <button class="btn small" onclick={dismiss}
                        aria-label="Dismiss">{ "Dismiss" }</button>
                </div>
            }
            <Controls
                library={state.library.clone()}
                scenario={state.scenario.clone()}
                snapshot={snap.clone()}
                known={state.extent.as_ref().map_or(0, |e| e.known)}
                end_known={state.extent.as_ref().is_some_and(|e| e.end_known)}
                playing={state.playing}
                speed={state.speed}
                theme={state.theme}
                present={state.present}
                on_cmd={on_cmd.clone()}
                on_play={on_play}
                on_speed={on_speed}
                on_select={on_select}
                on_theme={on_theme}
                on_present={on_present}
                on_help={open_help}
            />
            if let (Some(snap), Some(extent)) = (&snap, &state.extent) {
                <Timeline
                    step={snap.step}
                    finished={snap.finished}
                    extent={extent.clone()}
                    on_cmd={on_cmd.clone()}
                    notice={state.notice.clone()}
                />
            }
            <main class="workspace">
                <section class="col col-source">
                    <SourcePane
                        text={state.text.clone()}
                        current_line={current_line}
                        diagnostics={state.diagnostics.clone()}
                        edited={state.edited}
                        teaches={teaches}
                        citation={citation}
                        on_edit={on_edit}
                        on_revert={on_revert}
                    />
                </section>
                if let Some(snap) = &snap {
                    <section class="col col-context">
                        <AllocPanel alloc={snap.alloc.clone()} previous={snap.previous_alloc.clone()} />
                        <CallStack view={snap.view.clone()} stepped={snap.stepped} />
                        <TaskPanel view={snap.view.clone()} />
                        <EventLog
                            entries={snap.log.clone()}
                            total={snap.log_total}
                            background={snap.background_shown}
                            on_background={on_background}
                            step={snap.step}
                            on_cmd={on_cmd.clone()}
                        />
                    </section>
                    <section class="col col-memory">
                        <DecisionPanel step={snap.step} detail={snap.detail.clone()} />
                        <MemoryMap zones={snap.zones.clone()} pages={snap.pages.clone()} theme={state.theme} />
                        <Plots data={snap.plots.clone()} theme={state.theme} />
                        <BuddyPanel
                            zones={snap.zones.clone()}
                            ops={snap.buddy_ops.clone()}
                            step={snap.step}
                            stepped={snap.stepped}
                        />
                        <SlabPanel caches={snap.slabs.clone()} />
                    </section>
                }
            </main>
            <HelpOverlay open={state.help_open} on_close={on_help} />
        </div>
    }
}

//! Work done in the background, in short slices: the rest of the run is computed this
//! way so that the timeline covers the whole run without making a step or a click wait.
//!
//! The engine has no clock, so the slicing lives here. [`Background`] runs one slice of
//! at most [`SLICE_MS`] per browser task and lets the work choose how the next one is
//! scheduled ([`Next`]): `Soon` posts a message on a `MessageChannel` (a new task at
//! once: the browser handles input and draws frames between two tasks, and the work goes
//! on at nearly full speed), `WhenIdle` asks for an idle callback (only about 20 a
//! second, so 10–20 % of the time: for while the user is stepping or playing). The first
//! slice always waits for an idle period, so loading and the first render come first.
//! [`Pacer`] sizes the engine calls inside a slice from the time the previous ones took.
//! Dropping the [`Background`] cancels it.

use std::cell::RefCell;
use std::rc::Rc;

use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;

/// Longest slice of work per task, in milliseconds, so that input waits at most about
/// this long.
pub const SLICE_MS: f64 = 4.0;
/// An idle-time slice waits for an idle period at most this long.
const IDLE_TIMEOUT_MS: u32 = 300;
/// Slice length when the browser was never idle for `IDLE_TIMEOUT_MS` (a busy page).
const BUSY_SLICE_MS: f64 = 2.0;
/// Time each engine call inside a slice aims for.
const CALL_MS: f64 = 1.0;

/// Sizes the engine calls of a slice: how many steps fit in [`CALL_MS`], from an
/// average of the measured cost per step.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Pacer {
    /// Smoothed cost of one step, in milliseconds.
    ms_per_step: f64,
}

impl Default for Pacer {
    fn default() -> Self {
        // On the slow side of what a step costs in a release build (a pressure step is
        // about 0.02 ms), so that the first call of a slice does not overrun it.
        Pacer { ms_per_step: 0.05 }
    }
}

impl Pacer {
    /// Steps to ask for in a call that should take `ms` milliseconds.
    pub fn chunk(self, ms: f64) -> u64 {
        let n = ms / self.ms_per_step.max(1e-4);
        (n as u64).clamp(1, 20_000)
    }

    /// Records that `steps` steps took `ms` milliseconds (clock resolution is coarse,
    /// so short calls count with the time they cannot have gone below).
    pub fn observe(&mut self, steps: u64, ms: f64) {
        if steps == 0 {
            return;
        }
        let per = ms.max(0.0) / steps as f64;
        self.ms_per_step = 0.5 * self.ms_per_step + 0.5 * per;
    }

    /// Runs `work(steps)` until `now()` reaches `stop_at` or the work returns 0 (done).
    /// Each call is sized to end before `stop_at`. Returns the steps done.
    pub fn run(
        &mut self,
        stop_at: f64,
        now: impl Fn() -> f64,
        mut work: impl FnMut(u64) -> u64,
    ) -> u64 {
        let mut total = 0;
        loop {
            let t0 = now();
            let left = stop_at - t0;
            if left <= 0.0 || (total > 0 && left < self.ms_per_step) {
                return total;
            }
            let n = self.chunk(left.min(CALL_MS));
            let done = work(n);
            self.observe(done, now() - t0);
            total += done;
            if done == 0 {
                return total;
            }
        }
    }
}

/// How the work wants its next slice.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Next {
    /// Done: no more slices.
    Stop,
    /// In a new task right away.
    Soon,
    /// When the browser is idle.
    WhenIdle,
}

type Work = Box<dyn FnMut(f64) -> Next>;

struct Inner {
    work: Work,
    idle_handle: Option<u32>,
    idle: Option<Closure<dyn FnMut(web_sys::IdleDeadline)>>,
    /// `Soon` slices: a message to `port1` from `port2`.
    channel: Option<web_sys::MessageChannel>,
    on_message: Option<Closure<dyn FnMut()>>,
    /// A slice is running (its work may drop the job).
    running: bool,
}

/// A background job cut in slices; dropping it cancels the job.
pub struct Background {
    inner: Rc<RefCell<Inner>>,
}

impl Background {
    /// Calls `work(deadline)` in slices, where `deadline` is the `performance.now()`
    /// time by which the slice should end, first in an idle period, then as `work`
    /// says.
    pub fn start(work: impl FnMut(f64) -> Next + 'static) -> Background {
        let inner = Rc::new(RefCell::new(Inner {
            work: Box::new(work),
            idle_handle: None,
            idle: None,
            channel: web_sys::MessageChannel::new().ok(),
            on_message: None,
            running: false,
        }));
        let on_message: Closure<dyn FnMut()> = Closure::new({
            let weak = Rc::downgrade(&inner);
            move || slice(&weak, crate::dom::now_ms() + SLICE_MS)
        });
        let idle: Closure<dyn FnMut(web_sys::IdleDeadline)> = Closure::new({
            let weak = Rc::downgrade(&inner);
            move |deadline: web_sys::IdleDeadline| {
                if let Some(inner) = weak.upgrade() {
                    inner.borrow_mut().idle_handle = None;
                }
                let budget = if deadline.did_timeout() {
                    BUSY_SLICE_MS
                } else {
                    deadline.time_remaining().min(SLICE_MS)
                };
                slice(&weak, crate::dom::now_ms() + budget);
            }
        });
        {
            let mut i = inner.borrow_mut();
            if let Some(ch) = &i.channel {
                ch.port1()
                    .set_onmessage(Some(on_message.as_ref().unchecked_ref()));
            }
            i.on_message = Some(on_message);
            i.idle = Some(idle);
        }
        schedule(&inner, Next::WhenIdle);
        Background { inner }
    }
}

/// Runs one slice of the job, then schedules the next as the work asks.
fn slice(weak: &std::rc::Weak<RefCell<Inner>>, deadline: f64) {
    let Some(inner) = weak.upgrade() else { return };
    // Take the work out so that it runs without a borrow held (it may re-render the
    // page, and the re-render may drop the job).
    let mut work = {
        let Ok(mut i) = inner.try_borrow_mut() else {
            return;
        };
        if i.running {
            return;
        }
        i.running = true;
        std::mem::replace(&mut i.work, Box::new(|_| Next::Stop))
    };
    let next = work(deadline);
    let Ok(mut i) = inner.try_borrow_mut() else {
        return;
    };
    i.work = work;
    i.running = false;
    drop(i);
    schedule(&inner, next);
}

/// Schedules the next slice (a `Soon` slice falls back to a zero timeout).
fn schedule(inner: &Rc<RefCell<Inner>>, next: Next) {
    let Some(window) = web_sys::window() else {
        return;
    };
    let mut i = inner.borrow_mut();
    match next {
        Next::Stop => {}
        Next::Soon => {
            let posted = i.channel.as_ref().is_some_and(|ch| {
                ch.port2()
                    .post_message(&wasm_bindgen::JsValue::NULL)
                    .is_ok()
            });
            if !posted && let Some(cb) = i.on_message.as_ref() {
                window
                    .set_timeout_with_callback(cb.as_ref().unchecked_ref())
                    .ok();
            }
        }
        Next::WhenIdle => {
            if i.idle_handle.is_some() {
                return;
            }
            let Some(cb) = i.idle.as_ref() else { return };
            let opts = web_sys::IdleRequestOptions::new();
            opts.set_timeout(IDLE_TIMEOUT_MS);
            match window.request_idle_callback_with_options(cb.as_ref().unchecked_ref(), &opts) {
                Ok(h) => i.idle_handle = Some(h),
                Err(e) => gloo::console::warn!("background work not scheduled:", e),
            }
        }
    }
}

impl Drop for Background {
    fn drop(&mut self) {
        let Ok(mut i) = self.inner.try_borrow_mut() else {
            return;
        };
        if let (Some(h), Some(w)) = (i.idle_handle.take(), web_sys::window()) {
            w.cancel_idle_callback(h);
        }
        // Detach the handler before its closure is freed: a message already posted
        // must find nothing to call.
        if let Some(ch) = i.channel.take() {
            ch.port1().set_onmessage(None);
            ch.port1().close();
            ch.port2().close();
        }
        // The job may be dropped from inside one of its own slices (a re-render it
        // caused): free the closures in a later task, never while one of them runs.
        let (idle, on_message) = (i.idle.take(), i.on_message.take());
        let free = Closure::once_into_js(move || drop((idle, on_message)));
        if let Some(w) = web_sys::window() {
            w.set_timeout_with_callback(free.unchecked_ref()).ok();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;
    use wasm_bindgen_test::wasm_bindgen_test;

    #[wasm_bindgen_test]
    fn the_pacer_sizes_calls_from_their_measured_cost_and_stops_at_the_deadline() {
        // A fake clock: every step of work costs 0.1 ms.
        let clock = Cell::new(100.0);
        let mut steps_left = 1_000u64;
        let mut calls = Vec::new();
        let mut p = Pacer::default();
        let done = p.run(
            104.0,
            || clock.get(),
            |n| {
                let n = n.min(steps_left);
                steps_left -= n;
                calls.push(n);
                clock.set(clock.get() + n as f64 * 0.1);
                n
            },
        );
        assert!(
            clock.get() <= 104.5,
            "overran the deadline: {}",
            clock.get()
        );
        assert!(
            (30..=45).contains(&done),
            "{done} steps in 4 ms at 0.1 ms/step"
        );
        assert!(calls.len() >= 2, "{calls:?}");
        // After measuring, a call asks for about CALL_MS of work.
        assert!((7..=13).contains(&p.chunk(CALL_MS)), "{}", p.chunk(CALL_MS));
        // Nothing left to do: the run returns as soon as the work reports 0 steps.
        let mut asked = 0;
        let none = p.run(
            1e9,
            || clock.get(),
            |_| {
                asked += 1;
                0
            },
        );
        assert_eq!((none, asked), (0, 1));
    }

    /// Resolves after `ms` milliseconds.
    async fn sleep(ms: i32) {
        let promise = js_sys::Promise::new(&mut |resolve, _| {
            if let Some(w) = web_sys::window() {
                w.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms)
                    .ok();
            }
        });
        wasm_bindgen_futures::JsFuture::from(promise).await.ok();
    }

    #[wasm_bindgen_test]
    async fn a_background_job_runs_until_done_and_stops_when_dropped() {
        let runs = Rc::new(Cell::new(0u32));
        let job = {
            let runs = Rc::clone(&runs);
            Background::start(move |deadline| {
                assert!(deadline - crate::dom::now_ms() <= SLICE_MS + 0.01);
                runs.set(runs.get() + 1);
                match runs.get() {
                    ..3 => Next::WhenIdle,
                    3..50 => Next::Soon,
                    _ => Next::Stop,
                }
            })
        };
        sleep(1_500).await;
        assert_eq!(
            runs.get(),
            50,
            "the job stops when the work says it is done"
        );
        drop(job);
        // A job dropped from inside its own slice (a re-render it caused) stops cleanly.
        let slot: Rc<RefCell<Option<Background>>> = Rc::new(RefCell::new(None));
        let runs = Rc::new(Cell::new(0u32));
        let job = {
            let (slot, runs) = (Rc::clone(&slot), Rc::clone(&runs));
            Background::start(move |_| {
                runs.set(runs.get() + 1);
                drop(slot.borrow_mut().take());
                Next::Soon
            })
        };
        *slot.borrow_mut() = Some(job);
        sleep(500).await;
        assert_eq!(runs.get(), 1);
        assert!(slot.borrow().is_none());
        let runs = Rc::new(Cell::new(0u32));
        let job = {
            let runs = Rc::clone(&runs);
            Background::start(move |_| {
                runs.set(runs.get() + 1);
                Next::Soon
            })
        };
        drop(job);
        sleep(500).await;
        assert_eq!(runs.get(), 0, "a dropped job never runs");
    }
}

//! Work done while the browser is idle, in short slices: the rest of the run is
//! computed this way so that the timeline covers the whole run without making a step
//! or a click wait.
//!
//! The engine has no clock, so the slicing lives here: [`Background`] asks for an idle
//! callback, gives the work a deadline at most [`SLICE_MS`] away, and asks again until
//! the work says it is done; [`Pacer`] sizes the engine calls inside a slice from the
//! time the previous ones took. Dropping the [`Background`] cancels it.

use std::cell::RefCell;
use std::rc::Rc;

use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;

/// Longest slice of work per idle callback, in milliseconds, so that input waits at
/// most about this long.
pub const SLICE_MS: f64 = 4.0;
/// Slice length when the browser was never idle for `IDLE_TIMEOUT_MS` (a busy page,
/// e.g. fast playback): progress continues, but in shorter slices.
const BUSY_SLICE_MS: f64 = 2.0;
/// The browser runs the callback after this long even when it is never idle.
const IDLE_TIMEOUT_MS: u32 = 300;
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

type Callback = Closure<dyn FnMut(web_sys::IdleDeadline)>;

struct Inner {
    handle: Option<u32>,
    callback: Option<Callback>,
}

/// A repeating idle-time job; dropping it cancels the job.
pub struct Background {
    inner: Rc<RefCell<Inner>>,
}

impl Background {
    /// Starts calling `work(deadline)` in idle callbacks, where `deadline` is the
    /// `performance.now()` time by which the slice should end; the job stops when
    /// `work` returns `false`.
    pub fn start(mut work: impl FnMut(f64) -> bool + 'static) -> Background {
        let inner = Rc::new(RefCell::new(Inner {
            handle: None,
            callback: None,
        }));
        let weak = Rc::downgrade(&inner);
        let callback: Callback = Closure::new(move |deadline: web_sys::IdleDeadline| {
            let Some(inner) = weak.upgrade() else { return };
            inner.borrow_mut().handle = None;
            let now = crate::dom::now_ms();
            let budget = if deadline.did_timeout() {
                BUSY_SLICE_MS
            } else {
                deadline.time_remaining().min(SLICE_MS)
            };
            // A too short idle period: wait for a longer one.
            if budget < 0.5 || work(now + budget) {
                request(&inner);
            }
        });
        inner.borrow_mut().callback = Some(callback);
        request(&inner);
        Background { inner }
    }
}

/// Asks for the next idle callback.
fn request(inner: &Rc<RefCell<Inner>>) {
    let Some(window) = web_sys::window() else {
        return;
    };
    let mut i = inner.borrow_mut();
    let Some(cb) = i.callback.as_ref() else {
        return;
    };
    let opts = web_sys::IdleRequestOptions::new();
    opts.set_timeout(IDLE_TIMEOUT_MS);
    match window.request_idle_callback_with_options(cb.as_ref().unchecked_ref(), &opts) {
        Ok(h) => i.handle = Some(h),
        Err(e) => gloo::console::warn!("background work not scheduled:", e),
    }
}

impl Drop for Background {
    fn drop(&mut self) {
        let mut i = self.inner.borrow_mut();
        if let (Some(h), Some(w)) = (i.handle.take(), web_sys::window()) {
            w.cancel_idle_callback(h);
        }
        i.callback = None;
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
                runs.get() < 3
            })
        };
        sleep(1_500).await;
        assert_eq!(runs.get(), 3, "the job stops when the work says it is done");
        drop(job);
        let runs = Rc::new(Cell::new(0u32));
        let job = {
            let runs = Rc::clone(&runs);
            Background::start(move |_| {
                runs.set(runs.get() + 1);
                true
            })
        };
        drop(job);
        sleep(500).await;
        assert_eq!(runs.get(), 0, "a dropped job never runs");
    }
}

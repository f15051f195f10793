//! Keyframe store for time travel.
//!
//! A run is deterministic, so the state after step `n` is a pure function of the
//! state at any earlier step. [`Keyframes`] keeps a full clone of the run state
//! every `interval` steps; `Run::seek` restores the nearest keyframe at or
//! before the target and replays the remaining steps.
//!
//! Memory stays bounded on long runs by *thinning*: when more than `cap`
//! keyframes exist the interval doubles and every other keyframe is dropped, so
//! keyframes stay evenly spaced and the replay distance is at most `interval`.

/// Evenly spaced snapshots of a state `S`, keyed by step number.
#[derive(Clone, Debug)]
pub struct Keyframes<S> {
    interval: u64,
    cap: usize,
    frames: Vec<(u64, S)>,
}

impl<S: Clone> Keyframes<S> {
    /// A store that snapshots every `interval` steps (at least 1) and keeps at
    /// most `cap` snapshots (at least 2) before thinning.
    #[must_use]
    pub fn new(interval: u64, cap: usize) -> Self {
        Self {
            interval: interval.max(1),
            cap: cap.max(2),
            frames: Vec::new(),
        }
    }

    /// Current spacing between keyframes.
    #[must_use]
    pub fn interval(&self) -> u64 {
        self.interval
    }

    /// Number of snapshots held.
    #[must_use]
    pub fn len(&self) -> usize {
        self.frames.len()
    }

    /// True when no snapshot is held.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.frames.is_empty()
    }

    /// Whether a snapshot should be taken at `step` (on the grid and newer than the last one).
    #[must_use]
    pub fn wants(&self, step: u64) -> bool {
        step.is_multiple_of(self.interval) && self.frames.last().is_none_or(|(s, _)| *s < step)
    }

    /// Record `state` as the snapshot for `step` if [`Self::wants`] it.
    pub fn offer(&mut self, step: u64, state: impl FnOnce() -> S) {
        if !self.wants(step) {
            return;
        }
        self.frames.push((step, state()));
        if self.frames.len() > self.cap {
            self.interval = self.interval.saturating_mul(2);
            let interval = self.interval;
            self.frames.retain(|(s, _)| s.is_multiple_of(interval));
        }
    }

    /// The newest snapshot at or before `step`.
    #[must_use]
    pub fn at_or_before(&self, step: u64) -> Option<(u64, &S)> {
        let idx = self.frames.partition_point(|(s, _)| *s <= step);
        let (s, state) = self.frames.get(idx.checked_sub(1)?)?;
        Some((*s, state))
    }

    /// Iterate over the snapshots (step, state), oldest first.
    pub fn iter(&self) -> impl Iterator<Item = (u64, &S)> {
        self.frames.iter().map(|(s, st)| (*s, st))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_nearest_keyframe_at_or_before() {
        let mut k = Keyframes::new(10, 100);
        for step in 0..=55 {
            k.offer(step, || step * 100);
        }
        assert_eq!(k.len(), 6);
        assert_eq!(k.at_or_before(0), Some((0, &0)));
        assert_eq!(k.at_or_before(9), Some((0, &0)));
        assert_eq!(k.at_or_before(10), Some((10, &1000)));
        assert_eq!(k.at_or_before(54), Some((50, &5000)));
        assert_eq!(k.at_or_before(1000), Some((50, &5000)));
    }

    #[test]
    fn thinning_keeps_even_spacing_and_bounds_memory() {
        let mut k = Keyframes::new(1, 8);
        for step in 0..=1000u64 {
            k.offer(step, || step);
            assert!(k.len() <= 8);
        }
        let steps: Vec<u64> = k.iter().map(|(s, _)| s).collect();
        let i = k.interval();
        assert!(steps.iter().all(|s| s % i == 0));
        assert!(steps.windows(2).all(|w| w[1] - w[0] == i));
        // The replay distance from any step to its keyframe is below the interval.
        for target in 0..=1000 {
            let (s, _) = k.at_or_before(target).unwrap();
            assert!(target - s < i || target > *steps.last().unwrap());
        }
    }

    #[test]
    fn offer_is_idempotent_for_an_already_recorded_step() {
        let mut k = Keyframes::new(5, 10);
        k.offer(5, || 1);
        k.offer(5, || 2);
        assert_eq!(k.len(), 1);
        assert_eq!(k.at_or_before(7), Some((5, &1)));
    }
}

//! Maps that do not each bring their own B-tree code.
//!
//! Each `BTreeMap<K, V>` type brings its own copy of the B-tree code (insert, search,
//! rebalance, clone, drop: several KB of wasm each). [`SmallMap`] is a sorted `Vec` for the
//! kernel's per-zone counters and lock-name sets, which hold a few entries. [`U64Map`] is for
//! the large maps keyed by address or pfn (slabs, allocations, the interpreter's objects): all
//! of them share one `BTreeMap<u64, u32>` from key to slot. Both iterate in key order.

use std::borrow::Borrow;
use std::collections::BTreeMap;
use std::ops::RangeToInclusive;

/// A map from `K` to `V` in key order (like `BTreeMap`, for few entries).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct SmallMap<K, V>(Vec<(K, V)>);

impl<K: Ord, V> SmallMap<K, V> {
    pub(crate) const fn new() -> Self {
        SmallMap(Vec::new())
    }

    fn find<Q: Ord + ?Sized>(&self, key: &Q) -> Result<usize, usize>
    where
        K: Borrow<Q>,
    {
        self.0.binary_search_by(|(k, _)| k.borrow().cmp(key))
    }

    /// Sets `key` to `value`; returns the previous value.
    pub(crate) fn insert(&mut self, key: K, value: V) -> Option<V> {
        match self.find(&key) {
            Ok(i) => Some(std::mem::replace(&mut self.0[i].1, value)),
            Err(i) => {
                self.0.insert(i, (key, value));
                None
            }
        }
    }

    pub(crate) fn get<Q: Ord + ?Sized>(&self, key: &Q) -> Option<&V>
    where
        K: Borrow<Q>,
    {
        self.find(key).ok().map(|i| &self.0[i].1)
    }

    pub(crate) fn get_mut<Q: Ord + ?Sized>(&mut self, key: &Q) -> Option<&mut V>
    where
        K: Borrow<Q>,
    {
        self.find(key).ok().map(|i| &mut self.0[i].1)
    }

    pub(crate) fn contains_key<Q: Ord + ?Sized>(&self, key: &Q) -> bool
    where
        K: Borrow<Q>,
    {
        self.find(key).is_ok()
    }

    /// The value of `key`, inserting `V::default()` first if there is none
    /// (`entry(key).or_default()`).
    pub(crate) fn get_or_default(&mut self, key: K) -> &mut V
    where
        V: Default,
    {
        let i = match self.find(&key) {
            Ok(i) => i,
            Err(i) => {
                self.0.insert(i, (key, V::default()));
                i
            }
        };
        &mut self.0[i].1
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub(crate) fn values(&self) -> impl Iterator<Item = &V> {
        self.0.iter().map(|(_, v)| v)
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = (&K, &V)> {
        self.0.iter().map(|(k, v)| (k, v))
    }
}

impl<K: Ord, V> Default for SmallMap<K, V> {
    fn default() -> Self {
        SmallMap::new()
    }
}

/// A set of `K` in order (like `BTreeSet`, for few entries).
pub(crate) type SmallSet<K> = SmallMap<K, ()>;

/// A map from `u64` keys (addresses, pfns) to `V`, in key order. The keys live in one
/// `BTreeMap<u64, u32>` type shared by every `U64Map`, the values in a slot vector.
#[derive(Clone)]
pub struct U64Map<V> {
    index: BTreeMap<u64, u32>,
    slots: Vec<Option<V>>,
    /// Slots whose value was removed, reused before the vector grows.
    free: Vec<u32>,
}

// Keys by reference, as `BTreeMap` takes them, so that call sites read the same.
#[allow(clippy::trivially_copy_pass_by_ref)]
impl<V> U64Map<V> {
    pub(crate) const fn new() -> Self {
        U64Map {
            index: BTreeMap::new(),
            slots: Vec::new(),
            free: Vec::new(),
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.index.len()
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.index.is_empty()
    }

    fn slot(&self, i: u32) -> Option<&V> {
        self.slots.get(i as usize).and_then(Option::as_ref)
    }

    pub(crate) fn get(&self, key: &u64) -> Option<&V> {
        self.index.get(key).and_then(|&i| self.slot(i))
    }

    pub(crate) fn get_mut(&mut self, key: &u64) -> Option<&mut V> {
        let i = *self.index.get(key)?;
        self.slots.get_mut(i as usize).and_then(Option::as_mut)
    }

    pub(crate) fn contains_key(&self, key: &u64) -> bool {
        self.index.contains_key(key)
    }

    /// Sets `key` to `value`; returns the previous value.
    pub(crate) fn insert(&mut self, key: u64, value: V) -> Option<V> {
        if let Some(&i) = self.index.get(&key) {
            return self.slots[i as usize].replace(value);
        }
        let i = if let Some(i) = self.free.pop() {
            self.slots[i as usize] = Some(value);
            i
        } else {
            self.slots.push(Some(value));
            (self.slots.len() - 1) as u32
        };
        self.index.insert(key, i);
        None
    }

    pub(crate) fn remove(&mut self, key: &u64) -> Option<V> {
        let i = self.index.remove(key)?;
        self.free.push(i);
        self.slots[i as usize].take()
    }

    /// Entries in key order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (u64, &V)> {
        self.index
            .iter()
            .filter_map(|(&k, &i)| self.slot(i).map(|v| (k, v)))
    }

    /// Values in key order.
    pub(crate) fn values(&self) -> impl Iterator<Item = &V> {
        self.iter().map(|(_, v)| v)
    }

    /// The entry with the greatest key in `range` (`range(..=k).next_back()`).
    pub(crate) fn last_in(&self, range: RangeToInclusive<u64>) -> Option<(u64, &V)> {
        let (&k, &i) = self.index.range(range).next_back()?;
        self.slot(i).map(|v| (k, v))
    }
}

impl<V> Default for U64Map<V> {
    fn default() -> Self {
        U64Map::new()
    }
}

/// Compares entries, not slot layout.
impl<V: PartialEq> PartialEq for U64Map<V> {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.iter().eq(other.iter())
    }
}

impl<V: Eq> Eq for U64Map<V> {}

/// Prints like a `BTreeMap`.
impl<V: std::fmt::Debug> std::fmt::Debug for U64Map<V> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::{SmallMap, U64Map};
    use proptest::prelude::*;
    use std::collections::BTreeMap;

    proptest! {
        #[test]
        fn behaves_like_a_btree_map(ops in proptest::collection::vec((0u8..12, any::<u16>(), 0u8..4), 0..80)) {
            let (mut ours, mut std) = (SmallMap::new(), BTreeMap::new());
            for (key, value, op) in ops {
                match op {
                    0 => prop_assert_eq!(ours.insert(key, value), std.insert(key, value)),
                    1 => prop_assert_eq!(ours.get(&key), std.get(&key)),
                    2 => {
                        // Wrapping: an inserted value may be u16::MAX.
                        let a = ours.get_or_default(key);
                        *a = a.wrapping_add(1);
                        let b = std.entry(key).or_default();
                        *b = b.wrapping_add(1);
                    }
                    _ => {
                        if let (Some(a), Some(b)) = (ours.get_mut(&key), std.get_mut(&key)) {
                            *a = a.wrapping_mul(3);
                            *b = b.wrapping_mul(3);
                        }
                        prop_assert_eq!(ours.contains_key(&key), std.contains_key(&key));
                    }
                }
                let a: Vec<(u8, u16)> = ours.iter().map(|(k, v)| (*k, *v)).collect();
                let b: Vec<(u8, u16)> = std.iter().map(|(k, v)| (*k, *v)).collect();
                prop_assert_eq!(a, b);
                prop_assert_eq!(ours.is_empty(), std.is_empty());
                prop_assert!(ours.values().eq(std.values()));
            }
        }

        #[test]
        fn u64_map_behaves_like_a_btree_map(ops in proptest::collection::vec((0u64..16, any::<u16>(), 0u8..5), 0..120)) {
            let (mut ours, mut std) = (U64Map::new(), BTreeMap::new());
            for (key, value, op) in ops {
                match op {
                    0 | 1 => prop_assert_eq!(ours.insert(key, value), std.insert(key, value)),
                    2 => prop_assert_eq!(ours.remove(&key), std.remove(&key)),
                    3 => {
                        if let (Some(a), Some(b)) = (ours.get_mut(&key), std.get_mut(&key)) {
                            *a = a.wrapping_add(7);
                            *b = b.wrapping_add(7);
                        }
                        prop_assert_eq!(ours.contains_key(&key), std.contains_key(&key));
                    }
                    _ => prop_assert_eq!(
                        ours.last_in(..=key),
                        std.range(..=key).next_back().map(|(k, v)| (*k, v))
                    ),
                }
                prop_assert_eq!(ours.get(&key), std.get(&key));
                prop_assert_eq!(ours.len(), std.len());
                prop_assert_eq!(ours.is_empty(), std.is_empty());
                let a: Vec<(u64, u16)> = ours.iter().map(|(k, v)| (k, *v)).collect();
                let b: Vec<(u64, u16)> = std.iter().map(|(k, v)| (*k, *v)).collect();
                prop_assert_eq!(a, b);
                prop_assert!(ours.values().eq(std.values()));
                prop_assert_eq!(format!("{ours:?}"), format!("{std:?}"));
                // Equality ignores slot layout: a fresh map with the same entries is equal.
                let mut fresh = U64Map::new();
                for (k, v) in &std {
                    fresh.insert(*k, *v);
                }
                prop_assert!(fresh == ours);
            }
        }
    }
}

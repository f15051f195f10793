//! A map and a set for a handful of entries, kept as a sorted `Vec`.
//!
//! Each `BTreeMap<K, V>` type brings its own copy of the B-tree code (insert, search,
//! rebalance, clone, drop: several KB of wasm each). The kernel's per-zone counters and
//! lock-name sets hold a few entries, so a sorted vector does the same job, iterates in
//! the same (key) order and clones as one allocation.

use std::borrow::Borrow;

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

#[cfg(test)]
mod tests {
    use super::SmallMap;
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
                        *ours.get_or_default(key) += 1;
                        *std.entry(key).or_default() += 1;
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
    }
}

//! One sort for the whole crate.
//!
//! Every `sort_by_key` call site instantiates the standard library's stable sort (driftsort,
//! 2–3 KB of wasm) for its own element type and closure. The few sorts here run on short
//! vectors (zones, nodes, flags, diagnostics), so they share a single instance instead: the
//! keys and original positions are sorted as `(u64, usize)` pairs, which also makes the
//! result exactly that of a stable sort.

/// Sorts `v` by `key`, keeping elements with equal keys in their original order: the same
/// result as `v.sort_by_key(key)`.
pub(crate) fn sort_by_u64_key<T>(v: &mut Vec<T>, key: impl Fn(&T) -> u64) {
    if v.len() < 2 {
        return;
    }
    let mut order: Vec<(u64, usize)> = v.iter().enumerate().map(|(i, x)| (key(x), i)).collect();
    sort_pairs(&mut order);
    let mut slots: Vec<Option<T>> = v.drain(..).map(Some).collect();
    v.extend(order.iter().filter_map(|&(_, i)| slots[i].take()));
}

/// The one instance of the standard sort (positions are unique, so unstable is exact).
#[inline(never)]
fn sort_pairs(order: &mut [(u64, usize)]) {
    order.sort_unstable();
}

#[cfg(test)]
mod tests {
    use super::sort_by_u64_key;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn same_as_the_standard_stable_sort(v in proptest::collection::vec((0u64..8, any::<u32>()), 0..64)) {
            let mut ours = v.clone();
            sort_by_u64_key(&mut ours, |x| x.0);
            let mut std = v;
            std.sort_by_key(|x| x.0);
            prop_assert_eq!(ours, std);
        }
    }

    #[test]
    fn keeps_equal_keys_in_order_and_moves_non_copy_values() {
        let mut v: Vec<String> = ["b2", "a1", "b1", "a2", "c"].map(String::from).to_vec();
        sort_by_u64_key(&mut v, |s| u64::from(s.as_bytes()[0]));
        assert_eq!(v, ["a1", "a2", "b2", "b1", "c"]);
    }
}

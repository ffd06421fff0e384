//! One small stable sort for the stores, the router and the summary groups. `slice::sort_by`
//! instantiates tens of kilobytes of WebAssembly per call site; this is a few hundred bytes
//! behind a `dyn` comparator. Short lists (connections, pools) take a binary insertion sort;
//! long ones (a summary with tens of thousands of models) a bottom-up merge sort of positions,
//! so the cost stays O(n log n) without `T: Clone` or unsafe moves.

use std::cmp::Ordering;

/// Lists up to this long take the insertion sort (quadratic moves, but few of them).
const SHORT: usize = 32;

/// Sorts `items` stably (equal elements keep their order) by `cmp`.
pub fn stable_sort_by<T>(items: &mut [T], cmp: &dyn Fn(&T, &T) -> Ordering) {
    if items.len() <= SHORT {
        insertion_sort_by(items, cmp);
        return;
    }
    let mut order: Vec<usize> = (0..items.len()).collect();
    merge_sort_positions(&mut order, &|&a, &b| cmp(&items[a], &items[b]));
    permute(items, order);
}

fn insertion_sort_by<T>(items: &mut [T], cmp: &dyn Fn(&T, &T) -> Ordering) {
    for i in 1..items.len() {
        // Insert items[i] after every element not greater than it, which keeps ties in order.
        let (mut lo, mut hi) = (0, i);
        while lo < hi {
            let mid = (lo + hi) / 2;
            if cmp(&items[mid], &items[i]) == Ordering::Greater {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        items[lo..=i].rotate_right(1);
    }
}

/// Bottom-up merge sort of `order` with one scratch buffer: runs of 1, 2, 4... are merged,
/// the left run winning ties, which keeps the sort stable.
fn merge_sort_positions(order: &mut Vec<usize>, cmp: &dyn Fn(&usize, &usize) -> Ordering) {
    let n = order.len();
    let mut from = std::mem::take(order);
    let mut to = vec![0; n];
    let mut width = 1;
    while width < n {
        for start in (0..n).step_by(2 * width) {
            let mid = (start + width).min(n);
            let end = (start + 2 * width).min(n);
            merge(&from[start..mid], &from[mid..end], &mut to[start..end], cmp);
        }
        std::mem::swap(&mut from, &mut to);
        width *= 2;
    }
    *order = from;
}

fn merge(
    left: &[usize],
    right: &[usize],
    out: &mut [usize],
    cmp: &dyn Fn(&usize, &usize) -> Ordering,
) {
    let (mut i, mut j) = (0, 0);
    for slot in out.iter_mut() {
        let take_left =
            j == right.len() || (i < left.len() && cmp(&left[i], &right[j]) != Ordering::Greater);
        if take_left {
            *slot = left[i];
            i += 1;
        } else {
            *slot = right[j];
            j += 1;
        }
    }
}

/// Rearranges `items` so that position `i` holds what was at `order[i]`, cycle by cycle with
/// swaps (each visited position is marked by pointing `order` at itself).
fn permute<T>(items: &mut [T], mut order: Vec<usize>) {
    for start in 0..items.len() {
        let mut at = start;
        while order[at] != at {
            let next = std::mem::replace(&mut order[at], at);
            if next == start {
                break;
            }
            items.swap(at, next);
            at = next;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_rng::Rng;

    #[test]
    fn sorts_and_keeps_ties_in_order() {
        let mut items = vec![(3, 'a'), (1, 'b'), (3, 'c'), (2, 'd'), (1, 'e'), (0, 'f')];
        stable_sort_by(&mut items, &|a, b| a.0.cmp(&b.0));
        assert_eq!(
            items,
            vec![(0, 'f'), (1, 'b'), (1, 'e'), (2, 'd'), (3, 'a'), (3, 'c')]
        );
        let mut std_sorted: Vec<u32> = (0..200).map(|i| (i * 7919) % 101).collect();
        let mut ours = std_sorted.clone();
        std_sorted.sort();
        stable_sort_by(&mut ours, &|a, b| a.cmp(b));
        assert_eq!(ours, std_sorted);
    }

    #[test]
    fn long_lists_sort_as_the_insertion_sort_does() {
        let mut rng = Rng(0x5EED_50A7);
        for len in [0, 1, 2, 31, 32, 33, 64, 65, 100, 1000, 4097] {
            // Few distinct keys: many ties, whose order must be kept.
            let keys = 1 + rng.below(len as u64 / 3 + 1);
            let items: Vec<(u64, usize)> = (0..len).map(|i| (rng.below(keys), i)).collect();
            let mut want = items.clone();
            insertion_sort_by(&mut want, &|a, b| a.0.cmp(&b.0));
            let mut got = items;
            stable_sort_by(&mut got, &|a, b| a.0.cmp(&b.0));
            assert_eq!(got, want, "len {len}");
        }
    }
}

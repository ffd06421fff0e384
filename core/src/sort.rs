//! One small stable sort for the short lists of the stores and the router (connections, pools,
//! summary groups). `slice::sort_by` instantiates tens of kilobytes of WebAssembly per call
//! site; a binary insertion sort behind a `dyn` comparator is a few hundred bytes, and these
//! lists hold tens to hundreds of entries.

use std::cmp::Ordering;

/// Sorts `items` stably (equal elements keep their order) by `cmp`.
pub fn stable_sort_by<T>(items: &mut [T], cmp: &dyn Fn(&T, &T) -> Ordering) {
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

#[cfg(test)]
mod tests {
    use super::*;

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
}

//! Requests spread over threads: the HTTP layer is blocking, so concurrency is that many
//! threads, each taking the next item in order; the gate inside the client keeps the limits.
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Runs `work` on every item on `threads` threads and hands each result, with the item's index,
/// to `done` on the calling thread as it arrives (in no particular order).
pub fn each<T: Sync, R: Send>(
    items: &[T],
    threads: usize,
    work: impl Fn(&T) -> R + Sync,
    mut done: impl FnMut(usize, R),
) {
    let next = AtomicUsize::new(0);
    std::thread::scope(|s| {
        let (tx, rx) = std::sync::mpsc::channel();
        for _ in 0..threads.clamp(1, items.len().max(1)) {
            let (tx, next, work) = (tx.clone(), &next, &work);
            s.spawn(move || {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(item) = items.get(i) else { break };
                    if tx.send((i, work(item))).is_err() {
                        break;
                    }
                }
            });
        }
        drop(tx);
        for (i, r) in rx {
            done(i, r);
        }
    });
}

/// [`each`] over `order` (a permutation of the indexes of the items: the order to take them in),
/// with a progress counter of the results so far by kind (`kind` and its name); the results in
/// index order. What check and mirror do for every FOD.
pub fn each_counted<R: Send, K: Ord + Copy>(
    order: &[usize],
    threads: usize,
    work: impl Fn(usize) -> R + Sync,
    kind: impl Fn(&R) -> K,
    name: impl Fn(K) -> &'static str,
    mut progress: crate::progress::Counter,
) -> Vec<R> {
    let mut results: Vec<Option<R>> = (0..order.len()).map(|_| None).collect();
    let mut counts: BTreeMap<K, usize> = BTreeMap::new();
    let mut done = 0;
    each(
        order,
        threads,
        |&i| work(i),
        |k, r| {
            done += 1;
            *counts.entry(kind(&r)).or_default() += 1;
            results[order[k]] = Some(r);
            progress.update(done, || {
                let parts: Vec<String> = counts
                    .iter()
                    .map(|(s, n)| format!("{n} {}", name(*s)))
                    .collect();
                parts.join("  ")
            });
        },
    );
    progress.finish();
    results
        .into_iter()
        .map(|r| r.expect("every item done"))
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_item_once() {
        let items: Vec<u32> = (0..100).collect();
        let mut got = vec![0; 100];
        super::each(&items, 7, |x| x * 2, |i, r| got[i] += r + 1);
        assert_eq!(got, (0..100).map(|x| x * 2 + 1).collect::<Vec<_>>());
        super::each(&[] as &[u32], 4, |x| *x, |_, _| panic!("no items"));
    }

    #[test]
    fn counted_results_in_index_order() {
        let order = [3, 0, 2, 1];
        let counter = crate::progress::Counter::new(true, 4, "items");
        let got = super::each_counted(&order, 3, |i| i * 10, |r| r % 20 == 0, |_| "", counter);
        assert_eq!(got, vec![0, 10, 20, 30]);
    }
}

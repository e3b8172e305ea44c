//! Requests spread over threads: the HTTP layer is blocking, so concurrency is that many
//! threads, each taking the next item in order; the gate inside the client keeps the limits.
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
}

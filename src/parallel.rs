//! Work spread over every core: each thread takes the next item from a shared counter, so a slow
//! item holds up only its own thread.
use std::sync::atomic::{AtomicUsize, Ordering};

/// `each` of every item, in the items' order, computed on as many threads as there are cores.
pub fn map<T: Sync, R: Send>(items: &[T], each: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let next = AtomicUsize::new(0);
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let parts: Vec<Vec<(usize, R)>> = std::thread::scope(|s| {
        let running: Vec<_> = (0..threads)
            .map(|_| {
                s.spawn(|| {
                    let mut done = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(item) = items.get(i) else { break };
                        done.push((i, each(item)));
                    }
                    done
                })
            })
            .collect();
        running
            .into_iter()
            .map(|r| r.join().expect("a parallel item does not panic"))
            .collect()
    });
    let mut all: Vec<(usize, R)> = parts.into_iter().flatten().collect();
    all.sort_by_key(|(i, _)| *i);
    all.into_iter().map(|(_, r)| r).collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn results_come_in_the_items_order() {
        let items: Vec<u64> = (0..1000).collect();
        let squares = super::map(&items, |&i| {
            // Uneven work, so that threads finish out of order.
            if i % 7 == 0 {
                std::thread::sleep(std::time::Duration::from_micros(50));
            }
            i * i
        });
        assert_eq!(squares, items.iter().map(|i| i * i).collect::<Vec<_>>());
        assert!(super::map(&[] as &[u64], |&i| i).is_empty());
    }
}

//! The waiting tasks, one queue per cell and worker. A `nix repl` keeps what it evaluated, so
//! work that shares evaluation should go to the same process: each worker has a home share of
//! the top-level attributes (a contiguous run of the sorted names, so neighbours such as
//! `python27Packages`/`python2Packages` stay together) and the members of every set it
//! expanded, queued at the front (depth first: see `Dispatcher::next_batch`). An idle worker
//! takes from its own queues first (its current cell first, then its longest), and only when
//! they are empty takes from the back of the longest other queue, the work furthest from what
//! its owner evaluates next. Two workers that take interleaved batches from one queue each
//! evaluate nearly the whole package set; this halves that.
use std::collections::VecDeque;

/// A task of the walk, numbered in the order it was made.
pub type TaskId = u64;

pub struct Queues {
    /// `[cell][home worker]`.
    queues: Vec<Vec<VecDeque<TaskId>>>,
    /// The cell each worker took its last batch from.
    current: Vec<Option<usize>>,
}

/// Where a batch comes from: a cell, a home queue, and which end.
struct Pick {
    cell: usize,
    home: usize,
    own: bool,
}

impl Queues {
    pub fn new(cells: usize, workers: usize) -> Queues {
        let workers = workers.max(1);
        Queues {
            queues: vec![vec![VecDeque::new(); workers]; cells],
            current: vec![None; workers],
        }
    }

    pub fn workers(&self) -> usize {
        self.current.len()
    }

    /// Queues `id` after every task waiting in its queue (the tests build queues so; the
    /// dispatcher queues only at the front).
    #[cfg(test)]
    pub fn push(&mut self, cell: usize, home: usize, id: TaskId) {
        let home = home % self.workers();
        self.queues[cell][home].push_back(id);
    }

    /// Queues `id` before every task waiting in its queue.
    pub fn push_front(&mut self, cell: usize, home: usize, id: TaskId) {
        let home = home % self.workers();
        self.queues[cell][home].push_front(id);
    }

    /// Tasks of `cell` waiting in all its queues.
    pub fn waiting(&self, cell: usize) -> usize {
        self.queues[cell].iter().map(VecDeque::len).sum()
    }

    /// Up to `size(cell)` tasks for `worker`, in queue order, all alike by `kind` (a batch does
    /// not mix explain re-runs with visits).
    pub fn take(
        &mut self,
        worker: usize,
        size: impl Fn(usize) -> usize,
        kind: impl Fn(TaskId) -> bool,
    ) -> Option<(usize, Vec<TaskId>)> {
        let worker = worker % self.workers();
        let pick = self.pick(worker)?;
        let size = size(pick.cell);
        let queue = &mut self.queues[pick.cell][pick.home];
        let mut ids = Vec::with_capacity(size);
        if pick.own {
            let first = kind(*queue.front().expect("non-empty"));
            while ids.len() < size && queue.front().is_some_and(|&id| kind(id) == first) {
                ids.extend(queue.pop_front());
            }
        } else {
            let last = kind(*queue.back().expect("non-empty"));
            while ids.len() < size && queue.back().is_some_and(|&id| kind(id) == last) {
                ids.extend(queue.pop_back());
            }
            ids.reverse();
        }
        self.current[worker] = Some(pick.cell);
        Some((pick.cell, ids))
    }

    fn pick(&self, worker: usize) -> Option<Pick> {
        let own = |c: usize| self.queues[c][worker].len();
        let cells = 0..self.queues.len();
        let mine = self.current[worker].filter(|&c| own(c) > 0).or_else(|| {
            cells
                .clone()
                .filter(|&c| own(c) > 0)
                .max_by_key(|&c| own(c))
        });
        if let Some(cell) = mine {
            return Some(Pick {
                cell,
                home: worker,
                own: true,
            });
        }
        // Another's: the current cell's longest queue, else the longest of all.
        let longest = |cs: &mut dyn Iterator<Item = usize>| {
            cs.flat_map(|c| (0..self.workers()).map(move |h| (c, h)))
                .filter(|&(c, h)| !self.queues[c][h].is_empty())
                .max_by_key(|&(c, h)| self.queues[c][h].len())
        };
        let (cell, home) = self.current[worker]
            .and_then(|c| longest(&mut std::iter::once(c)))
            .or_else(|| longest(&mut cells.clone()))?;
        Some(Pick {
            cell,
            home,
            own: false,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_worker_takes_its_own_share_first_then_the_back_of_another() {
        let mut q = Queues::new(1, 2);
        for id in 0..4 {
            q.push(0, 0, id);
        }
        for id in 10..14 {
            q.push(0, 1, id);
        }
        assert_eq!(q.take(1, |_| 2, |_| false), Some((0, vec![10, 11])));
        assert_eq!(q.take(1, |_| 2, |_| false), Some((0, vec![12, 13])));
        // Worker 1's queue is empty: it takes the end of worker 0's.
        assert_eq!(q.take(1, |_| 2, |_| false), Some((0, vec![2, 3])));
        assert_eq!(q.take(0, |_| 3, |_| false), Some((0, vec![0, 1])));
        assert_eq!(q.take(0, |_| 3, |_| false), None);
    }

    #[test]
    fn a_worker_stays_in_its_cell_and_batches_do_not_mix_kinds() {
        let mut q = Queues::new(2, 1);
        q.push(0, 0, 1);
        q.push(1, 0, 2);
        q.push(1, 0, 3);
        q.push(1, 0, 4);
        // The longest first, then stay there; 3 is of another kind.
        assert_eq!(q.take(0, |_| 9, |id| id == 3), Some((1, vec![2])));
        assert_eq!(q.take(0, |_| 9, |id| id == 3), Some((1, vec![3])));
        assert_eq!(q.take(0, |_| 9, |id| id == 3), Some((1, vec![4])));
        assert_eq!(q.take(0, |_| 9, |id| id == 3), Some((0, vec![1])));
        assert_eq!(q.waiting(0) + q.waiting(1), 0);
    }
}

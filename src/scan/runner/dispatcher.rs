//! The dispatcher: every cell's queue of tasks (attribute paths to visit), the batches handed to
//! idle workers, and what each outcome means: a set is expanded into its members (unless it is
//! pruned), a derivation becomes a root of the graph, a failure a record. It does no I/O and
//! knows nothing of processes or async: the runner feeds it outcomes and asks it for batches,
//! so every rule here is unit-tested without Nix.
use super::super::record::{Outcome, TaskKey, Visit};
use super::super::walk::{Ancestor, is_pruned};
use crate::model::{Cell, CellStats, Failure, FailureKind, Reach};
use crate::nix::attrpath;
use std::collections::{HashMap, HashSet, VecDeque};
use std::time::Duration;

pub type TaskId = u64;

/// How the walk goes.
#[derive(Clone, Debug)]
pub struct WalkOptions {
    /// Worker processes: batches shrink when fewer tasks than this many batches are left.
    pub workers: usize,
    pub max_depth: usize,
    pub max_batch: usize,
    /// Re-run paths whose throw tryEval caught, without it, to record Nix's message.
    pub explain: bool,
    /// Only these top-level names are walked (`--roots`); None: all.
    pub roots: Option<HashSet<String>>,
}

/// Tasks of one cell for one worker process.
#[derive(Debug, Clone, PartialEq)]
pub struct Batch {
    pub cell: usize,
    /// Re-run paths whose throw tryEval caught, uncaught, to learn the message.
    pub explain: bool,
    pub tasks: Vec<BatchTask>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct BatchTask {
    pub id: TaskId,
    pub path: Vec<String>,
}

/// What an outcome asks of the runner beyond the dispatcher's own state.
#[derive(Debug, PartialEq)]
pub enum Applied {
    Nothing,
    /// A derivation attribute: root `index` of the graph is the closure of `drv_path`.
    Root {
        index: usize,
        drv_path: String,
    },
}

/// What the walk of every cell found: roots (attribute → derivation, by index), failures and
/// per-cell counts.
#[derive(Debug, Default)]
pub struct Walked {
    pub roots: Vec<Reach>,
    pub failures: Vec<Failure>,
    pub stats: Vec<CellStats>,
}

struct Task {
    key: TaskKey,
    /// The sets above this path: a set that repeats one of them is not entered again.
    ancestry: Vec<Ancestor>,
}

pub struct Dispatcher<'a> {
    cells: &'a [Cell],
    opts: &'a WalkOptions,
    tasks: Vec<Task>,
    queues: Vec<VecDeque<TaskId>>,
    /// Tasks of each cell not yet done: the cell's wall time is taken when it reaches 0.
    open: Vec<u64>,
    walked: Walked,
    /// Outcomes an earlier run journaled: applied instead of evaluated again.
    replay: HashMap<TaskKey, Outcome>,
    replayed: Vec<(TaskId, Outcome)>,
}

impl<'a> Dispatcher<'a> {
    /// A dispatcher with each cell's root queued; `replay` holds outcomes already known.
    pub fn new(
        cells: &'a [Cell],
        opts: &'a WalkOptions,
        replay: HashMap<TaskKey, Outcome>,
    ) -> Self {
        let mut d = Dispatcher {
            cells,
            opts,
            tasks: Vec::new(),
            queues: vec![VecDeque::new(); cells.len()],
            open: vec![0; cells.len()],
            walked: Walked {
                stats: vec![CellStats::default(); cells.len()],
                ..Walked::default()
            },
            replay,
            replayed: Vec::new(),
        };
        for cell in 0..cells.len() {
            d.enqueue(TaskKey {
                cell,
                path: vec![],
                explain: false,
            });
        }
        d
    }

    /// An outcome replayed from the journal that is still to be applied.
    pub fn next_replayed(&mut self) -> Option<(TaskId, Outcome)> {
        self.replayed.pop()
    }

    pub fn key(&self, id: TaskId) -> &TaskKey {
        &self.tasks[id as usize].key
    }

    /// Attributes visited so far, and tasks known (done or queued).
    pub fn progress(&self) -> (u64, u64) {
        let done = self.walked.stats.iter().map(|s| s.visited).sum();
        (done, self.tasks.len() as u64)
    }

    pub fn failures(&self) -> usize {
        self.walked.failures.len()
    }

    pub fn finish(self) -> Walked {
        self.walked
    }

    fn enqueue(&mut self, key: TaskKey) -> TaskId {
        let id = self.tasks.len() as TaskId;
        self.open[key.cell] += 1;
        match self.replay.remove(&key) {
            Some(outcome) => self.replayed.push((id, outcome)),
            None => self.queues[key.cell].push_back(id),
        }
        self.tasks.push(Task {
            key,
            ancestry: vec![],
        });
        id
    }

    /// Up to `max_batch` paths of the cell with the most waiting, smaller when few are left so
    /// that every worker gets a share; explain re-runs are never mixed with visits.
    pub fn next_batch(&mut self) -> Option<Batch> {
        let cell = (0..self.cells.len())
            .filter(|&c| !self.queues[c].is_empty())
            .max_by_key(|&c| self.queues[c].len())?;
        let queue = &mut self.queues[cell];
        let explain = self.tasks[queue[0] as usize].key.explain;
        let size = (queue.len() / self.opts.workers.max(1)).clamp(1, self.opts.max_batch);
        let mut tasks = Vec::with_capacity(size);
        while tasks.len() < size {
            match queue.front() {
                Some(&id) if self.tasks[id as usize].key.explain == explain => {
                    queue.pop_front();
                    let path = self.tasks[id as usize].key.path.clone();
                    tasks.push(BatchTask { id, path });
                }
                _ => break,
            }
        }
        Some(Batch {
            cell,
            explain,
            tasks,
        })
    }

    /// Applies one outcome; `elapsed` is the time since the run started (a cell's wall time).
    pub fn apply(&mut self, id: TaskId, outcome: Outcome, elapsed: Duration) -> Applied {
        let key = &self.tasks[id as usize].key;
        let (cell, explain) = (key.cell, key.explain);
        let cell_of = &self.cells[cell];
        let reach = Reach {
            attr_path: attrpath::show(&key.path),
            system: cell_of.system.clone(),
            config: cell_of.label.clone(),
        };
        if !explain {
            self.walked.stats[cell].visited += 1;
        }
        let applied = match outcome {
            Outcome::Visited(Visit::Drv { drv_path, .. }) => {
                self.walked.stats[cell].derivations += 1;
                self.walked.roots.push(reach);
                Applied::Root {
                    index: self.walked.roots.len() - 1,
                    drv_path,
                }
            }
            Outcome::Visited(Visit::Set { names, list }) => {
                self.expand(id, names, list);
                Applied::Nothing
            }
            Outcome::Visited(Visit::Skip) => Applied::Nothing,
            Outcome::Visited(Visit::Throw) if self.opts.explain && !explain => {
                let path = self.tasks[id as usize].key.path.clone();
                self.enqueue(TaskKey {
                    cell,
                    path,
                    explain: true,
                });
                Applied::Nothing
            }
            Outcome::Visited(Visit::Throw) => {
                let message =
                    "throw or assert caught by builtins.tryEval (--explain records its message)";
                self.fail(cell, reach, FailureKind::Throw, message.into());
                Applied::Nothing
            }
            Outcome::Failed { kind, message } => {
                self.fail(cell, reach, kind, message);
                Applied::Nothing
            }
        };
        self.open[cell] -= 1;
        if self.open[cell] == 0 {
            self.walked.stats[cell].wall = elapsed;
        }
        applied
    }

    /// A root whose closure could not be read: a failure instead of a derivation.
    pub fn unread_root(&mut self, index: usize, message: String) {
        let reach = self.walked.roots[index].clone();
        let cell = self
            .cells
            .iter()
            .position(|c| c.system == reach.system && c.label == reach.config)
            .expect("a root of one of the cells");
        self.walked.stats[cell].derivations -= 1;
        self.fail(cell, reach, FailureKind::EvalError, message);
    }

    fn fail(&mut self, cell: usize, reach: Reach, kind: FailureKind, message: String) {
        self.walked.stats[cell].failures += 1;
        self.walked
            .failures
            .push(Failure::new(reach, kind, message));
    }

    /// Queues the members of a set (or the elements of a list) unless the set repeats an
    /// ancestor or the walk is as deep as it may go.
    fn expand(&mut self, id: TaskId, mut names: Vec<String>, list: bool) {
        let task = &self.tasks[id as usize];
        let (cell, depth) = (task.key.cell, task.key.path.len());
        let mut ancestry = task.ancestry.clone();
        if !list {
            names.sort();
            let me = if depth == 0 {
                Ancestor::root(&names)
            } else {
                Ancestor::new(&names)
            };
            if task.ancestry.iter().any(|a| a.repeated_by(&me, &names)) {
                self.walked.stats[cell].cycles_pruned += 1;
                return;
            }
            ancestry.push(me);
        }
        if depth >= self.opts.max_depth {
            self.walked.stats[cell].depth_pruned += 1;
            return;
        }
        let path = task.key.path.clone();
        let roots = self.opts.roots.as_ref().filter(|_| path.is_empty());
        for name in names
            .into_iter()
            .filter(|n| !is_pruned(n) && roots.is_none_or(|r| r.contains(n)))
        {
            let mut child = path.clone();
            child.push(name);
            let child = self.enqueue(TaskKey {
                cell,
                path: child,
                explain: false,
            });
            self.tasks[child as usize].ancestry = ancestry.clone();
        }
    }
}

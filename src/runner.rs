//! The dispatcher: owns the queue of attribute paths of every cell, hands batches to idle
//! workers, turns their records into graph roots, failures and new paths, and journals each
//! record as it arrives.
use crate::graph::DrvGraph;
use crate::journal::{Journal, Key};
use crate::plan::Cell;
use crate::progress::Progress;
use crate::records::{Failure, Reach};
use crate::walk::Ancestor;
use crate::worker::{self, Batch, Event, Outcome, Setup, Visit};
use crate::{attrpath, memory};
use anyhow::Result;
use petgraph::graph::NodeIndex;
use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

#[derive(Clone, Debug)]
pub struct Options {
    pub jobs: usize,
    /// One budget for the resident memory of all workers together.
    pub max_memory: u64,
    pub max_depth: usize,
    pub max_batch: usize,
    /// Re-run paths whose throw tryEval caught, without it, to record Nix's message.
    pub explain: bool,
    /// Only these top-level names are walked (`--roots`); None: all.
    pub roots: Option<std::collections::HashSet<String>>,
}

#[derive(Clone, Debug, Default)]
pub struct CellStats {
    pub visited: u64,
    pub derivations: u64,
    pub failures: u64,
    pub cycles_pruned: u64,
    pub depth_pruned: u64,
    pub wall: Duration,
}

pub struct Scan {
    /// The signal that stopped the scan early, if one did.
    pub interrupted: Option<i32>,
    pub graph: DrvGraph,
    pub roots: Vec<(Reach, NodeIndex)>,
    pub failures: Vec<Failure>,
    pub stats: Vec<CellStats>,
}

struct Job {
    cell: usize,
    path: Vec<String>,
    /// The sets above this path: a set that repeats one of them is not entered again.
    ancestry: Vec<Ancestor>,
    explain: bool,
}

struct Dispatcher<'a> {
    cells: &'a [Cell],
    opts: &'a Options,
    jobs: Vec<Job>,
    queues: Vec<VecDeque<u64>>,
    open: Vec<u64>,
    started: Instant,
    scan: Scan,
    journal: &'a mut Journal,
    /// Outcomes an earlier run journaled: applied instead of evaluated again.
    replay: HashMap<Key, Outcome>,
    replayed: Vec<(u64, Outcome)>,
}

pub async fn run(
    setup: Setup,
    cells: &[Cell],
    opts: &Options,
    graph: DrvGraph,
    (journal, replay): (&mut Journal, HashMap<Key, Outcome>),
    progress: &mut Progress,
) -> Result<Scan> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut sigint = signal(SignalKind::interrupt())?;
    let mut sigterm = signal(SignalKind::terminate())?;
    let groups = setup.groups.clone();
    let oom_killed = setup.oom_killed.clone();
    let mut memory_check = tokio::time::interval(Duration::from_millis(250));
    let (events_tx, mut events) = mpsc::unbounded_channel();
    let mut workers = Vec::new();
    for w in 0..opts.jobs {
        let (tx, rx) = mpsc::channel(1);
        tokio::spawn(worker::serve(w, setup.clone(), rx, events_tx.clone()));
        workers.push(tx);
    }
    drop(events_tx);
    let mut d = Dispatcher {
        cells,
        opts,
        jobs: Vec::new(),
        queues: vec![VecDeque::new(); cells.len()],
        open: vec![0; cells.len()],
        started: Instant::now(),
        scan: Scan {
            interrupted: None,
            graph,
            roots: Vec::new(),
            failures: Vec::new(),
            stats: vec![CellStats::default(); cells.len()],
        },
        journal,
        replay,
        replayed: Vec::new(),
    };
    for cell in 0..cells.len() {
        d.enqueue(Job {
            cell,
            path: vec![],
            ancestry: vec![],
            explain: false,
        });
    }
    let mut idle: Vec<usize> = (0..opts.jobs).rev().collect();
    let mut busy = 0;
    loop {
        while let Some((id, outcome)) = d.replayed.pop() {
            d.record(id, outcome, false)?;
        }
        while let Some(&w) = idle.last() {
            let Some(batch) = d.next_batch() else { break };
            idle.pop();
            busy += 1;
            workers[w].send(batch).await?;
        }
        if busy == 0 {
            break;
        }
        let event = tokio::select! {
            e = events.recv() => e,
            _ = memory_check.tick() => {
                enforce_budget(&groups, &oom_killed, opts.max_memory);
                continue;
            }
            _ = sigint.recv() => { d.scan.interrupted = Some(libc::SIGINT); None }
            _ = sigterm.recv() => { d.scan.interrupted = Some(libc::SIGTERM); None }
        };
        match event {
            Some(Event::Job { id, outcome }) => d.record(id, outcome, true)?,
            Some(Event::BatchDone { worker }) => {
                idle.push(worker);
                busy -= 1;
            }
            None if d.scan.interrupted.is_some() => {
                worker::kill_all(&groups);
                break;
            }
            None => anyhow::bail!("all workers stopped"),
        }
        progress.update(
            d.done(),
            d.jobs.len() as u64,
            d.scan.graph.fod_count(),
            d.scan.failures.len(),
        );
    }
    Ok(d.scan)
}

/// Kills the largest worker when all together exceed the budget.
fn enforce_budget(groups: &Mutex<HashSet<i32>>, oom_killed: &Mutex<HashSet<i32>>, budget: u64) {
    let sizes: Vec<(i32, u64)> = groups
        .lock()
        .expect("not poisoned")
        .iter()
        .map(|&pg| (pg, memory::rss(pg)))
        .collect();
    if let Some(pg) = memory::over_budget(&sizes, budget) {
        oom_killed.lock().expect("not poisoned").insert(pg);
        worker::kill_group(pg);
    }
}

impl Dispatcher<'_> {
    fn done(&self) -> u64 {
        self.scan.stats.iter().map(|s| s.visited).sum()
    }

    fn enqueue(&mut self, job: Job) {
        let id = self.jobs.len() as u64;
        self.open[job.cell] += 1;
        match self
            .replay
            .remove(&(job.cell, job.path.clone(), job.explain))
        {
            Some(outcome) => self.replayed.push((id, outcome)),
            None => self.queues[job.cell].push_back(id),
        }
        self.jobs.push(job);
    }

    /// Up to `max_batch` paths of the cell with the most waiting, smaller when few are left so
    /// that every worker gets a share.
    fn next_batch(&mut self) -> Option<Batch> {
        let cell = (0..self.cells.len())
            .filter(|&c| !self.queues[c].is_empty())
            .max_by_key(|&c| self.queues[c].len())?;
        let explain = self.jobs[self.queues[cell][0] as usize].explain;
        let size = (self.queues[cell].len() / self.opts.jobs).clamp(1, self.opts.max_batch);
        let mut jobs = Vec::with_capacity(size);
        while jobs.len() < size {
            match self.queues[cell].front() {
                Some(&id) if self.jobs[id as usize].explain == explain => {
                    self.queues[cell].pop_front();
                    jobs.push((id, self.jobs[id as usize].path.clone()));
                }
                _ => break,
            }
        }
        let c = &self.cells[cell];
        Some(Batch {
            system: c.system.clone(),
            config: c.config.clone(),
            explain,
            jobs,
        })
    }

    /// Applies one outcome; `fresh` ones (not replayed) are journaled first.
    fn record(&mut self, id: u64, outcome: Outcome, fresh: bool) -> Result<()> {
        let job = &self.jobs[id as usize];
        let (cell, explain) = (job.cell, job.explain);
        if fresh {
            self.journal
                .write(&(cell, job.path.clone(), explain), &outcome)?;
        }
        let attr = attrpath::show(&job.path);
        let reach = Reach {
            attr_path: attr,
            system: self.cells[cell].system.clone(),
            config: self.cells[cell].label.clone(),
        };
        let stats = &mut self.scan.stats[cell];
        if !explain {
            stats.visited += 1;
        }
        match outcome {
            Outcome::Visited(Visit::Drv { drv_path, .. }) => {
                match self.scan.graph.add_closure(&drv_path) {
                    Ok(n) => {
                        stats.derivations += 1;
                        self.scan.roots.push((reach, n));
                    }
                    Err(e) => self.fail(cell, reach, "eval-error", format!("{e:#}")),
                }
            }
            Outcome::Visited(Visit::Set { names, list }) => self.expand(id, names, list),
            Outcome::Visited(Visit::Skip) => {}
            Outcome::Visited(Visit::Throw) if self.opts.explain && !explain => {
                let path = self.jobs[id as usize].path.clone();
                self.enqueue(Job {
                    cell,
                    path,
                    ancestry: vec![],
                    explain: true,
                });
            }
            Outcome::Visited(Visit::Throw) => self.fail(
                cell,
                reach,
                "throw",
                "throw or assert caught by builtins.tryEval (--explain records its message)".into(),
            ),
            Outcome::Failed { kind, message } => self.fail(cell, reach, &kind, message),
        }
        self.open[cell] -= 1;
        if self.open[cell] == 0 {
            self.scan.stats[cell].wall = self.started.elapsed();
        }
        Ok(())
    }

    fn fail(&mut self, cell: usize, reach: Reach, kind: &str, message: String) {
        self.scan.stats[cell].failures += 1;
        self.scan.failures.push(Failure {
            attr_path: reach.attr_path,
            system: reach.system,
            config: reach.config,
            kind: kind.into(),
            message,
        });
    }

    fn expand(&mut self, id: u64, mut names: Vec<String>, list: bool) {
        let job = &self.jobs[id as usize];
        let cell = job.cell;
        let mut ancestry = job.ancestry.clone();
        if !list {
            names.sort();
            let me = if job.path.is_empty() {
                Ancestor::root(&names)
            } else {
                Ancestor::new(&names)
            };
            if job.ancestry.iter().any(|a| a.repeated_by(&me, &names)) {
                self.scan.stats[cell].cycles_pruned += 1;
                return;
            }
            ancestry.push(me);
        }
        if job.path.len() >= self.opts.max_depth {
            self.scan.stats[cell].depth_pruned += 1;
            return;
        }
        let path = job.path.clone();
        let roots = self.opts.roots.as_ref().filter(|_| path.is_empty());
        for name in names
            .into_iter()
            .filter(|n| !attrpath::is_pruned(n) && roots.is_none_or(|r| r.contains(n)))
        {
            let mut child = path.clone();
            child.push(name);
            self.enqueue(Job {
                cell,
                path: child,
                ancestry: ancestry.clone(),
                explain: false,
            });
        }
    }
}

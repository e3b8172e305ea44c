//! Runs the walk: the [`dispatcher`] decides, the [`worker`]s evaluate, and this loop carries
//! messages between them, journals each outcome as it arrives, hands derivations to the graph
//! builder, keeps all workers within the memory budget and stops them on a signal. It shares no
//! state with the workers: everything goes through channels.
mod batch_file;
pub mod dispatcher;
pub mod messages;
mod queues;
pub mod session;
pub mod worker;

use super::journal::Journal;
use super::record::Outcome;
use crate::graph::DrvGraph;
use crate::graph::builder::{Builder, Built};
use crate::model::Cell;
use crate::progress::{Progress, Snapshot};
use anyhow::Result;
use dispatcher::{Applied, Dispatcher, TaskId, WalkOptions, Walked};
use messages::{Event, Kill, Mailbox, Request, Setup};
use std::path::PathBuf;
use std::time::Instant;
use tokio::signal::unix::{Signal, SignalKind, signal};
use tokio::sync::mpsc;

/// What a run needs besides the workers' setup.
pub struct Run<'a> {
    pub cells: &'a [Cell],
    pub walk: WalkOptions,
    /// One budget for the resident memory of all workers together.
    pub max_memory: u64,
    pub journal: &'a mut Journal,
    /// Outcomes an earlier run journaled.
    pub replay: crate::scan::journal::Replay,
    pub progress: &'a mut Progress,
    /// The graph of earlier rounds of a configuration search, to add to; none: a new graph.
    pub graph: Option<DrvGraph>,
    /// When a configuration search's budget is spent: the run stops as on an interrupt, but
    /// without one.
    pub deadline: Option<Instant>,
}

/// What a run leaves: the walk, the graph, and the signal that stopped it early, if one did.
pub struct Finished {
    pub walked: Walked,
    pub built: Built,
    pub interrupted: Option<i32>,
    /// Stopped at the deadline, unfinished.
    pub out_of_time: bool,
}

/// The loop's view of the workers.
struct Workers {
    requests: Vec<mpsc::Sender<Request>>,
    idle: Vec<usize>,
    busy: usize,
    /// Latest resident memory of each worker's process, and that process's number.
    rss: Vec<(u64, u64)>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

pub async fn run(setup: Setup, store_root: PathBuf, run: Run<'_>) -> Result<Finished> {
    let mut sigint = signal(SignalKind::interrupt())?;
    let mut sigterm = signal(SignalKind::terminate())?;
    let (mut workers, mut events) = Workers::start(&setup, run.walk.workers);
    let started = Instant::now();
    let graph = match run.graph {
        Some(g) => Builder::extend(g),
        None => Builder::start(store_root),
    };
    let mut d = Dispatcher::new(run.cells, &run.walk, run.replay);
    let mut interrupted = None;
    let mut out_of_time = false;
    let deadline = run.deadline.map(tokio::time::Instant::from_std);
    // Without a terminal, a line at least every few seconds even when nothing arrives.
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(1));
    loop {
        while let Some((id, outcome)) = d.next_replayed() {
            apply(&mut d, &graph, id, outcome, started);
        }
        while let Some(&w) = workers.idle.last() {
            let Some(batch) = d.next_batch(w) else { break };
            workers.idle.pop();
            workers.busy += 1;
            workers.requests[w].send(Request::Run(batch)).await?;
        }
        if workers.busy == 0 {
            break;
        }
        let event = tokio::select! {
            e = events.recv() => e,
            _ = tick.tick() => {
                run.progress.tick();
                continue;
            }
            sig = signals(&mut sigint, &mut sigterm) => {
                interrupted = Some(sig);
                stop(&mut workers, &mut events).await;
                break;
            }
            _ = until(deadline) => {
                out_of_time = true;
                stop(&mut workers, &mut events).await;
                break;
            }
        };
        match event {
            Some(Event::Record { id, outcome }) => {
                run.journal.write(d.key(id), &outcome)?;
                apply(&mut d, &graph, id, outcome, started);
            }
            Some(Event::Idle { worker }) => {
                workers.idle.push(worker);
                workers.busy -= 1;
            }
            Some(Event::Memory {
                worker,
                process,
                rss,
            }) => workers.enforce(worker, process, rss, run.max_memory),
            Some(Event::Stopped) | None => anyhow::bail!("all workers stopped"),
        }
        let (done, known) = d.progress();
        run.progress.update(Snapshot {
            done,
            known,
            fods: graph.fod_count(),
            failures: d.failures(),
        });
    }
    workers.close().await;
    Ok(finish(d, graph, interrupted, out_of_time))
}

/// Resolves at the deadline; never without one.
async fn until(deadline: Option<tokio::time::Instant>) {
    match deadline {
        Some(d) => tokio::time::sleep_until(d).await,
        None => std::future::pending().await,
    }
}

/// Waits for the graph; a root whose closure could not be read becomes a failure.
fn finish(
    mut d: Dispatcher,
    graph: Builder,
    interrupted: Option<i32>,
    out_of_time: bool,
) -> Finished {
    let built = graph.finish();
    for (index, node) in built.roots.iter().enumerate() {
        if let Err(message) = node {
            d.unread_root(index, message.clone());
        }
    }
    Finished {
        walked: d.finish(),
        built,
        interrupted,
        out_of_time,
    }
}

fn apply(d: &mut Dispatcher, graph: &Builder, id: TaskId, outcome: Outcome, started: Instant) {
    if let Applied::Roots(roots) = d.apply(id, outcome, started.elapsed()) {
        for (index, drv_path) in roots {
            graph.add_root(index, drv_path);
        }
    }
}

/// The first of SIGINT and SIGTERM to arrive.
async fn signals(sigint: &mut Signal, sigterm: &mut Signal) -> i32 {
    tokio::select! {
        _ = sigint.recv() => libc::SIGINT,
        _ = sigterm.recv() => libc::SIGTERM,
    }
}

/// Asks every worker to stop and waits until each has (a busy one kills its process first).
/// Outcomes that arrive meanwhile are dropped: they were not journaled, so a resumed run
/// evaluates them again.
async fn stop(workers: &mut Workers, events: &mut mpsc::UnboundedReceiver<Event>) {
    for w in &workers.requests {
        let _ = w.send(Request::Kill(Kill::Interrupt)).await;
    }
    let mut running = workers.requests.len();
    while running > 0 {
        match events.recv().await {
            Some(Event::Stopped) => running -= 1,
            Some(_) => {}
            None => break,
        }
    }
}

impl Workers {
    /// Starts `n` workers, all idle; their events arrive on the returned channel.
    fn start(setup: &Setup, n: usize) -> (Workers, mpsc::UnboundedReceiver<Event>) {
        let (events_tx, events) = mpsc::unbounded_channel();
        let mut workers = Workers {
            requests: Vec::with_capacity(n),
            idle: (0..n).rev().collect(),
            busy: 0,
            rss: vec![(0, 0); n],
            tasks: Vec::with_capacity(n),
        };
        for worker in 0..n {
            let (tx, requests) = mpsc::channel(1);
            let mailbox = Mailbox {
                worker,
                processes: 0,
                requests,
                events: events_tx.clone(),
            };
            let task = tokio::spawn(worker::serve(setup.clone(), mailbox));
            workers.requests.push(tx);
            workers.tasks.push(task);
        }
        (workers, events)
    }

    /// Closes every worker's mailbox and waits until each has ended its process (see
    /// `Session::close`).
    async fn close(self) {
        drop(self.requests);
        for task in self.tasks {
            let _ = task.await;
        }
    }

    /// Records a worker's memory; when all together exceed the budget, asks the largest to
    /// kill its process.
    fn enforce(&mut self, worker: usize, process: u64, rss: u64, budget: u64) {
        self.rss[worker] = (process, rss);
        let sizes: Vec<(i32, u64)> = self
            .rss
            .iter()
            .enumerate()
            .map(|(w, &(_, r))| (w as i32, r))
            .collect();
        if let Some(largest) = crate::scan::memory::over_budget(&sizes, budget) {
            let (largest, process) = (largest as usize, self.rss[largest as usize].0);
            // Counted as gone until it reports again, so that it is asked only once.
            self.rss[largest].1 = 0;
            let kill = Request::Kill(Kill::Budget { process });
            let _ = self.requests[largest].try_send(kill);
        }
    }
}

//! One worker: an actor that owns at most one `nix repl` at a time ([`Session`]) and keeps it
//! from batch to batch. It takes a batch from the runner, evaluates its tasks (replacing the
//! process when it must), and reports each outcome, its memory and its idleness as messages. The
//! runner reaches it only by requests: run a batch, or kill the process (for the memory budget,
//! or on an interrupt).
use super::dispatcher::{Batch, BatchTask, TaskId};
use super::session::{Job, Session, Stop};
use crate::nix::version::Nix;
use crate::scan::record::Outcome;
use crate::scan::target::Target;
use std::collections::VecDeque;
use std::path::PathBuf;
use std::time::Duration;
use tokio::sync::mpsc;

/// What every worker of a run shares.
#[derive(Clone, Debug)]
pub struct Setup {
    pub nix: Nix,
    /// The harness, `visit.nix`, as written into the work directory.
    pub harness: PathBuf,
    pub target: Target,
    /// For a tree: what its configs and `--allow` let restricted evaluation read besides it.
    pub allow: Vec<String>,
    /// Every cell's system and config, as the harness's `cells` argument (a Nix list).
    pub cells_expr: String,
    /// The private store; each worker writes into a store of its own below it (see
    /// [`Setup::store_of`]).
    pub store: PathBuf,
    pub work_dir: PathBuf,
    pub attr_timeout: Duration,
    /// A process whose resident memory is above this after an attribute is replaced by a fresh
    /// one before the next (Nix's evaluator never gives memory back).
    pub recycle_rss: u64,
}

impl Setup {
    /// The store worker `worker` writes into: the first worker's is the private store itself,
    /// every other's is a store of its own below it ([`crate::nix::store::worker_store`]).
    pub fn store_of(&self, worker: usize) -> PathBuf {
        crate::nix::store::worker_store(&self.store, worker)
    }
}

#[derive(Debug)]
pub enum Request {
    /// Evaluate a batch of one cell.
    Run(Batch),
    Kill(Kill),
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Kill {
    /// All workers together are above the memory budget and this worker's process number
    /// `process` is the largest: its task in progress is tried again in a fresh process (or
    /// fails as `oom` when it was alone). A request for a process that has already ended is
    /// ignored.
    Budget { process: u64 },
    /// The scan was interrupted: stop at once.
    Interrupt,
}

#[derive(Debug)]
pub enum Event {
    Record {
        id: TaskId,
        outcome: Outcome,
    },
    /// The resident memory of the worker's process number `process` (0: it ended).
    Memory {
        worker: usize,
        process: u64,
        rss: u64,
    },
    /// The batch is done; the worker takes another.
    Idle {
        worker: usize,
    },
    /// The worker stopped on an interrupt.
    Stopped,
}

/// The worker's side of the channels.
pub struct Mailbox {
    pub worker: usize,
    /// Processes started so far: each one's number.
    pub processes: u64,
    pub requests: mpsc::Receiver<Request>,
    pub events: mpsc::UnboundedSender<Event>,
}

/// Serves requests until the runner closes the channel or interrupts.
pub async fn serve(setup: Setup, mut mailbox: Mailbox) {
    let worker = mailbox.worker;
    let mut session = None;
    while let Some(request) = mailbox.requests.recv().await {
        let reply = match request {
            Request::Run(batch) => {
                if run_batch(&setup, &mut mailbox, &mut session, batch).await {
                    Event::Idle { worker }
                } else {
                    Event::Stopped
                }
            }
            // Between batches the process is idle, so it is not what grows: nothing to kill.
            Request::Kill(Kill::Budget { .. }) => continue,
            Request::Kill(Kill::Interrupt) => Event::Stopped,
        };
        let stop = matches!(reply, Event::Stopped);
        if mailbox.events.send(reply).is_err() || stop {
            break;
        }
    }
    if let Some(s) = session {
        s.close().await;
    }
}

/// Evaluates every task of the batch, starting a process when none runs; false when
/// interrupted.
async fn run_batch(
    setup: &Setup,
    mailbox: &mut Mailbox,
    session: &mut Option<Session>,
    batch: Batch,
) -> bool {
    let mut pending: VecDeque<BatchTask> = batch.tasks.into();
    let job = Job {
        cell: batch.cell,
        explain: batch.explain,
    };
    while !pending.is_empty() {
        let running = match session {
            Some(s) => s,
            None => {
                mailbox.processes += 1;
                match Session::start(setup, mailbox.worker, mailbox.processes).await {
                    Ok(s) => session.insert(s),
                    Err(message) => {
                        let id = pending.front().expect("pending").id;
                        let outcome = Outcome::failed(crate::model::FailureKind::Crash, message);
                        record(mailbox, &mut pending, id, outcome);
                        continue;
                    }
                }
            }
        };
        let stop = running.run(&job, &mut pending, mailbox, setup).await;
        if matches!(stop, Stop::Done) {
            continue;
        }
        let ended = session.take().expect("a session");
        let number = ended.number;
        let failed = ended
            .end(&stop, job.explain, setup.attr_timeout, &pending)
            .await;
        let (worker, process) = (mailbox.worker, number);
        let _ = mailbox.events.send(Event::Memory {
            worker,
            process,
            rss: 0,
        });
        if matches!(stop, Stop::Killed(Kill::Interrupt)) {
            return false;
        }
        if let Some((id, outcome)) = failed {
            record(mailbox, &mut pending, id, outcome);
        }
    }
    true
}

/// Reports the outcome of a pending task (and only of one: a garbled id is ignored).
pub fn record(mailbox: &Mailbox, pending: &mut VecDeque<BatchTask>, id: TaskId, outcome: Outcome) {
    if let Some(pos) = pending.iter().position(|t| t.id == id) {
        pending.remove(pos);
        let _ = mailbox.events.send(Event::Record { id, outcome });
    }
}

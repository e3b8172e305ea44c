//! One worker: an actor that owns at most one `nix-instantiate` process at a time. It takes a
//! batch from the runner, runs processes over it until every task has an outcome, and reports
//! each outcome, its memory and its idleness as messages. The runner reaches it only by
//! requests: run a batch, or kill the process (for the memory budget, or on an interrupt).
use super::dispatcher::{Batch, BatchTask, TaskId};
use super::process::{self, Ended};
use crate::model::Cell;
use crate::scan::record::Outcome;
use crate::scan::target::Target;
use std::collections::VecDeque;
use std::path::PathBuf;
use std::time::Duration;
use tokio::sync::mpsc;

/// What every worker of a run shares.
#[derive(Clone, Debug)]
pub struct Setup {
    pub nix_instantiate: PathBuf,
    /// The harness, `visit.nix`, as written into the work directory.
    pub harness: PathBuf,
    pub target: Target,
    pub store: PathBuf,
    pub work_dir: PathBuf,
    pub attr_timeout: Duration,
    /// A process whose resident memory is above this after an attribute is replaced by a fresh
    /// one before the next (Nix's evaluator never gives memory back).
    pub recycle_rss: u64,
}

#[derive(Debug)]
pub enum Request {
    /// Evaluate a batch of one cell.
    Run {
        batch: Batch,
        cell: Cell,
    },
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
    while let Some(request) = mailbox.requests.recv().await {
        let reply = match request {
            Request::Run { batch, cell } => {
                if run_batch(&setup, &mut mailbox, batch, &cell).await {
                    Event::Idle { worker }
                } else {
                    Event::Stopped
                }
            }
            // Nothing runs between batches.
            Request::Kill(Kill::Budget { .. }) => continue,
            Request::Kill(Kill::Interrupt) => Event::Stopped,
        };
        let stop = matches!(reply, Event::Stopped);
        if mailbox.events.send(reply).is_err() || stop {
            return;
        }
    }
}

/// Runs processes until every task of the batch has an outcome; false when interrupted.
async fn run_batch(setup: &Setup, mailbox: &mut Mailbox, batch: Batch, cell: &Cell) -> bool {
    let mut pending: VecDeque<BatchTask> = batch.tasks.into();
    let job = process::Job {
        setup,
        cell,
        explain: batch.explain,
        tasks_file: setup
            .work_dir
            .join(format!("tasks-{}.json", mailbox.worker)),
    };
    while !pending.is_empty() {
        let Ended {
            failed,
            interrupted,
        } = process::run(&job, &mut pending, mailbox).await;
        if interrupted {
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

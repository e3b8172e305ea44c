//! The messages between the runner and its workers, and what every worker shares: the runner
//! sends [`Request`]s, a worker answers with [`Event`]s. The worker, its session and the batch
//! files all speak these and none of them speaks to another's internals, so each depends on this
//! module and not on the others.
use super::dispatcher::{Batch, BatchTask, TaskId};
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

/// What a batch's tasks are evaluated in.
pub struct Job {
    /// The matrix cell: an index into the cells the harness was loaded with.
    pub cell: usize,
    pub explain: bool,
}

/// Reports the outcome of a pending task (and only of one: a garbled id is ignored).
pub fn record(mailbox: &Mailbox, pending: &mut VecDeque<BatchTask>, id: TaskId, outcome: Outcome) {
    if let Some(pos) = pending.iter().position(|t| t.id == id) {
        pending.remove(pos);
        let _ = mailbox.events.send(Event::Record { id, outcome });
    }
}

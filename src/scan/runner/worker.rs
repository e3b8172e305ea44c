//! One worker: an actor that owns at most one `nix repl` at a time ([`Session`]) and keeps it
//! from batch to batch. It takes a batch from the runner, evaluates its tasks (replacing the
//! process when it must), and reports each outcome, its memory and its idleness as messages. The
//! runner reaches it only by requests: run a batch, or kill the process (for the memory budget,
//! or on an interrupt).
use super::dispatcher::{Batch, BatchTask};
use super::messages::{Event, Job, Kill, Mailbox, Request, Setup, record};
use super::session::{Session, Stop};
use crate::scan::record::Outcome;
use std::collections::VecDeque;

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

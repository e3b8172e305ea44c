//! One `nix-instantiate` process over a worker's pending tasks: started in a process group of
//! its own, its records read as the harness streams them, and its end (a timeout, an
//! uncatchable error, a crash, a kill for the memory budget) turned into the failure of the one
//! task that was in progress. The worker starts the next process with the tasks left.
use super::dispatcher::{BatchTask, TaskId};
use super::worker::{Event, Kill, Mailbox, Request, Setup, record};
use crate::model::{Cell, FailureKind};
use crate::nix::command::NixCommand;
use crate::nix::errors::classify;
use crate::scan::memory;
use crate::scan::record::{Outcome, Visit};
use crate::scan::target::Target;
use serde::Deserialize;
use std::collections::VecDeque;
use std::path::PathBuf;
use std::process::{ExitStatus, Stdio};
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, BufReader, Lines};
use tokio::process::{ChildStderr, Command};
use tokio::time::{Instant, sleep_until};

/// How often a running process's memory is reported.
const MEMORY_TICK: Duration = Duration::from_millis(250);

/// What a process evaluates: the tasks of one cell.
pub struct Job<'a> {
    pub setup: &'a Setup,
    pub cell: &'a Cell,
    pub explain: bool,
    /// Where the harness reads the tasks from.
    pub tasks_file: PathBuf,
}

/// How a process ended: the failure it is blamed for, if any, and whether the scan was
/// interrupted.
pub struct Ended {
    pub failed: Option<(TaskId, Outcome)>,
    pub interrupted: bool,
}

#[derive(Deserialize)]
struct Line {
    id: u64,
    #[serde(flatten)]
    visit: Visit,
}

enum Stop {
    Ended,
    TimedOut,
    Recycled,
    Killed(Kill),
}

/// What the process said while it ran.
struct Seen {
    /// The task in progress (started, no record yet).
    current: Option<TaskId>,
    /// How many tasks it started.
    started: usize,
    /// The first `error:` line since the current task started.
    error_line: Option<String>,
}

/// The process group of a child: killed when dropped, so that nothing it started outlives it,
/// whatever path leaves the worker.
struct Group(Option<i32>);

impl Drop for Group {
    fn drop(&mut self) {
        if let Some(pg) = self.0 {
            // SAFETY: killpg only sends a signal; a group that is already gone yields ESRCH.
            unsafe {
                libc::killpg(pg, libc::SIGKILL);
            }
        }
    }
}

/// Runs one process over `pending`, reporting each record as it arrives (and removing its
/// task); returns the failure the process ended with: of the task in progress, or else of the
/// first task not done, so that every process makes progress.
pub async fn run(job: &Job<'_>, pending: &mut VecDeque<BatchTask>, mailbox: &mut Mailbox) -> Ended {
    let first = pending.front().expect("pending is not empty").id;
    let fail = |kind, message: String| Ended {
        failed: Some((first, Outcome::failed(kind, message))),
        interrupted: false,
    };
    let list: Vec<_> = pending
        .iter()
        .map(|t| serde_json::json!({"id": t.id, "path": t.path}))
        .collect();
    if let Err(e) = std::fs::write(&job.tasks_file, serde_json::to_vec(&list).expect("json")) {
        let message = format!("cannot write {}: {e}", job.tasks_file.display());
        return fail(FailureKind::EvalError, message);
    }
    let nix = &job.setup.nix_instantiate;
    let mut child = match command(job).spawn() {
        Ok(c) => c,
        Err(e) => {
            return fail(
                FailureKind::Crash,
                format!("cannot start {}: {e}", nix.display()),
            );
        }
    };
    let group = Group(child.id().map(|p| p as i32));
    mailbox.processes += 1;
    let lines = BufReader::new(child.stderr.take().expect("piped")).lines();
    let mut seen = Seen {
        current: None,
        started: 0,
        error_line: None,
    };
    let stop = stream(job, group.0, lines, pending, mailbox, &mut seen).await;
    drop(group);
    let status = child.wait().await;
    let _ = mailbox.events.send(Event::Memory {
        worker: mailbox.worker,
        process: mailbox.processes,
        rss: 0,
    });
    Ended {
        interrupted: matches!(stop, Stop::Killed(Kill::Interrupt)),
        failed: blame(job, stop, status, seen, pending),
    }
}

/// The command line of a worker process: restricted evaluation of the harness over the tasks
/// file, for the job's cell.
fn command(job: &Job<'_>) -> Command {
    let setup = job.setup;
    let mut nix = NixCommand::eval(&setup.nix_instantiate)
        .private_store(&setup.store)
        .restricted()
        .include(&setup.work_dir);
    nix = match &setup.target {
        Target::Tree(tree) => {
            let dir = if tree.is_dir() {
                tree.as_path()
            } else {
                tree.parent().unwrap_or(tree)
            };
            nix.include(dir).argstr("tree", tree)
        }
        Target::Expr { expr, allow } => allow
            .iter()
            .fold(nix, |n, a| n.include(a))
            .arg("target", expr),
    };
    let mut cmd = Command::from(
        nix.file(&setup.harness)
            .argstr("system", &job.cell.system)
            .arg("config", &job.cell.config)
            .argstr("tasksFile", &job.tasks_file)
            .arg("explain", if job.explain { "true" } else { "false" })
            .into_std(),
    );
    cmd.stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .process_group(0)
        .kill_on_drop(true);
    // SAFETY: prctl is async-signal-safe. The child dies with the driver, even on SIGKILL.
    unsafe {
        cmd.pre_exec(|| {
            libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
            Ok(())
        });
    }
    cmd
}

/// Reads the harness's records until the process ends, times out, grows past the recycle size
/// or is killed on request.
async fn stream(
    job: &Job<'_>,
    pid: Option<i32>,
    mut lines: Lines<BufReader<ChildStderr>>,
    pending: &mut VecDeque<BatchTask>,
    mailbox: &mut Mailbox,
    seen: &mut Seen,
) -> Stop {
    let setup = job.setup;
    // The first task's deadline also covers importing the tree.
    let mut deadline = Instant::now() + setup.attr_timeout;
    let mut tick = tokio::time::interval(MEMORY_TICK);
    let rss = || pid.map_or(0, memory::rss);
    loop {
        tokio::select! {
            line = lines.next_line() => match line {
                Ok(Some(line)) => {
                    if let Some(id) = line.strip_prefix("trace: @fodfuzz-start ") {
                        seen.current = id.trim().parse().ok();
                        seen.started += 1;
                        seen.error_line = None;
                        deadline = Instant::now() + setup.attr_timeout;
                    } else if let Some(json) = line.strip_prefix("trace: @fodfuzz ") {
                        if let Ok(rec) = serde_json::from_str::<Line>(json) {
                            seen.current = None;
                            record(mailbox, pending, rec.id, Outcome::Visited(rec.visit));
                            if rss() > setup.recycle_rss {
                                return Stop::Recycled;
                            }
                        }
                    } else if seen.error_line.is_none() {
                        seen.error_line = line.strip_prefix("error: ").map(|m| m.trim().to_owned());
                    }
                }
                Ok(None) | Err(_) => return Stop::Ended,
            },
            _ = sleep_until(deadline) => return Stop::TimedOut,
            request = mailbox.requests.recv() => match request {
                Some(Request::Kill(Kill::Budget { process })) if process != mailbox.processes => {}
                Some(Request::Kill(kill)) => return Stop::Killed(kill),
                // The runner only sends a batch to an idle worker; a closed channel means the
                // runner is gone.
                Some(Request::Run { .. }) | None => return Stop::Killed(Kill::Interrupt),
            },
            _ = tick.tick() => {
                let (worker, process) = (mailbox.worker, mailbox.processes);
                let _ = mailbox.events.send(Event::Memory { worker, process, rss: rss() });
            }
        }
    }
}

/// The failure a process that stopped is blamed for.
fn blame(
    job: &Job<'_>,
    stop: Stop,
    status: std::io::Result<ExitStatus>,
    seen: Seen,
    pending: &VecDeque<BatchTask>,
) -> Option<(TaskId, Outcome)> {
    let is_pending = |id: &TaskId| pending.iter().any(|t| t.id == *id);
    let current = seen.current.filter(is_pending);
    let blamed = current.or_else(|| pending.front().map(|t| t.id))?;
    let outcome = match stop {
        Stop::Recycled | Stop::Killed(Kill::Interrupt) => return None,
        // Killed for the budget: the task in progress is retried first in a fresh process, and
        // only when it was already first (it blew the budget alone) is it a failure.
        Stop::Killed(Kill::Budget { .. }) => match current {
            Some(_) if seen.started == 1 => Outcome::failed(
                FailureKind::Oom,
                "evaluating it alone exceeded the memory budget (--max-memory)",
            ),
            _ => return None,
        },
        Stop::TimedOut => Outcome::failed(
            FailureKind::Timeout,
            format!(
                "no result within {} s",
                job.setup.attr_timeout.as_secs_f64()
            ),
        ),
        Stop::Ended => ended(job.explain, status, seen.error_line),
    };
    Some((blamed, outcome))
}

/// The failure of a process that ended by itself before its tasks were done.
fn ended(explain: bool, status: std::io::Result<ExitStatus>, error: Option<String>) -> Outcome {
    let (kind, message) = match (&status, error) {
        (_, Some(msg)) if explain => (FailureKind::Throw, msg),
        (_, Some(msg)) => (classify(&msg), msg),
        (Ok(s), None) => match std::os::unix::process::ExitStatusExt::signal(s) {
            Some(sig) => (
                FailureKind::Crash,
                format!("nix-instantiate killed by signal {sig}"),
            ),
            None if explain => (
                FailureKind::Throw,
                "(no message: the path evaluated when re-run)".into(),
            ),
            None => (
                FailureKind::Crash,
                format!("nix-instantiate exited ({s}) without a result"),
            ),
        },
        (Err(e), None) => (
            FailureKind::Crash,
            format!("waiting for nix-instantiate: {e}"),
        ),
    };
    Outcome::failed(kind, message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_harness_lines() {
        let l: Line = serde_json::from_str(
            r#"{"id":3,"kind":"drv","drvPath":"/nix/store/a.drv","name":"a"}"#,
        )
        .unwrap();
        assert_eq!(l.id, 3);
        assert_eq!(
            l.visit,
            Visit::Drv {
                drv_path: "/nix/store/a.drv".into(),
                name: Some("a".into())
            }
        );
        let s: Line = serde_json::from_str(r#"{"id":4,"kind":"set","names":["x"]}"#).unwrap();
        assert_eq!(
            s.visit,
            Visit::Set {
                names: vec!["x".into()],
                list: false
            }
        );
    }
}

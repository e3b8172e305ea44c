//! One worker's `nix repl`: started in a process group of its own with the harness (`visit.nix`)
//! loaded, kept from batch to batch so that what it evaluated stays evaluated, fed one line per
//! batch, and read through its `@nix` JSON log (the same on every Nix version). An error the
//! harness's `tryEval` cannot catch ends only its line: the repl says so and reads the next one,
//! which takes the batch's remaining tasks.
//! The process is replaced only when it must be: a task took too long, the process died, grew
//! past the recycle size or was killed on request (memory budget, interrupt).
use super::batch_file::{self, BatchFiles};
use super::dispatcher::{BatchTask, TaskId};
use super::messages::{Event, Job, Kill, Mailbox, Request, Setup, record};
use crate::model::FailureKind;
use crate::nix::command::NixCommand;
use crate::nix::errors::classify;
use crate::nix::log::{self, LogLine};
use crate::scan::memory;
use crate::scan::record::{Outcome, Visit};
use crate::scan::target::Target;
use serde::Deserialize;
use std::collections::VecDeque;
use std::process::{ExitStatus, Stdio};
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader, Lines};
use tokio::process::{Child, ChildStderr, ChildStdin, Command};
use tokio::time::{Instant, sleep_until};

/// How often a running process's memory is reported.
const MEMORY_TICK: Duration = Duration::from_millis(250);
/// How old a memory reading may be when a settled task asks whether to recycle the process.
const RSS_AGE: Duration = Duration::from_millis(50);
/// How long a process may go without starting or settling a task when none is running (its
/// start-up, or between tasks), at the least: a task's own time is `--attr-timeout`, counted
/// from its start, so that a loaded machine's slow start does not count against an attribute.
const IDLE: Duration = Duration::from_secs(60);

/// Why [`Session::run`] returned.
#[derive(Debug)]
pub enum Stop {
    /// Every pending task is settled; the session goes on with the next batch.
    Done,
    TimedOut,
    Recycled,
    /// The process ended by itself (its log closed), or its input could not be written.
    Ended,
    Killed(Kill),
}

/// What a log line did.
enum Read {
    Started,
    Settled,
    Nothing,
}

#[derive(Deserialize)]
struct Record {
    id: u64,
    #[serde(flatten)]
    visit: Visit,
}

pub struct Session {
    child: Child,
    group: Group,
    stdin: ChildStdin,
    lines: Lines<BufReader<ChildStderr>>,
    /// This process's number among the worker's, for budget kills.
    pub number: u64,
    /// Tasks started in this process.
    started: usize,
    /// Tasks settled in this process.
    settled: usize,
    /// The tasks the line being evaluated covers that are not settled, in order (the repl
    /// evaluates them in that order).
    in_flight: VecDeque<TaskId>,
    /// The task whose start trace came last, until it is settled.
    running: Option<TaskId>,
    /// The batch the task lines point into.
    files: BatchFiles,
    /// The last reading of the process's memory and when it was taken.
    sampled: Option<(Instant, u64)>,
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

impl Session {
    /// Starts `nix repl` for the worker and asks it to load the harness.
    pub async fn start(setup: &Setup, worker: usize, number: u64) -> Result<Session, String> {
        let mut child = command(setup, worker)
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", setup.nix.nix.display()))?;
        let group = Group(child.id().map(|p| p as i32));
        let dir = batch_dir(setup);
        std::fs::create_dir_all(&dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        let mut stdin = child.stdin.take().expect("piped");
        let lines = BufReader::new(child.stderr.take().expect("piped")).lines();
        let load = format!(":l {}\n", setup.harness.display());
        stdin
            .write_all(load.as_bytes())
            .await
            .map_err(|e| format!("cannot write to nix repl: {e}"))?;
        Ok(Session {
            child,
            group,
            stdin,
            lines,
            number,
            started: 0,
            settled: 0,
            in_flight: VecDeque::new(),
            running: None,
            files: BatchFiles::new(&dir, worker, number),
            sampled: None,
        })
    }

    /// Evaluates `pending` (reporting each outcome as it settles and removing its task) until
    /// none is left or the session must end.
    pub async fn run(
        &mut self,
        job: &Job,
        pending: &mut VecDeque<BatchTask>,
        mailbox: &mut Mailbox,
        setup: &Setup,
    ) -> Stop {
        let idle = IDLE.max(setup.attr_timeout);
        let mut deadline = Instant::now() + idle;
        let mut tick = tokio::time::interval(MEMORY_TICK);
        loop {
            if pending.is_empty() {
                return Stop::Done;
            }
            if self.send(job, pending).await.is_err() {
                return Stop::Ended;
            }
            tokio::select! {
                line = self.lines.next_line() => match line {
                    Ok(Some(line)) => match self.read(&line, job, pending, mailbox) {
                        Read::Started => deadline = Instant::now() + setup.attr_timeout,
                        Read::Settled => {
                            deadline = Instant::now() + idle;
                            if self.recent_rss() > setup.recycle_rss {
                                return Stop::Recycled;
                            }
                        }
                        Read::Nothing => {}
                    },
                    Ok(None) | Err(_) => return Stop::Ended,
                },
                _ = sleep_until(deadline) => return Stop::TimedOut,
                request = mailbox.requests.recv() => match request {
                    Some(Request::Kill(Kill::Budget { process })) if process != self.number => {}
                    Some(Request::Kill(kill)) => return Stop::Killed(kill),
                    // The runner only sends a batch to an idle worker; a closed channel means
                    // the runner is gone.
                    Some(Request::Run { .. }) | None => return Stop::Killed(Kill::Interrupt),
                },
                _ = tick.tick() => {
                    let (worker, process) = (mailbox.worker, self.number);
                    let rss = self.rss();
                    let _ = mailbox.events.send(Event::Memory { worker, process, rss });
                }
            }
        }
    }

    /// When no line is being evaluated, sends the one that evaluates the pending tasks in order
    /// (see [`batch_file`]).
    async fn send(&mut self, job: &Job, pending: &VecDeque<BatchTask>) -> std::io::Result<()> {
        let Some(first) = pending.front().filter(|_| self.in_flight.is_empty()) else {
            return Ok(());
        };
        let (line, covered) = self.files.line(job, first.id, pending)?;
        self.in_flight.extend(covered);
        self.stdin.write_all(line.as_bytes()).await
    }

    /// Reads one log line.
    fn read(
        &mut self,
        line: &str,
        job: &Job,
        pending: &mut VecDeque<BatchTask>,
        mailbox: &Mailbox,
    ) -> Read {
        let outcome = match log::parse(line) {
            LogLine::Trace(t) => {
                if let Some(id) = t.strip_prefix("@fodfuzz-start ") {
                    self.running = id.trim().parse().ok();
                    self.started += 1;
                    return Read::Started;
                }
                let Some(json) = t.strip_prefix("@fodfuzz ") else {
                    return Read::Nothing;
                };
                match serde_json::from_str::<Record>(json) {
                    Ok(r) if Some(r.id) == self.in_flight.front().copied() => {
                        Outcome::Visited(r.visit)
                    }
                    _ => return Read::Nothing,
                }
            }
            // An error ends the line being evaluated: the task in front.
            LogLine::Error(message) if !self.in_flight.is_empty() => {
                let kind = if job.explain {
                    FailureKind::Throw
                } else {
                    classify(&message)
                };
                Outcome::failed(kind, message)
            }
            LogLine::Error(_) | LogLine::Other => return Read::Nothing,
        };
        let id = self.in_flight.pop_front().expect("a task in flight");
        if matches!(outcome, Outcome::Failed { .. }) {
            // The error ended the line: the tasks after this one will not start. The next line
            // takes them from the next pending one.
            self.in_flight.clear();
        }
        self.running = None;
        self.settled += 1;
        record(mailbox, pending, id, outcome);
        Read::Settled
    }

    fn rss(&mut self) -> u64 {
        let rss = self.group.0.map_or(0, memory::rss);
        self.sampled = Some((Instant::now(), rss));
        rss
    }

    /// The memory read at most [`RSS_AGE`] ago, else now: tasks settle tens of thousands of
    /// times a minute, and reading /proc for each cost the driver more than a second of CPU
    /// per scan of release-16.03.
    fn recent_rss(&mut self) -> u64 {
        match self.sampled {
            Some((at, rss)) if at.elapsed() < RSS_AGE => rss,
            _ => self.rss(),
        }
    }

    /// Ends an idle process when the run is over, and waits for it: a child nobody waits for
    /// is reaped by init, so its CPU time would be missing from fodfuzz's own accounting
    /// (`time`, getrusage), and it could outlive the run for a moment.
    pub async fn close(mut self) {
        self.files.remove();
        drop(self.group);
        let _ = self.child.wait().await;
    }

    /// Kills the process after `stop` and says which pending task, if any, it failed.
    pub async fn end(
        mut self,
        stop: &Stop,
        explain: bool,
        attr_timeout: Duration,
        pending: &VecDeque<BatchTask>,
    ) -> Option<(TaskId, Outcome)> {
        self.files.remove();
        drop(self.group);
        let status = self.child.wait().await;
        // The task that started and did not settle; else, if the process settled nothing, the
        // first task, so that every process makes progress. A process that dies after settling
        // a task (Nix 2.8's repl exits after a stack overflow it reported) blames no other.
        let unstarted = (self.settled == 0)
            .then(|| self.in_flight.front().or(pending.front().map(|t| &t.id)))
            .flatten();
        let blamed = self.running.or(unstarted.copied())?;
        let outcome = match stop {
            Stop::Done | Stop::Recycled | Stop::Killed(Kill::Interrupt) => return None,
            // Killed for the budget: the task in progress is tried again in a fresh process,
            // and only when it was the process's first (it blew the budget alone) does it fail.
            Stop::Killed(Kill::Budget { .. }) => match self.running {
                Some(_) if self.started == 1 => Outcome::failed(
                    FailureKind::Oom,
                    "evaluating it alone exceeded the memory budget (--max-memory)",
                ),
                _ => return None,
            },
            Stop::TimedOut => Outcome::failed(
                FailureKind::Timeout,
                format!("no result within {} s", attr_timeout.as_secs_f64()),
            ),
            Stop::Ended => ended(explain, status),
        };
        Some((blamed, outcome))
    }
}

/// The failure of a process that ended by itself with a task in flight.
fn ended(explain: bool, status: std::io::Result<ExitStatus>) -> Outcome {
    let (kind, message) = match status {
        Ok(s) => match std::os::unix::process::ExitStatusExt::signal(&s) {
            Some(sig) => (
                FailureKind::Crash,
                format!("nix repl killed by signal {sig}"),
            ),
            None if explain => (
                FailureKind::Throw,
                "(no message: the path evaluated when re-run)".into(),
            ),
            None => (
                FailureKind::Crash,
                format!("nix repl exited ({s}) without a result"),
            ),
        },
        Err(e) => (FailureKind::Crash, format!("waiting for nix repl: {e}")),
    };
    Outcome::failed(kind, message)
}

/// Where the workers' batch files are (see [`batch_file`]).
fn batch_dir(setup: &Setup) -> std::path::PathBuf {
    setup.work_dir.join("batches")
}

/// The command line of a worker's repl: restricted evaluation, the worker's store, and the
/// harness's arguments (the tree or target, and every cell's system and config).
fn command(setup: &Setup, worker: usize) -> Command {
    let mut nix = NixCommand::repl(&setup.nix.nix)
        .repl_store(&setup.store_of(worker))
        .restricted()
        .include(&setup.work_dir)
        .include(format!(
            "{}={}",
            batch_file::PREFIX,
            batch_dir(setup).display()
        ));
    nix = match &setup.target {
        Target::Tree(tree) => {
            let dir = if tree.is_dir() {
                tree.as_path()
            } else {
                tree.parent().unwrap_or(tree)
            };
            setup
                .allow
                .iter()
                .fold(nix.include(dir), |n, a| n.include(a))
                .argstr("tree", tree)
        }
        Target::Expr { expr, allow } => allow
            .iter()
            .fold(nix, |n, a| n.include(a))
            .arg("target", expr),
    };
    let mut cmd = Command::from(nix.arg("cells", &setup.cells_expr).into_std());
    // The repl keeps a history file (and newer Nix caches) below the XDG directories, which
    // default to HOME: an unprivileged user may have none. They go to the work directory.
    let xdg = setup.work_dir.join("xdg");
    for var in ["XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME"] {
        cmd.env(var, &xdg);
    }
    cmd.stdin(Stdio::piped())
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

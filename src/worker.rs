//! One worker: runs `nix-instantiate` over a batch of attribute paths of one cell, reads the
//! records the harness streams on stderr, and turns a timeout, an uncatchable error or a crash
//! into a failure of the one path that was in progress, then goes on with the rest of the batch
//! in a fresh process. No record of another path is ever lost with it.
use crate::memory;
use crate::target::Target;
use serde::{Deserialize, Serialize};
use std::collections::{HashSet, VecDeque};
use std::path::PathBuf;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::Command;
use tokio::sync::mpsc;
use tokio::time::{Instant, sleep_until};

/// What every worker of a run shares.
#[derive(Clone, Debug)]
pub struct Setup {
    pub nix_instantiate: PathBuf,
    pub harness: PathBuf,
    pub target: Target,
    pub store: PathBuf,
    pub work_dir: PathBuf,
    pub attr_timeout: Duration,
    /// Process groups of the running children, so that an interrupted scan can kill them all.
    pub groups: Arc<Mutex<HashSet<i32>>>,
    /// Groups the dispatcher killed to keep within the memory budget.
    pub oom_killed: Arc<Mutex<HashSet<i32>>>,
    /// A process whose resident memory is above this after an attribute is replaced by a fresh
    /// one before the next (Nix's evaluator never gives memory back).
    pub recycle_rss: u64,
}

#[derive(Debug)]
pub struct Batch {
    pub system: String,
    pub config: String,
    /// Re-run paths whose throw tryEval caught, uncaught, to learn the message.
    pub explain: bool,
    pub jobs: Vec<(u64, Vec<String>)>,
}

/// What the harness reports for one path.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Visit {
    Drv {
        #[serde(rename = "drvPath")]
        drv_path: String,
        name: Option<String>,
    },
    Set {
        names: Vec<String>,
        /// A list, its names the indices: lists of one length share names, so they are never
        /// compared with ancestors.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        list: bool,
    },
    Skip,
    Throw,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    Visited(Visit),
    Failed { kind: String, message: String },
}

#[derive(Debug)]
pub enum Event {
    Job { id: u64, outcome: Outcome },
    BatchDone { worker: usize },
}

#[derive(Deserialize)]
struct Line {
    id: u64,
    #[serde(flatten)]
    visit: Visit,
}

/// Serves batches from `batches` until it is closed.
pub async fn serve(
    worker: usize,
    setup: Setup,
    mut batches: mpsc::Receiver<Batch>,
    events: mpsc::UnboundedSender<Event>,
) {
    while let Some(batch) = batches.recv().await {
        run_batch(worker, &setup, batch, &events).await;
        if events.send(Event::BatchDone { worker }).is_err() {
            return;
        }
    }
}

async fn run_batch(
    worker: usize,
    setup: &Setup,
    batch: Batch,
    events: &mpsc::UnboundedSender<Event>,
) {
    let mut pending: VecDeque<(u64, Vec<String>)> = batch.jobs.into();
    let jobs_file = setup.work_dir.join(format!("jobs-{worker}.json"));
    while !pending.is_empty() {
        let (done, failed) = run_process(
            setup,
            &batch.system,
            &batch.config,
            batch.explain,
            &pending,
            &jobs_file,
        )
        .await;
        for (id, outcome) in done.into_iter().chain(failed) {
            if let Some(pos) = pending.iter().position(|(j, _)| *j == id) {
                pending.remove(pos);
                let _ = events.send(Event::Job { id, outcome });
            }
        }
    }
}

/// Runs one process over `pending`; returns the records it streamed and the failure it ended
/// with (of the path in progress, or else of the first path not yet done, so that every process
/// makes progress).
async fn run_process(
    setup: &Setup,
    system: &str,
    config: &str,
    explain: bool,
    pending: &VecDeque<(u64, Vec<String>)>,
    jobs_file: &PathBuf,
) -> (Vec<(u64, Outcome)>, Option<(u64, Outcome)>) {
    let list: Vec<_> = pending
        .iter()
        .map(|(id, path)| serde_json::json!({"id": id, "path": path}))
        .collect();
    let first = pending
        .front()
        .map(|(id, _)| *id)
        .expect("pending is not empty");
    let fail = |kind: &str, message: String| {
        Some((
            first,
            Outcome::Failed {
                kind: kind.into(),
                message,
            },
        ))
    };
    if let Err(e) = std::fs::write(jobs_file, serde_json::to_vec(&list).expect("json")) {
        return (
            vec![],
            fail(
                "eval-error",
                format!("cannot write {}: {e}", jobs_file.display()),
            ),
        );
    }
    let mut cmd = Command::new(&setup.nix_instantiate);
    cmd.arg("--eval")
        .arg("--read-write-mode")
        .arg("--store")
        .arg(&setup.store);
    // Restricted evaluation: only the tree and fodfuzz's work directory are readable, and a
    // fetch at evaluation time fails at once instead of reaching for the network.
    for (k, v) in [
        ("restrict-eval", "true"),
        ("allow-import-from-derivation", "false"),
        ("substituters", ""),
        ("show-trace", "false"),
    ] {
        cmd.args(["--option", k, v]);
    }
    cmd.arg("-I").arg(&setup.work_dir).env_remove("NIX_PATH");
    match &setup.target {
        Target::Tree(tree) => {
            let dir = if tree.is_dir() {
                tree.as_path()
            } else {
                tree.parent().unwrap_or(tree)
            };
            cmd.arg("-I").arg(dir).arg("--argstr").arg("tree").arg(tree);
        }
        Target::Expr { expr, allow } => {
            for a in allow {
                cmd.arg("-I").arg(a);
            }
            cmd.arg("--arg").arg("target").arg(expr);
        }
    }
    cmd.arg(&setup.harness)
        .args(["--argstr", "system", system, "--arg", "config", config])
        .arg("--argstr")
        .arg("jobsFile")
        .arg(jobs_file)
        .args(["--arg", "explain", if explain { "true" } else { "false" }])
        .stdin(Stdio::null())
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
    let mut child = match cmd.spawn() {
        Ok(c) => c,
        Err(e) => {
            return (
                vec![],
                fail(
                    "crash",
                    format!("cannot start {}: {e}", setup.nix_instantiate.display()),
                ),
            );
        }
    };
    let pgid = child.id().map(|p| p as i32);
    if let Some(pg) = pgid {
        setup.groups.lock().expect("not poisoned").insert(pg);
    }
    let mut lines = BufReader::new(child.stderr.take().expect("piped")).lines();
    let mut done = Vec::new();
    let mut current: Option<u64> = None;
    let mut started = 0;
    let mut error_line: Option<String> = None;
    // The first path's deadline also covers importing the tree.
    let mut deadline = Instant::now() + setup.attr_timeout;
    enum Stop {
        Ended,
        TimedOut,
        Recycled,
    }
    let stop = loop {
        tokio::select! {
            line = lines.next_line() => match line {
                Ok(Some(line)) => {
                    if let Some(id) = line.strip_prefix("trace: @fodfuzz-start ") {
                        current = id.trim().parse().ok();
                        started += 1;
                        error_line = None;
                        deadline = Instant::now() + setup.attr_timeout;
                    } else if let Some(json) = line.strip_prefix("trace: @fodfuzz ") {
                        if let Ok(rec) = serde_json::from_str::<Line>(json) {
                            done.push((rec.id, Outcome::Visited(rec.visit)));
                            current = None;
                            if pgid.is_some_and(|pid| memory::rss(pid) > setup.recycle_rss) {
                                break Stop::Recycled;
                            }
                        }
                    } else if error_line.is_none() {
                        error_line = line.strip_prefix("error: ").map(|m| m.trim().to_owned());
                    }
                }
                Ok(None) | Err(_) => break Stop::Ended,
            },
            _ = sleep_until(deadline) => break Stop::TimedOut,
        }
    };
    if let Some(pg) = pgid {
        kill_group(pg);
        setup.groups.lock().expect("not poisoned").remove(&pg);
    }
    let status = child.wait().await;
    let oom_killed =
        pgid.is_some_and(|pg| setup.oom_killed.lock().expect("not poisoned").remove(&pg));
    if matches!(stop, Stop::Recycled) {
        return (done, None);
    }
    if oom_killed {
        // Killed for the budget: the path in progress is retried first in a fresh process, and
        // only when it was already first (it blew the budget alone) is it a failure.
        return match current {
            Some(id) if started == 1 => (
                done,
                Some((
                    id,
                    Outcome::Failed {
                        kind: "oom".into(),
                        message: "evaluating it alone exceeded the memory budget (--max-memory)"
                            .into(),
                    },
                )),
            ),
            _ => (done, None),
        };
    }
    let blamed = current.or_else(|| {
        pending
            .iter()
            .map(|(id, _)| *id)
            .find(|id| !done.iter().any(|(d, _)| d == id))
    });
    let Some(blamed) = blamed else {
        return (done, None);
    };
    let (kind, message) = if matches!(stop, Stop::TimedOut) {
        (
            "timeout".to_owned(),
            format!("no result within {} s", setup.attr_timeout.as_secs_f64()),
        )
    } else {
        match (&status, error_line) {
            (_, Some(msg)) => (
                if explain {
                    "throw".into()
                } else {
                    classify(&msg).into()
                },
                msg,
            ),
            (Ok(s), None) => match std::os::unix::process::ExitStatusExt::signal(s) {
                Some(sig) => (
                    "crash".into(),
                    format!("nix-instantiate killed by signal {sig}"),
                ),
                None if explain => (
                    "throw".into(),
                    "(no message: the path evaluated when re-run)".into(),
                ),
                None => (
                    "crash".into(),
                    format!("nix-instantiate exited ({s}) without a result"),
                ),
            },
            (Err(e), None) => ("crash".into(), format!("waiting for nix-instantiate: {e}")),
        }
    };
    (done, Some((blamed, Outcome::Failed { kind, message })))
}

/// Kills the child's whole process group: anything it started must go with it.
pub fn kill_group(pgid: i32) {
    // SAFETY: killpg only sends a signal; a group that is already gone yields ESRCH.
    unsafe {
        libc::killpg(pgid, libc::SIGKILL);
    }
}

/// Kills every child's process group (on SIGINT/SIGTERM of the driver).
pub fn kill_all(groups: &Mutex<HashSet<i32>>) {
    for &pg in groups.lock().expect("not poisoned").iter() {
        kill_group(pg);
    }
}

/// The failure kind from the first line of Nix's error message.
pub fn classify(message: &str) -> &'static str {
    if message.contains("forbidden in restricted mode") && message.contains("access to URI") {
        "eval-time-fetch"
    } else if message.contains("forbidden in restricted mode") {
        "forbidden-path"
    } else if message.contains("allow-import-from-derivation") {
        "import-from-derivation"
    } else if message.contains("infinite recursion encountered") {
        "infinite-recursion"
    } else if message.contains("stack overflow") {
        "stack-overflow"
    } else if message.starts_with("attribute '") && message.contains("' missing") {
        "attribute-missing"
    } else if message.starts_with("undefined variable") {
        "undefined-variable"
    } else {
        "eval-error"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_nix_messages() {
        assert_eq!(classify("attribute 'nope' missing"), "attribute-missing");
        assert_eq!(
            classify("infinite recursion encountered"),
            "infinite-recursion"
        );
        assert_eq!(
            classify("stack overflow (possible infinite recursion)"),
            "stack-overflow"
        );
        assert_eq!(classify("undefined variable 'x'"), "undefined-variable");
        assert_eq!(
            classify("value is a function while a set was expected"),
            "eval-error"
        );
        let uri = "access to URI 'http://x/y' is forbidden in restricted mode";
        assert_eq!(classify(uri), "eval-time-fetch");
        let path = "access to absolute path '/etc/hostname' is forbidden in restricted mode";
        assert_eq!(classify(path), "forbidden-path");
        let ifd = "cannot build '/nix/store/x.drv' during evaluation because the option 'allow-import-from-derivation' is disabled";
        assert_eq!(classify(ifd), "import-from-derivation");
    }

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

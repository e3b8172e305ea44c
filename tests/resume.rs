//! A scan killed at any moment (SIGKILL of the driver) or interrupted (SIGINT) and then resumed
//! yields exactly the files of an uninterrupted scan, and evaluates nothing twice.
mod common;
use common::*;
use std::collections::HashSet;
use std::path::Path;
use std::process::{Child, Command};
use std::time::{Duration, Instant};

const ARGS: &[&str] = &[
    "--system",
    "x86_64-linux",
    "--config",
    "{ allowBroken = true; allowUnfree = true; pulseaudio = true; }",
    "--attr-timeout",
    "3",
    "--jobs",
    "1",
    "--batch",
    "4",
    "--quiet",
];

fn scan(out: &Path) -> Command {
    let mut c = fodfuzz();
    c.arg("scan")
        .arg(root().join("corpus/basic"))
        .arg("--out")
        .arg(out)
        .args(ARGS);
    c
}

fn journal_lines(out: &Path) -> usize {
    std::fs::read_to_string(out.join("journal.jsonl")).map_or(0, |s| s.lines().count())
}

/// Waits until the journal of `out` has at least `n` lines.
fn wait_for(child: &mut Child, out: &Path, n: usize) {
    let start = Instant::now();
    while journal_lines(out) < n {
        assert!(
            child.try_wait().unwrap().is_none(),
            "scan ended before {n} records"
        );
        assert!(start.elapsed() < Duration::from_secs(120));
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn same_results(a: &Path, b: &Path) {
    for f in ["fods.jsonl", "failures.jsonl", "store-paths", "graph.jsonl"] {
        assert_eq!(
            std::fs::read(a.join(f)).unwrap(),
            std::fs::read(b.join(f)).unwrap(),
            "{f} differs"
        );
    }
}

/// Every (cell, path, explain) is journaled once: nothing was evaluated twice.
fn nothing_twice(out: &Path) {
    let mut seen = HashSet::new();
    for line in std::fs::read_to_string(out.join("journal.jsonl"))
        .unwrap()
        .lines()
    {
        let Ok(v) = serde_json::from_str::<serde_json::Value>(line) else {
            continue;
        };
        let key = (
            v["cell"].to_string(),
            v["path"].to_string(),
            v["explain"].to_string(),
        );
        assert!(seen.insert(key.clone()), "{key:?} evaluated twice");
    }
}

#[test]
fn killed_or_interrupted_scans_resume_to_the_same_files() {
    let reference = tmp("resume-ref");
    assert!(run(&mut scan(&reference)).status.success());
    let total = journal_lines(&reference);
    assert!(total > 40, "enough records to kill in between: {total}");

    for (i, at) in [1, total / 3, 2 * total / 3].into_iter().enumerate() {
        let out = tmp(&format!("resume-kill-{i}"));
        let mut child = scan(&out).spawn().unwrap();
        wait_for(&mut child, &out, at);
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        let again = run(&mut scan(&out));
        assert_eq!(
            again.status.code(),
            Some(2),
            "a non-empty directory is refused without --resume"
        );
        assert!(run(scan(&out).arg("--resume")).status.success());
        same_results(&reference, &out);
        nothing_twice(&out);
    }

    let out = tmp("resume-sigint");
    let mut child = scan(&out).spawn().unwrap();
    wait_for(&mut child, &out, total / 2);
    // SAFETY: sends a signal to our own child.
    unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
    let status = child.wait().unwrap();
    assert_eq!(
        status.code(),
        Some(130),
        "interrupted scans exit 128 + SIGINT"
    );
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary["complete"], false);
    let partial = jsonl(&out.join("fods.jsonl"));
    assert!(partial.len() <= jsonl(&reference.join("fods.jsonl")).len());
    assert!(run(scan(&out).arg("--resume")).status.success());
    same_results(&reference, &out);
    nothing_twice(&out);
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary["complete"], true);

    // SIGTERM (what a service manager sends) behaves the same, with exit 128 + 15.
    let out = tmp("resume-sigterm");
    let mut child = scan(&out).spawn().unwrap();
    wait_for(&mut child, &out, total / 2);
    // SAFETY: sends a signal to our own child.
    unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
    assert_eq!(child.wait().unwrap().code(), Some(143));
    assert!(run(scan(&out).arg("--resume")).status.success());
    same_results(&reference, &out);
    nothing_twice(&out);

    // --force starts over.
    assert!(run(scan(&out).arg("--force")).status.success());
    same_results(&reference, &out);
}

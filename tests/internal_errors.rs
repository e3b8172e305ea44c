//! Nothing in a tree ends a run (issue 32): corpus/oddstrings, strings under hash-like names of
//! every length and alphabet, scans with its coverage written; a panic injected into one item
//! (`FODFUZZ_FAULT=PHASE:ITEM`, see src/isolate.rs) is that item's internal error, recorded in
//! internal-errors.jsonl, while every output is written and the command exits 3; a phase that
//! fails is named in summary.json with every other file whole; a panic of the driver itself
//! leaves a journal that --resume finishes from.
mod common;
use common::*;
use serde_json::Value;
use std::path::Path;
use std::process::Output;

const FILES: [&str; 6] = [
    "fods.jsonl",
    "failures.jsonl",
    "store-paths",
    "tarballs.json",
    "hashed-mirror.txt",
    "sources.json",
];

fn scan(out: &Path, fault: Option<&str>, extra: &[&str]) -> Output {
    let mut cmd = fodfuzz();
    cmd.arg("scan")
        .arg(root().join("corpus/oddstrings"))
        .arg("--out")
        .arg(out)
        .args(["--system", "x86_64-linux", "--config", "{}", "-q"])
        .args(extra);
    match fault {
        Some(f) => cmd.env("FODFUZZ_FAULT", f),
        None => cmd.env_remove("FODFUZZ_FAULT"),
    };
    run(&mut cmd)
}

fn json(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn read(dir: &Path, name: &str) -> String {
    std::fs::read_to_string(dir.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// The files a scan found things in are the same as a clean scan's.
fn same_findings(clean: &Path, other: &Path) {
    for f in FILES {
        assert_eq!(read(clean, f), read(other, f), "{f}");
    }
}

#[test]
fn odd_strings_scan_whole_and_a_panicking_file_is_its_own_failure() {
    let clean = tmp("odd-clean");
    let o = scan(&clean, None, &[]);
    assert_eq!(o.status.code(), Some(0));
    assert!(!clean.join("internal-errors.jsonl").exists());
    let want = json(&root().join("corpus/oddstrings/expected.json"));
    let got = json(&clean.join("coverage.json"));
    assert_eq!(got["literals"], want["coverage"]["literals"]);
    assert_eq!(got["reached"], want["coverage"]["reached"]);

    // One file's analysis panics: its literals are not counted, nothing else changes.
    let faulty = tmp("odd-file");
    let o = scan(&faulty, Some("coverage:strings.nix"), &[]);
    assert_eq!(o.status.code(), Some(3), "exit status 3: internal errors");
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(
        stderr.contains("1 item(s) failed with an internal error"),
        "{stderr}"
    );
    let errors = jsonl(&faulty.join("internal-errors.jsonl"));
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0]["phase"], "coverage");
    assert_eq!(errors[0]["item"], "strings.nix");
    assert_eq!(errors[0]["kind"], "internal-error");
    assert!(
        errors[0]["message"]
            .as_str()
            .unwrap()
            .contains("FODFUZZ_FAULT")
    );
    assert_eq!(json(&faulty.join("coverage.json"))["literals"], 1);
    same_findings(&clean, &faulty);
}

#[test]
fn a_failed_phase_is_named_and_the_others_are_written() {
    let clean = tmp("odd-phase-clean");
    assert_eq!(scan(&clean, None, &[]).status.code(), Some(0));
    for (fault, phase) in [
        ("coverage:writing the coverage", "coverage"),
        ("coverage:analysing the tree", "coverage"),
        ("write:graph.jsonl", "graph.jsonl"),
    ] {
        let out = tmp("odd-phase");
        let o = scan(&out, Some(fault), &[]);
        assert_eq!(o.status.code(), Some(3), "{fault}");
        let summary = json(&out.join("summary.json"));
        let failed = summary["failedPhases"].as_array().expect("failedPhases");
        assert_eq!(failed.len(), 1, "{fault}");
        assert_eq!(failed[0]["phase"], phase, "{fault}");
        assert!(
            failed[0]["error"]
                .as_str()
                .unwrap()
                .contains("FODFUZZ_FAULT")
        );
        assert_eq!(summary["totals"]["fods"], 1);
        same_findings(&clean, &out);
        if phase == "coverage" {
            assert!(!out.join("coverage.json").exists(), "{fault}");
        }
    }
    assert!(
        json(&clean.join("summary.json"))
            .get("failedPhases")
            .is_none()
    );
}

#[test]
fn a_panic_of_the_driver_leaves_a_journal_resume_finishes() {
    let clean = tmp("odd-driver-clean");
    assert_eq!(scan(&clean, None, &[]).status.code(), Some(0));
    let out = tmp("odd-driver");
    let o = scan(&out, Some("scan:after the walk"), &[]);
    assert_eq!(
        o.status.code(),
        Some(101),
        "a panic outside any item is Rust's"
    );
    assert!(!out.join("fods.jsonl").exists());
    let o = scan(&out, None, &["--resume"]);
    assert_eq!(o.status.code(), Some(0));
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(!stderr.contains("(0 from the journal)"), "{stderr}");
    same_findings(&clean, &out);
}

#[test]
fn check_and_mirror_record_an_item_that_panics_and_go_on() {
    let scan_dir = tmp("odd-check-scan");
    assert_eq!(scan(&scan_dir, None, &[]).status.code(), Some(0));
    let o = run(fodfuzz()
        .args(["check", "-q"])
        .arg(&*scan_dir)
        .env("FODFUZZ_FAULT", "check:*"));
    assert_eq!(o.status.code(), Some(3));
    let lines = jsonl(&scan_dir.join("check.jsonl"));
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0]["status"], "unknown");
    assert!(
        lines[0]["reason"]
            .as_str()
            .unwrap()
            .starts_with("internal error: ")
    );
    assert_eq!(
        jsonl(&scan_dir.join("internal-errors.jsonl"))[0]["phase"],
        "check"
    );

    let site = tmp("odd-site");
    let o = run(fodfuzz()
        .args(["mirror", "-q"])
        .arg(&*scan_dir)
        .arg("--site")
        .arg(&*site)
        .env("FODFUZZ_FAULT", "mirror:*"));
    assert_eq!(o.status.code(), Some(3));
    let made = jsonl(&site.join("mirror.jsonl"));
    assert_eq!(made[0]["status"], "error");
    assert!(
        made[0]["why"]
            .as_str()
            .unwrap()
            .starts_with("internal error: ")
    );
    let errors = jsonl(&site.join("internal-errors.jsonl"));
    assert_eq!(
        (errors.len(), errors[0]["phase"].as_str()),
        (1, Some("mirror"))
    );
}

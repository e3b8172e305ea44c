//! The memory budget and recycling, against a fake nix-instantiate that eats memory.
mod common;
use common::*;
use std::path::Path;

fn scan_counting(name: &str, root_names: &str, extra: &[&str]) -> (Tmp, usize) {
    let out = tmp(name);
    let logs = tmp(&format!("{name}-log"));
    let log = logs.join("processes");
    let (mut scan, _tree) = fake_scan(name, &out);
    let o = run(scan
        .env("FAKE_ROOT", root_names)
        .env("FAKE_LOG", &log)
        .args(["--attr-timeout", "60"])
        .args(extra));
    assert!(o.status.success());
    let processes = std::fs::read_to_string(&log).unwrap().lines().count();
    (out, processes)
}

fn failures(out: &Path) -> Vec<(String, String)> {
    jsonl(&out.join("failures.jsonl"))
        .iter()
        .map(|f| {
            (
                f["attrPath"].as_str().unwrap().to_owned(),
                f["kind"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[test]
fn an_attribute_over_the_budget_is_oom_and_the_rest_completes() {
    let started = std::time::Instant::now();
    let (out, _) = scan_counting(
        "oom",
        "a-ok b-ok eat z-ok",
        &["--max-memory", "200M", "--jobs", "1"],
    );
    assert!(
        started.elapsed().as_secs() < 30,
        "the eater was killed, not waited for"
    );
    assert_eq!(failures(&out), vec![("eat".to_owned(), "oom".to_owned())]);
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary["totals"]["attributesVisited"], 5);
}

#[test]
fn workers_over_the_recycle_threshold_are_replaced_between_attributes() {
    let (_, once) = scan_counting(
        "norecycle",
        "a-ok b-ok c-ok d-ok",
        &["--jobs", "1", "--batch", "10"],
    );
    let (out, recycled) = scan_counting(
        "recycle",
        "a-ok b-ok c-ok d-ok",
        &["--jobs", "1", "--batch", "10", "--recycle-memory", "1"],
    );
    assert!(failures(&out).is_empty());
    // One process serves every batch (it is kept between them); over the threshold, each of the
    // root and the four attributes gets a process of its own.
    assert_eq!(
        once, 1,
        "one process for the root batch and the batch of four"
    );
    assert_eq!(recycled, 5);
}

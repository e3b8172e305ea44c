//! The runner against a fake `nix repl` (tests/fake/nix) that hangs, crashes, floods stderr and prints
//! garbage: each costs only its own attribute.
mod common;
use common::*;

#[test]
fn misbehaving_workers_cost_only_their_attribute() {
    let out = tmp("supervision");
    let started = std::time::Instant::now();
    let (mut scan, _tree) = fake_scan("supervision", &out);
    let o = run(scan.args(["--attr-timeout", "2", "--jobs", "2"]));
    assert!(
        o.status.success(),
        "scan exits 0 although attributes failed"
    );
    assert!(started.elapsed().as_secs() < 60, "the hang was cut off");
    let mut failures: Vec<(String, String)> = jsonl(&out.join("failures.jsonl"))
        .iter()
        .map(|f| {
            (
                f["attrPath"].as_str().unwrap().to_owned(),
                f["kind"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    failures.sort();
    let want = [
        ("crash", "crash"),
        ("garbage", "crash"),
        ("hang", "timeout"),
    ];
    assert_eq!(failures, want.map(|(a, k)| (a.to_owned(), k.to_owned())));
    // Every other path was visited, the pruned `lib` was not.
    let visited: Vec<String> = jsonl(&out.join("journal.jsonl"))
        .iter()
        .filter(|r| r["outcome"].get("visited").is_some())
        .map(|r| {
            r["path"]
                .as_array()
                .unwrap()
                .iter()
                .map(|n| n.as_str().unwrap())
                .collect::<Vec<_>>()
                .join(".")
        })
        .collect();
    for a in ["", "a-ok", "flood", "z-ok"] {
        assert!(visited.iter().any(|v| v == a), "{a} visited: {visited:?}");
    }
    assert!(!visited.iter().any(|v| v == "lib"));
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary["totals"]["attributesVisited"], 7);
    assert_eq!(summary["totals"]["failures"], 3);
}

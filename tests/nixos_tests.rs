//! NixOS tests (a derivation with `nodes` beside a `driver`, as nixpkgs' runTest makes them) are
//! whole NixOS systems to evaluate: a scan reports each as a `nixos-test` failure and leaves it
//! alone, unless `--nixos-tests` asks for them; a target that is itself a NixOS test is
//! evaluated. corpus/modern's server.tests.nixos carries test data only its closure reaches.
mod common;
use common::*;
use serde_json::Value;
use std::path::Path;

/// A tree's scan with `extra` (its path first), or a target's (`--expr …`).
fn scan(out: &Path, extra: &[&str]) -> Vec<Value> {
    let mut cmd = fodfuzz();
    cmd.arg("scan").args(extra).arg("--out").arg(out).arg("-q");
    if extra[0] != "--expr" {
        cmd.args(["--system", "x86_64-linux", "--config", "{}"]);
    }
    let o = run(cmd.current_dir(root()));
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    jsonl(&out.join("fods.jsonl"))
}

fn names(fods: &[Value]) -> Vec<&str> {
    fods.iter().map(|f| f["name"].as_str().unwrap()).collect()
}

fn nixos_test_failures(out: &Path) -> Vec<String> {
    jsonl(&out.join("failures.jsonl"))
        .iter()
        .filter(|f| f["kind"] == "nixos-test")
        .map(|f| f["attrPath"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn nixos_tests_are_reported_and_evaluated_only_when_asked() {
    let tree = root().join("corpus/modern");
    let tree = tree.to_str().unwrap();
    let out = tmp("nixos-tests-off");
    let fods = scan(&out, &[tree]);
    assert!(!names(&fods).contains(&"server-test-data.tar.gz"));
    assert_eq!(nixos_test_failures(&out), ["server.tests.nixos"]);

    let out = tmp("nixos-tests-on");
    let fods = scan(&out, &[tree, "--nixos-tests"]);
    let data = fods
        .iter()
        .find(|f| f["name"] == "server-test-data.tar.gz")
        .expect("the test's data is reached");
    assert!(data.to_string().contains("server.tests.nixos"), "{data}");
    assert!(nixos_test_failures(&out).is_empty());
    // Its nodes are still a NixOS configuration, not walked: server.tests.vm's and its own.
    let totals =
        &serde_json::from_str::<Value>(&std::fs::read_to_string(out.join("summary.json")).unwrap())
            .unwrap()["totals"];
    assert_eq!(totals["nixosPruned"], 2);
    // A resume without the flag would walk another way: it is refused.
    let o = run(fodfuzz()
        .args(["scan", tree, "--resume", "-q", "--out"])
        .arg(&out)
        .args(["--system", "x86_64-linux", "--config", "{}"]));
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("--nixos-tests (was true, now null)"), "{err}");
}

#[test]
fn a_target_that_is_a_nixos_test_is_evaluated() {
    let out = tmp("nixos-test-target");
    let expr = "(import ./corpus/modern { }).server.tests.nixos";
    let fods = scan(&out, &["--expr", expr]);
    assert!(
        names(&fods).contains(&"server-test-data.tar.gz"),
        "{fods:?}"
    );
    assert!(nixos_test_failures(&out).is_empty());
}

//! `fodfuzz scan --expr/--file`: a NixOS-shaped target (corpus/system) with the real
//! nix-instantiate; its FODs and closure-paths must be exactly those expected.json lists.
mod common;
use common::*;
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::Path;

const SYSTEM: &str =
    "(import ./corpus/system { configuration = ./corpus/system/configuration.nix; }).system";

/// `/nix/store/<hash>-name` → `name`
fn names_in(lines: &str) -> BTreeSet<String> {
    lines
        .lines()
        .map(|p| {
            p.rsplit('/')
                .next()
                .unwrap()
                .split_once('-')
                .unwrap()
                .1
                .to_owned()
        })
        .collect()
}

fn expected(key: &str) -> BTreeSet<String> {
    let v: Value =
        serde_json::from_slice(&std::fs::read(root().join("corpus/system/expected.json")).unwrap())
            .unwrap();
    v[key]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap().to_owned())
        .collect()
}

fn read(dir: &Path, name: &str) -> String {
    std::fs::read_to_string(dir.join(name)).unwrap()
}

#[test]
fn expr_target_gives_its_fods_and_whole_closure() {
    let out = tmp("target-expr");
    let o = run(fodfuzz()
        .current_dir(root())
        .args(["scan", "-q", "--expr", SYSTEM, "--out"])
        .arg(&out));
    assert!(o.status.success());
    let fods = jsonl(&out.join("fods.jsonl"));
    let fod_names: BTreeSet<String> = fods
        .iter()
        .map(|f| f["name"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(fod_names, expected("fods"));
    assert_eq!(names_in(&read(&out, "store-paths")), expected("fods"));
    let closure = read(&out, "closure-paths");
    assert_eq!(names_in(&closure), expected("closure"));
    let mut sorted: Vec<&str> = closure.lines().collect();
    sorted.sort();
    assert_eq!(
        sorted,
        closure.lines().collect::<Vec<_>>(),
        "closure-paths is sorted"
    );
    // The target itself reaches everything; its attribute path is empty.
    for f in &fods {
        assert_eq!(f["reachedBy"][0]["attrPath"], "", "{f}");
        assert_eq!(f["reachedBy"][0]["config"], "target", "{f}");
    }
    assert!(jsonl(&out.join("failures.jsonl")).is_empty());
}

#[test]
fn a_list_target_is_walked_and_each_element_reported() {
    let out = tmp("target-list");
    // The third element is too long to walk: one too-large failure, not 200,000 tasks.
    let expr = format!(
        "[ {SYSTEM} (import ./corpus/basic {{}}).some-src (builtins.genList (i: i) 200000) ]"
    );
    let o = run(fodfuzz()
        .current_dir(root())
        .args(["scan", "-q", "--expr", &expr, "--out"])
        .arg(&out));
    assert!(o.status.success());
    let fods = jsonl(&out.join("fods.jsonl"));
    let mut want = expected("fods");
    want.insert("some-src-1.0.tar.bz2".into());
    let got: BTreeSet<String> = fods
        .iter()
        .map(|f| f["name"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(got, want);
    let some = fods
        .iter()
        .find(|f| f["name"] == "some-src-1.0.tar.bz2")
        .unwrap();
    assert_eq!(some["reachedBy"][0]["attrPath"], "\"1\"");
    let failures = jsonl(&out.join("failures.jsonl"));
    assert_eq!(failures.len(), 1, "{failures:?}");
    assert_eq!(failures[0]["attrPath"], "\"2\"");
    assert_eq!(failures[0]["kind"], "too-large");
    assert!(
        failures[0]["message"].as_str().unwrap().contains("200000"),
        "{failures:?}"
    );
    let summary: Value = serde_json::from_str(&read(&out, "summary.json")).unwrap();
    assert!(
        summary["totals"]["attributesVisited"].as_u64().unwrap() < 1000,
        "{summary}"
    );
}

#[test]
fn file_target_reads_only_what_is_allowed() {
    let dir = tmp("target-file");
    let file = dir.join("site.nix");
    let corpus = root().join("corpus/system");
    std::fs::write(
        &file,
        format!(
            "{{ }}: {{ station = (import {c} {{ configuration = {c}/configuration.nix; }}).system; }}",
            c = corpus.display()
        ),
    )
    .unwrap();
    // The corpus is neither the working directory nor the file's: forbidden. The target itself
    // fails, so nothing was scanned: bad input, naming the path and --allow.
    let denied = dir.join("denied");
    let o = run(fodfuzz()
        .current_dir(&dir)
        .args(["scan", "-q", "--file", "site.nix", "-A", "station", "--out"])
        .arg(&denied));
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    // Nix 2.8 names the path itself, 2.26 the first of its ancestors it refuses.
    let named = err
        .split("access to absolute path '")
        .nth(1)
        .and_then(|rest| rest.split('\'').next())
        .unwrap_or_else(|| panic!("no forbidden path named: {err}"));
    assert!(
        named != "/" && corpus.starts_with(named) && err.contains("--allow"),
        "{err}"
    );
    let failures = jsonl(&denied.join("failures.jsonl"));
    assert_eq!(failures.len(), 1, "the failure is still recorded");
    assert_eq!(failures[0]["kind"], "forbidden-path", "{failures:?}");
    // --allow opens it.
    let allowed = dir.join("allowed");
    let o = run(fodfuzz()
        .current_dir(&dir)
        .args([
            "scan", "-q", "--file", "site.nix", "-A", "station", "--allow",
        ])
        .arg(root().join("corpus"))
        .arg("--out")
        .arg(&allowed));
    assert!(o.status.success());
    assert_eq!(names_in(&read(&allowed, "store-paths")), expected("fods"));
    assert_eq!(
        names_in(&read(&allowed, "closure-paths")),
        expected("closure")
    );
}

#[test]
fn bad_targets_are_one_line_and_exit_2() {
    let out = tmp("target-bad");
    for args in [
        vec!["--expr", "(import ./x {"],
        vec!["--file", "/nonexistent/site.nix"],
        vec!["--file", "corpus/system/default.nix", "-A", "a..b"],
        vec!["--expr", "1", "--system", "x86_64-linux"],
    ] {
        let o = run(fodfuzz()
            .current_dir(root())
            .arg("scan")
            .args(&args)
            .arg("--out")
            .arg(out.join("o")));
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        assert!(!out.join("o").join("fods.jsonl").exists(), "{args:?}");
    }
}

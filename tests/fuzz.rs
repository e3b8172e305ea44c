//! `fodfuzz fuzz` on corpus/coverage from one cell (x86_64-linux, `{}`): it finds the
//! variation behind each way a literal stays unreached (another system, a config key, a
//! string option's values on each system, an override flag, a throw the permissive config
//! lifts, the entries of a TeX Live-shaped data file held in lists), keeps each in
//! fuzz/corpus.jsonl with the literals it added, and leaves unreached exactly what no
//! configuration reaches. A second run tries the corpus first and ends with the same coverage.
mod common;

use common::*;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::Path;

fn json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap()
}

fn fuzz(out: &Path) -> String {
    let o = run(fodfuzz()
        .arg("fuzz")
        .arg(root().join("corpus/coverage"))
        .arg("--out")
        .arg(out)
        .args([
            "--system",
            "x86_64-linux",
            "--config",
            "{}",
            "--budget",
            "10m",
        ])
        .arg("--force"));
    assert!(o.status.success(), "fuzz failed");
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// (file:line, reason) of every literal left unreached.
fn unreached(cov: &Value) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for f in cov["files"].as_array().unwrap() {
        for u in f["unreached"].as_array().unwrap() {
            out.push((
                format!("{}:{}", f["file"].as_str().unwrap(), u["line"]),
                u["reason"].as_str().unwrap().to_owned(),
            ));
        }
    }
    out
}

/// The kept variations and the literals each added.
fn corpus(out: &Path) -> BTreeMap<String, Vec<String>> {
    jsonl(&out.join("fuzz/corpus.jsonl"))
        .into_iter()
        .map(|k| {
            let sites = k["sites"].as_array().unwrap().iter();
            let sites = sites.map(|s| s.as_str().unwrap().to_owned()).collect();
            (k["variation"].as_str().unwrap().to_owned(), sites)
        })
        .collect()
}

fn expected_corpus() -> BTreeMap<String, Vec<String>> {
    let de = "config i18n.defaultLocale = \"de\"";
    // Rounds: every cheap variation together (a whole cell costs a hundred of them); then
    // i686-linux; then the locale on i686-linux, which the i686 cell made a candidate; then
    // aarch64-linux. Cheap variations add to the permissive config, which sets pulseaudio.
    [
        (
            "config audio.hq = true",
            vec!["pkgs/audio/default.nix:13", "pkgs/audio/default.nix:16"],
        ),
        (
            "config pulseaudio = true",
            vec!["pkgs/audio/default.nix:13"],
        ),
        (
            "config permissive",
            vec![
                "pkgs/broken/default.nix:7",
                "pkgs/physics/pdf_sets.nix:23",
                "pkgs/physics/pdf_sets.nix:24",
            ],
        ),
        (de, vec!["pkgs/browser/sources.nix:4"]),
        (
            "entries pkgs/tex/pkgs.nix",
            vec!["pkgs/tex/pkgs.nix:6", "pkgs/tex/pkgs.nix:9"],
        ),
        (
            "override tool { withDocs = true; }",
            vec!["pkgs/tool/default.nix:19"],
        ),
        (
            "system i686-linux",
            vec!["pkgs/bin/default.nix:12", "pkgs/browser/sources.nix:5"],
        ),
        (
            &format!("{de} on i686-linux"),
            vec!["pkgs/browser/sources.nix:6"],
        ),
        ("system aarch64-linux", vec!["pkgs/arm/default.nix:11"]),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.into_iter().map(str::to_owned).collect()))
    .collect()
}

#[test]
fn fuzz_reaches_every_mechanism_and_keeps_what_added() {
    let out = tmp("fuzz");
    let stderr = fuzz(&out);
    assert!(stderr.contains("budget 10m00s"), "{stderr}");
    assert!(stderr.contains("no candidate is left"), "{stderr}");
    let cov = json(&out.join("coverage.json"));
    assert_eq!(
        (cov["literals"].as_u64(), cov["reached"].as_u64()),
        (Some(30), Some(25))
    );
    let want: Vec<(String, String)> = [
        ("pkgs/evalfetch/default.nix:8", "eval-time-fetch"),
        ("pkgs/ifd/default.nix:8", "import-from-derivation"),
        ("pkgs/old/default.nix:8", "dead-file"),
        ("pkgs/suite/srcs.nix:23", "unused-entry"),
        ("pkgs/tool/default.nix:8", "unused-entry"),
    ]
    .iter()
    .map(|(a, b)| (a.to_string(), b.to_string()))
    .collect();
    assert_eq!(unreached(&cov), want);
    assert_eq!(corpus(&out), expected_corpus());
    // FODs a variation found name it in reachedBy; a guessed start the tree lacks
    // (`suite.unused`) is no failure.
    let fods = std::fs::read_to_string(out.join("fods.jsonl")).unwrap();
    let docs = fods.lines().find(|l| l.contains("tool-docs-1.0")).unwrap();
    assert!(
        docs.contains("override tool { withDocs = true; }"),
        "{docs}"
    );
    let failures = std::fs::read_to_string(out.join("failures.jsonl")).unwrap();
    assert!(!failures.contains("suite.unused"), "{failures}");
    // The next run tries the corpus first (its seven cheap variations in its first round),
    // and ends with the same coverage and the same corpus.
    let again = fuzz(&out);
    assert!(again.contains("9 variations kept in"), "{again}");
    assert!(again.contains("7 of them from the corpus"), "{again}");
    assert_eq!(json(&out.join("coverage.json")), cov);
    assert_eq!(corpus(&out), expected_corpus());
}

//! `fodfuzz scan --shard I/N` and `fodfuzz merge`: the corpus collections scanned across a matrix
//! in 1, 2, 3 and 7 shards and merged give, byte for byte, what one scan gives (times in
//! summary.json aside); the merge refuses shards of other scans and names missing ones.
mod common;
use common::same_scan::assert_same_scan;
use common::*;
use serde_json::Value;
use std::path::{Path, PathBuf};

fn scan(tree: &Path, args: &[&str], out: &Path, extra: &[String]) {
    let o = run(fodfuzz()
        .arg("scan")
        .arg(tree)
        .arg("--out")
        .arg(out)
        .args(args)
        .args(extra)
        .args(["--jobs", "2", "--quiet"]));
    assert!(
        o.status.success(),
        "scan of {} {extra:?} failed",
        tree.display()
    );
}

fn merge(out: &Path, shards: &[PathBuf]) -> std::process::Output {
    run(fodfuzz().args(["merge", "--out"]).arg(out).args(shards))
}

/// Scans `collection` whole, then in each number of shards, merges, compares; returns the
/// shard directories' manifests of every split, for the caller's own checks.
fn shards_equal_one_scan(collection: &str, args: &[&str]) -> Vec<Value> {
    let tree = root().join("corpus").join(collection);
    let whole = tmp(&format!("shard-{collection}-whole"));
    scan(&tree, args, &whole, &[]);
    let mut manifests = Vec::new();
    for n in [1, 2, 3, 7] {
        let dirs: Vec<Tmp> = (0..n)
            .map(|i| tmp(&format!("shard-{collection}-{i}-{n}")))
            .collect();
        for (i, d) in dirs.iter().enumerate() {
            scan(&tree, args, d, &["--shard".into(), format!("{i}/{n}")]);
            manifests.push(
                serde_json::from_slice(&std::fs::read(d.join("shard.json")).unwrap()).unwrap(),
            );
        }
        let merged = tmp(&format!("shard-{collection}-merged-{n}"));
        // Given in any order.
        let mut paths: Vec<PathBuf> = dirs.iter().map(|d| d.to_path_buf()).collect();
        paths.reverse();
        let o = merge(&merged, &paths);
        assert!(
            o.status.success(),
            "{collection}: merge of {n} shards failed"
        );
        assert_same_scan(&whole, &merged, &format!("{collection} in {n} shards"));
    }
    manifests
}

const MATRIX: &[&str] = &[
    "--system",
    "x86_64-linux",
    "--system",
    "aarch64-linux",
    "--config",
    "{}",
];

#[test]
fn aliased_sets_in_different_shards_count_once() {
    let args: Vec<&str> = [MATRIX, &["--attr-timeout", "30"]].concat();
    let manifests = shards_equal_one_scan("aliases", &args);
    // In some split the two names fell in different shards (each walked its set), so the
    // merge had to compare them to count one alias as one scan does (summary.json).
    let names = [
        serde_json::json!(["fooPackages"]),
        serde_json::json!(["fooPackagesAlias"]),
    ];
    let walked_alone = [2, 3, 7].iter().any(|&n| {
        let holding: std::collections::BTreeSet<u64> = manifests
            .iter()
            .filter(|m| m["shard"]["count"] == n)
            .filter(|m| {
                m["sets"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|s| names.contains(&s["path"]))
            })
            .map(|m| m["shard"]["index"].as_u64().unwrap())
            .collect();
        holding.len() == 2
    });
    assert!(
        walked_alone,
        "no split put the two names in different shards"
    );
}

#[test]
fn the_coverage_collection_in_shards() {
    let args: Vec<&str> = [
        MATRIX,
        &["--config", "{ pulseaudio = true; }", "--attr-timeout", "5"],
    ]
    .concat();
    shards_equal_one_scan("coverage", &args);
}

#[test]
fn the_basic_collection_in_shards() {
    let args: Vec<&str> = [MATRIX, &["--attr-timeout", "3"]].concat();
    shards_equal_one_scan("basic", &args);
}

/// A derivation with passthru that hangs under attributes of different shards (the interpreter
/// under its packages, a library under two applications) is entered by each of those shards;
/// the merge keeps what one scan keeps: what hangs on it below its shortest path only.
#[test]
fn the_passthru_collection_in_shards() {
    let args: Vec<&str> = [MATRIX, &["--attr-timeout", "20"]].concat();
    shards_equal_one_scan("passthru", &args);
}

/// Failed attributes that reach several derivations (graph.jsonl's partial roots, one line of
/// several `drvs` each): the merge once took their lines for a shard that is not sorted.
#[test]
fn the_partial_collection_in_shards() {
    let args: Vec<&str> = [MATRIX, &["--attr-timeout", "20"]].concat();
    shards_equal_one_scan("partial", &args);
}

/// One line on stderr, exit status 2, naming what `names` lists.
fn refused(o: &std::process::Output, names: &[&str]) {
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert_eq!(err.trim_end().lines().count(), 1, "one line: {err}");
    for n in names {
        assert!(err.contains(n), "{err:?} names {n}");
    }
}

#[test]
fn merge_refuses_mixed_or_incomplete_shards() {
    let aliases = root().join("corpus/aliases");
    let one = ["--system", "x86_64-linux", "--config", "{}"];
    let dirs: Vec<Tmp> = (0..3).map(|i| tmp(&format!("shard-refuse-{i}"))).collect();
    for (i, d) in dirs.iter().enumerate() {
        scan(&aliases, &one, d, &["--shard".into(), format!("{i}/3")]);
    }
    let out = tmp("shard-refuse-out");
    let p = |i: usize| dirs[i].to_path_buf();
    refused(&merge(&out, &[p(0), p(2)]), &["1/3"]);
    refused(&merge(&out, &[p(0), p(1), p(1), p(2)]), &["1/3", "twice"]);
    // Another matrix, another tree, another number of shards.
    let other = tmp("shard-refuse-matrix");
    scan(
        &aliases,
        &[MATRIX, &[] as &[&str]].concat(),
        &other,
        &["--shard".into(), "1/3".into()],
    );
    refused(
        &merge(&out, &[p(0), other.to_path_buf(), p(2)]),
        &[&other.display().to_string(), "matrix"],
    );
    let tree = tmp("shard-refuse-tree");
    scan(
        &root().join("corpus/coverage"),
        &[&one[..], &["--attr-timeout", "5"]].concat(),
        &tree,
        &["--shard".into(), "1/3".into()],
    );
    refused(
        &merge(&out, &[p(0), tree.to_path_buf(), p(2)]),
        &[&tree.display().to_string(), "tree"],
    );
    let four = tmp("shard-refuse-four");
    scan(&aliases, &one, &four, &["--shard".into(), "3/4".into()]);
    refused(&merge(&out, &[p(0), four.to_path_buf()]), &["4 shards"]);
    // Not a shard at all; an interrupted shard.
    let whole = tmp("shard-refuse-whole");
    scan(&aliases, &one, &whole, &[]);
    refused(
        &merge(&out, &[p(0), whole.to_path_buf()]),
        &[&whole.display().to_string()],
    );
    let summary = dirs[1].join("summary.json");
    let text = std::fs::read_to_string(&summary)
        .unwrap()
        .replace("\"complete\": true", "\"complete\": false");
    std::fs::write(&summary, text).unwrap();
    refused(
        &merge(&out, &[p(0), p(1), p(2)]),
        &["incomplete", &dirs[1].display().to_string()],
    );
    assert!(!out.join("fods.jsonl").exists(), "nothing written");
}

#[test]
fn the_shard_index_from_the_environment() {
    let aliases = root().join("corpus/aliases");
    let one = ["--system", "x86_64-linux", "--config", "{}"];
    let (a, b) = (tmp("shard-env-a"), tmp("shard-env-b"));
    scan(&aliases, &one, &a, &["--shard".into(), "1/2".into()]);
    let o = run(fodfuzz()
        .env("JOB_COMPLETION_INDEX", "1")
        .arg("scan")
        .arg(&aliases)
        .arg("--out")
        .arg(&b)
        .args(one)
        .args([
            "--shard-index-env",
            "JOB_COMPLETION_INDEX",
            "--shards",
            "2",
            "--quiet",
        ]));
    assert!(o.status.success());
    assert_eq!(
        std::fs::read(a.join("fods.jsonl")).unwrap(),
        std::fs::read(b.join("fods.jsonl")).unwrap()
    );
    let c = tmp("shard-env-c");
    let unset = run(fodfuzz()
        .env_remove("NO_SUCH_INDEX")
        .arg("scan")
        .arg(&aliases)
        .arg("--out")
        .arg(&c)
        .args(["--shard-index-env", "NO_SUCH_INDEX", "--shards", "2"]));
    refused(&unset, &["NO_SUCH_INDEX"]);
    for wrong in ["2/2", "x"] {
        let o = run(fodfuzz()
            .arg("scan")
            .arg(&aliases)
            .arg("--out")
            .arg(&c)
            .args(["--shard", wrong]));
        refused(&o, &[wrong]);
    }
}

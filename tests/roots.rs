//! `--roots FILE` walks only the named top-level attributes.
mod common;
use common::*;
use std::collections::BTreeSet;

#[test]
fn only_the_named_top_level_attributes_are_walked() {
    let dir = tmp("roots");
    std::fs::write(dir.join("roots"), "# two packages\nhello\n\nchain-a\n").unwrap();
    let out = dir.join("out");
    let o = run(fodfuzz()
        .args([
            "scan",
            "-q",
            "--system",
            "x86_64-linux",
            "--config",
            "{}",
            "--roots",
        ])
        .arg(dir.join("roots"))
        .arg("--out")
        .arg(&out)
        .arg(root().join("corpus/basic")));
    assert!(o.status.success());
    let fods = jsonl(&out.join("fods.jsonl"));
    let names: BTreeSet<&str> = fods.iter().map(|f| f["name"].as_str().unwrap()).collect();
    assert_eq!(
        names,
        BTreeSet::from([
            "bootstrap-tools.tar.xz",
            "chain-c-1.tar.gz",
            "hello-2.12.tar.gz"
        ])
    );
    let attrs: BTreeSet<&str> = fods
        .iter()
        .flat_map(|f| f["reachedBy"].as_array().unwrap())
        .map(|r| r["attrPath"].as_str().unwrap())
        .collect();
    assert_eq!(attrs, BTreeSet::from(["chain-a", "hello"]));
    // An empty list is bad input.
    std::fs::write(dir.join("none"), "# nothing\n").unwrap();
    let o = run(fodfuzz()
        .args(["scan", "-q", "--roots"])
        .arg(dir.join("none"))
        .arg("--out")
        .arg(dir.join("out2"))
        .arg(root().join("corpus/basic")));
    assert_eq!(o.status.code(), Some(2));
}

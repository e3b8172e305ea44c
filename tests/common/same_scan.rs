//! What "the same scan" means for a merge of shards: every output file byte for byte,
//! summary.json without its wall times, and the coverage pages.
use super::files_below;
use serde_json::Value;
use std::path::Path;

/// Every output a scan writes that a merge must reproduce.
pub const FILES: &[&str] = &[
    "fods.jsonl",
    "failures.jsonl",
    "store-paths",
    "closure-paths",
    "graph.jsonl",
    "tarballs.json",
    "sources.json",
    "hashed-mirror.txt",
    "manual.txt",
    "coverage.json",
    "coverage.txt",
];

/// summary.json without its wall times.
pub fn summary(dir: &Path) -> Value {
    fn strip(v: &mut Value) {
        match v {
            Value::Object(m) => {
                m.remove("wallSeconds");
                m.values_mut().for_each(strip);
            }
            Value::Array(a) => a.iter_mut().for_each(strip),
            _ => {}
        }
    }
    let mut v: Value =
        serde_json::from_slice(&std::fs::read(dir.join("summary.json")).unwrap()).unwrap();
    strip(&mut v);
    v
}

pub fn assert_same_scan(whole: &Path, merged: &Path, what: &str) {
    for f in FILES {
        let want = whole.join(f);
        if !want.exists() {
            assert!(
                !merged.join(f).exists(),
                "{what}: {f} written by the merge only"
            );
            continue;
        }
        let (a, b) = (std::fs::read(&want).unwrap(), std::fs::read(merged.join(f)));
        assert!(b.as_ref().is_ok_and(|b| *b == a), "{what}: {f} differs");
    }
    assert_eq!(summary(whole), summary(merged), "{what}: summary.json");
    if whole.join("coverage").is_dir() {
        let files = files_below(&whole.join("coverage"));
        assert_eq!(
            files,
            files_below(&merged.join("coverage")),
            "{what}: coverage/"
        );
        for f in files {
            let (a, b) = (
                whole.join("coverage").join(&f),
                merged.join("coverage").join(&f),
            );
            assert_eq!(
                std::fs::read(a).unwrap(),
                std::fs::read(b).unwrap(),
                "{what}: coverage/{}",
                f.display()
            );
        }
    }
}

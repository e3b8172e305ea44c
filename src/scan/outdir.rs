//! The output directory of a scan: refused when it holds another scan (unless `--resume` or
//! `--force`), cleared by `--force`, and stamped with what the results depend on, so that a
//! resumed scan is the same scan.
use crate::error::bad;
use anyhow::Result;
use std::path::Path;

/// Files a scan writes into its output directory; `--force` removes them.
pub const OUTPUTS: &[&str] = &[
    "fods.jsonl",
    "failures.jsonl",
    "store-paths",
    "closure-paths",
    "summary.json",
    "graph.jsonl",
    "journal.jsonl",
    "tarballs.json",
    "sources.json",
    "hashed-mirror.txt",
    "manual.txt",
    // Written only by some scans (a tree's coverage, a shard's records): left from an earlier
    // scan they would be read as this one's.
    "coverage.json",
    "coverage.txt",
    "coverage",
    "shard.json",
    "shard-fods.jsonl",
    ".fodfuzz",
];

/// A non-empty output directory holds an earlier scan: continue it (`--resume`), replace it
/// (`--force`), or refuse.
pub fn prepare(dir: &Path, resume: bool, force: bool) -> Result<()> {
    if resume && !dir.join(".fodfuzz/plan.json").is_file() {
        return Err(bad(format!(
            "nothing to resume in {}: no scan was started there (leave out --resume to start one)",
            dir.display()
        ))
        .into());
    }
    let non_empty = std::fs::read_dir(dir).is_ok_and(|mut d| d.next().is_some());
    if non_empty && !resume && !force {
        return Err(bad(format!(
            "{} is not empty: pass --resume to continue the scan in it, or --force to replace it",
            dir.display()
        ))
        .into());
    }
    if force {
        for name in OUTPUTS {
            let p = dir.join(name);
            let _ = if p.is_dir() {
                std::fs::remove_dir_all(&p)
            } else {
                std::fs::remove_file(&p)
            };
        }
    }
    crate::outputs::check_out_dir(dir)?;
    Ok(())
}

/// Writes `plan` (what the results depend on) to `work/plan.json`; a resumed scan must have the
/// same plan as the one it continues.
pub fn stamp(work: &Path, out: &Path, plan: &serde_json::Value, resume: bool) -> Result<()> {
    let plan_file = work.join("plan.json");
    if resume && plan_file.exists() {
        let old: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&plan_file)?).unwrap_or_default();
        let differ = differences(&old, plan);
        if !differ.is_empty() {
            return Err(bad(format!(
                "{} holds a scan with another {}: resume it with the same arguments, or use --force",
                out.display(),
                differ.join(", ")
            ))
            .into());
        }
    }
    std::fs::write(&plan_file, serde_json::to_vec_pretty(plan)?)?;
    Ok(())
}

/// The last complete run's size, kept beside the outputs (and across `--force`, which nightly
/// runs use), for the next run's ETA.
const LAST_RUN: &str = ".fodfuzz-last-run.json";

/// Attributes the last complete run of the same plan in `dir` visited.
pub fn last_run(dir: &Path, plan: &serde_json::Value) -> Option<u64> {
    let v: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join(LAST_RUN)).ok()?).ok()?;
    (v.get("plan")? == plan).then(|| v.get("attributes")?.as_u64())?
}

/// Records a complete run's size for the next one.
pub fn record_run(dir: &Path, plan: &serde_json::Value, attributes: u64, wall: f64) -> Result<()> {
    let v = serde_json::json!({"plan": plan, "attributes": attributes, "wallSeconds": wall});
    std::fs::write(dir.join(LAST_RUN), serde_json::to_vec_pretty(&v)?)?;
    Ok(())
}

/// What differs between two plans, in the user's words: "tree (was X, now Y)" …
pub fn differences(old: &serde_json::Value, new: &serde_json::Value) -> Vec<String> {
    let fields = [
        ("tree", "tree or target"),
        ("cells", "matrix (--system/--config/--matrix)"),
        ("maxDepth", "depth (--max-depth)"),
        ("roots", "--roots"),
        ("nixosTests", "--nixos-tests"),
    ];
    let show = |v: &serde_json::Value| match v {
        serde_json::Value::String(s) => s.clone(),
        v => v.to_string(),
    };
    let mut out: Vec<String> = fields
        .iter()
        .filter(|(k, _)| old.get(k) != new.get(k))
        .map(|(k, what)| {
            let (a, b) = (&old[*k], &new[*k]);
            format!("{what} (was {}, now {})", show(a), show(b))
        })
        .collect();
    if out.is_empty() && old != new {
        out.push("plan".into());
    }
    out
}

/// `--roots FILE`: top-level names, one per line (blank lines and `#` comments ignored).
pub fn read_roots(file: &Path) -> Result<std::collections::HashSet<String>> {
    let text = std::fs::read_to_string(file)
        .map_err(|e| bad(format!("cannot read --roots file {}: {e}", file.display())))?;
    let names: std::collections::HashSet<String> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_owned)
        .collect();
    if names.is_empty() {
        return Err(bad(format!(
            "--roots file {} names no attribute",
            file.display()
        ))
        .into());
    }
    Ok(names)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn differences_are_named() {
        let old = serde_json::json!({"tree": "/a", "cells": [["x", "{}", "{}"]], "maxDepth": 8, "roots": null});
        let mut new = old.clone();
        assert!(differences(&old, &new).is_empty());
        new["tree"] = "/b".into();
        new["maxDepth"] = 4.into();
        assert_eq!(
            differences(&old, &new),
            vec![
                "tree or target (was /a, now /b)",
                "depth (--max-depth) (was 8, now 4)"
            ]
        );
    }

    #[test]
    fn nothing_to_resume_is_bad_input() {
        let dir = tempfile::tempdir().unwrap();
        let e = prepare(&dir.path().join("none"), true, false).unwrap_err();
        assert!(e.downcast_ref::<crate::error::BadInput>().is_some());
        assert!(e.to_string().contains("nothing to resume"), "{e}");
    }

    #[test]
    fn force_removes_every_output_but_checks() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        for f in [
            "fods.jsonl",
            "coverage.json",
            "coverage.txt",
            "shard.json",
            "check.jsonl",
        ] {
            std::fs::write(d.join(f), "x").unwrap();
        }
        std::fs::create_dir_all(d.join("coverage/pkgs")).unwrap();
        prepare(d, false, true).unwrap();
        let mut left: Vec<String> = std::fs::read_dir(d)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        left.sort();
        assert_eq!(left, ["check.jsonl"]);
    }
}

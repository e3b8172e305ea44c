//! The output directory of a scan: refused when it holds another scan (unless `--resume` or
//! `--force`), cleared by `--force`, and stamped with what the results depend on, so that a
//! resumed scan is the same scan.
use super::preflight;
use crate::error::bad;
use anyhow::Result;
use std::path::Path;

/// Files a scan writes into its output directory; `--force` removes them.
const OUTPUTS: &[&str] = &[
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
    ".fodfuzz",
];

/// A non-empty output directory holds an earlier scan: continue it (`--resume`), replace it
/// (`--force`), or refuse.
pub fn prepare(dir: &Path, resume: bool, force: bool) -> Result<()> {
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
    preflight::check_out_dir(dir)?;
    Ok(())
}

/// Writes `plan` (what the results depend on) to `work/plan.json`; a resumed scan must have the
/// same plan as the one it continues.
pub fn stamp(work: &Path, out: &Path, plan: &serde_json::Value, resume: bool) -> Result<()> {
    let plan_file = work.join("plan.json");
    if resume && plan_file.exists() {
        let old: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&plan_file)?).unwrap_or_default();
        if old != *plan {
            return Err(bad(format!(
                "{} holds a scan of another tree, matrix or depth: resume it with the same arguments, or use --force",
                out.display()
            ))
            .into());
        }
    }
    std::fs::write(&plan_file, serde_json::to_vec_pretty(plan)?)?;
    Ok(())
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

//! The shards a merge is given, checked before anything is written: all shards of one scan
//! (the same plan, the same fodfuzz build, the same number of shards), each once, none missing,
//! each complete. Anything else is one line naming the shards, and exit status 2.
use crate::error::bad;
use crate::model::{Cell, Override};
use crate::scan::outdir;
use crate::scan::shard_files::Manifest;
use anyhow::{Context, Result};
use std::path::{Path, PathBuf};

#[derive(Clone)]
pub struct ShardDir {
    pub dir: PathBuf,
    pub manifest: Manifest,
    pub summary: serde_json::Value,
}

impl ShardDir {
    /// The directory, for messages: `DIR (shard I/N)`.
    pub fn name(&self) -> String {
        format!("{} (shard {})", self.dir.display(), self.manifest.shard)
    }
}

/// Reads and checks the shards; sorted by index.
pub fn check(dirs: &[PathBuf]) -> Result<Vec<ShardDir>> {
    let mut shards = Vec::new();
    for dir in dirs {
        shards.push(read(dir)?);
    }
    for s in &shards[1..] {
        same_scan(&shards[0], s)?;
    }
    shards.sort_by_key(|s| s.manifest.shard.index);
    whole(&shards)?;
    Ok(shards)
}

/// `s` is a shard of the same scan as `first`: the same build, plan, revision and split.
fn same_scan(first: &ShardDir, s: &ShardDir) -> Result<()> {
    let (a, b) = (&first.manifest, &s.manifest);
    if (&a.fodfuzz, &a.harness) != (&b.fodfuzz, &b.harness) {
        return Err(bad(format!(
            "shards of different fodfuzz builds: {} is {} (harness {}), {} is {} (harness {})",
            first.name(),
            a.fodfuzz,
            a.harness,
            s.name(),
            b.fodfuzz,
            b.harness
        ))
        .into());
    }
    let mut differ = outdir::differences(&a.plan, &b.plan);
    if a.revision != b.revision {
        let show = |r: &Option<String>| r.clone().unwrap_or_else(|| "none".into());
        differ.push(format!(
            "tree revision ({} vs {})",
            show(&a.revision),
            show(&b.revision)
        ));
    }
    if !differ.is_empty() {
        return Err(bad(format!(
            "{} and {} are shards of different scans: {}",
            first.name(),
            s.name(),
            differ
                .join(", ")
                .replace("(was ", "(")
                .replace(", now ", " vs ")
        ))
        .into());
    }
    if a.shard.count != b.shard.count {
        return Err(bad(format!(
            "{} and {} split the scan differently: {} and {} shards",
            first.name(),
            s.name(),
            a.shard.count,
            b.shard.count
        ))
        .into());
    }
    Ok(())
}

/// Sorted shards make the whole scan: none twice, none missing, each complete.
fn whole(shards: &[ShardDir]) -> Result<()> {
    if let Some(w) = shards
        .windows(2)
        .find(|w| w[0].manifest.shard == w[1].manifest.shard)
    {
        return Err(bad(format!(
            "shard {} given twice: {} and {}",
            w[0].manifest.shard,
            w[0].dir.display(),
            w[1].dir.display()
        ))
        .into());
    }
    let count = first_count(shards);
    let missing: Vec<String> = (0..count)
        .filter(|i| !shards.iter().any(|s| s.manifest.shard.index == *i))
        .map(|i| format!("{i}/{count}"))
        .collect();
    if !missing.is_empty() {
        return Err(bad(format!(
            "missing shards {} (given {} of {count})",
            missing.join(", "),
            shards.len()
        ))
        .into());
    }
    if let Some(s) = shards.iter().find(|s| s.summary["complete"] != true) {
        return Err(bad(format!(
            "{} is incomplete (interrupted): finish it with `fodfuzz scan … --resume`",
            s.name()
        ))
        .into());
    }
    Ok(())
}

fn first_count(shards: &[ShardDir]) -> usize {
    shards[0].manifest.shard.count
}

fn read(dir: &Path) -> Result<ShardDir> {
    let manifest = Manifest::read(dir)?;
    let file = dir.join("summary.json");
    let text = std::fs::read_to_string(&file).map_err(|_| {
        bad(format!(
            "{}: no summary.json (not a finished shard)",
            dir.display()
        ))
    })?;
    let summary = serde_json::from_str(&text).with_context(|| file.display().to_string())?;
    Ok(ShardDir {
        dir: dir.to_owned(),
        manifest,
        summary,
    })
}

/// The cells of a plan: `[system, config, label]`, and `{start, overrides}` for a variation.
pub fn plan_cells(plan: &serde_json::Value) -> Result<Vec<Cell>> {
    let cells = plan["cells"].as_array().context("plan without cells")?;
    cells
        .iter()
        .map(|c| {
            let s = |i: usize| c[i].as_str().context("a malformed cell in the plan");
            let mut cell = Cell::new(s(0)?, s(1)?, s(2)?);
            if let Some(v) = c.get(3) {
                cell.start = serde_json::from_value(v["start"].clone())?;
                let overrides: Vec<(Vec<String>, String)> =
                    serde_json::from_value(v["overrides"].clone())?;
                cell.overrides = overrides
                    .into_iter()
                    .map(|(path, args)| Override { path, args })
                    .collect();
            }
            Ok(cell)
        })
        .collect()
}

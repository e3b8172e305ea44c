//! `fodfuzz merge --out DIR SHARD_DIR…`: the shards of a scan (`scan --shard I/N`) joined into
//! the files one scan writes. Every file is a k-way merge of the shards' sorted files
//! ([`kway`]), so memory follows the number of shards; the mirror files are written again from
//! the merged FODs (their descriptions, without reaches), and the coverage from the merged
//! files when the tree is readable here.
mod aliases;
mod entries;
mod files;
mod graph;
mod inputs;
mod kway;
mod reaches;
mod stats;

use crate::cli::MergeArgs;
use crate::error::bad;
use crate::outputs::mirrors::{self, sites::Sites};
use crate::outputs::summary::{self, Found};
use crate::scan::outdir;
use anyhow::Result;
use std::collections::BTreeMap;
use std::path::Path;
use std::time::Instant;

pub fn merge(args: MergeArgs) -> Result<()> {
    let started = Instant::now();
    let shards = inputs::check(&args.shards)?;
    prepare(&args.out, args.force)?;
    let out = args.out.canonicalize()?;
    let first = &shards[0].manifest;
    let cells = inputs::plan_cells(&first.plan)?;
    let work = out.join(".fodfuzz");
    std::fs::create_dir_all(&work)?;
    let decided = stats::decide(&shards, &cells, &work.join("merge"))?;
    let entries = &decided.entries;
    let mut found = Found::default();
    let described = files::descriptions(&shards)?;
    files::failures(&out, &shards, entries, &mut found)?;
    files::paths(&out, &shards, "store-paths")?;
    files::paths(&out, &shards, "closure-paths")?;
    let drv_files = graph::merge(&out, &shards, entries)?;
    reaches::write(&out, &described, &mut found)?;
    let mut lists = BTreeMap::new();
    for s in &shards {
        lists.extend(s.manifest.sites.clone());
    }
    // Every list the FODs name came with the shards: no store is read.
    let mut sites = Sites::known(Path::new("/nonexistent"), lists);
    let counts = mirrors::write_with(&out, &described, &mut sites, first.revision.as_deref())?;
    drop(described);
    std::fs::write(
        work.join("plan.json"),
        serde_json::to_vec_pretty(&first.plan)?,
    )?;
    let (stats, wall) = stats::merged(&shards, &cells, &decided)?;
    let warning = decided.warning.clone();
    let v = summary::summary(&found, &cells, &stats, drv_files, wall, true);
    crate::outputs::write_summary(&out, v, Some(&counts))?;
    let coverage = coverage(&out, first, &cells);
    let attributes: u64 = stats.iter().map(|s| s.visited).sum();
    eprintln!(
        "fodfuzz: merged {} shards: {} cells, {attributes} attributes, {} FODs, {} failures, {drv_files} .drv files in {:.1} s; wrote {}",
        shards.len(),
        cells.len(),
        found.fods,
        found.failures,
        started.elapsed().as_secs_f64(),
        out.display()
    );
    for line in [warning, coverage].into_iter().flatten() {
        eprintln!("{line}");
    }
    Ok(())
}

/// The coverage of a tree scan, computed from the merged files when the tree is readable;
/// what was done, in a line.
fn coverage(
    out: &Path,
    m: &crate::scan::shard_files::Manifest,
    cells: &[crate::model::Cell],
) -> Option<String> {
    let tree = Path::new(m.evaluate.tree.as_deref()?);
    if !tree.join("default.nix").is_file() {
        return Some(format!(
            "fodfuzz: coverage not written: the tree {} is not readable here (run `fodfuzz coverage TREE --in {}` where it is)",
            tree.display(),
            out.display()
        ));
    }
    Some(match crate::coverage::write_for_merge(out, tree, cells) {
        Ok((literals, reached)) => format!(
            "fodfuzz: {reached} of {literals} hash literals of the tree reached ({:.1} %): see coverage.txt",
            crate::coverage::files::percent(reached, literals)
        ),
        Err(e) => format!("fodfuzz: coverage not written: {e:#}"),
    })
}

/// The output directory: created, refused when it holds something unless `force`, which
/// removes an earlier scan's or merge's files.
fn prepare(dir: &Path, force: bool) -> Result<()> {
    let non_empty = std::fs::read_dir(dir).is_ok_and(|mut d| d.next().is_some());
    if non_empty && !force {
        return Err(bad(format!(
            "{} is not empty: pass --force to replace what it holds",
            dir.display()
        ))
        .into());
    }
    std::fs::create_dir_all(dir)?;
    for name in outdir::OUTPUTS {
        let p = dir.join(name);
        let _ = if p.is_dir() {
            std::fs::remove_dir_all(&p)
        } else {
            std::fs::remove_file(&p)
        };
    }
    let _ = std::fs::remove_dir_all(dir.join("coverage"));
    crate::outputs::check_out_dir(dir)?;
    Ok(())
}

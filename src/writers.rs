//! The files a scan leaves in its output directory, sorted so that equal scans give equal files
//! (the mirror files are in `mirrors`).
use crate::plan::Cell;
use crate::records::{Findings, Fod, Reach};
use crate::runner::{CellStats, Scan};
use crate::{graph_file, mirrors};
use anyhow::{Context, Result};
use petgraph::graph::NodeIndex;
use serde::Serialize;
use serde_json::json;
use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;

/// Writes `name` in `dir` through a temporary file, so a reader never sees half a file.
pub fn write_file(
    dir: &Path,
    name: &str,
    fill: impl FnOnce(&mut dyn Write) -> Result<()>,
) -> Result<()> {
    let tmp = dir.join(format!(".{name}.tmp"));
    let mut out = std::io::BufWriter::new(
        std::fs::File::create(&tmp).with_context(|| format!("creating {}", tmp.display()))?,
    );
    fill(&mut out)?;
    out.flush()?;
    drop(out);
    std::fs::rename(&tmp, dir.join(name)).with_context(|| format!("writing {name}"))
}

pub fn write_all(
    dir: &Path,
    findings: &Findings,
    scan: &Scan,
    cells: &[Cell],
    (wall, complete): (f64, bool),
    revision: Option<&str>,
) -> Result<()> {
    write_file(dir, "fods.jsonl", |w| {
        for fod in findings.fods.values() {
            serde_json::to_writer(&mut *w, &fod_line(fod, &scan.roots))?;
            w.write_all(b"\n")?;
        }
        Ok(())
    })?;
    write_file(dir, "failures.jsonl", |w| {
        for f in &findings.failures {
            serde_json::to_writer(&mut *w, f)?;
            w.write_all(b"\n")?;
        }
        Ok(())
    })?;
    write_file(dir, "store-paths", |w| {
        for out in findings.fods.keys() {
            writeln!(w, "{out}")?;
        }
        Ok(())
    })?;
    write_file(dir, "closure-paths", |w| {
        let mut paths: Vec<&str> = scan
            .graph
            .graph
            .node_weights()
            .flat_map(|n| n.outputs.iter().map(String::as_str))
            .collect();
        paths.sort_unstable();
        paths.dedup();
        for p in paths {
            writeln!(w, "{p}")?;
        }
        Ok(())
    })?;
    write_file(dir, "graph.jsonl", |w| {
        graph_file::write(w, &scan.graph, &scan.roots)
    })?;
    let mirrors = mirrors::write_all(dir, &findings.fods, scan.graph.store_root(), revision)?;
    write_file(dir, "summary.json", |w| {
        let mut s = summary(findings, &scan.roots, cells, &scan.stats, wall, complete);
        s["mirrors"] = serde_json::to_value(&mirrors)?;
        serde_json::to_writer_pretty(&mut *w, &s)?;
        w.write_all(b"\n")?;
        Ok(())
    })
}

/// One line of fods.jsonl, its reaches resolved and sorted; built one FOD at a time so that the
/// millions of reaches of a real tree are never all held as strings.
#[derive(Serialize)]
struct FodLine<'a> {
    #[serde(rename = "outPath")]
    out_path: &'a str,
    #[serde(rename = "drvPath")]
    drv_path: &'a str,
    name: &'a str,
    hash: &'a str,
    #[serde(rename = "hashMode")]
    hash_mode: &'a str,
    urls: &'a [String],
    fetcher: &'a str,
    #[serde(rename = "reachedBy")]
    reached_by: Vec<&'a Reach>,
}

fn fod_line<'a>(fod: &'a Fod, roots: &'a [(Reach, NodeIndex)]) -> FodLine<'a> {
    let mut reached_by: Vec<&Reach> = fod
        .reached_by
        .iter()
        .map(|&i| &roots[i as usize].0)
        .collect();
    reached_by.sort();
    reached_by.dedup();
    FodLine {
        out_path: &fod.out_path,
        drv_path: &fod.drv_path,
        name: &fod.name,
        hash: &fod.hash,
        hash_mode: &fod.hash_mode,
        urls: &fod.urls,
        fetcher: &fod.fetcher,
        reached_by,
    }
}

fn summary(
    findings: &Findings,
    roots: &[(Reach, NodeIndex)],
    cells: &[Cell],
    stats: &[CellStats],
    wall: f64,
    complete: bool,
) -> serde_json::Value {
    // Which cells reach each FOD, to count per cell and unique to a cell.
    let mut per_cell: BTreeMap<(&str, &str), (u64, u64)> = BTreeMap::new();
    for fod in findings.fods.values() {
        let mut reached: Vec<(&str, &str)> = fod
            .reached_by
            .iter()
            .map(|&i| &roots[i as usize].0)
            .map(|r| (r.system.as_str(), r.config.as_str()))
            .collect();
        reached.sort();
        reached.dedup();
        for c in &reached {
            let e = per_cell.entry(*c).or_default();
            e.0 += 1;
            e.1 += u64::from(reached.len() == 1);
        }
    }
    let cells_json: Vec<_> = cells
        .iter()
        .zip(stats)
        .map(|(c, s)| {
            let (fods, unique) = per_cell.get(&(c.system.as_str(), c.label.as_str())).copied().unwrap_or_default();
            json!({
                "system": c.system, "config": c.label, "attributesVisited": s.visited,
                "derivations": s.derivations, "fods": fods, "uniqueFods": unique, "failures": s.failures,
                "cyclesPruned": s.cycles_pruned, "depthPruned": s.depth_pruned,
                "wallSeconds": (s.wall.as_secs_f64() * 10.0).round() / 10.0,
            })
        })
        .collect();
    json!({
        "complete": complete,
        "cells": cells_json,
        "totals": {
            "attributesVisited": stats.iter().map(|s| s.visited).sum::<u64>(),
            "derivations": stats.iter().map(|s| s.derivations).sum::<u64>(),
            "fods": findings.fods.len(),
            "failures": findings.failures.len(),
            "wallSeconds": (wall * 10.0).round() / 10.0,
        },
    })
}

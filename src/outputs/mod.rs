//! The files a scan leaves in its output directory, each format with its writer and its
//! reader, sorted so that equal scans give equal files. Each file is written through a
//! temporary file, so a reader never sees half of one.
pub mod check_file;
pub mod failures;
pub mod fods;
pub mod graph_file;
pub mod mirrors;
pub mod paths;
pub mod summary;

use crate::graph::DrvGraph;
use crate::model::{Cell, CellStats, Findings, Reach};
use anyhow::{Context, Result};
use petgraph::graph::NodeIndex;
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

/// What a scan's outputs are made from.
pub struct ScanOutputs<'a> {
    pub dir: &'a Path,
    pub findings: &'a Findings,
    pub graph: &'a DrvGraph,
    /// Each root attribute and its derivation (graph.jsonl lists them).
    pub roots: &'a [(Reach, NodeIndex)],
    pub cells: &'a [Cell],
    pub stats: &'a [CellStats],
    pub wall: f64,
    pub complete: bool,
    /// The tree's revision, for sources.json.
    pub revision: Option<&'a str>,
}

pub fn write_all(s: &ScanOutputs) -> Result<()> {
    let (dir, findings) = (s.dir, s.findings);
    write_file(dir, "fods.jsonl", |w| {
        fods::write(w, findings.fods.values())
    })?;
    write_file(dir, "failures.jsonl", |w| {
        failures::write(w, &findings.failures)
    })?;
    write_file(dir, "store-paths", |w| {
        paths::write(w, findings.fods.keys().map(String::as_str))
    })?;
    write_file(dir, "closure-paths", |w| {
        let outputs = s.graph.graph.node_weights().flat_map(|n| &n.outputs);
        paths::write(w, outputs.map(String::as_str))
    })?;
    write_file(dir, "graph.jsonl", |w| {
        graph_file::write(w, s.graph, s.roots)
    })?;
    let mirrors = mirrors::write_all(dir, &findings.fods, s.graph.store_root(), s.revision)?;
    let drv_files = s.graph.graph.node_count();
    let v = summary::summary(
        &summary::Found::of(findings),
        s.cells,
        s.stats,
        drv_files,
        s.wall,
        s.complete,
    );
    write_summary(dir, v, &mirrors)
}

/// summary.json: `v` with what went into the mirror files.
pub fn write_summary(
    dir: &Path,
    mut v: serde_json::Value,
    mirrors: &mirrors::Counts,
) -> Result<()> {
    v["mirrors"] = serde_json::to_value(mirrors)?;
    write_file(dir, "summary.json", |w| {
        serde_json::to_writer_pretty(&mut *w, &v)?;
        w.write_all(b"\n")?;
        Ok(())
    })
}

/// `s` with the characters HTML gives a meaning escaped.
pub fn html_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            c => out.push(c),
        }
    }
    out
}

/// The output directory must be creatable and writable.
pub fn check_out_dir(dir: &Path) -> Result<(), crate::error::BadInput> {
    let probe = dir.join(".fodfuzz-write-test");
    std::fs::create_dir_all(dir)
        .and_then(|_| std::fs::write(&probe, b""))
        .and_then(|_| std::fs::remove_file(&probe))
        .map_err(|e| {
            crate::error::bad(format!(
                "cannot write to output directory {}: {e}",
                dir.display()
            ))
        })
}

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
    let mut w = Phases::default();
    w.run("fods.jsonl", || {
        write_file(dir, "fods.jsonl", |w| {
            fods::write(w, findings.fods.values())
        })
    });
    w.run("failures.jsonl", || {
        write_file(dir, "failures.jsonl", |w| {
            failures::write(w, &findings.failures)
        })
    });
    w.run("store-paths", || {
        write_file(dir, "store-paths", |w| {
            paths::write(w, findings.fods.keys().map(String::as_str))
        })
    });
    w.run("closure-paths", || {
        write_file(dir, "closure-paths", |w| {
            let outputs = s.graph.graph.node_weights().flat_map(|n| &n.outputs);
            paths::write(w, outputs.map(String::as_str))
        })
    });
    w.run("graph.jsonl", || {
        write_file(dir, "graph.jsonl", |w| {
            graph_file::write(w, s.graph, s.roots)
        })
    });
    let mut counts = None;
    w.run("mirror files", || {
        counts = Some(mirrors::write_all(
            dir,
            &findings.fods,
            s.graph.store_root(),
            s.revision,
        )?);
        Ok(())
    });
    let drv_files = s.graph.graph.node_count();
    let mut v = summary::summary(
        &summary::Found::of(findings),
        s.cells,
        s.stats,
        drv_files,
        s.wall,
        s.complete,
    );
    if !w.failed.is_empty() {
        v["failedPhases"] = serde_json::to_value(&w.failed)?;
    }
    write_summary(dir, v, counts.as_ref())?;
    match w.error {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

/// A part of writing the outputs that failed: its file is missing (or an earlier run's), the
/// others are whole. summary.json lists them as `failedPhases`.
#[derive(Clone, Debug, serde::Serialize)]
pub struct FailedPhase {
    pub phase: String,
    pub error: String,
}

/// The phases of writing a scan's outputs run one after the other, and one that fails does not
/// keep the next from writing its file: nothing a run found is lost to a later phase.
#[derive(Default)]
struct Phases {
    failed: Vec<FailedPhase>,
    /// The first error that was no panic (a full disk): the command still fails with it, after
    /// every other file is written.
    error: Option<anyhow::Error>,
}

impl Phases {
    fn run(&mut self, phase: &str, f: impl FnOnce() -> Result<()>) {
        let error = match crate::isolate::item("write", phase, f) {
            Ok(Ok(())) => return,
            Ok(Err(e)) => {
                let text = format!("{e:#}");
                self.error
                    .get_or_insert(e.context(format!("writing {phase}")));
                text
            }
            Err(m) => format!("internal error: {m}"),
        };
        self.failed.push(FailedPhase {
            phase: phase.to_owned(),
            error,
        });
    }
}

/// summary.json: `v` with what went into the mirror files (`null` when they were not written).
pub fn write_summary(
    dir: &Path,
    mut v: serde_json::Value,
    mirrors: Option<&mirrors::Counts>,
) -> Result<()> {
    v["mirrors"] = serde_json::to_value(mirrors)?;
    write_summary_value(dir, &v)
}

fn write_summary_value(dir: &Path, v: &serde_json::Value) -> Result<()> {
    write_file(dir, "summary.json", |w| {
        serde_json::to_writer_pretty(&mut *w, v)?;
        w.write_all(b"\n")?;
        Ok(())
    })
}

/// Adds a phase that failed after summary.json was written (the coverage, which runs beside the
/// other outputs) to its `failedPhases`.
pub fn add_failed_phase(dir: &Path, failed: FailedPhase) -> Result<()> {
    let path = dir.join("summary.json");
    let text =
        std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    let mut v: serde_json::Value =
        serde_json::from_str(&text).with_context(|| format!("{}", path.display()))?;
    let mut all = v["failedPhases"].as_array().cloned().unwrap_or_default();
    all.push(serde_json::to_value(failed)?);
    v["failedPhases"] = serde_json::Value::Array(all);
    write_summary_value(dir, &v)
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

//! Coverage of the fetch sites written in a tree: every hash literal of its `.nix` files (found
//! with rnix, a real Nix parser), whether a scan reached it (a FOD of the scan has its digest),
//! and for each one not reached, why, from static analysis and the scan's own records. Also the
//! inputs a configuration search needs: the systems, config keys, string options and package
//! arguments the tree itself names.
pub mod blocked;
pub mod command;
pub mod cond;
pub mod context;
pub mod facts;
pub mod failed;
pub mod inputs;
pub mod neighbours;
pub mod platforms;
pub mod reasons;
pub mod refs;
pub mod report;
pub mod scan;
pub mod sites;
pub mod syntax;
pub mod systems;
pub mod tree;
pub mod ways;

use crate::model::{Cell, Findings};
use anyhow::Result;
use std::path::Path;

/// Coverage of a scan of the tree at `tree` that has just run, written into `out` beside its
/// other outputs; returns the counts (literals, reached).
pub fn write_for_scan(
    out: &Path,
    tree: &Path,
    findings: &Findings,
    cells: &[Cell],
) -> Result<(usize, usize)> {
    let reached = scan::Reached::from_findings(findings);
    let run = scan::Run {
        failures: findings.failures.iter().cloned().collect(),
        ..scan::Run::default()
    };
    assess_and_write(out, tree, &reached, run, cells)
}

/// Coverage of a merged scan in `out` (`fodfuzz merge`), from its files, as the scan would have
/// written it.
pub fn write_for_merge(out: &Path, tree: &Path, cells: &[Cell]) -> Result<(usize, usize)> {
    let (reached, run) = scan::read(out)?;
    assess_and_write(out, tree, &reached, run, cells)
}

/// The run's systems and configs from its cells (configs as written, not their names), then
/// the coverage.
fn assess_and_write(
    out: &Path,
    tree: &Path,
    reached: &scan::Reached,
    mut run: scan::Run,
    cells: &[Cell],
) -> Result<(usize, usize)> {
    let analysed = tree::analyse(tree)?;
    (run.cells, run.systems, run.configs) = (cells.len(), Vec::new(), Vec::new());
    for c in cells {
        if !run.systems.contains(&c.system) {
            run.systems.push(c.system.clone());
        }
        if !run.configs.contains(&c.config) {
            run.configs.push(c.config.clone());
        }
    }
    let c = report::assess(&analysed, reached, &run);
    crate::outputs::write_coverage(out, &analysed.root, &c)?;
    Ok((c.literals(), c.reached()))
}

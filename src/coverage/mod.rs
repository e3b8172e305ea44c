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
pub mod files;
pub mod html;
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

/// Coverage of a scan of the `analysed` tree that has just run, written into `out` beside its
/// other outputs; returns the counts (literals, reached).
pub fn write_for_scan(
    out: &Path,
    analysed: &tree::Tree,
    findings: &Findings,
    cells: &[Cell],
) -> Result<(usize, usize)> {
    let c = assess_run(analysed, findings, cells);
    write_files(out, &analysed.root, &c)?;
    Ok((c.literals(), c.reached()))
}

/// The coverage of `findings` made by a run of `cells` over the analysed tree: a literal is
/// reached under the systems of the cells.
pub fn assess_run(analysed: &tree::Tree, findings: &Findings, cells: &[Cell]) -> report::Coverage {
    let reached = scan::Reached::from_findings(findings);
    // Only the failures of these cells: a search's variation that fails (a package without
    // `override`) says nothing about the package in the cells counted.
    let failures = findings.failures.iter().filter(|f| {
        cells
            .iter()
            .any(|c| c.system == f.system && c.label == f.config)
    });
    let run = scan::Run {
        failures: failures.cloned().collect(),
        ..scan::Run::default()
    };
    report::assess(analysed, &reached, &of_cells(run, cells))
}

/// Coverage of a merged scan in `out` (`fodfuzz merge`), from its files, as the scan would have
/// written it.
pub fn write_for_merge(out: &Path, tree: &Path, cells: &[Cell]) -> Result<(usize, usize)> {
    let (reached, run) = scan::read(out)?;
    let analysed = tree::analyse(tree)?;
    let c = report::assess(&analysed, &reached, &of_cells(run, cells));
    write_files(out, &analysed.root, &c)?;
    Ok((c.literals(), c.reached()))
}

/// The run's systems and configs from its cells (configs as written, not their names).
/// Failing "in every cell" is judged against whole cells: a variation evaluates a few
/// attributes only.
fn of_cells(mut run: scan::Run, cells: &[Cell]) -> scan::Run {
    run.cells = cells.iter().filter(|c| c.start.is_empty()).count().max(1);
    (run.systems, run.configs) = (Vec::new(), Vec::new());
    for c in cells {
        if !run.systems.contains(&c.system) {
            run.systems.push(c.system.clone());
        }
        if !run.configs.contains(&c.config) {
            run.configs.push(c.config.clone());
        }
    }
    run
}

/// coverage.json, coverage.txt and the HTML report in coverage/, for a scan of the tree at
/// `tree`.
pub fn write_files(
    dir: &std::path::Path,
    tree: &std::path::Path,
    c: &report::Coverage,
) -> Result<()> {
    crate::outputs::write_file(dir, "coverage.json", |w| files::write_json(w, c))?;
    crate::outputs::write_file(dir, "coverage.txt", |w| files::write_text(w, c))?;
    html::write(dir, tree, c)
}

//! What a search has found so far, round after round: one private store, one derivation graph
//! (each round's runner adds to it), the union of the findings, every cell tried. After each
//! round every output is written again, so a run killed later loses nothing already found.
use crate::coverage::report::Coverage;
use crate::coverage::tree::Tree;
use crate::graph::DrvGraph;
use crate::model::{Cell, CellStats, FailureKind, Findings, Reach};
use crate::nix::attrpath;
use crate::outputs::{self, ScanOutputs};
use crate::progress::Progress;
use crate::scan::{self, Prepared};
use anyhow::Result;
use petgraph::graph::NodeIndex;
use std::collections::HashMap;
use std::time::Instant;

#[derive(Default)]
pub struct Found {
    pub graph: Option<DrvGraph>,
    pub roots: Vec<(Reach, NodeIndex)>,
    pub findings: Findings,
    pub cells: Vec<Cell>,
    pub stats: Vec<CellStats>,
    /// The signal that stopped a round, if one did.
    pub interrupted: Option<i32>,
    /// A round was stopped at the deadline.
    pub out_of_time: bool,
}

/// What one round found on its own (to tell which variation added what).
pub struct Round {
    pub findings: Findings,
}

impl Found {
    /// Runs `cells` as one round (the default matrix replays `replay`; later rounds have a
    /// journal of their own) and adds what it finds.
    pub fn round(
        &mut self,
        p: &mut Prepared,
        cells: Vec<Cell>,
        journal_file: &std::path::Path,
        resume: bool,
        deadline: Instant,
        progress: &mut Progress,
    ) -> Result<Round> {
        let (mut journal, replay) = scan::open_journal(p, journal_file, resume)?;
        p.setup.cells_expr = scan::cells_expr(&cells);
        p.cells = cells;
        let finished = scan::walk(
            p,
            &mut journal,
            replay,
            progress,
            self.graph.take(),
            Some(deadline),
        )?;
        progress.finish();
        let (roots, mut findings) = scan::collect(&p.cells, &finished);
        drop_missed_starts(&p.cells, &mut findings);
        self.interrupted = finished.interrupted;
        self.out_of_time |= finished.out_of_time;
        self.roots.extend(roots);
        self.findings.merge(findings.clone());
        self.cells.extend(p.cells.iter().cloned());
        self.stats.extend(finished.walked.stats);
        self.graph = Some(finished.built.graph);
        Ok(Round { findings })
    }

    /// Writes every output of a scan, and the coverage, into `p.out`; returns the coverage.
    pub fn write(&self, p: &Prepared, tree: &Tree, wall: f64) -> Result<Coverage> {
        let graph = self.graph.as_ref().expect("a round ran");
        outputs::write_all(&ScanOutputs {
            dir: &p.out,
            findings: &self.findings,
            graph,
            roots: &self.roots,
            cells: &self.cells,
            stats: &self.stats,
            wall,
            complete: self.interrupted.is_none() && !self.out_of_time,
            revision: p.revision.as_deref(),
        })?;
        // Reasons as if only the whole cells ran: a config key a variation set for a few
        // attributes (`i18n.defaultLocale = "de"` for firefox-bin) is not tried for every
        // other value and package. Cheap variations run on systems of whole cells, so what
        // counts as reached is the same.
        let whole: Vec<Cell> = self
            .cells
            .iter()
            .filter(|c| c.start.is_empty())
            .cloned()
            .collect();
        let cov = crate::coverage::assess_run(tree, &self.findings, &whole);
        crate::coverage::write_files(&p.out, &tree.root, &cov)?;
        Ok(cov)
    }
}

/// A start path of an `entries` variation the tree does not have is a guess that missed (an
/// entry no attribute is named for), not a failure of the tree.
fn drop_missed_starts(cells: &[Cell], findings: &mut Findings) {
    let starts: HashMap<(&str, &str), Vec<String>> = cells
        .iter()
        .filter(|c| c.lists)
        .map(|c| {
            let paths = c.start.iter().map(|s| attrpath::show(s)).collect();
            ((c.system.as_str(), c.label.as_str()), paths)
        })
        .collect();
    findings.failures.retain(|f| {
        f.kind != FailureKind::AttributeMissing
            || !starts
                .get(&(f.system.as_str(), f.config.as_str()))
                .is_some_and(|s| s.contains(&f.attr_path))
    });
}

/// The literals reached in `after` that were not in `before`, as `file:line` with the digest
/// (SRI) of the FOD that reaches each (its own, or its twin's: see `SiteCoverage::twin`).
pub fn gained(before: &Coverage, after: &Coverage) -> Vec<(String, String)> {
    let reached = |c: &Coverage| -> HashMap<(String, u32, String), String> {
        c.files
            .iter()
            .flat_map(|f| {
                f.sites.iter().filter(|s| s.unreached.is_none()).map(|s| {
                    let key = (f.file.clone(), s.line, s.hash.clone());
                    (key, s.fod_hash().to_owned())
                })
            })
            .collect()
    };
    let old = reached(before);
    let mut out: Vec<(String, String)> = reached(after)
        .into_iter()
        .filter(|(k, _)| !old.contains_key(k))
        .map(|((file, line, _), fod)| (format!("{file}:{line}"), fod))
        .collect();
    out.sort();
    out
}

/// Which of a round's cells (by system and label) reach each gained literal: the literals each
/// cell added, by cell index.
pub fn by_cell(cells: &[Cell], round: &Findings, gained: &[(String, String)]) -> Vec<Vec<String>> {
    let mut cells_of: HashMap<&str, Vec<usize>> = HashMap::new();
    for fod in round.fods.values() {
        for r in &fod.reach {
            let hit = cells
                .iter()
                .position(|c| c.system == r.system && c.label == r.config);
            if let Some(i) = hit {
                let v = cells_of.entry(fod.hash.as_str()).or_default();
                if !v.contains(&i) {
                    v.push(i);
                }
            }
        }
    }
    let mut out = vec![Vec::new(); cells.len()];
    for (site, hash) in gained {
        for &i in cells_of.get(hash.as_str()).into_iter().flatten() {
            out[i].push(site.clone());
        }
    }
    out
}

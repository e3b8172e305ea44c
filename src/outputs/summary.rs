//! summary.json: per cell and in total, what the walk did and what it found, and what went into
//! the mirror files.
use crate::model::{Cell, CellReach, CellStats, Findings};
use serde_json::json;
use std::collections::BTreeMap;

/// Wall times in summary.json have one decimal.
fn tenths(secs: f64) -> f64 {
    (secs * 10.0).round() / 10.0
}

/// What summary.json counts of the FODs and failures (a merge counts them as it writes them).
#[derive(Default)]
pub struct Found {
    pub per_cell: BTreeMap<(String, String), PerCell>,
    pub fods: usize,
    pub failures: usize,
    /// FODs that every cell reaches only through attributes that failed.
    pub partial_fods: usize,
}

/// What a cell reaches.
#[derive(Clone, Copy, Default)]
pub struct PerCell {
    fods: u64,
    /// FODs only this cell reaches.
    unique: u64,
    /// FODs the cell reaches only through attributes that failed.
    partial: u64,
}

impl Found {
    /// The counts of a scan's findings.
    pub fn of(findings: &Findings) -> Found {
        let mut found = Found {
            failures: findings.failures.len(),
            ..Found::default()
        };
        for fod in findings.fods.values() {
            found.add_fod(&fod.reach);
        }
        found
    }

    /// Counts one FOD reached by these cells.
    pub fn add_fod(&mut self, reach: &[CellReach]) {
        let unique = u64::from(reach.len() == 1);
        for c in reach {
            let e = self
                .per_cell
                .entry((c.system.clone(), c.config.clone()))
                .or_default();
            e.fods += 1;
            e.unique += unique;
            e.partial += u64::from(c.attributes == 0);
        }
        self.fods += 1;
        self.partial_fods += usize::from(reach.iter().all(|c| c.attributes == 0));
    }
}

/// The summary without its `mirrors` part.
pub fn summary(
    found: &Found,
    cells: &[Cell],
    stats: &[CellStats],
    drv_files: usize,
    wall: f64,
    complete: bool,
) -> serde_json::Value {
    let cells_json: Vec<_> = cells
        .iter()
        .zip(stats)
        .map(|(c, s)| {
            let n = found
                .per_cell
                .get(&(c.system.clone(), c.label.clone()))
                .copied()
                .unwrap_or_default();
            json!({
                "system": c.system, "config": c.label, "attributesVisited": s.visited,
                "derivations": s.derivations, "fods": n.fods, "uniqueFods": n.unique,
                "failures": s.failures, "partialAttributes": s.partial_attributes,
                "partialFods": n.partial,
                "cyclesPruned": s.cycles_pruned, "depthPruned": s.depth_pruned,
                "packageSetsPruned": s.package_sets_pruned, "nixosPruned": s.nixos_pruned,
                "aliasedSets": s.aliased_sets, "visitsSaved": s.visits_saved,
                "enteredDerivations": s.entered_derivations,
                "wallSeconds": tenths(s.wall.as_secs_f64()),
            })
        })
        .collect();
    json!({
        "complete": complete,
        "cells": cells_json,
        "totals": {
            "attributesVisited": stats.iter().map(|s| s.visited).sum::<u64>(),
            "derivations": stats.iter().map(|s| s.derivations).sum::<u64>(),
            "drvFiles": drv_files,
            "fods": found.fods,
            "failures": found.failures,
            "partialAttributes": stats.iter().map(|s| s.partial_attributes).sum::<u64>(),
            "partialFods": found.partial_fods,
            "packageSetsPruned": stats.iter().map(|s| s.package_sets_pruned).sum::<u64>(),
            "nixosPruned": stats.iter().map(|s| s.nixos_pruned).sum::<u64>(),
            "aliasedSets": stats.iter().map(|s| s.aliased_sets).sum::<u64>(),
            "visitsSaved": stats.iter().map(|s| s.visits_saved).sum::<u64>(),
            "enteredDerivations": stats.iter().map(|s| s.entered_derivations).sum::<u64>(),
            "wallSeconds": tenths(wall),
        },
    })
}

/// The cells of a written summary.json: (system, config) each.
pub fn read_cells(path: &std::path::Path) -> anyhow::Result<Vec<(String, String)>> {
    use anyhow::Context;
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let v: serde_json::Value =
        serde_json::from_str(&text).with_context(|| format!("{}", path.display()))?;
    let cells = v["cells"].as_array().map_or(&[][..], Vec::as_slice);
    Ok(cells
        .iter()
        .filter_map(|c| {
            Some((
                c["system"].as_str()?.to_owned(),
                c["config"].as_str()?.to_owned(),
            ))
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{
        CellReach, Failure, FailureKind, Fetcher, Fod, HashMode, Nearest, Reach, Source,
    };
    use std::time::Duration;

    fn cell(system: &str, label: &str) -> Cell {
        Cell::new(system, "{}", label)
    }

    #[test]
    fn counts_per_cell_unique_and_totals() {
        let cells = [cell("x86_64-linux", "{}"), cell("aarch64-linux", "{}")];
        let reach = |system: &str, attr: &str| Reach::new(attr.into(), system, "{}");
        let in_cell = |system: &str, attributes| CellReach {
            system: system.into(),
            config: "{}".into(),
            attributes,
            partial: u64::from(attributes == 0),
            distance: 1,
            nearest: vec![Nearest::plain("a")],
        };
        let mut findings = Findings::default();
        for (out, reach) in [
            (
                "/nix/store/1-s",
                vec![in_cell("aarch64-linux", 1), in_cell("x86_64-linux", 2)],
            ),
            ("/nix/store/2-t", vec![in_cell("x86_64-linux", 2)]),
            // Reached only by an attribute that failed, in one cell.
            (
                "/nix/store/3-u",
                vec![in_cell("aarch64-linux", 0), in_cell("x86_64-linux", 1)],
            ),
        ] {
            findings.add_fod(Fod {
                out_path: out.into(),
                drv_path: format!("{out}.drv"),
                name: "s".into(),
                hash: "sha256-A".into(),
                hash_mode: HashMode::Flat,
                urls: vec![],
                fetcher: Fetcher::Url,
                recipe: Default::default(),
                source: Source::default(),
                reach,
            });
        }
        findings.failures.insert(Failure::new(
            reach("aarch64-linux", "c"),
            FailureKind::Throw,
            "m".into(),
        ));
        let stats = [
            CellStats {
                visited: 4,
                derivations: 2,
                wall: Duration::from_millis(1234),
                ..CellStats::default()
            },
            CellStats {
                visited: 3,
                derivations: 1,
                failures: 1,
                partial_attributes: 1,
                ..CellStats::default()
            },
        ];
        let s = summary(&Found::of(&findings), &cells, &stats, 9, 5.55, true);
        assert_eq!(s["cells"][0]["fods"], 3);
        assert_eq!(s["cells"][0]["partialFods"], 0);
        assert_eq!(
            s["cells"][0]["uniqueFods"], 1,
            "only x86_64-linux reaches t"
        );
        assert_eq!(s["cells"][0]["wallSeconds"], 1.2);
        assert_eq!(s["cells"][1]["fods"], 2);
        assert_eq!(s["cells"][1]["partialFods"], 1);
        assert_eq!(s["cells"][1]["partialAttributes"], 1);
        assert_eq!(s["cells"][1]["uniqueFods"], 0);
        assert_eq!(s["cells"][1]["failures"], 1);
        assert_eq!(s["totals"]["attributesVisited"], 7);
        assert_eq!(s["totals"]["derivations"], 3);
        assert_eq!(s["totals"]["drvFiles"], 9);
        assert_eq!(s["totals"]["fods"], 3);
        assert_eq!(
            s["totals"]["partialFods"], 0,
            "x86_64-linux reaches u whole"
        );
        assert_eq!(s["totals"]["partialAttributes"], 1);
        assert_eq!(s["totals"]["failures"], 1);
        assert_eq!(s["totals"]["wallSeconds"], 5.6);
        assert_eq!(s["complete"], true);
    }
}

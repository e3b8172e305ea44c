//! summary.json's per-cell counts of a merge: the shards' counts added up, the root's visits
//! (every shard visits it) counted once, and sets two shards walked counted as one scan counts
//! them (see [`super::aliases`]). Wall times are the longest shard's: the time the scan took
//! with the shards side by side.
use super::aliases::{self, Aliased, Delta};
use super::entries::Entries;
use super::inputs::ShardDir;
use crate::model::{Cell, CellStats};
use anyhow::{Context, Result};
use std::path::Path;
use std::time::Duration;

/// The merged counts of each cell and the merged wall time.
pub fn merged(
    shards: &[ShardDir],
    cells: &[Cell],
    decided: &Decided,
) -> Result<(Vec<CellStats>, f64)> {
    let mut stats = vec![CellStats::default(); cells.len()];
    let mut wall: f64 = 0.0;
    for (i, shard) in shards.iter().enumerate() {
        let listed = shard.summary["cells"]
            .as_array()
            .context("summary.json without cells")?;
        for (c, (s, v)) in stats.iter_mut().zip(listed).enumerate() {
            let n = |k: &str| v[k].as_u64().unwrap_or(0);
            s.visited += n("attributesVisited");
            if i > 0 {
                s.visited -= shard
                    .manifest
                    .root_visits
                    .get(c)
                    .copied()
                    .unwrap_or(0)
                    .min(s.visited);
            }
            s.derivations += n("derivations");
            s.failures += n("failures");
            s.cycles_pruned += n("cyclesPruned");
            s.depth_pruned += n("depthPruned");
            s.package_sets_pruned += n("packageSetsPruned");
            s.nixos_pruned += n("nixosPruned");
            s.aliased_sets += n("aliasedSets");
            s.visits_saved += n("visitsSaved");
            s.partial_attributes += n("partialAttributes");
            s.entered_derivations += n("enteredDerivations");
            let secs = v["wallSeconds"].as_f64().unwrap_or(0.0);
            s.wall = s.wall.max(Duration::from_secs_f64(secs));
        }
        wall = wall.max(
            shard.summary["totals"]["wallSeconds"]
                .as_f64()
                .unwrap_or(0.0),
        );
    }
    for (s, d) in stats.iter_mut().zip(&decided.deltas) {
        d.apply(s);
    }
    decided.entries.settle(&mut stats, &decided.aliased);
    Ok((stats, wall))
}

/// What the merge decides before it writes: which sets two shards walked are aliases (asked
/// through Nix once), and which derivations two shards entered it keeps. Each depends on the
/// other (one scan walks no set below a derivation it entered elsewhere, and enters nothing
/// inside an alias), so both are decided again until they agree.
pub struct Decided {
    pub entries: Entries,
    deltas: Vec<Delta>,
    aliased: Aliased,
    /// Set when the sets could not be compared.
    pub warning: Option<String>,
}

pub fn decide(shards: &[ShardDir], cells: &[Cell], work: &Path) -> Result<Decided> {
    let pairs = aliases::candidates(shards);
    let first = &shards[0].manifest;
    let cells_expr = crate::scan::cells_expr(cells);
    let skips = aliases::skips(shards);
    let (equal, warning) = match aliases::compare(
        &pairs,
        &skips,
        &first.evaluate,
        &cells_expr,
        work,
    ) {
        Ok(equal) => (equal, None),
        Err(e) => (
            Default::default(),
            Some(format!(
                "fodfuzz: warning: {} pairs of package sets with the same names, walked in different shards, not compared ({e:#}): summary.json counts each as walked, not as an alias",
                pairs.len()
            )),
        ),
    };
    let (mut deltas, mut aliased) = aliases::deltas(shards, cells.len(), &equal, &|_, _, _| 0);
    let mut entries = Entries::new(shards, cells, &aliased);
    for _ in 0..8 {
        // A set walked below a derivation the merge drops is not walked by one scan.
        let kept: Vec<ShardDir> = shards
            .iter()
            .enumerate()
            .map(|(s, shard)| {
                let mut shard = shard.clone();
                let sets = &mut shard.manifest.sets;
                sets.retain(|r| entries.keeps_walked(s, r.cell, &r.path));
                shard
            })
            .collect();
        let dropped = |s, cell, path: &[String]| entries.dropped_visits_below(s, cell, path);
        let again = aliases::deltas(&kept, cells.len(), &equal, &dropped);
        let settled = again.1 == aliased;
        (deltas, aliased) = again;
        if settled {
            break;
        }
        entries = Entries::new(shards, cells, &aliased);
    }
    Ok(Decided {
        entries,
        deltas,
        aliased,
        warning,
    })
}

//! fods.jsonl of a merge: who reaches each FOD, computed again from the merged graph.jsonl with
//! the scan's own code ([`DrvGraph::findings`]). Adding up the shards' reaches would count what
//! lies below a derivation two shards entered twice, and the nearest attributes one shard listed
//! may be ones the merge drops ([`super::entries`]).
use crate::graph::DrvGraph;
use crate::model::{Fod, Reach};
use crate::nix::fixed::Fixed;
use crate::outputs::summary::Found;
use crate::outputs::{fods, graph_file, write_file};
use anyhow::{Context, Result};
use petgraph::graph::NodeIndex;
use std::collections::BTreeMap;
use std::path::Path;

/// Writes fods.jsonl from the merged graph.jsonl in `out` and the FODs' descriptions (by
/// output path).
pub fn write(out: &Path, described: &BTreeMap<String, Fod>, found: &mut Found) -> Result<()> {
    let g = graph_file::read_in(out)?.context("the merged graph.jsonl is missing")?;
    let edges: Vec<(usize, usize)> = g
        .drvs
        .iter()
        .enumerate()
        .flat_map(|(i, d)| d.inputs.iter().map(move |&j| (i, j as usize)))
        .collect();
    let drvs = g
        .drvs
        .into_iter()
        .map(|d| (d.path, d.outputs.unwrap_or_default()));
    let graph = DrvGraph::from_parts(drvs.collect(), edges, |outputs| {
        let fod = outputs.iter().find_map(|o| described.get(o))?;
        Some(Fixed {
            out_path: fod.out_path.clone(),
            name: fod.name.clone(),
            hash: fod.hash.clone(),
            hash_mode: fod.hash_mode,
            urls: fod.urls.clone(),
            fetcher: fod.fetcher,
            recipe: fod.recipe.clone(),
            source: fod.source.clone(),
        })
    });
    let roots: Vec<(Reach, NodeIndex)> = g
        .roots
        .iter()
        .map(|r| (r.reach(), NodeIndex::new(r.drv)))
        .collect();
    let findings = graph.findings(&roots);
    write_file(out, "fods.jsonl", |w| {
        for fod in findings.fods.values() {
            found.add_fod(&fod.reach);
        }
        fods::write(w, findings.fods.values())
    })
}

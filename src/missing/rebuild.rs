//! Which sources (FODs) a cache lacks that rebuilding what it lacks would need: from each
//! derivation with a missing output that is not itself a source (and from each root attribute
//! that is a missing source), down the inputs of graph.jsonl through derivations that need
//! building; one whose outputs are all in the cache is substituted, so nothing below it is needed
//! through it. Every missing derivation is a start, also one below a cached one: a cache need not
//! hold the whole closure of what it holds, and an offline site must not come up short.
use crate::outputs::graph_file;
use anyhow::Result;
use std::path::Path;

struct Drv {
    /// Some output is not known to be in the cache (missing, unknown or not looked up).
    build: bool,
    /// Its output, when it is a FOD.
    fod: Option<String>,
    inputs: Vec<u32>,
}

/// The FOD outPaths to fetch, sorted; `None` when graph.jsonl is absent or predates its
/// `outputs` field, so that the graph cannot tell.
pub fn needed_sources(
    dir: &Path,
    fods: &[String],
    present: impl Fn(&str) -> bool,
) -> Result<Option<Vec<String>>> {
    let Some(graph) = graph_file::read_in(dir)? else {
        return Ok(None);
    };
    let mut drvs: Vec<Drv> = Vec::with_capacity(graph.drvs.len());
    for d in graph.drvs {
        let Some(outputs) = d.outputs else {
            return Ok(None);
        };
        let fod = match outputs.as_slice() {
            [o] if fods.binary_search(o).is_ok() => Some(o.clone()),
            _ => None,
        };
        drvs.push(Drv {
            build: !outputs.iter().all(|o| present(o)),
            fod,
            inputs: d.inputs,
        });
    }
    let mut seen = vec![false; drvs.len()];
    let mut stack = Vec::new();
    for r in graph.roots.iter().map(|r| r.drv) {
        if drvs[r].build && drvs[r].fod.is_some() && !seen[r] {
            seen[r] = true;
            stack.push(r);
        }
    }
    for (i, d) in drvs.iter().enumerate() {
        if d.build && d.fod.is_none() && !seen[i] {
            seen[i] = true;
            stack.push(i);
        }
    }
    let mut sources = Vec::new();
    while let Some(i) = stack.pop() {
        sources.extend(drvs[i].fod.clone());
        for &j in &drvs[i].inputs {
            let j = j as usize;
            if drvs[j].build && !seen[j] {
                seen[j] = true;
                stack.push(j);
            }
        }
    }
    // One source can have several .drv files (fetchurl with different mirror lists): one line.
    sources.sort_unstable();
    sources.dedup();
    Ok(Some(sources))
}

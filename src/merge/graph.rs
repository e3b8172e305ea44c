//! graph.jsonl of the shards: derivations are numbered in the order of their paths, so a
//! derivation's number in the merged graph is its place among the paths of all shards. Two
//! passes over the files: the first numbers every path (keeping, per shard, its numbers'
//! merged numbers: 4 bytes a derivation), the second writes each derivation once with its
//! inputs renumbered, then the roots.
use super::entries::Entries;
use super::inputs::ShardDir;
use super::kway::{self, Stream};
use crate::error::bad;
use crate::nix::attrpath;
use crate::outputs::graph_file::{self, Line, RootLine, RootWriter};
use crate::outputs::write_file;
use anyhow::Result;
use std::path::Path;

const FILE: &str = "graph.jsonl";

/// A shard's derivation lines: (its number, path, outputs, inputs).
type DrvItem = (usize, String, Vec<String>, Vec<u32>);

fn drvs(dir: &Path) -> Result<Stream<'static, DrvItem>> {
    let lines = graph_file::lines(&dir.join(FILE))?;
    Ok(Box::new(lines.map_while(|l| match l {
        Ok(Line::Drv { drv, line }) => Some(Ok((
            drv,
            line.path,
            line.outputs.unwrap_or_default(),
            line.inputs,
        ))),
        Ok(_) => None,
        Err(e) => Some(Err(e)),
    })))
}

fn roots(dir: &Path) -> Result<Stream<'static, RootLine>> {
    Ok(Box::new(graph_file::roots(&dir.join(FILE))?))
}

/// Writes the merged graph.jsonl; returns how many derivations it has.
/// Leaves out the roots below a derivation the merge drops (see [`super::entries`]).
pub fn merge(out: &Path, shards: &[ShardDir], entries: &Entries) -> Result<usize> {
    let names: Vec<String> = shards
        .iter()
        .map(|s| s.dir.join(FILE).display().to_string())
        .collect();
    // Pass 1: each shard's numbers → merged numbers.
    let mut number: Vec<Vec<u32>> = vec![Vec::new(); shards.len()];
    let mut count = 0usize;
    let streams = shards.iter().map(|s| drvs(&s.dir)).collect::<Result<_>>()?;
    kway::merge(
        streams,
        &names,
        |d: &DrvItem| d.1.clone(),
        |g| {
            for (s, (local, ..)) in g {
                if local != number[s].len() {
                    return Err(
                        bad(format!("{}: derivation {local} out of order", names[s])).into(),
                    );
                }
                number[s].push(count as u32);
            }
            count += 1;
            Ok(())
        },
    )?;
    let renumber = |s: usize, i: usize| -> Result<usize> {
        let n = number[s]
            .get(i)
            .ok_or_else(|| bad(format!("{}: unknown derivation {i}", names[s])))?;
        Ok(*n as usize)
    };
    write_file(out, FILE, |w| {
        let streams = shards.iter().map(|s| drvs(&s.dir)).collect::<Result<_>>()?;
        let mut i = 0;
        kway::merge(
            streams,
            &names,
            |d: &DrvItem| d.1.clone(),
            |mut g| {
                let (s, (_, path, outputs, inputs)) = g.swap_remove(0);
                let inputs = inputs
                    .iter()
                    .map(|&j| renumber(s, j as usize))
                    .collect::<Result<Vec<usize>>>()?;
                graph_file::write_drv(w, i, &path, &outputs, inputs)?;
                i += 1;
                Ok(())
            },
        )?;
        // Each shard's roots with their derivations' merged numbers: an attribute that failed
        // may reach several derivations (partial, `via`), one root each, in the order of the
        // derivations; the number keeps them apart and renumbering keeps that order. Within a
        // shard, roots are sorted by (attribute, system, config) first.
        let streams = (0..shards.len())
            .map(|s| -> Result<Stream<'_, RootLine>> {
                let kept = roots(&shards[s].dir)?.filter(move |r| {
                    r.as_ref().map_or(true, |r| {
                        let cell = entries.cell_of(&r.system, &r.config);
                        cell.is_none_or(|c| entries.keeps(s, c, &attrpath::parse(&r.attr_path)))
                    })
                });
                Ok(Box::new(kept.map(move |r| {
                    let mut r = r?;
                    r.drv = renumber(s, r.drv)?;
                    Ok(r)
                })))
            })
            .collect::<Result<_>>()?;
        let key = |r: &RootLine| {
            (
                r.attr_path.clone(),
                r.system.clone(),
                r.config.clone(),
                r.via,
                r.drv,
            )
        };
        let mut out = RootWriter::default();
        kway::merge(streams, &names, key, |g| {
            let r = &g[0].1;
            out.push(w, &r.reach(), r.drv)
        })?;
        out.finish(w)
    })?;
    Ok(count)
}

//! fods.jsonl, failures.jsonl, store-paths and closure-paths of the shards, merged line by line
//! into what one scan writes. A FOD several shards reach is one line: the description of the
//! smallest drvPath (as one scan keeps), and per cell the reaches of every shard together (their
//! attribute paths never overlap, so the counts add up).
use super::inputs::ShardDir;
use super::kway::{self, Stream};
use crate::error::bad;
use crate::model::{CellReach, Failure, Fod};
use crate::outputs::summary::Found;
use crate::outputs::{failures, fods, write_file};
use crate::scan::shard_files::{self, SourceLine};
use anyhow::{Context, Result};
use std::collections::BTreeMap;
use std::io::BufRead;
use std::path::Path;

/// A file's lines one at a time.
fn lines(file: &Path) -> Result<impl Iterator<Item = Result<String>> + use<>> {
    let f = std::fs::File::open(file).with_context(|| format!("opening {}", file.display()))?;
    let name = file.display().to_string();
    Ok(std::io::BufReader::new(f)
        .lines()
        .map(move |l| l.with_context(|| name.clone())))
}

fn names(shards: &[ShardDir], file: &str) -> Vec<String> {
    shards
        .iter()
        .map(|s| s.dir.join(file).display().to_string())
        .collect()
}

/// store-paths or closure-paths: the sorted union.
pub fn paths(out: &Path, shards: &[ShardDir], file: &str) -> Result<usize> {
    let mut streams: Vec<Stream<String>> = Vec::new();
    for s in shards {
        streams.push(Box::new(lines(&s.dir.join(file))?));
    }
    let mut n = 0;
    write_file(out, file, |w| {
        kway::merge(streams, &names(shards, file), String::clone, |mut g| {
            n += 1;
            let (_, line) = g.swap_remove(0);
            Ok(writeln!(w, "{line}")?)
        })
    })?;
    Ok(n)
}

/// failures.jsonl: the union, in the order of the set one scan writes.
pub fn failures(out: &Path, shards: &[ShardDir], found: &mut Found) -> Result<()> {
    let file = "failures.jsonl";
    let mut streams: Vec<Stream<Failure>> = Vec::new();
    for s in shards {
        let path = s.dir.join(file);
        let name = path.display().to_string();
        streams.push(Box::new(lines(&path)?.enumerate().map(move |(n, l)| {
            let l = l?;
            serde_json::from_str(&l).map_err(|e| bad(format!("{name}:{}: {e}", n + 1)).into())
        })));
    }
    write_file(out, file, |w| {
        kway::merge(streams, &names(shards, file), Failure::clone, |g| {
            found.failures += 1;
            failures::write(w, [&g[0].1])
        })
    })
}

/// fods.jsonl, with each shard's shard-fods.jsonl read beside it; returns every FOD without its
/// reaches but with what the mirror files need.
pub fn fods(out: &Path, shards: &[ShardDir], found: &mut Found) -> Result<BTreeMap<String, Fod>> {
    let file = "fods.jsonl";
    let mut streams: Vec<Stream<(Fod, SourceLine)>> = Vec::new();
    for s in shards {
        streams.push(with_sources(&s.dir)?);
    }
    let mut described = BTreeMap::new();
    write_file(out, file, |w| {
        kway::merge(
            streams,
            &names(shards, file),
            |(f, _)| f.out_path.clone(),
            |g| {
                let (fod, source) = combine(g);
                found.add_fod(&fod.reach);
                fods::write(w, [&fod])?;
                let out_path = fod.out_path.clone();
                let fod = Fod {
                    reach: Vec::new(),
                    source: source.source(),
                    ..fod
                };
                described.insert(out_path, fod);
                Ok(())
            },
        )
    })?;
    Ok(described)
}

/// One shard's fods.jsonl lines, each with its shard-fods.jsonl line (the same FODs in the
/// same order).
fn with_sources(dir: &Path) -> Result<Stream<'static, (Fod, SourceLine)>> {
    let file = dir.join("fods.jsonl");
    let name = file.display().to_string();
    let mut sources = shard_files::read_sources(dir)?;
    Ok(Box::new(lines(&file)?.enumerate().map(move |(n, l)| {
        let fod = fods::parse_line(&l?).map_err(|e| bad(format!("{name}:{}: {e}", n + 1)))?;
        match sources.next().transpose()? {
            Some(s) if s.out_path == fod.out_path => Ok((fod, s)),
            _ => Err(bad(format!(
                "{name}:{}: {} is not the FOD of the same line of {}",
                n + 1,
                fod.out_path,
                shard_files::SOURCES
            ))
            .into()),
        }
    })))
}

/// One FOD from each shard that reaches it: the smallest drvPath's description, the reaches
/// of all.
fn combine(group: Vec<(usize, (Fod, SourceLine))>) -> (Fod, SourceLine) {
    let mut reach: Vec<CellReach> = Vec::new();
    for (_, (f, _)) in &group {
        for c in &f.reach {
            match reach.binary_search_by(|r| (&r.system, &r.config).cmp(&(&c.system, &c.config))) {
                Ok(i) => reach[i].add_disjoint(c),
                Err(i) => reach.insert(i, c.clone()),
            }
        }
    }
    let (_, (fod, source)) = group
        .into_iter()
        .min_by(|(_, (a, _)), (_, (b, _))| a.drv_path.cmp(&b.drv_path))
        .expect("a group has an item");
    (Fod { reach, ..fod }, source)
}

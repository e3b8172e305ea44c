//! failures.jsonl, store-paths and closure-paths of the shards, merged line by line into what
//! one scan writes, and the FODs' descriptions: a FOD several shards reach has the description
//! of the smallest drvPath (as one scan keeps); its reaches are computed from the merged graph
//! ([`super::reaches`]).
use super::entries::Entries;
use super::inputs::ShardDir;
use super::kway::{self, Stream};
use crate::error::bad;
use crate::model::{Failure, Fod};
use crate::nix::attrpath;
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
/// Leaves out the failures below a derivation the merge drops (see [`super::entries`]).
pub fn failures(
    out: &Path,
    shards: &[ShardDir],
    entries: &Entries,
    found: &mut Found,
) -> Result<()> {
    let file = "failures.jsonl";
    let mut streams: Vec<Stream<Failure>> = Vec::new();
    for (s, shard) in shards.iter().enumerate() {
        let path = shard.dir.join(file);
        let name = path.display().to_string();
        let parsed = lines(&path)?.enumerate().map(move |(n, l)| {
            let l = l?;
            serde_json::from_str(&l).map_err(|e| bad(format!("{name}:{}: {e}", n + 1)).into())
        });
        streams.push(Box::new(parsed.filter(move |f: &Result<Failure>| {
            f.as_ref().map_or(true, |f| {
                let cell = entries.cell_of(&f.system, &f.config);
                cell.is_none_or(|c| entries.keeps(s, c, &attrpath::parse(&f.attr_path)))
            })
        })));
    }
    write_file(out, file, |w| {
        kway::merge(streams, &names(shards, file), Failure::clone, |g| {
            found.failures += 1;
            failures::write(w, [&g[0].1])
        })
    })
}

/// The FODs of every shard's fods.jsonl, with shard-fods.jsonl read beside it: each by its
/// output path, without its reaches (see [`super::reaches`]) but with what the mirror files
/// need.
pub fn descriptions(shards: &[ShardDir]) -> Result<BTreeMap<String, Fod>> {
    let file = "fods.jsonl";
    let mut streams: Vec<Stream<(Fod, SourceLine)>> = Vec::new();
    for s in shards {
        streams.push(with_sources(&s.dir)?);
    }
    let mut described = BTreeMap::new();
    kway::merge(
        streams,
        &names(shards, file),
        |(f, _)| f.out_path.clone(),
        |g| {
            let (fod, source) = combine(g);
            let fod = Fod {
                reach: Vec::new(),
                source: source.source(),
                ..fod
            };
            described.insert(fod.out_path.clone(), fod);
            Ok(())
        },
    )?;
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

/// One FOD from each shard that reaches it: the smallest drvPath's description.
fn combine(group: Vec<(usize, (Fod, SourceLine))>) -> (Fod, SourceLine) {
    let (_, pair) = group
        .into_iter()
        .min_by(|(_, (a, _)), (_, (b, _))| a.drv_path.cmp(&b.drv_path))
        .expect("a group has an item");
    pair
}

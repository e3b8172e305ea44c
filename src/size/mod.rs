//! `fodfuzz size --cache URL DIR`: what a binary cache holds of a scan, in bytes. Every path of
//! closure-paths and store-paths is looked up once (`<hash>.narinfo`: FileSize, NarSize);
//! the sums are then taken for the sources (store-paths), the other outputs (closure-paths
//! without store-paths) and the two together, per system when the scan has several
//! ([`systems`]). Sources the cache lacks are priced from check.jsonl's contentLength.
mod report;
mod systems;

use crate::binary_cache::{Cache, Sizes};
use crate::cli::SizeArgs;
use crate::error::bad;
use crate::http;
use crate::nix::store::hash_part;
use crate::outputs::{check_file, paths};
use crate::progress::Counter;
use anyhow::{Result, anyhow};
use report::{Part, Sums};
use std::collections::HashMap;
use std::time::Duration;

/// What the cache said of one path.
type Answer = Result<Option<Sizes>, String>;

pub fn size(args: SizeArgs) -> Result<()> {
    let dir = &args.dir;
    if !dir.is_dir() {
        return Err(bad(format!("{}: no such directory", dir.display())).into());
    }
    let timeout = Duration::try_from_secs_f64(args.timeout)
        .ok()
        .filter(|t| !t.is_zero())
        .ok_or_else(|| bad(format!("--timeout {}: not a positive number", args.timeout)))?;
    let sources = paths::read(dir, "store-paths")?.ok_or_else(|| {
        bad(format!(
            "{} has no store-paths: not the output of fodfuzz scan",
            dir.display()
        ))
    })?;
    let closure = paths::read(dir, "closure-paths")?;
    let mut all: Vec<String> = sources
        .iter()
        .chain(closure.iter().flatten())
        .cloned()
        .collect();
    all.sort_unstable();
    all.dedup();
    let config = http::Config::for_cache(args.concurrency, timeout, args.retries);
    let cache = Cache::new(&args.cache, config)?;
    cache.check_store_dir(&args.cache, &all)?;
    let answers = look_up_all(&cache, &all, args.concurrency, args.quiet);
    crate::isolate::write(dir)?;
    let upstream: HashMap<String, u64> = check_file::read_in(dir)?
        .unwrap_or_default()
        .into_iter()
        .filter_map(|l| Some((l.out_path, l.content_length?)))
        .collect();
    let is_source = |p: &str| sources.binary_search_by(|s| s.as_str().cmp(p)).is_ok();
    let sums = |member: &dyn Fn(&str) -> bool| {
        let mut s = Sums::default();
        for (p, a) in all.iter().zip(&answers).filter(|(p, _)| member(p)) {
            let part = if is_source(p) {
                Part::Sources
            } else {
                Part::Outputs
            };
            s.add(part, a, upstream.get(p).copied());
        }
        s
    };
    let overall = sums(&|_| true);
    let per_system: Vec<(String, Sums)> = systems::members(dir)?
        .into_iter()
        .map(|(system, paths)| (system, sums(&|p| paths.contains(p))))
        .collect();
    let out = report::Report {
        cache: &args.cache,
        overall: &overall,
        systems: &per_system,
        has_closure: closure.is_some(),
        has_check: dir.join("check.jsonl").is_file(),
    };
    if args.json {
        println!("{}", serde_json::to_string_pretty(&out.json())?);
    } else {
        print!("{}", out.table());
    }
    let unknown = overall.unknown();
    if unknown > 0 {
        let why = all
            .iter()
            .zip(&answers)
            .find_map(|(p, a)| a.as_ref().err().map(|e| format!("{p}: {e}")))
            .unwrap_or_default();
        return Err(anyhow!(
            "{unknown} paths could not be looked up (counted apart), e.g. {why}"
        ));
    }
    Ok(())
}

fn look_up_all(cache: &Cache, paths: &[String], concurrency: usize, quiet: bool) -> Vec<Answer> {
    let mut answers: Vec<Answer> = vec![Err("not looked up".into()); paths.len()];
    let mut progress = Counter::new(quiet, paths.len() as u64, "narinfos");
    let mut done = 0;
    // A panic over one narinfo is that path's failed look-up (and an internal error).
    let look_up = |p: &String| {
        crate::isolate::item("size", p, || {
            cache.sizes(hash_part(p).expect("checked when read"))
        })
        .unwrap_or_else(|m| Err(format!("internal error: {m}")))
    };
    http::pool::each(paths, concurrency, look_up, |i, a| {
        done += 1;
        answers[i] = a;
        progress.update(done, String::new);
    });
    progress.finish();
    answers
}

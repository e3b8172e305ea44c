//! `fodfuzz check DIR`: do the sources of a finished scan still download (with the hash
//! nixpkgs expects)? In phases: read every FOD and what checking it means ([`target`]), ask
//! their urls politely through the shared HTTP layer ([`probe`]), keep what answered for the
//! next run ([`results`]), write check.jsonl and say how it went ([`report`]).
mod fetchzip;
mod probe;
mod report;
mod results;
pub(crate) mod target;
mod unpack;
mod verify;

use crate::cli::CheckArgs;
use crate::error::bad;
use crate::http::{self, Client};
use crate::outputs::check_file::{self, Line};
use crate::outputs::fods::{self, Reader};
use crate::outputs::mirrors::sites::Sites;
use crate::outputs::write_file;
use crate::progress::Counter;
use anyhow::Result;
use probe::{Outcome, Probe};
use results::Results;
use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;
use target::Target;

/// lychee's minimum interval between two requests to one host.
const MIN_INTERVAL: Duration = Duration::from_millis(50);

pub fn check(args: CheckArgs) -> Result<()> {
    let file = fods::file_in(&args.dir)?;
    let timeout = Duration::try_from_secs_f64(args.timeout)
        .ok()
        .filter(|t| !t.is_zero())
        .ok_or_else(|| bad(format!("--timeout {}: not a positive number", args.timeout)))?;
    for m in &args.hashed_mirrors {
        if !matches!(
            http::url::scheme(m).as_deref(),
            Some("http" | "https" | "file")
        ) {
            return Err(bad(format!("--hashed-mirror {m}: not an http(s) or file URL")).into());
        }
    }
    let cache_file = args
        .cache_file
        .clone()
        .unwrap_or_else(|| args.dir.join("check-cache.jsonl"));
    if let Some(h) = &args.history {
        crate::history::db::open(h)?;
    }
    let results = Results::load(&cache_file, args.max_age)?;
    let mut targets = read_targets(&file, &args.dir)?;
    if let Some(old) = &args.since {
        let again = crate::diff::reverify(&fods::file_in(old)?, &file)?;
        targets
            .iter_mut()
            .for_each(|t| t.reverify = again.contains(&t.out_path));
    }
    let client = Client::new(http::Config {
        concurrency: args.concurrency,
        per_host: args.per_host,
        min_interval: MIN_INTERVAL,
        timeout,
        retries: args.retries,
        retry_unreachable: false,
        give_up_unreachable: true,
        max_wait: Duration::from_secs(30),
    })?;
    let tmp = tempfile::Builder::new()
        .prefix("fodfuzz-check-")
        .tempdir()?;
    let probe = Probe {
        client: &client,
        results: &results,
        download: args.download,
        mirrors: &args.hashed_mirrors,
        tmp: tmp.path(),
    };
    let outcomes = run(&probe, &targets, args.concurrency, args.quiet);
    results.save()?;
    let lines: Vec<Line> = outcomes.iter().map(|o| o.line.clone()).collect();
    write_file(&args.dir, "check.jsonl", |w| check_file::write(w, &lines))?;
    crate::isolate::write(&args.dir)?;
    if let Some(h) = &args.history {
        crate::history::append(h, &args.dir, crate::history::record::Kind::Check)?;
    }
    report::report(&args, &outcomes)
}

/// Every FOD of fods.jsonl (sorted by outPath, as check.jsonl is) and what checking it means.
pub(crate) fn read_targets(file: &Path, dir: &Path) -> Result<Vec<Target>> {
    let store = dir.join(".store");
    let store_root = store.is_dir().then_some(store.as_path());
    if store_root.is_none() {
        eprintln!(
            "fodfuzz: {} has no .store: mirror:// urls cannot be expanded and nothing can be verified",
            dir.display()
        );
    }
    let mut sites = Sites::new(store_root.unwrap_or(Path::new("/nonexistent")));
    let mut reader = Reader::open(file)?;
    let mut targets = Vec::new();
    while let Some(entry) = reader.current() {
        targets.push(target::of(entry, store_root, &mut sites));
        reader.advance()?;
    }
    Ok(targets)
}

/// Checks every target on `threads` threads, in an order that takes hosts in turn (the first
/// url's host), so that the threads do not all queue for one host while others wait.
fn run(probe: &Probe, targets: &[Target], threads: usize, quiet: bool) -> Vec<Outcome> {
    let order = interleaved(targets);
    let progress = Counter::new(quiet, targets.len() as u64, "FODs");
    // A panic checking one FOD is that FOD's unknown answer (and an internal error), not the
    // end of the check.
    let one = |i: usize| {
        let t = &targets[i];
        crate::isolate::item("check", &t.out_path, || probe.check(t)).unwrap_or_else(|m| {
            let mut o = probe::Outcome::unknown(t);
            o.line.reason = Some(format!("internal error: {m}"));
            o
        })
    };
    http::pool::each_counted(
        &order,
        threads,
        one,
        |o| o.line.status,
        |s| s.as_str(),
        progress,
    )
}

/// Target indices, those to re-verify first; within each part one of each first-url host in
/// turn (largest hosts first in each round).
fn interleaved(targets: &[Target]) -> Vec<usize> {
    let (first, rest): (Vec<usize>, Vec<usize>) =
        (0..targets.len()).partition(|&i| targets[i].reverify);
    let mut order = by_hosts(targets, first);
    order.extend(by_hosts(targets, rest));
    order
}

/// `indices`, one of each first-url host in turn (largest hosts first in each round).
fn by_hosts(targets: &[Target], indices: Vec<usize>) -> Vec<usize> {
    let n = indices.len();
    let mut by_host: BTreeMap<Option<String>, Vec<usize>> = BTreeMap::new();
    for i in indices {
        let host = targets[i]
            .urls
            .first()
            .and_then(|u| http::url::authority(u));
        by_host.entry(host).or_default().push(i);
    }
    let mut groups: Vec<std::vec::IntoIter<usize>> = {
        let mut g: Vec<Vec<usize>> = by_host.into_values().collect();
        g.sort_by_key(|v| std::cmp::Reverse(v.len()));
        g.into_iter().map(Vec::into_iter).collect()
    };
    let mut order = Vec::with_capacity(n);
    while order.len() < n {
        for g in &mut groups {
            order.extend(g.next());
        }
    }
    order
}

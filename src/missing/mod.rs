//! `fodfuzz missing --cache URL DIR`: which paths of a scan a Nix binary cache lacks, and which
//! sources rebuilding them needs that it lacks too. In phases: read the scan's path lists, look
//! every path up, write what is missing and unknown, then the sources.
pub mod rebuild;

use crate::binary_cache::{Cache, Status};
use crate::cli::MissingArgs;
use crate::error::bad;
use crate::http;
use crate::nix::store::hash_part;
use crate::outputs::{paths, write_file};
use crate::progress::Counter;
use anyhow::{Result, anyhow};
use rebuild::needed_sources;
use std::io::Write;
use std::path::Path;
use std::time::Duration;

/// At most this many unknown paths are named on stderr; all are in `missing-unknown`.
const UNKNOWN_LINES: usize = 20;

/// The scan's paths to look up: closure-paths, or store-paths when a scan has none.
struct Lists {
    /// Which file `paths` came from.
    name: &'static str,
    paths: Vec<String>,
    /// The FODs (store-paths).
    fods: Vec<String>,
}

/// Every path's answer, in the order of `Lists::paths`.
struct Answers<'a> {
    paths: &'a [String],
    statuses: Vec<Status>,
}

impl Answers<'_> {
    fn count(&self, f: impl Fn(&Status) -> bool) -> usize {
        self.statuses.iter().filter(|s| f(s)).count()
    }

    fn with(&self, f: impl Fn(&Status) -> bool) -> impl Iterator<Item = (&String, &Status)> {
        self.paths
            .iter()
            .zip(&self.statuses)
            .filter(move |(_, s)| f(s))
    }

    /// Whether `p` was looked up and found.
    fn present(&self, p: &str) -> bool {
        self.paths
            .binary_search_by(|q| q.as_str().cmp(p))
            .is_ok_and(|i| self.statuses[i] == Status::Present)
    }

    fn unknown(&self, p: &str) -> bool {
        self.paths
            .binary_search_by(|q| q.as_str().cmp(p))
            .is_ok_and(|i| matches!(self.statuses[i], Status::Unknown(_)))
    }
}

pub fn missing(args: MissingArgs) -> Result<()> {
    let dir = &args.dir;
    if !dir.is_dir() {
        return Err(bad(format!("{}: no such directory", dir.display())).into());
    }
    let timeout = Duration::try_from_secs_f64(args.timeout)
        .ok()
        .filter(|t| !t.is_zero())
        .ok_or_else(|| bad(format!("--timeout {}: not a positive number", args.timeout)))?;
    let lists = read_lists(dir)?;
    let config = http::Config::for_cache(args.concurrency, timeout, args.retries);
    let cache = Cache::new(&args.cache, config)?;
    cache.check_store_dir(&args.cache, &lists.paths)?;
    let answers = Answers {
        paths: &lists.paths,
        statuses: look_up_all(&cache, &lists.paths, args.concurrency, args.quiet),
    };
    crate::isolate::write(dir)?;
    let mut stdout = std::io::stdout().lock();
    for (p, _) in answers.with(|s| *s == Status::Missing) {
        writeln!(stdout, "{p}")?;
    }
    stdout.flush()?;
    write_file(dir, "missing-unknown", |w| {
        for (p, _) in answers.with(|s| matches!(s, Status::Unknown(_))) {
            writeln!(w, "{p}")?;
        }
        Ok(())
    })?;
    // Paths that were not looked up (no closure-paths) or whose look-up failed count as
    // missing here: the list may then hold more than is needed, never less.
    let from_graph = needed_sources(dir, &lists.fods, |p| answers.present(p))?;
    let sources = match &from_graph {
        Some(s) => s.clone(),
        None => lists
            .fods
            .iter()
            .filter(|f| !answers.present(f))
            .cloned()
            .collect(),
    };
    write_file(dir, "missing-sources", |w| {
        for s in &sources {
            writeln!(w, "{s}")?;
        }
        Ok(())
    })?;
    report(&args, &lists, &answers, &sources, from_graph.is_some())
}

/// closure-paths (or store-paths) and store-paths of the scan in `dir`.
fn read_lists(dir: &Path) -> Result<Lists> {
    let fods = paths::read(dir, "store-paths")?;
    let closure = paths::read(dir, "closure-paths")?;
    let (name, paths) = match (closure, &fods) {
        (Some(c), _) => ("closure-paths", c),
        (None, Some(f)) => ("store-paths", f.clone()),
        (None, None) => {
            return Err(bad(format!(
                "{} has neither closure-paths nor store-paths: not the output of fodfuzz scan",
                dir.display()
            ))
            .into());
        }
    };
    let fods = fods.ok_or_else(|| bad(format!("{} has no store-paths", dir.display())))?;
    Ok(Lists { name, paths, fods })
}

/// The counts and notes on stderr; an error when some paths stayed unknown.
fn report(
    args: &MissingArgs,
    lists: &Lists,
    answers: &Answers,
    sources: &[String],
    from_graph: bool,
) -> Result<()> {
    let missing = answers.count(|s| *s == Status::Missing);
    let unknown = answers.count(|s| matches!(s, Status::Unknown(_)));
    eprintln!(
        "fodfuzz: {} of {} looked up in {}: {} present, {missing} missing, {unknown} unknown",
        count_of(lists.paths.len(), "path"),
        lists.name,
        args.cache,
        lists.paths.len() - missing - unknown,
    );
    let mut notes = Vec::new();
    if lists.name == "store-paths" {
        notes.push("no closure-paths: other outputs were not looked up and count as missing");
    }
    if !from_graph {
        notes.push("graph.jsonl absent or without outputs: every FOD the cache lacks is listed");
    }
    if unknown > 0 {
        notes.push("unknown paths count as missing");
    }
    let sources_unknown = sources.iter().filter(|s| answers.unknown(s)).count();
    eprintln!(
        "fodfuzz: rebuilding the missing outputs needs {} (FODs) the cache lacks too{}: {}{}",
        count_of(sources.len(), "source"),
        if sources_unknown > 0 {
            format!(" ({sources_unknown} of them unknown)")
        } else {
            String::new()
        },
        args.dir.join("missing-sources").display(),
        if notes.is_empty() {
            String::new()
        } else {
            format!(" ({})", notes.join("; "))
        },
    );
    if unknown == 0 {
        return Ok(());
    }
    let failures = answers.with(|s| matches!(s, Status::Unknown(_)));
    for (p, s) in failures.take(UNKNOWN_LINES) {
        if let Status::Unknown(why) = s {
            eprintln!("fodfuzz: unknown: {p}: {why}");
        }
    }
    if unknown > UNKNOWN_LINES {
        eprintln!("fodfuzz: unknown: … and {} more", unknown - UNKNOWN_LINES);
    }
    Err(anyhow!(
        "{} could not be looked up; listed in {}",
        count_of(unknown, "path"),
        args.dir.join("missing-unknown").display()
    ))
}

/// Looks every path up on `concurrency` threads, each taking the next path in turn.
fn look_up_all(cache: &Cache, paths: &[String], concurrency: usize, quiet: bool) -> Vec<Status> {
    let mut statuses = vec![Status::Unknown("not looked up".into()); paths.len()];
    let mut progress = Counter::new(quiet, paths.len() as u64, "paths");
    let (mut done, mut missing, mut unknown) = (0, 0, 0);
    // A panic over one narinfo is that path's unknown answer (and an internal error).
    let look_up = |p: &String| {
        crate::isolate::item("missing", p, || {
            cache.lookup(hash_part(p).expect("checked when read"))
        })
        .unwrap_or_else(|m| Status::Unknown(format!("internal error: {m}")))
    };
    http::pool::each(paths, concurrency, look_up, |i, status| {
        done += 1;
        missing += u64::from(status == Status::Missing);
        unknown += u64::from(matches!(status, Status::Unknown(_)));
        statuses[i] = status;
        progress.update(done, || format!("{missing} missing  {unknown} unknown"));
    });
    progress.finish();
    statuses
}

/// "1 path", "2 paths".
fn count_of(n: usize, noun: &str) -> String {
    format!("{n} {noun}{}", if n == 1 { "" } else { "s" })
}

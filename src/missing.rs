//! `fodfuzz missing --cache URL DIR`: which paths of a scan a Nix binary cache lacks, and which
//! sources rebuilding them needs that it lacks too.
use crate::cache::{Cache, Status, hash_part};
use crate::cli::MissingArgs;
use crate::preflight::bad;
use crate::progress::Counter;
use crate::rebuild::needed_sources;
use crate::writers::write_file;
use anyhow::{Context, Result, anyhow};
use std::io::Write;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

/// At most this many unknown paths are named on stderr; all are in `missing-unknown`.
const UNKNOWN_LINES: usize = 20;

pub fn missing(args: MissingArgs) -> Result<()> {
    let dir = &args.dir;
    if !dir.is_dir() {
        return Err(bad(format!("{}: no such directory", dir.display())).into());
    }
    let timeout = Duration::try_from_secs_f64(args.timeout)
        .ok()
        .filter(|t| !t.is_zero())
        .ok_or_else(|| bad(format!("--timeout {}: not a positive number", args.timeout)))?;
    let fods = read_paths(dir, "store-paths")?;
    let closure = read_paths(dir, "closure-paths")?;
    let (list, paths) = match (closure, &fods) {
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
    let cache = Cache::new(&args.cache, args.retries, timeout, args.concurrency)?;
    if let (Some(store), Some(first)) = (cache.store_dir()?, paths.first()) {
        let ours = Path::new(first).parent().unwrap_or(Path::new("/"));
        if Path::new(&store) != ours {
            return Err(bad(format!(
                "{} holds paths of store {store}, the scan's are in {}",
                args.cache,
                ours.display()
            ))
            .into());
        }
    }

    let statuses = look_up_all(&cache, &paths, args.concurrency, args.quiet);
    let count = |f: fn(&Status) -> bool| statuses.iter().filter(|s| f(s)).count();
    let (missing, unknown) = (
        count(|s| *s == Status::Missing),
        count(|s| matches!(s, Status::Unknown(_))),
    );
    let mut stdout = std::io::stdout().lock();
    for (p, _) in paths
        .iter()
        .zip(&statuses)
        .filter(|(_, s)| **s == Status::Missing)
    {
        writeln!(stdout, "{p}")?;
    }
    stdout.flush()?;
    write_file(dir, "missing-unknown", |w| {
        for (p, s) in paths.iter().zip(&statuses) {
            if matches!(s, Status::Unknown(_)) {
                writeln!(w, "{p}")?;
            }
        }
        Ok(())
    })?;

    // Paths that were not looked up (no closure-paths) or whose look-up failed count as
    // missing here: the list may then hold more than is needed, never less.
    let present = |p: &str| {
        paths
            .binary_search_by(|q| q.as_str().cmp(p))
            .is_ok_and(|i| statuses[i] == Status::Present)
    };
    let from_graph = needed_sources(dir, &fods, present)?;
    let sources = match &from_graph {
        Some(s) => s.clone(),
        None => fods.iter().filter(|f| !present(f)).cloned().collect(),
    };
    write_file(dir, "missing-sources", |w| {
        for s in &sources {
            writeln!(w, "{s}")?;
        }
        Ok(())
    })?;

    eprintln!(
        "fodfuzz: {} of {list} looked up in {}: {} present, {missing} missing, {unknown} unknown",
        count_of(paths.len(), "path"),
        args.cache,
        paths.len() - missing - unknown,
    );
    let mut notes = Vec::new();
    if list == "store-paths" {
        notes.push("no closure-paths: other outputs were not looked up and count as missing");
    }
    if from_graph.is_none() {
        notes.push("graph.jsonl absent or without outputs: every FOD the cache lacks is listed");
    }
    if unknown > 0 {
        notes.push("unknown paths count as missing");
    }
    let sources_unknown = sources
        .iter()
        .filter(|s| {
            paths
                .binary_search(s)
                .is_ok_and(|i| matches!(statuses[i], Status::Unknown(_)))
        })
        .count();
    eprintln!(
        "fodfuzz: rebuilding the missing outputs needs {} (FODs) the cache lacks too{}: {}{}",
        count_of(sources.len(), "source"),
        if sources_unknown > 0 {
            format!(" ({sources_unknown} of them unknown)")
        } else {
            String::new()
        },
        dir.join("missing-sources").display(),
        if notes.is_empty() {
            String::new()
        } else {
            format!(" ({})", notes.join("; "))
        },
    );
    if unknown == 0 {
        return Ok(());
    }
    let failures = paths.iter().zip(&statuses).filter_map(|(p, s)| match s {
        Status::Unknown(why) => Some((p, why)),
        _ => None,
    });
    for (p, why) in failures.take(UNKNOWN_LINES) {
        eprintln!("fodfuzz: unknown: {p}: {why}");
    }
    if unknown > UNKNOWN_LINES {
        eprintln!("fodfuzz: unknown: … and {} more", unknown - UNKNOWN_LINES);
    }
    Err(anyhow!(
        "{} could not be looked up; listed in {}",
        count_of(unknown, "path"),
        dir.join("missing-unknown").display()
    ))
}

/// The store paths listed in `DIR/name`, sorted and unique; `None` when there is no such file.
fn read_paths(dir: &Path, name: &str) -> Result<Option<Vec<String>>> {
    let file = dir.join(name);
    let text = match std::fs::read_to_string(&file) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e).with_context(|| file.display().to_string()),
    };
    let mut paths = Vec::new();
    for (n, line) in text.lines().enumerate().filter(|(_, l)| !l.is_empty()) {
        if hash_part(line).is_none() {
            return Err(bad(format!(
                "{} line {}: not a store path: {line:?}",
                file.display(),
                n + 1
            ))
            .into());
        }
        paths.push(line.to_owned());
    }
    paths.sort_unstable();
    paths.dedup();
    Ok(Some(paths))
}

/// Looks every path up on `concurrency` threads, each taking the next path in turn.
fn look_up_all(cache: &Cache, paths: &[String], concurrency: usize, quiet: bool) -> Vec<Status> {
    let next = AtomicUsize::new(0);
    let mut statuses = vec![Status::Unknown("not looked up".into()); paths.len()];
    let mut progress = Counter::new(quiet, paths.len() as u64, "paths");
    std::thread::scope(|s| {
        let (tx, rx) = std::sync::mpsc::channel();
        for _ in 0..concurrency.min(paths.len()) {
            let (tx, next) = (tx.clone(), &next);
            s.spawn(move || {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(p) = paths.get(i) else { break };
                    let hash = hash_part(p).expect("checked when read");
                    if tx.send((i, cache.lookup(hash))).is_err() {
                        break;
                    }
                }
            });
        }
        drop(tx);
        let (mut done, mut missing, mut unknown) = (0, 0, 0);
        for (i, status) in rx {
            done += 1;
            missing += u64::from(status == Status::Missing);
            unknown += u64::from(matches!(status, Status::Unknown(_)));
            statuses[i] = status;
            progress.update(done, || format!("{missing} missing  {unknown} unknown"));
        }
    });
    progress.finish();
    statuses
}

/// "1 path", "2 paths".
fn count_of(n: usize, noun: &str) -> String {
    format!("{n} {noun}{}", if n == 1 { "" } else { "s" })
}

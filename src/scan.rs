//! `fodfuzz scan`: checks the input, runs the dispatcher over the matrix, merges and writes.
use crate::cli::ScanArgs;
use crate::graph::DrvGraph;
use crate::journal::Journal;
use crate::preflight::bad;
use crate::progress::Progress;
use crate::records::Findings;
use crate::runner::{self, Options};
use crate::target::{self, Target};
use crate::worker::Setup;
use crate::{memory, mirrors, plan, preflight, writers};
use anyhow::{Context, Result};
use std::path::Path;
use std::time::{Duration, Instant};

const HARNESS: &str = include_str!("../harness/visit.nix");
/// Files a scan writes into its output directory; `--force` removes them.
const OUTPUTS: &[&str] = &[
    "fods.jsonl",
    "failures.jsonl",
    "store-paths",
    "closure-paths",
    "summary.json",
    "graph.jsonl",
    "journal.jsonl",
    "tarballs.json",
    "sources.json",
    "hashed-mirror.txt",
    "manual.txt",
    ".fodfuzz",
];

/// The scan stopped on a signal; partial outputs are written. `main` exits with 128 + signal.
#[derive(Debug)]
pub struct Interrupted(pub i32);

impl std::fmt::Display for Interrupted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let name = if self.0 == libc::SIGINT {
            "SIGINT"
        } else {
            "SIGTERM"
        };
        write!(
            f,
            "interrupted by {name}: partial results written (summary.json: \"complete\": false); run the same command with --resume to finish"
        )
    }
}

impl std::error::Error for Interrupted {}

pub fn scan(args: ScanArgs) -> Result<()> {
    let started = Instant::now();
    let nix = preflight::find_nix_instantiate()?;
    preflight::check_nix_version(&nix)?;
    let target_expr = match (&args.expr, &args.file) {
        (Some(e), _) => Some(e.clone()),
        (None, Some(f)) => Some(target::file_expr(f, args.attr.as_deref())?),
        (None, None) => None,
    };
    let cells = match &target_expr {
        Some(_) => vec![plan::target_cell()],
        None => plan::cells(&args.systems, &args.configs, args.matrix.as_deref())?,
    };
    let jobs = args
        .jobs
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
        .max(1);
    let max_memory = match &args.max_memory {
        Some(s) => memory::parse_size(s)?,
        None => memory::total_memory().map_or(u64::MAX, |m| m / 4 * 3),
    };
    let recycle_rss = match &args.recycle_memory {
        Some(s) => memory::parse_size(s)?,
        None => (max_memory / (2 * jobs as u64)).max(512 << 20),
    };
    let mut checked = Vec::new();
    for c in &cells {
        if !checked.contains(&&c.config) {
            preflight::check_config(&nix, &c.config)?;
            checked.push(&c.config);
        }
    }
    let target = match (&target_expr, &args.path) {
        (Some(expr), _) => {
            preflight::check_expr(&nix, expr)?;
            Target::Expr {
                allow: target::allowed(expr, args.file.as_deref(), &args.allow),
                expr: expr.clone(),
            }
        }
        (None, Some(path)) => Target::Tree(preflight::check_tree(&nix, path)?),
        (None, None) => unreachable!("clap requires PATH, --expr or --file"),
    };
    let roots = match &args.roots {
        Some(f) => Some(read_roots(f)?),
        None => None,
    };
    prepare_out_dir(&args.out, args.resume, args.force)?;
    let out = args.out.canonicalize()?;
    let work = out.join(".fodfuzz");
    std::fs::create_dir_all(&work)?;
    // What the results depend on: a resumed scan must have the same.
    let plan = serde_json::json!({
        "tree": match &target {
            Target::Tree(t) => t.to_string_lossy().into_owned(),
            Target::Expr { expr, .. } => expr.clone(),
        },
        "cells": cells.iter().map(|c| [&c.system, &c.config, &c.label]).collect::<Vec<_>>(),
        "maxDepth": args.max_depth,
        "roots": roots.as_ref().map(|r| { let mut v: Vec<_> = r.iter().collect(); v.sort(); v }),
    });
    let plan_file = work.join("plan.json");
    if args.resume && plan_file.exists() {
        let old: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&plan_file)?).unwrap_or_default();
        if old != plan {
            return Err(bad(format!(
                "{} holds a scan of another tree, matrix or depth: resume it with the same arguments, or use --force",
                out.display()
            ))
            .into());
        }
    }
    std::fs::write(&plan_file, serde_json::to_vec_pretty(&plan)?)?;
    let harness = work.join("visit.nix");
    std::fs::write(&harness, HARNESS)?;
    let store = match &args.store {
        Some(s) => {
            preflight::check_out_dir(s)?;
            s.canonicalize()?
        }
        None => out.join(".store"),
    };
    init_store(&nix, &store)?;
    // sources.json names the tree's revision when the tree says it.
    let revision = match &target {
        Target::Tree(t) => mirrors::tree_revision(t),
        Target::Expr { .. } => None,
    };
    let setup = Setup {
        nix_instantiate: nix,
        harness,
        target,
        store: store.clone(),
        work_dir: work,
        attr_timeout: Duration::from_secs_f64(args.attr_timeout.max(0.1)),
        groups: Default::default(),
        oom_killed: Default::default(),
        recycle_rss,
    };
    let opts = Options {
        jobs,
        max_memory,
        max_depth: args.max_depth,
        max_batch: args.batch.max(1),
        roots: roots.clone(),
        explain: args.explain,
    };
    let (mut journal, replay) = Journal::open(&out.join("journal.jsonl"), args.resume)?;
    let replayed = replay.len();
    let mut progress = Progress::new(args.quiet);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let result = rt.block_on(runner::run(
        setup,
        &cells,
        &opts,
        DrvGraph::new(store),
        (&mut journal, replay),
        &mut progress,
    ));
    // Dropping the runtime cancels the workers at once: after a signal none may start another
    // process for the rest of its batch.
    drop(rt);
    progress.finish();
    let scan = result.context("scan")?;
    let mut findings = scan.graph.findings(&scan.roots);
    findings.merge(Findings {
        fods: Default::default(),
        failures: scan.failures.iter().cloned().collect(),
    });
    let wall = started.elapsed().as_secs_f64();
    let complete = scan.interrupted.is_none();
    writers::write_all(
        &out,
        &findings,
        &scan,
        &cells,
        (wall, complete),
        revision.as_deref(),
    )?;
    if !args.quiet {
        eprintln!(
            "fodfuzz: {} cells, {} attributes ({} from the journal), {} derivations, {} FODs, {} failures in {:.1} s; wrote {}",
            cells.len(),
            scan.stats.iter().map(|s| s.visited).sum::<u64>(),
            replayed,
            scan.graph.graph.node_count(),
            findings.fods.len(),
            findings.failures.len(),
            wall,
            out.display()
        );
    }
    match scan.interrupted {
        Some(sig) => Err(Interrupted(sig).into()),
        None => Ok(()),
    }
}

/// Opens the private store once before the workers start: Nix creates a new store's database and
/// directories (gcroots, profiles) when it first opens it, and two processes doing that at once
/// race ("creating symlink … File exists"), losing whatever the losing worker was evaluating.
fn init_store(nix: &Path, store: &Path) -> Result<()> {
    let out = std::process::Command::new(nix)
        .args(["--eval", "--read-write-mode", "--store"])
        .arg(store)
        .args(["--option", "substituters", ""])
        .args(["-E", "builtins.toFile \"fodfuzz-store-init\" \"\""])
        .env_remove("NIX_PATH")
        .output()
        .with_context(|| format!("running {}", nix.display()))?;
    if !out.status.success() {
        anyhow::bail!(
            "cannot initialise the private store {}: {}",
            store.display(),
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    Ok(())
}

/// `--roots FILE`: top-level names, one per line (blank lines and `#` comments ignored).
fn read_roots(file: &Path) -> Result<std::collections::HashSet<String>, preflight::BadInput> {
    let text = std::fs::read_to_string(file)
        .map_err(|e| bad(format!("cannot read --roots file {}: {e}", file.display())))?;
    let names: std::collections::HashSet<String> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_owned)
        .collect();
    if names.is_empty() {
        return Err(bad(format!(
            "--roots file {} names no attribute",
            file.display()
        )));
    }
    Ok(names)
}

/// A non-empty output directory holds an earlier scan: continue it (`--resume`), replace it
/// (`--force`), or refuse.
fn prepare_out_dir(dir: &Path, resume: bool, force: bool) -> Result<()> {
    let non_empty = std::fs::read_dir(dir).is_ok_and(|mut d| d.next().is_some());
    if non_empty && !resume && !force {
        return Err(bad(format!(
            "{} is not empty: pass --resume to continue the scan in it, or --force to replace it",
            dir.display()
        ))
        .into());
    }
    if force {
        for name in OUTPUTS {
            let p = dir.join(name);
            let _ = if p.is_dir() {
                std::fs::remove_dir_all(&p)
            } else {
                std::fs::remove_file(&p)
            };
        }
    }
    preflight::check_out_dir(dir)?;
    Ok(())
}

//! `fodfuzz scan`, in three phases: [`prepare`] checks the input and the output directory and
//! decides every setting once; [`walk`] runs the dispatcher and the workers over the matrix;
//! [`write`] turns the graph and the records into the output files.
pub mod alias;
pub mod journal;
pub mod memory;
pub mod outdir;
pub mod plan;
pub mod preflight;
pub mod record;
pub mod report;
pub mod runner;
pub mod set_records;
pub mod shard;
pub mod shard_files;
pub mod target;
pub mod walk;

use crate::cli::ScanArgs;
use crate::error::Interrupted;
use crate::model::{Cell, Findings, Reach};
use crate::nix::store;
use crate::nix::version::Nix;
use crate::nix::{drv, literal};
use crate::outputs::{self, ScanOutputs};
use crate::progress::Progress;
use anyhow::{Context, Result};
use journal::Journal;
use petgraph::graph::NodeIndex;
use runner::dispatcher::WalkOptions;
use runner::messages::Setup;
use runner::{Finished, Run};
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// What workers evaluate: written into the work directory, which restricted evaluation reads.
pub const HARNESS: &str = include_str!("visit.nix");

/// Everything a scan decided before it starts.
pub(crate) struct Prepared {
    pub cells: Vec<Cell>,
    pub setup: Setup,
    pub walk: WalkOptions,
    pub max_memory: u64,
    pub out: PathBuf,
    /// What the results depend on (the same for a resumed scan).
    pub plan: serde_json::Value,
    /// Attributes the last complete run of this plan visited, for the ETA.
    pub expected: Option<u64>,
    /// The tree's revision, for sources.json.
    pub revision: Option<String>,
    /// `--shard`: this scan is one part of a scan that `fodfuzz merge` joins.
    shard: Option<shard::Shard>,
}

pub fn scan(args: ScanArgs) -> Result<()> {
    let started = Instant::now();
    let p = prepare(&args)?;
    let (mut journal, replay) = open_journal(&p, &p.out.join("journal.jsonl"), args.resume)?;
    let replayed = replay.len();
    let mut progress = Progress::new(args.quiet, p.expected);
    let analysis = start_analysis(&p);
    let finished = walk(&p, &mut journal, replay, &mut progress, None, None)?;
    progress.finish();
    // A test's panic of the driver itself, between the walk and the outputs: the journal must
    // let --resume finish the run.
    crate::isolate::fault("scan", "after the walk");
    let wall = started.elapsed().as_secs_f64();
    let Written { findings, coverage } = write(&p, &finished, wall, analysis)?;
    crate::isolate::write(&p.out)?;
    let failures: Vec<_> = findings.failures.into_iter().collect();
    if finished.interrupted.is_none()
        && let Some(e) = report::root_failed(&failures, p.cells.len(), &p.setup.target.identity())
    {
        return Err(e.into());
    }
    let stats = &finished.walked.stats;
    let counts = report::Counts {
        cells: p.cells.len(),
        attributes: stats.iter().map(|s| s.visited).sum(),
        replayed,
        derivations: stats.iter().map(|s| s.derivations).sum(),
        drv_files: finished.built.graph.graph.node_count(),
        fods: findings.fods.len(),
        failures: failures.len(),
        wall,
    };
    // Even quiet, a scan says what it found: the progress is what -q silences.
    eprintln!("{}", report::final_line(&counts, &p.out));
    if let Some((literals, reached)) = coverage {
        eprintln!(
            "fodfuzz: {reached} of {literals} hash literals of the tree reached ({:.1} %): see coverage.txt",
            crate::coverage::files::percent(reached, literals)
        );
    }
    if let Some(w) = report::warnings(&failures) {
        eprintln!("{w}");
    }
    if !args.quiet && finished.interrupted.is_none() {
        eprintln!("{}", report::next_steps(&p.out, &failures));
    }
    match finished.interrupted {
        Some(sig) => Err(Interrupted(sig).into()),
        None => {
            outdir::record_run(&p.out, &p.plan, counts.attributes, wall)?;
            match &args.history {
                Some(h) => crate::history::append(h, &p.out, crate::history::record::Kind::Scan),
                None => Ok(()),
            }
        }
    }
}

/// The journal at `path`, and with `resume` what it recorded. A derivation whose .drv did not
/// survive (a power failure: the store is not synced) is evaluated again rather than replayed.
pub(crate) fn open_journal(
    p: &Prepared,
    path: &std::path::Path,
    resume: bool,
) -> Result<(Journal, journal::Replay)> {
    let (journal, mut replay) = Journal::open(path, resume)?;
    replay.retain(|_, (_, outcome)| match outcome {
        record::Outcome::Visited(record::Visit::Drv { drv_path, .. }) => {
            drv::is_whole(&p.setup.store, drv_path)
        }
        record::Outcome::Visited(record::Visit::Inputs { drv_paths }) => {
            drv_paths.iter().all(|d| drv::is_whole(&p.setup.store, d))
        }
        _ => true,
    });
    Ok((journal, replay))
}

/// Checks the input, prepares the output directory and the private store, and settles every
/// setting of the run.
pub(crate) fn prepare(args: &ScanArgs) -> Result<Prepared> {
    let nix = Nix::find()?;
    let (target, cells, allow) = target::resolve(&nix.instantiate, args)?;
    let workers = args
        .workers
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
        .max(1);
    let (max_memory, recycle_rss) = memory::limits(args, workers)?;
    let roots = args.roots.as_deref().map(outdir::read_roots).transpose()?;
    let shard = shard::Shard::from_args(args)?;
    if let Some(h) = &args.history {
        if shard.is_some() {
            return Err(crate::error::bad(
                "--history records a whole scan: record the merge (fodfuzz report DB --add MERGED_DIR)",
            )
            .into());
        }
        // A history that is not one is bad input before the scan, not after it.
        crate::history::db::open(h)?;
    }
    outdir::prepare(&args.out, args.resume, args.force)?;
    let out = args.out.canonicalize()?;
    let work = out.join(".fodfuzz");
    std::fs::create_dir_all(&work)?;
    // What the results depend on: a resumed scan must have the same.
    let mut plan = serde_json::json!({
        "tree": target.identity(),
        "cells": cells.iter().map(plan_cell).collect::<Vec<_>>(),
        "maxDepth": args.max_depth,
        "roots": roots.as_ref().map(|r| { let mut v: Vec<_> = r.iter().collect(); v.sort(); v }),
    });
    if let Some(s) = shard {
        plan["shard"] = serde_json::json!(s.to_string());
    }
    // Only when asked, so that the plans of scans without it stay as they were.
    if args.nixos_tests {
        plan["nixosTests"] = true.into();
    }
    outdir::stamp(&work, &out, &plan, args.resume)?;
    let expected = outdir::last_run(&out, &plan);
    let harness = work.join("visit.nix");
    std::fs::write(&harness, HARNESS)?;
    let store = match &args.store {
        Some(s) => {
            outputs::check_out_dir(s)?;
            s.canonicalize()?
        }
        None => out.join(".store"),
    };
    store::init_stores(&nix.instantiate, &store, workers)?;
    Ok(Prepared {
        shard,
        revision: target.revision(),
        setup: Setup {
            nix,
            harness,
            cells_expr: cells_expr(&cells),
            target,
            allow,
            store,
            work_dir: work,
            attr_timeout: Duration::from_secs_f64(args.attr_timeout.max(0.1)),
            recycle_rss,
        },
        walk: WalkOptions {
            workers,
            max_depth: args.max_depth,
            max_batch: args.batch.max(1),
            explain: args.explain,
            roots,
            shard,
        },
        cells,
        max_memory,
        out,
        plan,
        expected,
    })
}

/// A cell in plan.json: system, config, label, and where a variation starts and what it
/// overrides when it does (so that plain matrices keep their plan).
fn plan_cell(c: &Cell) -> serde_json::Value {
    let mut v = serde_json::json!([c.system, c.config, c.label]);
    if !c.start.is_empty() || !c.overrides.is_empty() || c.lists {
        let overrides: Vec<_> = c.overrides.iter().map(|o| (&o.path, &o.args)).collect();
        let mut more = serde_json::json!({"start": c.start, "overrides": overrides});
        if c.lists {
            more["lists"] = true.into();
        }
        v.as_array_mut().expect("an array").push(more);
    }
    v
}

/// The harness's `cells`: each cell's system and config, in the matrix's order. A config is the
/// user's expression as written (a newline after it, should it end in a comment). `root` is the
/// first cell of the same system and config: variations of a search share its package set, so
/// a process imports nixpkgs once for all of them.
pub(crate) fn cells_expr(cells: &[Cell]) -> String {
    let mut out = String::from("[");
    for (i, c) in cells.iter().enumerate() {
        let root = cells
            .iter()
            .position(|o| o.system == c.system && o.config == c.config)
            .unwrap_or(i);
        let system = literal::string(&c.system);
        let overrides: Vec<String> = c
            .overrides
            .iter()
            .map(|o| {
                let path = literal::string_list(&o.path);
                format!("{{ path = {path}; args = ({}\n); }}", o.args)
            })
            .collect();
        out.push_str(&format!(
            " {{ system = {system}; config = ({}\n); overrides = [ {} ]; root = {root}; lists = {}; nixosTests = {}; }}",
            c.config,
            overrides.join(" "),
            c.lists,
            c.nixos_tests
        ));
    }
    out.push_str(" ]");
    out
}

/// What the workers evaluate, for a merge to evaluate the same (as the session passes it).
fn evaluate(setup: &Setup) -> shard_files::Evaluate {
    let show = |p: &std::path::Path| p.to_string_lossy().into_owned();
    match &setup.target {
        target::Target::Tree(tree) => {
            let dir = if tree.is_dir() {
                tree.as_path()
            } else {
                tree.parent().unwrap_or(tree)
            };
            let mut include = vec![show(dir)];
            include.extend(setup.allow.iter().cloned());
            shard_files::Evaluate {
                tree: Some(show(tree)),
                target: None,
                include,
            }
        }
        target::Target::Expr { expr, allow } => shard_files::Evaluate {
            tree: None,
            target: Some(expr.clone()),
            include: allow.clone(),
        },
    }
}

/// Runs the walk on a runtime of its own, adding to `graph` when one is given.
pub(crate) fn walk(
    p: &Prepared,
    journal: &mut Journal,
    replay: journal::Replay,
    progress: &mut Progress,
    graph: Option<crate::graph::DrvGraph>,
    deadline: Option<Instant>,
) -> Result<Finished> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let run = Run {
        cells: &p.cells,
        walk: p.walk.clone(),
        max_memory: p.max_memory,
        journal,
        replay,
        progress,
        graph,
        deadline,
    };
    let finished = rt.block_on(runner::run(p.setup.clone(), p.setup.store.clone(), run));
    // Dropping the runtime drops whatever a worker still holds (its process group is killed).
    drop(rt);
    finished.context("scan")
}

/// The analysis of the tree that coverage needs, started beside the walk: parsing
/// release-16.03 takes 3.3 s that would otherwise come after it. Its threads run at the lowest
/// priority, so they take the time the workers leave idle (and the walk's last seconds, when
/// one worker is done). A target has no tree; a shard writes no coverage (the merge does).
/// A panic in it is an internal error of the coverage phase (`isolate`).
type Analysis =
    Option<std::thread::JoinHandle<Result<Result<crate::coverage::tree::Tree>, String>>>;

fn start_analysis(p: &Prepared) -> Analysis {
    match (&p.setup.target, p.shard) {
        (target::Target::Tree(tree), None) => {
            let tree = tree.clone();
            Some(std::thread::spawn(move || {
                lowest_priority();
                crate::isolate::item("coverage", "analysing the tree", || {
                    crate::coverage::tree::analyse(&tree)
                })
            }))
        }
        _ => None,
    }
}

/// Gives the calling thread (and the threads it starts) the lowest priority: on Linux a nice
/// value belongs to a thread.
fn lowest_priority() {
    // SAFETY: setpriority only reads its arguments; a failure leaves the priority as it was.
    unsafe {
        libc::setpriority(libc::PRIO_PROCESS, libc::gettid() as libc::id_t, 19);
    }
}

/// What the write phase gives back: the findings, and for a tree the coverage of its hash
/// literals (all, reached).
struct Written {
    findings: Findings,
    coverage: Option<(usize, usize)>,
}

/// Collects the findings from the graph and writes every output file; the coverage report is
/// written beside the others (the workers are done: the cores are free).
fn write(p: &Prepared, finished: &Finished, wall: f64, analysis: Analysis) -> Result<Written> {
    let graph = &finished.built.graph;
    let (roots, findings) = collect(&p.cells, finished);
    let outputs = ScanOutputs {
        dir: &p.out,
        findings: &findings,
        graph,
        roots: &roots,
        cells: &p.cells,
        stats: &finished.walked.stats,
        wall,
        complete: finished.interrupted.is_none(),
        revision: p.revision.as_deref(),
    };
    if let Some(s) = p.shard {
        outputs::write_all(&outputs)?;
        let read_ok = |i: usize| finished.built.roots.get(i).is_some_and(|r| r.is_ok());
        let sets = set_records::set_records(&finished.walked, &p.cells, read_ok);
        let mut manifest = shard_files::Manifest::new(
            s,
            &p.plan,
            evaluate(&p.setup),
            p.revision.clone(),
            &finished.walked.root_visits,
            sets,
        );
        manifest.entries = set_records::entry_records(&finished.walked, &p.cells, read_ok);
        manifest.aliases = finished.walked.aliases.clone();
        shard_files::write(&p.out, manifest, &findings.fods, graph.store_root())?;
        return Ok(Written {
            findings,
            coverage: None,
        });
    }
    let coverage = std::thread::scope(|scope| {
        let coverage = scope.spawn(|| {
            crate::isolate::item("coverage", "writing the coverage", || {
                write_coverage(p, analysis, &findings)
            })
        });
        let written = outputs::write_all(&outputs);
        // The thread catches its own panics: only its start could fail.
        let coverage = coverage.join().unwrap_or_else(|_| Err("no thread".into()));
        written.map(|()| coverage)
    })?;
    let coverage = match coverage {
        Ok(Ok(c)) => c,
        Ok(Err(e)) => coverage_failed(p, format!("{e:#}"))?,
        Err(m) => coverage_failed(p, format!("internal error: {m}"))?,
    };
    Ok(Written { findings, coverage })
}

/// The coverage could not be written: every other output is, and summary.json says why the
/// coverage is missing. Counted as an internal error, so the scan ends with exit status 3.
fn coverage_failed(p: &Prepared, error: String) -> Result<Option<(usize, usize)>> {
    eprintln!("fodfuzz: the coverage was not written: {error}");
    if !error.starts_with("internal error: ") {
        crate::isolate::record("coverage", "the tree", &error);
    }
    let phase = "coverage".to_owned();
    outputs::add_failed_phase(&p.out, outputs::FailedPhase { phase, error })?;
    Ok(None)
}

/// Coverage of the fetch sites written in the tree, once its analysis is done.
fn write_coverage(
    p: &Prepared,
    analysis: Analysis,
    findings: &Findings,
) -> Result<Option<(usize, usize)>> {
    let Some(analysis) = analysis else {
        return Ok(None);
    };
    let tree = match analysis.join() {
        Ok(Ok(tree)) => tree?,
        Ok(Err(m)) => anyhow::bail!("internal error: {m}"),
        Err(_) => anyhow::bail!("the tree's analysis ended without a result"),
    };
    crate::coverage::write_for_scan(&p.out, &tree, findings, &p.cells).map(Some)
}

/// The roots of a walk (aliased sets repeated) and the findings of its graph from them: what a
/// run of `cells` found.
pub(crate) fn collect(cells: &[Cell], finished: &Finished) -> (Vec<(Reach, NodeIndex)>, Findings) {
    let graph = &finished.built.graph;
    let mut roots: Vec<(Reach, NodeIndex)> = finished
        .walked
        .roots
        .iter()
        .zip(&finished.built.roots)
        .filter_map(|(reach, node)| Some((reach.clone(), *node.as_ref().ok()?)))
        .collect();
    let mut failures = finished.walked.failures.clone();
    alias::relocate(&finished.walked.moved, cells, &mut roots, &mut failures);
    let depth = finished.walked.max_depth;
    alias::mirror(
        &finished.walked.aliases,
        cells,
        depth,
        &mut roots,
        &mut failures,
    );
    let mut findings = graph.findings(&roots);
    findings.merge(Findings {
        fods: Default::default(),
        failures: failures.into_iter().collect(),
    });
    (roots, findings)
}

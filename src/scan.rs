//! `fodfuzz scan`: checks the input, runs the dispatcher over the matrix, merges and writes.
use crate::cli::ScanArgs;
use crate::graph::DrvGraph;
use crate::journal::Journal;
use crate::progress::Progress;
use crate::records::Findings;
use crate::runner::{self, Options};
use crate::worker::Setup;
use crate::{plan, preflight, writers};
use anyhow::{Context, Result};
use std::time::{Duration, Instant};

const HARNESS: &str = include_str!("../harness/visit.nix");

pub fn scan(args: ScanArgs) -> Result<()> {
    let started = Instant::now();
    let nix = preflight::find_nix_instantiate()?;
    let cells = plan::cells(&args.systems, &args.configs, args.matrix.as_deref())?;
    let mut checked = Vec::new();
    for c in &cells {
        if !checked.contains(&&c.config) {
            preflight::check_config(&nix, &c.config)?;
            checked.push(&c.config);
        }
    }
    let tree = preflight::check_tree(&nix, &args.path)?;
    preflight::check_out_dir(&args.out)?;
    let out = args.out.canonicalize()?;
    let work = out.join(".fodfuzz");
    std::fs::create_dir_all(&work)?;
    let harness = work.join("visit.nix");
    std::fs::write(&harness, HARNESS)?;
    let store = match &args.store {
        Some(s) => {
            preflight::check_out_dir(s)?;
            s.canonicalize()?
        }
        None => out.join(".store"),
    };
    let jobs = args
        .jobs
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
        .max(1);
    let setup = Setup {
        nix_instantiate: nix,
        harness,
        tree,
        store: store.clone(),
        work_dir: work,
        attr_timeout: Duration::from_secs_f64(args.attr_timeout.max(0.1)),
    };
    let opts = Options {
        jobs,
        max_depth: args.max_depth,
        max_batch: args.batch.max(1),
        explain: args.explain,
    };
    let mut journal = Journal::create(&out.join("journal.jsonl"))?;
    let mut progress = Progress::new(args.quiet);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let result = rt.block_on(runner::run(
        setup,
        &cells,
        &opts,
        DrvGraph::new(store),
        &mut journal,
        &mut progress,
    ));
    progress.finish();
    let scan = result.context("scan")?;
    let mut findings = scan.graph.findings(&scan.roots);
    findings.merge(Findings {
        fods: Default::default(),
        failures: scan.failures.iter().cloned().collect(),
    });
    let wall = started.elapsed().as_secs_f64();
    writers::write_all(
        &out,
        &findings,
        &scan.graph,
        &scan.roots,
        &cells,
        &scan.stats,
        wall,
    )?;
    if !args.quiet {
        eprintln!(
            "fodfuzz: {} cells, {} attributes, {} derivations, {} FODs, {} failures in {:.1} s; wrote {}",
            cells.len(),
            scan.stats.iter().map(|s| s.visited).sum::<u64>(),
            scan.graph.graph.node_count(),
            findings.fods.len(),
            findings.failures.len(),
            wall,
            out.display()
        );
    }
    Ok(())
}

//! `fodfuzz fuzz`: a coverage-guided search of configurations. Round 0 is the default matrix (a
//! scan); each later round runs variations taken from the reasons of the literals still
//! unreached ([`candidates`]), those a corpus kept first, on the same private store and graph
//! ([`rounds`]). A variation is kept when it reaches literals nothing reached before it
//! ([`corpus`]). The search ends when the budget is spent or no candidate is left.
pub mod candidates;
pub mod corpus;
pub mod rounds;

use crate::cli::{FuzzArgs, ScanArgs};
use crate::coverage::files::percent;
use crate::coverage::inputs::Inputs;
use crate::coverage::report::Coverage;
use crate::coverage::tree::Tree;
use crate::error::Interrupted;
use crate::model::Cell;
use crate::outputs;
use crate::progress::Progress;
use crate::scan::{self, Prepared, plan, target::Target};
use anyhow::Result;
use candidates::{Base, Variation};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// Cheap variations evaluated together in one round (each its own cell, sharing the package
/// set of its system and config).
const CHEAP_PER_ROUND: usize = 48;

pub fn fuzz(args: FuzzArgs) -> Result<()> {
    let started = Instant::now();
    let budget = Duration::from_secs(args.budget);
    let mut p = scan::prepare(&scan_args(&args))?;
    let Target::Tree(tree_path) = p.setup.target.clone() else {
        unreachable!("fuzz scans a tree")
    };
    let matrix = p.cells.clone();
    eprintln!(
        "fodfuzz fuzz: budget {} (--budget), the default matrix of {} cells first",
        clock(budget),
        matrix.len()
    );
    let tree = crate::coverage::tree::analyse(&tree_path)?;
    let fuzz_dir = p.out.join("fuzz");
    std::fs::create_dir_all(&fuzz_dir)?;
    let corpus_file = fuzz_dir.join("corpus.jsonl");
    let corpus = corpus::read(&corpus_file)?;
    let mut found = rounds::Found::default();
    let mut progress = Progress::new(args.quiet, p.expected);
    let journal = p.out.join("journal.jsonl");
    let deadline = started + budget;
    found.round(
        &mut p,
        matrix.clone(),
        &journal,
        args.resume,
        deadline,
        &mut progress,
    )?;
    let cov = found.write(&p, &tree, started.elapsed().as_secs_f64())?;
    let mut s = Search {
        inputs: Inputs::of(&tree)?,
        tree,
        matrix,
        first: first_of(&corpus, &corpus_file),
        corpus,
        corpus_file,
        found,
        cov,
        tried: BTreeSet::new(),
        kept: 0,
        started,
        budget,
        quiet: args.quiet,
    };
    s.report("the default matrix");
    let end = s.run(&mut p);
    eprintln!(
        "fodfuzz fuzz: {}: {} variations tried, {} kept ({}); see coverage.txt in {}",
        end.as_ref().map_or("interrupted", |e| *e),
        s.tried.len(),
        s.kept,
        s.corpus_file.display(),
        p.out.display()
    );
    crate::isolate::write(&p.out)?;
    end?;
    match &args.history {
        Some(h) => crate::history::append(h, &p.out, crate::history::record::Kind::Fuzz),
        None => Ok(()),
    }
}

/// The kept variations of an earlier search, cheap ones first (one round tries them all).
fn first_of(corpus: &BTreeMap<String, corpus::Kept>, file: &std::path::Path) -> Vec<Variation> {
    let mut first: Vec<Variation> = corpus.values().map(corpus::Kept::variation).collect();
    first.sort_by(|a, b| {
        let key = |v: &Variation| (v.whole(), std::cmp::Reverse(v.explains), v.name.clone());
        key(a).cmp(&key(b))
    });
    if !first.is_empty() {
        eprintln!(
            "fodfuzz fuzz: {} variations kept in {} are tried first",
            first.len(),
            file.display()
        );
    }
    first
}

/// A search in progress.
struct Search {
    tree: Tree,
    inputs: Inputs,
    matrix: Vec<Cell>,
    /// The corpus's variations, tried before any candidate.
    first: Vec<Variation>,
    corpus: BTreeMap<String, corpus::Kept>,
    corpus_file: PathBuf,
    found: rounds::Found,
    /// The coverage of everything found so far.
    cov: Coverage,
    tried: BTreeSet<String>,
    kept: usize,
    started: Instant,
    budget: Duration,
    quiet: bool,
}

impl Search {
    /// Rounds of variations until the budget is spent or none is left; why it ended.
    fn run(&mut self, p: &mut Prepared) -> Result<&'static str> {
        let deadline = self.started + self.budget;
        let journal = p.out.join(".fodfuzz/fuzz-round.jsonl");
        loop {
            if let Some(sig) = self.found.interrupted {
                return Err(Interrupted(sig).into());
            }
            if self.found.out_of_time || Instant::now() >= deadline {
                return Ok("the budget is spent");
            }
            let next = self.next();
            if next.is_empty() {
                return Ok("no candidate is left");
            }
            self.tried.extend(next.iter().map(|v| v.name.clone()));
            let cells: Vec<Cell> = next.iter().map(|v| v.cell.clone()).collect();
            let _ = std::fs::remove_file(&journal);
            let mut progress = Progress::new(self.quiet, None);
            let round = self
                .found
                .round(p, cells, &journal, false, deadline, &mut progress)?;
            let after = self
                .found
                .write(p, &self.tree, self.started.elapsed().as_secs_f64())?;
            let gained = rounds::gained(&self.cov, &after);
            let per_cell = rounds::by_cell(&p.cells, &round.findings, &gained);
            self.cov = after;
            let gains = self.keep(&next, per_cell)?;
            let from_corpus = next
                .iter()
                .filter(|v| self.first.iter().any(|f| f.name == v.name))
                .count();
            let what = format!(
                "{} variation{} tried{} ({} in all, {} kept){}",
                next.len(),
                if next.len() == 1 { "" } else { "s" },
                match from_corpus {
                    0 => String::new(),
                    n => format!(", {n} of them from the corpus"),
                },
                self.tried.len(),
                self.kept,
                recent(&gains)
            );
            self.report(&what);
        }
    }

    /// The variations of the next round: the corpus's, then the candidates of the coverage so
    /// far, none tried before.
    fn next(&self) -> Vec<Variation> {
        let mut base = base(&self.matrix);
        base.file_systems = file_systems(&self.tree, &self.found.findings, &base.system);
        let mut pending: Vec<Variation> = self.first.clone();
        pending.extend(candidates::candidates(
            &self.tree,
            &self.inputs,
            &self.cov,
            &base,
        ));
        pending.retain(|v| !self.tried.contains(&v.name) && !in_matrix(v, &self.matrix));
        pick(pending)
    }

    /// Keeps the variations that added literals, writes the corpus; the gains, as text.
    fn keep(
        &mut self,
        tried: &[Variation],
        added: Vec<Vec<String>>,
    ) -> Result<Vec<(String, usize)>> {
        let mut gains = Vec::new();
        for (v, sites) in tried.iter().zip(added) {
            if !sites.is_empty() {
                gains.push((v.name.clone(), sites.len()));
                self.corpus
                    .insert(v.name.clone(), corpus::Kept::new(v, sites));
                self.kept += 1;
            }
        }
        let (dir, name) = (
            self.corpus_file.parent().expect("in DIR/fuzz"),
            "corpus.jsonl",
        );
        outputs::write_file(dir, name, |w| corpus::write(w, &self.corpus))?;
        Ok(gains)
    }

    /// One line after each round: coverage so far, what the round tried, time used of the
    /// budget.
    fn report(&self, what: &str) {
        let (n, m) = (self.cov.literals(), self.cov.reached());
        eprintln!(
            "fodfuzz fuzz: {m} of {n} literals reached ({:.2} %) after {what}; {} of {}",
            percent(m, n),
            clock(self.started.elapsed()),
            clock(self.budget)
        );
    }
}

/// The next round: a whole cell alone (a new system costs as much as a cell of the matrix), or
/// up to [`CHEAP_PER_ROUND`] cheap variations, in the order given.
fn pick(pending: Vec<Variation>) -> Vec<Variation> {
    let mut seen = BTreeSet::new();
    let pending: Vec<Variation> = pending
        .into_iter()
        .filter(|v| seen.insert(v.name.clone()))
        .collect();
    match pending.first() {
        None => Vec::new(),
        Some(v) if v.whole() => vec![v.clone()],
        Some(_) => pending
            .into_iter()
            .filter(|v| !v.whole())
            .take(CHEAP_PER_ROUND)
            .collect(),
    }
}

/// For each file of the tree, a system under which each reached literal of it was reached:
/// `base` when it is one of them (firefox-bin's x86_64 binaries are reached on darwin too),
/// else the first.
fn file_systems(
    tree: &Tree,
    findings: &crate::model::Findings,
    base: &str,
) -> HashMap<String, Vec<String>> {
    let reached = crate::coverage::scan::Reached::from_findings(findings);
    let mut out = HashMap::new();
    for (file, facts) in &tree.files {
        let mut systems: Vec<String> = Vec::new();
        for site in &facts.sites {
            let Some(mut under) = reached.systems_of(&site.digest) else {
                continue;
            };
            under.sort();
            let one = under.iter().find(|s| **s == base).or(under.first());
            if let Some(s) = one.filter(|s| !systems.iter().any(|x| x == **s)) {
                systems.push((*s).to_owned());
            }
        }
        if !systems.is_empty() {
            systems.sort();
            out.insert(file.clone(), systems);
        }
    }
    out
}

/// A whole cell the default matrix already ran.
fn in_matrix(v: &Variation, matrix: &[Cell]) -> bool {
    v.whole()
        && matrix
            .iter()
            .any(|c| c.system == v.cell.system && c.config == v.cell.config)
}

/// Cheap variations run on the matrix's first system, adding to its most permissive config
/// (the one that sets most): unfree and broken packages must not hide what a key adds.
fn base(matrix: &[Cell]) -> Base {
    let first = &matrix[0];
    let config = matrix
        .iter()
        .max_by_key(|c| c.config.matches('=').count())
        .unwrap_or(first);
    let new_config = config.config.matches('=').count() == 0;
    let permissive = if new_config {
        (plan::PERMISSIVE.to_owned(), plan::PERMISSIVE.to_owned())
    } else {
        (config.config.clone(), config.label.clone())
    };
    Base {
        system: first.system.clone(),
        config: permissive.0,
        label: permissive.1,
        file_systems: HashMap::new(),
        new_config,
    }
}

/// The scan a search starts from: the default matrix of `scan`, or the given systems and
/// configs.
fn scan_args(a: &FuzzArgs) -> ScanArgs {
    ScanArgs {
        path: Some(a.tree.clone()),
        expr: None,
        file: None,
        attr: None,
        allow: Vec::new(),
        out: a.out.clone(),
        systems: a.systems.clone(),
        configs: a.configs.clone(),
        matrix: None,
        workers: a.workers,
        attr_timeout: 120.0,
        roots: None,
        max_depth: 8,
        batch: 200,
        max_memory: None,
        recycle_memory: None,
        store: None,
        explain: false,
        nixos_tests: false,
        resume: a.resume,
        force: a.force,
        quiet: a.quiet,
        shard: None,
        shard_index_env: None,
        shards: None,
        history: a.history.clone(),
    }
}

/// The gains of the last round (variation, literals added), the largest first, a few of them.
fn recent(gains: &[(String, usize)]) -> String {
    if gains.is_empty() {
        return String::new();
    }
    let mut g = gains.to_vec();
    g.sort_by_key(|(_, n)| std::cmp::Reverse(*n));
    let more = g.len().saturating_sub(3);
    let shown: Vec<String> = g.iter().take(3).map(|(v, n)| format!("{v} +{n}")).collect();
    let tail = if more > 0 {
        format!(" and {more} more")
    } else {
        String::new()
    };
    format!(": {}{tail}", shown.join(", "))
}

/// `1h02m`, `12m05s`, `40s`: whole seconds used, as progress lines show durations.
fn clock(d: Duration) -> String {
    crate::progress::clock(d.as_secs() as f64)
}

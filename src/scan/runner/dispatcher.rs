//! The dispatcher: every cell's queue of tasks (attribute paths to visit), the batches handed to
//! idle workers, and what each outcome means: a set is expanded into its members (unless it is
//! pruned), a derivation becomes a root of the graph, a failure a record (and, when part of
//! what the attribute needs can be attributed to it soundly, roots marked partial: the `.drv`
//! an import from derivation could not build, the inputs of a derivation that threw). It does no I/O and
//! knows nothing of processes or async: the runner feeds it outcomes and asks it for batches,
//! so every rule here is unit-tested without Nix.
use super::super::alias::{self, Alias, Sets};
use super::super::record::{Outcome, Scope, TaskKey, Visit};
use super::super::shard::{EntryRecord, SetRecord, Shard};
use super::super::walk::{Ancestor, below_derivation, is_pruned};
use super::queues::Queues;
use crate::model::{Cell, CellStats, Failure, FailureKind, Reach, Via};
use crate::nix::{attrpath, errors};
use crate::scan::journal::Replay;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::time::Duration;

mod compare;
mod descend;
mod failed;
mod place;

pub use crate::scan::alias::Moved;

pub use super::queues::TaskId;

/// How the walk goes.
#[derive(Clone, Debug)]
pub struct WalkOptions {
    /// Worker processes: batches shrink when fewer tasks than this many batches are left.
    pub workers: usize,
    pub max_depth: usize,
    pub max_batch: usize,
    /// Re-run paths whose throw tryEval caught, without it, to record Nix's message.
    pub explain: bool,
    /// Only these top-level names are walked (`--roots`); None: all.
    pub roots: Option<HashSet<String>>,
    /// Only the top-level names this shard owns are walked (`--shard`); None: all.
    pub shard: Option<Shard>,
}

/// Tasks of one cell for one worker process.
#[derive(Debug, Clone, PartialEq)]
pub struct Batch {
    pub cell: usize,
    /// Re-run paths whose throw tryEval caught, uncaught, to learn the message.
    pub explain: bool,
    pub tasks: Vec<BatchTask>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct BatchTask {
    pub id: TaskId,
    pub path: Vec<String>,
    /// An alias check: compare the set at `path` with the one at this path.
    pub alias_of: Option<Vec<String>>,
    /// Members of both sets an alias check leaves out.
    pub skip: Vec<String>,
    /// Ask a derivation that threw for its inputs that evaluate.
    pub inputs: bool,
}

/// What an outcome asks of the runner beyond the dispatcher's own state.
#[derive(Debug, PartialEq)]
pub enum Applied {
    Nothing,
    /// Root `index` of the graph is the closure of `drv_path`, for each: a derivation
    /// attribute's, or what an attribute that failed reaches in part.
    Roots(Vec<(usize, String)>),
}

/// Why the walk did not enter a set.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Pruned {
    /// It repeats one of its ancestors.
    Cycle,
    /// The walk is as deep as it goes.
    Depth,
    /// A package set or NixOS configuration hung on a derivation.
    Scope(Scope),
}

/// What the walk of every cell found: roots (attribute → derivation, by index), failures and
/// per-cell counts.
#[derive(Debug, Default)]
pub struct Walked {
    pub roots: Vec<Reach>,
    pub failures: Vec<Failure>,
    pub stats: Vec<CellStats>,
    /// Sets that are another walked set: what is below it is repeated below them at the end.
    pub aliases: Vec<Alias>,
    /// Sets not entered: (cell, path, why).
    pub pruned: Vec<(usize, Vec<String>, Pruned)>,
    /// A shard's walked sets of the size alias checks compare, with the visits below each, and
    /// each cell's visits of the root (every shard visits it): what the merge needs.
    pub sets: Vec<SetRecord>,
    /// A shard's derivations entered, with the visits below each (see [`EntryRecord`]).
    pub entries: Vec<EntryRecord>,
    pub root_visits: Vec<u64>,
    /// What was found below derivations entered under one path, to move below another.
    pub moved: Vec<Moved>,
    /// The longest path the walk visits: what is repeated below an alias goes no deeper.
    pub max_depth: usize,
}

struct Task {
    key: TaskKey,
    /// The sets above this path: a set that repeats one of them is not entered again.
    ancestry: Vec<Ancestor>,
    /// An alias check's set: its sorted names, walked if it is not the set it is compared with.
    names: Option<Vec<String>>,
    /// The worker it was given to: what it expands is queued for that worker.
    worker: usize,
}

pub struct Dispatcher<'a> {
    cells: &'a [Cell],
    opts: &'a WalkOptions,
    tasks: Vec<Task>,
    queues: Queues,
    /// The worker whose outcome is being applied: the home of what it queues.
    home: usize,
    /// Tasks of each cell not yet done: the cell's wall time is taken when it reaches 0.
    open: Vec<u64>,
    walked: Walked,
    /// The sets walked so far, to find the same set under another name.
    sets: Sets,
    /// Alias checks that failed, waiting for the walked set's members.
    comparisons: compare::Waiting,
    /// The derivations whose attributes were walked, to enter each once.
    entered: descend::Entered,
    /// Outcomes an earlier run journaled: applied instead of evaluated again.
    replay: Replay,
    /// Replayed outcomes to apply, by the place of their journal line.
    replayed: BTreeMap<u64, (TaskId, Outcome)>,
    /// Tasks queued since the last batch was taken, with their cell and home: they go to the
    /// front of their queues together, in order.
    staged: Vec<(usize, usize, TaskId)>,
}

impl<'a> Dispatcher<'a> {
    /// A dispatcher with each cell's root queued; `replay` holds outcomes already known.
    pub fn new(cells: &'a [Cell], opts: &'a WalkOptions, replay: Replay) -> Self {
        let mut d = Dispatcher {
            cells,
            opts,
            tasks: Vec::new(),
            queues: Queues::new(cells.len(), opts.workers),
            home: 0,
            open: vec![0; cells.len()],
            walked: Walked {
                stats: vec![CellStats::default(); cells.len()],
                max_depth: opts.max_depth,
                ..Walked::default()
            },
            sets: Sets::default(),
            comparisons: compare::Waiting::default(),
            entered: descend::Entered::default(),
            replay,
            replayed: BTreeMap::new(),
            staged: Vec::new(),
        };
        for (cell, c) in cells.iter().enumerate() {
            // Cells start on different workers.
            d.home = cell;
            if c.start.is_empty() {
                d.enqueue(TaskKey::visit(cell, vec![]));
            }
            // A start path belongs to the shard of its top-level name.
            let owned: Vec<Vec<String>> =
                c.start.iter().filter(|p| d.owns(p, 0)).cloned().collect();
            for path in owned {
                d.enqueue(TaskKey::visit(cell, path));
            }
        }
        d
    }

    /// An outcome replayed from the journal that is still to be applied: the one written first.
    pub fn next_replayed(&mut self) -> Option<(TaskId, Outcome)> {
        self.replayed.pop_first().map(|(_, r)| r)
    }

    pub fn key(&self, id: TaskId) -> &TaskKey {
        &self.tasks[id as usize].key
    }

    /// Attributes visited so far, and tasks known (done or queued).
    pub fn progress(&self) -> (u64, u64) {
        let done = self.walked.stats.iter().map(|s| s.visited).sum();
        (done, self.tasks.len() as u64)
    }

    pub fn failures(&self) -> usize {
        self.walked.failures.len()
    }

    pub fn finish(mut self) -> Walked {
        let placed = self.placed();
        self.walked.moved = place::moved(&placed);
        let ends = place::Ends::new(&placed);
        self.count_saved(&ends);
        if self.opts.shard.is_some() {
            self.count_for_merge(placed, &ends);
        }
        self.walked
    }

    /// Whether this shard walks `path` (the first of its names) below a set at `depth`: every
    /// path unsharded, and every path below the top level.
    fn owns(&self, path: &[String], depth: usize) -> bool {
        match (self.opts.shard, path.first()) {
            (Some(s), Some(name)) if depth == 0 => s.owns(name),
            _ => true,
        }
    }

    /// The visits each alias did not repeat: those whose path ends up below the set it is
    /// (where they were walked depends on which worker entered a derivation first).
    fn count_saved(&mut self, ends: &place::Ends) {
        let mut of: HashMap<(usize, Vec<String>), u64> = HashMap::new();
        for a in &self.walked.aliases {
            of.insert((a.cell, a.of.clone()), 0);
        }
        if of.is_empty() {
            return;
        }
        for t in self.tasks.iter().map(|t| &t.key) {
            if !t.is_visit() {
                continue;
            }
            let mut key = (t.cell, ends.of(t.cell, &t.path));
            while key.1.len() > 1 {
                key.1.pop();
                if let Some(n) = of.get_mut(&key) {
                    *n += 1;
                }
            }
        }
        for a in &self.walked.aliases {
            self.walked.stats[a.cell].visits_saved += of[&(a.cell, a.of.clone())];
        }
    }

    /// The walked sets with the visits below each, and each cell's root visits (see
    /// [`Walked::sets`]); the derivations entered with theirs.
    fn count_for_merge(&mut self, placed: Vec<place::Placed>, ends: &place::Ends) {
        let mut sets: Vec<SetRecord> = self
            .sets
            .all()
            .map(|(cell, print, path)| SetRecord {
                cell,
                path: path.clone(),
                print,
                uncaught: self.comparisons.uncaught(cell, path),
                ..SetRecord::default()
            })
            .collect();
        let index: HashMap<(usize, Vec<String>), usize> = sets
            .iter()
            .enumerate()
            .map(|(i, s)| ((s.cell, s.path.clone()), i))
            .collect();
        self.walked.root_visits = vec![0; self.cells.len()];
        for t in self.tasks.iter().map(|t| &t.key) {
            if !t.is_visit() {
                continue;
            }
            if t.path.is_empty() {
                self.walked.root_visits[t.cell] += 1;
            }
            for len in 1..t.path.len() {
                if let Some(&i) = index.get(&(t.cell, t.path[..len].to_vec())) {
                    sets[i].visits += 1;
                }
            }
            let path = ends.of(t.cell, &t.path);
            for len in 1..path.len() {
                if let Some(&i) = index.get(&(t.cell, path[..len].to_vec())) {
                    sets[i].saves += 1;
                }
            }
        }
        self.walked.sets = sets;
        self.walked.entries = self.entry_visits(placed);
    }

    /// The derivations entered (`placed`, sorted by cell and path), each with the visits below
    /// it that no derivation entered inside it holds.
    fn entry_visits(&self, placed: Vec<place::Placed>) -> Vec<EntryRecord> {
        let mut entries: Vec<EntryRecord> = placed
            .into_iter()
            .map(|p| EntryRecord {
                key: p.key,
                placed: p.to,
                below: SetRecord {
                    cell: p.cell,
                    path: p.at,
                    ..SetRecord::default()
                },
            })
            .collect();
        let index = crate::scan::shard::EntryIndex::new(&entries);
        let mut visits = vec![0u64; entries.len()];
        for t in self.tasks.iter().map(|t| &t.key) {
            if t.is_visit()
                && let Some(i) = index.owner(t.cell, &t.path)
            {
                visits[i] += 1;
            }
        }
        for (e, v) in entries.iter_mut().zip(visits) {
            e.below.visits = v;
        }
        entries
    }

    fn enqueue(&mut self, key: TaskKey) -> TaskId {
        let id = self.tasks.len() as TaskId;
        self.open[key.cell] += 1;
        match self.replay.remove(&key) {
            Some((place, outcome)) => {
                self.replayed.insert(place, (id, outcome));
            }
            None => self.staged.push((key.cell, self.home, id)),
        }
        self.tasks.push(Task {
            key,
            ancestry: vec![],
            names: None,
            worker: self.home,
        });
        id
    }

    /// Up to `max_batch` paths for `worker` (see [`Queues`] for which), smaller when few are
    /// left so that every worker gets a share; explain re-runs are never mixed with visits.
    pub fn next_batch(&mut self, worker: usize) -> Option<Batch> {
        // What the outcomes since the last batch queued (at the start, the roots) is done next
        // by the worker that found it, in the order found: the members of a set right after
        // the set, depth first, while that process has the set's evaluation at hand. Breadth
        // first, each worker's queue ended in the members of the sets it expanded last, which
        // is where another worker takes from, and both evaluated the same package sets (the
        // workers' CPU over release-16.03 varied from 90 to 145 s between runs). Depth first,
        // the back of a queue is the top-level names furthest from its owner.
        for (cell, home, id) in self.staged.drain(..).rev() {
            self.queues.push_front(cell, home, id);
        }
        let tasks = &self.tasks;
        let (queues, opts) = (&mut self.queues, self.opts);
        let workers = opts.workers.max(1);
        let waiting: Vec<usize> = (0..self.cells.len()).map(|c| queues.waiting(c)).collect();
        let (cell, ids) = queues.take(
            worker,
            |c| (waiting[c] / workers).clamp(1, opts.max_batch),
            |id| tasks[id as usize].key.explain,
        )?;
        let explain = self.tasks[ids[0] as usize].key.explain;
        let tasks = ids
            .into_iter()
            .map(|id| {
                let task = &mut self.tasks[id as usize];
                task.worker = worker;
                BatchTask {
                    id,
                    path: task.key.path.clone(),
                    alias_of: task.key.alias_of.clone(),
                    skip: task.key.skip.clone(),
                    inputs: task.key.inputs,
                }
            })
            .collect();
        Some(Batch {
            cell,
            explain,
            tasks,
        })
    }

    /// Applies one outcome; `elapsed` is the time since the run started (a cell's wall time).
    pub fn apply(&mut self, id: TaskId, outcome: Outcome, elapsed: Duration) -> Applied {
        self.home = self.tasks[id as usize].worker;
        let key = &self.tasks[id as usize].key;
        let (cell, inputs, root) = (key.cell, key.inputs, key.path.is_empty());
        let cell_of = &self.cells[cell];
        let reach = Reach::new(attrpath::show(&key.path), &cell_of.system, &cell_of.label);
        // A re-run, a comparison or a question for inputs is not a visit of its own.
        let visit = key.is_visit();
        if visit {
            self.walked.stats[cell].visited += 1;
            self.member_done(id, matches!(outcome, Outcome::Failed { .. }));
        }
        let applied = match outcome {
            // A target that is one derivation is that root in shard 0 only.
            Outcome::Visited(Visit::Drv { .. })
                if root && self.opts.shard.is_some_and(|s| s.index > 0) =>
            {
                Applied::Nothing
            }
            Outcome::Visited(Visit::Drv {
                drv_path,
                attrs,
                name,
            }) => {
                self.walked.stats[cell].derivations += 1;
                self.walked.roots.push(reach);
                let entered = descend::Found {
                    drv_path: drv_path.clone(),
                    name,
                    attrs,
                };
                self.descend(id, entered);
                Applied::Roots(vec![(self.walked.roots.len() - 1, drv_path)])
            }
            Outcome::Visited(Visit::Inputs { drv_paths }) => {
                self.partial(cell, reach, Via::Inputs, drv_paths)
            }
            // A question for inputs that failed: the attribute's failure is recorded already.
            Outcome::Failed { .. } if inputs => Applied::Nothing,
            Outcome::Visited(Visit::Throw { derivation: true }) if visit => {
                let path = self.tasks[id as usize].key.path.clone();
                self.enqueue(TaskKey {
                    inputs: true,
                    ..TaskKey::visit(cell, path)
                });
                self.throw(id, cell, reach)
            }
            Outcome::Visited(Visit::Set { names, list, scope }) => {
                self.expand(id, names, list, scope);
                Applied::Nothing
            }
            Outcome::Visited(Visit::Skip) => Applied::Nothing,
            Outcome::Visited(Visit::Huge { length }) => {
                let message = format!("a list of {length} elements: too long to walk");
                self.fail(cell, reach, FailureKind::TooLarge, message);
                Applied::Nothing
            }
            Outcome::Visited(Visit::NixosTest) => {
                let message = "a NixOS test: not evaluated (scan --nixos-tests evaluates it)";
                self.fail(cell, reach, FailureKind::NixosTest, message.into());
                Applied::Nothing
            }
            Outcome::Visited(Visit::Alias { equal }) => {
                self.compared(id, equal);
                Applied::Nothing
            }
            Outcome::Visited(Visit::Throw { .. }) => self.throw(id, cell, reach),
            // A comparison that failed (an error tryEval cannot catch) is tried again without
            // the walked set's members that fail so, or is no alias.
            Outcome::Failed { .. } if self.tasks[id as usize].key.alias_of.is_some() => {
                self.comparison_failed(id);
                Applied::Nothing
            }
            Outcome::Failed { kind, message } => {
                // The .drv an import from derivation needed is in the store: its closure is
                // what evaluating the attribute needs built.
                let ifd = match kind {
                    FailureKind::ImportFromDerivation => errors::unbuilt_drv(&message),
                    _ => None,
                };
                self.fail(cell, reach.clone(), kind, message);
                match ifd {
                    Some(drv) => self.partial(cell, reach, Via::ImportFromDerivation, vec![drv]),
                    None => Applied::Nothing,
                }
            }
        };
        self.open[cell] -= 1;
        if self.open[cell] == 0 {
            self.walked.stats[cell].wall = elapsed;
        }
        applied
    }

    /// Queues the members of a set (or the elements of a list) unless the set repeats an
    /// ancestor or the walk is as deep as it may go; a large set with the names of a set already
    /// walked is first compared with it.
    fn expand(&mut self, id: TaskId, mut names: Vec<String>, list: bool, scope: Option<Scope>) {
        let task = &self.tasks[id as usize];
        let (cell, depth) = (task.key.cell, task.key.path.len());
        // A package set or a NixOS configuration hung on a derivation is a copy of what the
        // walk reaches elsewhere (python3.pkgs is python3Packages) or the machinery the package
        // was built or tested with (an override's package set, a NixOS test's nodes): walking it
        // is walking nixpkgs again, for each such derivation.
        if let Some(scope) = scope.filter(|_| below_derivation(&task.ancestry)) {
            let stats = &mut self.walked.stats[cell];
            match scope {
                Scope::PackageSet => stats.package_sets_pruned += 1,
                Scope::Nixos => stats.nixos_pruned += 1,
            }
            let path = task.key.path.clone();
            self.walked.pruned.push((cell, path, Pruned::Scope(scope)));
            return;
        }
        let mut ancestry = task.ancestry.clone();
        if !list {
            names.sort();
            let me = if depth == 0 {
                Ancestor::root(&names)
            } else {
                Ancestor::new(&names)
            };
            if task.ancestry.iter().any(|a| a.repeated_by(&me, &names)) {
                self.walked.stats[cell].cycles_pruned += 1;
                self.walked
                    .pruned
                    .push((cell, task.key.path.clone(), Pruned::Cycle));
                return;
            }
            ancestry.push(me);
        }
        if depth >= self.opts.max_depth {
            self.walked.stats[cell].depth_pruned += 1;
            self.walked
                .pruned
                .push((cell, task.key.path.clone(), Pruned::Depth));
            return;
        }
        let path = task.key.path.clone();
        if !list && depth > 0 && names.len() >= alias::MIN_NAMES {
            let print = alias::print(&names);
            self.compare_or_walk(cell, path, None, ancestry, names, print);
        } else {
            self.queue_members(cell, &path, &ancestry, names);
        }
    }

    /// Queues the members of the set at `path`; how many.
    fn queue_members(
        &mut self,
        cell: usize,
        path: &[String],
        ancestry: &[Ancestor],
        names: Vec<String>,
    ) -> usize {
        let roots = self.opts.roots.as_ref().filter(|_| path.is_empty());
        // A variation entering entries (lists on) visits every member of the entry it starts
        // at: texlive's packages hold their containers in a list named `pkgs`.
        let c = &self.cells[cell];
        let entry = c.lists && c.start.iter().any(|s| s.as_slice() == path);
        let owned = |n: &String| self.owns(std::slice::from_ref(n), path.len());
        let names: Vec<String> = names
            .into_iter()
            .filter(|n| (entry || !is_pruned(n)) && roots.is_none_or(|r| r.contains(n)) && owned(n))
            .collect();
        let (n, workers, home) = (names.len(), self.queues.workers(), self.home);
        for (i, name) in names.into_iter().enumerate() {
            // The top level is shared out in contiguous runs, one per worker.
            if path.is_empty() {
                self.home = home + i * workers / n;
            }
            let mut child = path.to_vec();
            child.push(name);
            let child = self.enqueue(TaskKey::visit(cell, child));
            self.tasks[child as usize].ancestry = ancestry.to_vec();
        }
        self.home = home;
        n
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cells(n: usize) -> Vec<Cell> {
        (0..n)
            .map(|i| Cell::new(&format!("sys{i}-linux"), "{}", "{}"))
            .collect()
    }

    fn opts(workers: usize, max_batch: usize) -> WalkOptions {
        WalkOptions {
            workers,
            max_depth: 8,
            max_batch,
            explain: false,
            roots: None,
            shard: None,
        }
    }

    /// The names of a set large enough to be compared with a walked one: `p0` … `p49`.
    fn members() -> Vec<&'static str> {
        static NAMES: std::sync::LazyLock<Vec<String>> =
            std::sync::LazyLock::new(|| (0..alias::MIN_NAMES).map(|i| format!("p{i}")).collect());
        NAMES.iter().map(String::as_str).collect()
    }

    fn set(names: &[&str]) -> Outcome {
        Outcome::Visited(Visit::Set {
            names: names.iter().map(|n| n.to_string()).collect(),
            list: false,
            scope: None,
        })
    }

    fn drv(path: &str) -> Outcome {
        Outcome::Visited(Visit::Drv {
            drv_path: path.into(),
            name: None,
            attrs: vec![],
        })
    }

    fn paths(b: &Batch) -> Vec<String> {
        b.tasks.iter().map(|t| t.path.join(".")).collect()
    }

    /// Takes the next batch and applies `outcome(path)` to each of its tasks.
    fn serve(d: &mut Dispatcher, outcome: impl Fn(&[String]) -> Outcome) -> Batch {
        let b = d.next_batch(0).expect("a batch");
        for t in &b.tasks {
            d.apply(t.id, outcome(&t.path), Duration::ZERO);
        }
        b
    }

    #[test]
    fn each_cell_starts_with_its_root() {
        let (c, o) = (cells(2), opts(1, 10));
        let mut d = Dispatcher::new(&c, &o, HashMap::new());
        let a = d.next_batch(0).unwrap();
        let b = d.next_batch(0).unwrap();
        // Equal queues: the last cell first.
        assert_eq!((a.cell, b.cell), (1, 0));
        assert_eq!(paths(&a), vec![""]);
        assert!(d.next_batch(0).is_none());
        assert_eq!(d.progress(), (0, 2));
    }

    #[test]
    fn batches_shrink_so_that_every_worker_gets_a_share() {
        let (c, o) = (cells(1), opts(2, 3));
        let mut d = Dispatcher::new(&c, &o, HashMap::new());
        let names: Vec<String> = (0..10).map(|i| format!("p{i}")).collect();
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        serve(&mut d, |_| set(&names));
        let mut batches = Vec::new();
        for w in [0, 1].iter().cycle() {
            match d.next_batch(*w) {
                Some(b) => batches.push(paths(&b).join(" ")),
                None => break,
            }
        }
        // 10 waiting: 10/2 capped at 3; then 7/2, 4/2, 2/2, 1. Each worker takes its own
        // contiguous half of the top level (p0-p4, p5-p9) and the last from the other's end.
        assert_eq!(batches, ["p0 p1 p2", "p5 p6 p7", "p3 p4", "p8", "p9"]);
    }

    #[test]
    fn the_cell_with_most_waiting_goes_first() {
        let (c, o) = (cells(2), opts(1, 100));
        let mut d = Dispatcher::new(&c, &o, HashMap::new());
        let first = serve(&mut d, |_| set(&["a", "b", "c"])).cell;
        serve(&mut d, |_| set(&["a"]));
        assert_eq!(d.next_batch(0).unwrap().cell, first);
        assert_eq!(d.next_batch(0).unwrap().cell, 1 - first);
    }

    #[test]
    fn expansion_sorts_prunes_names_and_honours_roots() {
        let c = cells(1);
        let mut o = opts(1, 100);
        o.roots = Some(["b".to_owned(), "lib".to_owned(), "s".to_owned()].into());
        let mut d = Dispatcher::new(&c, &o, HashMap::new());
        serve(&mut d, |_| set(&["s", "c", "b", "lib", "pkgs"]));
        // lib is pruned even when named; c is not a root.
        let b = serve(&mut d, |p| {
            if p == ["s"] {
                set(&["z", "override", "c"])
            } else {
                drv("/nix/store/b.drv")
            }
        });
        assert_eq!(paths(&b), vec!["b", "s"]);
        // --roots filters the top level only; `override` is pruned below it too.
        assert_eq!(paths(&d.next_batch(0).unwrap()), vec!["s.c", "s.z"]);
    }

    #[test]
    fn a_set_repeating_an_ancestor_and_the_depth_limit_stop_the_walk() {
        let c = cells(1);
        let mut o = opts(1, 100);
        o.max_depth = 3;
        let mut d = Dispatcher::new(&c, &o, HashMap::new());
        serve(&mut d, |_| set(&["cyclic", "tower"]));
        // cyclic.loop is cyclic itself: the same names as an ancestor.
        serve(&mut d, |p| match p[0].as_str() {
            "cyclic" => set(&["loop", "tool"]),
            _ => set(&["t1"]),
        });
        serve(&mut d, |p| match p {
            [_, l] if l == "loop" => set(&["loop", "tool"]),
            [_, t] if t == "tool" => drv("/nix/store/tool.drv"),
            _ => set(&["t2"]),
        });
        // tower.t1.t2 is at depth 3: its names are not queued.
        serve(&mut d, |_| set(&["t3"]));
        assert!(d.next_batch(0).is_none());
        let w = d.finish();
        assert_eq!(w.stats[0].cycles_pruned, 1);
        assert_eq!(w.stats[0].depth_pruned, 1);
        assert_eq!(w.stats[0].visited, 7);
        assert_eq!(w.stats[0].derivations, 1);
    }

    #[test]
    fn lists_are_not_compared_with_ancestors() {
        let (c, o) = (cells(1), opts(1, 100));
        let mut d = Dispatcher::new(&c, &o, HashMap::new());
        let list = |n: usize| {
            Outcome::Visited(Visit::Set {
                names: (0..n).map(|i| i.to_string()).collect(),
                list: true,
                scope: None,
            })
        };
        serve(&mut d, |_| list(2));
        // Elements that are lists of the same length are still entered.
        serve(&mut d, |_| list(2));
        assert_eq!(d.next_batch(0).unwrap().tasks.len(), 4);
    }

    #[test]
    fn derivations_become_roots_and_failures_records() {
        let (c, o) = (cells(1), opts(1, 100));
        let mut d = Dispatcher::new(&c, &o, HashMap::new());
        serve(&mut d, |_| set(&["a", "b", "c"]));
        let b = d.next_batch(0).unwrap();
        let applied = d.apply(b.tasks[0].id, drv("/nix/store/a.drv"), Duration::ZERO);
        assert_eq!(
            applied,
            Applied::Roots(vec![(0, "/nix/store/a.drv".into())])
        );
        let failed = Outcome::failed(FailureKind::InfiniteRecursion, "m");
        d.apply(b.tasks[1].id, failed, Duration::ZERO);
        d.apply(
            b.tasks[2].id,
            Outcome::Visited(Visit::Throw { derivation: false }),
            Duration::from_secs(7),
        );
        let w = d.finish();
        assert_eq!(w.roots[0].attr_path, "a");
        let kinds: Vec<(&str, FailureKind)> = w
            .failures
            .iter()
            .map(|f| (f.attr_path.as_str(), f.kind))
            .collect();
        assert_eq!(
            kinds,
            vec![
                ("b", FailureKind::InfiniteRecursion),
                ("c", FailureKind::Throw)
            ]
        );
        assert_eq!(w.stats[0].failures, 2);
        assert_eq!(
            w.stats[0].wall,
            Duration::from_secs(7),
            "the last task's time"
        );
    }

    #[test]
    fn a_sets_members_come_before_older_tasks_in_the_order_found() {
        let (c, o) = (cells(1), opts(1, 2));
        let mut d = Dispatcher::new(&c, &o, HashMap::new());
        serve(&mut d, |_| set(&["a", "b", "c", "d"]));
        // a and b are sets: their members are next, a's first, and c and d wait.
        let first = serve(&mut d, |p| {
            set(&[&format!("{}1", p[0]), &format!("{}2", p[0])])
        });
        assert_eq!(paths(&first), vec!["a", "b"]);
        assert_eq!(paths(&d.next_batch(0).unwrap()), vec!["a.a1", "a.a2"]);
        assert_eq!(paths(&d.next_batch(0).unwrap()), vec!["b.b1", "b.b2"]);
        assert_eq!(paths(&d.next_batch(0).unwrap()), vec!["c", "d"]);
    }

    #[test]
    fn explain_requeues_a_caught_throw_alone() {
        let c = cells(1);
        let mut o = opts(1, 100);
        o.explain = true;
        let mut d = Dispatcher::new(&c, &o, HashMap::new());
        serve(&mut d, |_| set(&["a", "b", "c"]));
        serve(&mut d, |p| match p[0].as_str() {
            "b" => Outcome::Visited(Visit::Throw { derivation: false }),
            _ => set(&["x"]),
        });
        // The explain re-run of b keeps its place in the queue, in a batch of its own.
        let visits = d.next_batch(0).unwrap();
        assert!(!visits.explain);
        assert_eq!(paths(&visits), vec!["a.x"]);
        let explain = d.next_batch(0).unwrap();
        assert!(explain.explain);
        assert_eq!(paths(&explain), vec!["b"]);
        let rest = serve(&mut d, |_| Outcome::Visited(Visit::Skip));
        assert_eq!(paths(&rest), vec!["c.x"]);
        let id = explain.tasks[0].id;
        assert!(d.key(id).explain);
        d.apply(
            id,
            Outcome::failed(FailureKind::Throw, "b is broken"),
            Duration::ZERO,
        );
        let (done, _) = d.progress();
        // The root, a, b, c and c.x (a.x is still out): b is not counted twice.
        assert_eq!(done, 5, "an explain re-run is not a second visit");
        let w = d.finish();
        assert_eq!(w.failures.len(), 1);
        assert_eq!(w.failures[0].message, "b is broken");
    }

    #[test]
    fn replayed_outcomes_are_applied_not_queued() {
        let (c, o) = (cells(1), opts(1, 100));
        let key = |path: &[&str]| TaskKey::visit(0, path.iter().map(|p| p.to_string()).collect());
        let replay = HashMap::from([
            (key(&[]), (0, set(&["a", "b"]))),
            (key(&["a"]), (1, drv("/a.drv"))),
        ]);
        let mut d = Dispatcher::new(&c, &o, replay);
        assert!(d.next_batch(0).is_none(), "the root is replayed");
        let (id, outcome) = d.next_replayed().unwrap();
        d.apply(id, outcome, Duration::ZERO);
        let (id, outcome) = d.next_replayed().unwrap();
        assert_eq!(d.key(id), &key(&["a"]));
        d.apply(id, outcome, Duration::ZERO);
        assert_eq!(paths(&d.next_batch(0).unwrap()), vec!["b"]);
    }

    #[test]
    fn a_replay_walks_and_compares_the_sets_the_journaled_run_did() {
        let (c, o) = (cells(1), opts(1, 1000));
        let big = members();
        let key = |path: &[&str]| TaskKey::visit(0, path.iter().map(|p| p.to_string()).collect());
        // The run expanded c before b (as a worker's timing may have it): c was walked, b
        // compared with it and found equal.
        let mut journal = vec![
            (key(&[]), set(&["b", "c"])),
            (key(&["c"]), set(&big)),
            (key(&["b"]), set(&big)),
        ];
        for n in &big {
            journal.push((key(&["c", n]), drv("/nix/store/x.drv")));
        }
        let check = TaskKey {
            alias_of: Some(vec!["c".into()]),
            ..key(&["b"])
        };
        journal.push((check, Outcome::Visited(Visit::Alias { equal: true })));
        let replay = journal
            .into_iter()
            .enumerate()
            .map(|(place, (k, outcome))| (k, (place as u64, outcome)))
            .collect();
        let mut d = Dispatcher::new(&c, &o, replay);
        while let Some((id, outcome)) = d.next_replayed() {
            d.apply(id, outcome, Duration::ZERO);
        }
        assert!(d.next_batch(0).is_none(), "nothing to evaluate again");
        let w = d.finish();
        let aliased: Vec<(String, String)> = w
            .aliases
            .iter()
            .map(|a| (a.path.join("."), a.of.join(".")))
            .collect();
        assert_eq!(aliased, [("b".to_owned(), "c".to_owned())]);
    }

    #[test]
    fn an_unread_root_is_a_failure_not_a_derivation() {
        let (c, o) = (cells(2), opts(1, 100));
        let mut d = Dispatcher::new(&c, &o, HashMap::new());
        let b = d.next_batch(0).unwrap();
        d.apply(b.tasks[0].id, drv("/nix/store/x.drv"), Duration::ZERO);
        assert_eq!(d.walked.stats[b.cell].derivations, 1);
        d.unread_root(0, "reading x.drv: gone".into());
        let w = d.finish();
        assert_eq!(w.stats[b.cell].derivations, 0);
        assert_eq!(w.stats[b.cell].failures, 1);
        assert_eq!(w.failures[0].kind, FailureKind::EvalError);
        assert_eq!(w.failures[0].system, c[b.cell].system);
    }

    #[test]
    fn an_import_from_derivation_reaches_the_drv_it_could_not_build_in_part() {
        let (c, o) = (cells(1), opts(1, 100));
        let mut d = Dispatcher::new(&c, &o, HashMap::new());
        serve(&mut d, |_| set(&["img", "odd"]));
        let b = d.next_batch(0).unwrap();
        let ifd = |m: &str| Outcome::failed(FailureKind::ImportFromDerivation, m);
        let m = "cannot build '/nix/store/x-list.nix.drv^out' during evaluation because the option 'allow-import-from-derivation' is disabled";
        let applied = d.apply(b.tasks[0].id, ifd(m), Duration::ZERO);
        assert_eq!(
            applied,
            Applied::Roots(vec![(0, "/nix/store/x-list.nix.drv".into())])
        );
        // A message that names no .drv is only a failure.
        let applied = d.apply(
            b.tasks[1].id,
            ifd("allow-import-from-derivation"),
            Duration::ZERO,
        );
        assert_eq!(applied, Applied::Nothing);
        assert!(d.next_batch(0).is_none(), "nothing more to ask");
        let w = d.finish();
        assert_eq!(w.roots.len(), 1);
        assert_eq!(w.roots[0].attr_path, "img");
        assert_eq!(w.roots[0].via, Some(Via::ImportFromDerivation));
        assert_eq!(w.failures.len(), 2, "both attributes failed");
        assert_eq!(
            (w.stats[0].derivations, w.stats[0].partial_attributes),
            (0, 1)
        );
    }

    #[test]
    fn a_derivation_that_threw_is_asked_for_its_inputs() {
        let (c, o) = (cells(1), opts(1, 100));
        let mut d = Dispatcher::new(&c, &o, HashMap::new());
        serve(&mut d, |_| set(&["a", "b", "c"]));
        serve(&mut d, |p| match p[0].as_str() {
            "a" => Outcome::Visited(Visit::Throw { derivation: true }),
            "b" => Outcome::Visited(Visit::Throw { derivation: false }),
            _ => Outcome::Visited(Visit::Throw { derivation: true }),
        });
        let asked = d.next_batch(0).unwrap();
        assert_eq!(paths(&asked), vec!["a", "c"]);
        assert!(asked.tasks.iter().all(|t| t.inputs) && !asked.explain);
        let found = Outcome::Visited(Visit::Inputs {
            drv_paths: vec![
                "/nix/store/s.drv".into(),
                "/nix/store/l.drv".into(),
                "/nix/store/s.drv".into(),
            ],
        });
        let applied = d.apply(asked.tasks[0].id, found, Duration::ZERO);
        let want = vec![
            (0, "/nix/store/l.drv".to_owned()),
            (1, "/nix/store/s.drv".into()),
        ];
        assert_eq!(applied, Applied::Roots(want));
        // A question that fails (an error tryEval cannot catch) adds nothing.
        let failed = Outcome::failed(FailureKind::EvalError, "m");
        assert_eq!(
            d.apply(asked.tasks[1].id, failed, Duration::ZERO),
            Applied::Nothing
        );
        // A partial root whose closure cannot be read is dropped, not a second failure.
        d.unread_root(1, "gone".into());
        let w = d.finish();
        assert!(
            w.roots
                .iter()
                .all(|r| r.attr_path == "a" && r.via == Some(Via::Inputs))
        );
        assert_eq!(w.failures.len(), 3, "a, b and c, once each");
        assert_eq!(w.stats[0].visited, 4, "questions are not visits");
        assert_eq!(w.stats[0].partial_attributes, 1);
    }

    #[test]
    fn a_large_set_with_a_walked_sets_names_is_compared_first() {
        let (c, o) = (cells(1), opts(1, 1000));
        let mut d = Dispatcher::new(&c, &o, HashMap::new());
        let big = members();
        serve(&mut d, |_| set(&["a", "b", "c"]));
        // a is walked; b and c have its names: each is compared with it first.
        let b = serve(&mut d, |_| set(&big));
        assert_eq!(paths(&b), vec!["a", "b", "c"]);
        let mut next = d.next_batch(0).unwrap();
        let members = next.tasks.drain(..alias::MIN_NAMES).count();
        assert_eq!(members, alias::MIN_NAMES, "a's members");
        let checks: Vec<_> = next.tasks.iter().map(|t| t.alias_of.clone()).collect();
        assert_eq!(checks, vec![Some(vec!["a".to_owned()]); 2]);
        // b is a; c is not, and with nothing else to compare it with, it is walked.
        for t in &next.tasks {
            let equal = t.path == ["b"];
            d.apply(
                t.id,
                Outcome::Visited(Visit::Alias { equal }),
                Duration::ZERO,
            );
        }
        let c_members = d.next_batch(0).unwrap();
        assert!(
            c_members
                .tasks
                .iter()
                .all(|t| t.path[0] == "c" && t.alias_of.is_none())
        );
        assert_eq!(c_members.tasks.len(), alias::MIN_NAMES);
        let w = d.finish();
        let of = |p: &str| vec![p.to_owned()];
        assert_eq!(
            w.aliases,
            vec![Alias {
                cell: 0,
                path: of("b"),
                of: of("a")
            }]
        );
        assert_eq!(w.stats[0].aliased_sets, 1);
        // a's members were queued (the visits b did not repeat); checks are not visits.
        assert_eq!(w.stats[0].visits_saved, alias::MIN_NAMES as u64);
        assert_eq!(w.stats[0].visited, 4);
    }

    #[test]
    fn a_comparison_that_failed_waits_for_the_walked_sets_members_and_leaves_out_theirs() {
        let (c, o) = (cells(1), opts(1, 1000));
        let mut d = Dispatcher::new(&c, &o, HashMap::new());
        let big = members();
        // b has a's names and the flag recurseIntoAttrs adds: still compared with a.
        let mut flagged = big.clone();
        flagged.push("recurseForDerivations");
        serve(&mut d, |_| set(&["a", "b", "c"]));
        let sets = d.next_batch(0).unwrap();
        for t in &sets.tasks {
            let names = if t.path == ["b"] { &flagged } else { &big };
            d.apply(t.id, set(names), Duration::ZERO);
        }
        // a's members first (depth first), then the checks of b and c.
        let mut next = d.next_batch(0).unwrap();
        let members: Vec<BatchTask> = next.tasks.drain(..alias::MIN_NAMES).collect();
        assert!(
            next.tasks
                .iter()
                .all(|t| t.alias_of == Some(vec!["a".into()]))
        );
        assert_eq!(next.tasks.len(), 2);
        // Both checks fail (a member recurses for ever) before a's members are visited: they
        // wait, nothing is queued.
        let uncaught = || Outcome::failed(FailureKind::InfiniteRecursion, "m");
        for t in &next.tasks {
            d.apply(t.id, uncaught(), Duration::ZERO);
        }
        assert!(d.next_batch(0).is_none());
        // a's last members: p3's visit fails so too. Then both checks come again without p3.
        for t in &members {
            let outcome = if t.path == ["a", "p3"] {
                uncaught()
            } else {
                drv("/nix/store/x.drv")
            };
            d.apply(t.id, outcome, Duration::ZERO);
        }
        let again = d.next_batch(0).unwrap();
        assert_eq!(again.tasks.len(), 2);
        assert!(again.tasks.iter().all(|t| t.skip == ["p3"]));
        // b is a without p3; c fails again: no alias, walked.
        for t in &again.tasks {
            let outcome = if t.path == ["b"] {
                Outcome::Visited(Visit::Alias { equal: true })
            } else {
                uncaught()
            };
            d.apply(t.id, outcome, Duration::ZERO);
        }
        let c_members = d.next_batch(0).unwrap();
        assert_eq!(c_members.tasks.len(), alias::MIN_NAMES);
        assert!(c_members.tasks.iter().all(|t| t.path[0] == "c"));
        let w = d.finish();
        let aliased: Vec<String> = w.aliases.iter().map(|a| a.path.join(".")).collect();
        assert_eq!(aliased, ["b"]);
    }

    #[test]
    fn a_set_equal_to_the_set_it_hangs_in_is_a_cycle_not_an_alias() {
        let (c, o) = (cells(1), opts(1, 1000));
        let mut d = Dispatcher::new(&c, &o, HashMap::new());
        let mut members = members();
        members.push("recurseForDerivations");
        serve(&mut d, |_| set(&["freebsd"]));
        // freebsd holds buildFreebsd, itself without the flag: compared with freebsd, equal.
        let mut own = members.clone();
        own.push("buildFreebsd");
        serve(&mut d, |_| set(&own));
        let mut inner = own.clone();
        inner.retain(|n| *n != "recurseForDerivations");
        let b = serve(&mut d, |p| {
            if p.len() == 2 && p[1] == "buildFreebsd" {
                set(&inner)
            } else {
                drv("/nix/store/x.drv")
            }
        });
        assert_eq!(b.tasks.len(), alias::MIN_NAMES + 2);
        let check = d.next_batch(0).unwrap();
        assert_eq!(check.tasks[0].alias_of, Some(vec!["freebsd".to_owned()]));
        let equal = Outcome::Visited(Visit::Alias { equal: true });
        d.apply(check.tasks[0].id, equal, Duration::ZERO);
        assert!(d.next_batch(0).is_none());
        let w = d.finish();
        assert!(w.aliases.is_empty());
        assert_eq!(w.stats[0].cycles_pruned, 1);
    }

    #[test]
    fn a_variation_starts_from_its_paths() {
        let mut c = cells(1);
        c[0].start = vec![vec!["xfce".to_owned()], vec!["a".into(), "b".into()]];
        let o = opts(1, 100);
        let mut d = Dispatcher::new(&c, &o, HashMap::new());
        assert_eq!(paths(&d.next_batch(0).unwrap()), vec!["xfce", "a.b"]);
        assert!(d.next_batch(0).is_none(), "not the root");
    }

    #[test]
    fn a_variation_entering_entries_visits_their_pruned_members_only() {
        let members = |lists: bool| {
            let mut c = cells(1);
            c[0].start = vec![vec!["tex".to_owned(), "amsmath".into()]];
            c[0].lists = lists;
            let o = opts(1, 100);
            let mut d = Dispatcher::new(&c, &o, HashMap::new());
            serve(&mut d, |_| set(&["pkgs", "lib", "doc"]));
            let next = paths(&serve(&mut d, |_| set(&["pkgs", "x"])));
            // Below them, pruning holds again.
            let below = paths(&d.next_batch(0).unwrap());
            (next, below)
        };
        let (next, below) = members(false);
        assert_eq!(next, ["tex.amsmath.doc"]);
        assert_eq!(below, ["tex.amsmath.doc.x"]);
        let (next, below) = members(true);
        assert_eq!(
            next,
            ["tex.amsmath.doc", "tex.amsmath.lib", "tex.amsmath.pkgs"]
        );
        assert_eq!(below.len(), 3);
        assert!(below.iter().all(|p| p.ends_with(".x")), "{below:?}");
    }
    fn drv_with(path: &str, attrs: &[&str]) -> Outcome {
        Outcome::Visited(Visit::Drv {
            drv_path: path.into(),
            name: None,
            attrs: attrs.iter().map(|a| a.to_string()).collect(),
        })
    }

    #[test]
    fn a_derivation_is_entered_once_per_cell_and_its_finds_move_to_its_first_path() {
        let (c, o) = (cells(1), opts(1, 100));
        let mut d = Dispatcher::new(&c, &o, HashMap::new());
        serve(&mut d, |_| set(&["zope", "python", "lhapdf"]));
        // The interpreter hangs on zope too; zope comes first in the batch and is entered
        // there.
        let python = || drv_with("/nix/store/py.drv", &["pkgs", "lib", "sitePackages"]);
        let b = serve(&mut d, |p| match p[0].as_str() {
            "zope" => set(&["python"]),
            "python" => python(),
            _ => drv_with("/nix/store/lhapdf.drv", &["pdf_sets"]),
        });
        assert_eq!(paths(&b), ["lhapdf", "python", "zope"]);
        // python's pkgs is walked (pkgs under a derivation is its package set), lib is not.
        let next = serve(&mut d, |p| match p.last().unwrap().as_str() {
            "pdf_sets" => set(&["CT10"]),
            "python" => python(),
            _ => Outcome::Visited(Visit::Skip),
        });
        assert_eq!(
            paths(&next),
            [
                "lhapdf.pdf_sets",
                "python.pkgs",
                "python.sitePackages",
                "zope.python"
            ]
        );
        let last = serve(&mut d, |_| drv("/nix/store/ct10.drv"));
        assert_eq!(paths(&last), ["lhapdf.pdf_sets.CT10"]);
        assert!(
            d.next_batch(0).is_none(),
            "zope.python is not entered again"
        );
        let w = d.finish();
        assert_eq!(w.stats[0].entered_derivations, 2);
        assert!(w.moved.is_empty(), "python was entered at its first path");
        assert!(
            w.roots
                .iter()
                .any(|r| r.attr_path == "lhapdf.pdf_sets.CT10")
        );
    }

    fn scope(names: &[&str], scope: Scope) -> Outcome {
        Outcome::Visited(Visit::Set {
            names: names.iter().map(|n| n.to_string()).collect(),
            list: false,
            scope: Some(scope),
        })
    }

    /// A package set or NixOS configuration hung on a derivation is not walked (counted, with
    /// why); the same kind of set elsewhere (python3Packages at the top level) is.
    #[test]
    fn package_sets_and_nixos_configurations_below_a_derivation_are_pruned() {
        let (c, o) = (cells(1), opts(1, 100));
        let mut d = Dispatcher::new(&c, &o, HashMap::new());
        serve(&mut d, |_| set(&["python3", "python3Packages", "bird"]));
        serve(&mut d, |p| match p[0].as_str() {
            "python3" => drv_with("/nix/store/py.drv", &["pkgs", "tests"]),
            "bird" => drv_with("/nix/store/bird.drv", &["tests"]),
            _ => scope(&["requests", "six"], Scope::PackageSet),
        });
        let third = serve(&mut d, |p| {
            match (p[0].as_str(), p.last().unwrap().as_str()) {
                ("python3", "pkgs") => scope(&["requests", "six"], Scope::PackageSet),
                ("python3", "tests") => set(&["overrides"]),
                ("bird", "tests") => set(&["nodes"]),
                _ => drv("/nix/store/member.drv"),
            }
        });
        assert_eq!(
            paths(&third),
            [
                "bird.tests",
                "python3.pkgs",
                "python3.tests",
                "python3Packages.requests",
                "python3Packages.six"
            ]
        );
        let fourth = serve(&mut d, |p| match p.last().unwrap().as_str() {
            "nodes" => set(&["machine"]),
            _ => drv_with("/nix/store/over.drv", &["pkgs"]),
        });
        assert_eq!(
            paths(&fourth),
            ["bird.tests.nodes", "python3.tests.overrides"],
            "python3.pkgs was not walked"
        );
        let fifth = serve(&mut d, |p| match p.last().unwrap().as_str() {
            "machine" => scope(&["_module", "services"], Scope::Nixos),
            _ => scope(&["requests", "six"], Scope::PackageSet),
        });
        assert_eq!(
            paths(&fifth),
            ["bird.tests.nodes.machine", "python3.tests.overrides.pkgs"]
        );
        assert!(d.next_batch(0).is_none(), "neither is walked");
        let w = d.finish();
        assert_eq!(
            (w.stats[0].package_sets_pruned, w.stats[0].nixos_pruned),
            (2, 1)
        );
        let pruned: Vec<String> = w.pruned.iter().map(|(_, p, _)| p.join(".")).collect();
        assert_eq!(
            pruned,
            [
                "python3.pkgs",
                "bird.tests.nodes.machine",
                "python3.tests.overrides.pkgs"
            ]
        );
        assert!(w.roots.iter().any(|r| r.attr_path == "python3Packages.six"));
    }

    #[test]
    fn one_drv_with_other_attributes_under_another_name_is_entered_under_each() {
        // release-16.03: `openjdk` has `jre` among its outputs, `jdk` is the same .drv and
        // names `jre` as an attribute; whichever comes first, `jdk.jre` is walked.
        for (first, second) in [("a", "b"), ("b", "a")] {
            let (c, o) = (cells(1), opts(1, 100));
            let mut d = Dispatcher::new(&c, &o, HashMap::new());
            serve(&mut d, |_| set(&[first, second]));
            serve(&mut d, |p| match p[0].as_str() {
                "a" => drv_with("/nix/store/jdk.drv", &["home"]),
                _ => drv_with("/nix/store/jdk.drv", &["home", "jre"]),
            });
            let next = paths(&d.next_batch(0).unwrap());
            assert_eq!(next, ["a.home", "b.home", "b.jre"], "{first} first");
        }
    }

    #[test]
    fn one_drv_under_another_name_is_entered_under_each() {
        // 26.11: `beancount-black` (an application: its pythonModule is false) is the .drv of
        // `python3Packages.beancount-black` (pythonModule is the interpreter), named otherwise.
        let named = |name: &str| {
            Outcome::Visited(Visit::Drv {
                drv_path: "/nix/store/bb.drv".into(),
                name: Some(name.into()),
                attrs: vec!["pythonModule".into()],
            })
        };
        let (c, o) = (cells(1), opts(1, 100));
        let mut d = Dispatcher::new(&c, &o, HashMap::new());
        serve(&mut d, |_| set(&["a", "b", "c"]));
        serve(&mut d, |p| match p[0].as_str() {
            "a" => named("beancount-black-1.0.5"),
            _ => named("python3.13-beancount-black-1.0.5"),
        });
        let next = paths(&d.next_batch(0).unwrap());
        assert_eq!(next, ["a.pythonModule", "b.pythonModule"]);
        // b and c are one derivation: c's finds are b's, moved nowhere else.
        let w = d.finish();
        assert!(w.moved.is_empty());
    }

    /// `xcb` is found inside `cursor`, which was entered at a.x.cursor and goes to b.cursor:
    /// xcb is found at b.cursor.xcb, then, which comes before c.w.xcb (where it was found too,
    /// at the same depth). Compared where they were walked, a.x.cursor.xcb is deeper than
    /// c.w.xcb, and xcb's finds went below c.w.xcb; a shard holding `a` and `b` but not `c`
    /// put them below b.cursor.xcb.
    #[test]
    fn a_derivation_goes_to_the_first_of_its_paths_as_they_end_up() {
        let c = cells(1);
        let mut o = opts(1, 1);
        o.max_depth = 8;
        let mut d = Dispatcher::new(&c, &o, HashMap::new());
        let outcome = |p: &[String]| match p.last().map_or("", String::as_str) {
            "" => set(&["a", "b", "c"]),
            "a" => set(&["x"]),
            "x" | "b" => set(&["cursor"]),
            "c" => set(&["w"]),
            "w" => set(&["xcb"]),
            "cursor" => drv_with("/nix/store/cursor.drv", &["xcb"]),
            "xcb" => drv_with("/nix/store/xcb.drv", &["data"]),
            "data" => set(&["src"]),
            _ => Outcome::Visited(Visit::Skip),
        };
        while let Some(b) = d.next_batch(0) {
            for t in &b.tasks {
                d.apply(t.id, outcome(&t.path), Duration::ZERO);
            }
        }
        let w = d.finish();
        let v = |p: &str| p.split('.').map(String::from).collect::<Vec<_>>();
        let moved = |from: &str, to: &str| Moved {
            cell: 0,
            from: v(from),
            to: v(to),
        };
        assert_eq!(
            w.moved,
            [
                moved("a.x.cursor", "b.cursor"),
                moved("a.x.cursor.xcb", "b.cursor.xcb")
            ]
        );
        assert_eq!(w.stats[0].entered_derivations, 2);
    }

    #[test]
    fn a_derivation_entered_under_a_later_path_moves_and_depth_still_bounds_it() {
        let c = cells(2);
        // One task a batch: strictly depth first, so deep.er.python comes before python.
        let mut o = opts(1, 1);
        o.max_depth = 4;
        let mut d = Dispatcher::new(&c, &o, HashMap::new());
        let python = || drv_with("/nix/store/py.drv", &["pkgs"]);
        let outcome = |cell: usize, p: &[String]| match p.last().map_or("", String::as_str) {
            "" if cell == 0 => set(&["deep", "python", "tower", "zope"]),
            "" => set(&["deep", "zope"]),
            "deep" => set(&["er"]),
            "er" => set(&["python"]),
            "tower" => set(&["a"]),
            "a" => set(&["b"]),
            "b" | "zope" => set(&["python"]),
            "pkgs" => set(&["x"]),
            "python" => python(),
            _ => Outcome::Visited(Visit::Skip),
        };
        let mut seen = Vec::new();
        while let Some(b) = d.next_batch(0) {
            for t in &b.tasks {
                seen.push((b.cell, t.path.join(".")));
                d.apply(t.id, outcome(b.cell, &t.path), Duration::ZERO);
            }
        }
        seen.retain(|(_, p)| p.contains('.'));
        seen.sort();
        // Each cell enters python first as deep.er.python; its finds belong to python in
        // cell 0 and to zope.python in cell 1, its shortest paths there. tower.a.b.python is
        // too deep to enter, deep.er.python.pkgs too deep to expand.
        let want = [
            (0, "deep.er"),
            (0, "deep.er.python"),
            (0, "deep.er.python.pkgs"),
            (0, "tower.a"),
            (0, "tower.a.b"),
            (0, "tower.a.b.python"),
            (0, "zope.python"),
            (1, "deep.er"),
            (1, "deep.er.python"),
            (1, "deep.er.python.pkgs"),
            (1, "zope.python"),
        ];
        assert_eq!(seen, want.map(|(c, p)| (c, p.to_owned())));
        let w = d.finish();
        let v = |p: &str| p.split('.').map(String::from).collect::<Vec<_>>();
        let moved = |cell, to: &str| Moved {
            cell,
            from: v("deep.er.python"),
            to: v(to),
        };
        assert_eq!(w.moved, [moved(0, "python"), moved(1, "zope.python")]);
        assert_eq!((w.stats[0].depth_pruned, w.stats[1].depth_pruned), (2, 1));
        assert_eq!(
            (
                w.stats[0].entered_derivations,
                w.stats[1].entered_derivations
            ),
            (1, 1)
        );
    }
}

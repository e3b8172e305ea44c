//! Package sets two shards walked under two names. One scan walks a set reached under two names
//! once (the second is an alias: nothing below it is visited, and summary.json counts it in
//! `aliasedSets` and `visitsSaved`); two shards that each hold one of the names walk it twice.
//! Their outputs agree (the same derivations below both names), but the counts do not: the
//! merge compares, with the scan's own alias check (one of its workers), the sets of the same
//! names that different shards walked, and counts an equal one as an alias of the first (by depth, then path):
//! what was visited below it is taken off, and what an alias saves is added.
use super::inputs::ShardDir;
use crate::model::CellStats;
use crate::nix::version::Nix;
use crate::scan::record::{Outcome, Visit};
use crate::scan::runner::dispatcher::{Batch, BatchTask};
use crate::scan::runner::messages::{Event, Mailbox, Request, Setup};
use crate::scan::runner::worker;
use crate::scan::shard::SetRecord;
use crate::scan::shard_files::Evaluate;
use crate::scan::target::Target;
use anyhow::{Result, bail};
use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::time::Duration;
use tokio::sync::mpsc;

/// Per-cell amounts to add to the shards' summed counts (negative: taken off).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Delta {
    pub visited: i64,
    pub derivations: i64,
    pub failures: i64,
    pub cycles_pruned: i64,
    pub depth_pruned: i64,
    pub package_sets_pruned: i64,
    pub nixos_pruned: i64,
    pub aliased_sets: i64,
    pub visits_saved: i64,
    pub partial_attributes: i64,
}

impl Delta {
    pub fn apply(&self, s: &mut CellStats) {
        let add = |v: &mut u64, d: i64| *v = (*v as i64 + d).max(0) as u64;
        add(&mut s.visited, self.visited);
        add(&mut s.derivations, self.derivations);
        add(&mut s.failures, self.failures);
        add(&mut s.cycles_pruned, self.cycles_pruned);
        add(&mut s.depth_pruned, self.depth_pruned);
        add(&mut s.package_sets_pruned, self.package_sets_pruned);
        add(&mut s.nixos_pruned, self.nixos_pruned);
        add(&mut s.aliased_sets, self.aliased_sets);
        add(&mut s.visits_saved, self.visits_saved);
        add(&mut s.partial_attributes, self.partial_attributes);
    }

    /// `alias` is not walked but counted as an alias of a set below which `saved` were visited.
    fn alias(&mut self, alias: &SetRecord, saved: u64) {
        self.visited -= alias.visits as i64;
        self.derivations -= alias.derivations as i64;
        self.failures -= alias.failures as i64;
        self.cycles_pruned -= alias.cycles_pruned as i64;
        self.depth_pruned -= alias.depth_pruned as i64;
        self.package_sets_pruned -= alias.package_sets_pruned as i64;
        self.nixos_pruned -= alias.nixos_pruned as i64;
        self.aliased_sets += 1 - alias.aliased_sets as i64;
        self.visits_saved += saved as i64 - alias.visits_saved as i64;
        self.partial_attributes -= alias.partial_attributes as i64;
    }
}

/// A set walked in a shard.
type Walked<'a> = (usize, &'a SetRecord);

/// Two sets of a cell (cell, path, other path): whether they are the same value.
pub type Pair = (usize, Vec<String>, Vec<String>);
pub type Answers = HashMap<Pair, bool>;

/// Per (cell, names): classes of equal sets, each its first set and the shards it holds.
type Classes<'a> = HashMap<(usize, u64), Vec<(Walked<'a>, Vec<usize>)>>;

/// Per walked set (cell, path): the members its alias checks leave out ([`SetRecord::uncaught`]).
pub type Skips = HashMap<(usize, Vec<String>), Vec<String>>;

pub fn skips(shards: &[ShardDir]) -> Skips {
    let records = shards.iter().flat_map(|s| &s.manifest.sets);
    records
        .map(|r| ((r.cell, r.path.clone()), r.uncaught.clone()))
        .collect()
}

/// Pairs of sets (cell, path, other path) of the same names walked in different shards.
pub fn candidates(shards: &[ShardDir]) -> Vec<Pair> {
    let mut pairs = Vec::new();
    for group in groups(shards).values() {
        for (i, (s, a)) in group.iter().enumerate() {
            for (t, b) in &group[i + 1..] {
                if s != t {
                    let (a, b) = if a.path <= b.path { (a, b) } else { (b, a) };
                    pairs.push((a.cell, a.path.clone(), b.path.clone()));
                }
            }
        }
    }
    pairs.sort();
    pairs.dedup();
    pairs
}

/// The walked sets of every shard by (cell, names), each group by depth, then path.
fn groups(shards: &[ShardDir]) -> BTreeMap<(usize, u64), Vec<Walked<'_>>> {
    let mut groups: BTreeMap<(usize, u64), Vec<Walked>> = BTreeMap::new();
    for (s, shard) in shards.iter().enumerate() {
        for r in &shard.manifest.sets {
            groups.entry((r.cell, r.print)).or_default().push((s, r));
        }
    }
    for g in groups.values_mut() {
        g.sort_by(|(s, a), (t, b)| (a.path.len(), &a.path, s).cmp(&(b.path.len(), &b.path, t)));
    }
    groups.retain(|_, g| g.iter().any(|(s, _)| *s != g[0].0));
    groups
}

/// Sets a merge counts as aliases: (shard, cell, path, the path of the set it is).
pub type Aliased = Vec<(usize, usize, Vec<String>, Vec<String>)>;

/// The corrections per cell, given which candidate pairs are equal, and the sets counted as
/// aliases.
/// `dropped(shard, cell, path)`: the visits the merge drops with derivations placed below `path`
/// (see `super::entries`), which one scan does not make there.
pub fn deltas(
    shards: &[ShardDir],
    cells: usize,
    equal: &Answers,
    dropped: &dyn Fn(usize, usize, &[String]) -> u64,
) -> (Vec<Delta>, Aliased) {
    let mut deltas = vec![Delta::default(); cells];
    let same = |cell: usize, a: &[String], b: &[String]| {
        let (a, b) = if a <= b { (a, b) } else { (b, a) };
        equal
            .get(&(cell, a.to_vec(), b.to_vec()))
            .copied()
            .unwrap_or(false)
    };
    // Sets below one found to be an alias are not walked by one scan: never counted again.
    let mut aliased: Aliased = Vec::new();
    let mut all: Vec<Walked> = groups(shards).into_values().flatten().collect();
    all.sort_by(|(s, a), (t, b)| (a.path.len(), &a.path, s).cmp(&(b.path.len(), &b.path, t)));
    let mut classes: Classes = HashMap::new();
    // (an alias, the set it is), decided before what each alias saves is counted.
    let mut decided: Vec<(Walked, Walked)> = Vec::new();
    for (s, r) in all {
        let below_alias = aliased
            .iter()
            .any(|(t, c, p, _)| *t == s && *c == r.cell && r.path.starts_with(p));
        if below_alias {
            continue;
        }
        let group = classes.entry((r.cell, r.print)).or_default();
        let class = group
            .iter_mut()
            .find(|((_, first), held)| !held.contains(&s) && same(r.cell, &first.path, &r.path));
        match class {
            Some((first, held)) => {
                decided.push(((s, r), *first));
                held.push(s);
                aliased.push((s, r.cell, r.path.clone(), first.1.path.clone()));
            }
            None => group.push(((s, r), vec![s])),
        }
    }
    // What an alias saves is what one scan visits below the set it is: not what lies below a
    // set inside it that is itself an alias (of a set of another shard) for the merge.
    for &((_, alias), (t, first)) in &decided {
        let inner: u64 = decided
            .iter()
            .filter(|((u, y), _)| *u == t && y.cell == first.cell)
            .filter(|((_, y), _)| {
                y.path.len() > first.path.len() && y.path.starts_with(&first.path)
            })
            .map(|((_, y), _)| y.saves)
            .sum::<u64>()
            + dropped(t, first.cell, &first.path);
        deltas[alias.cell].alias(alias, first.saves.saturating_sub(inner));
    }
    (deltas, aliased)
}

/// Asks Nix whether each pair of sets is the same value: the scan's own alias check, run by one
/// of its workers (a `nix repl` on the harness), so that an error `tryEval` cannot catch costs
/// only its pair (not equal, as in the scan).
pub fn compare(
    pairs: &[Pair],
    skips: &Skips,
    evaluate: &Evaluate,
    cells_expr: &str,
    work: &Path,
) -> Result<Answers> {
    if pairs.is_empty() {
        return Ok(HashMap::new());
    }
    let target = match (&evaluate.tree, &evaluate.target) {
        (Some(tree), _) if Path::new(tree).exists() => Target::Tree(tree.into()),
        (Some(tree), _) => bail!("the tree {tree} is not readable here"),
        (None, Some(expr)) => Target::Expr {
            expr: expr.clone(),
            allow: evaluate.include.clone(),
        },
        (None, None) => bail!("the shards do not say what they evaluated"),
    };
    std::fs::create_dir_all(work)?;
    let harness = work.join("visit.nix");
    std::fs::write(&harness, crate::scan::HARNESS)?;
    let nix = Nix::find()?;
    let store = work.join("store");
    crate::nix::store::init_store(&nix.instantiate, &store)?;
    let setup = Setup {
        nix,
        harness,
        target,
        allow: evaluate.include.clone(),
        cells_expr: cells_expr.to_owned(),
        store,
        work_dir: work.to_owned(),
        attr_timeout: Duration::from_secs(120),
        recycle_rss: u64::MAX,
    };
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let equal = rt.block_on(ask(setup, pairs, skips))?;
    Ok(pairs.iter().cloned().zip(equal).collect())
}

/// One worker, one batch of alias checks per cell; the answers in the order of `pairs`.
async fn ask(setup: Setup, pairs: &[Pair], skips: &Skips) -> Result<Vec<bool>> {
    let (events_tx, mut events) = mpsc::unbounded_channel();
    let (requests, mailbox_requests) = mpsc::channel(1);
    let mailbox = Mailbox {
        worker: 0,
        processes: 0,
        requests: mailbox_requests,
        events: events_tx,
    };
    let worker = tokio::spawn(worker::serve(setup, mailbox));
    let mut equal = vec![false; pairs.len()];
    let mut cells: Vec<usize> = pairs.iter().map(|p| p.0).collect();
    cells.dedup();
    for cell in cells {
        let tasks = pairs
            .iter()
            .enumerate()
            .filter(|(_, p)| p.0 == cell)
            .map(|(id, (cell, a, b))| {
                // Compared as one scan compares them: the set it walks first (shallower, then
                // by path) without the members whose visits failed uncatchably there.
                let (first, other) = if (a.len(), a) <= (b.len(), b) {
                    (a, b)
                } else {
                    (b, a)
                };
                let skip = skips.get(&(*cell, first.clone())).cloned();
                BatchTask {
                    id: id as u64,
                    path: other.clone(),
                    alias_of: Some(first.clone()),
                    skip: skip.unwrap_or_default(),
                    inputs: false,
                }
            })
            .collect();
        let batch = Batch {
            cell,
            explain: false,
            tasks,
        };
        requests.send(Request::Run(batch)).await?;
        loop {
            match events.recv().await {
                Some(Event::Record { id, outcome }) => {
                    equal[id as usize] =
                        matches!(outcome, Outcome::Visited(Visit::Alias { equal: true }))
                }
                Some(Event::Idle { .. }) => break,
                Some(Event::Memory { .. }) => {}
                Some(Event::Stopped) | None => bail!("the worker stopped"),
            }
        }
    }
    drop(requests);
    let _ = worker.await;
    Ok(equal)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scan::shard::Shard;
    use crate::scan::shard_files::Manifest;

    fn set(path: &str, print: u64, visits: u64) -> SetRecord {
        SetRecord {
            cell: 0,
            path: path.split('.').map(String::from).collect(),
            print,
            visits,
            saves: visits,
            derivations: visits / 2,
            ..SetRecord::default()
        }
    }

    fn shard(index: usize, sets: Vec<SetRecord>) -> ShardDir {
        let manifest = Manifest::new(
            Shard { index, count: 2 },
            &serde_json::json!({}),
            Evaluate::default(),
            None,
            &[1],
            sets,
        );
        ShardDir {
            dir: format!("/s{index}").into(),
            manifest,
            summary: serde_json::json!({}),
        }
    }

    fn p(s: &str) -> Vec<String> {
        s.split('.').map(String::from).collect()
    }

    /// `emacs` (shard 0) holds `emacs.melpa`; `emacsNg` (shard 1) is the same set, and
    /// `melpa` (shard 1) is the set `emacs.melpa` is. One scan walks `emacs` and `melpa` and
    /// finds the other two aliases: emacsNg saves what is below emacs less melpa's members.
    #[test]
    fn aliases_across_shards_and_inside_them() {
        let shards = [
            shard(0, vec![set("emacs", 1, 100), set("emacs.melpa", 2, 30)]),
            shard(
                1,
                vec![
                    set("emacsNg", 1, 100),
                    set("emacsNg.melpa", 2, 30),
                    set("melpa", 2, 30),
                ],
            ),
        ];
        let pairs = candidates(&shards);
        assert_eq!(pairs.len(), 3, "{pairs:?}");
        let equal: Answers = pairs.iter().map(|q| (q.clone(), true)).collect();
        let d = &deltas(&shards, 1, &equal, &|_, _, _| 0).0[0];
        // emacsNg: its 100 visits (melpa's 30 among them) go; it saves emacs's 100 less the 30
        // below emacs.melpa, itself an alias of melpa (30 saved).
        assert_eq!(d.visited, -100 - 30);
        assert_eq!(d.derivations, -50 - 15);
        assert_eq!((d.aliased_sets, d.visits_saved), (2, 70 + 30));
        // Not equal: nothing changes.
        let unequal: Answers = pairs.iter().map(|q| (q.clone(), false)).collect();
        assert_eq!(
            deltas(&shards, 1, &unequal, &|_, _, _| 0).0[0],
            Delta::default()
        );
        assert!(pairs.contains(&(0, p("emacs"), p("emacsNg"))));
    }
}

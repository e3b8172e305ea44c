//! Where what was found below each derivation entered goes. A derivation is entered once per
//! cell, at the first path a worker found it under (`descend.rs`); what the walk found below it
//! belongs below the first of all the paths it was found under, shortest first, then by name.
//! Those paths are compared where they end up, not where they were walked: a derivation found
//! inside another one's attributes is found below the path that one goes to. So the places are
//! settled together, each the first of its finds as placed by the others, until none changes:
//! what goes where then depends neither on which worker came first nor on how the attribute
//! names were split into shards.
use super::descend::{Entered, first, key_hash};
use super::{Dispatcher, TaskId};
use crate::scan::alias::Moved;
use crate::scan::shard::innermost;
use std::collections::HashMap;

/// A derivation entered in `cell` at `at`, whose finds go below `to`; `key` names it across
/// shards.
pub(super) struct Placed {
    pub cell: usize,
    pub key: u64,
    pub at: Vec<String>,
    pub to: Vec<String>,
}

/// Rounds after which places that still change (derivations found inside each other) are
/// left as they are.
const ROUNDS: usize = 16;

impl Entered {
    /// Every derivation entered and where its finds go, sorted by (cell, at).
    fn placed<'a>(&self, path_of: impl Fn(TaskId) -> &'a [String]) -> Vec<Placed> {
        let mut all: Vec<(Placed, Vec<&[String]>)> = self
            .0
            .iter()
            .map(|(key, e)| {
                let found: Vec<&[String]> = e.found.iter().map(|&id| path_of(id)).collect();
                let placed = Placed {
                    cell: key.0,
                    key: key_hash(key),
                    at: e.at.clone(),
                    to: e.at.clone(),
                };
                (placed, found)
            })
            .collect();
        all.sort_by(|(a, _), (b, _)| (a.cell, &a.at).cmp(&(b.cell, &b.at)));
        let index: HashMap<(usize, Vec<String>), usize> = all
            .iter()
            .enumerate()
            .map(|(i, (p, _))| ((p.cell, p.at.clone()), i))
            .collect();
        for _ in 0..ROUNDS {
            let mut changed = false;
            for i in 0..all.len() {
                let cell = all[i].0.cell;
                let mut best: Option<Vec<String>> = None;
                for path in &all[i].1 {
                    let here = ends_up(&all, &index, cell, path);
                    if best.as_ref().is_none_or(|b| first(&here, b)) {
                        best = Some(here);
                    }
                }
                if let Some(b) = best.filter(|b| *b != all[i].0.to) {
                    all[i].0.to = b;
                    changed = true;
                }
            }
            if !changed {
                break;
            }
        }
        all.into_iter().map(|(p, _)| p).collect()
    }
}

/// Where `path` of `cell` ends up: below the place of the innermost derivation entered
/// strictly above it, if there is one.
fn ends_up(
    all: &[(Placed, Vec<&[String]>)],
    index: &HashMap<(usize, Vec<String>), usize>,
    cell: usize,
    path: &[String],
) -> Vec<String> {
    match innermost(index, cell, path) {
        Some((len, &j)) => [&all[j].0.to[..], &path[len..]].concat(),
        None => path.to_vec(),
    }
}

impl Dispatcher<'_> {
    /// Every derivation entered and where its finds go (see [`Entered::placed`]).
    pub(super) fn placed(&self) -> Vec<Placed> {
        self.entered
            .placed(|id| &self.tasks[id as usize].key.path[..])
    }
}

/// The moves of the roots and failures below each derivation placed elsewhere than it was
/// entered.
pub(super) fn moved(placed: &[Placed]) -> Vec<Moved> {
    placed
        .iter()
        .filter(|p| p.at != p.to)
        .map(|p| Moved {
            cell: p.cell,
            from: p.at.clone(),
            to: p.to.clone(),
        })
        .collect()
}

/// Where walked paths end up, once the places are settled.
pub(super) struct Ends(HashMap<(usize, Vec<String>), Vec<String>>);

impl Ends {
    pub(super) fn new(placed: &[Placed]) -> Ends {
        let moved = placed.iter().filter(|p| p.at != p.to);
        Ends(
            moved
                .map(|p| ((p.cell, p.at.clone()), p.to.clone()))
                .collect(),
        )
    }

    /// `path` of `cell` where it ends up: below the place of the innermost derivation entered
    /// strictly above it that was placed elsewhere.
    pub(super) fn of(&self, cell: usize, path: &[String]) -> Vec<String> {
        match innermost(&self.0, cell, path) {
            Some((len, to)) => [&to[..], &path[len..]].concat(),
            None => path.to_vec(),
        }
    }
}

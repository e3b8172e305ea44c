//! Derivations two shards entered. One scan enters a derivation once per cell and lists what it
//! found below it (passthru: tests, data sets, an interpreter's package set) under the first
//! path the derivation was found under, shortest first (`scan/runner/dispatcher/descend.rs`).
//! A shard sees only its own attributes, so a derivation hanging under attributes of two shards
//! is entered by both. The merge keeps the one placed first in that same order and drops the
//! others: what lies below where each was placed, unless a derivation
//! entered inside it holds it (that one is kept or dropped on its own), and the counts it
//! found there ([`EntryRecord::below`]).
use super::aliases::Aliased;
use super::inputs::ShardDir;
use crate::model::{Cell, CellStats};
use crate::scan::shard::{EntryRecord, SetRecord, innermost};
use std::collections::{BTreeMap, HashMap};

/// Each shard's derivations entered, by where each was placed and by the path it was entered
/// under, and which of them the merge drops.
pub struct Entries {
    cells: Vec<(String, String)>,
    shards: Vec<ShardEntries>,
}

#[derive(Default)]
struct ShardEntries {
    /// The shard's own aliases: (cell, path) → the set it is.
    aliases: HashMap<(usize, Vec<String>), Vec<String>>,
    records: Vec<EntryRecord>,
    dropped: Vec<bool>,
    placed: HashMap<(usize, Vec<String>), usize>,
    at: HashMap<(usize, Vec<String>), usize>,
}

impl Entries {
    /// `aliased`: the sets the merge counts as aliases. One scan does not walk them: it repeats
    /// below each what is below the set it is. So a derivation a shard entered inside one
    /// competes as if it were placed in that set, and is kept with the copy placed there.
    pub fn new(shards: &[ShardDir], cells: &[Cell], aliased: &Aliased) -> Entries {
        let cells = cells.iter().map(|c| (c.system.clone(), c.label.clone()));
        Entries::of(shards, cells.collect(), aliased)
    }

    /// `cells`: (system, config label) each.
    fn of(shards: &[ShardDir], cells: Vec<(String, String)>, aliased: &Aliased) -> Entries {
        let rank = |s: usize, e: &EntryRecord| {
            let (cell, placed) = (e.below.cell, &e.placed);
            let alias = aliased.iter().find(|(t, c, p, _)| {
                *t == s && *c == cell && placed.len() > p.len() && placed.starts_with(p)
            });
            match alias {
                Some((_, _, p, of)) => [&of[..], &placed[p.len()..]].concat(),
                None => placed.clone(),
            }
        };
        let mut first: BTreeMap<(usize, u64), Vec<String>> = BTreeMap::new();
        for (s, shard) in shards.iter().enumerate() {
            for e in &shard.manifest.entries {
                let r = rank(s, e);
                match first.entry((e.below.cell, e.key)) {
                    std::collections::btree_map::Entry::Vacant(v) => {
                        v.insert(r);
                    }
                    std::collections::btree_map::Entry::Occupied(mut o) => {
                        let best = o.get_mut();
                        if (r.len(), &r) < (best.len(), &*best) {
                            *best = r;
                        }
                    }
                }
            }
        }
        let shards = shards
            .iter()
            .enumerate()
            .map(|(s, shard)| {
                let records = shard.manifest.entries.clone();
                let dropped = records
                    .iter()
                    .map(|e| first[&(e.below.cell, e.key)] != rank(s, e))
                    .collect();
                let by = |f: fn(&EntryRecord) -> &Vec<String>| {
                    let map = records.iter().enumerate();
                    map.map(|(i, e)| ((e.below.cell, f(e).clone()), i))
                        .collect()
                };
                let aliases = shard.manifest.aliases.iter();
                ShardEntries {
                    aliases: aliases
                        .map(|a| ((a.cell, a.path.clone()), a.of.clone()))
                        .collect(),
                    placed: by(|e| &e.placed),
                    at: by(|e| &e.below.path),
                    records,
                    dropped,
                }
            })
            .collect();
        Entries { cells, shards }
    }

    pub fn cell_of(&self, system: &str, config: &str) -> Option<usize> {
        self.cells
            .iter()
            .position(|(s, c)| s == system && c == config)
    }

    /// Whether shard `s` keeps what its outputs list at `path` of `cell`: unless the innermost
    /// derivation it was placed below is dropped. Below one of the shard's aliases, that of the
    /// copy's original.
    pub fn keeps(&self, s: usize, cell: usize, path: &[String]) -> bool {
        let e = &self.shards[s];
        let mut path = path.to_vec();
        // Aliases can sit inside each other: a few rounds, as the copies were made.
        for _ in 0..8 {
            match innermost(&e.aliases, cell, &path) {
                Some((len, of)) => path = [&of[..], &path[len..]].concat(),
                None => break,
            }
        }
        innermost(&e.placed, cell, &path).is_none_or(|(_, &i)| !e.dropped[i])
    }

    /// The same for what shard `s` walked at `path` (a package set's record): by the paths the
    /// derivations were entered under.
    pub fn keeps_walked(&self, s: usize, cell: usize, path: &[String]) -> bool {
        let e = &self.shards[s];
        innermost(&e.at, cell, path).is_none_or(|(_, &i)| !e.dropped[i])
    }

    /// The dropped derivations: (shard, record).
    #[cfg(test)]
    pub fn dropped(&self) -> impl Iterator<Item = (usize, &EntryRecord)> {
        self.shards.iter().enumerate().flat_map(|(s, e)| {
            e.records
                .iter()
                .zip(&e.dropped)
                .filter(|(_, d)| **d)
                .map(move |(r, _)| (s, r))
        })
    }

    /// The visits shard `s` made below the derivations it placed strictly below `path` of
    /// `cell` that the merge drops.
    pub fn dropped_visits_below(&self, s: usize, cell: usize, path: &[String]) -> u64 {
        let e = &self.shards[s];
        let records = e.records.iter().zip(&e.dropped);
        records
            .filter(|(r, d)| **d && r.below.cell == cell)
            .filter(|(r, _)| r.placed.len() > path.len() && r.placed.starts_with(path))
            .map(|(r, _)| r.below.visits)
            .sum()
    }

    /// Settles what the derivations entered counted. One scan counts each once: the copy kept,
    /// unless it is placed inside a set the merge counts as an alias (one scan repeats what is
    /// below the set it is there, entering nothing). What a copy counted was taken off already
    /// with such a set when it was walked inside it (`at`).
    pub fn settle(&self, stats: &mut [CellStats], aliased: &Aliased) {
        // What a shard's own alias saved below the set it is leaves out the copies dropped
        // there too (an alias inside a dropped copy was taken off with it).
        for (s, e) in self.shards.iter().enumerate() {
            for ((cell, path), of) in &e.aliases {
                let cell = *cell;
                if !self.keeps_walked(s, cell, path) {
                    continue;
                }
                let dropped = self.dropped_visits_below(s, cell, of);
                if let Some(st) = stats.get_mut(cell) {
                    st.visits_saved = st.visits_saved.saturating_sub(dropped);
                }
            }
        }
        for (s, e) in self.shards.iter().enumerate() {
            for (r, &dropped) in e.records.iter().zip(&e.dropped) {
                let b = &r.below;
                let inside = |path: &[String]| {
                    aliased.iter().any(|(t, c, p, _)| {
                        *t == s && *c == b.cell && path.len() > p.len() && path.starts_with(p)
                    })
                };
                let Some(st) = stats.get_mut(b.cell) else {
                    continue;
                };
                let (wanted, gone) = (!dropped && !inside(&r.placed), inside(&b.path));
                if !wanted {
                    st.entered_derivations = st.entered_derivations.saturating_sub(1);
                }
                match (wanted, gone) {
                    (true, true) => count(st, b, 1),
                    (false, false) => count(st, b, -1),
                    _ => {}
                }
            }
        }
    }
}

/// Adds (`sign` 1) or takes off (-1) what a derivation entered counted below it.
fn count(st: &mut CellStats, b: &SetRecord, sign: i64) {
    let add = |v: &mut u64, d: u64| *v = (*v as i64 + sign * d as i64).max(0) as u64;
    add(&mut st.visited, b.visits);
    add(&mut st.derivations, b.derivations);
    add(&mut st.failures, b.failures);
    add(&mut st.cycles_pruned, b.cycles_pruned);
    add(&mut st.depth_pruned, b.depth_pruned);
    add(&mut st.package_sets_pruned, b.package_sets_pruned);
    add(&mut st.nixos_pruned, b.nixos_pruned);
    add(&mut st.aliased_sets, b.aliased_sets);
    add(&mut st.visits_saved, b.visits_saved);
    add(&mut st.partial_attributes, b.partial_attributes);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scan::shard::Shard;
    use crate::scan::shard_files::{Evaluate, Manifest};

    fn p(s: &str) -> Vec<String> {
        s.split('.').map(String::from).collect()
    }

    /// A derivation `key` entered under `at`, its finds placed under `placed`.
    fn entry(key: u64, at: &str, placed: &str, visits: u64) -> EntryRecord {
        EntryRecord {
            key,
            placed: p(placed),
            below: SetRecord {
                path: p(at),
                visits,
                derivations: 1,
                ..SetRecord::default()
            },
        }
    }

    fn shard(index: usize, entries: Vec<EntryRecord>) -> ShardDir {
        let mut manifest = Manifest::new(
            Shard { index, count: 2 },
            &serde_json::json!({}),
            Evaluate::default(),
            None,
            &[1],
            Vec::new(),
        );
        manifest.entries = entries;
        ShardDir {
            dir: format!("/s{index}").into(),
            manifest,
            summary: serde_json::json!({}),
        }
    }

    fn cells() -> Vec<(String, String)> {
        vec![("x86_64-linux".into(), "{}".into())]
    }

    /// The interpreter (key 1) hangs on `python` (shard 0) and on `zope.python` (shard 1);
    /// `pkgs.six` (key 2) was entered inside it in both. Shard 1 entered the interpreter at
    /// `a.b.python` first and its finds moved to `zope.python`. One scan keeps `python`'s: shard
    /// 1's finds below zope.python go, with what it counted there, but not what another
    /// derivation, entered there and kept (key 3, only in shard 1), placed below it.
    #[test]
    fn the_copy_at_the_shortest_path_is_kept_and_the_others_dropped() {
        let shards = [
            shard(
                0,
                vec![
                    entry(1, "python", "python", 6),
                    entry(2, "python.pkgs.six", "python.pkgs.six", 1),
                ],
            ),
            shard(
                1,
                vec![
                    entry(1, "a.b.python", "zope.python", 6),
                    entry(2, "a.b.python.pkgs.six", "zope.python.pkgs.six", 1),
                    entry(3, "a.b.python.tests.t", "zope.python.tests.t", 4),
                ],
            ),
        ];
        let e = Entries::of(&shards, cells(), &Vec::new());
        assert!(e.keeps(0, 0, &p("python.pkgs.six.src")));
        assert!(
            e.keeps(1, 0, &p("zope.python")),
            "the attribute itself is its parent's"
        );
        assert!(!e.keeps(1, 0, &p("zope.python.pkgs")));
        assert!(!e.keeps(1, 0, &p("zope.python.pkgs.six.src")));
        assert!(
            e.keeps(1, 0, &p("zope.python.tests.t.data")),
            "key 3 is kept"
        );
        assert!(!e.keeps_walked(1, 0, &p("a.b.python.pkgs")));
        assert!(e.keeps_walked(1, 0, &p("a.b.pkgs")));
        let dropped: Vec<u64> = e
            .dropped()
            .map(|(s, r)| {
                assert_eq!(s, 1);
                r.key
            })
            .collect();
        assert_eq!(dropped, [1, 2]);
        let mut stats = vec![CellStats {
            visited: 100,
            derivations: 10,
            entered_derivations: 5,
            ..CellStats::default()
        }];
        e.settle(&mut stats, &Vec::new());
        assert_eq!(
            (
                stats[0].visited,
                stats[0].derivations,
                stats[0].entered_derivations
            ),
            (93, 8, 3)
        );
        // Walked inside a set the merge counted as an alias, all three were taken off with it;
        // key 3, kept and placed outside it, is one scan's walk of it: its visits come back.
        let mut stats = vec![CellStats {
            visited: 100,
            entered_derivations: 5,
            ..CellStats::default()
        }];
        e.settle(&mut stats, &vec![(1, 0, p("a.b"), p("c"))]);
        assert_eq!((stats[0].visited, stats[0].entered_derivations), (104, 3));
    }

    /// Two copies placed at paths of the same length: the first by name is kept.
    #[test]
    fn ties_go_to_the_first_path_by_name() {
        let shards = [
            shard(0, vec![entry(1, "zz.lib", "zz.lib", 3)]),
            shard(1, vec![entry(1, "aa.lib", "aa.lib", 3)]),
        ];
        let e = Entries::of(&shards, cells(), &Vec::new());
        assert!(!e.keeps(0, 0, &p("zz.lib.x")));
        assert!(e.keeps(1, 0, &p("aa.lib.x")));
    }
}

//! What a shard records for the merge of each package set it walked and each derivation it
//! entered: the counts below each (derivations, failures, pruned sets, aliases and the visits
//! they saved), from the walk.
use super::record::Scope;
use super::runner::dispatcher::{Pruned, Walked};
use super::shard::{EntryIndex, EntryRecord, SetRecord};
use crate::model::Cell;
use crate::nix::attrpath;
use std::collections::HashMap;

/// The walked sets of a shard with the counts below each; `read_ok(i)`: whether root `i`'s
/// closure was read (an unread one is a failure, not a derivation).
pub fn set_records(
    walked: &Walked,
    cells: &[Cell],
    read_ok: impl Fn(usize) -> bool,
) -> Vec<SetRecord> {
    let mut records: Vec<SetRecord> = walked.sets.clone();
    let index: HashMap<(usize, &[String]), usize> = walked
        .sets
        .iter()
        .enumerate()
        .map(|(i, r)| ((r.cell, r.path.as_slice()), i))
        .collect();
    // Every set strictly above `path` that was walked gets `add`.
    count_below(walked, cells, read_ok, |cell, path, add| {
        for len in 1..path.len() {
            if let Some(&i) = index.get(&(cell, &path[..len])) {
                add(&mut records[i]);
            }
        }
    });
    records.sort_by(|a, b| (a.cell, &a.path).cmp(&(b.cell, &b.path)));
    records
}

/// A shard's derivations entered (with their visits and places, from the walk) with the other
/// counts below each that no derivation entered inside it holds.
pub fn entry_records(
    walked: &Walked,
    cells: &[Cell],
    read_ok: impl Fn(usize) -> bool,
) -> Vec<EntryRecord> {
    let mut records = walked.entries.clone();
    let index = EntryIndex::new(&walked.entries);
    // Only the innermost derivation entered strictly above `path` gets `add`.
    count_below(walked, cells, read_ok, |cell, path, add| {
        if let Some(i) = index.owner(cell, path) {
            add(&mut records[i].below);
        }
    });
    records
}

/// Calls `at(cell, path, add)` for each thing the walk counts but visits, with what it adds
/// to the counts of a record that holds it: derivations (as the walk counts them: attributes
/// that are derivations, not those that failed and reach some in part, whose closure was read),
/// attributes that failed reaching some in part, failures, pruned sets, and aliases with the
/// visits below the set each is (`saves`).
fn count_below(
    walked: &Walked,
    cells: &[Cell],
    read_ok: impl Fn(usize) -> bool,
    mut at: impl FnMut(usize, &[String], &dyn Fn(&mut SetRecord)),
) {
    let cell_of = |system: &str, config: &str| {
        cells
            .iter()
            .position(|c| c.system == system && c.label == config)
    };
    for (i, r) in walked.roots.iter().enumerate() {
        let counted = read_ok(i) && r.via.is_none();
        if let (true, Some(cell)) = (counted, cell_of(&r.system, &r.config)) {
            at(cell, &attrpath::parse(&r.attr_path), &|s| {
                s.derivations += 1
            });
        }
    }
    let partial: std::collections::BTreeSet<(&str, &str, &str)> = walked
        .roots
        .iter()
        .filter(|r| r.via.is_some())
        .map(|r| (r.attr_path.as_str(), r.system.as_str(), r.config.as_str()))
        .collect();
    for (attr_path, system, config) in partial {
        if let Some(cell) = cell_of(system, config) {
            at(cell, &attrpath::parse(attr_path), &|s| {
                s.partial_attributes += 1
            });
        }
    }
    for f in &walked.failures {
        if let Some(cell) = cell_of(&f.system, &f.config) {
            at(cell, &attrpath::parse(&f.attr_path), &|s| s.failures += 1);
        }
    }
    for (cell, path, why) in &walked.pruned {
        at(*cell, path, &|s| count_pruned(s, *why));
    }
    let saved: HashMap<(usize, &[String]), u64> = walked
        .sets
        .iter()
        .map(|s| ((s.cell, s.path.as_slice()), s.saves))
        .collect();
    for a in &walked.aliases {
        let by = saved.get(&(a.cell, a.of.as_slice())).copied().unwrap_or(0);
        at(a.cell, &a.path, &|s| {
            s.aliased_sets += 1;
            s.visits_saved += by;
        });
    }
}

fn count_pruned(s: &mut SetRecord, why: Pruned) {
    match why {
        Pruned::Cycle => s.cycles_pruned += 1,
        Pruned::Depth => s.depth_pruned += 1,
        Pruned::Scope(Scope::PackageSet) => s.package_sets_pruned += 1,
        Pruned::Scope(Scope::Nixos) => s.nixos_pruned += 1,
    }
}

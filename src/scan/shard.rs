//! `fodfuzz scan --shard I/N`: one part of a scan, for engines that spread work (a CI matrix, a
//! Kubernetes Indexed Job, a Slurm array). A shard walks every cell, but only the top-level
//! attributes a stable hash of their name assigns to it (and the root, which every shard needs
//! to find them). Attribute paths of two shards never overlap, so `fodfuzz merge` can add their
//! counts. What the merge cannot see in the outputs is written beside them (`shard.json`): the
//! package sets each shard walked, with what was found below each, so that a set walked in two
//! shards under two names counts once, as an unsharded scan counts an alias.
use crate::cli::ScanArgs;
use crate::error::{BadInput, bad};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// Shard `index` of `count`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shard {
    pub index: usize,
    pub count: usize,
}

impl std::fmt::Display for Shard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

impl Shard {
    /// Whether this shard walks the top-level attribute `name`: FNV-1a of its bytes, the same
    /// on every machine and every run (Rust's own hasher is not promised to be).
    pub fn owns(&self, name: &str) -> bool {
        (fnv1a(name.as_bytes()) % self.count as u64) as usize == self.index
    }

    /// `I/N` with 0 <= I < N.
    pub fn parse(s: &str) -> Result<Shard, BadInput> {
        let parsed = s
            .split_once('/')
            .and_then(|(i, n)| Some((i.trim().parse().ok()?, n.trim().parse().ok()?)));
        match parsed {
            Some((index, count)) => Shard::new(index, count),
            None => Err(bad(format!("--shard {s:?}: expected I/N, e.g. 0/4"))),
        }
    }

    fn new(index: usize, count: usize) -> Result<Shard, BadInput> {
        if count == 0 || index >= count {
            return Err(bad(format!(
                "shard {index}/{count}: the index must be at least 0 and below the number of shards"
            )));
        }
        Ok(Shard { index, count })
    }

    /// The shard the command line asks for: `--shard I/N`, or the index read from the
    /// environment variable `--shard-index-env` names with `--shards N`.
    pub fn from_args(args: &ScanArgs) -> Result<Option<Shard>, BadInput> {
        match (&args.shard, &args.shard_index_env, args.shards) {
            (Some(s), _, _) => Shard::parse(s).map(Some),
            (None, Some(var), Some(count)) => {
                let value = std::env::var(var).map_err(|_| {
                    bad(format!(
                        "--shard-index-env {var}: the variable is not set (a Kubernetes Indexed Job sets JOB_COMPLETION_INDEX)"
                    ))
                })?;
                let index = value
                    .trim()
                    .parse()
                    .map_err(|_| bad(format!("{var}={value:?}: not a shard index (a number)")))?;
                Shard::new(index, count).map(Some)
            }
            _ => Ok(None),
        }
    }
}

/// 64-bit FNV-1a.
pub fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// What a shard found below one package set it walked (of the size alias checks compare): the
/// walk's counts below it, which the merge takes off when another shard walked the same set.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SetRecord {
    pub cell: usize,
    pub path: Vec<String>,
    /// The hash of its sorted names: sets of other names are never the same set.
    pub print: u64,
    /// Attribute visits below it, as walked.
    pub visits: u64,
    /// Attribute visits whose path ends up below it (see `dispatcher/place.rs`): what an alias
    /// of it saves.
    #[serde(default)]
    pub saves: u64,
    pub derivations: u64,
    pub failures: u64,
    #[serde(rename = "cyclesPruned")]
    pub cycles_pruned: u64,
    #[serde(rename = "depthPruned")]
    pub depth_pruned: u64,
    #[serde(rename = "packageSetsPruned", default)]
    pub package_sets_pruned: u64,
    #[serde(rename = "nixosPruned", default)]
    pub nixos_pruned: u64,
    /// Aliases found below it, and the visits they saved.
    #[serde(rename = "aliasedSets")]
    pub aliased_sets: u64,
    #[serde(rename = "visitsSaved")]
    pub visits_saved: u64,
    /// Attributes below it that failed yet reach something in part.
    #[serde(rename = "partialAttributes", default)]
    pub partial_attributes: u64,
    /// Its members whose visit failed with an error tryEval cannot catch: an alias check
    /// leaves them out (see `dispatcher/compare.rs`), the merge's too.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub uncaught: Vec<String>,
}

/// A derivation a shard entered (see `runner/dispatcher/descend.rs`). One scan enters each
/// derivation once per cell; two shards may each enter it, and the merge keeps one of them.
/// `below` counts what the shard found below the path it was entered under (`below.path`),
/// outside the derivations entered inside it (their own records count theirs), which the merge
/// takes off when it drops this one.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EntryRecord {
    /// A hash of its `.drv` path, `name` and attribute names: equal in every shard.
    pub key: u64,
    /// Where what was found below it is in the shard's outputs: the first path it was found
    /// under, moved as the outputs' paths were.
    pub placed: Vec<String>,
    #[serde(flatten)]
    pub below: SetRecord,
}

/// The derivations a shard entered, by the path each was entered under, to find the innermost
/// one a path lies strictly below: what the walk found there was found because of it.
pub struct EntryIndex<'a>(HashMap<(usize, &'a [String]), usize>);

impl<'a> EntryIndex<'a> {
    pub fn new(entries: &'a [EntryRecord]) -> Self {
        let map = entries.iter().enumerate();
        EntryIndex(
            map.map(|(i, e)| ((e.below.cell, &e.below.path[..]), i))
                .collect(),
        )
    }

    /// The index of the innermost entry strictly above `path` in `cell`.
    pub fn owner(&self, cell: usize, path: &[String]) -> Option<usize> {
        if self.0.is_empty() {
            return None;
        }
        (1..path.len())
            .rev()
            .find_map(|len| self.0.get(&(cell, &path[..len])).copied())
    }
}

/// The value of the longest path strictly above `path` in `cell` that `map` holds, with that
/// path's length: the innermost derivation entered (or placed) above a path.
pub fn innermost<'a, T>(
    map: &'a HashMap<(usize, Vec<String>), T>,
    cell: usize,
    path: &[String],
) -> Option<(usize, &'a T)> {
    if map.is_empty() {
        return None;
    }
    let mut key = (cell, path.to_vec());
    for len in (1..path.len()).rev() {
        key.1.truncate(len);
        if let Some(v) = map.get(&key) {
            return Some((len, v));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_name_has_one_shard_and_the_split_is_even_enough() {
        let names: Vec<String> = (0..3000).map(|i| format!("package-{i}")).collect();
        for count in [1, 2, 3, 7] {
            let shards: Vec<Shard> = (0..count).map(|index| Shard { index, count }).collect();
            let mut sizes = vec![0; count];
            for n in &names {
                let owners: Vec<usize> = shards
                    .iter()
                    .filter(|s| s.owns(n))
                    .map(|s| s.index)
                    .collect();
                assert_eq!(owners.len(), 1, "{n} in {count} shards");
                sizes[owners[0]] += 1;
            }
            let fair = names.len() / count;
            assert!(sizes.iter().all(|&s| s > fair * 8 / 10), "{sizes:?}");
        }
        // The same answer on every machine: FNV-1a's published test vector.
        assert_eq!(fnv1a(b"a"), 0xaf63_dc4c_8601_ec8c);
    }

    #[test]
    fn shard_arguments() {
        assert_eq!(Shard::parse("2/7").unwrap(), Shard { index: 2, count: 7 });
        for wrong in ["7/7", "1/0", "x/2", "3", "-1/2"] {
            assert!(Shard::parse(wrong).is_err(), "{wrong}");
        }
    }

    use proptest::prelude::*;

    proptest! {
        /// Any text: a shard or bad input, never a panic; a shard read has its index below its
        /// count (so `owns` never divides by zero).
        #[test]
        fn any_text_is_a_shard_or_bad_input(s in "(?s)[0-9 +-]{0,6}/?[0-9 +-]{0,6}.{0,4}") {
            if let Ok(shard) = Shard::parse(&s) {
                prop_assert!(shard.index < shard.count);
                let _ = shard.owns("hello");
            }
        }

        /// Every valid `I/N` reads back as written; an index not below the count, a count of
        /// zero, a part missing or a part more is bad input.
        #[test]
        fn shards_and_near_misses(index in 0usize..10_000, count in 1usize..10_000, more in "/[0-9]{0,3}") {
            let shard = Shard::parse(&format!("{index}/{count}"));
            prop_assert_eq!(shard.as_ref().ok().map(|s| s.to_string()), (index < count).then(|| format!("{index}/{count}")));
            prop_assert!(Shard::parse(&format!("{index}/0")).is_err(), "count 0");
            prop_assert!(Shard::parse(&format!("{count}/{count}")).is_err(), "index = count");
            prop_assert!(Shard::parse(&format!("{index}")).is_err(), "no count");
            prop_assert!(Shard::parse(&format!("/{count}")).is_err(), "no index");
            prop_assert!(Shard::parse(&format!("{index}/{count}{more}")).is_err(), "{:?}", more);
        }
    }
}

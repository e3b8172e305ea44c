//! The records a scan produces and their merge: a union that is order-independent and idempotent,
//! so results of cells, workers and runs can be combined in any order.
use crate::drv::Source;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// One (attribute path, system, config) that reaches something.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Reach {
    #[serde(rename = "attrPath")]
    pub attr_path: String,
    pub system: String,
    pub config: String,
}

/// A FOD and who reaches it. `reached_by` holds indices into the scan's roots (sorted, unique):
/// on real nixpkgs one cell has ~20 million (root, FOD) pairs, too many to hold as strings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fod {
    pub out_path: String,
    pub drv_path: String,
    pub name: String,
    pub hash: String,
    pub hash_mode: String,
    pub urls: Vec<String>,
    pub fetcher: String,
    /// What only the mirror files use (revision, hash as written, mirror lists …).
    pub source: Source,
    pub reached_by: Vec<u32>,
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Failure {
    #[serde(rename = "attrPath")]
    pub attr_path: String,
    pub system: String,
    pub config: String,
    pub kind: String,
    pub message: String,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Findings {
    pub fods: BTreeMap<String, Fod>,
    pub failures: BTreeSet<Failure>,
}

impl Findings {
    pub fn add_fod(&mut self, fod: Fod) {
        match self.fods.get_mut(&fod.out_path) {
            None => {
                self.fods.insert(fod.out_path.clone(), fod);
            }
            Some(have) => {
                // Same output, possibly from derivations that differ only in urls: keep the
                // description of the smallest drvPath so that the result does not depend on order.
                let mut reached = std::mem::take(&mut have.reached_by);
                reached.extend_from_slice(&fod.reached_by);
                reached.sort_unstable();
                reached.dedup();
                if fod.drv_path < have.drv_path {
                    *have = Fod {
                        reached_by: Vec::new(),
                        ..fod
                    };
                }
                have.reached_by = reached;
            }
        }
    }

    pub fn merge(&mut self, other: Findings) {
        for fod in other.fods.into_values() {
            self.add_fod(fod);
        }
        self.failures.extend(other.failures);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn fod_strategy() -> impl Strategy<Value = Fod> {
        (
            0..4u8,
            0..3u8,
            proptest::collection::btree_set(0..20u32, 0..4),
        )
            .prop_map(|(out, drv, reach)| Fod {
                out_path: format!("/nix/store/{out}-src"),
                drv_path: format!("/nix/store/{out}{drv}-src.drv"),
                name: "src".into(),
                hash: format!("sha256-{out}"),
                hash_mode: "flat".into(),
                urls: vec![format!("http://mirror{drv}/src")],
                fetcher: "url".into(),
                source: Source::default(),
                reached_by: reach.into_iter().collect(),
            })
    }

    fn findings_strategy() -> impl Strategy<Value = Findings> {
        (
            proptest::collection::vec(fod_strategy(), 0..6),
            proptest::collection::btree_set((0..3u8, 0..2u8), 0..3),
        )
            .prop_map(|(fods, fails)| {
                let mut f = Findings::default();
                for fod in fods {
                    f.add_fod(fod);
                }
                f.failures = fails
                    .into_iter()
                    .map(|(a, k)| Failure {
                        attr_path: format!("a{a}"),
                        system: "s".into(),
                        config: "c".into(),
                        kind: format!("k{k}"),
                        message: String::new(),
                    })
                    .collect();
                f
            })
    }

    fn merged(parts: &[Findings]) -> Findings {
        let mut all = Findings::default();
        for p in parts {
            all.merge(p.clone());
        }
        all
    }

    proptest! {
        #[test]
        fn merge_is_order_independent(parts in proptest::collection::vec(findings_strategy(), 0..5), seed in any::<u64>()) {
            let mut shuffled = parts.clone();
            // A deterministic permutation from the seed.
            let n = shuffled.len();
            for i in (1..n).rev() {
                shuffled.swap(i, (seed as usize).wrapping_mul(i + 7) % (i + 1));
            }
            prop_assert_eq!(merged(&parts), merged(&shuffled));
        }

        #[test]
        fn merge_is_idempotent(parts in proptest::collection::vec(findings_strategy(), 0..5)) {
            let once = merged(&parts);
            let mut twice = once.clone();
            twice.merge(once.clone());
            prop_assert_eq!(&once, &twice);
            let doubled: Vec<Findings> = parts.iter().chain(parts.iter()).cloned().collect();
            prop_assert_eq!(once, merged(&doubled));
        }

        #[test]
        fn merge_keeps_every_reach(parts in proptest::collection::vec(findings_strategy(), 0..5)) {
            let all = merged(&parts);
            for p in &parts {
                for (out, fod) in &p.fods {
                    let have = &all.fods[out].reached_by;
                    prop_assert!(fod.reached_by.iter().all(|r| have.binary_search(r).is_ok()));
                    prop_assert!(have.windows(2).all(|w| w[0] < w[1]), "sorted and unique");
                }
            }
        }
    }
}

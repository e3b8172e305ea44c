//! When the walk stops entering a set: it repeats one of its ancestors. Exactly (a
//! self-reference such as `loop = self`) or nearly: a large set whose names are almost those of
//! an ancestor is a re-instantiated package set (`allStdenvs.stdenvNativePkgs`,
//! `pkgsi686Linux`-like copies), whose names differ by a few platform-dependent attributes.
use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::sync::Arc;

/// Sets with at least this many names are compared by similarity, not only exactly.
const LARGE: usize = 500;
/// Jaccard similarity of names above which a large set repeats an ancestor.
const SIMILAR: f64 = 0.9;

#[derive(Clone, Debug)]
pub struct Ancestor {
    print: u64,
    /// The sorted names of a large set.
    names: Option<Arc<[String]>>,
}

impl Ancestor {
    /// `names` must be sorted.
    pub fn new(names: &[String]) -> Self {
        let mut h = DefaultHasher::new();
        names.hash(&mut h);
        Ancestor {
            print: h.finish(),
            names: (names.len() >= LARGE).then(|| names.into()),
        }
    }

    /// Whether a set with these (sorted) names repeats this ancestor.
    pub fn repeated_by(&self, me: &Ancestor) -> bool {
        if self.print == me.print {
            return true;
        }
        match (&self.names, &me.names) {
            (Some(a), Some(b)) => jaccard(a, b) >= SIMILAR,
            _ => false,
        }
    }
}

/// |a ∩ b| / |a ∪ b| of two sorted lists.
fn jaccard(a: &[String], b: &[String]) -> f64 {
    let (mut i, mut j, mut both) = (0, 0, 0usize);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                both += 1;
                i += 1;
                j += 1;
            }
        }
    }
    both as f64 / (a.len() + b.len() - both).max(1) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(prefix: &str, n: usize) -> Vec<String> {
        let mut v: Vec<String> = (0..n).map(|i| format!("{prefix}{i:05}")).collect();
        v.sort();
        v
    }

    #[test]
    fn exact_repeats_of_any_size() {
        let small = names("a", 3);
        assert!(Ancestor::new(&small).repeated_by(&Ancestor::new(&small)));
        assert!(!Ancestor::new(&small).repeated_by(&Ancestor::new(&names("b", 3))));
    }

    #[test]
    fn large_near_copies_repeat_but_siblings_of_other_content_do_not() {
        let top = names("p", 6000);
        let mut copy = top.clone();
        copy.truncate(5900); // a few platform-only attributes missing
        copy.push("extra".into());
        copy.sort();
        assert!(Ancestor::new(&top).repeated_by(&Ancestor::new(&copy)));
        // A large set with other names (rPackages under the top level) is entered.
        assert!(!Ancestor::new(&top).repeated_by(&Ancestor::new(&names("r", 8000))));
        // Small sets are only compared exactly.
        let (a, mut b) = (names("s", 10), names("s", 10));
        b[0] = "other".into();
        b.sort();
        assert!(!Ancestor::new(&a).repeated_by(&Ancestor::new(&b)));
    }
}

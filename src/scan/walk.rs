//! When the walk stops entering a set: its name is one that points back at a package set or
//! holds only functions ([`PRUNED`]), or it repeats one of its ancestors. Exactly (a
//! self-reference such as `loop = self`) or nearly: a large set whose names are almost those of
//! the root package set is a re-instantiated nixpkgs (`allStdenvs.stdenvNativePkgs`,
//! `pkgsi686Linux`-like copies), whose names differ by a few platform-dependent attributes.
//! Only the root is compared by similarity: a large set nearly repeating another ancestor is
//! usually a genuine part of it (`emacsPackagesNg.melpaPackages` holds 96 % of
//! `emacsPackagesNg`'s names and ~900 FODs of its own).
use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::sync::Arc;

/// Names that refer back to a package set or hold only functions: entering them makes the walk
/// revisit everything (or never end) without reaching anything new.
pub const PRUNED: &[&str] = &[
    "pkgs",
    "buildPackages",
    "pkgsi686Linux",
    "pkgsCross",
    "pkgsStatic",
    "pkgsMusl",
    "pkgsLLVM",
    "pkgsBuildBuild",
    "pkgsBuildHost",
    "pkgsBuildTarget",
    "pkgsHostHost",
    "pkgsHostTarget",
    "pkgsTargetTarget",
    "targetPackages",
    "__splicedPackages",
    "lib",
    "callPackage",
    "callPackages",
    "newScope",
    "override",
    "overrideDerivation",
    "overrideScope",
    "overrideScope'",
    "__functor",
    "mkDerivation",
    "scope",
    "__unfix__",
];

pub fn is_pruned(name: &str) -> bool {
    PRUNED.contains(&name)
}

/// Sets with at least this many names are compared by similarity, not only exactly.
const LARGE: usize = 500;
/// Jaccard similarity of names above which a large set repeats an ancestor.
const SIMILAR: f64 = 0.9;

#[derive(Clone, Debug)]
pub struct Ancestor {
    print: u64,
    /// The sorted names of the root set, kept for the similarity test.
    names: Option<Arc<[String]>>,
    /// Not a set: the derivation the walk entered here (see [`Ancestor::derivation`]).
    derivation: bool,
}

impl Ancestor {
    /// A set below the root; `names` must be sorted.
    pub fn new(names: &[String]) -> Self {
        Ancestor {
            print: print_of(names),
            names: None,
            derivation: false,
        }
    }

    /// The mark a derivation leaves in the ancestry of its own attributes: what is below it
    /// hangs on a derivation ([`below_derivation`]). It is repeated by nothing.
    pub fn derivation() -> Self {
        Ancestor {
            print: 0,
            names: None,
            derivation: true,
        }
    }

    /// The root package set, which large near-copies repeat; `names` must be sorted.
    pub fn root(names: &[String]) -> Self {
        Ancestor {
            names: Some(names.into()),
            ..Ancestor::new(names)
        }
    }

    /// Whether a set with these (sorted) names repeats this ancestor.
    pub fn repeated_by(&self, me: &Ancestor, my_names: &[String]) -> bool {
        if self.derivation {
            return false;
        }
        if self.print == me.print {
            return true;
        }
        match &self.names {
            Some(root) if my_names.len() >= LARGE => jaccard(root, my_names) >= SIMILAR,
            _ => false,
        }
    }
}

/// A hash of a set's sorted names, in order: what tells sets of other names apart (an
/// ancestor's print, and an alias check's: `crate::scan::alias::print`).
pub fn print_of<'a>(names: impl IntoIterator<Item = &'a String>) -> u64 {
    let mut h = DefaultHasher::new();
    for n in names {
        n.hash(&mut h);
    }
    h.finish()
}

/// Whether a path with this ancestry hangs on a derivation (a derivation's passthru, or below it).
pub fn below_derivation(ancestry: &[Ancestor]) -> bool {
    ancestry.iter().any(|a| a.derivation)
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

    fn repeats(ancestor: &Ancestor, me: &[String]) -> bool {
        ancestor.repeated_by(&Ancestor::new(me), me)
    }

    #[test]
    fn exact_repeats_of_any_size() {
        let small = names("a", 3);
        assert!(repeats(&Ancestor::new(&small), &small));
        assert!(!repeats(&Ancestor::new(&small), &names("b", 3)));
    }

    #[test]
    fn a_large_part_of_a_set_that_is_not_the_root_is_entered() {
        // emacsPackagesNg (3075 names) and its melpaPackages (2947 of them).
        let emacs = names("e", 3075);
        let melpa = emacs[..2947].to_vec();
        assert!(!repeats(&Ancestor::new(&emacs), &melpa));
        // The same shape directly under the root would be a copy of the root.
        assert!(repeats(&Ancestor::root(&emacs), &melpa));
    }

    #[test]
    fn large_near_copies_of_the_root_repeat_but_siblings_of_other_content_do_not() {
        let top = names("p", 6000);
        let mut copy = top.clone();
        copy.truncate(5900); // a few platform-only attributes missing
        copy.push("extra".into());
        copy.sort();
        assert!(repeats(&Ancestor::root(&top), &copy));
        // A large set with other names (rPackages under the top level) is entered.
        assert!(!repeats(&Ancestor::root(&top), &names("r", 8000)));
        // Small sets are only compared exactly.
        let (a, mut b) = (names("s", 10), names("s", 10));
        b[0] = "other".into();
        b.sort();
        assert!(!repeats(&Ancestor::root(&a), &b));
    }
}

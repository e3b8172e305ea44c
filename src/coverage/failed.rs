//! The scan's failures by attribute path, to find those of the package a literal belongs to.
//! A failure's path is read through the tree's top-level aliases (`python3Packages.foo` is
//! `python34Packages.foo`, whose file python-packages.nix is owned by `python34Packages`).
use super::tree::Tree;
use crate::model::{Failure, FailureKind};
use crate::nix::attrpath;
use std::collections::{BTreeSet, HashMap};

pub struct Failed<'a> {
    failures: &'a [Failure],
    /// Failure indices by path (as written and through aliases).
    by_path: HashMap<Vec<String>, Vec<usize>>,
    /// Failure indices by the last name of their path.
    by_last: HashMap<String, Vec<usize>>,
}

/// Failures that concern one literal.
pub struct Matched<'a> {
    pub failures: Vec<&'a Failure>,
    /// How many distinct cells they cover.
    pub cells: usize,
}

impl Matched<'_> {
    pub fn kind(&self, k: FailureKind) -> Option<&Failure> {
        self.failures.iter().copied().find(|f| f.kind == k)
    }
}

fn resolve(path: &[String], aliases: &HashMap<Vec<String>, Vec<String>>) -> Vec<String> {
    let mut p = path.to_vec();
    for _ in 0..4 {
        let Some(n) = (1..=p.len()).rev().find(|&n| aliases.contains_key(&p[..n])) else {
            break;
        };
        let mut next = aliases[&p[..n]].clone();
        next.extend_from_slice(&p[n..]);
        p = next;
    }
    p
}

impl<'a> Failed<'a> {
    pub fn new(failures: &'a [Failure], tree: &Tree) -> Failed<'a> {
        let mut by_path: HashMap<Vec<String>, Vec<usize>> = HashMap::new();
        let mut by_last: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, f) in failures.iter().enumerate() {
            let path = attrpath::parse(&f.attr_path);
            let resolved = resolve(&path, &tree.aliases);
            if let Some(last) = resolved.last() {
                by_last.entry(last.clone()).or_default().push(i);
            }
            if resolved != path {
                by_path.entry(resolved).or_default().push(i);
            }
            by_path.entry(path).or_default().push(i);
        }
        Failed {
            failures,
            by_path,
            by_last,
        }
    }

    /// The failures of the attributes a literal can belong to: an owner chain of its file
    /// followed by the literal's own chain, or any prefix of that (`foo` for `[foo, src]`); or,
    /// below an owner, one whose last name is on the literal's chain or its entry's key
    /// (`vmTools.diskImages.fedora16i386` for `rpmDistros.fedora16i386.packagesList`).
    pub fn of(&self, owners: &[Vec<String>], chain: &[String], key: Option<&str>) -> Matched<'a> {
        let mut found = BTreeSet::new();
        for o in owners {
            let mut c = o.clone();
            c.extend_from_slice(chain);
            for n in 1..=c.len() {
                found.extend(self.by_path.get(&c[..n]).into_iter().flatten());
            }
            if o.is_empty() {
                continue;
            }
            for name in chain.iter().map(String::as_str).chain(key) {
                for &i in self.by_last.get(name).into_iter().flatten() {
                    let p = attrpath::parse(&self.failures[i].attr_path);
                    if p.starts_with(o) && p.len() > o.len() {
                        found.insert(i);
                    }
                }
            }
            // The name its file is called under, below the same top-level name by a way the
            // chains do not follow (`haskell.packagesFun.urlencoded` is owned by a function
            // that `haskell.packages_ghc784` and each of its variants call).
            if let [first, .., last] = o.as_slice() {
                for &i in self.by_last.get(last).into_iter().flatten() {
                    let p = attrpath::parse(&self.failures[i].attr_path);
                    if p.first() == Some(first) && p.len() > 1 {
                        found.insert(i);
                    }
                }
            }
        }
        let failures: Vec<&Failure> = found.into_iter().map(|i| &self.failures[i]).collect();
        let cells = failures
            .iter()
            .map(|f| (&f.system, &f.config))
            .collect::<BTreeSet<_>>()
            .len();
        Matched { failures, cells }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aliases_are_followed() {
        let aliases = HashMap::from([
            (vec!["py3".to_owned()], vec!["py34".to_owned()]),
            (
                vec!["hs".to_owned()],
                vec!["haskell".into(), "packages".into(), "ghc".into()],
            ),
        ]);
        let p = |s: &str| s.split('.').map(String::from).collect::<Vec<_>>();
        assert_eq!(resolve(&p("py3.foo"), &aliases), p("py34.foo"));
        assert_eq!(
            resolve(&p("hs.lens"), &aliases),
            p("haskell.packages.ghc.lens")
        );
        assert_eq!(resolve(&p("other"), &aliases), p("other"));
    }
}

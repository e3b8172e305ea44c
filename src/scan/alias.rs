//! Package sets reached under two names (`pythonPackages` and `python27Packages`,
//! `haskellPackages` and `haskell.packages.ghc7103`) are walked once. A set whose names are
//! those of a set already walked in the same cell (but [`FLAG`]) is compared with it by Nix,
//! member by member (`==`, which for the same value only compares member pointers and evaluates
//! nothing new; a look-alike with other derivations, such as another compiler's set, differs at
//! its first function or derivation; see `same` in visit.nix, and `dispatcher/compare.rs` for a
//! comparison that fails); only an equal one is an alias. At the end, everything found below the
//! walked set (roots and failures) is repeated below each alias, so the outputs do not depend on
//! which name was walked first.
use crate::model::{Cell, Failure, Reach};
use crate::nix::attrpath;
use petgraph::graph::NodeIndex;
use std::collections::{HashMap, HashSet};

/// Sets smaller than this are walked again rather than compared: a comparison is a task too.
pub const MIN_NAMES: usize = 50;

/// A name the comparison leaves out (visit.nix: `same`): nixpkgs' `recurseIntoAttrs` adds it
/// to a copy of a set, whose members are then the set's own (26.11's `python313Packages` is
/// `recurseIntoAttrs python313.pkgs`, the `pythonPackages` of mopidy and others without it).
pub const FLAG: &str = "recurseForDerivations";

/// What sets compared as aliases must share: a hash of their sorted names but [`FLAG`].
pub fn print(names: &[String]) -> u64 {
    crate::scan::walk::print_of(names.iter().filter(|n| *n != FLAG))
}

/// The sets walked in each cell, by the print of their sorted names.
#[derive(Default)]
pub struct Sets {
    walked: HashMap<(usize, u64), Vec<Vec<String>>>,
}

impl Sets {
    pub fn walked(&mut self, cell: usize, print: u64, path: Vec<String>) {
        self.walked.entry((cell, print)).or_default().push(path);
    }

    /// Every walked set: (cell, print, path), sorted.
    pub fn all(&self) -> impl Iterator<Item = (usize, u64, &Vec<String>)> {
        let mut all: Vec<_> = self
            .walked
            .iter()
            .flat_map(|(&(cell, print), paths)| paths.iter().map(move |p| (cell, print, p)))
            .collect();
        all.sort();
        all.into_iter()
    }

    /// The walked set with these names that comes after `after` (the first one when `after` is
    /// none), to compare a new set with.
    pub fn candidate(
        &self,
        cell: usize,
        print: u64,
        after: Option<&[String]>,
    ) -> Option<&[String]> {
        let sets = self.walked.get(&(cell, print))?;
        let next = match after {
            None => 0,
            Some(a) => sets.iter().position(|s| s == a)? + 1,
        };
        sets.get(next).map(Vec::as_slice)
    }
}

/// `path` in `cell` is the set at `of`.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Alias {
    pub cell: usize,
    pub path: Vec<String>,
    pub of: Vec<String>,
}

/// What is below `from` in `cell` belongs below `to`: the derivation entered at `from` is the
/// one at `to`, the first of its paths in the order of [`first`].
#[derive(Clone, Debug, PartialEq)]
pub struct Moved {
    pub cell: usize,
    pub from: Vec<String>,
    pub to: Vec<String>,
}

/// `path` below `prefix`: the rest of it.
fn below<'a>(path: &'a [String], prefix: &[String]) -> Option<&'a [String]> {
    path.strip_prefix(prefix)
}

/// The index of the cell of `system` and `config` (its label) among `cells`.
pub(crate) fn cell_of(cells: &[Cell], system: &str, config: &str) -> Option<usize> {
    cells
        .iter()
        .position(|c| c.system == system && c.label == config)
}

/// Moves every root and failure below a derivation entered under one path below the path it
/// belongs to ([`Moved`]), the deepest first: a derivation entered inside another moves with it.
/// Each path is looked up by its prefixes (a default matrix has a million roots and thousands of
/// derivations entered).
pub fn relocate(
    moved: &[Moved],
    cells: &[Cell],
    roots: &mut Vec<(Reach, NodeIndex)>,
    failures: &mut Vec<Failure>,
) {
    if moved.is_empty() {
        return;
    }
    let by_cell = moves_by_cell(moved);
    let place = |attr: &mut String, system: &str, config: &str| {
        let Some(moves) = cell_of(cells, system, config).and_then(|c| by_cell.get(&c)) else {
            return;
        };
        if let Some(path) = moved_path(moves, &attrpath::parse(attr)) {
            *attr = attrpath::show(&path);
        }
    };
    for (r, _) in roots.iter_mut() {
        place(&mut r.attr_path, &r.system, &r.config);
    }
    for f in failures.iter_mut() {
        place(&mut f.attr_path, &f.system, &f.config);
    }
    let mut seen = HashSet::new();
    roots.retain(|r| seen.insert(r.clone()));
    let mut seen = HashSet::new();
    failures.retain(|f| seen.insert(f.clone()));
}

/// Where `path` goes under `moves` (from → to, of one cell), if it moves: the longest prefix
/// that moves first; after a move, only prefixes no longer than the one moved (a bounded number
/// of times: moves cannot chain for ever).
pub fn moved_path(moves: &HashMap<&[String], &[String]>, path: &[String]) -> Option<Vec<String>> {
    let mut path = path.to_vec();
    let (mut below, mut changed) = (path.len(), false);
    for _ in 0..16 {
        let Some(l) = (1..below).rev().find(|&l| moves.contains_key(&path[..l])) else {
            break;
        };
        path = [moves[&path[..l]], &path[l..]].concat();
        (below, changed) = ((l + 1).min(path.len()), true);
    }
    changed.then_some(path)
}

/// The moves of each cell, for [`moved_path`].
pub fn moves_by_cell(moved: &[Moved]) -> HashMap<usize, HashMap<&[String], &[String]>> {
    let mut by_cell: HashMap<usize, HashMap<&[String], &[String]>> = HashMap::new();
    for m in moved {
        by_cell
            .entry(m.cell)
            .or_default()
            .insert(m.from.as_slice(), m.to.as_slice());
    }
    by_cell
}

/// Repeats every root and failure below each alias's walked set below the alias itself, until
/// nothing new comes (an alias can hold or sit inside another), never deeper than `max_depth`
/// names, as deep as the walk goes: aliases that hold each other (a set equal to one inside
/// it) would otherwise repeat for ever.
pub fn mirror(
    aliases: &[Alias],
    cells: &[Cell],
    max_depth: usize,
    roots: &mut Vec<(Reach, NodeIndex)>,
    failures: &mut Vec<Failure>,
) {
    let cell_of = |system: &str, config: &str| cell_of(cells, system, config);
    let moved = |attr: &str, cell: Option<usize>| -> Vec<String> {
        let path = attrpath::parse(attr);
        let mut out = Vec::new();
        for a in aliases.iter().filter(|a| Some(a.cell) == cell) {
            if let Some(rest) = below(&path, &a.of).filter(|r| a.path.len() + r.len() <= max_depth)
            {
                let mut p = a.path.clone();
                p.extend_from_slice(rest);
                out.push(attrpath::show(&p));
            }
        }
        out
    };
    let mut seen: HashSet<(Reach, NodeIndex)> = roots.iter().cloned().collect();
    let mut seen_failures: HashSet<Failure> = failures.iter().cloned().collect();
    let (mut new_roots, mut new_failures) = (0, 0);
    loop {
        let (from_roots, from_failures) = (roots.len(), failures.len());
        for i in new_roots..from_roots {
            let (r, n) = roots[i].clone();
            for attr_path in moved(&r.attr_path, cell_of(&r.system, &r.config)) {
                let copy = (
                    Reach {
                        attr_path,
                        ..r.clone()
                    },
                    n,
                );
                if seen.insert(copy.clone()) {
                    roots.push(copy);
                }
            }
        }
        for i in new_failures..from_failures {
            let f = failures[i].clone();
            for attr_path in moved(&f.attr_path, cell_of(&f.system, &f.config)) {
                let copy = Failure {
                    attr_path,
                    ..f.clone()
                };
                if seen_failures.insert(copy.clone()) {
                    failures.push(copy);
                }
            }
        }
        if roots.len() == from_roots && failures.len() == from_failures {
            return;
        }
        (new_roots, new_failures) = (from_roots, from_failures);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::FailureKind;

    fn v(p: &str) -> Vec<String> {
        p.split('.').map(String::from).collect()
    }

    #[test]
    fn candidates_in_the_order_walked() {
        let mut s = Sets::default();
        s.walked(0, 7, v("a"));
        s.walked(0, 7, v("b"));
        s.walked(1, 7, v("c"));
        assert_eq!(s.candidate(0, 7, None), Some(&v("a")[..]));
        assert_eq!(s.candidate(0, 7, Some(&v("a"))), Some(&v("b")[..]));
        assert_eq!(s.candidate(0, 7, Some(&v("b"))), None);
        assert_eq!(s.candidate(0, 8, None), None);
        assert_eq!(s.candidate(1, 7, None), Some(&v("c")[..]));
    }

    #[test]
    fn everything_below_the_walked_set_repeats_below_each_alias() {
        let cells = [Cell::new("x", "{}", "{}")];
        let reach = |a: &str| Reach::new(a.into(), "x", "{}");
        // pythonPackages is python27Packages; emacsMelpa is emacsPackagesNg, and inside it
        // melpaPackages was itself found to be another walked set.
        let aliases = [
            Alias {
                cell: 0,
                path: v("pythonPackages"),
                of: v("python27Packages"),
            },
            Alias {
                cell: 0,
                path: v("emacsMelpa"),
                of: v("emacsPackagesNg"),
            },
            Alias {
                cell: 0,
                path: v("emacsPackagesNg.melpa"),
                of: v("melpaPackages"),
            },
        ];
        let n = NodeIndex::new;
        let mut roots = vec![
            (reach("python27Packages.zope"), n(0)),
            (reach("melpaPackages.magit"), n(1)),
            (reach("other"), n(2)),
        ];
        let mut failures = vec![Failure::new(
            reach("python27Packages.broken"),
            FailureKind::Throw,
            "m".into(),
        )];
        mirror(&aliases, &cells, 8, &mut roots, &mut failures);
        let mut got: Vec<(String, usize)> = roots
            .iter()
            .map(|(r, n)| (r.attr_path.clone(), n.index()))
            .collect();
        got.sort();
        let want = [
            ("emacsMelpa.melpa.magit", 1),
            ("emacsPackagesNg.melpa.magit", 1),
            ("melpaPackages.magit", 1),
            ("other", 2),
            ("python27Packages.zope", 0),
            ("pythonPackages.zope", 0),
        ];
        assert_eq!(got, want.map(|(a, i)| (a.to_owned(), i)));
        let f: Vec<&str> = failures.iter().map(|f| f.attr_path.as_str()).collect();
        assert_eq!(f, ["python27Packages.broken", "pythonPackages.broken"]);
        // Nothing new a second time.
        let before = roots.len();
        mirror(&aliases, &cells, 8, &mut roots, &mut failures);
        assert_eq!(roots.len(), before);
    }
    #[test]
    fn aliases_that_hold_each_other_repeat_no_deeper_than_the_walk() {
        let cells = [Cell::new("x", "{}", "{}")];
        // a.s is b and b.t is a: a holds itself at a.s.t.
        let aliases = [
            Alias {
                cell: 0,
                path: v("a.s"),
                of: v("b"),
            },
            Alias {
                cell: 0,
                path: v("b.t"),
                of: v("a"),
            },
        ];
        let reach = |a: &str| Reach::new(a.into(), "x", "{}");
        let mut roots = vec![(reach("a.p"), NodeIndex::new(0))];
        let mut failures = vec![];
        mirror(&aliases, &cells, 4, &mut roots, &mut failures);
        let mut got: Vec<String> = roots.iter().map(|(r, _)| r.attr_path.clone()).collect();
        got.sort();
        // b.t.p (3 names), a.s.t.p (4); b.t.s.t.p would be 5.
        assert_eq!(got, ["a.p", "a.s.t.p", "b.t.p"]);
    }

    #[test]
    fn what_a_derivation_holds_moves_below_its_first_path_the_deepest_first() {
        let cells = [Cell::new("x", "{}", "{}"), Cell::new("y", "{}", "{}")];
        let reach = |a: &str, s: &str| Reach::new(a.into(), s, "{}");
        let moved = |cell, from: &str, to: &str| Moved {
            cell,
            from: v(from),
            to: v(to),
        };
        // python was entered as zope.python, and is `python` too; inside it, pkgs.six.env was
        // entered before its `six.env`, which moves first, then with python.
        let moved = [
            moved(0, "zope.python", "python"),
            moved(0, "zope.python.pkgs.six.env", "zope.python.six.env"),
            moved(1, "a", "b"),
            moved(1, "a.b.c.d", "q"),
        ];
        let n = NodeIndex::new;
        let mut roots = vec![
            (reach("zope.python", "x"), n(0)),
            (reach("zope.python.pkgs.numpy", "x"), n(1)),
            (reach("zope.python.pkgs.six.env.tool", "x"), n(2)),
            (reach("python.pkgs.numpy", "x"), n(1)),
            (reach("zope.pythonic", "x"), n(3)),
            (reach("zope.python.pkgs.numpy", "y"), n(1)),
            // A long path moved to a short one, with a short rest.
            (reach("a.b.c.d.e", "y"), n(4)),
        ];
        let mut failures = vec![Failure::new(
            reach("zope.python.tests", "x"),
            FailureKind::Throw,
            "m".into(),
        )];
        relocate(&moved, &cells, &mut roots, &mut failures);
        let got: Vec<(String, &str, usize)> = roots
            .iter()
            .map(|(r, n)| (r.attr_path.clone(), r.system.as_str(), n.index()))
            .collect();
        let want = [
            // The derivation itself stays where it was found.
            ("zope.python", "x", 0),
            ("python.pkgs.numpy", "x", 1),
            ("python.six.env.tool", "x", 2),
            // A name that only begins alike, and another cell, stay.
            ("zope.pythonic", "x", 3),
            ("zope.python.pkgs.numpy", "y", 1),
            ("q.e", "y", 4),
        ];
        assert_eq!(got, want.map(|(a, s, i)| (a.to_owned(), s, i)));
        assert_eq!(failures[0].attr_path, "python.tests");
    }
}

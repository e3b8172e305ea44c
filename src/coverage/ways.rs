//! The ways to a literal, each a list of conditions that must all hold: within its file (the
//! conditions over it, and in a `let` binding those over each use of the binding), and into
//! its file (the conditions over each path that names the file, likewise:
//! `pulse = callPackage ./volumed-pulse.nix { }; … if config.pulseaudio or false then pulse`).
//! A literal is held back when every way has a condition false in the run (`blocked`) or
//! false on every system of the run (`systems`).
use super::cond::Cond;
use super::facts::{FileFacts, Site};
use super::tree::Tree;

/// One way, and the file whose names its conditions use.
pub struct Way<'a> {
    pub facts: &'a FileFacts,
    pub conds: Vec<Cond>,
}

/// Names bound to conditions in a file (scopes are not told apart: the first binding wins).
pub fn resolver(f: &FileFacts) -> impl Fn(&str) -> Option<Cond> + '_ {
    move |n: &str| f.names.iter().find(|(m, _)| m == n).map(|(_, c)| c.clone())
}

fn ways<'a>(
    facts: &'a FileFacts,
    guards: &[Cond],
    let_name: &Option<String>,
    uses: &[Vec<Cond>],
) -> Vec<Way<'a>> {
    if let_name.is_none() || uses.is_empty() {
        return vec![Way {
            facts,
            conds: guards.to_vec(),
        }];
    }
    uses.iter()
        .map(|u| Way {
            facts,
            conds: guards.iter().chain(u).cloned().collect(),
        })
        .collect()
}

pub fn within<'a>(f: &'a FileFacts, site: &Site) -> Vec<Way<'a>> {
    ways(f, &site.guards, &site.let_name, &site.uses)
}

/// Through each path naming `file` in the files that refer to it.
pub fn into<'a>(tree: &'a Tree, file: &str) -> Vec<Way<'a>> {
    let importers = tree.importers.get(file).into_iter().flatten();
    importers
        .flat_map(|i| {
            let facts = &tree.files[i];
            let refs = facts.refs.iter().filter(|r| r.target == file);
            refs.flat_map(move |r| ways(facts, &r.guards, &r.let_name, &r.uses))
        })
        .collect()
}

/// Whether every way into `file` from a live file is false under `system`: a condition on it
/// false there, or, up to `depth` files up, every way into the importing file false there too
/// (stdenv imports bootstrap/armv6l.nix only `if system == "armv6l-linux"`, and armv6l.nix
/// imports armv5tel.nix whatever the system).
pub fn into_false(tree: &Tree, file: &str, system: &str, depth: usize) -> bool {
    let mut importers = tree
        .importers
        .get(file)
        .into_iter()
        .flatten()
        .filter(|i| tree.live.contains(*i))
        .peekable();
    importers.peek().is_some()
        && importers.all(|i| {
            let facts = &tree.files[i];
            let refs = facts.refs.iter().filter(|r| r.target == file);
            let ways: Vec<Way> = refs
                .flat_map(|r| ways(facts, &r.guards, &r.let_name, &r.uses))
                .collect();
            all_false(&ways, system) || (depth > 0 && into_false(tree, i, system, depth - 1))
        })
}

/// Whether every way has a condition false under `system`.
pub fn all_false(ways: &[Way], system: &str) -> bool {
    !ways.is_empty()
        && ways.iter().all(|w| {
            let resolve = resolver(w.facts);
            w.conds
                .iter()
                .any(|c| c.on_system(system, &resolve) == Some(false))
        })
}

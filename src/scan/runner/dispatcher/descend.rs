//! Walking into derivations. A derivation is an attribute set too: what mkDerivation's
//! `passthru` hangs on it (`lhapdf.pdf_sets`, a package set as `python.pkgs`, `foo.tests`) is
//! reachable from nowhere else, so the walk enters the attributes the harness names (not its
//! outputs, its arguments or what every derivation carries: see `own` in visit.nix).
//!
//! A derivation is entered once per cell, at the first path it is found under: the same
//! derivation hangs under hundreds of paths (every Python package carries its interpreter), and
//! entering each would repeat the same attributes hundreds of times. Which path comes first
//! depends on the workers' timing, so at the end what was found below it is moved below the
//! shortest path (then the first by name) the derivation was found under ([`Moved`]): the
//! outputs do not depend on the order.
use super::{Dispatcher, TaskId};
use crate::scan::record::TaskKey;
use crate::scan::walk::{Ancestor, is_pruned};
use std::collections::HashMap;
use std::collections::hash_map;

/// The derivations entered so far, each by its cell, `.drv` path, `name` and the attributes it
/// names: where it was entered, and the first of the paths it was found under. The attributes
/// are part of the key because one `.drv` can carry other attributes under another name
/// (release-16.03's `jdk` names `jre`, which `openjdk`, the same derivation with `jre` among its
/// outputs, does not): keyed by the `.drv` alone, whichever name came first decided whether
/// `jdk.jre` was walked. The `name` too, because the same `.drv` with the same attribute names
/// can hold other values: 26.11's `beancount-black` is `toPythonApplication` of
/// `python3Packages.beancount-black` (name `beancount-black-1.0.5`, not
/// `python3.13-beancount-black-1.0.5`), whose `pythonModule` is `false`, not the interpreter;
/// moved below the shorter path, the interpreter's finds named an attribute that is not one.
#[derive(Default)]
pub(super) struct Entered(pub(super) HashMap<Key, Entry>);

type Key = (usize, String, Option<String>, Vec<String>);

/// Where a derivation was entered, and every visit that found it (the first included).
pub(super) struct Entry {
    pub at: Vec<String>,
    pub found: Vec<TaskId>,
}

/// A derivation a visit found: what it is entered by.
pub(super) struct Found {
    pub drv_path: String,
    pub name: Option<String>,
    pub attrs: Vec<String>,
}

/// The same in every shard of a scan: the `.drv` path, `name` and attribute names, each
/// followed by a byte no Nix string of them holds.
pub(super) fn key_hash((_, drv, name, attrs): &Key) -> u64 {
    let mut bytes = Vec::new();
    for part in [drv.as_str(), name.as_deref().unwrap_or("\u{1}")]
        .into_iter()
        .chain(attrs.iter().map(String::as_str))
    {
        bytes.extend_from_slice(part.as_bytes());
        bytes.push(0);
    }
    crate::scan::shard::fnv1a(&bytes)
}

/// Shorter paths first, then by their names.
pub(super) fn first(a: &[String], b: &[String]) -> bool {
    (a.len(), a) < (b.len(), b)
}

/// A name under a derivation the walk does not enter: those pruned in any set, but `pkgs`,
/// which under a derivation is the package set it belongs to (`python.pkgs`, `emacs.pkgs`),
/// compared with the sets already walked like any other large set.
fn pruned(name: &str) -> bool {
    name != "pkgs" && is_pruned(name)
}

impl Dispatcher<'_> {
    /// Queues the attributes of the derivation that task `id` found, unless the cell has
    /// entered it under another path already or the walk is as deep as it goes.
    pub(super) fn descend(&mut self, id: TaskId, found: Found) {
        let Found {
            drv_path,
            name,
            attrs,
        } = found;
        if attrs.is_empty() {
            return;
        }
        let task = &self.tasks[id as usize];
        let (cell, path) = (task.key.cell, task.key.path.clone());
        // Too deep here, it may still be entered where it is found nearer the top.
        if path.len() >= self.opts.max_depth {
            self.walked.stats[cell].depth_pruned += 1;
            self.walked.pruned.push((cell, path, super::Pruned::Depth));
            return;
        }
        match self.entered.0.entry((cell, drv_path, name, attrs.clone())) {
            hash_map::Entry::Occupied(mut e) => {
                e.get_mut().found.push(id);
                return;
            }
            hash_map::Entry::Vacant(e) => {
                e.insert(Entry {
                    at: path.clone(),
                    found: vec![id],
                });
            }
        }
        self.walked.stats[cell].entered_derivations += 1;
        let mut ancestry = task.ancestry.clone();
        ancestry.push(Ancestor::derivation());
        for name in attrs.into_iter().filter(|n| !pruned(n)) {
            let mut child = path.clone();
            child.push(name);
            let child = self.enqueue(TaskKey::visit(cell, child));
            self.tasks[child as usize].ancestry = ancestry.clone();
        }
    }
}

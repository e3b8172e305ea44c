//! Alias checks: a large set with the names of a set already walked is compared with it (see
//! `crate::scan::alias`) before it is walked. Nix compares two sets member by member, forcing
//! each, so one member that fails with an error tryEval cannot catch (26.11's
//! `pypy27Packages.beets-unstable` recurses for ever) fails the whole comparison, and the alias
//! (`pypyPackages`, `pypy2Packages`: 11,400 members each, all of them asked for their inputs)
//! was walked again. Such a member fails the walked set's own visit of it too: a comparison that
//! failed waits until every member of the walked set was visited, then is asked again with the
//! members whose visits failed so left out of both sides, once. It never depends on which
//! visits happened to be done first: a comparison that did not fail left out nothing that
//! could have changed its answer (any member it left out would have failed it).
use super::{Dispatcher, TaskId};
use crate::scan::alias::Alias;
use crate::scan::record::TaskKey;
use crate::scan::walk::Ancestor;
use std::collections::{BTreeSet, HashMap};

type SetKey = (usize, Vec<String>);

/// What the failed comparisons wait for.
#[derive(Default)]
pub(super) struct Waiting {
    /// The walked sets' members not visited yet, by set.
    open: HashMap<SetKey, usize>,
    /// Members whose visit failed with an error tryEval cannot catch, by their set.
    failed: HashMap<SetKey, BTreeSet<String>>,
    /// Comparisons that failed, by the walked set whose members they wait for.
    parked: HashMap<SetKey, Vec<TaskId>>,
}

impl Waiting {
    /// The members of the walked set at `path` whose visits failed so, sorted.
    pub(super) fn uncaught(&self, cell: usize, path: &[String]) -> Vec<String> {
        let set = self.failed.get(&(cell, path.to_vec()));
        set.map(|f| f.iter().cloned().collect()).unwrap_or_default()
    }
}

impl Dispatcher<'_> {
    /// Compares the set at `path` with the next walked set of the same names after `after`, or,
    /// when there is none, walks it.
    pub(super) fn compare_or_walk(
        &mut self,
        cell: usize,
        path: Vec<String>,
        after: Option<&[String]>,
        ancestry: Vec<Ancestor>,
        names: Vec<String>,
        print: u64,
    ) {
        match self.sets.candidate(cell, print, after) {
            Some(of) => {
                let key = TaskKey {
                    alias_of: Some(of.to_vec()),
                    ..TaskKey::visit(cell, path)
                };
                self.enqueue_check(key, ancestry, names);
            }
            None => {
                self.sets.walked(cell, print, path.clone());
                let n = self.queue_members(cell, &path, &ancestry, names);
                if n > 0 {
                    self.comparisons.open.insert((cell, path), n);
                }
            }
        }
    }

    fn enqueue_check(&mut self, key: TaskKey, ancestry: Vec<Ancestor>, names: Vec<String>) {
        let id = self.enqueue(key) as usize;
        self.tasks[id].ancestry = ancestry;
        self.tasks[id].names = Some(names);
    }

    /// The outcome of an alias check: an alias, or the next comparison, or the walk.
    pub(super) fn compared(&mut self, id: TaskId, equal: bool) {
        let task = &mut self.tasks[id as usize];
        let (cell, path) = (task.key.cell, task.key.path.clone());
        let of = task.key.alias_of.clone().expect("an alias check");
        // A set that is the set it hangs in (26.11's `freebsd.buildFreebsd` is `freebsd` on a
        // native platform; the names differ by recurseIntoAttrs' flag, so the ancestor check
        // did not see it) repeats an ancestor: as an alias it would repeat below itself.
        if equal && path.starts_with(&of) {
            self.walked.stats[cell].cycles_pruned += 1;
            self.walked.pruned.push((cell, path, super::Pruned::Cycle));
            return;
        }
        if equal {
            self.walked.stats[cell].aliased_sets += 1;
            self.walked.aliases.push(Alias { cell, path, of });
            return;
        }
        let names = task.names.take().expect("an alias check's names");
        let ancestry = std::mem::take(&mut task.ancestry);
        let print = crate::scan::alias::print(&names);
        self.compare_or_walk(cell, path, Some(&of), ancestry, names, print);
    }

    /// A comparison that failed: asked again without the walked set's members that fail, once
    /// they are all known, or no alias.
    pub(super) fn comparison_failed(&mut self, id: TaskId) {
        let key = &self.tasks[id as usize].key;
        let of: SetKey = (key.cell, key.alias_of.clone().expect("an alias check"));
        if self.comparisons.open.contains_key(&of) {
            self.comparisons.parked.entry(of).or_default().push(id);
            return;
        }
        let failed: Vec<String> = self
            .comparisons
            .failed
            .get(&of)
            .map(|f| f.iter().cloned().collect())
            .unwrap_or_default();
        if failed == key.skip {
            return self.compared(id, false);
        }
        let key = TaskKey {
            skip: failed,
            ..key.clone()
        };
        let task = &mut self.tasks[id as usize];
        let (ancestry, names) = (std::mem::take(&mut task.ancestry), task.names.take());
        self.enqueue_check(key, ancestry, names.expect("an alias check's names"));
    }

    /// A visit of `id` is done (`failed`: with an error tryEval cannot catch): when it is the
    /// last member of a walked set, the comparisons waiting for that set go on.
    pub(super) fn member_done(&mut self, id: TaskId, failed: bool) {
        let key = &self.tasks[id as usize].key;
        let Some((name, set)) = key.path.split_last() else {
            return;
        };
        let set: SetKey = (key.cell, set.to_vec());
        let Some(open) = self.comparisons.open.get_mut(&set) else {
            return;
        };
        if failed {
            let failed = self.comparisons.failed.entry(set.clone()).or_default();
            failed.insert(name.clone());
        }
        *open -= 1;
        if *open > 0 {
            return;
        }
        self.comparisons.open.remove(&set);
        for id in self.comparisons.parked.remove(&set).unwrap_or_default() {
            self.comparison_failed(id);
        }
    }
}

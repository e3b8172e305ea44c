//! The dispatcher's failure records: a caught throw (re-run with `--explain`, or recorded), the
//! roots an attribute that failed reaches in part, a root whose closure could not be read.
use super::{Applied, Dispatcher, TaskId};
use crate::model::{Failure, FailureKind, Reach, Via};
use crate::scan::record::TaskKey;

impl Dispatcher<'_> {
    /// A throw tryEval caught: re-run to learn its message (`--explain`), or recorded.
    pub(super) fn throw(&mut self, id: TaskId, cell: usize, reach: Reach) -> Applied {
        let key = &self.tasks[id as usize].key;
        if self.opts.explain && !key.explain {
            let path = key.path.clone();
            self.enqueue(TaskKey {
                explain: true,
                ..TaskKey::visit(cell, path)
            });
        } else {
            let message =
                "throw or assert caught by builtins.tryEval (--explain records its message)";
            self.fail(cell, reach, FailureKind::Throw, message.into());
        }
        Applied::Nothing
    }

    /// Roots marked `via` for an attribute that failed: each of `drv_paths` is part of what it
    /// needs.
    pub(super) fn partial(
        &mut self,
        cell: usize,
        reach: Reach,
        via: Via,
        mut drv_paths: Vec<String>,
    ) -> Applied {
        drv_paths.sort();
        drv_paths.dedup();
        if !drv_paths.is_empty() {
            self.walked.stats[cell].partial_attributes += 1;
        }
        let reach = Reach {
            via: Some(via),
            ..reach
        };
        let first = self.walked.roots.len();
        self.walked
            .roots
            .extend(drv_paths.iter().map(|_| reach.clone()));
        Applied::Roots((first..).zip(drv_paths).collect())
    }

    /// A root whose closure could not be read: a failure instead of a derivation (or, for what
    /// an attribute that failed reaches in part, nothing more: its failure is recorded).
    pub fn unread_root(&mut self, index: usize, message: String) {
        let reach = self.walked.roots[index].clone();
        if reach.via.is_some() {
            return;
        }
        let cell = self
            .cells
            .iter()
            .position(|c| c.system == reach.system && c.label == reach.config)
            .expect("a root of one of the cells");
        self.walked.stats[cell].derivations -= 1;
        self.fail(cell, reach, FailureKind::EvalError, message);
    }

    pub(super) fn fail(&mut self, cell: usize, reach: Reach, kind: FailureKind, message: String) {
        self.walked.stats[cell].failures += 1;
        self.walked
            .failures
            .push(Failure::new(reach, kind, message));
    }
}

//! What a worker reports for one task: the harness's visit of an attribute path, or the failure
//! that ended it. Journaled as is, so these shapes are the journal's format too.
use crate::model::FailureKind;
use serde::{Deserialize, Serialize};

/// What the harness reports for one path.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Visit {
    Drv {
        #[serde(rename = "drvPath")]
        drv_path: String,
        name: Option<String>,
    },
    Set {
        names: Vec<String>,
        /// A list, its names the indices: lists of one length share names, so they are never
        /// compared with ancestors.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        list: bool,
    },
    Skip,
    Throw,
    /// An alias check: whether the set at the path equals (is the same value as) the one at
    /// the task's `alias_of`.
    Alias {
        equal: bool,
    },
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    Visited(Visit),
    Failed { kind: FailureKind, message: String },
}

impl Outcome {
    pub fn failed(kind: FailureKind, message: impl Into<String>) -> Outcome {
        Outcome::Failed {
            kind,
            message: message.into(),
        }
    }
}

/// A task of a scan: one attribute path of one cell, visited, or re-run alone to learn the
/// message of a throw (`explain`), or compared with a set already walked (`alias_of`).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct TaskKey {
    pub cell: usize,
    pub path: Vec<String>,
    pub explain: bool,
    pub alias_of: Option<Vec<String>>,
}

impl TaskKey {
    /// A visit of `path` in `cell`.
    pub fn visit(cell: usize, path: Vec<String>) -> TaskKey {
        TaskKey {
            cell,
            path,
            explain: false,
            alias_of: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outcomes_keep_their_journal_shape() {
        let drv = Outcome::Visited(Visit::Drv {
            drv_path: "/nix/store/a.drv".into(),
            name: Some("a".into()),
        });
        assert_eq!(
            serde_json::to_string(&drv).unwrap(),
            r#"{"visited":{"kind":"drv","drvPath":"/nix/store/a.drv","name":"a"}}"#
        );
        let failed = Outcome::failed(FailureKind::AttributeMissing, "m");
        assert_eq!(
            serde_json::to_string(&failed).unwrap(),
            r#"{"failed":{"kind":"attribute-missing","message":"m"}}"#
        );
        let set = Outcome::Visited(Visit::Set {
            names: vec!["x".into()],
            list: false,
        });
        assert_eq!(
            serde_json::to_string(&set).unwrap(),
            r#"{"visited":{"kind":"set","names":["x"]}}"#
        );
    }
}

//! What a worker reports for one task: the harness's visit of an attribute path, or the failure
//! that ended it. Journaled as is, so these shapes are the journal's format too.
use crate::model::FailureKind;
use serde::{Deserialize, Serialize};

/// A set that is more than a package's own: below a derivation the walk does not enter it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Scope {
    /// A whole package set (nixpkgs' `makeScope`: `callPackage` beside `newScope` or
    /// `overrideScope`): an interpreter's `pkgs`, a stdenv stage's packages, an override's copy.
    PackageSet,
    /// A NixOS system's configuration (`_module`, or `assertions`, `warnings`, `boot`, `system`
    /// and `fileSystems`): a NixOS test's nodes.
    Nixos,
}

/// What the harness reports for one path.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Visit {
    Drv {
        #[serde(rename = "drvPath")]
        drv_path: String,
        name: Option<String>,
        /// The derivation's own attributes the walk enters (passthru sets, `foo.pkgs`): those
        /// that are not its outputs, its arguments or what every derivation carries.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        attrs: Vec<String>,
    },
    Set {
        names: Vec<String>,
        /// A list, its names the indices: lists of one length share names, so they are never
        /// compared with ancestors.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        list: bool,
        /// What the set is when it is a whole package set or a NixOS configuration (`scopeOf`
        /// in visit.nix): below a derivation, such a set is not walked.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        scope: Option<Scope>,
    },
    Skip,
    /// A list longer than the harness walks (`hugeList` in visit.nix): a `too-large` failure.
    Huge {
        length: u64,
    },
    /// A NixOS test, not evaluated: a `nixos-test` failure (`--nixos-tests` evaluates it).
    #[serde(rename = "nixos-test")]
    NixosTest,
    /// A throw or assert tryEval caught; `derivation`: the value is a derivation whose drvPath
    /// threw (some of its inputs may evaluate: see [`Visit::Inputs`]).
    Throw {
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        derivation: bool,
    },
    /// The inputs of a derivation attribute that threw: the drvPaths of the derivations among
    /// its arguments that evaluate (and below those that throw in turn).
    Inputs {
        #[serde(rename = "drvPaths")]
        drv_paths: Vec<String>,
    },
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
/// message of a throw (`explain`), or compared with a set already walked (`alias_of`), or, for
/// a derivation that threw, asked for the inputs that evaluate (`inputs`).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct TaskKey {
    pub cell: usize,
    pub path: Vec<String>,
    pub explain: bool,
    pub alias_of: Option<Vec<String>>,
    /// An alias check's members left out of the comparison: those of the walked set whose
    /// visit failed with an error tryEval cannot catch (the comparison would fail the same way).
    pub skip: Vec<String>,
    pub inputs: bool,
}

impl TaskKey {
    /// Whether doing it is a visit of its path: not a re-run to explain a failure, a question
    /// for an attribute's inputs or an alias check.
    pub fn is_visit(&self) -> bool {
        !self.explain && !self.inputs && self.alias_of.is_none()
    }

    /// A visit of `path` in `cell`.
    pub fn visit(cell: usize, path: Vec<String>) -> TaskKey {
        TaskKey {
            cell,
            path,
            explain: false,
            alias_of: None,
            skip: Vec::new(),
            inputs: false,
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
            attrs: vec![],
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
            scope: None,
        });
        assert_eq!(
            serde_json::to_string(&set).unwrap(),
            r#"{"visited":{"kind":"set","names":["x"]}}"#
        );
        // A throw journaled before derivations were told apart reads as one that is not.
        let old: Outcome = serde_json::from_str(r#"{"visited":{"kind":"throw"}}"#).unwrap();
        assert_eq!(old, Outcome::Visited(Visit::Throw { derivation: false }));
        let drv = Outcome::Visited(Visit::Throw { derivation: true });
        assert_eq!(
            serde_json::to_string(&drv).unwrap(),
            r#"{"visited":{"kind":"throw","derivation":true}}"#
        );
    }
}

//! Why a hash literal was not reached: the first reason that holds, in this order. A file no
//! path leads to is `dead-file`; Nix's own fetchers are `eval-time-fetch`; the package's
//! attribute failing with import-from-derivation is that; a condition, a set keyed by system,
//! an entry naming another architecture or `meta.platforms` that leaves out every system of
//! the run is `other-system`; the package failing in every cell is `eval-failure`; a condition
//! on a config key (directly, or through an argument all-packages.nix fills from config) or an
//! entry selected by a string option is `needs-config`; a condition on a package argument is
//! `needs-override`; a failure in some cells is `eval-failure`; an entry of a data file that no
//! file around it names is `unused-entry`; a file that reads config keys no tried config set is
//! `needs-config`; else `unknown`.
use super::blocked::{self, Hold};
use super::facts::{FileFacts, Site};
use super::failed::Failed;
use super::neighbours::Neighbours;
use super::scan::Run;
use super::systems::{Systems, shorten};
use super::tree::Tree;
use super::ways;
use crate::model::FailureKind;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Reason {
    DeadFile,
    EvalTimeFetch,
    ImportFromDerivation,
    OtherSystem,
    EvalFailure,
    NeedsConfig,
    NeedsOverride,
    UnusedEntry,
    Unknown,
}

impl Reason {
    pub const ALL: [Reason; 9] = [
        Reason::DeadFile,
        Reason::EvalTimeFetch,
        Reason::ImportFromDerivation,
        Reason::OtherSystem,
        Reason::EvalFailure,
        Reason::NeedsConfig,
        Reason::NeedsOverride,
        Reason::UnusedEntry,
        Reason::Unknown,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Reason::DeadFile => "dead-file",
            Reason::EvalTimeFetch => "eval-time-fetch",
            Reason::ImportFromDerivation => "import-from-derivation",
            Reason::OtherSystem => "other-system",
            Reason::EvalFailure => "eval-failure",
            Reason::NeedsConfig => "needs-config",
            Reason::NeedsOverride => "needs-override",
            Reason::UnusedEntry => "unused-entry",
            Reason::Unknown => "unknown",
        }
    }
}

/// A reason and what it is about: the system, config key, argument, failure or entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Why {
    pub reason: Reason,
    pub detail: String,
}

fn why(reason: Reason, detail: impl Into<String>) -> Option<Why> {
    Some(Why {
        reason,
        detail: detail.into(),
    })
}

/// Judges the literals of one tree against one run.
pub struct Judge<'a> {
    tree: &'a Tree,
    run: &'a Run,
    failed: Failed<'a>,
    /// The names the run's configs set (`pulseaudio` of `{ pulseaudio = true; }`).
    configured: BTreeSet<String>,
    neighbours: Neighbours<'a>,
}

impl<'a> Judge<'a> {
    pub fn new(tree: &'a Tree, run: &'a Run) -> Judge<'a> {
        let configured = run
            .configs
            .iter()
            .flat_map(|c| rnix::tokenize(c))
            .filter(|t| t.0 == rnix::SyntaxKind::TOKEN_IDENT)
            .map(|t| t.1.to_owned())
            .collect();
        Judge {
            tree,
            run,
            failed: Failed::new(&run.failures, tree),
            configured,
            neighbours: Neighbours::new(tree),
        }
    }

    /// Why `site` of `file` was not reached; `reached_under` are the systems whose FODs have
    /// its digest (none of them in the run).
    pub fn why(&self, file: &str, site: &Site, reached_under: Option<Vec<&str>>) -> Why {
        let f = &self.tree.files[file];
        if !self.tree.live.contains(file) {
            return why(Reason::DeadFile, self.dead_detail(file)).unwrap();
        }
        if let Some(name) = site.let_name.as_ref().filter(|_| site.uses.is_empty()) {
            return why(
                Reason::UnusedEntry,
                format!("{name} (a let binding nothing uses)"),
            )
            .unwrap();
        }
        if site.eval_fetch {
            return why(Reason::EvalTimeFetch, "a fetcher of Nix itself").unwrap();
        }
        if let Some(systems) = reached_under {
            return why(Reason::OtherSystem, systems.join(", ")).unwrap();
        }
        let owners = self.tree.owners_of(file);
        let key = site.entry.as_ref().and_then(|e| e.key.as_deref());
        let failures = self.failed.of(owners, &site.chain, key);
        for kind in [
            FailureKind::ImportFromDerivation,
            FailureKind::EvalTimeFetch,
        ] {
            if let Some(x) = failures.kind(kind) {
                let reason = if kind == FailureKind::EvalTimeFetch {
                    Reason::EvalTimeFetch
                } else {
                    Reason::ImportFromDerivation
                };
                return why(reason, x.attr_path.clone()).unwrap();
            }
        }
        let failure = failures
            .failures
            .first()
            .map(|x| format!("{}: {}", x.kind, x.attr_path));
        let every_cell = failures.cells >= self.run.cells.max(1);
        None.or_else(|| {
            let systems = Systems {
                tree: self.tree,
                run: &self.run.systems,
            };
            why(Reason::OtherSystem, systems.other(file, f, site)?)
        })
        .or_else(|| {
            failure
                .clone()
                .filter(|_| every_cell)
                .and_then(|d| why(Reason::EvalFailure, d))
        })
        .or_else(|| self.held(file, f, site))
        .or_else(|| self.string_option(file, f, site))
        .or_else(|| failure.and_then(|d| why(Reason::EvalFailure, d)))
        .or_else(|| self.unused_entry(file, site))
        .or_else(|| self.config_read(file, f))
        .unwrap_or(Why {
            reason: Reason::Unknown,
            detail: String::new(),
        })
    }

    fn dead_detail(&self, file: &str) -> String {
        match self.tree.importers.get(file) {
            Some(i) if !i.is_empty() => {
                let names: Vec<&str> = i.iter().take(3).map(String::as_str).collect();
                format!("imported only from files not in use: {}", names.join(", "))
            }
            _ => format!("no file imports it (the tree is {})", self.tree.entry),
        }
    }

    fn untried(&self, key: &str) -> bool {
        let first = key.split('.').next().unwrap_or(key);
        !self.configured.contains(first)
    }

    /// Conditions false in the run on every way to the literal, within its file or into it:
    /// the config key or package argument that holds them.
    fn held(&self, file: &str, f: &FileFacts, site: &Site) -> Option<Why> {
        let importers = self.tree.importers.get(file).into_iter().flatten();
        let callers: Vec<&FileFacts> = importers
            .map(|i| &self.tree.files[i])
            .filter(|i| i.refs.len() <= HUB)
            .collect();
        let untried = |k: &str| self.untried(k);
        let importers = self.tree.importers.get(file).into_iter().flatten();
        let refs = importers.flat_map(|i| &self.tree.files[i].refs);
        let given: Vec<(String, String)> = refs
            .filter(|r| r.target == file)
            .flat_map(|r| r.config_args.iter().cloned())
            .collect();
        let run = blocked::Run {
            systems: &self.run.systems,
            untried: &untried,
            given: &given,
            callers: &callers,
        };
        let hold = run
            .hold(&ways::within(f, site))
            .or_else(|| run.hold(&ways::into(self.tree, file)))?;
        match hold {
            Hold::Config(key) => why(Reason::NeedsConfig, key),
            Hold::Arg(name, default) => why(Reason::NeedsOverride, format!("{name} ? {default}")),
        }
    }

    /// An entry picked by a string option: `config.i18n.defaultLocale or "en-US"` read in this
    /// file or one importing it, and this entry's field holding another value of a field some
    /// entry of the file sets to that default (firefox-bin's `locale`).
    fn string_option(&self, file: &str, f: &FileFacts, site: &Site) -> Option<Why> {
        let entry = site.entry.as_ref()?;
        let readers = std::iter::once(file).chain(
            self.tree
                .importers
                .get(file)
                .into_iter()
                .flatten()
                .map(String::as_str),
        );
        for reader in readers {
            for read in &self.tree.files[reader].config_reads {
                let Some(default) = &read.string_default else {
                    continue;
                };
                let field = f
                    .sites
                    .iter()
                    .filter_map(|s| s.entry.as_ref())
                    .find_map(|e| e.fields.iter().find(|(_, v)| v == default).map(|(k, _)| k));
                let Some(field) = field else { continue };
                let mine = entry.fields.iter().find(|(k, _)| k == field);
                if let Some((_, v)) = mine.filter(|(_, v)| v != default)
                    && self.untried(&read.key)
                {
                    return why(Reason::NeedsConfig, format!("{} = \"{v}\"", read.key));
                }
            }
        }
        None
    }

    fn unused_entry(&self, file: &str, site: &Site) -> Option<Why> {
        if let Some(key) = site.entry.as_ref().and_then(|e| e.key.as_deref()) {
            if self.neighbours.name(file, key) {
                return None;
            }
            return why(Reason::UnusedEntry, key);
        }
        // A member of a set bound in a `let` that nothing names, around its file or in it
        // (node-packages' `sources."is-windows-0.1.1"`, which no package's dependencies list).
        let key = site.chain.first().filter(|_| site.let_member)?;
        if self.neighbours.name(file, key) || self.neighbours.named_in(file, key) {
            return None;
        }
        why(Reason::UnusedEntry, key.as_str())
    }

    /// The last resort: the file (or one importing it) reads config keys no tried
    /// config set.
    fn config_read(&self, file: &str, f: &FileFacts) -> Option<Why> {
        // A package's own files, not the package sets that call hundreds of files.
        let importers = self.tree.importers.get(file).into_iter().flatten();
        let reads = f.config_reads.iter().chain(
            importers
                .map(|i| &self.tree.files[i])
                .filter(|i| i.refs.len() <= HUB)
                .flat_map(|i| &i.config_reads),
        );
        let keys: BTreeSet<&str> = reads
            .map(|r| r.key.as_str())
            .filter(|k| self.untried(k))
            .collect();
        if keys.is_empty() {
            return None;
        }
        let keys: Vec<&str> = keys.into_iter().collect();
        why(Reason::NeedsConfig, shorten(&keys))
    }
}

/// A file referring to more files than this is a package set, not part of one package.
const HUB: usize = 20;

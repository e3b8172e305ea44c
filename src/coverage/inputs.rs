//! What a configuration search can vary, as the tree itself names it: (a) the systems of its
//! platform lists; (b) the nixpkgs config keys its live files read, with those files; (c) string
//! options whose candidate values are listed beside the literals they select
//! (`config.i18n.defaultLocale or "en-US"` against the `locale` of firefox-bin's sources); (d)
//! package arguments with boolean defaults (`withX ? false`), with the attribute paths whose
//! expression declares them, for `pkg.override { withX = true; }`.
use super::facts::ArgDefault;
use super::tree::Tree;
use crate::nix::attrpath;
use anyhow::Result;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

#[derive(Serialize, Debug, Clone, PartialEq, Eq)]
pub struct ConfigKey {
    /// Dotted: `pulseaudio`, `vim.python`, `i18n.defaultLocale`.
    pub key: String,
    /// The files that read it, sorted.
    pub files: Vec<String>,
}

#[derive(Serialize, Debug, Clone, PartialEq, Eq)]
pub struct StringOption {
    pub key: String,
    pub default: String,
    /// Every value the listing file gives the field, sorted (the default among them).
    pub values: Vec<String>,
    /// The file that reads the option.
    pub file: String,
    /// The file whose entries list the values, and the field that holds them.
    #[serde(rename = "valuesIn")]
    pub values_in: String,
    pub field: String,
}

#[derive(Serialize, Debug, Clone, PartialEq, Eq)]
pub struct OverrideArg {
    pub name: String,
    pub default: bool,
    pub file: String,
    pub line: u32,
    /// The attribute paths (dotted) whose expression declares it.
    pub attrs: Vec<String>,
}

#[derive(Serialize, Debug, Clone, PartialEq, Eq)]
pub struct Inputs {
    pub systems: Vec<String>,
    #[serde(rename = "configKeys")]
    pub config_keys: Vec<ConfigKey>,
    #[serde(rename = "stringOptions")]
    pub string_options: Vec<StringOption>,
    #[serde(rename = "overrideArgs")]
    pub override_args: Vec<OverrideArg>,
}

impl Inputs {
    pub fn of(tree: &Tree) -> Result<Inputs> {
        Ok(Inputs {
            systems: tree.platforms.known.clone(),
            config_keys: config_keys(tree),
            string_options: string_options(tree),
            override_args: override_args(tree),
        })
    }
}

/// (b) Config keys read by live files.
pub fn config_keys(tree: &Tree) -> Vec<ConfigKey> {
    let mut keys: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for file in &tree.live {
        for r in &tree.files[file].config_reads {
            keys.entry(&r.key).or_default().insert(file);
        }
    }
    keys.into_iter()
        .map(|(k, files)| ConfigKey {
            key: k.to_owned(),
            files: files.into_iter().map(str::to_owned).collect(),
        })
        .collect()
}

/// (c) Options read with a string default, whose values a file the reader refers to (or the
/// reader itself) lists as a field of its literals' entries.
pub fn string_options(tree: &Tree) -> Vec<StringOption> {
    let mut out = Vec::new();
    for file in &tree.live {
        let f = &tree.files[file];
        let listing: BTreeSet<&str> = std::iter::once(file.as_str())
            .chain(
                f.refs
                    .iter()
                    .filter(|r| !r.below)
                    .map(|r| r.target.as_str()),
            )
            .collect();
        for read in &f.config_reads {
            let Some(default) = &read.string_default else {
                continue;
            };
            for l in &listing {
                if let Some((field, values)) = values_of(tree, l, default) {
                    out.push(StringOption {
                        key: read.key.clone(),
                        default: default.clone(),
                        values,
                        file: file.clone(),
                        values_in: (*l).to_owned(),
                        field,
                    });
                }
            }
        }
    }
    out.sort_by(|a, b| (&a.key, &a.file, &a.values_in).cmp(&(&b.key, &b.file, &b.values_in)));
    out.dedup();
    out
}

/// The field some entry of `file` sets to `default`, and every value entries give it.
fn values_of(tree: &Tree, file: &str, default: &str) -> Option<(String, Vec<String>)> {
    let entries: Vec<_> = tree
        .files
        .get(file)?
        .sites
        .iter()
        .filter_map(|s| s.entry.as_ref())
        .collect();
    let field = entries.iter().find_map(|e| {
        e.fields
            .iter()
            .find(|(_, v)| v == default)
            .map(|(k, _)| k.clone())
    })?;
    let values: BTreeSet<String> = entries
        .iter()
        .flat_map(|e| {
            e.fields
                .iter()
                .filter(|(k, _)| *k == field)
                .map(|(_, v)| v.clone())
        })
        .collect();
    (values.len() > 1).then(|| (field, values.into_iter().collect()))
}

/// (d) Arguments of package functions in live files whose default is `true` or `false`, with
/// the attribute paths that declare them: each owner chain of the file, and the same chain
/// under each top-level alias of its head (`coqPackages_8_4.ssreflect` for a file owned by the
/// function `mkCoqPackages_8_4` that `coqPackages_8_4 = mkCoqPackages_8_4 coq_8_4;` calls).
pub fn override_args(tree: &Tree) -> Vec<OverrideArg> {
    let mut out = Vec::new();
    for file in &tree.live {
        for a in &tree.files[file].args {
            let ArgDefault::Bool(default) = a.default else {
                continue;
            };
            let mut attrs = BTreeSet::new();
            for o in tree.owners_of(file) {
                let mut p = o.clone();
                p.extend(a.chain.iter().cloned());
                for (bound, target) in &tree.aliases {
                    if p.starts_with(target) && !target.is_empty() {
                        let mut q = bound.clone();
                        q.extend_from_slice(&p[target.len()..]);
                        attrs.insert(attrpath::show(&q));
                    }
                }
                if !p.is_empty() {
                    attrs.insert(attrpath::show(&p));
                }
            }
            out.push(OverrideArg {
                name: a.name.clone(),
                default,
                file: file.clone(),
                line: a.line,
                attrs: attrs.into_iter().collect(),
            });
        }
    }
    out
}

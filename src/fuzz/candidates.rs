//! The variations a search tries next, taken from the reasons of the literals still unreached:
//! `other-system` → a whole cell of that system; `needs-config` → the key set (`= true`, or a
//! string option's value) on a cell that starts at the owners of the literal's file;
//! `needs-override` → `override { arg = !default; }` at the attribute paths that declare the
//! argument; `unused-entry` of a data file → its entries under the file's owners, lists
//! walked (texlive keeps doc and source containers in `texlive.<name>.pkgs` only). Each counts
//! the unreached literals it could explain; more first.
use crate::coverage::inputs::Inputs;
use crate::coverage::reasons::Reason;
use crate::coverage::report::Coverage;
use crate::coverage::tree::Tree;
use crate::model::{Cell, Override};
use crate::nix::attrpath;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// One variation: a cell of its own, named for what it varies.
#[derive(Clone, Debug, PartialEq)]
pub struct Variation {
    /// Unique: `system i686-linux`, `config audio.hq = true`, `override tool { withDocs =
    /// true; }`, `entries pkgs/suite/srcs.nix`. A cheap variation's cell is labelled so, and
    /// fods.jsonl's `reachedBy` names it.
    pub name: String,
    pub cell: Cell,
    /// Unreached literals it could explain.
    pub explains: usize,
}

impl Variation {
    /// A whole cell of another system; cheap variations start at some attributes only.
    pub fn whole(&self) -> bool {
        self.cell.start.is_empty()
    }

    /// Literals it could explain per cost, in hundredths of a whole cell.
    fn score(&self) -> usize {
        if self.whole() {
            self.explains
        } else {
            self.explains * WHOLE_COST
        }
    }
}

/// Where cheap variations run: the first system of the matrix, and the config they add to
/// (the permissive one, so that unfree and broken packages do not hide what a key adds).
pub struct Base {
    pub system: String,
    pub config: String,
    pub label: String,
    /// For each file, the systems under which some literal of it was reached: a string
    /// option's value is tried on each (firefox-bin has a binary per locale and architecture).
    pub file_systems: HashMap<String, Vec<String>>,
    /// The matrix lacks `config`: what throws in every cell is tried under it.
    pub new_config: bool,
}

/// Every variation the unreached literals of `cov` suggest, best first (most literals
/// explained for what it costs, then by name).
pub fn candidates(tree: &Tree, inputs: &Inputs, cov: &Coverage, base: &Base) -> Vec<Variation> {
    let mut found: BTreeMap<String, Variation> = BTreeMap::new();
    for f in &cov.files {
        let owners: Vec<&Vec<String>> = tree
            .owners_of(&f.file)
            .iter()
            .filter(|o| !o.is_empty())
            .collect();
        for site in &f.sites {
            let Some(why) = &site.unreached else { continue };
            let detail = why.detail.as_str();
            let suggested = match why.reason {
                Reason::OtherSystem => systems(detail, inputs)
                    .into_iter()
                    .map(|s| whole_system(s, base))
                    .collect(),
                Reason::NeedsConfig => config(detail, &f.file, &owners, base),
                Reason::NeedsOverride => overrides(detail, &f.file, tree, inputs, base),
                Reason::UnusedEntry => entries(detail, &f.file, &owners, base),
                Reason::EvalFailure => permissive(detail, base),
                _ => Vec::new(),
            };
            for v in suggested {
                add(&mut found, v);
            }
        }
    }
    let mut out: Vec<Variation> = found.into_values().collect();
    out.sort_by(|a, b| b.score().cmp(&a.score()).then(a.name.cmp(&b.name)));
    out
}

/// What a whole cell costs in cheap variations. On release-16.03 a cell takes ~5 minutes and a
/// round of 48 cheap variations (texlive's entries and 47 locales) about one: a cell costs some
/// 200 of them. 10, first chosen, sent a whole x86_64-darwin cell (45 literals) before the
/// i686-linux locales (one literal each, cheap).
const WHOLE_COST: usize = 100;

/// Adds `v` (explaining one literal) to what was found: the same variation gathers starts.
fn add(found: &mut BTreeMap<String, Variation>, v: Variation) {
    match found.get_mut(&v.name) {
        None => {
            found.insert(v.name.clone(), Variation { explains: 1, ..v });
        }
        Some(have) => {
            have.explains += 1;
            for s in v.cell.start {
                if !have.cell.start.contains(&s) {
                    have.cell.start.push(s);
                }
            }
            for o in v.cell.overrides {
                if !have.cell.overrides.contains(&o) {
                    have.cell.overrides.push(o);
                }
            }
            have.cell.start.sort();
            have.cell.overrides.sort();
        }
    }
}

/// The systems an `other-system` detail names that the tree knows (a shortened list's
/// `and N more` tail is dropped).
fn systems<'a>(detail: &str, inputs: &'a Inputs) -> Vec<&'a str> {
    let named: BTreeSet<&str> = detail
        .split([',', ' '])
        .map(str::trim)
        .filter(|w| !w.is_empty())
        .collect();
    inputs
        .systems
        .iter()
        .map(String::as_str)
        .filter(|s| named.contains(s))
        .collect()
}

fn whole_system(system: &str, base: &Base) -> Variation {
    Variation {
        name: format!("system {system}"),
        cell: Cell::new(system, &base.config, &base.label),
        explains: 0,
    }
}

/// A cheap cell of the base system with `config`, starting at `start`.
fn cheap(name: String, config: String, start: Vec<Vec<String>>, base: &Base) -> Variation {
    on(&base.system, name, config, start)
}

fn on(system: &str, name: String, config: String, start: Vec<Vec<String>>) -> Variation {
    let mut cell = Cell::new(system, &config, &name);
    cell.start = start;
    Variation {
        name,
        cell,
        explains: 0,
    }
}

/// `needs-config`: `key = "value"` (a string option) or keys (`a, b and 2 more`): each set.
fn config(detail: &str, file: &str, owners: &[&Vec<String>], base: &Base) -> Vec<Variation> {
    if owners.is_empty() {
        return Vec::new();
    }
    let start: Vec<Vec<String>> = owners.iter().map(|o| o.to_vec()).collect();
    if detail.contains(" = ") {
        let config = format!("({}) // {{ {detail}; }}", base.config);
        let mut systems = vec![base.system.clone()];
        for s in base.file_systems.get(file).into_iter().flatten() {
            if !systems.contains(s) {
                systems.push(s.clone());
            }
        }
        return systems
            .iter()
            .map(|s| {
                let name = if s == &base.system {
                    format!("config {detail}")
                } else {
                    format!("config {detail} on {s}")
                };
                on(s, name, config.clone(), start.clone())
            })
            .collect();
    }
    let settings: Vec<String> = detail
        .split([',', ' '])
        .filter(|k| is_key(k))
        .map(|k| format!("{k} = true"))
        .collect();
    settings
        .into_iter()
        .map(|s| {
            let config = format!("({}) // {{ {s}; }}", base.config);
            cheap(format!("config {s}"), config, start.clone(), base)
        })
        .collect()
}

/// `eval-failure` of a throw in every cell (a matrix without a permissive config): the failing
/// attribute under the permissive config.
fn permissive(detail: &str, base: &Base) -> Vec<Variation> {
    match detail.strip_prefix("throw: ") {
        Some(_) if !base.new_config => Vec::new(),
        Some(attr) => {
            let name = "config permissive".to_owned();
            vec![cheap(
                name,
                base.config.clone(),
                vec![attrpath::parse(attr)],
                base,
            )]
        }
        None => Vec::new(),
    }
}

/// A dotted config key: `pulseaudio`, `audio.hq`.
fn is_key(k: &str) -> bool {
    !k.is_empty()
        && k.split('.').all(|p| {
            p.chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
                && p.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        })
        && k != "and"
        && k != "more"
}

/// `needs-override` (`withDocs ? false`): the argument flipped at every attribute path that
/// declares it in the literal's file or a file importing it.
fn overrides(
    detail: &str,
    file: &str,
    tree: &Tree,
    inputs: &Inputs,
    base: &Base,
) -> Vec<Variation> {
    let Some((name, default)) = detail.split_once(" ? ") else {
        return Vec::new();
    };
    let importers = tree.importers.get(file);
    let declared = inputs.override_args.iter().filter(|a| {
        a.name == name
            && a.default.to_string() == default
            && (a.file == file || importers.is_some_and(|i| i.contains(&a.file)))
            && !a.attrs.is_empty()
    });
    declared
        .map(|a| {
            let args = format!("{{ {} = {}; }}", a.name, !a.default);
            let paths: Vec<Vec<String>> = a.attrs.iter().map(|p| attrpath::parse(p)).collect();
            let label = format!("override {} {args}", a.attrs.join(" "));
            let mut v = cheap(label, base.config.clone(), paths.clone(), base);
            v.cell.overrides = paths
                .into_iter()
                .map(|path| Override {
                    path,
                    args: args.clone(),
                })
                .collect();
            v
        })
        .collect()
}

/// `unused-entry` of a data file (its detail the entry's key): the entries under the file's
/// owners, each with all its members and lists (a binding nothing uses is left alone). A key
/// that names a file rather than an attribute (texlive 2016's fixedHashes.nix: `amsfonts.doc-3.04`,
/// looked up by a name the package computes) is tried as the package it belongs to too: up to
/// its first dot, and without a trailing version.
fn entries(detail: &str, file: &str, owners: &[&Vec<String>], base: &Base) -> Vec<Variation> {
    if detail.contains(' ') || owners.is_empty() {
        return Vec::new();
    }
    let start = owners
        .iter()
        .flat_map(|o| {
            key_names(detail).into_iter().map(|k| {
                let mut p = o.to_vec();
                p.push(k);
                p
            })
        })
        .collect();
    let mut v = cheap(format!("entries {file}"), base.config.clone(), start, base);
    v.cell.lists = true;
    vec![v]
}

/// The names an entry's key may stand for: itself, without a trailing `-<version>` (a dash
/// before a digit), and that up to its first dot.
fn key_names(key: &str) -> Vec<String> {
    let mut names = vec![key.to_owned()];
    let unversioned = match key.rfind('-') {
        Some(i) if key[i + 1..].starts_with(|c: char| c.is_ascii_digit()) => &key[..i],
        _ => key,
    };
    let before_dot = unversioned.split('.').next().unwrap_or(unversioned);
    for n in [unversioned.to_owned(), before_dot.to_owned()] {
        if !n.is_empty() && !names.contains(&n) {
            names.push(n);
        }
    }
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_entry_key_names_its_package() {
        assert_eq!(
            key_names("amsfonts.doc-3.04"),
            ["amsfonts.doc-3.04", "amsfonts.doc", "amsfonts"]
        );
        assert_eq!(key_names("amsmath"), ["amsmath"]);
        assert_eq!(key_names("ark-15.12"), ["ark-15.12", "ark"]);
        assert_eq!(
            key_names("gtk-doc"),
            ["gtk-doc"],
            "a dash before a letter is part of a name"
        );
    }

    #[test]
    fn config_keys_are_read_from_details() {
        assert!(is_key("pulseaudio") && is_key("audio.hq") && is_key("vim.python3"));
        assert!(!is_key("and") && !is_key("2") && !is_key("a b"));
        let base = Base {
            system: "x86_64-linux".into(),
            config: "{ allowUnfree = true; }".into(),
            label: "p".into(),
            file_systems: [("f.nix".to_owned(), vec!["i686-linux".to_owned()])].into(),
            new_config: true,
        };
        let owner = vec!["audio-player".to_owned()];
        let v = config("pulseaudio, audio.hq and 2 more", "f.nix", &[&owner], &base);
        let names: Vec<&str> = v.iter().map(|v| v.name.as_str()).collect();
        assert_eq!(
            names,
            ["config pulseaudio = true", "config audio.hq = true"]
        );
        assert_eq!(
            v[1].cell.config,
            "({ allowUnfree = true; }) // { audio.hq = true; }"
        );
        assert_eq!(v[1].cell.label, "config audio.hq = true");
        assert_eq!(v[1].cell.start, vec![owner.clone()]);
        let s = config("i18n.defaultLocale = \"de\"", "f.nix", &[&owner], &base);
        assert_eq!(s[0].name, "config i18n.defaultLocale = \"de\"");
        assert_eq!(
            s[1].name,
            "config i18n.defaultLocale = \"de\" on i686-linux"
        );
        assert_eq!(s[1].cell.system, "i686-linux");
        assert!(
            config("pulseaudio", "f.nix", &[], &base).is_empty(),
            "no whole cells"
        );
    }
}

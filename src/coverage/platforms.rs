//! The systems a tree knows, from its own platform lists (`lib/platforms.nix` in 16.03,
//! `lib/systems/doubles.nix` later), and the named lists (`platforms.linux`, `unix` …) that
//! `meta.platforms` is written with, evaluated as far as they are plain lists and `++`.
use super::facts::Platforms;
use super::syntax::{attrpath_names, body};
use rnix::ast::{self, HasEntry};
use rowan::ast::AstNode;
use std::collections::{BTreeMap, BTreeSet};

/// Files that hold a tree's platform lists, where they exist.
pub const FILES: &[&str] = &["lib/platforms.nix", "lib/systems/doubles.nix"];

#[derive(Debug, Default, Clone)]
pub struct PlatformSets {
    /// Every system written in the platform lists, sorted.
    pub known: Vec<String>,
    sets: BTreeMap<String, Vec<String>>,
}

/// `cpu-os`, as platform lists write systems (`x86_64-linux`, `armv7l-linux`, `x86_64-kfreebsd-gnu`).
fn is_system(s: &str) -> bool {
    let mut parts = s.split('-');
    let cpu = parts.next().unwrap_or_default();
    let os: Vec<&str> = parts.collect();
    !cpu.is_empty()
        && !os.is_empty()
        && !os.iter().any(|p| p.is_empty())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

impl PlatformSets {
    /// Reads the bindings of each platform file's set (`name = [ … ]` or `a ++ b`), then
    /// resolves names until nothing changes.
    pub fn read(texts: &[String]) -> PlatformSets {
        let mut exprs: BTreeMap<String, Platforms> = BTreeMap::new();
        let mut known = BTreeSet::new();
        for text in texts {
            let root = rnix::Root::parse(text).tree();
            for s in root.syntax().descendants().filter_map(ast::Str::cast) {
                if let Some(v) = super::syntax::plain_string(&s).filter(|v| is_system(v)) {
                    known.insert(v);
                }
            }
            let Some(ast::Expr::AttrSet(set)) = root.expr().map(|e| body(&e)) else {
                continue;
            };
            for b in set.attrpath_values() {
                let (Some(names), Some(v)) =
                    (b.attrpath().and_then(|p| attrpath_names(&p)), b.value())
                else {
                    continue;
                };
                if let [name] = names.as_slice() {
                    exprs.insert(name.clone(), super::facts::platforms_of(&v));
                }
            }
        }
        let mut p = PlatformSets {
            known: known.into_iter().collect(),
            sets: BTreeMap::new(),
        };
        for _ in 0..8 {
            let before = p.sets.len();
            for (name, e) in &exprs {
                if !p.sets.contains_key(name)
                    && let Some(v) = p.eval(e)
                {
                    p.sets.insert(name.clone(), v);
                }
            }
            if p.sets.len() == before {
                break;
            }
        }
        p
    }

    /// The systems a `meta.platforms` expression names; `None` when it cannot tell.
    pub fn eval(&self, e: &Platforms) -> Option<Vec<String>> {
        match e {
            Platforms::Systems(s) => Some(s.clone()),
            Platforms::Named(n) => self.sets.get(n).cloned(),
            Platforms::Union(parts) => {
                let mut all = BTreeSet::new();
                for p in parts {
                    all.extend(self.eval(p)?);
                }
                Some(all.into_iter().collect())
            }
            Platforms::Other => None,
        }
    }
}

/// The system a string such as `linux-i686` or `x86_64-darwin` names: the known system whose
/// cpu and os are both among its `-`-separated words.
pub fn named_system<'a>(s: &str, known: &'a [String]) -> Option<&'a String> {
    let words: Vec<&str> = s.split(['-', '/', '.']).collect();
    known.iter().find(|k| {
        k.as_str() == s
            || k.split_once('-')
                .is_some_and(|(cpu, os)| words.contains(&cpu) && words.contains(&os))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const PLATFORMS: &str = r#"let lists = import ./lists.nix; in rec {
      all = linux ++ darwin;
      allBut = platforms: lists.filter (x: !(builtins.elem x platforms)) all;
      linux = ["i686-linux" "x86_64-linux"];
      darwin = ["x86_64-darwin"];
      unix = linux ++ darwin;
    }"#;

    #[test]
    fn lists_are_evaluated() {
        let p = PlatformSets::read(&[PLATFORMS.to_owned()]);
        assert_eq!(p.known, ["i686-linux", "x86_64-darwin", "x86_64-linux"]);
        assert_eq!(p.eval(&Platforms::Named("unix".into())).unwrap().len(), 3);
        assert_eq!(p.eval(&Platforms::Named("allBut".into())), None);
        let u = Platforms::Union(vec![
            Platforms::Named("darwin".into()),
            Platforms::Systems(vec!["a-b".into()]),
        ]);
        assert_eq!(p.eval(&u).unwrap(), ["a-b", "x86_64-darwin"]);
    }

    #[test]
    fn systems_named_in_strings() {
        let known = vec!["i686-linux".to_owned(), "x86_64-linux".to_owned()];
        assert_eq!(
            named_system("linux-i686", &known).map(String::as_str),
            Some("i686-linux")
        );
        assert_eq!(
            named_system("linux-x86_64", &known).map(String::as_str),
            Some("x86_64-linux")
        );
        assert_eq!(named_system("en-US", &known), None);
    }
}

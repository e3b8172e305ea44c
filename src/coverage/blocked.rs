//! Whether the conditions on every way to a literal stay false in the run, and what holds them:
//! package arguments at their defaults (`withDocs ? false`), config keys no tried config sets
//! (`config.pulseaudio or false`, also through an argument all-packages.nix fills from config),
//! the system being any of the run's. A condition true under the defaults (texlive's
//! `optionalAttrs useFixedHashes`, `useFixedHashes ? true`) holds nothing.
use super::cond::Cond;
use super::facts::{ArgDefault, FileFacts};
use super::ways::{Way, resolver};

/// What holds a literal back.
#[derive(Debug, PartialEq, Eq)]
pub enum Hold {
    /// A config key (dotted).
    Config(String),
    /// A package argument, with its default.
    Arg(String, bool),
}

/// What the conditions are judged with.
pub struct Run<'a> {
    pub systems: &'a [String],
    /// Whether no tried config sets a key.
    pub untried: &'a dyn Fn(&str) -> bool,
    /// The arguments callers of the literal's file fill from config (all-packages.nix's
    /// `pulseSupport = config.pulseaudio or false`): (argument, key).
    pub given: &'a [(String, String)],
    /// Package files calling the literal's file, whose arguments its names may take (gcc's
    /// `sources.nix` takes `langJava` from gcc's `langJava ? false`).
    pub callers: &'a [&'a FileFacts],
}

impl Run<'_> {
    /// What a name stands for when nothing binds it to a condition: an argument's default,
    /// or a key a caller fills it from.
    fn name(&self, facts: &FileFacts, n: &str) -> Option<Hold> {
        if let Some((_, key)) = self.given.iter().find(|(a, _)| a == n) {
            return Some(Hold::Config(key.clone()));
        }
        let args = std::iter::once(facts)
            .chain(self.callers.iter().copied())
            .flat_map(|f| &f.args);
        match args.into_iter().find(|a| a.name == n)?.default {
            ArgDefault::Bool(b) => Some(Hold::Arg(n.to_owned(), b)),
            _ => None,
        }
    }

    fn atom(&self, facts: &FileFacts, leaf: &Cond) -> Option<bool> {
        match leaf {
            Cond::Config(k) => (self.untried)(k).then_some(false),
            Cond::Name(n) => match self.name(facts, n)? {
                Hold::Config(k) => (self.untried)(&k).then_some(false),
                Hold::Arg(_, b) => Some(b),
            },
            c @ (Cond::SystemIs(_) | Cond::SystemIn(_)) => {
                let none = |_: &str| None;
                let on: Vec<_> = self.systems.iter().map(|s| c.on_system(s, &none)).collect();
                if on.contains(&Some(true)) {
                    Some(true)
                } else {
                    on.into_iter().collect::<Option<Vec<_>>>().map(|_| false)
                }
            }
            _ => None,
        }
    }

    /// When every way has a condition false in the run: what holds the first such condition
    /// (a config key before an argument).
    pub fn hold(&self, ways: &[Way]) -> Option<Hold> {
        if ways.is_empty() {
            return None;
        }
        let mut holds = Vec::new();
        for w in ways {
            let resolve = resolver(w.facts);
            let atom = |c: &Cond| self.atom(w.facts, c);
            let blocking = w
                .conds
                .iter()
                .find(|c| c.eval(&atom, &resolve, 0) == Some(false))?;
            let mut leaves = Vec::new();
            blocking.leaves(&resolve, &mut leaves);
            for l in leaves {
                match l {
                    Cond::Config(k) if (self.untried)(&k) => holds.push(Hold::Config(k)),
                    Cond::Name(n) => holds.extend(self.name(w.facts, &n)),
                    _ => {}
                }
            }
        }
        holds.sort_by_key(|h| matches!(h, Hold::Arg(..)));
        holds.into_iter().next()
    }
}

#[cfg(test)]
mod tests {
    use super::super::facts::extract;
    use super::super::refs::TreeFiles;
    use super::super::ways::within;
    use super::*;

    const PKG: &str = r#"{ stdenv, fetchurl, withX ? false, useY ? true, pulse ? false }:
{
  a = stdenv.lib.optional withX "0ssi1wpaf7plaswqqjwigppsg5fyh99vdlb9kzl7c9lng89ndq1i";
  b = stdenv.lib.optional useY "1ssi1wpaf7plaswqqjwigppsg5fyh99vdlb9kzl7c9lng89ndq1i";
  c = stdenv.lib.optional (!useY) "0asi1wpaf7plaswqqjwigppsg5fyh99vdlb9kzl7c9lng89ndq1i";
  d = if pulse then "0bsi1wpaf7plaswqqjwigppsg5fyh99vdlb9kzl7c9lng89ndq1i" else null;
  e = if config.x or false then "0csi1wpaf7plaswqqjwigppsg5fyh99vdlb9kzl7c9lng89ndq1i" else null;
  f = if stdenv.isDarwin || withX then "0dsi1wpaf7plaswqqjwigppsg5fyh99vdlb9kzl7c9lng89ndq1i" else null;
}
"#;

    #[test]
    fn what_holds_each_literal() {
        let f = extract("p.nix", PKG, &TreeFiles(Default::default()));
        let systems = ["x86_64-linux".to_owned()];
        let untried = |k: &str| k != "tried";
        let given = [("pulse".to_owned(), "pulseaudio".to_owned())];
        let run = Run {
            systems: &systems,
            untried: &untried,
            given: &given,
            callers: &[],
        };
        let holds: Vec<Option<Hold>> = f.sites.iter().map(|s| run.hold(&within(&f, s))).collect();
        assert_eq!(
            holds,
            [
                Some(Hold::Arg("withX".into(), false)),
                None,
                Some(Hold::Arg("useY".into(), true)),
                Some(Hold::Config("pulseaudio".into())),
                Some(Hold::Config("x".into())),
                Some(Hold::Arg("withX".into(), false)),
            ]
        );
    }
}

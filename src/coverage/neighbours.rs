//! Whether an entry of a data file is named anywhere around it: in the files that import it and
//! in the files of its directory (kde's `srcs.nix` beside the `ark.nix` that says
//! `name = "ark"`). Each file is tokenized once, when first asked about.
use super::tree::Tree;
use rnix::SyntaxKind;
use std::cell::RefCell;
use std::collections::{HashMap, HashSet};

pub struct Neighbours<'a> {
    tree: &'a Tree,
    /// The identifiers and string pieces of each file asked about.
    words: RefCell<HashMap<String, HashSet<String>>>,
}

impl<'a> Neighbours<'a> {
    pub fn new(tree: &'a Tree) -> Neighbours<'a> {
        Neighbours {
            tree,
            words: RefCell::new(HashMap::new()),
        }
    }

    /// The files around `file`: those importing it and those below its directory. Not `file`
    /// itself: texlive's pkgs.nix names its packages in each other's `deps`, yet what only
    /// their `pkgs` lists hold is reached by no attribute.
    fn around(&self, file: &str) -> Vec<&'a str> {
        let dir = file
            .rsplit_once('/')
            .map_or(String::new(), |(d, _)| format!("{d}/"));
        let below = self
            .tree
            .files
            .range(dir.clone()..)
            .map(|(k, _)| k.as_str())
            .take_while(|k| k.starts_with(&dir));
        let importers = self
            .tree
            .importers
            .get(file)
            .into_iter()
            .flatten()
            .map(String::as_str);
        below.chain(importers).filter(|f| *f != file).collect()
    }

    /// Whether a file around `file` names `key` (as an identifier, an attribute name or a
    /// whole string) other than where an attribute is bound to it: node-packages' `sources`
    /// set binds every source, and only `sources."x"` in a package's dependencies uses one;
    /// node-packages-v4.nix beside it binds the same names.
    pub fn name(&self, file: &str, key: &str) -> bool {
        let mut words = self.words.borrow_mut();
        self.around(file).into_iter().any(|f| {
            words
                .entry(f.to_owned())
                .or_insert_with(|| self.read(f))
                .contains(key)
        })
    }

    /// Whether `file` itself names `key` other than where it is bound.
    pub fn named_in(&self, file: &str, key: &str) -> bool {
        let mut words = self.words.borrow_mut();
        words
            .entry(file.to_owned())
            .or_insert_with(|| self.read(file))
            .contains(key)
    }

    fn read(&self, file: &str) -> HashSet<String> {
        let Ok(text) = std::fs::read_to_string(self.tree.root.join(file)) else {
            return HashSet::new();
        };
        let tokens: Vec<(SyntaxKind, &str)> = rnix::tokenize(&text)
            .filter(|t| {
                !matches!(
                    t.0,
                    SyntaxKind::TOKEN_WHITESPACE
                        | SyntaxKind::TOKEN_COMMENT
                        | SyntaxKind::TOKEN_STRING_START
                        | SyntaxKind::TOKEN_STRING_END
                )
            })
            .collect();
        let bound = |i: usize| {
            tokens
                .get(i + 1)
                .is_some_and(|t| t.0 == SyntaxKind::TOKEN_ASSIGN)
        };
        tokens
            .iter()
            .enumerate()
            .filter(|(i, t)| {
                matches!(
                    t.0,
                    SyntaxKind::TOKEN_IDENT | SyntaxKind::TOKEN_STRING_CONTENT
                ) && !bound(*i)
            })
            .map(|(_, t)| t.1.to_owned())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_counts_where_it_is_used_not_where_it_is_bound() {
        let dir = tempfile::tempdir().unwrap();
        let files = [
            (
                "default.nix",
                "{ a = import ./set/srcs.nix; b = import ./set/pkg.nix; }",
            ),
            (
                "set/srcs.nix",
                r#"{ sources = { "used-1.0" = 1; "alone-1.0" = 2; "inner-1.0" = 3; };
                    app = [ sources."inner-1.0" ]; }"#,
            ),
            ("set/pkg.nix", r#"{ deps = [ "used-1.0" ]; }"#),
            // A sibling binding the same names (node-packages-v4.nix beside v6).
            ("set/other.nix", r#"{ "alone-1.0" = 4; }"#),
        ];
        for (name, text) in files {
            let p = dir.path().join(name);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, text).unwrap();
        }
        let tree = crate::coverage::tree::analyse(dir.path()).unwrap();
        let n = Neighbours::new(&tree);
        assert!(
            n.name("set/srcs.nix", "used-1.0"),
            "named by a file beside it"
        );
        assert!(
            !n.name("set/srcs.nix", "inner-1.0"),
            "its own file is not around it"
        );
        assert!(!n.name("set/srcs.nix", "alone-1.0"), "only ever bound");
        assert!(n.named_in("set/srcs.nix", "inner-1.0"));
        assert!(!n.named_in("set/srcs.nix", "alone-1.0"));
    }
}

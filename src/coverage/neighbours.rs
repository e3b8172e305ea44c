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

    /// The files around `file`: those importing it and those below its directory.
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
    /// whole string).
    pub fn name(&self, file: &str, key: &str) -> bool {
        let mut words = self.words.borrow_mut();
        self.around(file).into_iter().any(|f| {
            words
                .entry(f.to_owned())
                .or_insert_with(|| self.read(f))
                .contains(key)
        })
    }

    fn read(&self, file: &str) -> HashSet<String> {
        let Ok(text) = std::fs::read_to_string(self.tree.root.join(file)) else {
            return HashSet::new();
        };
        rnix::tokenize(&text)
            .filter(|t| {
                matches!(
                    t.0,
                    SyntaxKind::TOKEN_IDENT | SyntaxKind::TOKEN_STRING_CONTENT
                )
            })
            .map(|t| t.1.to_owned())
            .collect()
    }
}

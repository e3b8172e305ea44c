//! DIR/fuzz/corpus.jsonl: the variations a search kept, one JSON line each with its cell and
//! the literals it added (`file:line`), sorted by name. A later search tries them first, as
//! AFL starts from the inputs that added edges.
use super::candidates::Variation;
use crate::model::{Cell, Override};
use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::io::{BufRead, Write};
use std::path::Path;

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct Kept {
    pub variation: String,
    pub system: String,
    pub config: String,
    pub label: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub start: Vec<Vec<String>>,
    /// `[path, args]` each.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub overrides: Vec<(Vec<String>, String)>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub lists: bool,
    /// How many literals it reached that nothing before it had.
    pub added: usize,
    /// Those literals, `file:line`, sorted.
    pub sites: Vec<String>,
}

impl Kept {
    pub fn new(v: &Variation, sites: Vec<String>) -> Kept {
        let c = &v.cell;
        Kept {
            variation: v.name.clone(),
            system: c.system.clone(),
            config: c.config.clone(),
            label: c.label.clone(),
            start: c.start.clone(),
            overrides: c
                .overrides
                .iter()
                .map(|o| (o.path.clone(), o.args.clone()))
                .collect(),
            lists: c.lists,
            added: sites.len(),
            sites,
        }
    }

    /// The variation again, to be tried first.
    pub fn variation(&self) -> Variation {
        let mut cell = Cell::new(&self.system, &self.config, &self.label);
        cell.start = self.start.clone();
        cell.overrides = self
            .overrides
            .iter()
            .map(|(path, args)| Override {
                path: path.clone(),
                args: args.clone(),
            })
            .collect();
        cell.lists = self.lists;
        Variation {
            name: self.variation.clone(),
            cell,
            explains: self.added,
        }
    }
}

/// The corpus in `file`, by name; none when there is no file.
pub fn read(file: &Path) -> Result<BTreeMap<String, Kept>> {
    let mut out = BTreeMap::new();
    let f = match std::fs::File::open(file) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(out),
        Err(e) => return Err(e).with_context(|| format!("reading {}", file.display())),
    };
    for (n, line) in std::io::BufReader::new(f).lines().enumerate() {
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        let k: Kept = serde_json::from_str(&line)
            .with_context(|| format!("{}:{}: not a corpus entry", file.display(), n + 1))?;
        out.insert(k.variation.clone(), k);
    }
    Ok(out)
}

pub fn write(w: &mut dyn Write, corpus: &BTreeMap<String, Kept>) -> Result<()> {
    for k in corpus.values() {
        serde_json::to_writer(&mut *w, k)?;
        w.write_all(b"\n")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_read_back_as_the_variations_they_were() {
        let mut cell = Cell::new("x86_64-linux", "{ a = true; }", "config a = true");
        cell.start = vec![vec!["tool".into()]];
        cell.overrides = vec![Override {
            path: vec!["tool".into()],
            args: "{ withDocs = true; }".into(),
        }];
        let v = Variation {
            name: "override tool { withDocs = true; }".into(),
            cell,
            explains: 3,
        };
        let k = Kept::new(&v, vec!["pkgs/tool/default.nix:7".into()]);
        let mut all = BTreeMap::new();
        all.insert(k.variation.clone(), k.clone());
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("corpus.jsonl");
        let mut buf = Vec::new();
        write(&mut buf, &all).unwrap();
        std::fs::write(&file, &buf).unwrap();
        let back = read(&file).unwrap();
        assert_eq!(back[&v.name], k);
        let again = back[&v.name].variation();
        assert_eq!((again.cell, again.explains), (v.cell, 1));
        assert!(read(&dir.path().join("none")).unwrap().is_empty());
    }
}

//! The derivation graph of a scan, in petgraph: attribute roots → derivation → inputs → FODs.
//! `.drv` files are read once each, as their paths arrive from workers (on the [`builder`]'s
//! thread).
pub mod builder;

use crate::model::{Findings, Fod, Reach};
use crate::nix::drv;
use crate::nix::fixed::Fixed;
use anyhow::Result;
use petgraph::graph::{DiGraph, NodeIndex};
use petgraph::visit::Dfs;
use std::collections::{HashMap, HashSet};
use std::path::PathBuf;

#[derive(Debug)]
pub struct DrvNode {
    pub path: String,
    pub outputs: Vec<String>,
    pub fixed: Option<Fixed>,
}

pub struct DrvGraph {
    store_root: PathBuf,
    pub graph: DiGraph<DrvNode, ()>,
    ids: HashMap<String, NodeIndex>,
    /// Distinct FOD outputs so far (one source has a .drv per system, all with one output).
    fod_outputs: HashSet<String>,
}

impl DrvGraph {
    pub fn new(store_root: PathBuf) -> Self {
        DrvGraph {
            store_root,
            graph: DiGraph::new(),
            ids: HashMap::new(),
            fod_outputs: HashSet::new(),
        }
    }

    /// Adds `drv_path` and its whole input closure, reading each new `.drv` file once.
    pub fn add_closure(&mut self, drv_path: &str) -> Result<NodeIndex> {
        if let Some(&n) = self.ids.get(drv_path) {
            return Ok(n);
        }
        let root = self.intern(drv_path);
        let mut stack = vec![root];
        while let Some(n) = stack.pop() {
            let parsed = drv::read(&self.store_root, &self.graph[n].path)?;
            for input in parsed.inputs {
                let known = self.ids.get(&input).copied();
                let m = known.unwrap_or_else(|| self.intern(&input));
                if known.is_none() {
                    stack.push(m);
                }
                self.graph.add_edge(n, m, ());
            }
            if let Some(f) = &parsed.fixed {
                self.fod_outputs.insert(f.out_path.clone());
            }
            self.graph[n].fixed = parsed.fixed;
            self.graph[n].outputs = parsed.outputs;
        }
        Ok(root)
    }

    /// The chroot store the .drv files are read from.
    pub fn store_root(&self) -> &std::path::Path {
        &self.store_root
    }

    pub fn fod_count(&self) -> usize {
        self.fod_outputs.len()
    }

    fn intern(&mut self, path: &str) -> NodeIndex {
        let n = self.graph.add_node(DrvNode {
            path: path.to_owned(),
            outputs: Vec::new(),
            fixed: None,
        });
        self.ids.insert(path.to_owned(), n);
        n
    }

    /// Every FOD in the closure of each root, with the indices of every root that reaches it.
    pub fn findings(&self, roots: &[(Reach, NodeIndex)]) -> Findings {
        // Roots sharing a derivation (aliases) share one walk.
        let mut order: Vec<u32> = (0..roots.len() as u32).collect();
        order.sort_by_key(|&i| roots[i as usize].1);
        let mut reached: HashMap<NodeIndex, Vec<u32>> = HashMap::new();
        let mut dfs = Dfs::empty(&self.graph);
        let mut fods = Vec::new();
        for (k, &i) in order.iter().enumerate() {
            let root = roots[i as usize].1;
            if k == 0 || roots[order[k - 1] as usize].1 != root {
                fods.clear();
                dfs.reset(&self.graph);
                dfs.move_to(root);
                while let Some(n) = dfs.next(&self.graph) {
                    if self.graph[n].fixed.is_some() {
                        fods.push(n);
                    }
                }
            }
            for &n in &fods {
                reached.entry(n).or_default().push(i);
            }
        }
        let mut findings = Findings::default();
        for (n, mut ids) in reached {
            ids.sort_unstable();
            let node = &self.graph[n];
            let f = node.fixed.as_ref().expect("only fixed nodes are collected");
            findings.add_fod(Fod {
                out_path: f.out_path.clone(),
                drv_path: node.path.clone(),
                name: f.name.clone(),
                hash: f.hash.clone(),
                hash_mode: f.hash_mode,
                urls: f.urls.clone(),
                fetcher: f.fetcher,
                source: f.source.clone(),
                reached_by: ids,
            });
        }
        findings
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Fetcher, HashMode};

    /// A store below a temporary root with the given `.drv` files: (name, inputs, fixed hash).
    fn store(drvs: &[(&str, &[&str], Option<&str>)]) -> tempfile::TempDir {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("nix/store");
        std::fs::create_dir_all(&dir).unwrap();
        for (name, inputs, hash) in drvs {
            let out = match hash {
                Some(h) => format!(r#"("out","/nix/store/{name}","sha256","{h}")"#),
                None => format!(r#"("out","/nix/store/{name}","","")"#),
            };
            let inputs: Vec<String> = inputs
                .iter()
                .map(|i| format!(r#"("/nix/store/{i}.drv",["out"])"#))
                .collect();
            let text = format!(
                r#"Derive([{out}],[{}],[],"x86_64-linux","/bin/sh",[],[("name","{name}"),("url","http://x/{name}")])"#,
                inputs.join(",")
            );
            std::fs::write(dir.join(format!("{name}.drv")), text).unwrap();
        }
        root
    }

    fn reach(attr: &str) -> Reach {
        Reach {
            attr_path: attr.into(),
            system: "x86_64-linux".into(),
            config: "{}".into(),
        }
    }

    #[test]
    fn every_fod_in_each_roots_closure_with_the_roots_that_reach_it() {
        let root = store(&[
            ("app", &["lib", "src-a"], None),
            ("lib", &["src-l", "tool"], None),
            ("tool", &["src-l"], None),
            ("src-a", &[], Some("00ff")),
            ("src-l", &[], Some("ff00")),
            ("other", &[], None),
        ]);
        let mut g = DrvGraph::new(root.path().to_owned());
        let app = g.add_closure("/nix/store/app.drv").unwrap();
        let lib = g.add_closure("/nix/store/lib.drv").unwrap();
        let other = g.add_closure("/nix/store/other.drv").unwrap();
        assert_eq!(g.graph.node_count(), 6, "each .drv once");
        assert_eq!(g.fod_count(), 2);
        assert!(g.add_closure("/nix/store/missing.drv").is_err());
        // `alias` shares app's derivation; roots come in any order.
        let roots = vec![
            (reach("lib"), lib),
            (reach("app"), app),
            (reach("other"), other),
            (reach("alias"), app),
        ];
        let f = g.findings(&roots);
        let src_a = &f.fods["/nix/store/src-a"];
        let src_l = &f.fods["/nix/store/src-l"];
        assert_eq!(src_a.reached_by, vec![1, 3]);
        assert_eq!(src_l.reached_by, vec![0, 1, 3]);
        assert_eq!(
            (src_a.fetcher, src_a.hash_mode),
            (Fetcher::Url, HashMode::Flat)
        );
        assert_eq!(src_a.drv_path, "/nix/store/src-a.drv");
        assert_eq!(src_a.urls, vec!["http://x/src-a"]);
        assert_eq!(f.fods.len(), 2);
    }
}

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

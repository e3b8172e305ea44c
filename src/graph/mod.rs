//! The derivation graph of a scan, in petgraph: attribute roots → derivation → inputs → FODs.
//! `.drv` files are read once each, as their paths arrive from workers (on the [`builder`]'s
//! thread).
pub mod builder;
pub mod reach;

use crate::model::{Findings, Fod, Reach};
use crate::nix::fixed::{self, Fixed};
use anyhow::Result;
use petgraph::graph::{DiGraph, NodeIndex};
use std::collections::{BTreeMap, HashMap, HashSet};
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
            let parsed = fixed::read(&self.store_root, &self.graph[n].path)?;
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

    /// A graph as graph.jsonl lists it: `drvs[i]` (path, outputs) is node `i`, `edges` (from,
    /// to) by number, with the fixed output `fixed` gives for a derivation's outputs: what a
    /// merge of shards computes the reaches on, with the scan's own [`DrvGraph::findings`].
    pub fn from_parts(
        drvs: Vec<(String, Vec<String>)>,
        edges: impl IntoIterator<Item = (usize, usize)>,
        fixed: impl Fn(&[String]) -> Option<Fixed>,
    ) -> DrvGraph {
        let mut g = DrvGraph::new(PathBuf::new());
        for (path, outputs) in drvs {
            let n = g.intern(&path);
            g.graph[n].fixed = fixed(&outputs);
            if let Some(f) = &g.graph[n].fixed {
                g.fod_outputs.insert(f.out_path.clone());
            }
            g.graph[n].outputs = outputs;
        }
        for (i, j) in edges {
            g.graph.add_edge(NodeIndex::new(i), NodeIndex::new(j), ());
        }
        g
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

    /// Every FOD in the closure of some root, with who reaches it per cell (see [`reach`]).
    pub fn findings(&self, roots: &[(Reach, NodeIndex)]) -> Findings {
        // Several `.drv`s can have one output (a source fetched the same way on each system):
        // one walk from all of them, so that an attribute reaching two is counted once.
        let reached = self.reached(roots);
        let mut by_output: BTreeMap<&str, Vec<NodeIndex>> = BTreeMap::new();
        for n in self.graph.node_indices().filter(|n| reached[n.index()]) {
            if let Some(f) = &self.graph[n].fixed {
                by_output.entry(&f.out_path).or_default().push(n);
            }
        }
        let mut walker = reach::Walker::new(&self.graph, roots);
        let mut findings = Findings::default();
        for nodes in by_output.values() {
            let reach = walker.reach(nodes);
            for &n in nodes {
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
                    recipe: f.recipe.clone(),
                    source: f.source.clone(),
                    reach: reach.clone(),
                });
            }
        }
        findings
    }

    /// Which nodes are in the closure of some root (a root whose closure could not be read whole
    /// leaves nodes no root reaches).
    fn reached(&self, roots: &[(Reach, NodeIndex)]) -> Vec<bool> {
        let mut reached = vec![false; self.graph.node_count()];
        let mut stack: Vec<NodeIndex> = roots.iter().map(|(_, n)| *n).collect();
        while let Some(n) = stack.pop() {
            if !std::mem::replace(&mut reached[n.index()], true) {
                stack.extend(self.graph.neighbors(n));
            }
        }
        reached
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Fetcher, HashMode, NEAREST, Nearest, Via};

    /// A store below a temporary root with the given `.drv` files: (name, inputs, fixed hash).
    /// A name `d=o` is the file `d.drv` with the output `o` (two `.drv`s of one output).
    fn store(drvs: &[(&str, &[&str], Option<&str>)]) -> tempfile::TempDir {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("nix/store");
        std::fs::create_dir_all(&dir).unwrap();
        for (file, inputs, hash) in drvs {
            let (file, name) = file.split_once('=').unwrap_or((file, file));
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
            std::fs::write(dir.join(format!("{file}.drv")), text).unwrap();
        }
        root
    }

    fn reach(attr: &str) -> Reach {
        reach_in(attr, "x86_64-linux")
    }

    fn reach_in(attr: &str, system: &str) -> Reach {
        Reach::new(attr.into(), system, "{}")
    }

    /// (system, attributes, distance, nearest) of each cell.
    fn cells(fod: &Fod) -> Vec<(&str, u64, u32, Vec<&str>)> {
        fod.reach
            .iter()
            .map(|c| {
                let nearest = c.nearest.iter().map(|n| n.attr_path.as_str()).collect();
                (c.system.as_str(), c.attributes, c.distance, nearest)
            })
            .collect()
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
        let x86 = "x86_64-linux";
        assert_eq!(cells(src_a), vec![(x86, 2, 1, vec!["alias", "app"])]);
        // app and its alias reach src-l through lib: two steps, so lib alone is the nearest.
        assert_eq!(cells(src_l), vec![(x86, 3, 1, vec!["lib"])]);
        assert_eq!(
            (src_a.fetcher, src_a.hash_mode),
            (Fetcher::Url, HashMode::Flat)
        );
        assert_eq!(src_a.drv_path, "/nix/store/src-a.drv");
        assert_eq!(src_a.urls, vec!["http://x/src-a"]);
        assert_eq!(f.fods.len(), 2);
    }

    /// Every derivation uses a bootstrap source through a chain of stages no attribute is;
    /// one attribute is a source itself; two `.drv`s (one per system) share an output.
    #[test]
    fn counts_every_reaching_attribute_and_lists_the_nearest_few() {
        let mut drvs: Vec<(String, Vec<&str>, Option<&str>)> = vec![
            ("boot".into(), vec![], Some("aa")),
            ("stage1".into(), vec!["boot"], None),
            ("stage2".into(), vec!["stage1"], None),
            ("src-x=src".into(), vec![], Some("bb")),
            ("src-y=src".into(), vec![], Some("bb")),
            ("pkg-y".into(), vec!["src-y", "stage2"], None),
        ];
        let pkgs: Vec<String> = (0..12).map(|i| format!("pkg{i:02}")).collect();
        for p in &pkgs {
            drvs.push((p.clone(), vec!["stage2", "src-x"], None));
        }
        let spec: Vec<(&str, &[&str], Option<&str>)> = drvs
            .iter()
            .map(|(n, i, h)| (n.as_str(), i.as_slice(), *h))
            .collect();
        let root = store(&spec);
        let mut g = DrvGraph::new(root.path().to_owned());
        let mut roots = Vec::new();
        for p in &pkgs {
            let n = g.add_closure(&format!("/nix/store/{p}.drv")).unwrap();
            roots.push((reach(p), n));
        }
        let src_x = g.add_closure("/nix/store/src-x.drv").unwrap();
        roots.push((reach("a-src"), src_x));
        let pkg_y = g.add_closure("/nix/store/pkg-y.drv").unwrap();
        roots.push((reach_in("pkg-y", "y"), pkg_y));
        roots.push((reach_in("pkg-y", "y"), pkg_y));
        let f = g.findings(&roots);
        assert_eq!(f.fods.len(), 2);
        let boot = &f.fods["/nix/store/boot"];
        // Distance 3 (pkg → stage2 → stage1 → boot); the first NEAREST of 12 by name.
        let first: Vec<&str> = pkgs[..NEAREST].iter().map(String::as_str).collect();
        assert_eq!(
            cells(boot),
            vec![(x86(), 12, 3, first.clone()), ("y", 1, 3, vec!["pkg-y"])]
        );
        // The source itself (distance 0) and its direct users (1) are listed together.
        let src = &f.fods["/nix/store/src"];
        let with_src = vec!["a-src", "pkg00", "pkg01", "pkg02", "pkg03"];
        assert_eq!(
            cells(src),
            vec![(x86(), 13, 0, with_src), ("y", 1, 1, vec!["pkg-y"])]
        );
        assert_eq!(src.drv_path, "/nix/store/src-x.drv", "the smallest drvPath");
    }

    /// Attributes that failed are counted apart, and listed only where no other reaches.
    #[test]
    fn attributes_that_failed_reach_in_part() {
        let root = store(&[
            ("list-gen", &["list"], None),
            ("list", &[], Some("aa")),
            ("app", &["src"], None),
            ("src", &[], Some("bb")),
        ]);
        let mut g = DrvGraph::new(root.path().to_owned());
        let list_gen = g.add_closure("/nix/store/list-gen.drv").unwrap();
        let app = g.add_closure("/nix/store/app.drv").unwrap();
        let src = g.add_closure("/nix/store/src.drv").unwrap();
        let partial = |attr: &str, via| Reach {
            via: Some(via),
            ..reach(attr)
        };
        let roots = vec![
            (partial("image", Via::ImportFromDerivation), list_gen),
            (reach("app"), app),
            (partial("broken", Via::Inputs), src),
        ];
        let f = g.findings(&roots);
        let list = &f.fods["/nix/store/list"].reach[0];
        assert_eq!((list.attributes, list.partial, list.distance), (0, 1, 1));
        let image = Nearest {
            attr_path: "image".into(),
            via: Some(Via::ImportFromDerivation),
        };
        assert_eq!(list.nearest, vec![image]);
        // broken has src itself (distance 0), app uses it: app alone is listed.
        let src = &f.fods["/nix/store/src"].reach[0];
        assert_eq!((src.attributes, src.partial, src.distance), (1, 1, 1));
        assert_eq!(src.nearest, vec![Nearest::plain("app")]);
    }

    fn x86() -> &'static str {
        "x86_64-linux"
    }
}

//! `fodfuzz why OUTPATH --in DIR`: one shortest chain from an attribute to a FOD, read from the
//! graph a scan wrote.
use crate::error::bad;
use crate::outputs::{fods, graph_file};
use anyhow::Result;
use petgraph::graph::{DiGraph, NodeIndex};
use petgraph::visit::{Bfs, Reversed};
use std::collections::HashMap;
use std::path::Path;

enum Node {
    Drv(String),
    Attr(String),
}

/// The chain from attribute to the FOD, one line each.
pub fn why(out_path: &str, dir: &Path) -> Result<Vec<String>> {
    let drv_path = fod_drv(out_path, dir)?;
    let mut g: DiGraph<Node, ()> = DiGraph::new();
    let mut drvs: Vec<NodeIndex> = Vec::new();
    let file = dir.join("graph.jsonl");
    let graph = graph_file::read_in(dir)?
        .ok_or_else(|| bad(format!("{}: no such file", file.display())))?;
    for d in &graph.drvs {
        drvs.push(g.add_node(Node::Drv(d.path.clone())));
    }
    for (d, line) in graph.drvs.iter().enumerate() {
        for &i in &line.inputs {
            g.add_edge(drvs[d], drvs[i as usize], ());
        }
    }
    for r in &graph.roots {
        let label = format!("{} ({}, {})", r.attr_path, r.system, r.config);
        let a = g.add_node(Node::Attr(label));
        g.add_edge(a, drvs[r.drv], ());
    }
    let target = drvs
        .iter()
        .copied()
        .find(|&n| matches!(&g[n], Node::Drv(p) if *p == drv_path))
        .ok_or_else(|| bad(format!("{drv_path} is not in {}", file.display())))?;
    // Breadth-first from the FOD against the edges: the first attribute met is a nearest one.
    let rev = Reversed(&g);
    let mut bfs = Bfs::new(rev, target);
    let mut parent: HashMap<NodeIndex, NodeIndex> = HashMap::new();
    while let Some(n) = bfs.next(rev) {
        if matches!(g[n], Node::Attr(_)) {
            let mut chain = vec![n];
            while let Some(&p) = parent.get(chain.last().expect("non-empty")) {
                chain.push(p);
            }
            return Ok(chain
                .into_iter()
                .map(|n| match &g[n] {
                    Node::Attr(a) => a.clone(),
                    Node::Drv(d) if n == target => format!("  {d} -> {out_path}"),
                    Node::Drv(d) => format!("  {d}"),
                })
                .collect());
        }
        for m in g.neighbors_directed(n, petgraph::Direction::Incoming) {
            parent.entry(m).or_insert(n);
        }
    }
    Err(bad(format!("no attribute reaches {out_path}")).into())
}

/// The `.drv` of the FOD `out_path`, from fods.jsonl (sorted: the search stops past it).
fn fod_drv(out_path: &str, dir: &Path) -> Result<String> {
    let file = fods::file_in(dir)?;
    let mut reader = fods::Reader::open(&file)?;
    while let Some(entry) = reader.current() {
        match entry.out_path.as_str().cmp(out_path) {
            std::cmp::Ordering::Less => reader.advance()?,
            std::cmp::Ordering::Equal if !entry.drv_path.is_empty() => {
                return Ok(entry.drv_path.clone());
            }
            std::cmp::Ordering::Equal => {
                return Err(bad(format!("{}: no drvPath for {out_path}", file.display())).into());
            }
            std::cmp::Ordering::Greater => break,
        }
    }
    Err(bad(format!("{out_path} is not a FOD in {}", file.display())).into())
}

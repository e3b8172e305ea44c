//! `fodfuzz why OUTPATH --in DIR`: one shortest chain from an attribute to a FOD, or with
//! `--all` every attribute that reaches it, read from the graph a scan wrote (fods.jsonl lists
//! only the nearest few and how many there are).
use crate::error::bad;
use crate::outputs::graph_file::GraphFile;
use crate::outputs::{fods, graph_file};
use anyhow::Result;
use petgraph::Direction;
use petgraph::graph::{DiGraph, NodeIndex};
use std::collections::{HashMap, VecDeque};
use std::path::Path;

enum Node {
    Drv(String),
    /// An attribute as `why` prints it; `partial`: it failed, and reaches the derivation in part.
    Attr {
        label: String,
        partial: bool,
    },
}

/// graph.jsonl with each root as a node of its own, and the `.drv`s whose output is `out_path`.
struct Loaded {
    g: DiGraph<Node, ()>,
    targets: Vec<NodeIndex>,
}

/// The chain from attribute to the FOD, one line each: from an attribute that failed only when
/// no other reaches it, as fods.jsonl lists them.
pub fn why(out_path: &str, dir: &Path) -> Result<Vec<String>> {
    let Loaded { g, targets } = load(out_path, dir)?;
    chain(&g, &targets, out_path, false)
        .or_else(|| chain(&g, &targets, out_path, true))
        .ok_or_else(|| bad(format!("no attribute reaches {out_path}")).into())
}

/// The chain from the nearest attribute (also those that failed: `partial`) to the FOD.
fn chain(
    g: &DiGraph<Node, ()>,
    targets: &[NodeIndex],
    out_path: &str,
    partial: bool,
) -> Option<Vec<String>> {
    // Breadth-first from the FOD against the edges, level by level. An attribute at level 1 is
    // the FOD itself, at level 2 it uses the FOD directly: fods.jsonl lists those together, and
    // otherwise the attributes of the first level with any. Of these, the smallest name is the
    // answer, which is the first fods.jsonl lists.
    let mut level: HashMap<NodeIndex, usize> = targets.iter().map(|&t| (t, 0)).collect();
    let mut queue: VecDeque<NodeIndex> = targets.iter().copied().collect();
    let mut parent: HashMap<NodeIndex, NodeIndex> = HashMap::new();
    let mut found: Vec<NodeIndex> = Vec::new();
    let mut bound = usize::MAX;
    while let Some(n) = queue.pop_front() {
        let l = level[&n];
        if l > bound {
            break;
        }
        match g[n] {
            Node::Attr { partial: p, .. } if p && !partial => continue,
            Node::Attr { .. } => {
                bound = bound.min(l.max(2));
                found.push(n);
                continue;
            }
            Node::Drv(_) => {}
        }
        for m in g.neighbors_directed(n, Direction::Incoming) {
            if let std::collections::hash_map::Entry::Vacant(e) = level.entry(m) {
                e.insert(l + 1);
                parent.insert(m, n);
                queue.push_back(m);
            }
        }
    }
    let label = |n: &NodeIndex| match &g[*n] {
        Node::Attr { label, .. } => label.clone(),
        Node::Drv(d) => d.clone(),
    };
    let first = found.iter().min_by_key(|n| label(n))?;
    let mut chain = vec![*first];
    while let Some(&p) = parent.get(chain.last().expect("non-empty")) {
        chain.push(p);
    }
    Some(
        chain
            .into_iter()
            .map(|n| match &g[n] {
                Node::Attr { label, .. } => label.clone(),
                Node::Drv(d) if targets.contains(&n) => format!("  {d} -> {out_path}"),
                Node::Drv(d) => format!("  {d}"),
            })
            .collect(),
    )
}

/// Every attribute whose build closure holds the FOD, sorted, one line each.
pub fn why_all(out_path: &str, dir: &Path) -> Result<Vec<String>> {
    let Loaded { g, targets } = load(out_path, dir)?;
    let mut seen = vec![false; g.node_count()];
    let mut stack = targets;
    let mut attrs = Vec::new();
    while let Some(n) = stack.pop() {
        if std::mem::replace(&mut seen[n.index()], true) {
            continue;
        }
        match &g[n] {
            Node::Attr { label, .. } => attrs.push(label.clone()),
            Node::Drv(_) => stack.extend(g.neighbors_directed(n, Direction::Incoming)),
        }
    }
    if attrs.is_empty() {
        return Err(bad(format!("no attribute reaches {out_path}")).into());
    }
    attrs.sort();
    attrs.dedup();
    Ok(attrs)
}

fn load(out_path: &str, dir: &Path) -> Result<Loaded> {
    let drv_path = fod_drv(out_path, dir)?;
    let file = dir.join("graph.jsonl");
    let graph = graph_file::read_in(dir)?
        .ok_or_else(|| bad(format!("{}: no such file", file.display())))?;
    let (g, drvs) = build(&graph);
    // Every `.drv` with that output (one source can have one per system); graphs written
    // before outputs were listed name only the drvPath of fods.jsonl.
    let targets: Vec<NodeIndex> = graph
        .drvs
        .iter()
        .zip(&drvs)
        .filter(|(d, _)| {
            d.path == drv_path
                || d.outputs
                    .as_ref()
                    .is_some_and(|o| o.iter().any(|p| p == out_path))
        })
        .map(|(_, &n)| n)
        .collect();
    if targets.is_empty() {
        return Err(bad(format!("{drv_path} is not in {}", file.display())).into());
    }
    Ok(Loaded { g, targets })
}

/// The graph of graph.jsonl: derivations, then one node per root, labelled as `why` prints it.
fn build(graph: &GraphFile) -> (DiGraph<Node, ()>, Vec<NodeIndex>) {
    let mut g: DiGraph<Node, ()> = DiGraph::new();
    let drvs: Vec<NodeIndex> = graph
        .drvs
        .iter()
        .map(|d| g.add_node(Node::Drv(d.path.clone())))
        .collect();
    for (d, line) in graph.drvs.iter().enumerate() {
        for &i in &line.inputs {
            g.add_edge(drvs[d], drvs[i as usize], ());
        }
    }
    for r in &graph.roots {
        let mut label = format!("{} ({}, {})", r.attr_path, r.system, r.config);
        if let Some(via) = r.via {
            label.push_str(&format!(" [partial, via {}]", via.as_str()));
        }
        let partial = r.via.is_some();
        let a = g.add_node(Node::Attr { label, partial });
        g.add_edge(a, drvs[r.drv], ());
    }
    (g, drvs)
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

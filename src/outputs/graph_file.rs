//! graph.jsonl, the derivation graph a scan leaves for `fodfuzz why` and `fodfuzz missing`:
//! one line per derivation, sorted by path and numbered in that order, then one per root
//! attribute. Written and read here, so that the two ends agree.
use crate::error::bad;
use crate::graph::DrvGraph;
use crate::model::{Reach, Via};
use anyhow::{Context, Result, bail};
use petgraph::graph::NodeIndex;
use serde::Deserialize;
use serde_json::json;
use std::io::{BufRead, Write};

/// One line per derivation (`{"drv": index, "path", "outputs": [paths], "inputs": [indices]}`),
/// sorted by path,
/// then one per root (`{"attrPath", "system", "config", "drv": index}`, with `"partial": true`
/// and `via` for an attribute that failed and reaches that derivation's closure in part): what
/// `why` reads.
pub fn write(w: &mut dyn Write, graph: &DrvGraph, roots: &[(Reach, NodeIndex)]) -> Result<()> {
    let g = &graph.graph;
    let mut order: Vec<NodeIndex> = g.node_indices().collect();
    order.sort_by(|a, b| g[*a].path.cmp(&g[*b].path));
    let mut index = vec![0usize; g.node_count()];
    for (i, n) in order.iter().enumerate() {
        index[n.index()] = i;
    }
    for (i, n) in order.iter().enumerate() {
        let inputs: Vec<usize> = g.neighbors(*n).map(|m| index[m.index()]).collect();
        write_drv(w, i, &g[*n].path, &g[*n].outputs, inputs)?;
    }
    let mut rs: Vec<(&Reach, usize)> = roots.iter().map(|(r, n)| (r, index[n.index()])).collect();
    rs.sort();
    rs.dedup();
    for (r, i) in rs {
        write_root(w, r, i)?;
    }
    Ok(())
}

/// A derivation line: its number, path, outputs and inputs (numbers, sorted here).
pub fn write_drv(
    w: &mut dyn Write,
    i: usize,
    path: &str,
    outputs: &[String],
    mut inputs: Vec<usize>,
) -> Result<()> {
    inputs.sort_unstable();
    inputs.dedup();
    serde_json::to_writer(
        &mut *w,
        &json!({"drv": i, "path": path, "outputs": outputs, "inputs": inputs}),
    )?;
    Ok(w.write_all(b"\n")?)
}

/// A root line: an attribute of a cell and the number of its derivation.
pub fn write_root(w: &mut dyn Write, r: &Reach, i: usize) -> Result<()> {
    let mut line = json!({"attrPath": r.attr_path, "system": r.system, "config": r.config});
    if let Some(via) = r.via {
        line["partial"] = json!(true);
        line["via"] = json!(via);
    }
    line["drv"] = json!(i);
    serde_json::to_writer(&mut *w, &line)?;
    Ok(w.write_all(b"\n")?)
}

/// A derivation line.
#[derive(Deserialize)]
pub struct DrvLine {
    pub path: String,
    /// `None` in graphs written before outputs were listed.
    pub outputs: Option<Vec<String>>,
    #[serde(default)]
    pub inputs: Vec<u32>,
}

/// A root line: an attribute of a cell and its derivation.
#[derive(Deserialize)]
pub struct RootLine {
    #[serde(rename = "attrPath")]
    pub attr_path: String,
    pub system: String,
    pub config: String,
    /// How an attribute that failed reaches the derivation; `None`: it is its derivation.
    #[serde(default)]
    pub via: Option<Via>,
    pub drv: usize,
}

#[derive(Deserialize)]
#[serde(untagged)]
pub enum Line {
    Drv {
        drv: usize,
        #[serde(flatten)]
        line: DrvLine,
    },
    Root(RootLine),
}

pub struct GraphFile {
    pub drvs: Vec<DrvLine>,
    pub roots: Vec<RootLine>,
}

/// graph.jsonl's lines one at a time (a merge reads several side by side).
pub fn lines(file: &std::path::Path) -> Result<impl Iterator<Item = Result<Line>> + use<>> {
    let f = std::fs::File::open(file).with_context(|| format!("opening {}", file.display()))?;
    let name = file.display().to_string();
    Ok(std::io::BufReader::new(f)
        .lines()
        .enumerate()
        .map(move |(n, line)| {
            let line = line.with_context(|| name.clone())?;
            serde_json::from_str(&line).with_context(|| format!("{name} line {}", n + 1))
        }))
}

/// Reads `DIR/graph.jsonl`; `None` when there is none.
pub fn read_in(dir: &std::path::Path) -> Result<Option<GraphFile>> {
    let file = dir.join("graph.jsonl");
    match std::fs::File::open(&file) {
        Ok(f) => read(std::io::BufReader::new(f), &file.display().to_string()).map(Some),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(bad(format!("{}: {e}", file.display())).into()),
    }
}

/// Reads graph.jsonl (`name` for messages), checking that derivations are numbered in order and
/// that every index names one.
pub fn read(reader: impl BufRead, name: &str) -> Result<GraphFile> {
    let mut g = GraphFile {
        drvs: Vec::new(),
        roots: Vec::new(),
    };
    for (n, line) in reader.lines().enumerate() {
        let line = line.with_context(|| name.to_owned())?;
        let l: Line =
            serde_json::from_str(&line).with_context(|| format!("{name} line {}", n + 1))?;
        match l {
            Line::Drv { drv, line } if drv == g.drvs.len() && g.roots.is_empty() => {
                g.drvs.push(line)
            }
            Line::Drv { .. } => bail!("{name} line {}: not a derivation in order", n + 1),
            Line::Root(r) => g.roots.push(r),
        }
    }
    let count = g.drvs.len();
    let inputs = g
        .drvs
        .iter()
        .flat_map(|d| d.inputs.iter().map(|&i| i as usize));
    if let Some(i) = g
        .roots
        .iter()
        .map(|r| r.drv)
        .chain(inputs)
        .find(|&i| i >= count)
    {
        bail!("{name}: unknown derivation {i}");
    }
    Ok(g)
}

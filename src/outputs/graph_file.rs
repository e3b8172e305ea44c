//! graph.jsonl, the derivation graph a scan leaves for `fodfuzz why` and `fodfuzz missing`:
//! one line per derivation, sorted by path and numbered in that order, then the roots: a line
//! per cell (numbered where first used) and one per attribute of a cell with the derivations it
//! reaches. Written and read here, so that the two ends agree.
use crate::error::bad;
use crate::graph::DrvGraph;
use crate::model::{Reach, Via};
use anyhow::{Context, Result, bail};
use petgraph::graph::NodeIndex;
use serde::Deserialize;
use serde_json::json;
use std::collections::HashMap;
use std::io::{BufRead, Write};

/// One line per derivation (`{"drv": index, "path", "outputs": [paths], "inputs": [indices]}`),
/// sorted by path, then the roots ([`RootWriter`]): what `why` reads.
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
    let mut roots = RootWriter::default();
    for (r, i) in rs {
        roots.push(w, r, i)?;
    }
    roots.finish(w)
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

/// The root lines. A cell is written once (`{"cell": k, "system", "config"}`, numbered from 0
/// where first used) and each attribute of it once, with every derivation it reaches that way
/// (`{"attrPath", "cell": k, "drvs": [indices]}`, and `"partial": true` with `via` for one that
/// failed): an attribute that failed can reach hundreds of inputs, and a line per derivation
/// repeating the config made graph.jsonl hundreds of MB for one failing cell. Roots pushed in
/// order, so that an attribute's derivations are consecutive.
#[derive(Default)]
pub struct RootWriter {
    cells: HashMap<(String, String), usize>,
    group: Option<(Reach, Vec<usize>)>,
}

impl RootWriter {
    pub fn push(&mut self, w: &mut dyn Write, r: &Reach, drv: usize) -> Result<()> {
        if let Some((g, drvs)) = &mut self.group
            && g == r
        {
            drvs.push(drv);
            return Ok(());
        }
        self.flush(w)?;
        self.group = Some((r.clone(), vec![drv]));
        Ok(())
    }

    pub fn finish(mut self, w: &mut dyn Write) -> Result<()> {
        self.flush(w)
    }

    fn flush(&mut self, w: &mut dyn Write) -> Result<()> {
        let Some((r, mut drvs)) = self.group.take() else {
            return Ok(());
        };
        let key = (r.system, r.config);
        let cell = match self.cells.get(&key) {
            Some(&k) => k,
            None => {
                let k = self.cells.len();
                let line = json!({"cell": k, "system": key.0, "config": key.1});
                serde_json::to_writer(&mut *w, &line)?;
                w.write_all(b"\n")?;
                self.cells.insert(key, k);
                k
            }
        };
        drvs.sort_unstable();
        drvs.dedup();
        let mut line = json!({"attrPath": r.attr_path, "cell": cell});
        if let Some(via) = r.via {
            line["partial"] = json!(true);
            line["via"] = json!(via);
        }
        line["drvs"] = json!(drvs);
        serde_json::to_writer(&mut *w, &line)?;
        Ok(w.write_all(b"\n")?)
    }
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

impl RootLine {
    /// The attribute of its cell it is a root of.
    pub fn reach(&self) -> Reach {
        Reach {
            attr_path: self.attr_path.clone(),
            system: self.system.clone(),
            config: self.config.clone(),
            via: self.via,
        }
    }
}

/// A cell of the roots that follow.
#[derive(Deserialize)]
pub struct CellLine {
    pub cell: usize,
    pub system: String,
    pub config: String,
}

/// An attribute of a cell and the derivations it reaches.
#[derive(Deserialize)]
pub struct RootsLine {
    #[serde(rename = "attrPath")]
    pub attr_path: String,
    pub cell: usize,
    #[serde(default)]
    pub via: Option<Via>,
    pub drvs: Vec<usize>,
}

#[derive(Deserialize)]
#[serde(untagged)]
pub enum Line {
    Drv {
        drv: usize,
        #[serde(flatten)]
        line: DrvLine,
    },
    Roots(RootsLine),
    Cell(CellLine),
    /// A root per line with its cell written out, as graphs were written before cells.
    Root(RootLine),
}

/// The cells met so far, to turn root lines into [`RootLine`]s.
#[derive(Default)]
pub struct Cells(Vec<(String, String)>);

impl Cells {
    /// The roots a line after the derivations holds (none for a cell line); `Err` for a
    /// derivation line or a cell not defined before. `at` names the line, for messages only.
    pub fn roots(&mut self, line: Line, at: impl Fn() -> String) -> Result<Vec<RootLine>> {
        match line {
            Line::Drv { .. } => bail!("{}: not a derivation in order", at()),
            Line::Cell(c) if c.cell == self.0.len() => {
                self.0.push((c.system, c.config));
                Ok(Vec::new())
            }
            Line::Cell(c) => bail!("{}: cell {} out of order", at(), c.cell),
            Line::Root(r) => Ok(vec![r]),
            Line::Roots(r) => {
                let Some((system, config)) = self.0.get(r.cell) else {
                    bail!("{}: unknown cell {}", at(), r.cell);
                };
                Ok(r.drvs
                    .iter()
                    .map(|&drv| RootLine {
                        attr_path: r.attr_path.clone(),
                        system: system.clone(),
                        config: config.clone(),
                        via: r.via,
                        drv,
                    })
                    .collect())
            }
        }
    }
}

pub struct GraphFile {
    pub drvs: Vec<DrvLine>,
    pub roots: Vec<RootLine>,
}

/// graph.jsonl's roots one at a time, as [`RootLine`]s (a merge reads several side by side).
pub fn roots(file: &std::path::Path) -> Result<impl Iterator<Item = Result<RootLine>> + use<>> {
    let mut cells = Cells::default();
    let name = file.display().to_string();
    Ok(lines(file)?
        .enumerate()
        .filter(|(_, l)| !matches!(l, Ok(Line::Drv { .. })))
        .flat_map(move |(n, l)| {
            let at = || format!("{name} line {}", n + 1);
            match l.and_then(|l| cells.roots(l, at)) {
                Ok(roots) => roots.into_iter().map(Ok).collect::<Vec<_>>(),
                Err(e) => vec![Err(e)],
            }
        }))
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
    let mut cells: Option<Cells> = None;
    for (n, line) in reader.lines().enumerate() {
        let line = line.with_context(|| name.to_owned())?;
        let at = || format!("{name} line {}", n + 1);
        let l: Line = serde_json::from_str(&line).with_context(at)?;
        match (l, &mut cells) {
            (Line::Drv { drv, line }, None) if drv == g.drvs.len() => g.drvs.push(line),
            (l, cells) => g
                .roots
                .extend(cells.get_or_insert_with(Cells::default).roots(l, at)?),
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

#[cfg(test)]
mod tests {
    use super::*;

    fn reach(attr: &str, system: &str, via: Option<Via>) -> Reach {
        Reach {
            attr_path: attr.into(),
            system: system.into(),
            config: "{ allowUnfree = true; }".into(),
            via,
        }
    }

    fn written(roots: &[(Reach, usize)]) -> String {
        let mut w = Vec::new();
        for i in 0..3 {
            write_drv(&mut w, i, &format!("/nix/store/{i}-x.drv"), &[], vec![]).unwrap();
        }
        let mut out = RootWriter::default();
        for (r, i) in roots {
            out.push(&mut w, r, *i).unwrap();
        }
        out.finish(&mut w).unwrap();
        String::from_utf8(w).unwrap()
    }

    fn read_back(text: &str) -> Result<Vec<(Reach, usize)>> {
        let g = read(text.as_bytes(), "graph.jsonl")?;
        Ok(g.roots.into_iter().map(|r| (r.reach(), r.drv)).collect())
    }

    #[test]
    fn an_attribute_of_a_cell_is_one_line_and_its_cell_is_written_once() {
        let failed = reach("b", "x86_64-linux", Some(Via::Inputs));
        let roots = vec![
            (reach("a", "aarch64-linux", None), 0),
            (reach("a", "x86_64-linux", None), 0),
            (failed.clone(), 0),
            (failed.clone(), 1),
            (failed, 2),
            (reach("c", "x86_64-linux", None), 2),
        ];
        let text = written(&roots);
        let lines: Vec<&str> = text.lines().skip(3).collect();
        let cells = lines.iter().filter(|l| l.contains("allowUnfree")).count();
        assert_eq!((lines.len(), cells), (6, 2), "{text}");
        assert!(
            lines.iter().any(|l| l.contains(r#""drvs":[0,1,2]"#)),
            "{text}"
        );
        assert_eq!(read_back(&text).unwrap(), roots);
    }

    #[test]
    fn a_graph_with_a_root_per_line_still_reads() {
        let mut text = written(&[]);
        text.push_str(r#"{"attrPath":"a","system":"x86_64-linux","config":"{ allowUnfree = true; }","drv":1}"#);
        text.push('\n');
        let want = vec![(reach("a", "x86_64-linux", None), 1)];
        assert_eq!(read_back(&text).unwrap(), want);
    }

    #[test]
    fn a_root_of_a_cell_not_written_before_is_refused() {
        let mut text = written(&[]);
        text.push_str(r#"{"attrPath":"a","cell":0,"drvs":[1]}"#);
        text.push('\n');
        let e = read_back(&text).unwrap_err().to_string();
        assert!(e.contains("unknown cell 0"), "{e}");
        let mut text = written(&[(reach("a", "x86_64-linux", None), 0)]);
        text.push_str(r#"{"drv":3,"path":"/nix/store/3-x.drv","outputs":[],"inputs":[]}"#);
        let e = read_back(&text).unwrap_err().to_string();
        assert!(e.contains("not a derivation in order"), "{e}");
    }
}

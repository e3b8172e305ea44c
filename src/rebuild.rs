//! Which sources (FODs) a cache lacks that rebuilding what it lacks would need: from each
//! derivation with a missing output that is not itself a source (and from each root attribute
//! that is a missing source), down the inputs of graph.jsonl through derivations that need
//! building; one whose outputs are all in the cache is substituted, so nothing below it is needed
//! through it. Every missing derivation is a start, also one below a cached one: a cache need not
//! hold the whole closure of what it holds, and an offline site must not come up short.
use anyhow::{Context, Result, bail};
use serde::Deserialize;
use serde::de::IgnoredAny;
use std::io::BufRead;
use std::path::Path;

/// One line of graph.jsonl: a derivation (`path`, `outputs`, `inputs`) or a root (`attrPath`).
#[derive(Deserialize)]
struct Line {
    drv: usize,
    path: Option<IgnoredAny>,
    outputs: Option<Vec<String>>,
    #[serde(default)]
    inputs: Vec<u32>,
    #[serde(rename = "attrPath")]
    attr_path: Option<IgnoredAny>,
}

struct Drv {
    /// Some output is not known to be in the cache (missing, unknown or not looked up).
    build: bool,
    /// Its output, when it is a FOD.
    fod: Option<String>,
    inputs: Vec<u32>,
}

/// The FOD outPaths to fetch, sorted; `None` when graph.jsonl is absent or predates its
/// `outputs` field, so that the graph cannot tell.
pub fn needed_sources(
    dir: &Path,
    fods: &[String],
    present: impl Fn(&str) -> bool,
) -> Result<Option<Vec<String>>> {
    let file = dir.join("graph.jsonl");
    let reader = match std::fs::File::open(&file) {
        Ok(f) => std::io::BufReader::new(f),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e).with_context(|| file.display().to_string()),
    };
    let mut drvs: Vec<Drv> = Vec::new();
    let mut roots: Vec<usize> = Vec::new();
    for (n, line) in reader.lines().enumerate() {
        let line = line.with_context(|| file.display().to_string())?;
        let l: Line = serde_json::from_str(&line)
            .with_context(|| format!("{} line {}", file.display(), n + 1))?;
        if l.attr_path.is_some() {
            roots.push(l.drv);
            continue;
        }
        if l.path.is_none() || l.drv != drvs.len() {
            bail!(
                "{} line {}: not a derivation in order",
                file.display(),
                n + 1
            );
        }
        let Some(outputs) = l.outputs else {
            return Ok(None);
        };
        let fod = match outputs.as_slice() {
            [o] if fods.binary_search(o).is_ok() => Some(o.clone()),
            _ => None,
        };
        drvs.push(Drv {
            build: !outputs.iter().all(|o| present(o)),
            fod,
            inputs: l.inputs,
        });
    }
    let mut seen = vec![false; drvs.len()];
    let mut stack = Vec::new();
    for r in roots {
        if r >= drvs.len() {
            bail!("{}: unknown derivation {r}", file.display());
        }
        if drvs[r].build && drvs[r].fod.is_some() && !seen[r] {
            seen[r] = true;
            stack.push(r);
        }
    }
    for (i, d) in drvs.iter().enumerate() {
        if d.build && d.fod.is_none() && !seen[i] {
            seen[i] = true;
            stack.push(i);
        }
    }
    let mut sources = Vec::new();
    while let Some(i) = stack.pop() {
        sources.extend(drvs[i].fod.clone());
        for &j in &drvs[i].inputs {
            let j = j as usize;
            match drvs.get(j) {
                Some(d) if d.build && !seen[j] => {
                    seen[j] = true;
                    stack.push(j);
                }
                Some(_) => {}
                None => bail!("{}: unknown input {j}", file.display()),
            }
        }
    }
    // One source can have several .drv files (fetchurl with different mirror lists): one line.
    sources.sort_unstable();
    sources.dedup();
    Ok(Some(sources))
}

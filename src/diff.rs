//! `fodfuzz diff OLD_DIR NEW_DIR`: the FODs one scan lists and the other does not, and those
//! that changed. Both fods.jsonl are sorted by outPath, so a merge-join streams them (a whole
//! tree's is gigabytes, most of it reachedBy); only the differing FODs are held.
use crate::attrpath;
use crate::preflight::bad;
use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};
use std::cmp::Ordering;
use std::collections::{BTreeSet, HashMap};
use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};

/// One fods.jsonl line without its reaches.
#[derive(Deserialize, Serialize, Clone, Debug, PartialEq)]
pub struct Fod {
    #[serde(rename = "outPath")]
    out_path: String,
    name: String,
    hash: String,
    #[serde(rename = "hashMode")]
    hash_mode: String,
    urls: Vec<String>,
    #[serde(default)]
    fetcher: String,
}

#[derive(Deserialize)]
struct Reaches {
    #[serde(rename = "reachedBy", default)]
    reached_by: Vec<Reach>,
}

#[derive(Deserialize)]
struct Reach {
    #[serde(rename = "attrPath")]
    attr_path: AttrPath,
}

/// Written as an array of names, or dotted as `attrpath::show` prints it.
#[derive(Deserialize)]
#[serde(untagged)]
enum AttrPath {
    Names(Vec<String>),
    Dotted(String),
}

/// A FOD on one side only, with the attribute paths that reach it.
struct Side {
    fod: Fod,
    attrs: BTreeSet<Vec<String>>,
}

#[derive(Serialize, Debug, PartialEq)]
pub struct Change {
    #[serde(rename = "attrPath")]
    attr_path: Vec<String>,
    name: String,
    old: Fod,
    new: Fod,
}

#[derive(Serialize, Debug, PartialEq)]
pub struct Counts {
    added: usize,
    removed: usize,
    changed: usize,
}

#[derive(Serialize, Debug, PartialEq)]
pub struct Report {
    counts: Counts,
    added: Vec<Fod>,
    removed: Vec<Fod>,
    changed: Vec<Change>,
}

pub fn diff(old: &Path, new: &Path, json: bool) -> Result<()> {
    let report = compare(&fods_file(old)?, &fods_file(new)?)?;
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    if json {
        serde_json::to_writer_pretty(&mut out, &report)?;
        writeln!(out)?;
    } else {
        write_text(&mut out, &report)?;
    }
    out.flush()?;
    Ok(())
}

fn fods_file(dir: &Path) -> Result<PathBuf> {
    if !dir.is_dir() {
        return Err(bad(format!(
            "{}: not a directory (a scan's output)",
            dir.display()
        ))
        .into());
    }
    let file = dir.join("fods.jsonl");
    if !file.is_file() {
        return Err(bad(format!(
            "{}: no fods.jsonl (not a finished scan)",
            dir.display()
        ))
        .into());
    }
    Ok(file)
}

/// Reads one fods.jsonl line by line, checking it is sorted by outPath.
struct Lines {
    file: PathBuf,
    lines: std::io::Lines<std::io::BufReader<std::fs::File>>,
    number: usize,
    /// The current line and what it says without its reaches.
    current: Option<(String, Fod)>,
}

impl Lines {
    fn open(file: &Path) -> Result<Lines> {
        let f = std::fs::File::open(file).with_context(|| format!("opening {}", file.display()))?;
        let mut l = Lines {
            file: file.to_owned(),
            lines: std::io::BufReader::new(f).lines(),
            number: 0,
            current: None,
        };
        l.advance()?;
        Ok(l)
    }

    fn advance(&mut self) -> Result<()> {
        let previous = self.current.take().map(|(_, f)| f.out_path);
        loop {
            let Some(line) = self.lines.next() else {
                return Ok(());
            };
            let line = line.with_context(|| format!("reading {}", self.file.display()))?;
            self.number += 1;
            if line.trim().is_empty() {
                continue;
            }
            let fod: Fod = serde_json::from_str(&line).map_err(|e| self.bad(e))?;
            if previous.as_ref().is_some_and(|p| *p >= fod.out_path) {
                return Err(self.bad("not sorted by outPath").into());
            }
            self.current = Some((line, fod));
            return Ok(());
        }
    }

    fn bad(&self, what: impl std::fmt::Display) -> crate::preflight::BadInput {
        bad(format!("{}:{}: {what}", self.file.display(), self.number))
    }

    /// The current FOD with the attribute paths of its reaches (parsed only for these).
    fn side(&self) -> Result<Side> {
        let (line, fod) = self.current.as_ref().expect("a current line");
        let reaches: Reaches = serde_json::from_str(line).map_err(|e| self.bad(e))?;
        let attrs = reaches
            .reached_by
            .into_iter()
            .map(|r| match r.attr_path {
                AttrPath::Names(n) => n,
                AttrPath::Dotted(d) => attrpath::parse(&d),
            })
            .collect();
        Ok(Side {
            fod: fod.clone(),
            attrs,
        })
    }
}

pub fn compare(old: &Path, new: &Path) -> Result<Report> {
    let (mut a, mut b) = (Lines::open(old)?, Lines::open(new)?);
    let (mut removed, mut added, mut changed) = (Vec::new(), Vec::new(), Vec::new());
    loop {
        let order = match (&a.current, &b.current) {
            (None, None) => break,
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (Some((_, x)), Some((_, y))) => x.out_path.cmp(&y.out_path),
        };
        match order {
            Ordering::Less => {
                removed.push(a.side()?);
                a.advance()?;
            }
            Ordering::Greater => {
                added.push(b.side()?);
                b.advance()?;
            }
            Ordering::Equal => {
                let (x, y) = (
                    &a.current.as_ref().unwrap().1,
                    &b.current.as_ref().unwrap().1,
                );
                // Same output path: same name and hash; only where it is fetched from can change.
                if x.urls != y.urls {
                    let new = b.side()?;
                    changed.push(Change {
                        attr_path: new.attrs.iter().next().cloned().unwrap_or_default(),
                        name: new.fod.name.clone(),
                        old: x.clone(),
                        new: new.fod,
                    });
                }
                a.advance()?;
                b.advance()?;
            }
        }
    }
    let (removed, added, paired) = pair(removed, added);
    changed.extend(paired);
    changed.sort_by(|x, y| {
        (&x.attr_path, &x.name, &x.old.out_path).cmp(&(&y.attr_path, &y.name, &y.old.out_path))
    });
    Ok(Report {
        counts: Counts {
            added: added.len(),
            removed: removed.len(),
            changed: changed.len(),
        },
        added,
        removed,
        changed,
    })
}

/// A removed and an added FOD of the same name reached by the same attribute path are one
/// change (a new hash is a new outPath). Each removed FOD, in outPath order, takes the added one
/// with the smallest outPath among those not taken yet.
fn pair(removed: Vec<Side>, added: Vec<Side>) -> (Vec<Fod>, Vec<Fod>, Vec<Change>) {
    let mut index: HashMap<(&[String], &str), Vec<usize>> = HashMap::new();
    for (i, a) in added.iter().enumerate() {
        for attr in &a.attrs {
            index.entry((attr, &a.fod.name)).or_default().push(i);
        }
    }
    let mut taken = vec![false; added.len()];
    let mut matches: Vec<(usize, usize)> = Vec::new();
    for (r, side) in removed.iter().enumerate() {
        let best = side
            .attrs
            .iter()
            .filter_map(|attr| index.get(&(attr.as_slice(), side.fod.name.as_str())))
            .flat_map(|v| v.iter().copied().find(|&i| !taken[i]))
            .min();
        if let Some(i) = best {
            taken[i] = true;
            matches.push((r, i));
        }
    }
    drop(index);
    let mut changes = Vec::new();
    let mut old_taken = vec![false; removed.len()];
    for &(r, i) in &matches {
        old_taken[r] = true;
        let (old, new) = (&removed[r], &added[i]);
        let shared = old.attrs.intersection(&new.attrs).next().cloned();
        changes.push(Change {
            attr_path: shared.unwrap_or_default(),
            name: new.fod.name.clone(),
            old: old.fod.clone(),
            new: new.fod.clone(),
        });
    }
    let rest = |sides: Vec<Side>, taken: &[bool]| -> Vec<Fod> {
        sides
            .into_iter()
            .zip(taken)
            .filter(|(_, t)| !**t)
            .map(|(s, _)| s.fod)
            .collect()
    };
    (rest(removed, &old_taken), rest(added, &taken), changes)
}

fn urls(f: &Fod) -> String {
    if f.urls.is_empty() {
        "(no url)".to_owned()
    } else {
        f.urls.join(" ")
    }
}

pub fn write_text(w: &mut dyn Write, r: &Report) -> Result<()> {
    let c = &r.counts;
    writeln!(
        w,
        "added {}, removed {}, changed {}",
        c.added, c.removed, c.changed
    )?;
    for f in &r.added {
        writeln!(w, "+ {} {} {}", f.out_path, f.name, urls(f))?;
    }
    for f in &r.removed {
        writeln!(w, "- {} {} {}", f.out_path, f.name, urls(f))?;
    }
    for ch in &r.changed {
        let (o, n) = (&ch.old, &ch.new);
        let mut parts = Vec::new();
        if o.hash != n.hash || o.hash_mode != n.hash_mode {
            parts.push(if o.hash_mode == n.hash_mode {
                format!("{} → {}", o.hash, n.hash)
            } else {
                format!(
                    "{} ({}) → {} ({})",
                    o.hash, o.hash_mode, n.hash, n.hash_mode
                )
            });
        }
        if o.urls != n.urls {
            parts.push(format!("urls {} → {}", urls(o), urls(n)));
        }
        writeln!(
            w,
            "~ {} {}: {}",
            attrpath::show(&ch.attr_path),
            ch.name,
            parts.join("; ")
        )?;
    }
    Ok(())
}

//! `fodfuzz diff OLD_DIR NEW_DIR`: the FODs one scan lists and the other does not, and those
//! that changed. Both fods.jsonl are sorted by outPath, so a merge-join streams them (a whole
//! tree's is gigabytes, most of it reachedBy); only the differing FODs are held.
use crate::model::Recipe;
use crate::nix::attrpath;
use crate::outputs::fods::{self, Entry as Fod, Reader};
use anyhow::Result;
use serde::Serialize;
use std::cmp::Ordering;
use std::collections::{BTreeSet, HashMap};
use std::io::Write;
use std::path::Path;

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
    /// Made another way (urls, recipe) while the output path stayed: a store that has the old
    /// output never runs the new recipe, so whether it still gives that hash is unknown until
    /// it is downloaded or built again (nixpkgs#473846, Go 1.22's vendorHash).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    reverify: bool,
}

#[derive(Serialize, Debug, PartialEq)]
pub struct Counts {
    added: usize,
    removed: usize,
    changed: usize,
    reverify: usize,
}

#[derive(Serialize, Debug, PartialEq)]
pub struct Report {
    counts: Counts,
    added: Vec<Fod>,
    removed: Vec<Fod>,
    changed: Vec<Change>,
}

pub fn diff(old: &Path, new: &Path, json: bool) -> Result<()> {
    let report = compare(&fods::file_in(old)?, &fods::file_in(new)?)?;
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

/// The reader's current FOD with the attribute paths of its reaches.
fn side(r: &Reader) -> Result<Side> {
    Ok(Side {
        fod: r.current().expect("a current line").clone(),
        attrs: r.attr_paths()?.into_iter().collect(),
    })
}

/// The output paths of NEW's FODs that need re-verification against OLD (`check --since`).
pub fn reverify(old: &Path, new: &Path) -> Result<BTreeSet<String>> {
    let report = compare(old, new)?;
    let changed = report.changed.into_iter().filter(|c| c.reverify);
    Ok(changed.map(|c| c.new.out_path).collect())
}

pub fn compare(old: &Path, new: &Path) -> Result<Report> {
    let (mut a, mut b) = (Reader::open(old)?, Reader::open(new)?);
    let (mut removed, mut added, mut changed) = (Vec::new(), Vec::new(), Vec::new());
    loop {
        let order = match (a.current(), b.current()) {
            (None, None) => break,
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (Some(x), Some(y)) => x.out_path.cmp(&y.out_path),
        };
        match order {
            Ordering::Less => {
                removed.push(side(&a)?);
                a.advance()?;
            }
            Ordering::Greater => {
                added.push(side(&b)?);
                b.advance()?;
            }
            Ordering::Equal => {
                let (x, y) = (a.current().expect("a line"), b.current().expect("a line"));
                // Same output path: same name and hash; only how it is made can change.
                if x.urls != y.urls || x.recipe != y.recipe {
                    let new = side(&b)?;
                    changed.push(Change {
                        attr_path: new.attrs.iter().next().cloned().unwrap_or_default(),
                        name: new.fod.name.clone(),
                        old: x.clone(),
                        new: new.fod,
                        reverify: true,
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
            reverify: changed.iter().filter(|c| c.reverify).count(),
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
            reverify: false,
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

/// `recipe.FIELD OLD → NEW` for each field of the recipes that differs (`-` for none), in
/// field-name order.
fn recipe_changes(old: &Recipe, new: &Recipe) -> Vec<String> {
    let fields = |r: &Recipe| match serde_json::to_value(r) {
        Ok(serde_json::Value::Object(m)) => m,
        _ => serde_json::Map::new(),
    };
    let (o, n) = (fields(old), fields(new));
    let keys: BTreeSet<&String> = o.keys().chain(n.keys()).collect();
    let show = |v: Option<&serde_json::Value>| match v {
        None => "-".to_owned(),
        Some(serde_json::Value::String(s)) => s.clone(),
        Some(v) => v.to_string(),
    };
    keys.into_iter()
        .filter(|k| o.get(*k) != n.get(*k))
        .map(|k| format!("recipe.{k} {} → {}", show(o.get(k)), show(n.get(k))))
        .collect()
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
        "added {}, removed {}, changed {} ({} to re-verify)",
        c.added, c.removed, c.changed, c.reverify
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
        parts.extend(recipe_changes(&o.recipe, &n.recipe));
        if ch.reverify {
            parts.push("same output path: needs re-verification".to_owned());
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

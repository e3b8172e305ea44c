//! coverage.json and coverage.txt: how many of the tree's hash literals the scan reached, per
//! file, and each one not reached with its line, digest (SRI) and reason (coverage.json one document, coverage.txt
//! one line per file and literal). The HTML report is in `html`.
use super::reasons::Reason;
use super::report::{Coverage, FileCoverage};
use anyhow::Result;
use serde::Serialize;
use std::collections::BTreeMap;
use std::io::Write;

#[derive(Serialize, Debug, PartialEq)]
pub struct FileEntry {
    pub file: String,
    pub literals: usize,
    pub reached: usize,
    pub unreached: Vec<Unreached>,
}

#[derive(Serialize, Debug, PartialEq)]
pub struct Unreached {
    pub line: u32,
    pub hash: String,
    pub reason: Reason,
    /// What the reason is about: a system, a config key, an argument, a failure, an entry.
    pub detail: String,
}

fn entry(f: &FileCoverage) -> FileEntry {
    FileEntry {
        file: f.file.clone(),
        literals: f.literals(),
        reached: f.reached(),
        unreached: f
            .sites
            .iter()
            .filter_map(|s| {
                let w = s.unreached.as_ref()?;
                Some(Unreached {
                    line: s.line,
                    hash: s.hash.clone(),
                    reason: w.reason,
                    detail: w.detail.clone(),
                })
            })
            .collect(),
    }
}

/// coverage.json: one document, files sorted by path, one line per file.
pub fn write_json(w: &mut dyn Write, c: &Coverage) -> Result<()> {
    let by_reason = serde_json::to_string(&c.by_reason())?;
    write!(
        w,
        "{{\"literals\":{},\"reached\":{},\"byReason\":{by_reason},\"files\":[",
        c.literals(),
        c.reached()
    )?;
    for (i, f) in c.files.iter().enumerate() {
        w.write_all(if i == 0 { b"\n" } else { b",\n" })?;
        serde_json::to_writer(&mut *w, &entry(f))?;
    }
    w.write_all(b"\n]}\n")?;
    Ok(())
}

pub fn percent(part: usize, all: usize) -> f64 {
    if all == 0 {
        100.0
    } else {
        part as f64 * 100.0 / all as f64
    }
}

/// The group a file is counted in: its first two directories (`pkgs/applications`), or its
/// first for a file one level down (`lib`), or `.` at the top.
pub fn group(file: &str) -> &str {
    let parts: Vec<&str> = file.splitn(3, '/').collect();
    match parts.len() {
        1 => ".",
        2 => parts[0],
        _ => &file[..parts[0].len() + 1 + parts[1].len()],
    }
}

/// Files shown per group in coverage.txt.
const WORST: usize = 10;

/// coverage.txt: the totals, the reasons, then per group its counts and its least-covered
/// files (fewest reached in proportion, then most unreached), each with its main reason.
pub fn write_text(w: &mut dyn Write, c: &Coverage) -> Result<()> {
    let (all, hit) = (c.literals(), c.reached());
    writeln!(
        w,
        "{hit} of {all} hash literals reached ({:.1} %)",
        percent(hit, all)
    )?;
    let reasons: Vec<String> = c
        .by_reason()
        .into_iter()
        .filter(|(_, n)| *n > 0)
        .map(|(r, n)| format!("{} {n}", r.as_str()))
        .collect();
    writeln!(
        w,
        "not reached: {}",
        if reasons.is_empty() {
            "none".into()
        } else {
            reasons.join(", ")
        }
    )?;
    let mut groups: BTreeMap<&str, Vec<&FileCoverage>> = BTreeMap::new();
    for f in &c.files {
        groups.entry(group(&f.file)).or_default().push(f);
    }
    for (name, mut files) in groups {
        let all: usize = files.iter().map(|f| f.literals()).sum();
        let hit: usize = files.iter().map(|f| f.reached()).sum();
        writeln!(w, "\n{name}: {hit} of {all} ({:.1} %)", percent(hit, all))?;
        files.retain(|f| f.reached() < f.literals());
        // By the share reached (cross-multiplied), then by the number not reached.
        files.sort_by(|a, b| {
            (a.reached() * b.literals())
                .cmp(&(b.reached() * a.literals()))
                .then((b.literals() - b.reached()).cmp(&(a.literals() - a.reached())))
                .then(a.file.cmp(&b.file))
        });
        for f in files.iter().take(WORST) {
            writeln!(
                w,
                "  {:>6} of {:<6} {:5.1} %  {}  ({})",
                f.reached(),
                f.literals(),
                percent(f.reached(), f.literals()),
                f.file,
                main_reason(f)
            )?;
        }
    }
    Ok(())
}

/// The reason most of a file's unreached literals have.
fn main_reason(f: &FileCoverage) -> &'static str {
    let mut n: BTreeMap<Reason, usize> = BTreeMap::new();
    for w in f.sites.iter().filter_map(|s| s.unreached.as_ref()) {
        *n.entry(w.reason).or_default() += 1;
    }
    n.into_iter()
        .max_by_key(|(r, k)| (*k, std::cmp::Reverse(*r)))
        .map_or("", |(r, _)| r.as_str())
}

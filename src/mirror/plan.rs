//! What to mirror: every FOD of a scan's fods.jsonl with what fetching it means (its urls,
//! `mirror://` expanded, and how a download proves its hash: `check`'s targets), its `.drv`
//! and hash mode, and how many attributes reach it, which orders the work: when a disk budget
//! cannot hold everything, the sources most attributes need come first.
use crate::check::target::{self, Target};
use crate::model::HashMode;
use crate::outputs::fods::{self, Reader};
use crate::outputs::mirrors::sites::Sites;
use anyhow::Result;
use serde::Deserialize;
use std::path::Path;

pub struct Job {
    pub t: Target,
    pub drv_path: String,
    pub mode: HashMode,
    /// Attributes that reach it, summed over the cells.
    pub reach: u64,
}

#[derive(Deserialize)]
struct Counts {
    #[serde(rename = "reachCount", default)]
    reach_count: Vec<Count>,
}

#[derive(Deserialize)]
struct Count {
    #[serde(default)]
    attributes: u64,
    #[serde(default)]
    partial: u64,
}

/// Every FOD of the scan in `dir`, in fods.jsonl's order (by outPath).
pub fn read(dir: &Path) -> Result<Vec<Job>> {
    let file = fods::file_in(dir)?;
    let store = dir.join(".store");
    let store_root = store.is_dir().then_some(store.as_path());
    let mut sites = Sites::new(store_root.unwrap_or(Path::new("/nonexistent")));
    let mut reader = Reader::open(&file)?;
    let mut jobs = Vec::new();
    while let (Some(entry), Some(line)) = (reader.current(), reader.line()) {
        let counts: Counts = serde_json::from_str(line)?;
        jobs.push(Job {
            t: target::of(entry, store_root, &mut sites),
            drv_path: entry.drv_path.clone(),
            mode: entry.hash_mode,
            reach: counts
                .reach_count
                .iter()
                .map(|c| c.attributes + c.partial)
                .sum(),
        });
        reader.advance()?;
    }
    Ok(jobs)
}

/// Job indices, most reached first, then by outPath.
pub fn order(jobs: &[Job]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..jobs.len()).collect();
    order.sort_by(|&a, &b| {
        (std::cmp::Reverse(jobs[a].reach), &jobs[a].t.out_path)
            .cmp(&(std::cmp::Reverse(jobs[b].reach), &jobs[b].t.out_path))
    });
    order
}

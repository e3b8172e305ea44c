//! What a shard (`fodfuzz scan --shard I/N`) writes beside a scan's outputs for `fodfuzz merge`:
//! - shard.json: which shard of which scan (the plan, fodfuzz's version and harness), each
//!   cell's root visits, the package sets it walked with the counts below each, and the
//!   `mirror://` site lists its FODs name (so that the merge needs no private store);
//! - shard-fods.jsonl: per FOD (sorted by outPath, as fods.jsonl) what only the mirror files
//!   use (the hash as written, postFetch, revision, requireFile's message …).
use super::alias::Alias;
use super::shard::{EntryRecord, SetRecord, Shard, fnv1a};
use crate::error::bad;
use crate::model::{Fod, Source};
use crate::outputs::mirrors::sites::{Lists, Sites};
use crate::outputs::write_file;
use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::io::BufRead;
use std::path::Path;

pub const MANIFEST: &str = "shard.json";
pub const SOURCES: &str = "shard-fods.jsonl";

#[derive(Serialize, Deserialize, Debug, Clone)]
pub struct Manifest {
    /// fodfuzz's version and a hash of the harness workers evaluate: shards of other builds
    /// may walk otherwise.
    pub fodfuzz: String,
    pub harness: String,
    pub shard: Shard,
    /// The scan's plan.json without the shard: equal in every shard of one scan.
    pub plan: serde_json::Value,
    /// What the workers evaluated, for the merge to compare sets two shards walked: the tree
    /// or the target expression, and the paths restricted evaluation may read.
    pub evaluate: Evaluate,
    pub revision: Option<String>,
    /// Per cell: visits of the root, which every shard makes.
    #[serde(rename = "rootVisits")]
    pub root_visits: Vec<u64>,
    pub sets: Vec<SetRecord>,
    /// The derivations it entered, with the counts below each: the merge keeps one of those two
    /// shards entered.
    #[serde(default)]
    pub entries: Vec<EntryRecord>,
    /// The sets it found to be others it walked: what its outputs list below each is a copy
    /// of what is below the set it is, kept or dropped with it.
    #[serde(default)]
    pub aliases: Vec<Alias>,
    /// mirrors-list .drv → its sites' prefixes (null: it could not be read).
    #[serde(default)]
    pub sites: BTreeMap<String, Option<Lists>>,
}

/// The harness's arguments: `tree` (a path) or `target` (an expression), and `-I` paths.
#[derive(Serialize, Deserialize, Debug, Clone, Default)]
pub struct Evaluate {
    pub tree: Option<String>,
    pub target: Option<String>,
    pub include: Vec<String>,
}

/// This build: the crate's version and the harness's hash.
pub fn build() -> (String, String) {
    let harness = format!("{:016x}", fnv1a(super::HARNESS.as_bytes()));
    (env!("CARGO_PKG_VERSION").to_owned(), harness)
}

impl Manifest {
    pub fn new(
        shard: Shard,
        plan: &serde_json::Value,
        evaluate: Evaluate,
        revision: Option<String>,
        root_visits: &[u64],
        sets: Vec<SetRecord>,
    ) -> Manifest {
        let mut plan = plan.clone();
        if let Some(p) = plan.as_object_mut() {
            p.remove("shard");
        }
        let (fodfuzz, harness) = build();
        Manifest {
            fodfuzz,
            harness,
            shard,
            plan,
            evaluate,
            revision,
            root_visits: root_visits.to_vec(),
            sets,
            entries: Vec::new(),
            aliases: Vec::new(),
            sites: BTreeMap::new(),
        }
    }

    pub fn read(dir: &Path) -> Result<Manifest> {
        let file = dir.join(MANIFEST);
        let text = std::fs::read_to_string(&file).map_err(|_| {
            bad(format!(
                "{}: not a shard (no {MANIFEST}: scan with --shard I/N)",
                dir.display()
            ))
        })?;
        Ok(serde_json::from_str(&text).map_err(|e| bad(format!("{}: {e}", file.display())))?)
    }
}

/// One line of shard-fods.jsonl.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct SourceLine {
    #[serde(rename = "outPath")]
    pub out_path: String,
    #[serde(rename = "drvPath")]
    pub drv_path: String,
    #[serde(rename = "writtenHash")]
    pub written_hash: Option<String>,
    #[serde(rename = "writtenAlgo")]
    pub written_algo: Option<String>,
    #[serde(rename = "postFetch")]
    pub post_fetch: bool,
    pub rev: Option<String>,
    pub submodules: bool,
    #[serde(rename = "mirrorsDrv")]
    pub mirrors_drv: Option<String>,
    pub message: Option<String>,
}

impl SourceLine {
    pub fn source(self) -> Source {
        Source {
            written_hash: self.written_hash,
            written_algo: self.written_algo,
            post_fetch: self.post_fetch,
            rev: self.rev,
            submodules: self.submodules,
            mirrors_drv: self.mirrors_drv,
            message: self.message,
        }
    }
}

/// Writes shard.json (with the site lists the FODs name, read from the store) and
/// shard-fods.jsonl.
pub fn write(
    dir: &Path,
    mut manifest: Manifest,
    fods: &BTreeMap<String, Fod>,
    store_root: &Path,
) -> Result<()> {
    let mut sites = Sites::new(store_root);
    for f in fods.values() {
        if let Some(drv) = &f.source.mirrors_drv
            && !manifest.sites.contains_key(drv)
        {
            manifest.sites.insert(drv.clone(), sites.lists_of(drv));
        }
    }
    write_file(dir, SOURCES, |w| {
        for f in fods.values() {
            let s = &f.source;
            let line = SourceLine {
                out_path: f.out_path.clone(),
                drv_path: f.drv_path.clone(),
                written_hash: s.written_hash.clone(),
                written_algo: s.written_algo.clone(),
                post_fetch: s.post_fetch,
                rev: s.rev.clone(),
                submodules: s.submodules,
                mirrors_drv: s.mirrors_drv.clone(),
                message: s.message.clone(),
            };
            serde_json::to_writer(&mut *w, &line)?;
            w.write_all(b"\n")?;
        }
        Ok(())
    })?;
    write_file(dir, MANIFEST, |w| {
        serde_json::to_writer_pretty(&mut *w, &manifest)?;
        Ok(w.write_all(b"\n")?)
    })
}

/// shard-fods.jsonl's lines, one at a time.
pub fn read_sources(dir: &Path) -> Result<impl Iterator<Item = Result<SourceLine>> + use<>> {
    let file = dir.join(SOURCES);
    let f = std::fs::File::open(&file).with_context(|| format!("opening {}", file.display()))?;
    Ok(std::io::BufReader::new(f)
        .lines()
        .enumerate()
        .map(move |(n, line)| {
            let line = line.with_context(|| format!("reading {}", file.display()))?;
            serde_json::from_str(&line)
                .map_err(|e| bad(format!("{}:{}: {e}", file.display(), n + 1)).into())
        }))
}

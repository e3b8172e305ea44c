//! The mirror files every scan writes, each in a format an existing tool reads:
//! - tarballs.json: nixpkgs' maintainers/scripts/find-tarballs.nix output, for copy-tarballs.pl;
//! - sources.json: Software Heritage's nixguix manifest (version 1), as nixpkgs-swh publishes it;
//! - hashed-mirror.txt: `<algo>/<hash> <url>`, to fill a content-addressed `hashedMirrors` site;
//! - manual.txt: requireFile sources, which no mirror can fetch.
//!
//! `mirror://` urls are expanded by [`sites`].
pub mod hashed;
pub mod manual;
pub mod sites;
pub mod sources;
pub mod tarballs;
#[cfg(test)]
mod testing;

use super::write_file;
use crate::model::{Fetcher, Fod, HashMode};
use anyhow::Result;
use serde::Serialize;
use sites::Sites;
use std::collections::BTreeMap;
use std::path::Path;

/// What went into the mirror files (summary.json `mirrors`).
#[derive(Serialize, Default, Debug, PartialEq)]
pub struct Counts {
    pub tarballs: usize,
    /// Per type: url, git, hg, svn.
    pub sources: BTreeMap<&'static str, usize>,
    /// FODs that fit no nixguix type (no url, unknown fetcher, requireFile, a VCS without rev).
    #[serde(rename = "sourcesLeftOut")]
    pub sources_left_out: usize,
    #[serde(rename = "hashedMirrorLines")]
    pub hashed_mirror_lines: usize,
    pub manual: usize,
    /// `mirror://` urls whose site no mirrors list names: kept as written in sources.json, left
    /// out of hashed-mirror.txt.
    #[serde(rename = "unknownMirrorUrls")]
    pub unknown_mirror_urls: usize,
}

pub fn write_all(
    dir: &Path,
    fods: &BTreeMap<String, Fod>,
    store_root: &Path,
    revision: Option<&str>,
) -> Result<Counts> {
    write_with(dir, fods, &mut Sites::new(store_root), revision)
}

/// The mirror files, `mirror://` expanded with `sites`.
pub fn write_with(
    dir: &Path,
    fods: &BTreeMap<String, Fod>,
    sites: &mut Sites,
    revision: Option<&str>,
) -> Result<Counts> {
    let mut counts = Counts::default();
    let t = tarballs::tarballs(fods);
    counts.tarballs = t.len();
    write_file(dir, "tarballs.json", |w| {
        serde_json::to_writer(&mut *w, &t)?;
        Ok(w.write_all(b"\n")?)
    })?;
    write_file(dir, "sources.json", |w| {
        sources::write(w, fods, sites, revision, &mut counts)
    })?;
    let lines = hashed::lines(fods, sites);
    counts.hashed_mirror_lines = lines.len();
    write_file(dir, "hashed-mirror.txt", |w| {
        for l in &lines {
            writeln!(w, "{l}")?;
        }
        Ok(())
    })?;
    let (text, n) = manual::manual(fods);
    counts.manual = n;
    write_file(dir, "manual.txt", |w| Ok(w.write_all(text.as_bytes())?))?;
    Ok(counts)
}

/// A plain download: flat hash, with urls (find-tarballs' filter), not a requireFile.
pub fn is_flat_fetch(f: &Fod) -> bool {
    f.hash_mode == HashMode::Flat && !f.urls.is_empty() && f.fetcher != Fetcher::RequireFile
}

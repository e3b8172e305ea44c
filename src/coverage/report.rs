//! Coverage of one run: every hash literal of the tree, reached or not, and why not. What the
//! coverage files (`files`, `html`) are written from.
use super::facts::Site;
use super::reasons::{Judge, Reason, Why};
use super::scan::{Reached, Run};
use super::tree::Tree;
use std::collections::BTreeMap;

/// One literal: where, its digest (SRI), and `None` when reached, else why not.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SiteCoverage {
    pub line: u32,
    pub hash: String,
    /// The attribute it is written as (`sha256`, `md5` …), `""` for none.
    pub attr: String,
    pub unreached: Option<Why>,
    /// Reached as another digest of a source a FOD has: that digest (SRI).
    pub twin: Option<String>,
}

impl SiteCoverage {
    /// The digest a FOD that reaches it has: its own, or its twin's.
    pub fn fod_hash(&self) -> &str {
        self.twin.as_deref().unwrap_or(&self.hash)
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileCoverage {
    /// Relative to the tree.
    pub file: String,
    /// By line.
    pub sites: Vec<SiteCoverage>,
}

impl FileCoverage {
    pub fn literals(&self) -> usize {
        self.sites.len()
    }

    pub fn reached(&self) -> usize {
        self.sites.iter().filter(|s| s.unreached.is_none()).count()
    }
}

/// Files with at least one literal, sorted by path.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Coverage {
    pub files: Vec<FileCoverage>,
}

impl Coverage {
    pub fn literals(&self) -> usize {
        self.files.iter().map(FileCoverage::literals).sum()
    }

    pub fn reached(&self) -> usize {
        self.files.iter().map(FileCoverage::reached).sum()
    }

    /// How many literals each reason holds, every reason listed.
    pub fn by_reason(&self) -> BTreeMap<Reason, usize> {
        let mut out: BTreeMap<Reason, usize> = Reason::ALL.iter().map(|&r| (r, 0)).collect();
        for s in self.files.iter().flat_map(|f| &f.sites) {
            if let Some(w) = &s.unreached {
                *out.entry(w.reason).or_default() += 1;
            }
        }
        out
    }
}

/// Judges every literal of `tree` against what `run` reached. A literal is reached when a FOD
/// has its digest under one of the run's systems.
pub fn assess(tree: &Tree, reached: &Reached, run: &Run) -> Coverage {
    let judge = Judge::new(tree, run);
    let mut files = Vec::new();
    for (file, facts) in &tree.files {
        if facts.sites.is_empty() {
            continue;
        }
        let systems: Vec<_> = facts
            .sites
            .iter()
            .map(|site| reached.systems_of(&site.digest))
            .collect();
        let hits: Vec<bool> = systems
            .iter()
            .map(|s| {
                s.as_ref()
                    .is_some_and(|s| s.iter().any(|x| run.systems.iter().any(|r| r == x)))
            })
            .collect();
        let twins = twins(&facts.sites, &hits);
        let mut sites: Vec<SiteCoverage> = facts
            .sites
            .iter()
            .zip(systems)
            .zip(twins)
            .enumerate()
            .map(|(i, ((site, systems), twin))| SiteCoverage {
                line: site.line,
                hash: site.digest.sri(),
                attr: site.attr.clone(),
                unreached: (!hits[i] && twin.is_none()).then(|| judge.why(file, site, systems)),
                twin: twin.map(|t| facts.sites[t].digest.sri()),
            })
            .collect();
        sites.sort_by(|a, b| (a.line, &a.hash).cmp(&(b.line, &b.hash)));
        files.push(FileCoverage {
            file: file.clone(),
            sites,
        });
    }
    Coverage { files }
}

/// The literals reached as another digest of a source a FOD has: a set holding a reached
/// literal and one of another algorithm describes one file twice (`sha256` and `md5` of each
/// entry of libreoffice's sources; fetchurl takes the first, the md5 names the file in its
/// build).
fn twins(sites: &[Site], hits: &[bool]) -> Vec<Option<usize>> {
    let reached: Vec<(usize, u32, &str)> = (0..sites.len())
        .filter(|&i| hits[i])
        .filter_map(|i| Some((i, sites[i].set?, sites[i].digest.algo.as_str())))
        .collect();
    sites
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let set = s.set.filter(|_| !hits[i])?;
            reached
                .iter()
                .find(|&&(_, r, algo)| r == set && algo != s.digest.algo)
                .map(|&(t, _, _)| t)
        })
        .collect()
}

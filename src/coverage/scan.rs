//! What a scan says that coverage needs: the digests its FODs have, with the systems whose cells
//! reach each, and the run itself (its systems, configs and failures). Built from a scan's
//! findings as it writes its outputs, or read back from a finished scan's directory.
use crate::model::{Failure, Findings};
use crate::nix::hash::Digest;
use crate::outputs::{failures, fods, summary};
use anyhow::Result;
use std::collections::{BTreeSet, HashMap};
use std::path::Path;

/// The digests a scan's FODs have, and the systems that reach each.
#[derive(Debug, Default, Clone)]
pub struct Reached {
    systems: Vec<String>,
    digests: HashMap<Digest, BTreeSet<u16>>,
}

impl Reached {
    /// Adds a FOD's hash (SRI) reached under `systems`.
    pub fn add<'a>(&mut self, sri: &str, systems: impl IntoIterator<Item = &'a str>) {
        let Some(d) = Digest::from_sri(sri) else {
            return;
        };
        let mut ids = BTreeSet::new();
        for s in systems {
            let id = match self.systems.iter().position(|x| x == s) {
                Some(i) => i,
                None => {
                    self.systems.push(s.to_owned());
                    self.systems.len() - 1
                }
            };
            ids.insert(id as u16);
        }
        self.digests.entry(d).or_default().extend(ids);
    }

    pub fn from_findings(findings: &Findings) -> Reached {
        let mut r = Reached::default();
        for fod in findings.fods.values() {
            let systems: BTreeSet<&str> = fod.reach.iter().map(|c| c.system.as_str()).collect();
            r.add(&fod.hash, systems);
        }
        r
    }

    /// The systems that reach a digest; `None` when no FOD has it.
    pub fn systems_of(&self, d: &Digest) -> Option<Vec<&str>> {
        self.digests.get(d).map(|ids| {
            ids.iter()
                .map(|&i| self.systems[i as usize].as_str())
                .collect()
        })
    }
}

/// The run a scan made: its cells and failures.
#[derive(Debug, Default, Clone)]
pub struct Run {
    /// The systems whose reaches count; a digest reached only under others is `other-system`.
    pub systems: Vec<String>,
    /// Each cell's config (the expression, or its name in a matrix file).
    pub configs: Vec<String>,
    pub cells: usize,
    pub failures: Vec<Failure>,
}

/// A finished scan's reached digests and run, from fods.jsonl, failures.jsonl and summary.json
/// in `dir`.
pub fn read(dir: &Path) -> Result<(Reached, Run)> {
    let mut reached = Reached::default();
    fods::for_each_hash(&fods::file_in(dir)?, |hash, systems| {
        reached.add(hash, systems)
    })?;
    let cells = summary::read_cells(&dir.join("summary.json"))?;
    let mut run = Run {
        cells: cells.len(),
        failures: failures::read(&dir.join("failures.jsonl"))?,
        ..Run::default()
    };
    for (system, config) in cells {
        if !run.systems.contains(&system) {
            run.systems.push(system);
        }
        if !run.configs.contains(&config) {
            run.configs.push(config);
        }
    }
    Ok((reached, run))
}

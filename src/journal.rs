//! An append-only record of every worker outcome, written as it arrives, so that what a run
//! found is on disk even if the driver itself dies.
use crate::worker::{Outcome, Visit};
use anyhow::{Context, Result};
use serde_json::json;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;
use std::time::{Duration, Instant};

pub struct Journal {
    out: BufWriter<File>,
    last_flush: Instant,
}

impl Journal {
    pub fn create(path: &Path) -> Result<Self> {
        let f = File::create(path).with_context(|| format!("creating {}", path.display()))?;
        Ok(Journal {
            out: BufWriter::new(f),
            last_flush: Instant::now(),
        })
    }

    pub fn write(&mut self, cell: usize, attr: &str, outcome: &Outcome) -> Result<()> {
        let line = match outcome {
            Outcome::Visited(Visit::Drv { drv_path, .. }) => {
                json!({"cell": cell, "attrPath": attr, "drvPath": drv_path})
            }
            Outcome::Visited(Visit::Set { names }) => {
                json!({"cell": cell, "attrPath": attr, "set": names.len()})
            }
            Outcome::Visited(Visit::Skip) => json!({"cell": cell, "attrPath": attr, "skip": true}),
            Outcome::Visited(Visit::Throw) => {
                json!({"cell": cell, "attrPath": attr, "throw": true})
            }
            Outcome::Failed { kind, message } => {
                json!({"cell": cell, "attrPath": attr, "kind": kind, "message": message})
            }
        };
        serde_json::to_writer(&mut self.out, &line)?;
        self.out.write_all(b"\n")?;
        if self.last_flush.elapsed() > Duration::from_millis(500) {
            self.flush()?;
        }
        Ok(())
    }

    pub fn flush(&mut self) -> Result<()> {
        self.out.flush()?;
        self.last_flush = Instant::now();
        Ok(())
    }
}

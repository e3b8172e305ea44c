//! How one FOD fared, as `mirror.jsonl` records it, and the budget all the workers share.
use serde::{Deserialize, Serialize};
use std::sync::atomic::{AtomicU64, Ordering};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    /// In the site already (an earlier run put it there).
    Present,
    /// Copied from a binary cache (narinfo, NAR and signatures kept).
    Cache,
    /// Downloaded from one of its urls, its hash checked.
    Url,
    /// Realised with the local Nix (`--build`).
    Built,
    /// Every url failed (gone, unreachable, cut off).
    Dead,
    /// A url answered with other bytes than the hash says.
    HashMismatch,
    /// Not from a download alone (git, svn, hg, a vendor hash …) and no `--build`.
    NeedsBuild,
    /// requireFile: someone must download it by hand (manual.txt of the scan says how).
    Manual,
    /// Left out: the disk budget (`--max-size`) was spent on sources more attributes need.
    OverBudget,
    /// `--build` tried and Nix failed.
    BuildFailed,
    /// The site's disk filled up: nothing of it was left half written.
    DiskFull,
    /// Writing the site failed otherwise.
    Error,
}

impl Status {
    pub fn got(self) -> bool {
        matches!(
            self,
            Status::Present | Status::Cache | Status::Url | Status::Built
        )
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Present => "present",
            Status::Cache => "cache",
            Status::Url => "url",
            Status::Built => "built",
            Status::Dead => "dead",
            Status::HashMismatch => "hash-mismatch",
            Status::NeedsBuild => "needs-build",
            Status::Manual => "manual",
            Status::OverBudget => "over-budget",
            Status::BuildFailed => "build-failed",
            Status::DiskFull => "disk-full",
            Status::Error => "error",
        }
    }
}

/// One line of mirror.jsonl.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Outcome {
    #[serde(rename = "outPath")]
    pub out_path: String,
    pub name: String,
    pub status: Status,
    /// The cache or url it came from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    /// Why it is missing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub why: Option<String>,
    /// What it added to the site's disk (NAR and plain file).
    #[serde(default)]
    pub bytes: u64,
}

/// What a fetcher found for one FOD.
pub enum Fared {
    Got { from: String, bytes: u64 },
    Missing(Status, String),
}

impl Fared {
    pub fn missing(status: Status, why: impl Into<String>) -> Fared {
        Fared::Missing(status, why.into())
    }

    /// What writing the site failing means: a full disk, or another error.
    pub fn local(e: &anyhow::Error) -> Fared {
        // tempfile wraps an error of its files in one that names the path: the kind remains.
        let full = e.chain().any(|c| {
            c.downcast_ref::<std::io::Error>().is_some_and(|io| {
                io.raw_os_error() == Some(libc::ENOSPC)
                    || io.kind() == std::io::ErrorKind::StorageFull
            })
        });
        let status = if full {
            Status::DiskFull
        } else {
            Status::Error
        };
        Fared::missing(status, format!("{e:#}"))
    }
}

/// The disk budget (`--max-size`): bytes are taken before they are put in place.
pub struct Budget {
    max: Option<u64>,
    used: AtomicU64,
}

impl Budget {
    pub fn new(max: Option<u64>, used: u64) -> Budget {
        Budget {
            max,
            used: AtomicU64::new(used),
        }
    }

    /// Takes `n` bytes when they fit.
    pub fn take(&self, n: u64) -> bool {
        let Some(max) = self.max else {
            self.used.fetch_add(n, Ordering::Relaxed);
            return true;
        };
        self.used
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |u| {
                (u + n <= max).then_some(u + n)
            })
            .is_ok()
    }

    /// Whether `n` more bytes could fit now (a download's announced size, before it starts).
    pub fn fits(&self, n: u64) -> bool {
        self.max
            .is_none_or(|max| self.used.load(Ordering::Relaxed) + n <= max)
    }

    pub fn used(&self) -> u64 {
        self.used.load(Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_budget_takes_what_fits() {
        let b = Budget::new(Some(100), 30);
        assert!(b.fits(70) && !b.fits(71));
        assert!(b.take(60));
        assert!(!b.take(11), "30 + 60 + 11 > 100");
        assert!(b.take(10));
        assert_eq!(b.used(), 100);
        let none = Budget::new(None, 0);
        assert!(none.take(u64::MAX / 2) && none.fits(u64::MAX / 2));
    }

    #[test]
    fn a_full_disk_is_told_apart() {
        let full = anyhow::Error::from(std::io::Error::from_raw_os_error(libc::ENOSPC))
            .context("putting nar/x.nar");
        assert!(matches!(
            Fared::local(&full),
            Fared::Missing(Status::DiskFull, _)
        ));
        let wrapped = std::io::Error::new(std::io::ErrorKind::StorageFull, "at path /x");
        assert!(matches!(
            Fared::local(&wrapped.into()),
            Fared::Missing(Status::DiskFull, _)
        ));
        let other = anyhow::anyhow!("permission denied");
        assert!(matches!(
            Fared::local(&other),
            Fared::Missing(Status::Error, _)
        ));
    }
}

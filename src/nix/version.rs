//! Which `nix-instantiate` runs, and whether it is new enough.
use crate::error::{BadInput, bad};
use std::path::{Path, PathBuf};
use std::process::Command;

/// `nix-instantiate` from PATH.
pub fn find_nix_instantiate() -> Result<PathBuf, BadInput> {
    std::env::var_os("PATH")
        .iter()
        .flat_map(std::env::split_paths)
        .map(|d| d.join("nix-instantiate"))
        .find(|p| p.is_file())
        .ok_or_else(|| {
            bad("no nix-instantiate on PATH: install Nix (Debian: apt-get install nix-bin)")
        })
}

/// The oldest Nix whose `nix-instantiate` has everything the harness uses (`--read-write-mode`
/// with `--store`, `restrict-eval`, `allow-import-from-derivation`).
const MIN_NIX: (u32, u32) = (2, 3);

/// The `major.minor` in what `--version` printed: `nix-instantiate (Nix) 2.8.0`, or Lix's
/// `nix-instantiate (Lix, like Nix) 2.91.1`.
pub fn parse_version(text: &str) -> Option<(u32, u32)> {
    text.split_whitespace().rev().find_map(|w| {
        let mut parts = w.split('.').map(|p| p.parse::<u32>());
        match (parts.next(), parts.next()) {
            (Some(Ok(a)), Some(Ok(b))) => Some((a, b)),
            _ => None,
        }
    })
}

/// Refuses a `nix-instantiate` older than [`MIN_NIX`]; Lix ("Lix, like Nix") passes by its
/// Nix-compatible version number.
pub fn check_nix_version(nix: &Path) -> Result<(), BadInput> {
    let out = Command::new(nix)
        .arg("--version")
        .output()
        .map_err(|e| bad(format!("cannot run {}: {e}", nix.display())))?;
    let text = String::from_utf8_lossy(&out.stdout);
    match parse_version(&text) {
        Some(v) if v >= MIN_NIX => Ok(()),
        Some((a, b)) => Err(bad(format!(
            "{} is Nix {a}.{b}, too old: fodfuzz needs Nix {}.{} or newer",
            nix.display(),
            MIN_NIX.0,
            MIN_NIX.1
        ))),
        None => Err(bad(format!(
            "{} printed no version: {:?}",
            nix.display(),
            text.trim()
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_of_nix_and_lix() {
        assert_eq!(parse_version("nix-instantiate (Nix) 2.8.0\n"), Some((2, 8)));
        assert_eq!(parse_version("nix-instantiate (Nix) 2.26.3"), Some((2, 26)));
        assert_eq!(
            parse_version("nix-instantiate (Lix, like Nix) 2.91.1"),
            Some((2, 91))
        );
        assert_eq!(parse_version("nix-instantiate"), None);
    }
}

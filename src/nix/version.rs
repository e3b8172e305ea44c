//! Which Nix runs, found once: `nix-instantiate` for the checks before a scan and `nix` for the
//! workers' `nix repl`, both from PATH, and whether they are new enough.
use crate::error::{BadInput, bad};
use std::path::{Path, PathBuf};
use std::process::Command;

/// The Nix a scan runs.
#[derive(Clone, Debug)]
pub struct Nix {
    pub instantiate: PathBuf,
    /// `nix`, whose `repl` the workers run.
    pub nix: PathBuf,
}

impl Nix {
    /// Finds `nix-instantiate` and `nix` on PATH and checks the version.
    pub fn find() -> Result<Nix, BadInput> {
        let instantiate = on_path("nix-instantiate")?;
        // The `nix` beside nix-instantiate, so that both are one installation.
        let beside = instantiate.with_file_name("nix");
        let nix = if beside.is_file() {
            beside
        } else {
            on_path("nix")?
        };
        check_nix_version(&instantiate)?;
        Ok(Nix { instantiate, nix })
    }
}

fn on_path(name: &str) -> Result<PathBuf, BadInput> {
    std::env::var_os("PATH")
        .iter()
        .flat_map(std::env::split_paths)
        .map(|d| d.join(name))
        .find(|p| p.is_file())
        .ok_or_else(|| {
            bad(format!(
                "no {name} on PATH: install Nix (Debian: apt-get install nix-bin)"
            ))
        })
}

/// The oldest Nix with everything the workers use: `nix repl` (behind the `nix-command`
/// experimental feature from 2.4 on, which older versions do not know how to enable),
/// `--log-format internal-json`, `--store`, `restrict-eval`, `allow-import-from-derivation`.
const MIN_NIX: (u32, u32) = (2, 4);

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

/// The `major.minor` of the Nix at `nix` (`None` when it prints none).
pub fn of(nix: &Path) -> Option<(u32, u32)> {
    parse_version(&version_text(nix).ok()?)
}

/// What `nix --version` prints.
fn version_text(nix: &Path) -> std::io::Result<String> {
    let out = Command::new(nix).arg("--version").output()?;
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Refuses a `nix-instantiate` older than [`MIN_NIX`]; Lix ("Lix, like Nix") passes by its
/// Nix-compatible version number.
fn check_nix_version(nix: &Path) -> Result<(u32, u32), BadInput> {
    let text = version_text(nix).map_err(|e| bad(format!("cannot run {}: {e}", nix.display())))?;
    match parse_version(&text) {
        Some(v) if v >= MIN_NIX => Ok(v),
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

    use proptest::prelude::*;

    proptest! {
        /// Any text: a version or none, never a panic.
        #[test]
        fn any_text_is_an_answer(text in "(?s)(nix-instantiate \\(Nix\\) )?[0-9.+\\s-]{0,20}.{0,20}") {
            let _ = parse_version(&text);
        }

        /// `major.minor[.patch]` of any numbers reads back; a number alone, a part too big for
        /// u32, or digits that are not ASCII, do not.
        #[test]
        fn versions_and_near_misses(a: u32, b: u32, patch in "(\\.[0-9a-z]{1,4})?") {
            let v = format!("nix-instantiate (Nix) {a}.{b}{patch}\n");
            prop_assert_eq!(parse_version(&v), Some((a, b)));
            prop_assert_eq!(parse_version(&format!("nix-instantiate (Nix) {a}")), None);
            prop_assert_eq!(parse_version(&format!("nix-instantiate (Nix) {a}.")), None);
            let big = u64::from(u32::MAX) + 1 + u64::from(a);
            prop_assert_eq!(parse_version(&format!("nix (Nix) {big}.{b}")), None);
            prop_assert_eq!(parse_version("nix (Nix) ２.８"), None);
        }
    }
}

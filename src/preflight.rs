//! Checks of the user's input before anything runs: each problem is one clear line and exit 2.
use std::path::{Path, PathBuf};
use std::process::Command;

/// Input the user must fix; `main` prints it as one line and exits with status 2.
#[derive(Debug)]
pub struct BadInput(pub String);

impl std::fmt::Display for BadInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for BadInput {}

pub fn bad(msg: impl Into<String>) -> BadInput {
    BadInput(msg.into())
}

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

/// Refuses a `nix-instantiate` older than [`MIN_NIX`]; Lix ("Lix, like Nix") passes by its
/// Nix-compatible version number.
pub fn check_nix_version(nix: &Path) -> Result<(), BadInput> {
    let out = Command::new(nix)
        .arg("--version")
        .output()
        .map_err(|e| bad(format!("cannot run {}: {e}", nix.display())))?;
    let text = String::from_utf8_lossy(&out.stdout);
    let version = text.split_whitespace().rev().find_map(|w| {
        let mut parts = w.split('.').map(|p| p.parse::<u32>());
        match (parts.next(), parts.next()) {
            (Some(Ok(a)), Some(Ok(b))) => Some((a, b)),
            _ => None,
        }
    });
    match version {
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

/// The first `error:` line Nix printed, with its position line when it has one.
fn nix_error(stderr: &[u8]) -> String {
    let text = String::from_utf8_lossy(stderr);
    let mut lines = text.lines().map(str::trim).filter(|l| !l.is_empty());
    let first = lines
        .by_ref()
        .find(|l| l.starts_with("error:"))
        .unwrap_or("nix-instantiate failed")
        .to_owned();
    match lines.find(|l| l.starts_with("at ")) {
        Some(at) => format!("{first} ({})", at.trim_end_matches(':')),
        None => first,
    }
}

/// The tree must exist and evaluate to a function (what `import nixpkgs { … }` calls).
pub fn check_tree(nix: &Path, tree: &Path) -> Result<PathBuf, BadInput> {
    let tree = tree
        .canonicalize()
        .map_err(|e| bad(format!("{}: {e}", tree.display())))?;
    if tree.is_dir() && !tree.join("default.nix").is_file() {
        return Err(bad(format!(
            "{} is not a package collection: it has no default.nix",
            tree.display()
        )));
    }
    let out = Command::new(nix)
        .args([
            "--store",
            "dummy://",
            "--eval",
            "--readonly-mode",
            "--argstr",
            "tree",
        ])
        .arg(&tree)
        .args(["-E", "{ tree }: builtins.isFunction (import tree)"])
        .output()
        .map_err(|e| bad(format!("cannot run {}: {e}", nix.display())))?;
    if !out.status.success() {
        return Err(bad(format!(
            "{} is not a package collection: {}",
            tree.display(),
            nix_error(&out.stderr)
        )));
    }
    if String::from_utf8_lossy(&out.stdout).trim() != "true" {
        return Err(bad(format!(
            "{} is not a package collection: it does not evaluate to a function",
            tree.display()
        )));
    }
    Ok(tree)
}

/// A `--config` must parse as a Nix expression.
pub fn check_config(nix: &Path, expr: &str) -> Result<(), BadInput> {
    parses(nix, expr).map_err(|e| bad(format!("invalid config expression {expr:?}: {e}")))
}

/// A target expression (`--expr`, or what `--file`/`--attr` stand for) must parse.
pub fn check_expr(nix: &Path, expr: &str) -> Result<(), BadInput> {
    parses(nix, expr).map_err(|e| bad(format!("invalid target expression {expr:?}: {e}")))
}

fn parses(nix: &Path, expr: &str) -> Result<(), String> {
    let out = Command::new(nix)
        .args(["--store", "dummy://", "--parse", "-E", expr])
        .output()
        .map_err(|e| format!("cannot run {}: {e}", nix.display()))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(nix_error(&out.stderr))
    }
}

/// The output directory must be creatable and writable.
pub fn check_out_dir(dir: &Path) -> Result<(), BadInput> {
    let probe = dir.join(".fodfuzz-write-test");
    std::fs::create_dir_all(dir)
        .and_then(|_| std::fs::write(&probe, b""))
        .and_then(|_| std::fs::remove_file(&probe))
        .map_err(|e| {
            bad(format!(
                "cannot write to output directory {}: {e}",
                dir.display()
            ))
        })
}

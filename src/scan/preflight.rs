//! Checks of the user's input before anything runs: each problem is one clear line and exit 2.
use crate::error::{BadInput, bad};
use crate::nix::command::NixCommand;
use crate::nix::errors::first_error;
use std::path::{Path, PathBuf};

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
    let out = NixCommand::eval(nix)
        .no_store()
        .argstr("tree", &tree)
        .expr("{ tree }: builtins.isFunction (import tree)")
        .into_std()
        .output()
        .map_err(|e| bad(format!("cannot run {}: {e}", nix.display())))?;
    if !out.status.success() {
        return Err(bad(format!(
            "{} is not a package collection: {}",
            tree.display(),
            first_error(&out.stderr)
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

/// A `--config` must parse, and evaluate (under the workers' restrictions, reading only what
/// `allow` opens) to an attribute set.
pub fn check_config(nix: &Path, expr: &str, allow: &[String]) -> Result<(), BadInput> {
    let invalid = |e: String| bad(format!("invalid config expression {expr:?}: {e}"));
    parses(nix, expr).map_err(invalid)?;
    let out = allow
        .iter()
        .fold(NixCommand::eval(nix).no_store().restricted(), |n, a| {
            n.include(a)
        })
        .expr(&format!("builtins.isAttrs ({expr}\n)"))
        .into_std()
        .output()
        .map_err(|e| bad(format!("cannot run {}: {e}", nix.display())))?;
    if !out.status.success() {
        let e = first_error(&out.stderr);
        let hint = if e.contains("forbidden in restricted mode") {
            " (a scan reads only the tree and what --allow PATH adds)"
        } else {
            ""
        };
        return Err(invalid(format!("{e}{hint}")));
    }
    if String::from_utf8_lossy(&out.stdout).trim() != "true" {
        return Err(invalid(
            "it is not an attribute set (nixpkgs' config is one, e.g. { allowUnfree = true; })"
                .into(),
        ));
    }
    Ok(())
}

/// A target expression (`--expr`, or what `--file`/`--attr` stand for) must parse.
pub fn check_expr(nix: &Path, expr: &str) -> Result<(), BadInput> {
    parses(nix, expr).map_err(|e| bad(format!("invalid target expression {expr:?}: {e}")))
}

fn parses(nix: &Path, expr: &str) -> Result<(), String> {
    let out = NixCommand::parse(nix)
        .expr(expr)
        .into_std()
        .output()
        .map_err(|e| format!("cannot run {}: {e}", nix.display()))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(first_error(&out.stderr))
    }
}

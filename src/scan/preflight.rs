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
    check_nix_features(nix, &tree)?;
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

/// A nixpkgs of 2023 on names the Nix features it needs in `lib/minfeatures.nix` and aborts
/// with a long message when one is missing; before the scan, that is one line naming both
/// versions and where a newer Nix comes from. A tree without the file passes.
fn check_nix_features(nix: &Path, tree: &Path) -> Result<(), BadInput> {
    let file = tree.join("lib/minfeatures.nix");
    if !file.is_file() {
        return Ok(());
    }
    let out = NixCommand::eval(nix)
        .no_store()
        .argstr("file", &file)
        .expr("{ file }: map (f: f.description) (import file).missing")
        .into_std()
        .args(["--strict", "--json"])
        .output()
        .map_err(|e| bad(format!("cannot run {}: {e}", nix.display())))?;
    // A file that does not evaluate is left to the tree's own check, which says why.
    let missing: Vec<String> = serde_json::from_slice(&out.stdout).unwrap_or_default();
    if missing.is_empty() {
        return Ok(());
    }
    let ours = crate::nix::version::of(nix)
        .map_or("an unknown version".to_owned(), |(a, b)| format!("{a}.{b}"));
    let wanted = missing.iter().find_map(|m| needed_version(m));
    let needs = wanted.map_or("a newer Nix".to_owned(), |v| format!("Nix {v} or newer"));
    Err(bad(format!(
        "{} needs {needs} (lib/minfeatures.nix: {}), but {} is Nix {ours}: put a newer Nix first on PATH (Debian 13's nix-bin is 2.26; on Debian 12, .ci/nix-trixie installs it beside 2.8)",
        tree.display(),
        missing.join("; "),
        nix.display(),
    )))
}

/// The version in a feature's description, as nixpkgs writes it ("`builtins.nixVersion`
/// reports at least 2.18"): the word after "at least" when it is a version.
fn needed_version(description: &str) -> Option<&str> {
    let (_, after) = description.split_once("at least ")?;
    let word = after.split_whitespace().next()?;
    let word = word.trim_end_matches(|c: char| !c.is_ascii_digit());
    let ok = !word.is_empty()
        && word
            .split('.')
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
    ok.then_some(word)
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

#[cfg(test)]
mod tests {
    use super::needed_version;
    use proptest::prelude::*;

    #[test]
    fn the_version_nixpkgs_names() {
        let d = "`builtins.nixVersion` reports at least 2.18";
        assert_eq!(needed_version(d), Some("2.18"));
        assert_eq!(needed_version("reports at least 2.3.15."), Some("2.3.15"));
        assert_eq!(needed_version("the `nixVersion` builtin"), None);
        assert_eq!(needed_version("at least version two"), None);
        assert_eq!(needed_version("at least 2..3"), None);
    }

    proptest! {
        /// A description is the tree's text: any of it gives a version made of digits and dots,
        /// or none, and never panics.
        #[test]
        fn any_description_is_read_or_refused(
            before in ".{0,20}",
            after in "(\\PC|[0-9.]){0,20}",
        ) {
            let d = format!("{before}at least {after}");
            if let Some(v) = needed_version(&d) {
                prop_assert!(v.split('.').all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit())));
            }
            let _ = needed_version(&before);
        }
    }
}

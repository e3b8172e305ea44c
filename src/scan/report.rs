//! What a finished scan says on stderr: one line of counts, in the words and numbers
//! summary.json uses, then (unless quiet) where to look next. And the one failure that is the
//! user's input, not data: a root that fails in every cell.
use crate::error::{BadInput, bad};
use crate::model::{Failure, FailureKind};
use std::collections::BTreeMap;
use std::path::Path;

/// The counts of the final line.
pub struct Counts {
    pub cells: usize,
    pub attributes: u64,
    pub replayed: usize,
    /// Derivation attributes: summary.json's `derivations`.
    pub derivations: u64,
    /// `.drv` files in the graph: summary.json's `drvFiles`.
    pub drv_files: usize,
    pub fods: usize,
    pub failures: usize,
    pub wall: f64,
}

/// "1 cell", "8 cells".
pub fn count(n: impl Into<u64>, noun: &str) -> String {
    let n = n.into();
    format!("{n} {noun}{}", if n == 1 { "" } else { "s" })
}

pub fn final_line(c: &Counts, out: &Path) -> String {
    format!(
        "fodfuzz: {}, {} ({} from the journal), {} ({}), {}, {} in {:.1} s; wrote {}",
        count(c.cells as u64, "cell"),
        count(c.attributes, "attribute"),
        c.replayed,
        count(c.derivations, "derivation attribute"),
        count(c.drv_files as u64, ".drv file"),
        count(c.fods as u64, "FOD"),
        count(c.failures as u64, "failure"),
        c.wall,
        out.display()
    )
}

/// Where to look next, briefly, with the failures by kind.
pub fn next_steps(out: &Path, failures: &[Failure]) -> String {
    let mut kinds: BTreeMap<FailureKind, usize> = BTreeMap::new();
    for f in failures {
        *kinds.entry(f.kind).or_default() += 1;
    }
    let d = out.display();
    let mut lines = vec![
        format!(
            "next: {d}/fods.jsonl lists the sources (one FOD a line), {d}/store-paths their paths"
        ),
        format!("  fodfuzz why OUTPATH --in {d}         who reaches a source"),
        format!("  fodfuzz mirror {d} --site SITE       the offline site: every source, for Nix"),
        format!("  fodfuzz check {d}                    do the sources still download"),
        format!("  fodfuzz diff OLD_DIR {d}             what changed since another scan"),
    ];
    if !kinds.is_empty() {
        let list: Vec<String> = kinds.iter().map(|(k, n)| format!("{n} {k}")).collect();
        lines.push(format!(
            "{d}/failures.jsonl: attributes that did not evaluate, each costing only itself ({})",
            list.join(", ")
        ));
    }
    lines.join("\n")
}

/// What must not pass unnoticed even when quiet: attributes that wanted to read a file
/// restricted evaluation did not open (their FODs are missing from the results).
pub fn warnings(failures: &[Failure]) -> Option<String> {
    let forbidden: Vec<&Failure> = failures
        .iter()
        .filter(|f| f.kind == FailureKind::ForbiddenPath)
        .collect();
    let first = forbidden.first()?;
    Some(format!(
        "fodfuzz: warning: {} read outside what the scan may read (kind forbidden-path; e.g. {}: \
         {}): their FODs are missing; add what they need with --allow PATH",
        count(forbidden.len() as u64, "attribute"),
        if first.attr_path.is_empty() {
            "the root"
        } else {
            &first.attr_path
        },
        first.message
    ))
}

/// A scan whose root failed in every cell found nothing: the input is wrong. Nix's message,
/// with a hint for the usual mistakes.
pub fn root_failed(failures: &[Failure], cells: usize, target: &str) -> Option<BadInput> {
    let roots: Vec<&Failure> = failures.iter().filter(|f| f.attr_path.is_empty()).collect();
    if cells == 0 || roots.len() < cells {
        return None;
    }
    let message = &roots[0].message;
    let hint = if message.contains("'configuration'")
        || message.contains("unexpected argument 'system'")
        || message.contains("unexpected argument 'config'")
    {
        " (this looks like a function of a NixOS configuration, not a package collection: scan \
         a target instead, e.g. --expr '(import DIR { configuration = ./configuration.nix; }).system')"
    } else if roots[0].kind == FailureKind::ForbiddenPath {
        " (a scan reads only what it is allowed to: add the path with --allow PATH)"
    } else if roots[0].kind == FailureKind::Throw {
        " (a throw: --explain records its message)"
    } else {
        ""
    };
    Some(bad(format!(
        "{target} failed to evaluate, so nothing was scanned: {message}{hint}"
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn failure(attr: &str, kind: FailureKind, message: &str) -> Failure {
        Failure {
            attr_path: attr.into(),
            system: "x86_64-linux".into(),
            config: "{}".into(),
            kind,
            message: message.into(),
        }
    }

    #[test]
    fn one_word_one_number_and_plurals() {
        let c = Counts {
            cells: 1,
            attributes: 65,
            replayed: 0,
            derivations: 54,
            drv_files: 1,
            fods: 26,
            failures: 11,
            wall: 3.64,
        };
        assert_eq!(
            final_line(&c, Path::new("out")),
            "fodfuzz: 1 cell, 65 attributes (0 from the journal), 54 derivation attributes (1 .drv file), 26 FODs, 11 failures in 3.6 s; wrote out"
        );
    }

    #[test]
    fn a_root_failing_everywhere_is_bad_input_with_a_hint() {
        let nixos = failure(
            "",
            FailureKind::EvalError,
            "function 'anonymous lambda' called without required argument 'configuration'",
        );
        let e = root_failed(&[nixos.clone(), nixos.clone()], 2, "corpus/system").unwrap();
        assert!(e.0.contains("called without required argument"), "{e}");
        assert!(e.0.contains("--expr"), "{e}");
        // Only some cells' roots failing is data, and so are failures below the root.
        assert!(root_failed(&[nixos], 2, "t").is_none());
        let below = failure("a", FailureKind::Throw, "m");
        assert!(root_failed(&[below], 1, "t").is_none());
    }

    #[test]
    fn forbidden_paths_are_a_warning() {
        assert!(warnings(&[failure("a", FailureKind::Throw, "m")]).is_none());
        let f = failure(
            "p",
            FailureKind::ForbiddenPath,
            "access to absolute path '/x' is forbidden",
        );
        let w = warnings(&[f.clone(), f]).unwrap();
        assert!(w.contains("2 attributes") && w.contains("--allow"), "{w}");
    }

    #[test]
    fn next_steps_count_failures_by_kind() {
        let f = [
            failure("a", FailureKind::Throw, "m"),
            failure("b", FailureKind::Throw, "m"),
            failure("c", FailureKind::Timeout, "m"),
        ];
        let text = next_steps(Path::new("out"), &f);
        assert!(text.contains("(2 throw, 1 timeout)"), "{text}");
        assert!(text.contains("fodfuzz why OUTPATH --in out"), "{text}");
    }
}

//! Bad input: one line on stderr, exit status 2.
mod common;
use common::*;

fn rejects(args: &[&str], path: Option<&str>, expect: &str) {
    rejects_with(args, path, &[], expect)
}

fn rejects_with(args: &[&str], path: Option<&str>, env: &[(&str, &str)], expect: &str) {
    let mut cmd = fodfuzz();
    cmd.envs(env.iter().copied());
    if let Some(p) = path {
        cmd.env("PATH", p);
    }
    let o = run(cmd.args(args));
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
    assert_eq!(err.trim_end().lines().count(), 1, "one line: {err}");
    assert!(err.contains(expect), "{err:?} should mention {expect:?}");
}

#[test]
fn bad_trees_configs_and_matrices_are_one_line_and_exit_2() {
    let corpus = root().join("corpus/basic");
    let corpus = corpus.to_str().unwrap();
    let out = tmp("bad");
    let out_s = out.to_str().unwrap();
    rejects(
        &["scan", "/nonexistent/tree", "--out", out_s],
        None,
        "/nonexistent/tree",
    );
    let empty = tmp("bad-empty");
    rejects(
        &["scan", empty.to_str().unwrap(), "--out", out_s],
        None,
        "no default.nix",
    );
    let notfn = empty.join("set.nix");
    std::fs::write(&notfn, "{ a = 1; }").unwrap();
    rejects(
        &["scan", notfn.to_str().unwrap(), "--out", out_s],
        None,
        "does not evaluate to a function",
    );
    rejects(
        &[
            "scan",
            corpus,
            "--out",
            out_s,
            "--config",
            "{ allowBroken = true ",
        ],
        None,
        "invalid config expression",
    );
    rejects(
        &["scan", corpus, "--out", out_s, "--system", "x86_64linux"],
        None,
        "malformed system",
    );
    let matrix = empty.join("matrix.json");
    std::fs::write(&matrix, "{\"systems\": 3}").unwrap();
    rejects(
        &[
            "scan",
            corpus,
            "--out",
            out_s,
            "--matrix",
            matrix.to_str().unwrap(),
        ],
        None,
        "malformed matrix file",
    );
    // Nothing was written by any of these.
    assert_eq!(std::fs::read_dir(&out).unwrap().count(), 0);
}

#[test]
fn bad_environment_and_arguments_are_one_line_and_exit_2() {
    let corpus = root().join("corpus/basic");
    let corpus = corpus.to_str().unwrap();
    let out = tmp("bad-env");
    let out_s = out.to_str().unwrap();
    let no_nix = tmp("bad-nopath");
    rejects(
        &["scan", corpus, "--out", out_s],
        Some(no_nix.to_str().unwrap()),
        "no nix-instantiate on PATH",
    );
    rejects(
        &[
            "scan",
            corpus,
            "--out",
            "/proc/fodfuzz-cannot-write",
            "--system",
            "x86_64-linux",
        ],
        None,
        "cannot write",
    );
    rejects(
        &["why", "/nix/store/nothing", "--in", "/nonexistent/out"],
        None,
        "fods.jsonl",
    );
    rejects(
        &["scan", corpus, "--out", out_s, "--max-memory", "lots"],
        None,
        "malformed size",
    );
    let fake = format!(
        "{}:{}",
        root().join("tests/fake").display(),
        std::env::var("PATH").unwrap()
    );
    let old = [("FAKE_VERSION", "nix-instantiate (Nix) 1.11.16")];
    rejects_with(
        &["scan", corpus, "--out", out_s],
        Some(&fake),
        &old,
        "too old",
    );
    // Nothing was written by any of these.
    assert_eq!(std::fs::read_dir(&out).unwrap().count(), 0);
    // A directory holding an earlier scan needs --resume or --force.
    std::fs::write(out.join("fods.jsonl"), "").unwrap();
    rejects(
        &["scan", corpus, "--out", out_s, "--system", "x86_64-linux"],
        None,
        "not empty",
    );
}

/// A tree that needs a newer Nix than the one on PATH (written as nixpkgs writes it since 2023:
/// lib/minfeatures.nix, and a default.nix that aborts with a long message) is refused before
/// the scan in one line naming both versions and where a newer Nix comes from.
#[test]
fn a_tree_that_needs_a_newer_nix_says_so_in_one_line() {
    let tree = tmp("bad-newer-nix");
    std::fs::create_dir_all(tree.join("lib")).unwrap();
    std::fs::write(
        tree.join("lib/minfeatures.nix"),
        r#"let
  features = [
    { description = "the `nixVersion` builtin"; condition = builtins ? nixVersion; }
    { description = "`builtins.nixVersion` reports at least 99.1";
      condition = builtins.compareVersions "99.1" builtins.nixVersion != 1; }
  ];
  evaluated = builtins.partition ({ condition, ... }: condition) features;
in { all = features; supported = evaluated.right; missing = evaluated.wrong; }
"#,
    )
    .unwrap();
    std::fs::write(
        tree.join("default.nix"),
        "let missing = (import ./lib/minfeatures.nix).missing; in\n\
         if missing != [ ] then abort ''\n\n  This version of Nixpkgs requires a newer Nix.\n'' else { ... }: { }\n",
    )
    .unwrap();
    let out = tmp("bad-newer-nix-out");
    let o = run(fodfuzz().arg("scan").arg(&*tree).arg("--out").arg(&*out));
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert_eq!(err.trim_end().lines().count(), 1, "one line: {err}");
    assert!(err.contains("needs Nix 99.1 or newer"), "{err}");
    let ours = std::process::Command::new("nix-instantiate")
        .arg("--version")
        .output()
        .unwrap();
    let ours = String::from_utf8_lossy(&ours.stdout);
    let v: Vec<&str> = ours
        .split_whitespace()
        .last()
        .unwrap()
        .split('.')
        .take(2)
        .collect();
    assert!(err.contains(&format!("is Nix {}", v.join("."))), "{err}");
    assert!(err.contains("nix-trixie"), "{err}");
}

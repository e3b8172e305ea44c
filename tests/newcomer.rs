//! What a new user meets: mistakes refused with one line and exit 2, counts that agree between
//! the final line and summary.json, progress lines without a terminal, completions and man page.
mod common;
use common::*;
use std::path::Path;

/// One line on stderr mentioning each of `expect`, and exit status 2.
fn refused(o: &std::process::Output, expect: &[&str]) {
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert_eq!(err.trim_end().lines().count(), 1, "one line: {err}");
    for e in expect {
        assert!(err.contains(e), "{err:?} should mention {e:?}");
    }
}

fn scan(args: &[&str], out: &Path) -> std::process::Output {
    run(fodfuzz().arg("scan").args(args).arg("--out").arg(out))
}

#[test]
fn a_root_that_fails_everywhere_is_bad_input_with_nixs_message() {
    let dir = tmp("root-fails");
    let system = root().join("corpus/system");
    let o = scan(&[system.to_str().unwrap(), "-q"], &dir.join("nixos"));
    refused(&o, &["without required argument 'configuration'", "--expr"]);
    let typo = format!(
        "(import {} {{ configuration = {}/configuration.nix; }}).sytem",
        system.display(),
        system.display()
    );
    let o = scan(&["--expr", &typo, "-q"], &dir.join("typo"));
    refused(&o, &["attribute 'sytem' missing"]);
}

#[test]
fn a_config_must_be_a_readable_attribute_set() {
    let dir = tmp("config");
    let corpus = root().join("corpus/basic");
    let corpus = corpus.to_str().unwrap();
    let o = scan(
        &[corpus, "--system", "x86_64-linux", "--config", "true"],
        &dir.join("t"),
    );
    refused(&o, &["invalid config expression", "not an attribute set"]);
    // A file the config imports is read; without it, the unfree package's FOD would be missing.
    std::fs::write(dir.join("cfg.nix"), "{ allowUnfree = true; }").unwrap();
    let o = run(fodfuzz()
        .current_dir(&*dir)
        .args([
            "scan",
            corpus,
            "--out",
            "imported",
            "-q",
            "--attr-timeout",
            "3",
        ])
        .args(["--system", "x86_64-linux", "--config", "import ./cfg.nix"]));
    assert!(o.status.success());
    let fods = std::fs::read_to_string(dir.join("imported/fods.jsonl")).unwrap();
    assert!(
        fods.contains("unfree-pkg-5.0.tar.gz"),
        "the unfree package's source"
    );
    // A config that reads what restricted evaluation does not open is refused, naming --allow.
    let outside = tmp("config-outside");
    std::fs::write(outside.join("cfg.nix"), "{ }").unwrap();
    let reads = format!(
        "import {}/cfg.nix // import /etc/hostname",
        outside.display()
    );
    let o = scan(
        &[corpus, "--system", "x86_64-linux", "--config", &reads],
        &dir.join("f"),
    );
    refused(&o, &["invalid config expression"]);
}

#[test]
fn resume_needs_a_scan_and_names_what_differs() {
    let dir = tmp("resume-args");
    let corpus = root().join("corpus/basic");
    let corpus = corpus.to_str().unwrap();
    let o = scan(&[corpus, "--resume", "-q"], &dir.join("nothing"));
    refused(&o, &["nothing to resume"]);
    let out = dir.join("scan");
    let one = [
        "--system",
        "x86_64-linux",
        "--config",
        "{}",
        "-q",
        "--attr-timeout",
        "3",
    ];
    assert!(scan(&[&[corpus][..], &one].concat(), &out).status.success());
    let other = [
        "--system",
        "x86_64-linux",
        "--config",
        "{}",
        "-q",
        "--max-depth",
        "3",
    ];
    let o = scan(&[&[corpus, "--resume"][..], &other].concat(), &out);
    refused(&o, &["depth (--max-depth) (was 8, now 3)"]);
}

#[test]
fn the_final_line_and_summary_json_agree() {
    let out = tmp("counts");
    let corpus = root().join("corpus/basic");
    let corpus = corpus.to_str().unwrap();
    let cell = [
        "--system",
        "x86_64-linux",
        "--config",
        "{}",
        "--attr-timeout",
        "3",
    ];
    let o = scan(&[&[corpus][..], &cell].concat(), &out);
    assert!(o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    let line = err
        .lines()
        .find(|l| l.contains(" derivation attributes"))
        .unwrap();
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    let t = &summary["totals"];
    for (n, word) in [
        (&t["attributesVisited"], "attributes"),
        (&t["derivations"], "derivation attributes"),
        (&t["drvFiles"], ".drv files"),
        (&t["fods"], "FODs"),
        (&t["failures"], "failures"),
    ] {
        assert!(
            line.contains(&format!("{n} {word}")),
            "{line:?} lacks {n} {word}"
        );
    }
    assert!(line.starts_with("fodfuzz: 1 cell,"), "{line}");
    // Quiet still prints that line (and only the progress goes).
    let quiet = tmp("counts-quiet");
    let o = scan(&[&[corpus, "-q"][..], &cell].concat(), &quiet);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.lines().any(|l| l.contains(" derivation attributes")),
        "{err}"
    );
    assert!(!err.contains("next:"), "{err}");
}

#[test]
fn without_a_terminal_a_line_comes_during_a_slow_attribute() {
    let out = tmp("slow-lines");
    let (cmd, _tree) = fake_scan("slow-lines", &out);
    // The fake's `slow` sleeps 25 s; nothing else arrives meanwhile. fake_scan passes --quiet:
    // a later --quiet cannot be taken back, so the test builds its own argument list.
    let args: Vec<String> = cmd
        .get_args()
        .map(|a| a.to_string_lossy().into_owned())
        .filter(|a| a != "--quiet")
        .collect();
    let envs: Vec<(String, String)> = cmd
        .get_envs()
        .filter_map(|(k, v)| Some((k.to_str()?.to_owned(), v?.to_str()?.to_owned())))
        .collect();
    let o = run(fodfuzz()
        .args(&args)
        .envs(envs)
        .env("FAKE_ROOT", "a-ok slow")
        .args(["--attr-timeout", "60"]));
    assert!(o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    let lines = err.lines().filter(|l| l.contains(" attrs ")).count();
    assert!(lines >= 2, "a progress line every 10 s: {err}");
}

#[test]
fn completions_and_man_page_come_from_the_same_definitions() {
    for shell in ["bash", "zsh", "fish"] {
        let o = run(fodfuzz().args(["completions", shell]));
        assert!(o.status.success());
        let text = String::from_utf8(o.stdout).unwrap();
        for sub in ["scan", "why", "diff", "missing"] {
            assert!(text.contains(sub), "{shell} completion lacks {sub}");
        }
    }
    let o = run(fodfuzz().arg("man"));
    let page = String::from_utf8(o.stdout).unwrap();
    assert!(
        page.starts_with(".ie") || page.contains(".TH fodfuzz"),
        "roff: {}",
        &page[..80]
    );
    assert!(page.contains(".TH fodfuzz-scan") && page.contains("attr\\-timeout"));
}

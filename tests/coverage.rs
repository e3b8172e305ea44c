//! Coverage of corpus/coverage: every scan of a tree writes coverage.json exactly as
//! expected.json says (one cell, then a matrix counted for one system by `fodfuzz coverage`),
//! coverage.txt and an HTML report that headless Chromium shows with its counts; `fodfuzz
//! coverage --inputs` prints what a configuration search can vary.
mod common;

use common::*;
use serde_json::Value;
use std::path::Path;

fn expected() -> Value {
    let text = std::fs::read_to_string(root().join("corpus/coverage/expected.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn args(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap().to_owned())
        .collect()
}

/// Scans corpus/coverage into `out` with `args`.
fn scan(out: &Path, args: &[String]) {
    let o = run(fodfuzz()
        .arg("scan")
        .arg(root().join("corpus/coverage"))
        .arg("--out")
        .arg(out)
        .arg("--force")
        .arg("--quiet")
        .args(args));
    assert!(o.status.success(), "scan failed");
}

fn json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap()
}

/// Each file's unreached literals, for a readable difference when the whole does not match.
fn assert_coverage(got: &Value, want: &Value) {
    let files = |v: &Value| -> Vec<Value> { v["files"].as_array().unwrap().clone() };
    for (g, w) in files(got).iter().zip(files(want).iter()) {
        assert_eq!(g, w, "coverage of {}", w["file"]);
    }
    assert_eq!(got, want);
}

#[test]
fn one_cell_coverage_is_exact() {
    let want = expected();
    let out = tmp("coverage-one");
    scan(&out, &args(&want["args"]));
    assert_coverage(&json(&out.join("coverage.json")), &want["coverage"]);
    let text = std::fs::read_to_string(out.join("coverage.txt")).unwrap();
    let mut lines = text.lines();
    assert_eq!(
        lines.next(),
        Some("12 of 30 hash literals reached (40.0 %)")
    );
    assert_eq!(
        lines.next(),
        Some(
            "not reached: dead-file 1, eval-time-fetch 1, import-from-derivation 1, other-system 4, eval-failure 3, needs-config 3, needs-override 1, unused-entry 4"
        )
    );
    assert!(text.contains("\npkgs/browser: 1 of 4 (25.0 %)\n"), "{text}");
    assert!(
        text.contains("  1 of 4       25.0 %  pkgs/browser/sources.nix  (other-system)"),
        "{text}"
    );
    check_html(&out);
}

/// A matrix reaches what only other systems and configs reach; counted for x86_64-linux alone,
/// those literals are `other-system` with the systems that reach them.
#[test]
fn matrix_reaches_more_and_counts_per_system() {
    let want = expected();
    let out = tmp("coverage-matrix");
    scan(&out, &args(&want["matrix"]["args"]));
    let all = json(&out.join("coverage.json"));
    assert_eq!(all["reached"], want["matrix"]["reached"]);
    let one = tmp("coverage-matrix-x86_64");
    let o = run(fodfuzz()
        .arg("coverage")
        .arg(root().join("corpus/coverage"))
        .arg("--in")
        .arg(&out)
        .arg("--out")
        .arg(&one)
        .args(["--system", "x86_64-linux"]));
    assert!(o.status.success());
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(
        stderr.contains("18 of 30 hash literals reached (60.0 %)"),
        "{stderr}"
    );
    assert_coverage(
        &json(&one.join("coverage.json")),
        &want["matrix"]["x86_64-linux"],
    );
    assert!(one.join("coverage/index.html").is_file());
}

#[test]
fn inputs_of_a_configuration_search() {
    let want = expected();
    let out = tmp("coverage-inputs");
    scan(&out, &args(&want["args"]));
    let o = run(fodfuzz()
        .arg("coverage")
        .arg(root().join("corpus/coverage"))
        .arg("--in")
        .arg(&out)
        .args(["--inputs", "--quiet"]));
    assert!(o.status.success());
    let got: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(got, want["inputs"]);
}

#[test]
fn coverage_of_what_is_not_a_scan_is_bad_input() {
    let empty = tmp("coverage-bad");
    let tree = root().join("corpus/coverage");
    for (tree, scan) in [
        (tree.as_path(), empty.as_ref()),
        (empty.as_ref(), tree.as_path()),
    ] {
        let o = run(fodfuzz().arg("coverage").arg(tree).arg("--in").arg(scan));
        assert_eq!(o.status.code(), Some(2));
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
    }
}

fn check_html(out: &Path) {
    let index = chromium(&out.join("coverage/index.html"));
    assert!(
        index.contains("<p id=\"totals\">12 of 30 hash literals reached (40.0 %)</p>"),
        "{index}"
    );
    assert!(
        index.contains("<td>other-system</td><td class=\"num\">4</td>"),
        "{index}"
    );
    assert!(index.contains("<a href=\"pkgs/browser/index.html\">pkgs/browser</a>"));
    let dir = chromium(&out.join("coverage/pkgs/browser/index.html"));
    assert!(
        dir.contains("<a href=\"sources.nix.html\">sources.nix</a>"),
        "{dir}"
    );
    assert!(dir.contains("25.0 %"), "{dir}");
    let file = chromium(&out.join("coverage/pkgs/browser/sources.nix.html"));
    assert!(
        file.contains("1 of 4 hash literals reached (25.0 %)"),
        "{file}"
    );
    assert!(file.contains("<span id=\"L3\" class=\"hit\">"), "{file}");
    assert!(file.contains("<span id=\"L5\" class=\"miss\">"), "{file}");
    assert!(
        file.contains("◀ needs-config: i18n.defaultLocale = \"de\"</span>"),
        "{file}"
    );
}

/// Newer nixpkgs' idioms (corpus/modern): by-name packages are live files owned by their
/// directory's name, an SRI hash and a vendorHash literal are reached, a structured-attributes
/// fetch's url is read from `__json` for check, and the inner fixed output is not checkable
/// from a download.
#[test]
fn modern_idioms_are_covered_and_checked() {
    let dir = root().join("corpus/modern");
    let want: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("expected.json")).unwrap()).unwrap();
    let out = tmp("modern");
    let o = run(fodfuzz()
        .arg("scan")
        .arg(&dir)
        .arg("--out")
        .arg(&out)
        .args(["--system", "x86_64-linux", "--config", "{}", "-q"]));
    assert!(o.status.success());
    // interp.pkgs and interp.tests.overridden.pkgs; server.tests.vm.nodes.machine.
    let totals = &json(&out.join("summary.json"))["totals"];
    assert_eq!(
        (&totals["packageSetsPruned"], &totals["nixosPruned"]),
        (&2.into(), &1.into())
    );
    let cov = json(&out.join("coverage.json"));
    assert_eq!(cov["literals"], want["coverage"]["literals"]);
    assert_eq!(cov["reached"], want["coverage"]["reached"]);
    let unreached: Vec<Value> = cov["files"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|f| {
            f["unreached"].as_array().unwrap().iter().map(move |u| {
                serde_json::json!({"file": f["file"], "line": u["line"], "reason": u["reason"], "detail": u["detail"]})
            })
        })
        .collect();
    assert_eq!(Value::Array(unreached), want["coverage"]["unreached"]);
    let o = run(fodfuzz()
        .arg("check")
        .arg(&out)
        .args(["--retries", "0", "--max-age", "0", "-q"]));
    assert_eq!(o.status.code(), Some(1), "the loopback urls refuse");
    let lines = jsonl(&out.join("check.jsonl"));
    let by_name = |n: &str| lines.iter().find(|l| l["name"] == n).unwrap().clone();
    assert_eq!(
        by_name("structured-1.0.tar.gz")["url"],
        "http://127.0.0.1:1/structured-1.0.tar.gz"
    );
    let vendor = by_name("go-tool-0.3-go-modules");
    assert_eq!(
        (vendor["status"].as_str(), vendor["reason"].as_str()),
        (
            Some("unchecked"),
            Some("a goModules dependency set: its lockfile's downloads, made by a build")
        )
    );
}

//! fods.jsonl grows with the FODs, not with FODs × derivations: in a generated collection
//! where every package shares a bootstrap source (through a stdenv) and a tool's source (as a
//! direct input), the lines of those two stay the same size however many packages there are,
//! while `why --all` still lists every one.
mod common;
use common::*;
use serde_json::Value;
use std::path::Path;

/// A collection of `n` packages, each with a source of its own, the shared tool source as an
/// input and a stdenv whose only input is the bootstrap source.
fn collection(dir: &Path, n: usize) {
    let text = format!(
        r#"{{ system ? builtins.currentSystem, config ? {{}} }}:
let
  fixed = name: derivation {{
    inherit name system;
    builder = "builtin:fetchurl";
    url = "http://example.org/${{name}}";
    outputHashMode = "flat";
    outputHashAlgo = "sha256";
    outputHash = builtins.hashString "sha256" name;
  }};
  boot = fixed "bootstrap-tools.tar.xz";
  tool = fixed "tool-1.0.tar.gz";
  stdenv = derivation {{ name = "stdenv"; inherit system boot; builder = "/bin/sh"; }};
  package = i: derivation {{
    name = "pkg-${{toString i}}";
    inherit system stdenv tool;
    src = fixed "pkg-${{toString i}}.tar.gz";
    builder = "/bin/sh";
  }};
  packages = builtins.genList (i: {{ name = "pkg${{toString i}}"; value = package i; }}) {n};
in {{ inherit stdenv; }} // builtins.listToAttrs packages
"#
    );
    std::fs::write(dir.join("default.nix"), text).unwrap();
}

/// Scans a collection of `n` packages; its fods.jsonl lines and output directory.
fn scan(n: usize) -> (Vec<(String, Value)>, Tmp) {
    let tree = tmp(&format!("reach-size-{n}-tree"));
    collection(&tree, n);
    let out = tmp(&format!("reach-size-{n}"));
    let o = run(fodfuzz()
        .arg("scan")
        .arg(&*tree)
        .arg("--out")
        .arg(&*out)
        .args(["--system", "x86_64-linux", "--config", "{}", "--quiet"]));
    assert!(o.status.success());
    let text = std::fs::read_to_string(out.join("fods.jsonl")).unwrap();
    let lines = text
        .lines()
        .map(|l| (l.to_owned(), serde_json::from_str(l).unwrap()))
        .collect();
    (lines, out)
}

fn named<'a>(lines: &'a [(String, Value)], name: &str) -> &'a (String, Value) {
    lines.iter().find(|(_, v)| v["name"] == name).unwrap()
}

fn attrs(v: &Value) -> Vec<&str> {
    let reached = v["reachedBy"].as_array().unwrap();
    reached
        .iter()
        .map(|r| r["attrPath"].as_str().unwrap())
        .collect()
}

#[test]
fn lines_of_shared_sources_do_not_grow_with_the_collection() {
    let (small, _) = scan(10);
    let (large, out) = scan(300);
    assert_eq!(
        (small.len(), large.len()),
        (12, 302),
        "each package's source, boot, tool"
    );
    for name in ["bootstrap-tools.tar.xz", "tool-1.0.tar.gz"] {
        let (s, l) = (named(&small, name), named(&large, name));
        assert_eq!(attrs(&s.1).len(), attrs(&l.1).len(), "{name}");
        // Only digits differ: of the count (11 → 301) and of the names listed (pkg2 → pkg100).
        assert!(l.0.len() <= s.0.len() + 8, "{name}: {} → {}", s.0, l.0);
    }
    let (_, boot) = named(&large, "bootstrap-tools.tar.xz");
    assert_eq!(
        attrs(boot),
        ["stdenv"],
        "the one attribute using it directly"
    );
    let count = &boot["reachCount"][0];
    assert_eq!(
        (&count["attributes"], &count["distance"]),
        (&301.into(), &1.into())
    );
    let (_, tool) = named(&large, "tool-1.0.tar.gz");
    // 300 use it directly: the first five by name.
    assert_eq!(attrs(tool), ["pkg0", "pkg1", "pkg10", "pkg100", "pkg101"]);
    assert_eq!(tool["reachCount"][0]["attributes"], 300);
    let longest = large.iter().map(|(l, _)| l.len()).max().unwrap();
    assert!(
        longest < 1000,
        "no line grows with the collection: {longest} bytes"
    );
    // The full answer stays one query away.
    let o = run(fodfuzz()
        .args(["why", "--all"])
        .arg(boot["outPath"].as_str().unwrap())
        .arg("--in")
        .arg(&*out));
    assert!(o.status.success());
    let all = String::from_utf8(o.stdout).unwrap();
    assert_eq!(all.lines().count(), 301);
    assert!(all.contains("pkg299 (x86_64-linux, {})\n") && all.contains("stdenv ("));
}

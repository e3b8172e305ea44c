//! `fodfuzz size`: a hand-made scan of two systems against a file:// cache the test writes; the
//! expected sums are added up here from the same table the cache is written from.
mod common;
use common::server::{Response, Server};
use common::*;
use serde_json::{Value, json};
use std::path::Path;

/// (name, derivation index, narinfo (FileSize, NarSize) if the cache has it).
type Output = (&'static str, usize, Option<(u64, u64)>);
const OUTPUTS: &[Output] = &[
    ("app", 0, Some((100, 300))),
    ("app-doc", 0, None),
    ("tool", 1, None),
    ("lib", 2, Some((50, 150))),
    ("lib-1.0.tar.gz", 3, Some((10, 11))),
    ("app-2.0.tar.gz", 4, None),
    ("tool-3.tar.xz", 5, Some((20, 21))),
];
/// Each derivation's inputs: app needs lib and its source, tool needs lib and its source.
const INPUTS: &[&[usize]] = &[&[2, 4], &[2, 5], &[3], &[], &[], &[]];
const SOURCES: &[&str] = &["lib-1.0.tar.gz", "app-2.0.tar.gz", "tool-3.tar.xz"];
/// The roots: app on x86_64-linux, tool on aarch64-linux.
const ROOTS: &[(&str, &str, usize)] = &[("app", "x86_64-linux", 0), ("tool", "aarch64-linux", 1)];
/// Which outputs each system's closure holds (what the graph says, written out by hand).
const X86: &[&str] = &["app", "app-doc", "lib", "lib-1.0.tar.gz", "app-2.0.tar.gz"];
const ARM: &[&str] = &["tool", "lib", "lib-1.0.tar.gz", "tool-3.tar.xz"];
/// What `fodfuzz check` found of the source the cache lacks.
const UPSTREAM: (&str, u64) = ("app-2.0.tar.gz", 4444);

fn path(name: &str) -> String {
    let i = OUTPUTS.iter().position(|o| o.0 == name).unwrap();
    format!(
        "/nix/store/{}-{name}",
        "abcdfgh".chars().nth(i).unwrap().to_string().repeat(32)
    )
}

fn lines(v: impl IntoIterator<Item = String>) -> String {
    let mut v: Vec<String> = v.into_iter().collect();
    v.sort();
    v.iter().map(|l| format!("{l}\n")).collect()
}

fn scan_dir() -> Tmp {
    let dir = tmp("size");
    let mut graph = String::new();
    for (i, inputs) in INPUTS.iter().enumerate() {
        let outs: Vec<String> = OUTPUTS
            .iter()
            .filter(|o| o.1 == i)
            .map(|o| path(o.0))
            .collect();
        let drv = format!("/nix/store/{}-d{i}.drv", i.to_string().repeat(32));
        graph += &format!(
            "{}\n",
            json!({"drv": i, "path": drv, "outputs": outs, "inputs": inputs})
        );
    }
    for (attr, system, drv) in ROOTS {
        graph += &format!(
            "{}\n",
            json!({"attrPath": attr, "system": system, "config": "{}", "drv": drv})
        );
    }
    std::fs::write(dir.join("graph.jsonl"), graph).unwrap();
    std::fs::write(
        dir.join("store-paths"),
        lines(SOURCES.iter().map(|s| path(s))),
    )
    .unwrap();
    std::fs::write(
        dir.join("closure-paths"),
        lines(OUTPUTS.iter().map(|o| path(o.0))),
    )
    .unwrap();
    let (name, length) = UPSTREAM;
    let check = json!({"outPath": path(name), "name": name, "status": "ok", "url": "http://x/a",
        "httpStatus": 200, "contentLength": length, "verified": false, "checkedAt": "2026-01-01T00:00:00Z"});
    std::fs::write(dir.join("check.jsonl"), format!("{check}\n")).unwrap();
    dir
}

fn file_cache() -> Tmp {
    let cache = tmp("size-cache");
    std::fs::write(cache.join("nix-cache-info"), "StoreDir: /nix/store\n").unwrap();
    for (name, _, sizes) in OUTPUTS {
        if let Some((f, n)) = sizes {
            let p = path(name);
            let hash = &p["/nix/store/".len()..][..32];
            let narinfo = format!(
                "StorePath: {p}\nURL: nar/{hash}.nar.xz\nCompression: xz\nFileSize: {f}\nNarHash: sha256:0\nNarSize: {n}\nReferences: \n"
            );
            std::fs::write(cache.join(format!("{hash}.narinfo")), narinfo).unwrap();
        }
    }
    cache
}

/// The section of `names` that are (or are not) sources, added up from OUTPUTS.
fn expected(names: &[&str], sources: bool) -> Value {
    let picked: Vec<_> = OUTPUTS
        .iter()
        .filter(|o| names.contains(&o.0) && SOURCES.contains(&o.0) == sources)
        .collect();
    let present: Vec<(u64, u64)> = picked.iter().filter_map(|o| o.2).collect();
    json!({
        "present": present.len(), "missing": picked.len() - present.len(), "unknown": 0,
        "fileSize": present.iter().map(|p| p.0).sum::<u64>(),
        "narSize": present.iter().map(|p| p.1).sum::<u64>(),
    })
}

fn add(a: &Value, b: &Value) -> Value {
    let f = |k: &str| a[k].as_u64().unwrap() + b[k].as_u64().unwrap();
    json!({"present": f("present"), "missing": f("missing"), "unknown": f("unknown"),
           "fileSize": f("fileSize"), "narSize": f("narSize")})
}

fn assert_sums(got: &Value, names: &[&str]) {
    let (s, o) = (expected(names, true), expected(names, false));
    assert_eq!(got["sources"], s, "{got}");
    assert_eq!(got["outputs"], o, "{got}");
    assert_eq!(got["total"], add(&s, &o), "{got}");
    let missing_sources = s["missing"].as_u64().unwrap();
    let known = u64::from(names.contains(&UPSTREAM.0));
    assert_eq!(
        got["upstream"],
        json!({"missing": missing_sources, "known": known, "bytes": known * UPSTREAM.1})
    );
}

fn size(cache: &str, dir: &Path, extra: &[&str]) -> std::process::Output {
    run(fodfuzz()
        .args(["size", "-q", "--cache", cache])
        .args(extra)
        .arg(dir))
}

#[test]
fn sums_per_part_and_system() {
    let dir = scan_dir();
    let cache = file_cache();
    let url = format!("file://{}", cache.display());
    let o = size(&url, &dir, &["--json"]);
    assert_eq!(o.status.code(), Some(0));
    let got: Value = serde_json::from_slice(&o.stdout).unwrap();
    let all: Vec<&str> = OUTPUTS.iter().map(|o| o.0).collect();
    assert_sums(&got, &all);
    assert_sums(&got["systems"]["x86_64-linux"], X86);
    assert_sums(&got["systems"]["aarch64-linux"], ARM);
    let o = size(&url, &dir, &[]);
    let table = String::from_utf8(o.stdout).unwrap();
    assert!(
        table.contains("x86_64-linux:") && table.contains("all systems:"),
        "{table}"
    );
    assert!(
        table.contains("not in the cache, from upstream: 4.3 KiB for 1 of 1 sources"),
        "{table}"
    );
    let total = table.lines().rfind(|l| l.starts_with("total")).unwrap();
    let words: Vec<&str> = total.split_whitespace().collect();
    assert_eq!(&words[..5], ["total", "7", "4", "3", "0"], "{total}");
}

#[test]
fn unanswered_lookups_are_unknown_and_exit_1() {
    let dir = scan_dir();
    let s = Server::start();
    s.route(
        "/nix-cache-info",
        vec![Response::body("StoreDir: /nix/store\n")],
    );
    let lib = path("lib");
    s.route(
        &format!("/{}.narinfo", &lib["/nix/store/".len()..][..32]),
        vec![Response::status(503)],
    );
    let mut c = fodfuzz();
    c.env_remove("http_proxy")
        .env_remove("https_proxy")
        .env_remove("all_proxy");
    let o = run(c
        .args(["size", "-q", "--json", "--retries", "0", "--cache", &s.url])
        .arg(&*dir));
    assert_eq!(o.status.code(), Some(1));
    let got: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(got["outputs"]["unknown"], 1);
    assert_eq!(
        got["outputs"]["present"], 0,
        "the server holds nothing else"
    );
    assert!(String::from_utf8_lossy(&o.stderr).contains("1 paths could not be looked up"));
}

#[test]
fn bad_input_is_exit_2() {
    let cache = file_cache();
    let url = format!("file://{}", cache.display());
    let empty = tmp("size-empty");
    for (cache_url, dir, expect) in [
        (
            url.as_str(),
            Path::new("/nonexistent/scan"),
            "no such directory",
        ),
        (url.as_str(), &*empty, "no store-paths"),
        ("s3://bucket", &*scan_dir(), "not a binary cache URL"),
    ] {
        let o = size(cache_url, dir, &[]);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{err}");
        assert!(err.contains(expect), "{err}");
    }
}

/// A panic looking up one path's narinfo is that path's unknown answer and an internal error:
/// the others are summed, internal-errors.jsonl names the path, the exit status is 3.
#[test]
fn a_narinfo_that_panics_is_its_paths_failure() {
    let (dir, cache) = (scan_dir(), file_cache());
    let url = format!("file://{}", cache.display());
    let lib = path("lib");
    let o = run(fodfuzz()
        .args(["size", "-q", "--json", "--cache", &url])
        .arg(&*dir)
        .env("FODFUZZ_FAULT", format!("size:{lib}")));
    assert_eq!(o.status.code(), Some(3));
    let got: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(got["total"]["unknown"], 1, "{got}");
    // The cache has app, lib, lib-1.0.tar.gz and tool-3.tar.xz: all but lib are read.
    let has = OUTPUTS.iter().filter(|o| o.2.is_some()).count();
    assert_eq!(got["total"]["present"], has - 1, "{got}");
    let errors = jsonl(&dir.join("internal-errors.jsonl"));
    assert_eq!(errors.len(), 1);
    assert_eq!(
        (errors[0]["phase"].as_str(), errors[0]["item"].as_str()),
        (Some("size"), Some(lib.as_str()))
    );
}

//! `fodfuzz missing`: a hand-made scan output against a file:// cache and a loopback HTTP cache.
mod common;
use common::*;
use serde_json::json;
use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::sync::{Arc, Mutex};

/// A store path whose hash is `c` 32 times (`c` from Nix's base-32 alphabet).
fn sp(c: char, name: &str) -> String {
    format!("/nix/store/{}-{name}", c.to_string().repeat(32))
}

fn hash(path: &str) -> &str {
    &path["/nix/store/".len()..][..32]
}

/// The derivations of the hand-made scan: (name, outputs, inputs), in graph.jsonl order.
/// app needs lib (in the cache: nothing below it is needed through it), tool (missing) and its
/// source; tool needs a source the cache has and a patch it lacks; `other` is in the cache, so
/// its missing source is not needed; `src` is a root that is itself a FOD; `helper`, a build
/// input of lib, is missing although lib is cached: rebuilding it needs its source.
const DRVS: &[(&str, &[&str], &[usize])] = &[
    ("app", &["app", "app-dev"], &[1, 2, 4]),
    ("lib", &["lib"], &[3, 10]),
    ("tool", &["tool"], &[5, 6]),
    ("lib-src", &["lib-1.0.tar.gz"], &[]),
    ("app-src", &["app-2.0.tar.gz"], &[]),
    ("tool-src", &["tool-3.1.tar.xz"], &[]),
    ("patch", &["fix.patch"], &[]),
    ("other", &["other"], &[8]),
    ("other-src", &["other-0.1.zip"], &[]),
    ("src", &["root-src.tar.gz"], &[]),
    ("helper", &["helper"], &[11]),
    ("helper-src", &["helper-0.5.tar.gz"], &[]),
];
const FODS: &[usize] = &[3, 4, 5, 6, 8, 9, 11];
const ROOTS: &[(&str, usize)] = &[("app", 0), ("other", 7), ("src", 9)];
/// Hash characters: the .drv of DRVS[i] is DRV_CHARS[i] (sorted, as graph.jsonl is), its
/// outputs take OUT_CHARS in turn.
const DRV_CHARS: &str = "0123456789yz";
const OUT_CHARS: &str = "abcdfghijklmnp";

/// Output path of every (derivation, output) in order.
fn outputs() -> Vec<Vec<String>> {
    let mut chars = OUT_CHARS.chars();
    DRVS.iter()
        .map(|(_, outs, _)| outs.iter().map(|o| sp(chars.next().unwrap(), o)).collect())
        .collect()
}

fn out(name: &str) -> String {
    outputs()
        .into_iter()
        .flatten()
        .find(|p| p.ends_with(&format!("-{name}")))
        .unwrap()
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

fn lines(v: &[String]) -> String {
    v.iter().map(|l| format!("{l}\n")).collect()
}

/// Writes the scan output files fodfuzz scan would leave for DRVS.
fn scan_dir(name: &str) -> Tmp {
    let dir = tmp(name);
    let outs = outputs();
    let drv = |i: usize| {
        sp(
            DRV_CHARS.chars().nth(i).unwrap(),
            &format!("{}.drv", DRVS[i].0),
        )
    };
    let mut graph = String::new();
    for (i, (_, _, inputs)) in DRVS.iter().enumerate() {
        let l = json!({"drv": i, "path": drv(i), "outputs": outs[i], "inputs": inputs});
        graph += &format!("{l}\n");
    }
    for (attr, i) in ROOTS {
        let l = json!({"attrPath": attr, "system": "x86_64-linux", "config": "{}", "drv": i});
        graph += &format!("{l}\n");
    }
    std::fs::write(dir.join("graph.jsonl"), graph).unwrap();
    let fods = sorted(FODS.iter().map(|&i| outs[i][0].clone()).collect());
    std::fs::write(dir.join("store-paths"), lines(&fods)).unwrap();
    let fods_jsonl: String = fods
        .iter()
        .map(|o| {
            let i = FODS.iter().copied().find(|&i| outs[i][0] == *o).unwrap();
            format!(
                "{}\n",
                json!({"outPath": o, "drvPath": drv(i), "reachedBy": []})
            )
        })
        .collect();
    std::fs::write(dir.join("fods.jsonl"), fods_jsonl).unwrap();
    let all = sorted(outs.into_iter().flatten().collect());
    std::fs::write(dir.join("closure-paths"), lines(&all)).unwrap();
    dir
}

/// What the cache holds in both tests.
const PRESENT: &[&str] = &["app", "lib", "tool-3.1.tar.xz", "other"];
/// What it lacks.
const MISSING: &[&str] = &[
    "app-dev",
    "tool",
    "lib-1.0.tar.gz",
    "app-2.0.tar.gz",
    "fix.patch",
    "other-0.1.zip",
    "root-src.tar.gz",
    "helper",
    "helper-0.5.tar.gz",
];
/// The sources needed: app's and the patch tool needs (lib is in the cache, so lib's source is
/// not; tool's source is in the cache; other is in the cache), the FOD root, and helper's.
const NEEDED: &[&str] = &[
    "app-2.0.tar.gz",
    "fix.patch",
    "root-src.tar.gz",
    "helper-0.5.tar.gz",
];

fn names(names: &[&str]) -> Vec<String> {
    sorted(names.iter().map(|n| out(n)).collect())
}

fn file_cache(name: &str) -> Tmp {
    let cache = tmp(name);
    std::fs::write(
        cache.join("nix-cache-info"),
        "StoreDir: /nix/store\nWantMassQuery: 1\nPriority: 40\n",
    )
    .unwrap();
    for p in PRESENT {
        std::fs::write(cache.join(format!("{}.narinfo", hash(&out(p)))), "").unwrap();
    }
    cache
}

fn missing(cache_url: &str, dir: &Path) -> std::process::Output {
    let mut c = fodfuzz();
    for v in [
        "http_proxy",
        "HTTP_PROXY",
        "https_proxy",
        "HTTPS_PROXY",
        "ALL_PROXY",
        "all_proxy",
    ] {
        c.env_remove(v);
    }
    run(c.args(["missing", "-q", "--cache", cache_url]).arg(dir))
}

fn stdout_lines(o: &std::process::Output) -> Vec<String> {
    String::from_utf8(o.stdout.clone())
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect()
}

fn file_lines(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect()
}

#[test]
fn file_cache_missing_paths_and_sources() {
    let dir = scan_dir("file");
    let cache = file_cache("file-cache");
    let o = missing(&format!("file://{}", cache.display()), &dir);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(0), "{err}");
    assert_eq!(stdout_lines(&o), names(MISSING));
    assert_eq!(file_lines(&dir.join("missing-sources")), names(NEEDED));
    assert_eq!(
        file_lines(&dir.join("missing-unknown")),
        Vec::<String>::new()
    );
    assert!(err.contains("4 present, 9 missing, 0 unknown"), "{err}");
    assert!(err.contains("4 sources"), "{err}");
}

#[test]
fn file_cache_without_closure_paths_counts_unlooked_outputs_as_missing() {
    let dir = scan_dir("fods-only");
    std::fs::remove_file(dir.join("closure-paths")).unwrap();
    let cache = file_cache("fods-only-cache");
    let o = missing(&format!("file://{}", cache.display()), &dir);
    assert_eq!(o.status.code(), Some(0));
    // Only FODs are looked up; lib and other were not, so their sources may be needed.
    let fods_missing: Vec<&str> = MISSING
        .iter()
        .copied()
        .filter(|n| n.contains('.'))
        .collect();
    assert_eq!(stdout_lines(&o), names(&fods_missing));
    assert_eq!(
        file_lines(&dir.join("missing-sources")),
        names(&fods_missing)
    );
}

/// fix.patch got no answer: exit 1, it is in missing-unknown and not on stdout, the rest is.
fn assert_patch_unknown(o: &std::process::Output, dir: &Path) -> String {
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    assert_eq!(o.status.code(), Some(1), "{err}");
    let expect: Vec<&str> = MISSING
        .iter()
        .copied()
        .filter(|n| *n != "fix.patch")
        .collect();
    assert_eq!(stdout_lines(o), names(&expect));
    assert_eq!(
        file_lines(&dir.join("missing-unknown")),
        vec![out("fix.patch")]
    );
    err
}

#[test]
fn file_cache_io_error_is_unknown_not_missing() {
    let dir = scan_dir("file-loop");
    let cache = file_cache("file-loop-cache");
    // A narinfo that cannot be read (a symlink to itself) is neither present nor missing.
    let looped = cache.join(format!("{}.narinfo", hash(&out("fix.patch"))));
    std::os::unix::fs::symlink(&looped, &looped).unwrap();
    let o = missing(&format!("file://{}", cache.display()), &dir);
    let err = assert_patch_unknown(&o, &dir);
    assert!(
        err.contains(&format!("unknown: {}", out("fix.patch"))),
        "{err}"
    );
    // Counted as missing for the sources, as the conservative rule says.
    assert_eq!(file_lines(&dir.join("missing-sources")), names(NEEDED));
}

/// How the loopback cache answers a path: a list of statuses in turn (the last repeats);
/// 0 closes the connection without answering.
type Script = HashMap<String, Vec<u16>>;

/// Serves `script` on 127.0.0.1; returns the base URL and the number of requests per path.
fn serve(script: Script) -> (String, Arc<Mutex<HashMap<String, usize>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/cache", listener.local_addr().unwrap());
    let seen: Arc<Mutex<HashMap<String, usize>>> = Arc::default();
    let (script, counts) = (Arc::new(script), seen.clone());
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let (script, counts) = (script.clone(), counts.clone());
            std::thread::spawn(move || answer(stream, &script, &counts));
        }
    });
    (url, seen)
}

/// Answers one request and closes the connection.
fn answer(stream: TcpStream, script: &Script, counts: &Mutex<HashMap<String, usize>>) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut request = String::new();
    reader.read_line(&mut request).unwrap();
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header).unwrap() == 0 || header.trim().is_empty() {
            break;
        }
    }
    let mut words = request.split_whitespace();
    let (method, path) = (words.next().unwrap_or(""), words.next().unwrap_or(""));
    let name = path.strip_prefix("/cache/").unwrap_or("-").to_owned();
    let n = {
        let mut c = counts.lock().unwrap();
        let n = c.entry(name.clone()).or_default();
        *n += 1;
        *n
    };
    let status = script
        .get(&name)
        .map(|s| s[(n - 1).min(s.len() - 1)])
        .unwrap_or(404);
    if status == 0 {
        return; // dropped: the client sees the connection close
    }
    let body = if name == "nix-cache-info" && status == 200 {
        "StoreDir: /nix/store\nWantMassQuery: 1\n"
    } else {
        ""
    };
    let mut s = stream;
    let extra = if status == 429 {
        "Retry-After: 1\r\n"
    } else {
        ""
    };
    let _ = write!(
        s,
        "HTTP/1.1 {status} X\r\nContent-Length: {}\r\nConnection: close\r\n{extra}\r\n{}",
        body.len(),
        if method == "HEAD" { "" } else { body }
    );
}

fn narinfo(name: &str) -> String {
    format!("{}.narinfo", hash(&out(name)))
}

#[test]
fn http_cache_retries_and_unknowns() {
    let dir = scan_dir("http");
    let mut script: Script = PRESENT.iter().map(|p| (narinfo(p), vec![200])).collect();
    script.insert("nix-cache-info".into(), vec![200]);
    // Transient failures, then the answer.
    script.insert(narinfo("lib"), vec![500, 503, 200]);
    script.insert(narinfo("app-2.0.tar.gz"), vec![429, 404]);
    // What S3 answers for an absent key.
    script.insert(narinfo("other-0.1.zip"), vec![403]);
    // Never answered.
    script.insert(narinfo("fix.patch"), vec![0]);
    let (url, counts) = serve(script);
    let o = missing(&url, &dir);
    let err = assert_patch_unknown(&o, &dir);
    // lib answered present on its third try, so lib's source is not needed.
    assert_eq!(file_lines(&dir.join("missing-sources")), names(NEEDED));
    assert!(err.contains("4 present, 8 missing, 1 unknown"), "{err}");
    assert!(
        err.contains(&format!("unknown: {}", out("fix.patch"))),
        "{err}"
    );
    assert!(err.contains("1 path could not be looked up"), "{err}");
    let counts = counts.lock().unwrap();
    assert_eq!(counts[&narinfo("lib")], 3);
    assert_eq!(counts[&narinfo("app-2.0.tar.gz")], 2);
    assert!(counts[&narinfo("fix.patch")] >= 4, "one try and 3 retries");
    assert_eq!(counts[&narinfo("tool")], 1);
}

fn rejects(cache_url: &str, dir: &Path, expect: &str) {
    let o = missing(cache_url, dir);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{cache_url}: {err}");
    assert_eq!(err.trim_end().lines().count(), 1, "one line: {err}");
    assert!(err.contains(expect), "{err:?} should mention {expect:?}");
    assert!(o.stdout.is_empty());
}

#[test]
fn bad_input_is_one_line_and_exit_2() {
    let dir = scan_dir("bad");
    let cache = file_cache("bad-cache");
    let cache_url = format!("file://{}", cache.display());
    rejects(
        &cache_url,
        Path::new("/nonexistent/scan"),
        "/nonexistent/scan",
    );
    let empty = tmp("bad-empty");
    rejects(&cache_url, &empty, "neither closure-paths nor store-paths");
    let not_cache = tmp("bad-not-cache");
    rejects(
        &format!("file://{}", not_cache.display()),
        &dir,
        "not a Nix binary cache",
    );
    rejects("s3://bucket", &dir, "not a binary cache URL");
    rejects(&cache.display().to_string(), &dir, "not a binary cache URL");
    let other_store = tmp("bad-other-store");
    std::fs::write(other_store.join("nix-cache-info"), "StoreDir: /gnu/store\n").unwrap();
    rejects(
        &format!("file://{}", other_store.display()),
        &dir,
        "/gnu/store",
    );
    let (url, _) = serve(Script::new());
    rejects(&url, &dir, "not a Nix binary cache");
    std::fs::write(dir.join("closure-paths"), "/nix/store/short-x\n").unwrap();
    rejects(&cache_url, &dir, "not a store path");
}

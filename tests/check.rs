//! `fodfuzz check` against loopback servers the tests start, on hand-made scans whose `.drv`
//! files are shaped like nixpkgs' fetchurl and fetchzip, and on a real scan of corpus/basic
//! through a loopback proxy. Expected hashes come from Nix itself (`nix hash`).
mod common;
use common::server::{Response, Server};
use common::*;
use serde_json::{Value, json};
use std::path::Path;
use std::process::Output;
use std::time::Duration;

const ALPHABET: &str = "0123456789abcdfghijklmnpqrsvwxyz";
const MIRRORS_DRV: &str = "/nix/store/zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz-mirrors-list.drv";

/// A FOD of a hand-made scan.
struct Fod {
    name: String,
    /// SRI.
    hash: String,
    recursive: bool,
    urls: Vec<String>,
    fetcher: &'static str,
    /// The `.drv`'s environment besides name, urls and the hash.
    env: Vec<(String, String)>,
}

/// `nix --extra-experimental-features nix-command ARGS`: Nix as the oracle for hashes.
fn nix(args: &[&str]) -> String {
    let out = std::process::Command::new("nix")
        .args(["--extra-experimental-features", "nix-command"])
        .args(args)
        .output()
        .expect("nix runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

/// The flat sha256 of `bytes`, SRI.
fn flat_hash(bytes: &[u8]) -> String {
    let dir = tmp("hash");
    std::fs::write(dir.join("f"), bytes).unwrap();
    nix(&[
        "hash",
        "file",
        "--sri",
        "--type",
        "sha256",
        &dir.join("f").display().to_string(),
    ])
}

/// nixpkgs' fetchurl: flat, a mirrors list, no postFetch.
fn fetchurl(name: &str, hash: &str, urls: &[String]) -> Fod {
    Fod {
        name: name.into(),
        hash: hash.into(),
        recursive: false,
        urls: urls.to_vec(),
        fetcher: "url",
        env: vec![
            (
                "mirrorsFile".into(),
                MIRRORS_DRV.trim_end_matches(".drv").into(),
            ),
            ("postFetch".into(), String::new()),
            ("showURLs".into(), String::new()),
        ],
    }
}

fn aterm(s: &str) -> String {
    let escaped = s
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n");
    format!("\"{escaped}\"")
}

/// A scan directory holding `fods` (fods.jsonl and their `.drv` files in DIR/.store) and a
/// mirrors list with `sites`.
fn scan(name: &str, fods: &[Fod], sites: &[(&str, String)]) -> Tmp {
    let dir = tmp(name);
    let store = dir.join(".store/nix/store");
    std::fs::create_dir_all(&store).unwrap();
    let mut env: Vec<String> = sites
        .iter()
        .map(|(k, v)| format!("({},{})", aterm(k), aterm(v)))
        .collect();
    env.push(format!("({},{})", aterm("name"), aterm("mirrors-list")));
    let mirrors = format!(
        "Derive([(\"out\",\"{}\",\"\",\"\")],[],[],\"x86_64-linux\",\"/bin/sh\",[],[{}])",
        MIRRORS_DRV.trim_end_matches(".drv"),
        env.join(",")
    );
    std::fs::write(dir.join(".store").join(&MIRRORS_DRV[1..]), mirrors).unwrap();
    let mut lines = String::new();
    for (i, f) in fods.iter().enumerate() {
        let c = ALPHABET.chars().nth(i).unwrap().to_string();
        let out = format!("/nix/store/{}-{}", c.repeat(32), f.name);
        let drv = format!("/nix/store/{}-{}.drv", c.repeat(31) + "d", f.name);
        let hex = nix(&["hash", "to-base16", &f.hash]);
        let algo = f.hash.split('-').next().unwrap();
        let algo = if f.recursive {
            format!("r:{algo}")
        } else {
            algo.to_owned()
        };
        let mut env = f.env.clone();
        env.push(("name".into(), f.name.clone()));
        env.push(("urls".into(), f.urls.join(" ")));
        env.sort();
        let env: Vec<String> = env
            .iter()
            .map(|(k, v)| format!("({},{})", aterm(k), aterm(v)))
            .collect();
        let text = format!(
            "Derive([(\"out\",{},{},{})],[({},[\"out\"])],[],\"x86_64-linux\",\"/bin/bash\",[],[{}])",
            aterm(&out),
            aterm(&algo),
            aterm(&hex),
            aterm(MIRRORS_DRV),
            env.join(",")
        );
        std::fs::write(dir.join(".store").join(&drv[1..]), text).unwrap();
        let line = json!({"outPath": out, "drvPath": drv, "name": f.name, "hash": f.hash,
            "hashMode": if f.recursive { "recursive" } else { "flat" }, "urls": f.urls,
            "fetcher": f.fetcher, "reachedBy": [{"attrPath": f.name, "system": "x86_64-linux", "config": "{}"}]});
        lines += &format!("{line}\n");
    }
    std::fs::write(dir.join("fods.jsonl"), lines).unwrap();
    dir
}

fn check(dir: &Path, extra: &[&str]) -> Output {
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
    run(c.args(["check", "-q"]).args(extra).arg(dir))
}

/// check.jsonl's lines by name.
fn lines(dir: &Path) -> std::collections::BTreeMap<String, Value> {
    let all = jsonl(&dir.join("check.jsonl"));
    let paths: Vec<&str> = all.iter().map(|l| l["outPath"].as_str().unwrap()).collect();
    assert!(paths.windows(2).all(|w| w[0] < w[1]), "sorted by outPath");
    all.iter()
        .map(|l| (l["name"].as_str().unwrap().to_owned(), l.clone()))
        .collect()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// 200, 404, 405 on HEAD, redirects, a loop, a dead first url with a live second, mirror://
/// in the list's order, a connection refused, git and requireFile.
#[test]
fn statuses_from_head_requests() {
    let s = Server::start();
    let u = |p: &str| format!("{}{p}", s.url);
    s.route("/ok.tar.gz", vec![Response::body("12345")]);
    s.route("/r1", vec![Response::redirect(301, "/r2")]);
    s.route("/r2", vec![Response::redirect(302, &u("/ok.tar.gz"))]);
    s.route("/loop-a", vec![Response::redirect(302, "/loop-b")]);
    s.route("/loop-b", vec![Response::redirect(302, "/loop-a")]);
    s.route("/gnu-b/hello.tar.gz", vec![Response::body("hello")]);
    // The 405 answers HEAD only; the GET that follows gets the body.
    s.route(
        "/no-head.tar.gz",
        vec![Response::status(405), Response::body("x")],
    );
    let refused = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}/x.tar.gz", l.local_addr().unwrap())
    };
    let h = flat_hash(b"irrelevant without --download");
    let mut git = fetchurl("git-src", &h, &["https://git.example.invalid/x.git".into()]);
    git.fetcher = "git";
    let mut manual = fetchurl("sdk.tgz", &h, &[]);
    manual.fetcher = "requireFile";
    let fods = [
        fetchurl("ok.tar.gz", &h, &[u("/ok.tar.gz")]),
        fetchurl("dead.tar.gz", &h, &[u("/gone-1"), u("/gone-2")]),
        fetchurl("no-head.tar.gz", &h, &[u("/no-head.tar.gz")]),
        fetchurl("redirected.tar.gz", &h, &[u("/r1")]),
        fetchurl("looped.tar.gz", &h, &[u("/loop-a")]),
        fetchurl("second.tar.gz", &h, &[u("/gone-3"), u("/ok.tar.gz")]),
        fetchurl("hello.tar.gz", &h, &["mirror://gnu/hello.tar.gz".into()]),
        fetchurl("refused.tar.gz", &h, &[refused]),
        git,
        manual,
    ];
    let dir = scan(
        "statuses",
        &fods,
        &[("gnu", format!("{} {}", u("/gnu-a/"), u("/gnu-b/")))],
    );
    let o = check(&dir, &["--retries", "0"]);
    assert_eq!(o.status.code(), Some(1), "dead and unknown sources: exit 1");
    let l = lines(&dir);
    let status = |n: &str| l[n]["status"].as_str().unwrap().to_owned();
    assert_eq!(status("ok.tar.gz"), "ok");
    assert_eq!(l["ok.tar.gz"]["httpStatus"], 200);
    assert_eq!(l["ok.tar.gz"]["contentLength"], 5);
    assert_eq!(status("dead.tar.gz"), "dead");
    assert_eq!(
        (
            l["dead.tar.gz"]["httpStatus"].clone(),
            l["dead.tar.gz"]["url"].clone()
        ),
        (json!(404), json!(u("/gone-1")))
    );
    assert_eq!(status("no-head.tar.gz"), "ok");
    let get = s.hits_of("/no-head.tar.gz");
    assert_eq!(
        get.iter().map(|h| h.method.as_str()).collect::<Vec<_>>(),
        ["HEAD", "GET"]
    );
    assert!(
        get[1]
            .headers
            .contains(&("range".into(), "bytes=0-0".into())),
        "{:?}",
        get[1].headers
    );
    assert_eq!(status("redirected.tar.gz"), "ok");
    assert_eq!(
        l["redirected.tar.gz"]["url"],
        json!(u("/r1")),
        "the url of the list that answered"
    );
    assert_eq!(status("looped.tar.gz"), "unknown");
    assert!(
        l["looped.tar.gz"]["reason"]
            .as_str()
            .unwrap()
            .contains("redirect loop"),
        "{}",
        l["looped.tar.gz"]
    );
    assert_eq!(status("second.tar.gz"), "ok");
    assert_eq!(l["second.tar.gz"]["url"], json!(u("/ok.tar.gz")));
    assert_eq!(
        status("hello.tar.gz"),
        "ok",
        "mirror:// expanded in the list's order"
    );
    assert_eq!(l["hello.tar.gz"]["url"], json!(u("/gnu-b/hello.tar.gz")));
    assert_eq!(
        s.hits_of("/gnu-a/hello.tar.gz").len(),
        1,
        "the first mirror was tried first"
    );
    assert_eq!(
        status("refused.tar.gz"),
        "unknown",
        "a network failure is never dead"
    );
    assert_eq!(status("git-src"), "unchecked");
    assert_eq!(status("sdk.tgz"), "unchecked");
    let err = stderr(&o);
    assert!(err.contains("10 FODs checked (HEAD"), "{err}");
    assert!(
        err.contains("5 ok, 1 dead, 0 hash-mismatch, 0 mirrored, 2 unknown, 2 unchecked"),
        "{err}"
    );
    assert!(err.contains("worst hosts:"), "{err}");
}

/// A 429 with Retry-After is waited for and retried; a slow server times out and is unknown.
#[test]
fn rate_limits_and_timeouts() {
    let s = Server::start();
    let u = |p: &str| format!("{}{p}", s.url);
    s.route(
        "/busy.tar.gz",
        vec![
            Response::status(429).header("Retry-After", "1"),
            Response::body("ok"),
        ],
    );
    s.route(
        "/slow.tar.gz",
        vec![Response::body("late").after(Duration::from_secs(3))],
    );
    let h = flat_hash(b"x");
    let fods = [
        fetchurl("busy.tar.gz", &h, &[u("/busy.tar.gz")]),
        fetchurl("slow.tar.gz", &h, &[u("/slow.tar.gz")]),
    ];
    let dir = scan("rate", &fods, &[]);
    let o = check(&dir, &["--timeout", "1", "--retries", "1"]);
    assert_eq!(o.status.code(), Some(1));
    let l = lines(&dir);
    assert_eq!(l["busy.tar.gz"]["status"], "ok");
    let busy = s.hits_of("/busy.tar.gz");
    assert_eq!(busy.len(), 2);
    assert!(
        busy[1].at - busy[0].at >= Duration::from_millis(950),
        "Retry-After honoured"
    );
    assert_eq!(l["slow.tar.gz"]["status"], "unknown");
    assert!(
        l["slow.tar.gz"]["reason"]
            .as_str()
            .unwrap()
            .contains("timeout"),
        "{}",
        l["slow.tar.gz"]
    );
    assert_eq!(s.hits_of("/slow.tar.gz").len(), 2, "a timeout is retried");
}

/// --per-host 2: the server never answers more than two at once (and answers two at once:
/// the limit is not one).
#[test]
fn per_host_limit() {
    let s = Server::start();
    let h = flat_hash(b"x");
    let fods: Vec<Fod> = (0..10)
        .map(|i| {
            let p = format!("/f{i}.tar.gz");
            s.route(
                &p,
                vec![Response::body("x").after(Duration::from_millis(300))],
            );
            fetchurl(&format!("f{i}.tar.gz"), &h, &[format!("{}{p}", s.url)])
        })
        .collect();
    let dir = scan("per-host", &fods, &[]);
    let o = check(&dir, &["--per-host", "2", "--concurrency", "8"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(s.max_active(), 2);
}

/// Requests to one host start 50 ms apart at least, however many may be in flight: ten quick
/// answers take 450 ms or more from the first request to the last (less a connection's
/// set-up time, which the client does not control).
#[test]
fn interval_between_requests_to_a_host() {
    let s = Server::start();
    let h = flat_hash(b"x");
    let fods: Vec<Fod> = (0..10)
        .map(|i| {
            fetchurl(
                &format!("q{i}.tar.gz"),
                &h,
                &[format!("{}/q{i}.tar.gz", s.url)],
            )
        })
        .collect();
    for f in &fods {
        s.route(&format!("/{}", f.name), vec![Response::body("x")]);
    }
    let dir = scan("interval", &fods, &[]);
    assert_eq!(check(&dir, &["--per-host", "10"]).status.code(), Some(0));
    let mut starts: Vec<_> = s.hits().iter().map(|h| h.at).collect();
    starts.sort();
    let span = *starts.last().unwrap() - starts[0];
    assert!(span >= Duration::from_millis(400), "{span:?}");
}

/// A second run within --max-age asks nothing that answered; --max-age 0 asks again.
#[test]
fn results_file_spares_fresh_urls() {
    let s = Server::start();
    let u = |p: &str| format!("{}{p}", s.url);
    s.route("/a.tar.gz", vec![Response::body("a")]);
    s.route("/b.tar.gz", vec![Response::body("b")]);
    let fods = [
        fetchurl("a.tar.gz", &flat_hash(b"a"), &[u("/a.tar.gz")]),
        fetchurl("b.tar.gz", &flat_hash(b"b"), &[u("/b.tar.gz")]),
    ];
    let dir = scan("results", &fods, &[]);
    let cache_dir = tmp("results-cache");
    let cache = cache_dir.join("c.jsonl");
    let cache_arg = cache.display().to_string();
    assert_eq!(
        check(&dir, &["--download", "--cache-file", &cache_arg])
            .status
            .code(),
        Some(0)
    );
    let first = lines(&dir);
    assert_eq!(s.hits().len(), 2);
    let o = check(&dir, &["--download", "--cache-file", &cache_arg]);
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(s.hits().len(), 2, "no request for fresh results");
    assert!(stderr(&o).contains("2 answered from"), "{}", stderr(&o));
    assert_eq!(lines(&dir), first, "same lines, same checkedAt");
    check(&dir, &["--cache-file", &cache_arg]);
    assert_eq!(
        s.hits().len(),
        2,
        "a verified download answers a HEAD check too"
    );
    check(
        &dir,
        &["--download", "--cache-file", &cache_arg, "--max-age", "0"],
    );
    assert_eq!(s.hits().len(), 4);
}

/// --download: a re-rolled tarball is a mismatch with the digest got; a dead one that a hashed
/// mirror holds is mirrored; a fetchzip archive is verified by the NAR hash of its contents.
#[test]
fn downloads_verify_hashes() {
    let s = Server::start();
    let u = |p: &str| format!("{}{p}", s.url);
    s.route("/same.tar.gz", vec![Response::body("original")]);
    s.route("/rerolled.tar.gz", vec![Response::body("re-rolled")]);
    let original = flat_hash(b"original");
    let gone = flat_hash(b"kept by the mirror");
    let hex = nix(&["hash", "to-base16", &gone]);
    s.route(
        &format!("/mirror/sha256/{hex}"),
        vec![Response::body("kept by the mirror")],
    );
    let (archive, nar_hash) = github_archive();
    s.route("/v1.0.tar.gz", vec![Response::body(archive)]);
    let mut zip = fetchurl("source", &nar_hash, &[u("/v1.0.tar.gz")]);
    zip.recursive = true;
    zip.env.push(("downloadToTemp".into(), "1".into()));
    zip.env.retain(|(k, _)| k != "postFetch");
    zip.env
        .push(("postFetch".into(), postfetch_2016("v1.0.tar.gz")));
    let mut patch = fetchurl("fix.patch", &original, &[u("/same.tar.gz")]);
    patch.env.retain(|(k, _)| k != "postFetch");
    patch.env.push(("postFetch".into(), "lsdiff $out".into()));
    let fods = [
        fetchurl("same.tar.gz", &original, &[u("/same.tar.gz")]),
        fetchurl("rerolled.tar.gz", &original, &[u("/rerolled.tar.gz")]),
        fetchurl("gone.tar.gz", &gone, &[u("/gone.tar.gz")]),
        zip,
        patch,
    ];
    let dir = scan("download", &fods, &[]);
    let o = check(&dir, &["--download", "--hashed-mirror", &u("/mirror")]);
    assert_eq!(o.status.code(), Some(1), "a mismatch: exit 1");
    let l = lines(&dir);
    assert_eq!(
        (
            l["same.tar.gz"]["status"].clone(),
            l["same.tar.gz"]["verified"].clone()
        ),
        (json!("ok"), json!(true))
    );
    assert_eq!(l["rerolled.tar.gz"]["status"], "hash-mismatch");
    assert_eq!(l["rerolled.tar.gz"]["got"], json!(flat_hash(b"re-rolled")));
    assert_eq!(l["gone.tar.gz"]["status"], "mirrored");
    assert_eq!(
        l["gone.tar.gz"]["url"],
        json!(u(&format!("/mirror/sha256/{hex}")))
    );
    assert_eq!(
        (
            l["source"]["status"].clone(),
            l["source"]["verified"].clone()
        ),
        (json!("ok"), json!(true)),
        "{}",
        l["source"]
    );
    assert_eq!(
        (
            l["fix.patch"]["status"].clone(),
            l["fix.patch"]["verified"].clone()
        ),
        (json!("ok"), json!(false))
    );
    assert!(
        l["fix.patch"]["reason"]
            .as_str()
            .unwrap()
            .contains("postFetch")
    );
    assert!(stderr(&o).contains("3 verified"), "{}", stderr(&o));
}

/// fetchzip's postFetch as nixpkgs 16.03 writes it, for a download renamed to `file`.
fn postfetch_2016(file: &str) -> String {
    format!(
        "export PATH=/nix/store/rx1i3y5dg0v7y0x1xg6bdp0gkk6ny3ym-unzip-6.0/bin:$PATH\nmkdir $out\n\nunpackDir=\"$TMPDIR/unpack\"\nmkdir \"$unpackDir\"\ncd \"$unpackDir\"\n\nrenamed=\"$TMPDIR/{file}\"\nmv \"$downloadedFile\" \"$renamed\"\nunpackFile \"$renamed\"\n\nshopt -s dotglob\nif [ $(ls \"$unpackDir\" | wc -l) != 1 ]; then\n  echo \"error: zip file must contain a single file or directory.\"\n  exit 1\nfi\nfn=$(cd \"$unpackDir\" && echo *)\nif [ -f \"$unpackDir/$fn\" ]; then\n  mv \"$unpackDir/$fn\" \"$out\"\nelse\n  mv \"$unpackDir/$fn\"/* \"$out/\"\nfi\n"
    )
}

/// A GitHub-style tarball (one top directory, an executable, a symlink) made by GNU tar, and
/// the recursive sha256 Nix gives that top directory.
fn github_archive() -> (Vec<u8>, String) {
    let t = tmp("archive");
    let top = t.join("project-1.0");
    std::fs::create_dir_all(top.join("src")).unwrap();
    std::fs::write(top.join("src/main.c"), "int main() { return 0; }\n").unwrap();
    std::fs::write(top.join("configure"), "#!/bin/sh\n").unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(
        top.join("configure"),
        std::fs::Permissions::from_mode(0o755),
    )
    .unwrap();
    std::os::unix::fs::symlink("src/main.c", top.join("main.c")).unwrap();
    let status = std::process::Command::new("tar")
        .arg("czf")
        .arg(t.join("a.tar.gz"))
        .arg("-C")
        .arg(&*t)
        .arg("project-1.0")
        .status()
        .unwrap();
    assert!(status.success());
    let hash = nix(&[
        "hash",
        "path",
        "--sri",
        "--type",
        "sha256",
        &top.display().to_string(),
    ]);
    (std::fs::read(t.join("a.tar.gz")).unwrap(), hash)
}

/// http_proxy carries http:// urls through the proxy (a CONNECT tunnel, as ureq proxies);
/// NO_PROXY names what goes direct.
#[test]
fn proxies_from_the_environment() {
    let proxy = Server::start();
    proxy.route("http://source.invalid/a.tar.gz", vec![Response::body("a")]);
    let direct = Server::start();
    direct.route("/b.tar.gz", vec![Response::body("b")]);
    let h = flat_hash(b"x");
    let fods = [
        fetchurl("a.tar.gz", &h, &["http://source.invalid/a.tar.gz".into()]),
        fetchurl("b.tar.gz", &h, &[format!("{}/b.tar.gz", direct.url)]),
    ];
    let dir = scan("proxy", &fods, &[]);
    let mut c = fodfuzz();
    c.env("http_proxy", &proxy.url).env("NO_PROXY", "127.0.0.1");
    let o = run(c.args(["check", "-q"]).arg(&*dir));
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let through: Vec<String> = proxy
        .hits()
        .iter()
        .map(|h| format!("{} {}", h.method, h.target))
        .collect();
    assert_eq!(
        through,
        [
            "CONNECT source.invalid:80",
            "HEAD http://source.invalid/a.tar.gz"
        ]
    );
    assert_eq!(direct.hits().len(), 1);
}

#[test]
fn bad_input_is_exit_2() {
    let empty = tmp("check-empty");
    for (args, expect) in [
        (
            vec!["check".to_owned(), empty.display().to_string()],
            "no fods.jsonl",
        ),
        (
            vec!["check".into(), "/nonexistent/scan".into()],
            "not a directory",
        ),
        (
            vec![
                "check".into(),
                "--max-age".into(),
                "soon".into(),
                empty.display().to_string(),
            ],
            "not a duration",
        ),
    ] {
        let o = run(fodfuzz().args(&args));
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        assert!(stderr(&o).contains(expect), "{}", stderr(&o));
    }
    let dir = scan("bad-mirror", &[], &[]);
    let o = run(fodfuzz()
        .args(["check", "--hashed-mirror", "tarballs.nixos.org"])
        .arg(&*dir));
    assert_eq!(o.status.code(), Some(2));
    // --since names an earlier scan: one that is not there is bad input too.
    let o = check(&dir, &["--since", "/nonexistent/old-scan"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("/nonexistent/old-scan: not a directory"),
        "{}",
        stderr(&o)
    );
    let o = check(&dir, &[]);
    assert_eq!(o.status.code(), Some(0), "nothing to check: fine");
}

/// A real scan of corpus/basic (the real nix-instantiate), checked through a loopback proxy
/// that stands for the whole internet: mirror:// urls are expanded from the scan's own
/// mirrors-list .drv, in its order; https urls fail (the proxy speaks no TLS) and are unknown.
#[test]
fn a_real_scan_through_a_proxy() {
    let out = tmp("check-corpus");
    let o = run(fodfuzz()
        .arg("scan")
        .arg(root().join("corpus/basic"))
        .arg("--out")
        .arg(&*out)
        .args([
            "--system",
            "x86_64-linux",
            "--config",
            "{}",
            "-q",
            "--attr-timeout",
            "5",
        ]));
    assert_eq!(o.status.code(), Some(0));
    let internet = Server::start();
    let gnu = "http://ftpmirror.example.org/gnu/mirrored/mirrored-1.0.tar.gz";
    internet.route(gnu, vec![Response::body("m")]);
    internet.route(
        "http://ftp.example.org/gnu/hello/hello-2.12.tar.gz",
        vec![Response::body("h")],
    );
    internet.route(
        "http://mirror-b.example.org/some/some-src-1.0.tar.bz2",
        vec![Response::body("s")],
    );
    let mut c = fodfuzz();
    c.env("http_proxy", &internet.url)
        .env("https_proxy", &internet.url)
        .env_remove("NO_PROXY")
        .env_remove("no_proxy");
    let o = run(c.args(["check", "-q", "--retries", "0"]).arg(&*out));
    assert_eq!(o.status.code(), Some(1));
    let l = lines(&out);
    assert_eq!(l.len(), jsonl(&out.join("fods.jsonl")).len());
    let status = |n: &str| l[n]["status"].as_str().unwrap().to_owned();
    assert_eq!(
        (
            status("mirrored-1.0.tar.gz"),
            l["mirrored-1.0.tar.gz"]["url"].clone()
        ),
        ("ok".into(), json!(gnu))
    );
    assert_eq!(status("hello-2.12.tar.gz"), "ok");
    assert_eq!(status("some-src-1.0.tar.bz2"), "ok");
    assert_eq!(
        l["some-src-1.0.tar.bz2"]["url"],
        "http://mirror-b.example.org/some/some-src-1.0.tar.bz2"
    );
    assert_eq!(status("chain-c-1.tar.gz"), "dead");
    assert_eq!(status("requests-2.28.1.tar.gz"), "unknown");
    for n in [
        "trunk-r1234",
        "git-pkg-3f78685",
        "hg-pkg-a1b2c3d4e5f6",
        "proprietary-sdk-8u1.tar.gz",
        "go-app-1.2-go-modules",
    ] {
        assert_eq!(status(n), "unchecked", "{n}");
    }
    let asked: Vec<String> = internet.hits().iter().map(|h| h.target.clone()).collect();
    // CONNECT host:port, then the request through the tunnel: every one for the corpus's hosts.
    assert!(asked.iter().all(|t| t.contains("example.org")), "{asked:?}");
    assert!(
        !asked.iter().any(|t| t.contains("ftp.example.org/pub")),
        "the first mirror answered"
    );
}

/// `--since OLD`: a FOD whose urls changed while its output path stayed is asked again, never
/// answered from the results file, and so found changed under its url; the unchanged FOD is
/// still answered from the file.
#[test]
fn since_reverifies_what_changed_under_the_same_output() {
    let s = Server::start();
    let u = |p: &str| format!("{}{p}", s.url);
    s.route("/moved.tar.gz", vec![Response::body("m")]);
    s.route("/steady.tar.gz", vec![Response::body("s")]);
    let steady = || fetchurl("steady.tar.gz", &flat_hash(b"s"), &[u("/steady.tar.gz")]);
    let moved = |url: String| fetchurl("moved.tar.gz", &flat_hash(b"m"), &[url]);
    let old = scan(
        "since-old",
        &[moved("http://old.invalid/moved.tar.gz".into()), steady()],
        &[],
    );
    let new = scan("since-new", &[moved(u("/moved.tar.gz")), steady()], &[]);
    let cache_dir = tmp("since-cache");
    let cache = cache_dir.join("c.jsonl").display().to_string();
    let args = ["--download", "--cache-file", &cache];
    assert_eq!(check(&new, &args).status.code(), Some(0));
    assert_eq!(s.hits().len(), 2);
    // The origin's file changes under the same url: the results file still says ok.
    s.route("/moved.tar.gz", vec![Response::body("changed")]);
    assert_eq!(check(&new, &args).status.code(), Some(0));
    assert_eq!(s.hits().len(), 2, "both answered from the results file");
    let old_arg = old.display().to_string();
    let o = check(&new, &[&args[..], &["--since", &old_arg]].concat());
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert_eq!(s.hits_of("/moved.tar.gz").len(), 2, "asked again");
    assert_eq!(
        s.hits_of("/steady.tar.gz").len(),
        1,
        "still from the results file"
    );
    let got = lines(&new);
    assert_eq!(got["moved.tar.gz"]["status"], "hash-mismatch");
    assert_eq!(got["moved.tar.gz"]["reverify"], true);
    assert_eq!(got["steady.tar.gz"]["status"], "ok");
    assert!(got["steady.tar.gz"].get("reverify").is_none());
}

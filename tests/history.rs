//! Nightly runs that remember: two scans of a tree that changed between them and a check after
//! each (urls on a loopback server) appended to one history; `fodfuzz report` then says what
//! changed, exits 1 on the --fail-on conditions that hold, and draws a page that headless
//! Chromium renders with its five plots. A file that is not a history is refused untouched, and
//! two runs recording at once both land.
mod common;
use common::server::{Response, Server};
use common::*;
use serde_json::Value;
use std::path::Path;

/// The tree on night `n` (1 or 2): on the second, `a` is behind a config key nobody sets (its
/// literal, on the same line, no longer reached), `b` has a new source, `c` recurses for ever
/// (a kind of failure the first night did not have); `d` stays.
fn tree(dir: &Path, base: &str, night: u32, hashes: &[String; 4]) {
    let [a, b, b2, d] = hashes;
    let d = format!("  d = fod \"d.tar.gz\" \"{d}\";\n");
    let body = match night {
        1 => format!("  a = fod \"a.tar.gz\"\n    \"{a}\";\n  b = fod \"b.tar.gz\" \"{b}\";\n{d}"),
        _ => format!(
            "  a = if config.enableA or false then fod \"a.tar.gz\"\n    \"{a}\" else null;\n  b = fod \"b2.tar.gz\" \"{b2}\";\n{d}  c = let x = x; in x;\n"
        ),
    };
    let text = format!(
        "{{ system ? builtins.currentSystem, config ? {{ }} }}:\nlet\n  fod = name: hash: derivation {{\n    inherit name system;\n    url = \"{base}/${{name}}\";\n    builder = \"builtin:fetchurl\";\n    outputHashMode = \"flat\";\n    outputHashAlgo = \"sha256\";\n    outputHash = hash;\n  }};\nin {{\n{body}}}\n"
    );
    std::fs::write(dir.join("default.nix"), text).unwrap();
}

fn sha256_nix32(bytes: &[u8], dir: &Path) -> String {
    let f = dir.join("blob");
    std::fs::write(&f, bytes).unwrap();
    let o = std::process::Command::new("nix-hash")
        .args(["--type", "sha256", "--flat", "--base32"])
        .arg(&f)
        .output()
        .unwrap();
    String::from_utf8(o.stdout).unwrap().trim().to_owned()
}

fn scan(tree: &Path, out: &Path, db: &Path) {
    let o = run(fodfuzz()
        .arg("scan")
        .arg(tree)
        .args(["--out"])
        .arg(out)
        .args([
            "--system",
            "x86_64-linux",
            "--config",
            "{}",
            "--force",
            "-q",
            "--history",
        ])
        .arg(db));
    assert!(o.status.success());
}

fn check(scan: &Path, db: &Path) -> i32 {
    let o = run(fodfuzz()
        .arg("check")
        .arg(scan)
        .args(["--max-age", "0", "--retries", "0", "-q", "--history"])
        .arg(db));
    o.status.code().unwrap()
}

#[test]
fn two_nights_then_the_report() {
    let work = tmp("history");
    let server = Server::start();
    let bodies: [&[u8]; 4] = [b"a\n", b"b\n", b"b, version 2\n", b"d\n"];
    let hashes = bodies.map(|b| sha256_nix32(b, &work));
    server.route("/a.tar.gz", vec![Response::body(bodies[0])]);
    for gone in ["/b.tar.gz", "/b2.tar.gz", "/d.tar.gz"] {
        server.route(gone, vec![Response::status(404)]);
    }
    let (t, out, db) = (
        work.join("tree"),
        work.join("scan"),
        work.join("history.db"),
    );
    std::fs::create_dir(&t).unwrap();
    tree(&t, &server.url, 1, &hashes);
    scan(&t, &out, &db);
    assert_eq!(check(&out, &db), 1, "b and d are dead");
    tree(&t, &server.url, 2, &hashes);
    scan(&t, &out, &db);
    assert_eq!(check(&out, &db), 1, "b2 and d are dead");

    let o = run(fodfuzz().arg("report").arg(&db).arg("--json"));
    assert!(o.status.success());
    let r: Value = serde_json::from_slice(&o.stdout).unwrap();
    let names = |k: &str| -> Vec<String> {
        let mut n: Vec<String> = r[k]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["name"].as_str().unwrap().to_owned())
            .collect();
        n.sort();
        n
    };
    assert_eq!(r["runs"].as_array().unwrap().len(), 4);
    let first = &r["runs"][0];
    assert_eq!(first["configs"], serde_json::json!(["{}"]));
    assert_eq!(first["complete"], true);
    assert!(first["dir"].as_str().unwrap().ends_with("scan"), "{first}");
    assert!(
        r["runs"][1]["ok"].is_i64(),
        "a check run counts its ok FODs"
    );
    assert_eq!(
        (r["latest"].as_i64(), r["previous"].as_i64()),
        (Some(3), Some(1))
    );
    assert_eq!(names("newFods"), ["b2.tar.gz"]);
    assert_eq!(names("goneFods"), ["a.tar.gz", "b.tar.gz"]);
    let unreached = &r["newlyUnreached"][0];
    assert_eq!(
        (unreached["file"].as_str(), unreached["line"].as_i64()),
        (Some("default.nix"), Some(13))
    );
    assert_eq!(unreached["reason"], "needs-config");
    assert_eq!(
        r["newFailureKinds"],
        serde_json::json!(["infinite-recursion"])
    );
    let dead: Vec<(&str, i64)> = r["deadUrls"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["url"].as_str().unwrap(),
                d["deadSinceRun"].as_i64().unwrap(),
            )
        })
        .collect();
    let url = |n: &str| format!("{}/{n}", server.url);
    let (d, b2) = (url("d.tar.gz"), url("b2.tar.gz"));
    // d since the first check; b.tar.gz is no longer checked.
    assert_eq!(dead, [(d.as_str(), 2), (b2.as_str(), 4)]);
    assert_eq!(r["newDead"][0]["url"].as_str(), Some(b2.as_str()));

    let o = run(fodfuzz()
        .arg("report")
        .arg(&db)
        .args(["--fail-on", "new-dead,coverage-drop=0.5,new-failure-kind"]));
    assert_eq!(o.status.code(), Some(1));
    let said = String::from_utf8_lossy(&o.stderr);
    for c in [
        "new-dead:",
        "coverage-drop: 66.67 % after 100.00 %",
        "new-failure-kind: infinite-recursion",
    ] {
        assert!(said.contains(c), "{said}");
    }
    let o = run(fodfuzz()
        .arg("report")
        .arg(&db)
        .args(["--fail-on", "gone-fods,coverage-drop=60"]));
    assert_eq!(
        o.status.code(),
        Some(1),
        "gone-fods holds, a 33-point drop is within 60"
    );

    let page = work.join("page");
    assert!(
        run(fodfuzz().arg("report").arg(&db).arg("--html").arg(&page))
            .status
            .success()
    );
    let dom = chromium(&page.join("index.html"));
    assert!(
        dom.contains("data-plots=\"5\""),
        "five plots drawn with lines: {dom}"
    );
    assert!(dom.contains("<table id=\"newly-unreached\">") && dom.contains("default.nix:13"));
}

#[test]
fn a_foreign_file_is_refused_and_writers_at_once_all_land() {
    let work = tmp("history-db");
    let notes = work.join("notes.db");
    std::fs::write(&notes, "a plain text file\n").unwrap();
    let o = run(fodfuzz()
        .arg("scan")
        .arg(root().join("corpus/aliases"))
        .arg("--out")
        .arg(work.join("scan"))
        .args([
            "--system",
            "x86_64-linux",
            "--config",
            "{}",
            "-q",
            "--history",
        ])
        .arg(&notes));
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        std::fs::read_to_string(&notes).unwrap(),
        "a plain text file\n"
    );
    assert!(
        !work.join("scan").join("summary.json").exists(),
        "refused before scanning"
    );

    let scan_dir = work.join("scan2");
    let o = run(fodfuzz()
        .arg("scan")
        .arg(root().join("corpus/aliases"))
        .arg("--out")
        .arg(&scan_dir)
        .args(["--system", "x86_64-linux", "--config", "{}", "-q"]));
    assert!(o.status.success());
    let db = work.join("h.db");
    // Four at once on a new file: each must find it made by another or make it, never half made.
    let writers: Vec<_> = (0..4)
        .map(|_| {
            fodfuzz()
                .arg("report")
                .arg(&db)
                .arg("--add")
                .arg(&scan_dir)
                .stdout(std::process::Stdio::null())
                .spawn()
                .unwrap()
        })
        .collect();
    for mut w in writers {
        assert!(w.wait().unwrap().success());
    }
    let o = run(fodfuzz().arg("report").arg(&db).arg("--json"));
    let r: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(r["runs"].as_array().unwrap().len(), 4, "every run recorded");
}

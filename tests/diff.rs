//! `fodfuzz diff OLD NEW` on hand-made fods.jsonl pairs: exact text and JSON, and bad input.
mod common;
use common::*;
use serde_json::{Value, json};
use std::path::Path;

/// A fods.jsonl line as a scan writes it; `attrs` as given (dotted strings or arrays of names).
fn line(out: &str, name: &str, hash: &str, mode: &str, urls: &[&str], attrs: Value) -> String {
    let reached: Vec<Value> = attrs
        .as_array()
        .unwrap()
        .iter()
        .map(|a| json!({"attrPath": a, "system": "x86_64-linux", "config": "{}"}))
        .collect();
    json!({
        "outPath": format!("/nix/store/{out}-{name}"), "drvPath": format!("/nix/store/{out}-{name}.drv"),
        "name": name, "hash": hash, "hashMode": mode, "urls": urls,
        "fetcher": if urls.is_empty() { "unknown" } else { "url" }, "reachedBy": reached,
    })
    .to_string()
}

fn scan_dir(name: &str, lines: &[String]) -> Tmp {
    let d = tmp(name);
    std::fs::write(d.join("fods.jsonl"), lines.join("\n") + "\n").unwrap();
    d
}

fn diff(old: &Path, new: &Path, json: bool) -> (Option<i32>, String, String) {
    let mut c = fodfuzz();
    c.arg("diff").arg(old).arg(new);
    if json {
        c.arg("--json");
    }
    let o = run(&mut c);
    (
        o.status.code(),
        String::from_utf8(o.stdout).unwrap(),
        String::from_utf8(o.stderr).unwrap(),
    )
}

/// old → new: a version bump (removed + added: another name), a hash change and a hash-mode
/// change under the same attribute and name (changed), urls moved for the same output
/// (changed; the attribute path dotted in one file and an array in the other), an unchanged
/// FOD, and a same-name FOD reached by another attribute (not paired).
/// `tag` keeps the directories of tests running at once apart.
fn pair(tag: &str) -> (Tmp, Tmp) {
    let old = scan_dir(&format!("diff-{tag}-old"), &old_lines());
    let new = scan_dir(&format!("diff-{tag}-new"), &new_lines());
    (old, new)
}

/// The earlier scan's fods.jsonl of [`pair`].
fn old_lines() -> Vec<String> {
    vec![
        line(
            "aaa",
            "foo-1.0.tar.gz",
            "sha256-F1",
            "flat",
            &["http://x/foo-1.0.tar.gz"],
            json!(["foo"]),
        ),
        line(
            "bbb",
            "hello-2.10.tar.gz",
            "sha256-H1",
            "flat",
            &["mirror://gnu/hello-2.10.tar.gz"],
            json!(["hello", "hello-static"]),
        ),
        line(
            "ccc",
            "same.tar.gz",
            "sha256-S",
            "flat",
            &["http://s/same.tar.gz"],
            json!(["same"]),
        ),
        line(
            "ddd",
            "moved.tar.gz",
            "sha256-M",
            "flat",
            &["http://old/moved.tar.gz"],
            json!(["python3Packages.\"zope.interface\""]),
        ),
        line(
            "eee",
            "src",
            "sha256-E",
            "flat",
            &["http://e/src"],
            json!(["x.y"]),
        ),
        line("iii", "source", "sha256-I", "recursive", &[], json!(["a"])),
    ]
}

/// The later scan's fods.jsonl of [`pair`].
fn new_lines() -> Vec<String> {
    vec![
        line(
            "ccc",
            "same.tar.gz",
            "sha256-S",
            "flat",
            &["http://s/same.tar.gz"],
            json!(["same", "more"]),
        ),
        line(
            "ddd",
            "moved.tar.gz",
            "sha256-M",
            "flat",
            &["http://new/moved.tar.gz"],
            json!([["python3Packages", "zope.interface"]]),
        ),
        line(
            "fff",
            "foo-1.1.tar.gz",
            "sha256-F2",
            "flat",
            &["http://x/foo-1.1.tar.gz"],
            json!(["foo"]),
        ),
        line(
            "ggg",
            "hello-2.10.tar.gz",
            "sha256-H2",
            "flat",
            &["mirror://gnu/hello-2.10.tar.gz"],
            json!(["hello"]),
        ),
        line(
            "hhh",
            "src",
            "sha256-E2",
            "recursive",
            &["http://e/src"],
            json!(["x.y"]),
        ),
        line("jjj", "source", "sha256-J", "recursive", &[], json!(["b"])),
    ]
}

#[test]
fn text_gives_counts_then_lines() {
    let (old, new) = pair("text");
    let (code, out, _) = diff(&old, &new, false);
    assert_eq!(code, Some(0));
    assert_eq!(
        out,
        "added 2, removed 2, changed 3 (1 to re-verify)\n\
         + /nix/store/fff-foo-1.1.tar.gz foo-1.1.tar.gz http://x/foo-1.1.tar.gz\n\
         + /nix/store/jjj-source source (no url)\n\
         - /nix/store/aaa-foo-1.0.tar.gz foo-1.0.tar.gz http://x/foo-1.0.tar.gz\n\
         - /nix/store/iii-source source (no url)\n\
         ~ hello hello-2.10.tar.gz: sha256-H1 → sha256-H2\n\
         ~ python3Packages.\"zope.interface\" moved.tar.gz: urls http://old/moved.tar.gz → http://new/moved.tar.gz; same output path: needs re-verification\n\
         ~ x.y src: sha256-E (flat) → sha256-E2 (recursive)\n"
    );
    // The other way round, what was added is removed.
    let (_, back, _) = diff(&new, &old, false);
    assert!(back.starts_with(
        "added 2, removed 2, changed 3 (1 to re-verify)\n+ /nix/store/aaa-foo-1.0.tar.gz"
    ));
    assert!(back.contains("~ hello hello-2.10.tar.gz: sha256-H2 → sha256-H1\n"));
    // A scan against itself.
    let (_, same, _) = diff(&old, &old, false);
    assert_eq!(same, "added 0, removed 0, changed 0 (0 to re-verify)\n");
}

#[test]
fn json_for_machines() {
    let (old, new) = pair("json");
    let (code, out, _) = diff(&old, &new, true);
    assert_eq!(code, Some(0));
    let got: Value = serde_json::from_str(&out).unwrap();
    let fod = |out: &str, name: &str, hash: &str, mode: &str, urls: &[&str]| {
        json!({"outPath": format!("/nix/store/{out}-{name}"), "name": name, "hash": hash,
               "hashMode": mode, "urls": urls, "fetcher": if urls.is_empty() { "unknown" } else { "url" }})
    };
    let want = json!({
        "counts": {"added": 2, "removed": 2, "changed": 3, "reverify": 1},
        "added": [
            fod("fff", "foo-1.1.tar.gz", "sha256-F2", "flat", &["http://x/foo-1.1.tar.gz"]),
            fod("jjj", "source", "sha256-J", "recursive", &[]),
        ],
        "removed": [
            fod("aaa", "foo-1.0.tar.gz", "sha256-F1", "flat", &["http://x/foo-1.0.tar.gz"]),
            fod("iii", "source", "sha256-I", "recursive", &[]),
        ],
        "changed": [
            {"attrPath": ["hello"], "name": "hello-2.10.tar.gz",
             "old": fod("bbb", "hello-2.10.tar.gz", "sha256-H1", "flat", &["mirror://gnu/hello-2.10.tar.gz"]),
             "new": fod("ggg", "hello-2.10.tar.gz", "sha256-H2", "flat", &["mirror://gnu/hello-2.10.tar.gz"])},
            {"attrPath": ["python3Packages", "zope.interface"], "name": "moved.tar.gz",
             "old": fod("ddd", "moved.tar.gz", "sha256-M", "flat", &["http://old/moved.tar.gz"]),
             "new": fod("ddd", "moved.tar.gz", "sha256-M", "flat", &["http://new/moved.tar.gz"]),
             "reverify": true},
            {"attrPath": ["x", "y"], "name": "src",
             "old": fod("eee", "src", "sha256-E", "flat", &["http://e/src"]),
             "new": fod("hhh", "src", "sha256-E2", "recursive", &["http://e/src"])},
        ],
    });
    assert_eq!(got, want);
}

/// Two removed and two added FODs of one name and attribute: paired in outPath order, none twice.
#[test]
fn pairs_each_fod_once() {
    let old = scan_dir(
        "diff-twice-old",
        &[
            line(
                "a1",
                "p.tar",
                "sha256-A1",
                "flat",
                &["http://p/1"],
                json!(["p"]),
            ),
            line(
                "a2",
                "p.tar",
                "sha256-A2",
                "flat",
                &["http://p/2"],
                json!(["p"]),
            ),
        ],
    );
    let new = scan_dir(
        "diff-twice-new",
        &[
            line(
                "b1",
                "p.tar",
                "sha256-B1",
                "flat",
                &["http://p/1"],
                json!(["p"]),
            ),
            line(
                "b2",
                "p.tar",
                "sha256-B2",
                "flat",
                &["http://p/2"],
                json!(["p"]),
            ),
            line(
                "b3",
                "p.tar",
                "sha256-B3",
                "flat",
                &["http://p/3"],
                json!(["p"]),
            ),
        ],
    );
    let (_, out, _) = diff(&old, &new, false);
    assert_eq!(
        out,
        "added 1, removed 0, changed 2 (0 to re-verify)\n\
         + /nix/store/b3-p.tar p.tar http://p/3\n\
         ~ p p.tar: sha256-A1 → sha256-B1\n\
         ~ p p.tar: sha256-A2 → sha256-B2\n"
    );
}

#[test]
fn bad_input_is_one_line_and_exit_2() {
    let (old, _) = pair("bad");
    let empty = tmp("diff-empty");
    let unsorted = scan_dir(
        "diff-unsorted",
        &[
            line("bbb", "b", "sha256-B", "flat", &[], json!(["b"])),
            line("aaa", "a", "sha256-A", "flat", &[], json!(["a"])),
        ],
    );
    let broken = tmp("diff-broken");
    std::fs::write(broken.join("fods.jsonl"), "{\"outPath\": 1}\n").unwrap();
    for (dir, expect) in [
        (
            Path::new("/nonexistent/scan"),
            "/nonexistent/scan: not a directory".to_owned(),
        ),
        (&*empty, format!("{}: no fods.jsonl", empty.display())),
        (
            &*unsorted,
            format!(
                "{}:2: not sorted by outPath",
                unsorted.join("fods.jsonl").display()
            ),
        ),
        (
            &*broken,
            format!("{}:1: invalid type", broken.join("fods.jsonl").display()),
        ),
    ] {
        let (code, out, err) = diff(&old, dir, false);
        assert_eq!(code, Some(2), "{err}");
        assert_eq!(out, "");
        assert_eq!(err.trim_end().lines().count(), 1, "one line: {err}");
        assert!(err.contains(&expect), "{err:?} should say {expect:?}");
    }
}

/// A checkout whose recipe changed (fetchgit's `rev` became a `tag`, nixpkgs#473846) while its
/// output path stayed, and one whose recipe is the same: only the first is to re-verify, and
/// the text names the fields that changed.
#[test]
fn a_recipe_changed_under_the_same_output_is_to_reverify() {
    let git = |recipe: Value| {
        let mut v: Value = serde_json::from_str(&line(
            "kkk",
            "source",
            "sha256-K",
            "recursive",
            &[],
            json!(["tool"]),
        ))
        .unwrap();
        v["fetcher"] = json!("git");
        v["recipe"] = recipe;
        v.to_string()
    };
    let kept = line(
        "lll",
        "kept.tar.gz",
        "sha256-L",
        "flat",
        &["http://l/k"],
        json!(["k"]),
    );
    let old = scan_dir(
        "diff-recipe-old",
        &[
            git(json!({"function": "fetchgit", "rev": "abc"})),
            kept.clone(),
        ],
    );
    let new = scan_dir(
        "diff-recipe-new",
        &[
            git(json!({"function": "fetchgit", "rev": "refs/tags/v1", "tag": "v1"})),
            kept,
        ],
    );
    let (code, out, _) = diff(&old, &new, false);
    assert_eq!(code, Some(0));
    assert_eq!(
        out,
        "added 0, removed 0, changed 1 (1 to re-verify)\n\
         ~ tool source: recipe.rev abc → refs/tags/v1; recipe.tag - → v1; \
         same output path: needs re-verification\n"
    );
    let (_, json_out, _) = diff(&old, &new, true);
    let got: Value = serde_json::from_str(&json_out).unwrap();
    assert_eq!(got["counts"]["reverify"], 1);
    assert_eq!(got["changed"][0]["reverify"], true);
    assert_eq!(got["changed"][0]["new"]["recipe"]["tag"], "v1");
}

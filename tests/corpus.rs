//! Each collection in corpus/ is scanned with the real nix-instantiate and must give exactly the
//! FODs and failures its expected.json lists.
mod common;
use common::*;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// (attribute path, system, config, via): `via` is empty for an attribute whose derivation
/// evaluated, else how an attribute that failed reaches the FOD in part.
type Reaches = BTreeSet<(String, String, String, String)>;

/// How `why` prints a reach.
fn label((a, s, c, via): &(String, String, String, String)) -> String {
    match via.as_str() {
        "" => format!("{a} ({s}, {c})"),
        v => format!("{a} ({s}, {c}) [partial, via {v}]"),
    }
}

/// Expands `{"attrPaths": [...], "systems": [...], "configs": [...]}` groups (cross products),
/// with the group's `via` when it has one.
fn expand(groups: &Value, key: &str) -> Reaches {
    let strs = |g: &Value, k: &str| -> Vec<String> {
        g[k].as_array()
            .unwrap_or_else(|| panic!("{k} in {g}"))
            .iter()
            .map(|s| s.as_str().unwrap().to_owned())
            .collect()
    };
    let mut out = BTreeSet::new();
    for g in groups.as_array().unwrap() {
        let attrs = if key == "attrPaths" {
            strs(g, "attrPaths")
        } else {
            vec![g["attrPath"].as_str().unwrap().to_owned()]
        };
        let via = g["via"].as_str().unwrap_or("").to_owned();
        for a in &attrs {
            for s in strs(g, "systems") {
                for c in strs(g, "configs") {
                    out.insert((a.clone(), s.clone(), c, via.clone()));
                }
            }
        }
    }
    out
}

fn reach_set(v: &Value) -> Reaches {
    v.as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let via = r["via"].as_str().unwrap_or("").to_owned();
            assert_eq!(
                r["partial"] == true,
                !via.is_empty(),
                "partial with via: {r}"
            );
            (
                r["attrPath"].as_str().unwrap().into(),
                r["system"].as_str().unwrap().into(),
                r["config"].as_str().unwrap().into(),
                via,
            )
        })
        .collect()
}

/// name + hash → (hashMode, fetcher, urls, reachedBy)
type FodView = BTreeMap<(String, String), (String, String, Vec<Value>, Reaches)>;

fn view(fods: &[Value], reach: impl Fn(&Value) -> Reaches) -> FodView {
    fods.iter()
        .map(|f| {
            let s = |k: &str| {
                f[k].as_str()
                    .unwrap_or_else(|| panic!("{k} in {f}"))
                    .to_owned()
            };
            (
                (s("name"), s("hash")),
                (
                    s("hashMode"),
                    s("fetcher"),
                    f["urls"].as_array().unwrap().clone(),
                    reach(f),
                ),
            )
        })
        .collect()
}

/// Each expected FOD with a `recipe` has that recipe in fods.jsonl; `"SRC:NAME"` stands for the
/// outPath of the FOD named NAME (a store path expected.json cannot spell).
fn check_recipes(corpus: &str, fods: &[Value], expected: &Value) {
    let out_path_of = |name: &str| {
        fods.iter()
            .find(|f| f["name"] == name)
            .and_then(|f| f["outPath"].as_str())
            .unwrap_or_else(|| panic!("{corpus}: no FOD {name}"))
            .to_owned()
    };
    for e in expected["fods"].as_array().unwrap() {
        let Some(mut want) = e.get("recipe").cloned() else {
            continue;
        };
        if let Some(src) = want["src"].as_str().and_then(|s| s.strip_prefix("SRC:")) {
            want["src"] = out_path_of(src).into();
        }
        let got = fods
            .iter()
            .find(|f| f["name"] == e["name"] && f["hash"] == e["hash"])
            .unwrap_or_else(|| panic!("{corpus}: {} not listed", e["name"]));
        assert_eq!(got["recipe"], want, "{corpus}: recipe of {}", e["name"]);
    }
}

fn scan(dir: &Path, args: &[String], out: &Path, jobs: &str) {
    let o = run(fodfuzz()
        .arg("scan")
        .arg(dir)
        .arg("--out")
        .arg(out)
        .args(args)
        .args(["--jobs", jobs, "--quiet"]));
    assert!(o.status.success(), "scan of {} failed", dir.display());
}

fn check(dir: &Path) {
    let expected: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("expected.json")).unwrap()).unwrap();
    let args: Vec<String> = expected["args"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap().to_owned())
        .collect();
    let name = dir.file_name().unwrap().to_str().unwrap();
    let out = tmp(&format!("corpus-{name}"));
    scan(dir, &args, &out, "2");
    let fods = jsonl(&out.join("fods.jsonl"));
    check_fods(name, &fods, &expected);
    check_recipes(name, &fods, &expected);
    check_reach_counts(name, &fods, &expected);
    check_why_all(name, &out, &fods, &expected);
    check_failures(name, &out, &expected);
    check_store_paths(&out, &fods);
    check_inputs_once(name, &out);
    check_why(&out, &fods);
    if let Some(m) = expected.get("mirrors") {
        check_mirrors(name, &out, m, &fods);
    }
    if let Some(want) = expected.get("summary") {
        check_summary(name, &out, want);
    }
    check_reproducible(name, dir, &args, &out);
}

/// The inputs a failing derivation is asked for name each .drv once (a derivation that threw
/// under two of them is opened once), so a record stays the size of what it found.
fn check_inputs_once(name: &str, out: &Path) {
    for r in jsonl(&out.join("journal.jsonl")) {
        let visited = &r["outcome"]["visited"];
        if visited["kind"] != "inputs" {
            continue;
        }
        let paths = strs(&visited["drvPaths"]);
        let unique: std::collections::BTreeSet<_> = paths.iter().collect();
        assert_eq!(unique.len(), paths.len(), "{name}: {r}");
    }
}

/// summary.json's totals hold what expected.json's `summary` says (e.g. the aliased sets).
fn check_summary(name: &str, out: &Path, want: &Value) {
    let summary: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    for (k, v) in want.as_object().unwrap() {
        assert_eq!(&summary["totals"][k], v, "{name}: summary.json totals.{k}");
    }
}

/// Every (attribute, system, config) that reaches an expected FOD.
fn full_reach(f: &Value) -> Reaches {
    expand(&f["reachedBy"], "attrPaths")
}

/// The reaches fods.jsonl lists for an expected FOD: those of its `nearest.attrPaths`, or all
/// when it names none (every reaching attribute uses the FOD directly); attributes that failed
/// only when no other reaches it.
fn nearest_reach(f: &Value) -> Reaches {
    let mut all = full_reach(f);
    if all.iter().any(|r| r.3.is_empty()) {
        all.retain(|r| r.3.is_empty());
    }
    match f["nearest"]["attrPaths"].as_array() {
        None => all,
        Some(names) => all
            .into_iter()
            .filter(|(a, _, _, _)| names.iter().any(|n| n == a.as_str()))
            .collect(),
    }
}

/// fods.jsonl: exactly the expected FODs, each listed with exactly its nearest attributes.
fn check_fods(name: &str, fods: &[Value], expected: &Value) {
    let got = view(fods, |f| reach_set(&f["reachedBy"]));
    let want = view(expected["fods"].as_array().unwrap(), nearest_reach);
    for k in want.keys().chain(got.keys()).collect::<BTreeSet<_>>() {
        assert_eq!(
            got.get(k),
            want.get(k),
            "{name}: FOD {k:?} (left: found, right: expected)"
        );
    }
}

/// The line of fods.jsonl for an expected FOD (name and hash tell them apart).
fn line_of<'a>(name: &str, fods: &'a [Value], f: &Value) -> &'a Value {
    fods.iter()
        .find(|l| l["name"] == f["name"] && l["hash"] == f["hash"])
        .unwrap_or_else(|| panic!("{name}: no line for {} {}", f["name"], f["hash"]))
}

/// reachCount: per cell, how many attributes reach the FOD (whole, and in part: those that
/// failed) and at what distance the nearest.
fn check_reach_counts(name: &str, fods: &[Value], expected: &Value) {
    type Counts = BTreeMap<(String, String), (u64, u64, u64)>;
    let counts = |f: &Value| -> Counts {
        f["reachCount"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                let s = |k: &str| c[k].as_str().unwrap().to_owned();
                let n = |k: &str| c[k].as_u64().unwrap_or(0);
                let counts = (n("attributes"), n("partial"), n("distance"));
                ((s("system"), s("config")), counts)
            })
            .collect()
    };
    for f in expected["fods"].as_array().unwrap() {
        let line = line_of(name, fods, f);
        let distance = f["nearest"]["distance"].as_u64().unwrap_or(1);
        let mut want = Counts::new();
        for (_, s, c, via) in full_reach(f) {
            let e = want.entry((s, c)).or_insert((0, 0, distance));
            if via.is_empty() {
                e.0 += 1;
            } else {
                e.1 += 1;
            }
        }
        assert_eq!(counts(line), want, "{name}: reachCount of {}", f["name"]);
    }
}

/// `why --all`: every attribute that reaches each FOD, exactly the expected ones.
fn check_why_all(name: &str, out: &Path, fods: &[Value], expected: &Value) {
    for f in expected["fods"].as_array().unwrap() {
        let line = line_of(name, fods, f);
        let o = run(fodfuzz()
            .args(["why", "--all"])
            .arg(line["outPath"].as_str().unwrap())
            .arg("--in")
            .arg(out));
        assert!(o.status.success());
        let got: Vec<String> = String::from_utf8(o.stdout)
            .unwrap()
            .lines()
            .map(str::to_owned)
            .collect();
        let mut sorted = got.clone();
        sorted.sort();
        assert_eq!(got, sorted, "{name}: why --all is sorted");
        let want: BTreeSet<String> = full_reach(f).iter().map(label).collect();
        assert_eq!(
            got.into_iter().collect::<BTreeSet<_>>(),
            want,
            "{name}: why --all {} (left: found, right: expected)",
            f["name"]
        );
    }
}

/// failures.jsonl: exactly the expected (attribute, cell, kind), each with a message.
fn check_failures(name: &str, out: &Path, expected: &Value) {
    let failures = jsonl(&out.join("failures.jsonl"));
    let got_f: BTreeSet<(String, String, String, String)> = failures
        .iter()
        .map(|f| {
            assert!(
                !f["message"].as_str().unwrap().is_empty(),
                "a message for {f}"
            );
            let s = |k: &str| f[k].as_str().unwrap().to_owned();
            (s("attrPath"), s("system"), s("config"), s("kind"))
        })
        .collect();
    let mut want_f = BTreeSet::new();
    for g in expected["failures"].as_array().unwrap() {
        for (a, s, c, _) in expand(&Value::Array(vec![g.clone()]), "attrPath") {
            want_f.insert((a, s, c, g["kind"].as_str().unwrap().to_owned()));
        }
    }
    assert_eq!(
        got_f, want_f,
        "{name}: failures (left: found, right: expected)"
    );
}

/// store-paths is the sorted list of the FODs' outPaths; fods.jsonl is sorted by outPath.
fn check_store_paths(out: &Path, fods: &[Value]) {
    let outs: Vec<String> = fods
        .iter()
        .map(|f| f["outPath"].as_str().unwrap().to_owned())
        .collect();
    let mut sorted = outs.clone();
    sorted.sort();
    assert_eq!(outs, sorted);
    let listed: Vec<String> = std::fs::read_to_string(out.join("store-paths"))
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect();
    assert_eq!(listed, outs);
}

/// `why` names an attribute that reaches the FOD, and ends at it.
fn check_why(out: &Path, fods: &[Value]) {
    for f in fods {
        let o = run(fodfuzz()
            .arg("why")
            .arg(f["outPath"].as_str().unwrap())
            .arg("--in")
            .arg(out));
        assert!(o.status.success());
        let text = String::from_utf8(o.stdout).unwrap();
        let first = text.lines().next().unwrap();
        assert!(
            reach_set(&f["reachedBy"]).iter().any(|r| first == label(r)),
            "why: {first:?} reaches {}",
            f["outPath"]
        );
        assert!(text.trim_end().ends_with(f["outPath"].as_str().unwrap()));
    }
}

/// A different number of workers gives the same files.
fn check_reproducible(name: &str, dir: &Path, args: &[String], out: &Path) {
    let again = tmp(&format!("corpus-{name}-1"));
    scan(dir, args, &again, "1");
    for file in [
        "fods.jsonl",
        "failures.jsonl",
        "store-paths",
        "graph.jsonl",
        "tarballs.json",
        "sources.json",
        "hashed-mirror.txt",
        "manual.txt",
    ] {
        assert_eq!(
            std::fs::read(out.join(file)).unwrap(),
            std::fs::read(again.join(file)).unwrap(),
            "{name}: {file} differs between --jobs 2 and 1"
        );
    }
}

/// Mirror-file checks: the scan's output, expected.json's `mirrors` and fods.jsonl.
struct Mirrors<'a> {
    name: &'a str,
    out: &'a Path,
    want: &'a Value,
    fods: &'a [Value],
}

fn strs(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap().to_owned())
        .collect()
}

impl Mirrors<'_> {
    fn by_name(&self, n: &str) -> Vec<&Value> {
        self.fods.iter().filter(|f| f["name"] == n).collect()
    }

    fn read(&self, file: &str) -> String {
        std::fs::read_to_string(self.out.join(file)).unwrap()
    }

    /// tarballs.json: find-tarballs.nix's list, one line, sorted by name.
    fn tarballs(&self) {
        let (name, want) = (self.name, self.want);
        let text = self.read("tarballs.json");
        assert_eq!(text.lines().count(), 1, "{name}: tarballs.json is one line");
        let tarballs: Vec<Value> = serde_json::from_str(&text).unwrap();
        let names: Vec<String> = tarballs
            .iter()
            .map(|t| t["name"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(names, strs(&want["tarballs"]["names"]), "{name}: tarballs");
        let patches: Vec<String> = tarballs
            .iter()
            .filter(|t| t["isPatch"] == true)
            .map(|t| t["name"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(
            patches,
            strs(&want["tarballs"]["patches"]),
            "{name}: isPatch"
        );
        for e in want["tarballs"]["entries"].as_array().unwrap() {
            assert!(tarballs.contains(e), "{name}: tarballs.json lacks {e}");
        }
        for t in &tarballs {
            let keys: Vec<&String> = t.as_object().unwrap().keys().collect();
            assert_eq!(keys, ["hash", "isPatch", "name", "type", "urls"], "{t}");
            assert!(
                self.by_name(t["name"].as_str().unwrap())
                    .iter()
                    .any(|f| f["urls"] == t["urls"] && f["hashMode"] == "flat"),
                "{name}: {t} is a flat FOD of fods.jsonl with those urls"
            );
        }
    }

    /// sources.json: nixguix version 1.
    fn sources(&self) {
        let (name, want, fods) = (self.name, self.want, self.fods);
        let sources: Value = serde_json::from_str(&self.read("sources.json")).unwrap();
        let ws = &want["sources"];
        assert_eq!(sources["version"], 1);
        assert_eq!(sources["revision"], want["revision"]);
        let list = sources["sources"].as_array().unwrap();
        let mut counts = std::collections::BTreeMap::<String, u64>::new();
        for s in list {
            *counts
                .entry(s["type"].as_str().unwrap().to_owned())
                .or_default() += 1;
        }
        assert_eq!(
            serde_json::to_value(&counts).unwrap(),
            ws["counts"],
            "{name}: sources per type"
        );
        let listed: BTreeSet<&str> = list
            .iter()
            .map(|s| s["nixStorePath"].as_str().unwrap())
            .collect();
        let mut left_out: Vec<String> = fods
            .iter()
            .filter(|f| !listed.contains(f["outPath"].as_str().unwrap()))
            .map(|f| f["name"].as_str().unwrap().to_owned())
            .collect();
        left_out.sort();
        assert_eq!(
            left_out,
            strs(&ws["leftOut"]),
            "{name}: left out of sources.json"
        );
        for e in ws["entries"].as_array().unwrap() {
            let fod = self.by_name(e["name"].as_str().unwrap());
            assert_eq!(fod.len(), 1);
            let mut s = list
                .iter()
                .find(|s| s["nixStorePath"] == fod[0]["outPath"])
                .unwrap_or_else(|| panic!("{name}: no source for {e}"))
                .clone();
            s.as_object_mut().unwrap().remove("nixStorePath");
            assert_eq!(s, e["source"], "{name}: source {}", e["name"]);
        }
        let summary: Value = serde_json::from_str(&self.read("summary.json")).unwrap();
        assert_eq!(
            summary["mirrors"]["unknownMirrorUrls"], ws["unknownMirrorUrls"],
            "{name}: mirror:// urls of unknown sites"
        );
    }

    /// hashed-mirror.txt: `<algo>/<hash> <url>`, sorted, plain urls only, no postFetch file.
    fn hashed_mirror(&self) {
        let (name, want) = (self.name, self.want);
        let text = self.read("hashed-mirror.txt");
        let lines: Vec<&str> = text.lines().collect();
        let wh = &want["hashedMirror"];
        assert_eq!(
            lines.len() as u64,
            wh["count"].as_u64().unwrap(),
            "{name}: {text}"
        );
        assert!(lines.windows(2).all(|w| w[0] < w[1]), "sorted, unique");
        for l in strs(&wh["includes"]) {
            assert!(
                lines.contains(&l.as_str()),
                "{name}: hashed-mirror.txt lacks {l:?}"
            );
        }
        for l in &lines {
            let (key, url) = l.split_once(' ').unwrap();
            assert!(!url.starts_with("mirror://") && !url.contains(' '), "{l}");
            assert!(key.split_once('/').is_some(), "{l}");
        }
        for p in strs(&want["tarballs"]["patches"]) {
            let url = self.by_name(&p)[0]["urls"][0].as_str().unwrap().to_owned();
            assert!(
                !text.contains(&url),
                "{name}: the patch {url} is not a hashed-mirror file"
            );
        }
    }

    /// manual.txt: the requireFile sources with their messages, by name.
    fn manual(&self) {
        let (name, want) = (self.name, self.want);
        let text = self.read("manual.txt");
        let mut entries = String::new();
        for m in want["manual"].as_array().unwrap() {
            let fod = self.by_name(m["name"].as_str().unwrap());
            entries.push_str(&format!(
                "\n{}\n  hash: {}\n  hashMode: {}\n  outPath: {}\n  message:\n    {}\n",
                m["name"].as_str().unwrap(),
                m["hash"].as_str().unwrap(),
                m["hashMode"].as_str().unwrap(),
                fod[0]["outPath"].as_str().unwrap(),
                m["message"].as_str().unwrap()
            ));
        }
        assert_eq!(
            text.split_once("\n\n").map(|(_, body)| format!("\n{body}")),
            Some(entries),
            "{name}: manual.txt"
        );
    }
}

/// The mirror files against expected.json's `mirrors` (hand-derived: see corpus/README.md) and
/// against fods.jsonl.
fn check_mirrors(name: &str, out: &Path, want: &Value, fods: &[Value]) {
    let m = Mirrors {
        name,
        out,
        want,
        fods,
    };
    m.tarballs();
    m.sources();
    m.hashed_mirror();
    m.manual();
}

#[test]
fn corpus_collections_give_their_expected_results() {
    let mut n = 0;
    for entry in std::fs::read_dir(root().join("corpus")).unwrap() {
        let dir = entry.unwrap().path();
        // Collections have `args`; targets (corpus/system) are checked by tests/target.rs.
        let expected = std::fs::read_to_string(dir.join("expected.json")).unwrap_or_default();
        if expected.contains("\"args\"") {
            check(&dir);
            n += 1;
        }
    }
    assert!(n > 0, "no corpus collection found");
}

/// `--explain` records Nix's own message for a throw tryEval caught; a `--matrix` file names
/// its configs in the outputs.
#[test]
fn explain_and_named_matrix_configs() {
    let out = tmp("explain");
    let matrix = out.join("matrix.json");
    std::fs::write(
        &matrix,
        r#"{"systems": ["x86_64-linux"], "configs": {"default": "{}"}}"#,
    )
    .unwrap();
    let o = run(fodfuzz()
        .arg("scan")
        .arg(root().join("corpus/basic"))
        .arg("--out")
        .arg(out.join("scan"))
        .arg("--matrix")
        .arg(&matrix)
        .args(["--explain", "--attr-timeout", "3", "--quiet"]));
    assert!(o.status.success());
    let failures = jsonl(&out.join("scan/failures.jsonl"));
    let broken = failures
        .iter()
        .find(|f| f["attrPath"] == "broken-pkg")
        .expect("broken-pkg fails with {}");
    assert_eq!(broken["kind"], "throw");
    assert_eq!(broken["config"], "default");
    assert!(
        broken["message"]
            .as_str()
            .unwrap()
            .contains("is marked as broken"),
        "{broken}"
    );
    let fods = jsonl(&out.join("scan/fods.jsonl"));
    assert!(!fods.is_empty());
    assert!(fods.iter().all(|f| {
        f["reachedBy"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["config"] == "default")
    }));
}

//! Appending a finished run to the history, from the files it wrote (so a run of any kind, or
//! one made before there was a history, is recorded the same way): the run's counts, and for
//! each FOD, failure, unreached literal and checked url, the runs it has been there in.
//!
//! Things seen in a row of runs keep the run their streak began in (`first_run`); one gone for a
//! run and back starts a new streak: "new since the last run" is `first_run` = this run.
use crate::outputs::fods::Reader;
use anyhow::{Context, Result};
use rusqlite::{Transaction, params};
use serde::Deserialize;
use serde_json::Value;
use std::path::Path;

/// What kind of run a directory holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Scan,
    Fuzz,
    Check,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Scan => "scan",
            Kind::Fuzz => "fuzz",
            Kind::Check => "check",
        }
    }
}

/// Appends the run in `dir` (a scan or fuzz output; with `Kind::Check`, its check.jsonl) as
/// one transaction; returns the new run's id.
pub fn append(db: &mut rusqlite::Connection, dir: &Path, kind: Kind) -> Result<i64> {
    let tx = db.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let previous: Option<i64> = tx
        .query_row(
            "SELECT max(id) FROM runs WHERE kind = ?1 OR (?1 != 'check' AND kind != 'check')",
            [kind.as_str()],
            |r| r.get(0),
        )
        .context("reading the history")?;
    let prev = previous.unwrap_or(0);
    let run = insert_run(&tx, dir, kind)?;
    match kind {
        Kind::Check => checks(&tx, dir, run, prev)?,
        Kind::Scan | Kind::Fuzz => {
            fods(&tx, dir, run, prev)?;
            failures(&tx, dir, run, prev)?;
            sites(&tx, dir, run, prev)?;
        }
    }
    tx.commit().context("writing the history")?;
    Ok(run)
}

fn read_json(path: &Path) -> Result<Value> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    serde_json::from_str(&text).with_context(|| format!("{}", path.display()))
}

/// Field `i` of every cell (0: the system, 2: the config's label), each once, in the cells'
/// order, as a JSON list. Cells go system by system, so a config repeats once per system.
fn column(cells: &[Value], i: usize) -> String {
    let mut v: Vec<&str> = Vec::new();
    for s in cells.iter().filter_map(|c| c[i].as_str()) {
        if !v.contains(&s) {
            v.push(s);
        }
    }
    serde_json::to_string(&v).unwrap_or_default()
}

fn insert_run(tx: &Transaction, dir: &Path, kind: Kind) -> Result<i64> {
    let plan = read_json(&dir.join(".fodfuzz/plan.json")).unwrap_or(Value::Null);
    let cells = plan["cells"].as_array().cloned().unwrap_or_default();
    let summary = read_json(&dir.join("summary.json")).unwrap_or(Value::Null);
    let totals = &summary["totals"];
    let coverage = read_json(&dir.join("coverage.json")).unwrap_or(Value::Null);
    let revision = read_json(&dir.join("sources.json")).unwrap_or(Value::Null)["revision"].clone();
    let counts = match kind {
        Kind::Check => check_counts(dir)?,
        _ => [None, None, None],
    };
    tx.execute(
        "INSERT INTO runs (kind, dir, tree, revision, nix, systems, configs, recorded, wall,
           attributes, fods, failures, literals, reached, complete, dead, mismatched, ok)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)",
        params![
            kind.as_str(),
            dir.display().to_string(),
            plan["tree"].as_str(),
            revision.as_str(),
            nix_version(),
            column(&cells, 0),
            column(&cells, 2),
            crate::http::date::rfc3339(crate::http::date::now()),
            totals["wallSeconds"].as_f64(),
            totals["attributesVisited"].as_i64(),
            totals["fods"].as_i64(),
            totals["failures"].as_i64(),
            coverage["literals"].as_i64(),
            coverage["reached"].as_i64(),
            summary["complete"].as_bool(),
            counts[0],
            counts[1],
            counts[2],
        ],
    )?;
    Ok(tx.last_insert_rowid())
}

/// `nix-instantiate --version` of the Nix on PATH, when there is one.
fn nix_version() -> Option<String> {
    let o = std::process::Command::new("nix-instantiate")
        .arg("--version")
        .output()
        .ok()?;
    Some(String::from_utf8_lossy(&o.stdout).trim().to_owned()).filter(|s| !s.is_empty())
}

/// Upserts a thing seen in `run`: a streak goes on when it was seen in `prev`, else begins.
const STREAK: &str =
    "first_run = CASE WHEN last_run = :prev THEN first_run ELSE :run END, last_run = :run";

fn streak(sql: &str) -> String {
    sql.replace("STREAK", STREAK)
}

fn fods(tx: &Transaction, dir: &Path, run: i64, prev: i64) -> Result<()> {
    let mut up = tx.prepare(&streak(
        "INSERT INTO fods (out_path, name, hash, urls, first_run, last_run)
         VALUES (:path, :name, :hash, :urls, :run, :run)
         ON CONFLICT (out_path) DO UPDATE SET name = :name, hash = :hash, urls = :urls, STREAK",
    ))?;
    let mut reader = Reader::open(&crate::outputs::fods::file_in(dir)?)?;
    while let Some(e) = reader.current() {
        let urls = serde_json::to_string(&e.urls)?;
        up.execute(rusqlite::named_params! {
            ":path": e.out_path, ":name": e.name, ":hash": e.hash, ":urls": urls,
            ":run": run, ":prev": prev,
        })?;
        reader.advance()?;
    }
    Ok(())
}

#[derive(Deserialize)]
struct FailureLine {
    #[serde(rename = "attrPath")]
    attr_path: String,
    system: String,
    config: String,
    kind: String,
    message: String,
}

fn failures(tx: &Transaction, dir: &Path, run: i64, prev: i64) -> Result<()> {
    let mut up = tx.prepare(&streak(
        "INSERT INTO failures (attr_path, system, config, kind, message, first_run, last_run)
         VALUES (:attr, :system, :config, :kind, :message, :run, :run)
         ON CONFLICT (attr_path, system, config) DO UPDATE SET kind = :kind, message = :message,
           STREAK",
    ))?;
    let mut kinds: std::collections::BTreeMap<String, i64> = Default::default();
    let text = std::fs::read_to_string(dir.join("failures.jsonl")).unwrap_or_default();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let f: FailureLine = serde_json::from_str(line).context("failures.jsonl")?;
        *kinds.entry(f.kind.clone()).or_default() += 1;
        up.execute(rusqlite::named_params! {
            ":attr": f.attr_path, ":system": f.system, ":config": f.config, ":kind": f.kind,
            ":message": f.message, ":run": run, ":prev": prev,
        })?;
    }
    let mut k = tx.prepare("INSERT INTO failure_kinds (run, kind, count) VALUES (?1, ?2, ?3)")?;
    for (kind, n) in kinds {
        k.execute(params![run, kind, n])?;
    }
    Ok(())
}

/// The literals a run left unreached (coverage.json lists those; every file with a literal is
/// listed too, so that a literal of a file the previous run had is told from a new one).
fn sites(tx: &Transaction, dir: &Path, run: i64, prev: i64) -> Result<()> {
    let Ok(coverage) = read_json(&dir.join("coverage.json")) else {
        return Ok(());
    };
    let mut up = tx.prepare(&streak(
        "INSERT INTO sites (file, line, hash, reason, detail, first_run, last_run)
         VALUES (:file, :line, :hash, :reason, :detail, :run, :run)
         ON CONFLICT (file, line, hash) DO UPDATE SET reason = :reason, detail = :detail, STREAK",
    ))?;
    let mut file_seen = tx.prepare(&streak(
        "INSERT INTO sites (file, line, hash, first_run, last_run) VALUES (:file, 0, '', :run, :run)
         ON CONFLICT (file, line, hash) DO UPDATE SET STREAK",
    ))?;
    for f in coverage["files"].as_array().into_iter().flatten() {
        let file = f["file"].as_str().unwrap_or_default();
        // Line 0 with no hash stands for the file itself.
        file_seen.execute(rusqlite::named_params! { ":file": file, ":run": run, ":prev": prev })?;
        for u in f["unreached"].as_array().into_iter().flatten() {
            up.execute(rusqlite::named_params! {
                ":file": file, ":line": u["line"].as_i64(), ":hash": u["hash"].as_str(),
                ":reason": u["reason"].as_str(), ":detail": u["detail"].as_str(),
                ":run": run, ":prev": prev,
            })?;
        }
    }
    Ok(())
}

#[derive(Deserialize)]
struct CheckLine {
    #[serde(rename = "outPath")]
    out_path: String,
    status: String,
    #[serde(default)]
    url: Option<String>,
}

fn check_lines(dir: &Path) -> Result<Vec<CheckLine>> {
    let path = dir.join("check.jsonl");
    let text =
        std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).with_context(|| format!("{}", path.display())))
        .collect()
}

/// Dead urls, hash mismatches and live ones of a check.
fn check_counts(dir: &Path) -> Result<[Option<i64>; 3]> {
    let lines = check_lines(dir)?;
    let n = |s: &str| Some(lines.iter().filter(|l| l.status == s).count() as i64);
    Ok([n("dead"), n("hash-mismatch"), n("ok")])
}

fn checks(tx: &Transaction, dir: &Path, run: i64, prev: i64) -> Result<()> {
    let mut up = tx.prepare(
        "INSERT INTO urls (out_path, url, status, dead_since, last_run)
         VALUES (?1, ?2, ?3, CASE WHEN ?3 = 'dead' THEN ?4 END, ?4)
         ON CONFLICT (out_path, url) DO UPDATE SET status = ?3, last_run = ?4,
           dead_since = CASE WHEN ?3 != 'dead' THEN NULL
                             WHEN dead_since IS NOT NULL AND last_run = ?5 THEN dead_since
                             ELSE ?4 END",
    )?;
    for l in check_lines(dir)? {
        up.execute(params![
            l.out_path,
            l.url.unwrap_or_default(),
            l.status,
            run,
            prev
        ])?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn each_system_and_config_once() {
        let cells: Vec<serde_json::Value> = serde_json::from_str(
            r#"[["x86_64-linux","{}","{}"],["x86_64-linux","{ a = 1; }","permissive"],
                ["aarch64-linux","{}","{}"],["aarch64-linux","{ a = 1; }","permissive"]]"#,
        )
        .unwrap();
        assert_eq!(
            super::column(&cells, 0),
            r#"["x86_64-linux","aarch64-linux"]"#
        );
        assert_eq!(super::column(&cells, 2), r#"["{}","permissive"]"#);
    }

    use proptest::prelude::*;
    use serde_json::Value;

    /// Any JSON value a plan.json's cells could hold.
    fn any_json() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::from),
            any::<i64>().prop_map(Value::from),
            "(?s).{0,6}".prop_map(Value::from),
        ];
        leaf.prop_recursive(3, 24, 4, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
                proptest::collection::btree_map("[a-z]{0,3}", inner, 0..3)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    proptest! {
        /// Cells of any shape: a JSON list of the strings at `i`, each once, never a panic.
        #[test]
        fn any_cells_are_a_column(cells in proptest::collection::vec(any_json(), 0..6), i in 0usize..4) {
            let got: Vec<String> = serde_json::from_str(&super::column(&cells, i)).unwrap();
            let mut want: Vec<String> = Vec::new();
            for c in &cells {
                if let Some(s) = c.get(i).and_then(Value::as_str) && !want.iter().any(|w| w == s) {
                    want.push(s.to_owned());
                }
            }
            prop_assert_eq!(got, want);
        }
    }

    /// Files of any text where a run's JSON is read: recorded (with what reads) or an error,
    /// never a panic.
    #[test]
    fn any_files_are_a_run_or_an_error() {
        let texts = [
            "",
            "null",
            "[]",
            "{",
            "\0",
            "{\"cells\":7,\"totals\":[]}",
            "\"é\"",
            "{\"files\":[{\"file\":1,\"unreached\":[null,{\"line\":\"x\"}]}]}",
        ];
        for (i, text) in texts.iter().enumerate() {
            let dir = tempfile::tempdir().unwrap();
            let out = dir.path().join("out");
            std::fs::create_dir_all(out.join(".fodfuzz")).unwrap();
            for f in [
                ".fodfuzz/plan.json",
                "summary.json",
                "coverage.json",
                "sources.json",
                "check.jsonl",
                "failures.jsonl",
            ] {
                std::fs::write(out.join(f), text).unwrap();
            }
            std::fs::write(out.join("fods.jsonl"), "").unwrap();
            let mut db = crate::history::db::open(&dir.path().join("h.sqlite")).unwrap();
            for kind in [super::Kind::Check, super::Kind::Scan] {
                let got = super::append(&mut db, &out, kind);
                // check.jsonl and failures.jsonl are read line by line: text that is no line
                // of them is an error; the others, when they do not read, are left out.
                let lines_read = text.trim().is_empty();
                assert_eq!(
                    got.is_ok(),
                    lines_read,
                    "{i}: {text:?} as {kind:?}: {got:?}"
                );
            }
        }
    }
}

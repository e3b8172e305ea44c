//! What the history says: every run with its counts, and what changed since the run before the
//! last (FODs new and gone, literals newly unreached, failure kinds new), urls dead and since
//! when. `fodfuzz report` prints it as JSON, draws it as a page, and judges it (`--fail-on`).
use anyhow::Result;
use rusqlite::{Connection, params};
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Clone, Debug, Default, Serialize)]
pub struct Run {
    pub id: i64,
    pub kind: String,
    pub recorded: String,
    pub tree: Option<String>,
    pub revision: Option<String>,
    pub nix: Option<String>,
    pub systems: Vec<String>,
    /// The cells' config labels, each once.
    pub configs: Vec<String>,
    /// The output directory the run was read from.
    pub dir: Option<String>,
    /// Whether the run finished (summary.json's `complete`).
    pub complete: Option<bool>,
    pub wall: Option<f64>,
    pub attributes: Option<i64>,
    pub fods: Option<i64>,
    pub failures: Option<i64>,
    pub literals: Option<i64>,
    pub reached: Option<i64>,
    /// reached / literals, in percent.
    pub coverage: Option<f64>,
    pub dead: Option<i64>,
    pub mismatched: Option<i64>,
    pub ok: Option<i64>,
    #[serde(rename = "failureKinds")]
    pub failure_kinds: BTreeMap<String, i64>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Fod {
    #[serde(rename = "outPath")]
    pub out_path: String,
    pub name: String,
    pub urls: Vec<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Site {
    pub file: String,
    pub line: i64,
    pub hash: String,
    pub reason: Option<String>,
    pub detail: Option<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct DeadUrl {
    #[serde(rename = "outPath")]
    pub out_path: String,
    pub url: String,
    /// When the check that first found it dead (of the streak it is in) was recorded.
    #[serde(rename = "deadSince")]
    pub dead_since: String,
    #[serde(rename = "deadSinceRun")]
    pub dead_since_run: i64,
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct Report {
    pub runs: Vec<Run>,
    /// The last scan or fuzz run, and the one before it.
    pub latest: Option<i64>,
    pub previous: Option<i64>,
    #[serde(rename = "newFods")]
    pub new_fods: Vec<Fod>,
    #[serde(rename = "goneFods")]
    pub gone_fods: Vec<Fod>,
    #[serde(rename = "newlyUnreached")]
    pub newly_unreached: Vec<Site>,
    #[serde(rename = "newFailureKinds")]
    pub new_failure_kinds: Vec<String>,
    /// Dead in the last check, the longest dead first.
    #[serde(rename = "deadUrls")]
    pub dead_urls: Vec<DeadUrl>,
    /// Dead in the last check and alive (or unchecked) in the one before.
    #[serde(rename = "newDead")]
    pub new_dead: Vec<DeadUrl>,
}

impl Report {
    pub fn run(&self, id: Option<i64>) -> Option<&Run> {
        self.runs.iter().find(|r| Some(r.id) == id)
    }

    /// Scan and fuzz runs, in order.
    pub fn scans(&self) -> impl Iterator<Item = &Run> {
        self.runs.iter().filter(|r| r.kind != "check")
    }

    pub fn checks(&self) -> impl Iterator<Item = &Run> {
        self.runs.iter().filter(|r| r.kind == "check")
    }
}

pub fn report(db: &Connection) -> Result<Report> {
    let mut r = Report {
        runs: runs(db)?,
        ..Report::default()
    };
    let scans: Vec<i64> = r.scans().map(|s| s.id).collect();
    r.latest = scans.last().copied();
    r.previous = scans.len().checked_sub(2).map(|i| scans[i]);
    if let (Some(l), Some(p)) = (r.latest, r.previous) {
        r.new_fods = fods(db, "first_run = ?1", l)?;
        r.gone_fods = fods(db, "last_run = ?1", p)?;
        r.newly_unreached = newly_unreached(db, l)?;
        let (now, before) = (r.run(Some(l)), r.run(Some(p)));
        r.new_failure_kinds = now
            .map(|n| n.failure_kinds.keys().cloned().collect::<Vec<_>>())
            .unwrap_or_default()
            .into_iter()
            .filter(|k| before.is_some_and(|b| b.failure_kinds.get(k).copied().unwrap_or(0) == 0))
            .collect();
    }
    let checks: Vec<i64> = r.checks().map(|c| c.id).collect();
    if let Some(&last) = checks.last() {
        r.dead_urls = dead(db, "u.last_run = ?1", last)?;
        if checks.len() >= 2 {
            r.new_dead = dead(db, "u.last_run = ?1 AND u.dead_since = ?1", last)?;
        }
    }
    Ok(r)
}

fn runs(db: &Connection) -> Result<Vec<Run>> {
    let mut kinds: BTreeMap<i64, BTreeMap<String, i64>> = BTreeMap::new();
    let mut q = db.prepare("SELECT run, kind, count FROM failure_kinds")?;
    for row in q.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))? {
        let (run, kind, n): (i64, String, i64) = row?;
        kinds.entry(run).or_default().insert(kind, n);
    }
    let mut q = db.prepare(
        "SELECT id, kind, recorded, tree, revision, nix, systems, wall, attributes, fods,
                failures, literals, reached, dead, mismatched, configs, dir, complete, ok
         FROM runs ORDER BY id",
    )?;
    let rows = q.query_map([], |r| {
        let list = |s: Option<String>| -> Vec<String> {
            s.and_then(|s| serde_json::from_str(&s).ok())
                .unwrap_or_default()
        };
        let complete: Option<i64> = r.get(17)?;
        let (literals, reached): (Option<i64>, Option<i64>) = (r.get(11)?, r.get(12)?);
        Ok(Run {
            id: r.get(0)?,
            kind: r.get(1)?,
            recorded: r.get(2)?,
            tree: r.get(3)?,
            revision: r.get(4)?,
            nix: r.get(5)?,
            systems: list(r.get(6)?),
            configs: list(r.get(15)?),
            dir: r.get(16)?,
            complete: complete.map(|c| c != 0),
            wall: r.get(7)?,
            attributes: r.get(8)?,
            fods: r.get(9)?,
            failures: r.get(10)?,
            literals,
            reached,
            coverage: literals
                .zip(reached)
                .filter(|(l, _)| *l > 0)
                .map(|(l, r)| 100.0 * r as f64 / l as f64),
            dead: r.get(13)?,
            mismatched: r.get(14)?,
            ok: r.get(18)?,
            failure_kinds: BTreeMap::new(),
        })
    })?;
    let mut out = Vec::new();
    for row in rows {
        let mut run = row?;
        run.failure_kinds = kinds.remove(&run.id).unwrap_or_default();
        out.push(run);
    }
    Ok(out)
}

fn fods(db: &Connection, cond: &str, run: i64) -> Result<Vec<Fod>> {
    let mut q = db.prepare(&format!(
        "SELECT out_path, name, urls FROM fods WHERE {cond} ORDER BY out_path"
    ))?;
    let rows = q.query_map([run], |r| {
        let urls: String = r.get(2)?;
        Ok(Fod {
            out_path: r.get(0)?,
            name: r.get(1)?,
            urls: serde_json::from_str(&urls).unwrap_or_default(),
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Unreached in `run` and not in the run before, in a file the run before had literals in.
fn newly_unreached(db: &Connection, run: i64) -> Result<Vec<Site>> {
    let mut q = db.prepare(
        "SELECT s.file, s.line, s.hash, s.reason, s.detail FROM sites s
         JOIN sites f ON f.file = s.file AND f.line = 0 AND f.hash = ''
         WHERE s.line > 0 AND s.last_run = ?1 AND s.first_run = ?1 AND f.first_run < ?1
         ORDER BY s.file, s.line",
    )?;
    let rows = q.query_map([run], |r| {
        Ok(Site {
            file: r.get(0)?,
            line: r.get(1)?,
            hash: r.get(2)?,
            reason: r.get(3)?,
            detail: r.get(4)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

fn dead(db: &Connection, cond: &str, run: i64) -> Result<Vec<DeadUrl>> {
    let mut q = db.prepare(&format!(
        "SELECT u.out_path, u.url, r.recorded, u.dead_since FROM urls u
         JOIN runs r ON r.id = u.dead_since
         WHERE u.status = 'dead' AND {cond} ORDER BY u.dead_since, u.url"
    ))?;
    let rows = q.query_map(params![run], |r| {
        Ok(DeadUrl {
            out_path: r.get(0)?,
            url: r.get(1)?,
            dead_since: r.get(2)?,
            dead_since_run: r.get(3)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use rusqlite::types::Value;

    /// Any SQLite value: what a history edited by hand, or written by another version, holds.
    fn any_value() -> impl Strategy<Value = Value> {
        prop_oneof![
            Just(Value::Null),
            any::<i64>().prop_map(Value::Integer),
            any::<f64>().prop_map(Value::Real),
            "(?s).{0,12}".prop_map(Value::Text),
            proptest::collection::vec(any::<u8>(), 0..8).prop_map(Value::Blob),
        ]
    }

    /// A history with a run of each of `kinds`, each holding `lists` as its systems, configs,
    /// FOD urls, failure kind and dead url, `counts` as literals and reached, `odd` as wall.
    fn history(
        kinds: &[String],
        lists: &str,
        counts: (Value, Value),
        odd: &Value,
    ) -> (tempfile::TempDir, Connection) {
        let dir = tempfile::tempdir().unwrap();
        let db = crate::history::db::open(&dir.path().join("h.sqlite")).unwrap();
        for (i, kind) in kinds.iter().enumerate() {
            let id = i as i64 + 1;
            db.execute(
                "INSERT INTO runs (id, kind, dir, recorded, systems, configs, literals, reached, wall)
                 VALUES (?1, ?2, 'd', 'r', ?3, ?3, ?4, ?5, ?6)",
                params![id, kind, lists, counts.0, counts.1, odd],
            )
            .unwrap();
            db.execute(
                "INSERT INTO fods VALUES (?1, 'n', 'h', ?2, ?3, ?3)",
                params![format!("/nix/store/{id}"), lists, id],
            )
            .unwrap();
            db.execute(
                "INSERT INTO failure_kinds VALUES (?1, ?2, ?1)",
                params![id, lists],
            )
            .unwrap();
            db.execute(
                "INSERT INTO urls VALUES ('/p' || ?2, ?1, 'dead', ?2, ?2)",
                params![lists, id],
            )
            .unwrap();
        }
        // The directory too: the database is gone when it is dropped.
        (dir, db)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        /// Any text in the JSON list columns and any counts: a report, never a panic; a list
        /// that is no JSON list of strings reads as empty, and coverage needs literals.
        #[test]
        fn any_rows_are_a_report(
            kinds in proptest::collection::vec("(scan|fuzz|check|.{0,4})", 0..4),
            lists in "(?s)(\\[\"|\\[|\\]|\"|,|.){0,12}",
            literals in proptest::option::of(any::<i64>()),
            reached in proptest::option::of(any::<i64>()),
        ) {
            let counts = (literals.map_or(Value::Null, Value::Integer), reached.map_or(Value::Null, Value::Integer));
            let (_dir, db) = history(&kinds, &lists, counts, &Value::Null);
            let r = report(&db).unwrap();
            prop_assert_eq!(r.runs.len(), kinds.len());
            let want: Vec<String> = serde_json::from_str(&lists).unwrap_or_default();
            for run in &r.runs {
                prop_assert_eq!(&run.systems, &want);
                prop_assert_eq!(run.coverage.is_some(), literals.is_some_and(|l| l > 0) && reached.is_some());
            }
        }

        /// Any value in a column of numbers: a report or an error, never a panic.
        #[test]
        fn any_value_is_a_report_or_an_error(a in any_value(), b in any_value(), odd in any_value()) {
            let kinds = ["scan".into(), "scan".into(), "check".into()];
            let (_dir, db) = history(&kinds, "[]", (a, b), &odd);
            let _ = report(&db);
        }
    }
}

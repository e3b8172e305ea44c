//! Nightly runs that remember: `--history DB` on scan, fuzz and check appends each finished run
//! to a SQLite file ([`db`], [`record`]); `fodfuzz report DB` reads it back ([`query`]) as a
//! page of trends and changes ([`html`], [`plots`]), as JSON, and as the exit status of a
//! nightly job ([`fail`]).
pub mod db;
pub mod fail;
pub mod html;
pub mod plots;
pub mod query;
pub mod record;

use crate::cli::ReportArgs;
use anyhow::{Context, Result, anyhow};
use record::Kind;
use std::path::Path;

/// Appends the finished run in `dir` to the history at `db_path`, saying so on stderr.
pub fn append(db_path: &Path, dir: &Path, kind: Kind) -> Result<()> {
    let mut db = db::open(db_path)?;
    let id = record::append(&mut db, dir, kind)
        .with_context(|| format!("recording {} in {}", dir.display(), db_path.display()))?;
    eprintln!(
        "fodfuzz: {} run {id} recorded in {}",
        kind.as_str(),
        db_path.display()
    );
    Ok(())
}

/// The kind of run a finished directory holds: a fuzz when it has a fuzz corpus.
pub fn kind_of(dir: &Path) -> Kind {
    match dir.join("fuzz").is_dir() {
        true => Kind::Fuzz,
        false => Kind::Scan,
    }
}

pub fn report(args: ReportArgs) -> Result<()> {
    let conditions = match &args.fail_on {
        Some(s) => fail::parse(s)?,
        None => vec![],
    };
    for dir in &args.add {
        crate::outputs::fods::file_in(dir)?;
        append(&args.db, dir, kind_of(dir))?;
    }
    for dir in &args.add_check {
        append(&args.db, dir, Kind::Check)?;
    }
    let db = db::open_read(&args.db)?;
    let r = query::report(&db)?;
    if let Some(dir) = &args.html {
        std::fs::create_dir_all(dir).with_context(|| format!("making {}", dir.display()))?;
        crate::outputs::write_file(dir, "index.html", |w| {
            w.write_all(html::page(&r).as_bytes())?;
            Ok(())
        })?;
        eprintln!("fodfuzz: wrote {}", dir.join("index.html").display());
    }
    if args.json {
        println!("{}", serde_json::to_string_pretty(&r)?);
    } else if args.html.is_none() {
        print!("{}", text(&r));
    }
    let failed = fail::judge(&conditions, &r);
    for f in &failed {
        eprintln!("fodfuzz: {f}");
    }
    match failed.is_empty() {
        true => Ok(()),
        false => Err(anyhow!("{} --fail-on condition(s) hold", failed.len())),
    }
}

/// A few lines for a terminal.
fn text(r: &query::Report) -> String {
    let mut s = format!("{} runs recorded\n", r.runs.len());
    if let Some(l) = r.run(r.latest) {
        s += &format!(
            "last scan: run {} ({}), {} FODs, {} failures, coverage {}\n",
            l.id,
            l.recorded,
            l.fods.unwrap_or(0),
            l.failures.unwrap_or(0),
            l.coverage.map_or("?".into(), |c| format!("{c:.2} %"))
        );
    }
    if r.previous.is_some() {
        s += &format!(
            "since the scan before: {} FODs new, {} gone, {} literals newly unreached, new failure kinds: {}\n",
            r.new_fods.len(),
            r.gone_fods.len(),
            r.newly_unreached.len(),
            if r.new_failure_kinds.is_empty() {
                "none".into()
            } else {
                r.new_failure_kinds.join(", ")
            }
        );
    }
    if !r.dead_urls.is_empty() || r.checks().next().is_some() {
        s += &format!(
            "last check: {} urls dead ({} since the check before)\n",
            r.dead_urls.len(),
            r.new_dead.len()
        );
    }
    s
}

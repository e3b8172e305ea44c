//! The history database: one SQLite file (rusqlite, SQLite bundled: no server) that nightly
//! runs append to. It is marked as fodfuzz's (`application_id`) so that a file of anything else
//! is refused, never written over; every append is one transaction, and a writer waits for
//! another (busy timeout) rather than failing, so two runs writing at once lose nothing.
use crate::error::{BadInput, bad};
use rusqlite::{Connection, OpenFlags};
use std::path::Path;
use std::time::Duration;

/// 'fodf'.
const APPLICATION_ID: i64 = 0x666f_6466;
const VERSION: i64 = 1;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS runs (
  id INTEGER PRIMARY KEY,
  kind TEXT NOT NULL,          -- scan, fuzz or check
  dir TEXT NOT NULL,
  tree TEXT,
  revision TEXT,
  nix TEXT,
  systems TEXT,                -- JSON list
  configs TEXT,                -- JSON list
  recorded TEXT NOT NULL,      -- RFC 3339, when appended
  wall REAL,
  attributes INTEGER,
  fods INTEGER,
  failures INTEGER,
  literals INTEGER,
  reached INTEGER,
  complete INTEGER,
  dead INTEGER,                -- check runs: FODs whose check said dead, hash mismatch, ok
  mismatched INTEGER,
  ok INTEGER
);
CREATE TABLE IF NOT EXISTS failure_kinds (
  run INTEGER NOT NULL REFERENCES runs(id),
  kind TEXT NOT NULL,
  count INTEGER NOT NULL,
  PRIMARY KEY (run, kind)
);
CREATE TABLE IF NOT EXISTS fods (
  out_path TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  hash TEXT NOT NULL,
  urls TEXT NOT NULL,          -- JSON list
  first_run INTEGER NOT NULL,
  last_run INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS failures (
  attr_path TEXT NOT NULL,
  system TEXT NOT NULL,
  config TEXT NOT NULL,
  kind TEXT NOT NULL,
  message TEXT NOT NULL,
  first_run INTEGER NOT NULL,
  last_run INTEGER NOT NULL,
  PRIMARY KEY (attr_path, system, config)
);
CREATE TABLE IF NOT EXISTS sites (
  file TEXT NOT NULL,
  line INTEGER NOT NULL,
  hash TEXT NOT NULL,
  reason TEXT,                 -- why not reached, in last_run; NULL when reached
  detail TEXT,
  first_run INTEGER NOT NULL,
  last_run INTEGER NOT NULL,
  PRIMARY KEY (file, line, hash)
);
CREATE TABLE IF NOT EXISTS urls (
  out_path TEXT NOT NULL,
  url TEXT NOT NULL,
  status TEXT NOT NULL,        -- as check.jsonl says, in last_run
  dead_since INTEGER,          -- the check run it went dead in; NULL when alive
  last_run INTEGER NOT NULL,
  PRIMARY KEY (out_path, url)
);
";

/// Opens the history at `path` for appending, making it when there is no file; a file that
/// is not a fodfuzz history (another database, not SQLite at all) is bad input and untouched.
pub fn open(path: &Path) -> Result<Connection, BadInput> {
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
        | OpenFlags::SQLITE_OPEN_CREATE
        | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let db = Connection::open_with_flags(path, flags).map_err(|e| refused(path, &e))?;
    db.busy_timeout(Duration::from_secs(120))
        .map_err(|e| refused(path, &e))?;
    // What the file is and making it a history are one transaction: two runs that start on a
    // new file at once would otherwise see it half made (no id yet, tables already) and refuse.
    db.execute_batch("BEGIN IMMEDIATE")
        .map_err(|e| refused(path, &e))?;
    let made = match claim(path, &db) {
        Ok(made) => made,
        Err(e) => {
            let _ = db.execute_batch("ROLLBACK");
            return Err(e);
        }
    };
    db.execute_batch("COMMIT").map_err(|e| refused(path, &e))?;
    if made {
        // Readers never block the writer, nor the writer them.
        db.pragma_update(None, "journal_mode", "WAL")
            .map_err(|e| refused(path, &e))?;
    }
    Ok(db)
}

/// Inside the caller's transaction: checks that the file is a history of this version, or makes
/// an empty database one (true).
fn claim(path: &Path, db: &Connection) -> Result<bool, BadInput> {
    let id: i64 = db
        .query_row("PRAGMA application_id", [], |r| r.get(0))
        .map_err(|e| refused(path, &e))?;
    let tables: i64 = db
        .query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0))
        .map_err(|e| refused(path, &e))?;
    match (id, tables) {
        (APPLICATION_ID, _) => check_version(path, db).map(|()| false),
        (0, 0) => create(path, db).map(|()| true),
        _ => Err(bad(format!(
            "{}: not a fodfuzz history (another SQLite database); it is left as it is",
            path.display()
        ))),
    }
}

/// Opens an existing history to read it.
pub fn open_read(path: &Path) -> Result<Connection, BadInput> {
    if !path.is_file() {
        return Err(bad(format!("{}: no such history", path.display())));
    }
    let db = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY)
        .map_err(|e| refused(path, &e))?;
    db.busy_timeout(Duration::from_secs(120))
        .map_err(|e| refused(path, &e))?;
    let id: i64 = db
        .query_row("PRAGMA application_id", [], |r| r.get(0))
        .map_err(|e| refused(path, &e))?;
    if id != APPLICATION_ID {
        return Err(bad(format!("{}: not a fodfuzz history", path.display())));
    }
    check_version(path, &db)?;
    Ok(db)
}

fn refused(path: &Path, e: &rusqlite::Error) -> BadInput {
    bad(format!(
        "{}: not a readable fodfuzz history ({e}); it is left as it is",
        path.display()
    ))
}

fn create(path: &Path, db: &Connection) -> Result<(), BadInput> {
    let sql = format!(
        "{SCHEMA} PRAGMA application_id = {APPLICATION_ID}; PRAGMA user_version = {VERSION};"
    );
    db.execute_batch(&sql).map_err(|e| refused(path, &e))
}

fn check_version(path: &Path, db: &Connection) -> Result<(), BadInput> {
    let v: i64 = db
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .map_err(|e| refused(path, &e))?;
    if v != VERSION {
        return Err(bad(format!(
            "{}: a fodfuzz history of version {v}; this fodfuzz reads version {VERSION}",
            path.display()
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn made_once_and_foreign_files_refused_untouched() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("h.db");
        open(&path).unwrap();
        let db = open(&path).unwrap();
        let n: i64 = db
            .query_row("SELECT count(*) FROM runs", [], |r| r.get(0))
            .unwrap();
        assert_eq!(n, 0);
        open_read(&path).unwrap();

        let text = dir.path().join("notes.txt");
        std::fs::write(
            &text,
            "not a database at all, a few lines of text\n".repeat(20),
        )
        .unwrap();
        let before = std::fs::read(&text).unwrap();
        assert!(open(&text).is_err());
        assert_eq!(std::fs::read(&text).unwrap(), before, "left as it was");

        let other = dir.path().join("other.db");
        Connection::open(&other)
            .unwrap()
            .execute_batch("CREATE TABLE t (x); INSERT INTO t VALUES (1);")
            .unwrap();
        let e = open(&other).unwrap_err().to_string();
        assert!(e.contains("not a fodfuzz history"), "{e}");
        assert!(open_read(&dir.path().join("none.db")).is_err());
    }
}

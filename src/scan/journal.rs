//! An append-only record of every worker outcome, written as it arrives, so that what a run
//! found survives a crash of the driver: `--resume` replays it instead of evaluating again.
use super::record::{Outcome, TaskKey};
use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Read, Seek, SeekFrom, Write};
use std::path::Path;

#[derive(Serialize, Deserialize)]
struct Entry {
    cell: usize,
    path: Vec<String>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    explain: bool,
    #[serde(rename = "aliasOf", default, skip_serializing_if = "Option::is_none")]
    alias_of: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    skip: Vec<String>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    inputs: bool,
    outcome: Outcome,
}

pub struct Journal {
    out: File,
}

/// What a journal holds: each task's last outcome and the place of its line. Replayed in the
/// order of their lines, outcomes settle what depends on order (which of two sets of the same
/// names is walked and which compared with it) as the run that wrote them did.
pub type Replay = HashMap<TaskKey, (u64, Outcome)>;

impl Journal {
    /// Opens `path` for appending; with `replay`, first reads what an earlier run recorded.
    /// A last line cut short by a crash is ignored (and will be evaluated again).
    pub fn open(path: &Path, replay: bool) -> Result<(Self, Replay)> {
        let mut done = HashMap::new();
        if replay && path.exists() {
            let reader = BufReader::new(
                File::open(path).with_context(|| format!("reading {}", path.display()))?,
            );
            done = read_back(reader).with_context(|| format!("reading {}", path.display()))?;
        }
        let mut out = OpenOptions::new()
            .create(true)
            .append(true)
            .read(true)
            .truncate(false)
            .open(path)
            .with_context(|| format!("opening {}", path.display()))?;
        if !replay {
            out.set_len(0)?;
        } else if out.metadata()?.len() > 0 {
            // Start on a fresh line if the last one was cut short.
            let mut last = [0u8];
            out.seek(SeekFrom::End(-1))?;
            out.read_exact(&mut last)?;
            if last[0] != b'\n' {
                out.write_all(b"\n")?;
            }
        }
        Ok((Journal { out }, done))
    }

    /// Appends one outcome; one write per line, so a crash loses at most the line in flight.
    pub fn write(&mut self, key: &TaskKey, outcome: &Outcome) -> Result<()> {
        let entry = Entry {
            cell: key.cell,
            path: key.path.clone(),
            explain: key.explain,
            alias_of: key.alias_of.clone(),
            skip: key.skip.clone(),
            inputs: key.inputs,
            outcome: outcome.clone(),
        };
        let mut line = serde_json::to_vec(&entry)?;
        line.push(b'\n');
        self.out.write_all(&line).context("writing the journal")
    }
}

/// The outcomes of the whole lines of a journal. Lines are read as bytes: a crash can cut the
/// last one inside a multi-byte character, and that line, like any that does not read, is
/// skipped (and evaluated again) rather than ending the resume.
fn read_back(reader: impl BufRead) -> std::io::Result<Replay> {
    let mut done = HashMap::new();
    for (place, line) in (0u64..).zip(reader.split(b'\n')) {
        if let Ok(e) = serde_json::from_slice::<Entry>(&line?) {
            let key = TaskKey {
                cell: e.cell,
                path: e.path,
                explain: e.explain,
                alias_of: e.alias_of,
                skip: e.skip,
                inputs: e.inputs,
            };
            done.insert(key, (place, e.outcome));
        }
    }
    Ok(done)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::FailureKind;
    use crate::scan::record::Visit;

    fn key(cell: usize, name: &str) -> TaskKey {
        TaskKey::visit(cell, vec![name.into()])
    }

    #[test]
    fn replays_whole_lines_and_skips_a_cut_one() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("journal.jsonl");
        let (mut j, _) = Journal::open(&path, false).unwrap();
        let a = key(0, "a");
        j.write(&a, &Outcome::Visited(Visit::Skip)).unwrap();
        let b = key(1, "b");
        j.write(&b, &Outcome::failed(FailureKind::Timeout, "m"))
            .unwrap();
        drop(j);
        // A crash in the middle of a line.
        let mut f = OpenOptions::new().append(true).open(&path).unwrap();
        f.write_all(br#"{"cell":0,"path":["c"],"outc"#).unwrap();
        drop(f);
        let (mut j, done) = Journal::open(&path, true).unwrap();
        assert_eq!(done.len(), 2);
        assert_eq!(done[&a], (0, Outcome::Visited(Visit::Skip)));
        let c = key(0, "c");
        j.write(&c, &Outcome::Visited(Visit::Skip)).unwrap();
        drop(j);
        let (_, done) = Journal::open(&path, true).unwrap();
        assert_eq!(done.len(), 3, "the line after the cut one is whole");
    }

    #[test]
    fn a_check_asked_again_without_some_members_is_a_task_of_its_own() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("journal.jsonl");
        let (mut j, _) = Journal::open(&path, false).unwrap();
        let first = TaskKey {
            alias_of: Some(vec!["a".into()]),
            ..key(0, "b")
        };
        let again = TaskKey {
            skip: vec!["p3".into()],
            ..first.clone()
        };
        let failed = Outcome::failed(FailureKind::InfiniteRecursion, "m");
        let equal = Outcome::Visited(Visit::Alias { equal: true });
        j.write(&first, &failed).unwrap();
        j.write(&again, &equal).unwrap();
        drop(j);
        let (_, done) = Journal::open(&path, true).unwrap();
        assert_eq!((&done[&first].1, &done[&again].1), (&failed, &equal));
        assert!(done[&first].0 < done[&again].0, "in the order written");
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(text.matches(r#""skip":["p3"]"#).count(), 1, "{text}");
    }

    use proptest::prelude::*;

    /// A journal line of a visit of `path`, as `Journal::write` writes it.
    fn line(cell: usize, path: &[String], message: &str) -> Vec<u8> {
        let entry = Entry {
            cell,
            path: path.to_vec(),
            explain: false,
            alias_of: None,
            skip: Vec::new(),
            inputs: false,
            outcome: Outcome::failed(FailureKind::EvalError, message),
        };
        let mut l = serde_json::to_vec(&entry).unwrap();
        l.push(b'\n');
        l
    }

    proptest! {
        /// Any bytes: whatever lines read, never an error or a panic.
        #[test]
        fn any_bytes_replay(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
            prop_assert!(read_back(&bytes[..]).is_ok());
        }

        /// Whole lines of any names (non-ASCII, NUL) replay; a last line cut at any byte, even
        /// inside a character, is skipped and the others kept.
        #[test]
        fn a_last_line_cut_anywhere(
            paths in proptest::collection::vec(proptest::collection::vec("(?s).{0,6}", 1..3), 1..4),
            message in "(?s).{0,10}",
        ) {
            let whole: Vec<u8> = paths.iter().enumerate().flat_map(|(c, p)| line(c, p, &message)).collect();
            let last = line(paths.len(), &["zöpe\0".to_owned(), "é".into()], &message);
            let done = read_back(&whole[..]).unwrap();
            prop_assert_eq!(done.len(), paths.len());
            // Every cut that takes at least its closing `}`, inside `ö` and `é` too.
            for cut in 0..last.len() - 1 {
                let mut bytes = whole.clone();
                bytes.extend_from_slice(&last[..cut]);
                prop_assert_eq!(read_back(&bytes[..]).unwrap(), done.clone(), "cut at {}", cut);
            }
        }
    }
}

//! The results file kept between runs (`--cache-file`, by default `DIR/check-cache.jsonl`), as
//! lychee keeps its cache: every url that answered 2xx, with what a download of it hashed to,
//! and when. A later run within `--max-age` takes those answers instead of asking again.
//! Failures and 404s are never kept: they are asked again every run.
use super::super::http::date;
use crate::outputs::write_file;
use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Answer {
    pub url: String,
    /// How `got` was computed ([`super::target::Verify::key`]); empty when only the answer
    /// was had (a HEAD).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub verify: String,
    #[serde(rename = "httpStatus")]
    pub http_status: u16,
    #[serde(
        rename = "contentLength",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub content_length: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub got: Option<String>,
    #[serde(rename = "checkedAt")]
    pub checked_at: String,
}

pub struct Results {
    file: PathBuf,
    max_age: u64,
    now: u64,
    answers: Mutex<Answers>,
}

impl Results {
    /// Reads `file` if it exists; lines that cannot be read are dropped (it is a cache).
    pub fn load(file: &Path, max_age: u64) -> Result<Results> {
        let answers = match std::fs::File::open(file) {
            Ok(f) => read_answers(std::io::BufReader::new(f))
                .with_context(|| file.display().to_string())?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => BTreeMap::new(),
            Err(e) => return Err(e).with_context(|| file.display().to_string()),
        };
        Ok(Results {
            file: file.to_owned(),
            max_age,
            now: date::now(),
            answers: Mutex::new(answers),
        })
    }

    fn fresh(&self, a: &Answer) -> bool {
        date::parse_rfc3339(&a.checked_at)
            .is_some_and(|t| self.now.saturating_sub(t) < self.max_age)
    }

    /// A fresh answer of `url`: computed by `verify`, or, for `None`, any (a download answered
    /// too).
    pub fn get(&self, url: &str, verify: Option<&str>) -> Option<Answer> {
        let answers = self.answers.lock().expect("results lock");
        match verify {
            Some(v) => answers
                .get(&(url.to_owned(), v.to_owned()))
                .filter(|a| self.fresh(a))
                .cloned(),
            None => answers
                .range((url.to_owned(), String::new())..)
                .take_while(|((u, _), _)| u == url)
                .map(|(_, a)| a)
                .find(|a| self.fresh(a))
                .cloned(),
        }
    }

    pub fn put(&self, answer: Answer) {
        let key = (answer.url.clone(), answer.verify.clone());
        self.answers
            .lock()
            .expect("results lock")
            .insert(key, answer);
    }

    /// Writes the answers still within max-age, sorted by url.
    pub fn save(&self) -> Result<()> {
        let dir = self
            .file
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let name = self
            .file
            .file_name()
            .context("--cache-file names no file")?;
        let answers = self.answers.lock().expect("results lock");
        write_file(dir, &name.to_string_lossy(), |w| {
            for a in answers.values().filter(|a| self.fresh(a)) {
                serde_json::to_writer(&mut *w, a)?;
                w.write_all(b"\n")?;
            }
            Ok(())
        })
    }
}

type Answers = BTreeMap<(String, String), Answer>;

/// The answers of the lines that read. Lines are read as bytes: one that is not UTF-8 (a file
/// cut inside a character, or edited) is dropped like any other, not the end of the run.
fn read_answers(r: impl BufRead) -> std::io::Result<Answers> {
    let mut answers = BTreeMap::new();
    for line in r.split(b'\n') {
        if let Ok(a) = serde_json::from_slice::<Answer>(&line?) {
            answers.insert((a.url.clone(), a.verify.clone()), a);
        }
    }
    Ok(answers)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(url: &str, verify: &str, at: u64) -> Answer {
        Answer {
            url: url.into(),
            verify: verify.into(),
            http_status: 200,
            content_length: Some(3),
            got: (!verify.is_empty()).then(|| "sha256-AAAA".into()),
            checked_at: date::rfc3339(at),
        }
    }

    #[test]
    fn fresh_answers_survive_a_save() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("cache.jsonl");
        let r = Results::load(&file, 3600).unwrap();
        let now = date::now();
        r.put(answer("http://a/x", "", now));
        r.put(answer("http://b/y", "flat:sha256", now - 60));
        r.put(answer("http://c/old", "", now - 7200));
        r.save().unwrap();
        let r = Results::load(&file, 3600).unwrap();
        assert!(r.get("http://a/x", None).is_some());
        assert!(
            r.get("http://a/x", Some("flat:sha256")).is_none(),
            "a HEAD proves no hash"
        );
        assert!(
            r.get("http://b/y", None).is_some(),
            "a download answered too"
        );
        assert_eq!(
            r.get("http://b/y", Some("flat:sha256"))
                .unwrap()
                .got
                .as_deref(),
            Some("sha256-AAAA")
        );
        assert!(r.get("http://c/old", None).is_none());
        assert_eq!(
            std::fs::read_to_string(&file).unwrap().lines().count(),
            2,
            "stale dropped"
        );
        let strict = Results::load(&file, 30).unwrap();
        assert!(
            strict.get("http://b/y", None).is_none(),
            "older than a tighter --max-age"
        );
    }

    use proptest::prelude::*;

    proptest! {
        /// Any bytes: the answers of the lines that read, never an error or a panic; and any
        /// date given is a date or not fresh, never a panic.
        #[test]
        fn any_bytes_are_answers(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
            let answers = read_answers(&bytes[..]).unwrap();
            let r = Results { file: "x".into(), max_age: u64::MAX, now: date::now(), answers: Mutex::new(answers) };
            for a in r.answers.lock().unwrap().values() {
                let _ = r.fresh(a);
            }
        }

        /// Answers of any urls (non-ASCII, NUL) read back; a line cut at any byte, even inside
        /// a character, is dropped and the others kept.
        #[test]
        fn a_line_cut_anywhere(urls in proptest::collection::btree_set("(?s).{0,12}", 1..4), at: u32) {
            let lines: Vec<Vec<u8>> = urls
                .iter()
                .map(|u| {
                    let mut l = serde_json::to_vec(&answer(u, "", u64::from(at))).unwrap();
                    l.push(b'\n');
                    l
                })
                .collect();
            let whole = lines.concat();
            let read = read_answers(&whole[..]).unwrap();
            prop_assert_eq!(read.len(), urls.len());
            let last = serde_json::to_vec(&answer("zöpe\0é", "flat:sha256", 0)).unwrap();
            for cut in 0..last.len() {
                let bytes = [&last[..cut], b"\n", &whole].concat();
                prop_assert_eq!(read_answers(&bytes[..]).unwrap(), read.clone(), "cut at {}", cut);
            }
        }
    }
}

//! check.jsonl: what `fodfuzz check` found of every FOD, one line each, sorted by outPath.
//! Written by `check`, read by `size` (the upstream size of sources a cache lacks).
use crate::error::bad;
use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};
use std::io::{BufRead, Write};
use std::path::Path;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    /// A url answered (and with --download gave the expected hash, when that can be verified).
    Ok,
    /// Every url answered 404 or 410.
    Dead,
    /// The first url that delivered gave another hash: `got`.
    HashMismatch,
    /// Dead or mismatched upstream, but a hashed mirror has it.
    Mirrored,
    /// No definite answer (network failures, other statuses): never taken for dead.
    Unknown,
    /// Not checked: git, svn, hg, requireFile, or no url fodfuzz can ask.
    Unchecked,
}

impl Status {
    pub const ALL: [Status; 6] = [
        Status::Ok,
        Status::Dead,
        Status::HashMismatch,
        Status::Mirrored,
        Status::Unknown,
        Status::Unchecked,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::Dead => "dead",
            Status::HashMismatch => "hash-mismatch",
            Status::Mirrored => "mirrored",
            Status::Unknown => "unknown",
            Status::Unchecked => "unchecked",
        }
    }

    /// Whether the source can be had: what the exit status counts.
    pub fn fine(self) -> bool {
        matches!(self, Status::Ok | Status::Mirrored | Status::Unchecked)
    }
}

/// One line.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Line {
    #[serde(rename = "outPath")]
    pub out_path: String,
    pub name: String,
    pub status: Status,
    /// The url that answered (or, dead, the first; unknown, the last tried).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(
        rename = "httpStatus",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub http_status: Option<u16>,
    #[serde(
        rename = "contentLength",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub content_length: Option<u64>,
    /// The digest got (SRI), when it is not the expected one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub got: Option<String>,
    /// The hash was computed from the download and is the expected one.
    #[serde(default)]
    pub verified: bool,
    /// Why unknown, unchecked, or (with --download) not verified.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// RFC 3339, UTC: when the answer was had (earlier, when it came from the results file).
    #[serde(rename = "checkedAt")]
    pub checked_at: String,
    /// `check --since`: made another way than in the earlier scan while its output path stayed;
    /// checked first, never from the results file.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub reverify: bool,
}

pub fn write(w: &mut dyn Write, lines: &[Line]) -> Result<()> {
    for l in lines {
        serde_json::to_writer(&mut *w, l)?;
        w.write_all(b"\n")?;
    }
    Ok(())
}

/// `DIR/check.jsonl`; `None` when there is none.
pub fn read_in(dir: &Path) -> Result<Option<Vec<Line>>> {
    let file = dir.join("check.jsonl");
    let f = match std::fs::File::open(&file) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e).with_context(|| file.display().to_string()),
    };
    read(std::io::BufReader::new(f), &file).map(Some)
}

/// The lines of check.jsonl (`file` names it in messages); each line read as bytes, so that one
/// that is not UTF-8 is bad input naming its line, like any other that does not read.
fn read(r: impl BufRead, file: &Path) -> Result<Vec<Line>> {
    let mut lines = Vec::new();
    for (n, line) in r.split(b'\n').enumerate() {
        let line = line.with_context(|| file.display().to_string())?;
        if line.trim_ascii().is_empty() {
            continue;
        }
        let l: Line = serde_json::from_slice(&line)
            .map_err(|e| bad(format!("{}:{}: {e}", file.display(), n + 1)))?;
        lines.push(l);
    }
    Ok(lines)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_round_trip() {
        let line = Line {
            out_path: "/nix/store/0ssi1wpaf7plaswqqjwigppsg5fyh99v-a.tar.gz".into(),
            name: "a.tar.gz".into(),
            status: Status::HashMismatch,
            url: Some("http://x/a.tar.gz".into()),
            http_status: Some(200),
            content_length: Some(12),
            got: Some("sha256-AAAA".into()),
            verified: false,
            reason: None,
            checked_at: "2026-01-31T12:00:00Z".into(),
            reverify: true,
        };
        let mut out = Vec::new();
        write(&mut out, std::slice::from_ref(&line)).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.starts_with(r#"{"outPath":"/nix/store/0ssi1wpaf7plaswqqjwigppsg5fyh99v-a.tar.gz","name":"a.tar.gz","status":"hash-mismatch","url":"http://x/a.tar.gz","httpStatus":200,"contentLength":12,"got":"sha256-AAAA","verified":false,"checkedAt":"#), "{text}");
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(read_in(dir.path()).unwrap(), None);
        std::fs::write(dir.path().join("check.jsonl"), &text).unwrap();
        assert_eq!(read_in(dir.path()).unwrap(), Some(vec![line]));
        std::fs::write(dir.path().join("check.jsonl"), "{}\n").unwrap();
        assert!(read_in(dir.path()).is_err());
    }

    use proptest::prelude::*;

    fn sample(out_path: &str, url: Option<String>) -> Line {
        Line {
            out_path: out_path.into(),
            name: "a.tar.gz".into(),
            status: Status::Dead,
            url,
            http_status: Some(404),
            content_length: None,
            got: None,
            verified: false,
            reason: Some("é\0".into()),
            checked_at: "2026-01-31T12:00:00Z".into(),
            reverify: false,
        }
    }

    proptest! {
        /// Any bytes: lines or bad input (naming the file and line), never a panic.
        #[test]
        fn any_bytes_are_lines_or_bad_input(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
            if let Err(e) = read(&bytes[..], Path::new("check.jsonl")) {
                prop_assert!(e.downcast_ref::<crate::error::BadInput>().is_some(), "{}", e);
            }
        }

        /// Written lines of any paths and urls read back; cut at any byte (inside a character
        /// too) or with anything after them, they are bad input.
        #[test]
        fn lines_and_near_misses(out_path in "(?s).{0,20}", url in proptest::option::of("(?s).{0,20}"), tail in "[^\\s]{1,4}") {
            let line = sample(&out_path, url);
            let mut text = Vec::new();
            write(&mut text, std::slice::from_ref(&line)).unwrap();
            let file = Path::new("check.jsonl");
            prop_assert_eq!(read(&text[..], file).unwrap(), vec![line]);
            for cut in 1..text.len() - 1 {
                let e = read(&text[..cut], file).unwrap_err();
                prop_assert!(e.downcast_ref::<crate::error::BadInput>().is_some(), "cut at {}", cut);
            }
            let longer = [&text[..text.len() - 1], tail.as_bytes()].concat();
            prop_assert!(read(&longer[..], file).is_err(), "{:?}", tail);
        }
    }
}

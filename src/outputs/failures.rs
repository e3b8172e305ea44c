//! failures.jsonl: one line per failed attribute and cell, in the order of the set (attribute
//! path, system, config, kind, message). Read back for coverage (`eval-failure` reasons).
use crate::model::Failure;
use anyhow::{Context, Result};
use std::io::{BufRead, Write};
use std::path::Path;

pub fn write<'a>(w: &mut dyn Write, failures: impl IntoIterator<Item = &'a Failure>) -> Result<()> {
    for f in failures {
        serde_json::to_writer(&mut *w, f)?;
        w.write_all(b"\n")?;
    }
    Ok(())
}

/// Every failure of a scan; a missing file is none.
pub fn read(path: &Path) -> Result<Vec<Failure>> {
    let Ok(f) = std::fs::File::open(path) else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    for (n, line) in std::io::BufReader::new(f).lines().enumerate() {
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        out.push(
            serde_json::from_str(&line).with_context(|| format!("{}:{}", path.display(), n + 1))?,
        );
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::FailureKind;

    #[test]
    fn failures_read_back() {
        let f = Failure {
            attr_path: "a.b".into(),
            system: "x86_64-linux".into(),
            config: "{}".into(),
            kind: FailureKind::ImportFromDerivation,
            message: "cannot build".into(),
        };
        let mut out = Vec::new();
        write(&mut out, [&f, &f]).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("failures.jsonl");
        std::fs::write(&path, out).unwrap();
        assert_eq!(read(&path).unwrap(), [f.clone(), f]);
        assert!(read(&dir.path().join("none")).unwrap().is_empty());
    }
}

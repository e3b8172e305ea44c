//! store-paths (the FODs' outPaths) and closure-paths (every output of every derivation of the
//! scanned closures): one store path a line, sorted. Written by a scan, read by `missing`.
use crate::error::bad;
use crate::nix::store::hash_part;
use anyhow::{Context, Result};
use std::io::Write;
use std::path::Path;

/// Writes `paths` one a line, sorted and without duplicates.
pub fn write<'a>(w: &mut dyn Write, paths: impl IntoIterator<Item = &'a str>) -> Result<()> {
    let mut paths: Vec<&str> = paths.into_iter().collect();
    paths.sort_unstable();
    paths.dedup();
    for p in paths {
        writeln!(w, "{p}")?;
    }
    Ok(())
}

/// The store paths listed in `DIR/name`, sorted and unique; `None` when there is no such file.
/// A line that is not a store path is bad input.
pub fn read(dir: &Path, name: &str) -> Result<Option<Vec<String>>> {
    let file = dir.join(name);
    let text = match std::fs::read_to_string(&file) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e).with_context(|| file.display().to_string()),
    };
    let mut paths = Vec::new();
    for (n, line) in text.lines().enumerate().filter(|(_, l)| !l.is_empty()) {
        if hash_part(line).is_none() {
            return Err(bad(format!(
                "{} line {}: not a store path: {line:?}",
                file.display(),
                n + 1
            ))
            .into());
        }
        paths.push(line.to_owned());
    }
    paths.sort_unstable();
    paths.dedup();
    Ok(Some(paths))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_sorted_and_unique() {
        let a = "/nix/store/0ssi1wpaf7plaswqqjwigppsg5fyh99v-a";
        let b = "/nix/store/1ssi1wpaf7plaswqqjwigppsg5fyh99v-b";
        let dir = tempfile::tempdir().unwrap();
        let mut out = Vec::new();
        write(&mut out, [b, a, b]).unwrap();
        std::fs::write(dir.path().join("store-paths"), &out).unwrap();
        assert_eq!(
            read(dir.path(), "store-paths").unwrap(),
            Some(vec![a.to_owned(), b.to_owned()])
        );
        assert_eq!(read(dir.path(), "closure-paths").unwrap(), None);
        std::fs::write(dir.path().join("store-paths"), "not/a/path\n").unwrap();
        assert!(read(dir.path(), "store-paths").is_err());
    }
}

//! fetchzip (and fetchFromGitHub, fetchFromGitLab … built on it), reproduced: its `postFetch`
//! is recognised only when it is, line for line, the one nixpkgs wrote (16.03's or today's,
//! with `stripRoot` true or false and nothing added: an `extraPostFetch` or `postFetch` of the
//! caller could change the output in ways not reproduced here), and the output is what that
//! script leaves: the archive unpacked as `unpackFile` would (chosen by the file name as the
//! stdenv chooses it), then its one top-level directory's contents, or everything.
use super::unpack::{self, Format};
use std::path::{Path, PathBuf};

/// Which nixpkgs wrote the script: unpacking rules and the handling of the top level differ.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Era {
    /// nixpkgs 16.03 (`ls` counts the top level, `mv "$unpackDir/$fn"/* "$out/"`).
    Y2016,
    /// nixpkgs today (`ls -A`, `mv "$unpackDir/$fn" "$out"`, `chmod 755 "$out"`).
    Current,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fetchzip {
    pub era: Era,
    pub strip_root: bool,
    /// The name the download is renamed to before `unpackFile`: what chooses the unpacker.
    pub file_name: String,
}

const HEAD_2016: &[&str] = &[
    "export PATH=STORE/bin:$PATH",
    "mkdir $out",
    r#"unpackDir="$TMPDIR/unpack""#,
    r#"mkdir "$unpackDir""#,
    r#"cd "$unpackDir""#,
    r#"renamed="$TMPDIR/NAME""#,
    r#"mv "$downloadedFile" "$renamed""#,
    r#"unpackFile "$renamed""#,
    "shopt -s dotglob",
];
const STRIP_2016: &[&str] = &[
    r#"if [ $(ls "$unpackDir" | wc -l) != 1 ]; then"#,
    r#"echo "error: zip file must contain a single file or directory.""#,
    "exit 1",
    "fi",
    r#"fn=$(cd "$unpackDir" && echo *)"#,
    r#"if [ -f "$unpackDir/$fn" ]; then"#,
    r#"mv "$unpackDir/$fn" "$out""#,
    "else",
    r#"mv "$unpackDir/$fn"/* "$out/""#,
    "fi",
];
const FLAT_2016: &[&str] = &[r#"mv "$unpackDir"/* "$out/""#];
const HEAD_CURRENT: &[&str] = &[
    r#"unpackDir="$TMPDIR/unpack""#,
    r#"mkdir "$unpackDir""#,
    r#"cd "$unpackDir""#,
    r#"renamed="$TMPDIR/NAME""#,
    r#"mv "$downloadedFile" "$renamed""#,
    r#"unpackFile "$renamed""#,
    r#"chmod -R +w "$unpackDir""#,
];
const STRIP_CURRENT: &[&str] = &[
    r#"if [ $(ls -A "$unpackDir" | wc -l) != 1 ]; then"#,
    r#"echo "error: zip file must contain a single file or directory.""#,
    r#"echo "hint: Pass stripRoot=false; to fetchzip to assume flat list of files.""#,
    "exit 1",
    "fi",
    r#"fn=$(cd "$unpackDir" && ls -A)"#,
    r#"if [ -f "$unpackDir/$fn" ]; then"#,
    "mkdir $out",
    "fi",
    r#"mv "$unpackDir/$fn" "$out""#,
];
const FLAT_CURRENT: &[&str] = &[r#"mv "$unpackDir" "$out""#];
const TAIL_CURRENT: &[&str] = &[r#"chmod 755 "$out""#];

/// The scripts fodfuzz reproduces: 2016's and today's, each stripping the one top directory or
/// not (head, middle, tail lines).
const SHAPES: [(Era, bool, [&[&str]; 3]); 4] = [
    (Era::Y2016, true, [HEAD_2016, STRIP_2016, &[]]),
    (Era::Y2016, false, [HEAD_2016, FLAT_2016, &[]]),
    (
        Era::Current,
        true,
        [HEAD_CURRENT, STRIP_CURRENT, TAIL_CURRENT],
    ),
    (
        Era::Current,
        false,
        [HEAD_CURRENT, FLAT_CURRENT, TAIL_CURRENT],
    ),
];

/// The fetchzip a `postFetch` is, if it is one fodfuzz reproduces.
pub fn recognise(post_fetch: &str) -> Option<Fetchzip> {
    let mut name = None;
    let lines: Vec<String> = post_fetch
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(|l| {
            if l.starts_with("export PATH=/") && l.ends_with("/bin:$PATH") {
                return "export PATH=STORE/bin:$PATH".to_owned();
            }
            match l
                .strip_prefix(r#"renamed="$TMPDIR/"#)
                .and_then(|r| r.strip_suffix('"'))
            {
                // A name the download can be renamed to in $TMPDIR: not empty, `.` or `..`
                // (the directory itself or its parent, where no file can be written).
                Some(n) if !n.contains(['"', '/', '$', '`']) && !matches!(n, "" | "." | "..") => {
                    name = Some(n.to_owned());
                    r#"renamed="$TMPDIR/NAME""#.to_owned()
                }
                _ => l.to_owned(),
            }
        })
        .collect();
    let (era, strip_root, _) = SHAPES
        .into_iter()
        .find(|(_, _, parts)| lines.iter().map(String::as_str).eq(parts.concat()))?;
    Some(Fetchzip {
        era,
        strip_root,
        file_name: name?,
    })
}

impl Fetchzip {
    /// The format `unpackFile` picks for the download's name: tar's patterns first (the
    /// stdenv's own hook), then unzip's `\.zip$`.
    pub fn format(&self) -> Option<Format> {
        let n = self.file_name.as_str();
        let current = self.era == Era::Current;
        if n.ends_with(".tar.xz") || n.ends_with(".tar.lzma") || (current && n.ends_with(".txz")) {
            Some(Format::TarXz)
        } else if n.ends_with(".tar")
            || n.contains(".tar.")
            || n.ends_with(".tgz")
            || n.ends_with(".tbz2")
            || (current && n.ends_with(".tbz"))
        {
            Some(Format::Tar)
        } else if n.ends_with(".zip") {
            Some(Format::Zip)
        } else {
            None
        }
    }

    /// Unpacks `archive` below `work` and returns the path whose NAR the output is; why not,
    /// when the script would fail or do something not reproduced.
    pub fn output(&self, archive: &Path, work: &Path) -> Result<PathBuf, String> {
        let format = self.format().ok_or_else(|| {
            format!(
                "unpackFile has no rule for a file named {:?}",
                self.file_name
            )
        })?;
        let dir = work.join("unpack");
        std::fs::create_dir(&dir).map_err(|e| e.to_string())?;
        unpack::unpack(format, archive, &dir)?;
        let mut entries: Vec<_> = std::fs::read_dir(&dir)
            .and_then(|d| d.map(|e| e.map(|e| e.file_name())).collect())
            .map_err(|e| e.to_string())?;
        entries.sort();
        if !self.strip_root {
            // 16.03 moves `"$unpackDir"/*` into $out, which fails on nothing to move.
            if entries.is_empty() && self.era == Era::Y2016 {
                return Err("the archive is empty".into());
            }
            return Ok(dir);
        }
        let [only] = entries.as_slice() else {
            return Err(format!(
                "fetchzip wants one top-level entry, the archive has {}",
                entries.len()
            ));
        };
        let top = dir.join(only);
        let meta = std::fs::symlink_metadata(&top).map_err(|e| e.to_string())?;
        if std::fs::metadata(&top).is_ok_and(|m| m.is_file()) {
            // `[ -f ]`: the file goes into $out, a directory of that one entry.
            return Ok(dir);
        }
        if !meta.is_dir() {
            return Err("the top-level entry is a symlink or special file".into());
        }
        let empty = std::fs::read_dir(&top)
            .map_err(|e| e.to_string())?
            .next()
            .is_none();
        if empty && self.era == Era::Y2016 {
            return Err("the top-level directory is empty".into());
        }
        Ok(top)
    }
}

#[cfg(test)]
pub mod tests {
    use super::*;

    /// fetchFromGitHub's postFetch as nixpkgs 16.03 writes it in the .drv.
    pub const GITHUB_2016: &str = "export PATH=/nix/store/rx1i3y5dg0v7y0x1xg6bdp0gkk6ny3ym-unzip-6.0/bin:$PATH\nmkdir $out\n\nunpackDir=\"$TMPDIR/unpack\"\nmkdir \"$unpackDir\"\ncd \"$unpackDir\"\n\nrenamed=\"$TMPDIR/v1.0.tar.gz\"\nmv \"$downloadedFile\" \"$renamed\"\nunpackFile \"$renamed\"\n\nshopt -s dotglob\nif [ $(ls \"$unpackDir\" | wc -l) != 1 ]; then\n  echo \"error: zip file must contain a single file or directory.\"\n  exit 1\nfi\nfn=$(cd \"$unpackDir\" && echo *)\nif [ -f \"$unpackDir/$fn\" ]; then\n  mv \"$unpackDir/$fn\" \"$out\"\nelse\n  mv \"$unpackDir/$fn\"/* \"$out/\"\nfi\n";

    #[test]
    fn recognises_only_nixpkgs_scripts() {
        let z = recognise(GITHUB_2016).unwrap();
        assert_eq!(
            z,
            Fetchzip {
                era: Era::Y2016,
                strip_root: true,
                file_name: "v1.0.tar.gz".into()
            }
        );
        assert_eq!(z.format(), Some(Format::Tar));
        let current = "unpackDir=\"$TMPDIR/unpack\"\nmkdir \"$unpackDir\"\ncd \"$unpackDir\"\n\nrenamed=\"$TMPDIR/source.zip\"\nmv \"$downloadedFile\" \"$renamed\"\nunpackFile \"$renamed\"\nchmod -R +w \"$unpackDir\"\nmv \"$unpackDir\" \"$out\"\n\n\nchmod 755 \"$out\"\n";
        let z = recognise(current).unwrap();
        assert_eq!((z.era, z.strip_root), (Era::Current, false));
        assert_eq!(z.format(), Some(Format::Zip));
        // An extraPostFetch: the output is no longer the archive's contents alone.
        let extra = format!("{GITHUB_2016}rm -rf $out/tests\n");
        assert_eq!(recognise(&extra), None);
        assert_eq!(recognise(""), None);
        assert_eq!(recognise("lsdiff $out"), None);
    }

    #[test]
    fn formats_by_name() {
        let z = |era, n: &str| Fetchzip {
            era,
            strip_root: true,
            file_name: n.into(),
        };
        assert_eq!(z(Era::Y2016, "a.tar.xz").format(), Some(Format::TarXz));
        assert_eq!(z(Era::Y2016, "a.tar.bz2").format(), Some(Format::Tar));
        assert_eq!(z(Era::Y2016, "a.tbz2").format(), Some(Format::Tar));
        assert_eq!(z(Era::Y2016, "a.txz").format(), None);
        assert_eq!(z(Era::Current, "a.txz").format(), Some(Format::TarXz));
        assert_eq!(z(Era::Y2016, "download?id=3").format(), None);
        assert_eq!(
            z(Era::Y2016, "a.ZIP").format(),
            None,
            "unzip's hook is case-sensitive"
        );
    }

    use proptest::prelude::*;

    /// The four scripts fodfuzz reproduces, with `name` as the download's name.
    fn scripts(name: &str) -> Vec<(String, Era, bool)> {
        SHAPES
            .into_iter()
            .map(|(era, strip, parts)| {
                let text = parts
                    .concat()
                    .iter()
                    .map(|l| {
                        let l = l.replace("STORE", "/nix/store/x-unzip");
                        format!("  {}\n", l.replace("NAME", name))
                    })
                    .collect();
                (text, era, strip)
            })
            .collect()
    }

    proptest! {
        /// Any text: a script recognised or not, never a panic.
        #[test]
        fn any_text_is_an_answer(text in "(?s).{0,400}") {
            if let Some(z) = recognise(&text) {
                prop_assert!(!z.file_name.is_empty());
            }
        }

        /// Each script with any name it can hold is recognised; cut short, with a line more or
        /// a line less, it is not.
        #[test]
        fn scripts_and_near_misses(name in "[^\"/$`\\s]([^\"/$`\r\n]{0,20}[^\"/$`\\s])?", extra in "[^\\s]{1,10}", drop in 0usize..40) {
            prop_assume!(name != "." && name != "..");
            for (text, era, strip_root) in scripts(&name) {
                let want = Fetchzip { era, strip_root, file_name: name.clone() };
                prop_assert_eq!(recognise(&text), Some(want));
                for (i, _) in text.char_indices() {
                    if text[..i].trim_end() != text.trim_end() {
                        prop_assert_eq!(recognise(&text[..i]), None, "cut at {}", i);
                    }
                }
                prop_assert_eq!(recognise(&format!("{text}{extra}\n")), None);
                let lines: Vec<&str> = text.lines().collect();
                let less: String = lines
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| *i != drop % lines.len())
                    .map(|(_, l)| format!("{l}\n"))
                    .collect();
                prop_assert_eq!(recognise(&less), None);
            }
        }
    }

    #[test]
    fn names_no_file_can_have_are_refused() {
        for name in ["", ".", "..", "a/b", "$x", "a\"b"] {
            for (text, _, _) in scripts(name) {
                assert_eq!(recognise(&text), None, "{name:?}");
            }
        }
    }
}

//! fods.jsonl: one line per FOD, sorted by outPath. Written here, and read here for `diff` and
//! `why`: line by line, checked sorted, the reaches parsed only for the lines that need them.
//! A line lists the nearest reaching attributes of each cell (`reachedBy`) and how many reach
//! it (`reachCount`), not every one: its size does not grow with the number of derivations.
//! An attribute that failed but reaches the FOD partially is marked (`"partial": true` and
//! `via`), and counted apart.
use crate::error::{BadInput, bad};
use crate::model::{CellReach, Fetcher, Fod, HashMode, Recipe, Via};
use crate::nix::attrpath;
use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};
use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};

/// One line.
#[derive(Serialize)]
struct LineOut<'a> {
    #[serde(rename = "outPath")]
    out_path: &'a str,
    #[serde(rename = "drvPath")]
    drv_path: &'a str,
    name: &'a str,
    hash: &'a str,
    #[serde(rename = "hashMode")]
    hash_mode: HashMode,
    urls: &'a [String],
    fetcher: Fetcher,
    /// Absent when the .drv says nothing beyond the kind.
    #[serde(skip_serializing_if = "Recipe::is_empty")]
    recipe: &'a Recipe,
    #[serde(rename = "reachedBy")]
    reached_by: Vec<ReachOut<'a>>,
    #[serde(rename = "reachCount")]
    reach_count: Vec<CountOut<'a>>,
}

/// A reaching attribute, as the scan's model writes a Reach.
#[derive(Serialize, PartialEq, Eq, PartialOrd, Ord)]
struct ReachOut<'a> {
    #[serde(rename = "attrPath")]
    attr_path: &'a str,
    system: &'a str,
    config: &'a str,
    /// The attribute failed: what it reaches is known only in part.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    partial: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    via: Option<Via>,
}

/// One cell: how many attributes reach the FOD, and how far the nearest are.
#[derive(Serialize)]
struct CountOut<'a> {
    system: &'a str,
    config: &'a str,
    attributes: u64,
    /// Attributes that failed and reach it partially.
    #[serde(skip_serializing_if = "is_zero")]
    partial: u64,
    distance: u32,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

fn line(fod: &Fod) -> LineOut<'_> {
    let mut reached_by: Vec<ReachOut> = fod
        .reach
        .iter()
        .flat_map(|c: &CellReach| {
            c.nearest.iter().map(|a| ReachOut {
                attr_path: &a.attr_path,
                system: &c.system,
                config: &c.config,
                partial: a.via.is_some(),
                via: a.via,
            })
        })
        .collect();
    reached_by.sort();
    reached_by.dedup();
    LineOut {
        out_path: &fod.out_path,
        drv_path: &fod.drv_path,
        name: &fod.name,
        hash: &fod.hash,
        hash_mode: fod.hash_mode,
        urls: &fod.urls,
        fetcher: fod.fetcher,
        recipe: &fod.recipe,
        reached_by,
        reach_count: fod
            .reach
            .iter()
            .map(|c| CountOut {
                system: &c.system,
                config: &c.config,
                attributes: c.attributes,
                partial: c.partial,
                distance: c.distance,
            })
            .collect(),
    }
}

/// Writes every FOD, one line each.
pub fn write<'a>(w: &mut dyn Write, fods: impl IntoIterator<Item = &'a Fod>) -> Result<()> {
    for fod in fods {
        serde_json::to_writer(&mut *w, &line(fod))?;
        w.write_all(b"\n")?;
    }
    Ok(())
}

/// A whole line read back, reaches too (for `merge`); the mirror-only `source` is left empty.
pub fn parse_line(line: &str) -> serde_json::Result<Fod> {
    #[derive(Deserialize)]
    struct Whole {
        #[serde(flatten)]
        entry: Entry,
        #[serde(rename = "reachedBy", default)]
        reached_by: Vec<crate::model::Reach>,
        #[serde(rename = "reachCount", default)]
        reach_count: Vec<CountIn>,
    }
    #[derive(Deserialize)]
    struct CountIn {
        system: String,
        config: String,
        attributes: u64,
        #[serde(default)]
        partial: u64,
        distance: u32,
    }
    let w: Whole = serde_json::from_str(line)?;
    // reachedBy is sorted by attribute path: each cell's nearest come out sorted.
    let reach = w
        .reach_count
        .into_iter()
        .map(|c| CellReach {
            nearest: w
                .reached_by
                .iter()
                .filter(|r| r.system == c.system && r.config == c.config)
                .map(|r| crate::model::Nearest {
                    attr_path: r.attr_path.clone(),
                    via: r.via,
                })
                .collect(),
            system: c.system,
            config: c.config,
            attributes: c.attributes,
            partial: c.partial,
            distance: c.distance,
        })
        .collect();
    let e = w.entry;
    Ok(Fod {
        out_path: e.out_path,
        drv_path: e.drv_path,
        name: e.name,
        hash: e.hash,
        hash_mode: e.hash_mode,
        urls: e.urls,
        fetcher: e.fetcher,
        recipe: e.recipe,
        source: Default::default(),
        reach,
    })
}

/// A line read back, without its reaches. `diff --json` prints it as is (without drvPath).
#[derive(Deserialize, Serialize, Clone, Debug, PartialEq)]
pub struct Entry {
    #[serde(rename = "outPath")]
    pub out_path: String,
    #[serde(rename = "drvPath", default, skip_serializing)]
    pub drv_path: String,
    pub name: String,
    pub hash: String,
    #[serde(rename = "hashMode")]
    pub hash_mode: HashMode,
    pub urls: Vec<String>,
    #[serde(default = "unknown")]
    pub fetcher: Fetcher,
    /// Files written before recipes were recorded have none.
    #[serde(default, skip_serializing_if = "Recipe::is_empty")]
    pub recipe: Recipe,
}

fn unknown() -> Fetcher {
    Fetcher::Unknown
}

#[derive(Deserialize)]
struct Reaches {
    #[serde(rename = "reachedBy", default)]
    reached_by: Vec<ReachIn>,
}

#[derive(Deserialize)]
struct ReachIn {
    #[serde(rename = "attrPath")]
    attr_path: AttrPath,
}

/// Written dotted, as `attrpath::show` prints it, or (by hand) as an array of names.
#[derive(Deserialize)]
#[serde(untagged)]
enum AttrPath {
    Names(Vec<String>),
    Dotted(String),
}

/// The scan's fods.jsonl in `dir`: bad input when `dir` is not a finished scan.
pub fn file_in(dir: &Path) -> Result<PathBuf, BadInput> {
    if !dir.is_dir() {
        return Err(bad(format!(
            "{}: not a directory (a scan's output, with fods.jsonl)",
            dir.display()
        )));
    }
    let file = dir.join("fods.jsonl");
    if !file.is_file() {
        return Err(bad(format!(
            "{}: no fods.jsonl (not a finished scan)",
            dir.display()
        )));
    }
    Ok(file)
}

/// Reads fods.jsonl line by line, checking that it is sorted by outPath.
pub struct Reader {
    file: PathBuf,
    lines: std::io::Lines<std::io::BufReader<std::fs::File>>,
    number: usize,
    /// The current line and what it says without its reaches.
    current: Option<(String, Entry)>,
}

impl Reader {
    /// Opens `file` and reads its first line.
    pub fn open(file: &Path) -> Result<Reader> {
        let f = std::fs::File::open(file).with_context(|| format!("opening {}", file.display()))?;
        let mut r = Reader {
            file: file.to_owned(),
            lines: std::io::BufReader::new(f).lines(),
            number: 0,
            current: None,
        };
        r.advance()?;
        Ok(r)
    }

    /// The current line's FOD; `None` at the end.
    pub fn current(&self) -> Option<&Entry> {
        self.current.as_ref().map(|(_, e)| e)
    }

    /// The current line as written.
    pub fn line(&self) -> Option<&str> {
        self.current.as_ref().map(|(l, _)| l.as_str())
    }

    /// Moves to the next line; a malformed or unsorted one is bad input naming file and line.
    pub fn advance(&mut self) -> Result<()> {
        let previous = self.current.take().map(|(_, f)| f.out_path);
        for line in self.lines.by_ref() {
            let line = line.with_context(|| format!("reading {}", self.file.display()))?;
            self.number += 1;
            if line.trim().is_empty() {
                continue;
            }
            let entry: Entry = serde_json::from_str(&line).map_err(|e| self.bad(e))?;
            if previous.as_ref().is_some_and(|p| *p >= entry.out_path) {
                return Err(self.bad("not sorted by outPath").into());
            }
            self.current = Some((line, entry));
            return Ok(());
        }
        Ok(())
    }

    /// The attribute paths of the current line's reaches (parsed only when asked).
    pub fn attr_paths(&self) -> Result<Vec<Vec<String>>> {
        let (line, _) = self.current.as_ref().expect("a current line");
        let reaches: Reaches = serde_json::from_str(line).map_err(|e| self.bad(e))?;
        Ok(reaches
            .reached_by
            .into_iter()
            .map(|r| match r.attr_path {
                AttrPath::Names(n) => n,
                AttrPath::Dotted(d) => attrpath::parse(&d),
            })
            .collect())
    }

    fn bad(&self, what: impl std::fmt::Display) -> BadInput {
        bad(format!("{}:{}: {what}", self.file.display(), self.number))
    }
}

/// The hash and the reaching systems of each line, for coverage: read line by line, each line's
/// reaches only as far as their systems.
pub fn for_each_hash(file: &Path, mut f: impl FnMut(&str, Vec<&str>)) -> Result<()> {
    #[derive(Deserialize)]
    struct Line<'a> {
        #[serde(borrow)]
        hash: std::borrow::Cow<'a, str>,
        #[serde(rename = "reachedBy", default, borrow)]
        reached_by: Vec<System<'a>>,
    }
    #[derive(Deserialize)]
    struct System<'a> {
        #[serde(borrow)]
        system: std::borrow::Cow<'a, str>,
    }
    let input = std::fs::File::open(file).with_context(|| format!("opening {}", file.display()))?;
    for (n, line) in std::io::BufReader::new(input).lines().enumerate() {
        let line = line.with_context(|| format!("reading {}", file.display()))?;
        if line.trim().is_empty() {
            continue;
        }
        let l: Line = serde_json::from_str(&line)
            .map_err(|e| bad(format!("{}:{}: {e}", file.display(), n + 1)))?;
        let mut systems: Vec<&str> = l.reached_by.iter().map(|r| r.system.as_ref()).collect();
        systems.sort_unstable();
        systems.dedup();
        f(&l.hash, systems);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Nearest, Source};

    #[test]
    fn written_lines_read_back() {
        let cell = |system: &str, attributes, distance, nearest: &[&str]| CellReach {
            system: system.into(),
            config: "{}".into(),
            attributes,
            partial: 0,
            distance,
            nearest: nearest.iter().map(|a| Nearest::plain(a)).collect(),
        };
        let fod = |out: &str, reach: Vec<CellReach>| Fod {
            out_path: out.into(),
            drv_path: format!("{out}.drv"),
            name: "x.tar.gz".into(),
            hash: "sha256-AAAA".into(),
            hash_mode: HashMode::Flat,
            urls: vec!["http://x/x.tar.gz".into()],
            fetcher: Fetcher::Url,
            recipe: Default::default(),
            source: Source::default(),
            reach,
        };
        let fods = [
            fod(
                "/nix/store/a-x",
                vec![
                    cell("aarch64-linux", 7, 2, &["a"]),
                    cell("x86_64-linux", 2, 1, &["a", "b.\"c.d\""]),
                ],
            ),
            fod("/nix/store/b-x", vec![cell("x86_64-linux", 1, 0, &["a"])]),
            fod(
                "/nix/store/c-x",
                vec![CellReach {
                    partial: 1,
                    nearest: vec![Nearest {
                        attr_path: "img".into(),
                        via: Some(Via::ImportFromDerivation),
                    }],
                    ..cell("x86_64-linux", 0, 1, &[])
                }],
            ),
        ];
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("fods.jsonl");
        let mut out = Vec::new();
        write(&mut out, &fods).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert_eq!(
            text.lines().next().unwrap(),
            r#"{"outPath":"/nix/store/a-x","drvPath":"/nix/store/a-x.drv","name":"x.tar.gz","hash":"sha256-AAAA","hashMode":"flat","urls":["http://x/x.tar.gz"],"fetcher":"url","reachedBy":[{"attrPath":"a","system":"aarch64-linux","config":"{}"},{"attrPath":"a","system":"x86_64-linux","config":"{}"},{"attrPath":"b.\"c.d\"","system":"x86_64-linux","config":"{}"}],"reachCount":[{"system":"aarch64-linux","config":"{}","attributes":7,"distance":2},{"system":"x86_64-linux","config":"{}","attributes":2,"distance":1}]}"#
        );
        std::fs::write(&file, &text).unwrap();
        let mut r = Reader::open(&file).unwrap();
        assert_eq!(r.current().unwrap().drv_path, "/nix/store/a-x.drv");
        assert_eq!(
            r.attr_paths().unwrap(),
            vec![
                vec!["a".to_owned()],
                vec!["a".into()],
                vec!["b".into(), "c.d".into()]
            ]
        );
        r.advance().unwrap();
        assert_eq!(r.current().unwrap().out_path, "/nix/store/b-x");
        assert_eq!(
            text.lines().nth(2).unwrap(),
            r#"{"outPath":"/nix/store/c-x","drvPath":"/nix/store/c-x.drv","name":"x.tar.gz","hash":"sha256-AAAA","hashMode":"flat","urls":["http://x/x.tar.gz"],"fetcher":"url","reachedBy":[{"attrPath":"img","system":"x86_64-linux","config":"{}","partial":true,"via":"import-from-derivation"}],"reachCount":[{"system":"x86_64-linux","config":"{}","attributes":0,"partial":1,"distance":1}]}"#
        );
        r.advance().unwrap();
        assert_eq!(r.attr_paths().unwrap(), vec![vec!["img".to_owned()]]);
        r.advance().unwrap();
        assert!(r.current().is_none());

        let lines: Vec<&str> = text.lines().collect();
        std::fs::write(&file, format!("{}\n{}\n", lines[1], lines[0])).unwrap();
        let mut r = Reader::open(&file).unwrap();
        let e = r.advance().unwrap_err();
        assert!(e.to_string().ends_with(":2: not sorted by outPath"), "{e}");
    }

    use proptest::prelude::*;

    /// A recipe is written when there is one and read back whole, by `parse_line` (merge) and
    /// the reader (diff, check); a line written before recipes existed reads with none, and one
    /// before kinds existed as `unknown`.
    #[test]
    fn recipes_round_trip_and_old_lines_read() {
        let old = r#"{"outPath":"/nix/store/a-x","drvPath":"/nix/store/a-x.drv","name":"x","hash":"sha256-AAAA","hashMode":"recursive","urls":[],"fetcher":"unknown","reachedBy":[],"reachCount":[]}"#;
        let fod = parse_line(old).unwrap();
        assert_eq!(
            (fod.fetcher, fod.recipe.is_empty()),
            (Fetcher::Unknown, true)
        );
        let older = old.replace(r#","fetcher":"unknown""#, "");
        assert_eq!(parse_line(&older).unwrap().fetcher, Fetcher::Unknown);
        let staged = Fod {
            fetcher: Fetcher::CargoVendor,
            recipe: Recipe {
                function: Some("fetchCargoVendor".into()),
                src: Some("/nix/store/s-source".into()),
                lockfile: Some("Cargo.lock".into()),
                ..Recipe::default()
            },
            ..fod
        };
        let mut out = Vec::new();
        write(&mut out, [&staged]).unwrap();
        let line = String::from_utf8(out).unwrap();
        assert!(
            line.contains(r#""fetcher":"cargoVendor","recipe":{"function":"fetchCargoVendor","src":"/nix/store/s-source","lockfile":"Cargo.lock"},"#),
            "{line}"
        );
        assert_eq!(parse_line(line.trim_end()).unwrap(), staged);
        let entry: Entry = serde_json::from_str(line.trim_end()).unwrap();
        assert_eq!(entry.recipe, staged.recipe);
        let entry: Entry = serde_json::from_str(old).unwrap();
        assert!(entry.recipe.is_empty());
        assert!(!serde_json::to_string(&entry).unwrap().contains("recipe"));
    }

    /// A FOD of any strings (non-ASCII, NUL, quotes) reached in one cell.
    fn any_fod(text: &[String; 6], urls: Vec<String>, attributes: u64, distance: u32) -> Fod {
        Fod {
            out_path: text[0].clone(),
            drv_path: text[1].clone(),
            name: text[2].clone(),
            hash: text[3].clone(),
            hash_mode: HashMode::Recursive,
            urls,
            fetcher: Fetcher::Url,
            recipe: Default::default(),
            source: Source::default(),
            reach: vec![CellReach {
                system: text[4].clone(),
                config: text[5].clone(),
                attributes,
                partial: 0,
                distance,
                nearest: vec![Nearest::plain("a.\"b.c\"")],
            }],
        }
    }

    proptest! {
        /// Any text: a FOD or an error, never a panic.
        #[test]
        fn any_line_is_an_answer(line in "(?s)(\\{\"outPath\":)?.{0,200}") {
            let _ = parse_line(&line);
        }

        /// A written line of any values reads back as its FOD; cut at any character, or with
        /// anything after it, it is an error.
        #[test]
        fn lines_and_near_misses(
            text in any::<[String; 6]>(),
            urls in proptest::collection::vec("(?s).{0,10}", 0..3),
            attributes: u64,
            distance: u32,
            tail in "[^\\s]{1,4}",
        ) {
            let fod = any_fod(&text, urls, attributes, distance);
            let mut out = Vec::new();
            write(&mut out, [&fod]).unwrap();
            let line = String::from_utf8(out).unwrap();
            let line = line.trim_end();
            prop_assert_eq!(parse_line(line).unwrap(), fod);
            for (i, _) in line.char_indices() {
                prop_assert!(parse_line(&line[..i]).is_err(), "cut at {}", i);
            }
            prop_assert!(parse_line(&format!("{line}{tail}")).is_err(), "{:?}", tail);
        }
    }
}

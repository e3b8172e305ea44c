//! The static analysis of a whole tree: every `.nix` file parsed once (on every core), then the
//! import graph from the tree's `default.nix` (which files are live), the attribute chains that
//! own each file (`pkgs/…/firefox-bin/sources.nix` ← `firefox-bin`), top-level aliases, and
//! the tree's platform lists.
use super::facts::{self, FileFacts};
use super::platforms::{self, PlatformSets};
use super::refs::TreeFiles;
use anyhow::{Context, Result};
use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Owner chains kept per file: the shortest ones (a set file such as python-packages.nix is
/// called under seven names).
const MAX_OWNERS: usize = 12;
const MAX_CHAIN: usize = 12;

pub struct Tree {
    /// The tree's directory.
    pub root: PathBuf,
    /// The file the package set is imported from (`default.nix`), relative to the root.
    pub entry: String,
    /// Every `.nix` file, relative to the root, with what it holds.
    pub files: BTreeMap<String, FileFacts>,
    /// Files reachable from `default.nix` through the paths written in them.
    pub live: BTreeSet<String>,
    /// For each live file, the attribute chains it is reached under (`[]` for the root).
    pub owners: HashMap<String, Vec<Vec<String>>>,
    /// For each file, the files that refer to it.
    pub importers: HashMap<String, BTreeSet<String>>,
    /// Top-level names that stand for others (`python3Packages` → `python34Packages`).
    pub aliases: HashMap<Vec<String>, Vec<String>>,
    pub platforms: PlatformSets,
    /// How long reading and parsing took.
    pub elapsed: Duration,
}

/// Analyses the tree at `path`: a directory (imported as its default.nix) or a `.nix` file in
/// the directory that is its tree.
pub fn analyse(path: &Path) -> Result<Tree> {
    let started = Instant::now();
    let (root, entry) = match path.is_file() {
        true => (
            path.parent().context("a file has a directory")?,
            path.file_name()
                .unwrap_or_default()
                .to_string_lossy()
                .into_owned(),
        ),
        false => (path, "default.nix".to_owned()),
    };
    let mut names = Vec::new();
    list(root, root, &mut names)?;
    names.sort();
    let tree_files = TreeFiles(names.iter().cloned().collect());
    let parsed = parse_all(root, &names, &tree_files);
    let files: BTreeMap<String, FileFacts> = names.into_iter().zip(parsed).collect();
    let platform_texts: Vec<String> = platforms::FILES
        .iter()
        .filter_map(|f| std::fs::read_to_string(root.join(f)).ok())
        .collect();
    let mut t = Tree {
        root: root.to_owned(),
        entry,
        live: BTreeSet::new(),
        owners: HashMap::new(),
        importers: HashMap::new(),
        aliases: HashMap::new(),
        platforms: PlatformSets::read(&platform_texts),
        files,
        elapsed: Duration::ZERO,
    };
    t.link();
    t.elapsed = started.elapsed();
    Ok(t)
}

/// Every `.nix` file below `dir`, hidden directories and symbolic links left out. Only the
/// tree's own directory must be readable; a subdirectory that is not is skipped.
fn list(root: &Path, dir: &Path, out: &mut Vec<String>) -> Result<()> {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(_) if dir != root => return Ok(()),
        Err(e) => return Err(e).with_context(|| format!("reading {}", dir.display())),
    };
    for e in entries {
        let e = e?;
        let name = e.file_name();
        if name.to_string_lossy().starts_with('.') {
            continue;
        }
        let kind = e.file_type()?;
        let path = e.path();
        if kind.is_dir() {
            list(root, &path, out)?;
        } else if kind.is_file() && path.extension().is_some_and(|x| x == "nix") {
            let rel = path.strip_prefix(root).unwrap_or(&path);
            out.push(rel.to_string_lossy().into_owned());
        }
    }
    Ok(())
}

/// Parses every file on all cores; results in the order of `names`. A file that cannot be read,
/// or whose analysis panics (recorded as an internal error of that file), counts as one with
/// errors and no facts: coverage must not end a scan.
fn parse_all(root: &Path, names: &[String], files: &TreeFiles) -> Vec<FileFacts> {
    let unread = || FileFacts {
        parse_errors: 1,
        ..FileFacts::default()
    };
    crate::parallel::map(names, |name| match std::fs::read(root.join(name)) {
        Ok(b) => crate::isolate::item("coverage", name, || {
            facts::extract(name, &String::from_utf8_lossy(&b), files)
        })
        .unwrap_or_else(|_| unread()),
        Err(_) => unread(),
    })
}

impl Tree {
    /// The files one reference names: one file, or every file below a directory.
    fn targets<'a>(
        &'a self,
        r: &'a super::refs::PathRef,
    ) -> Box<dyn Iterator<Item = &'a String> + 'a> {
        if !r.below {
            return Box::new(
                self.files
                    .get_key_value(&r.target)
                    .map(|(k, _)| k)
                    .into_iter(),
            );
        }
        let prefix = if r.target.is_empty() {
            String::new()
        } else {
            format!("{}/", r.target)
        };
        Box::new(
            self.files
                .range(prefix.clone()..)
                .map(|(k, _)| k)
                .take_while(move |k| k.starts_with(&prefix)),
        )
    }

    /// Liveness, owners, importers and aliases, by a walk from the entry file.
    fn link(&mut self) {
        let mut importers: HashMap<String, BTreeSet<String>> = HashMap::new();
        for (file, f) in &self.files {
            for r in &f.refs {
                for t in self.targets(r) {
                    importers.entry(t.clone()).or_default().insert(file.clone());
                }
            }
        }
        self.importers = importers;
        let mut owners: HashMap<String, Vec<Vec<String>>> = HashMap::new();
        let mut queue = VecDeque::new();
        if self.files.contains_key(&self.entry) {
            owners.insert(self.entry.clone(), vec![Vec::new()]);
            queue.push_back(self.entry.clone());
            // Newer nixpkgs calls every pkgs/by-name/<shard>/<name>/package.nix as the
            // top-level `<name>`, found by readDir: no path names the file.
            for (file, name) in self.files.keys().filter_map(|f| Some((f, by_name(f)?))) {
                owners.insert(file.clone(), vec![vec![name.to_owned()]]);
                queue.push_back(file.clone());
            }
        }
        while let Some(file) = queue.pop_front() {
            let mine = owners[&file].clone();
            let f = &self.files[&file];
            for r in &f.refs {
                let targets: Vec<String> = self.targets(r).cloned().collect();
                let chains = called_as(f, &r.chain);
                for t in targets {
                    let theirs = owners.entry(t.clone()).or_default();
                    let mut added = false;
                    for chain in &chains {
                        added |= add_owners(theirs, &mine, chain);
                    }
                    if added {
                        queue.push_back(t);
                    }
                }
            }
        }
        self.live = owners.keys().cloned().collect();
        self.aliases = self.top_level_aliases(&owners);
        self.owners = owners;
    }

    /// Aliases bound at the top level: in a file owned by the root chain.
    fn top_level_aliases(
        &self,
        owners: &HashMap<String, Vec<Vec<String>>>,
    ) -> HashMap<Vec<String>, Vec<String>> {
        let mut out = HashMap::new();
        for (file, f) in &self.files {
            if !owners
                .get(file)
                .is_some_and(|o| o.iter().any(|c| c.is_empty()))
            {
                continue;
            }
            for a in &f.aliases {
                let known = !a.call || f.functions.contains(&a.target[0]);
                if known && a.bound != a.target {
                    out.entry(a.bound.clone())
                        .or_insert_with(|| a.target.clone());
                }
            }
        }
        out
    }

    /// The files that could not be read, or that rnix read with syntax errors (it keeps what it
    /// can of those).
    pub fn parse_errors(&self) -> Vec<&str> {
        let bad = self.files.iter().filter(|(_, f)| f.parse_errors > 0);
        bad.map(|(k, _)| k.as_str()).collect()
    }

    /// The attribute chains a file is owned under, `[]` when it is not live.
    pub fn owners_of(&self, file: &str) -> &[Vec<String>] {
        self.owners.get(file).map_or(&[], Vec::as_slice)
    }
}

/// The attribute a file of nixpkgs' by-name layout is: `<name>` of
/// `pkgs/by-name/<two letters>/<name>/package.nix`.
fn by_name(file: &str) -> Option<&str> {
    let rest = file.strip_prefix("pkgs/by-name/")?;
    match rest.split('/').collect::<Vec<_>>().as_slice() {
        [shard, name, "package.nix"] if shard.len() == 2 => Some(name),
        _ => None,
    }
}

/// The chains a reference of `f` is reached under: its own, and where it sits in a function
/// bound beside the bindings that call it, theirs (beam-packages.nix's `packagesWith = erlang:
/// callPackage ../development/beam-modules …` and `packages.erlangR19 = packagesWith …`).
fn called_as(f: &FileFacts, chain: &[String]) -> Vec<Vec<String>> {
    let mut out = vec![chain.to_vec()];
    let Some(first) = chain.first().filter(|n| f.functions.contains(n)) else {
        return out;
    };
    let calls = f
        .aliases
        .iter()
        .filter(|a| a.call && a.target == [first.clone()]);
    out.extend(calls.map(|a| [a.bound.as_slice(), &chain[1..]].concat()));
    out
}

/// Adds `chain` below each of `from` to `to`, keeping the shortest `MAX_OWNERS`; whether
/// anything changed.
fn add_owners(to: &mut Vec<Vec<String>>, from: &[Vec<String>], chain: &[String]) -> bool {
    let mut changed = false;
    for o in from {
        let mut c = o.clone();
        c.extend(chain.iter().cloned());
        // A chain below one the file already has is a cycle: the file re-imported from inside
        // itself (all-packages.nix by stdenv's `allPackages`, by `forceSystem`), as the walk
        // prunes re-instantiated package sets.
        if c.len() > MAX_CHAIN || to.iter().any(|o| c.starts_with(o)) {
            continue;
        }
        if to.len() >= MAX_OWNERS && to.last().is_some_and(|l| l.len() <= c.len()) {
            continue;
        }
        let at = to.partition_point(|x| (x.len(), x) < (c.len(), &c));
        to.insert(at, c);
        to.truncate(MAX_OWNERS);
        changed = true;
    }
    changed
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, files: &[(&str, &str)]) {
        for (name, text) in files {
            let p = dir.join(name);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, text).unwrap();
        }
    }

    #[test]
    fn import_graph_owners_and_aliases() {
        let dir = tempfile::tempdir().unwrap();
        write(
            dir.path(),
            &[
                ("default.nix", "import ./top.nix"),
                (
                    "top.nix",
                    "{ foo = callPackage ./foo { }; py = import ./set.nix; py3 = py; \
                     gen = v: import ./gen.nix v; sets = { a = gen 1; b = pkgs.gen 2; }; }",
                ),
                ("foo/default.nix", "{ }: { src = import ./sources.nix; }"),
                ("foo/sources.nix", "[ ]"),
                ("set.nix", "{ bar = 1; }"),
                ("gen.nix", "v: { }"),
                (
                    "pkgs/by-name/he/hello/package.nix",
                    "{ }: { src = import ./data.nix; }",
                ),
                ("pkgs/by-name/he/hello/data.nix", "{ }"),
                ("pkgs/by-name/he/stray.nix", "{ }"),
                ("dead.nix", "import ./foo"),
            ],
        );
        let t = analyse(dir.path()).unwrap();
        let live: Vec<&str> = t.live.iter().map(String::as_str).collect();
        assert_eq!(
            live,
            [
                "default.nix",
                "foo/default.nix",
                "foo/sources.nix",
                "gen.nix",
                "pkgs/by-name/he/hello/data.nix",
                "pkgs/by-name/he/hello/package.nix",
                "set.nix",
                "top.nix"
            ]
        );
        assert_eq!(
            t.owners_of("foo/sources.nix"),
            [vec!["foo".to_owned(), "src".to_owned()]]
        );
        assert_eq!(t.owners_of("set.nix"), [vec!["py".to_owned()]]);
        let v = |p: &str| p.split('.').map(String::from).collect::<Vec<_>>();
        assert_eq!(t.owners_of("gen.nix"), [v("gen"), v("sets.a"), v("sets.b")]);
        assert_eq!(
            t.owners_of("pkgs/by-name/he/hello/package.nix"),
            [v("hello")]
        );
        assert_eq!(
            t.owners_of("pkgs/by-name/he/hello/data.nix"),
            [v("hello.src")]
        );
        assert!(!t.live.contains("pkgs/by-name/he/stray.nix"));
        assert_eq!(t.aliases[&vec!["py3".to_owned()]], ["py"]);
        assert!(t.importers["foo/default.nix"].contains("dead.nix"));
    }
}

//! Whether a literal belongs to systems outside a run, and which: conditions over it or over
//! the import of its file that are false on every system of the run, a set keyed by system
//! (`"i686-linux" = fetchurl …`), an entry or attribute naming another architecture
//! (`arch = "linux-i686"`, `sha256_i686`), a file under an OS's directory (`os-specific/darwin`),
//! or `meta.platforms` without any system of the run.
use super::cond::Cond;
use super::facts::{FileFacts, Site};
use super::platforms::named_system;
use super::tree::Tree;
use super::ways;
use std::collections::BTreeSet;

/// At most four names, then how many more.
pub fn shorten(names: &[&str]) -> String {
    match names.len() {
        0..=4 => names.join(", "),
        n => format!("{} and {} more", names[..4].join(", "), n - 4),
    }
}

pub struct Systems<'a> {
    pub tree: &'a Tree,
    /// The systems of the run.
    pub run: &'a [String],
}

/// The cpu an attribute's name gives by another name than a system's (`x86` and `sha256bin32`
/// for i686, `amd64` and `sha256bin64` for x86_64), once the digest's name is taken off.
fn cpu_synonym(attr: &str) -> Option<&'static str> {
    let rest = ["sha256", "sha512", "sha1", "md5", "hash"]
        .iter()
        .find_map(|h| attr.strip_prefix(h))
        .unwrap_or(attr)
        .trim_start_matches(['_', '-']);
    match rest {
        "x86" | "i386" | "ia32" | "32" | "bin32" | "linux32" | "x86_32" => Some("i686"),
        "x64" | "amd64" | "64" | "bin64" | "linux64" => Some("x86_64"),
        _ => None,
    }
}

impl Systems<'_> {
    /// The systems the literal is for when none is in the run, as a detail.
    pub fn other(&self, file: &str, f: &FileFacts, site: &Site) -> Option<String> {
        self.by_conditions(file, f, site)
            .or_else(|| self.by_names(file, site))
            .or_else(|| self.by_owners(file))
            .or_else(|| self.by_platforms(f, site))
    }

    /// A file imported only under names of systems outside the run (the bootstrap files of
    /// stdenv's `{ "armv7l-linux" = import ./bootstrap-files/armv7l.nix; … }.${system}`).
    fn by_owners(&self, file: &str) -> Option<String> {
        let known = &self.tree.platforms.known;
        let owners = self.tree.owners_of(file);
        let named: Vec<&str> = owners
            .iter()
            .map(|o| o.iter().find(|n| known.contains(*n)).map(String::as_str))
            .collect::<Option<_>>()?;
        let named: BTreeSet<&str> = named.into_iter().collect();
        let outside = !named.is_empty() && named.iter().all(|s| !self.run.iter().any(|r| r == s));
        outside.then(|| shorten(&named.into_iter().collect::<Vec<_>>()))
    }

    /// False under `system`: every way to the site within its file, or every way into the
    /// file (or into the files importing it, three files up).
    fn excluded(&self, file: &str, f: &FileFacts, site: &Site, system: &str) -> bool {
        ways::all_false(&ways::within(f, site), system)
            || ways::into_false(self.tree, file, system, 3)
    }

    fn by_conditions(&self, file: &str, f: &FileFacts, site: &Site) -> Option<String> {
        if self.run.is_empty() || !self.run.iter().all(|s| self.excluded(file, f, site, s)) {
            return None;
        }
        // The tree's systems, and those its conditions name (`system == "i686-darwin"`).
        let mut candidates: BTreeSet<String> = self.tree.platforms.known.iter().cloned().collect();
        let mut leaves = Vec::new();
        let resolve = ways::resolver(f);
        for c in site.guards.iter().chain(site.uses.iter().flatten()) {
            c.leaves(&resolve, &mut leaves);
        }
        for l in leaves {
            if let Cond::SystemIn(systems) = l {
                candidates.extend(systems);
            }
        }
        let only: Vec<&str> = candidates
            .iter()
            .filter(|s| !self.excluded(file, f, site, s))
            .map(String::as_str)
            .collect();
        (!only.is_empty()).then(|| shorten(&only))
    }

    /// Systems named around the literal: its chain, its entry's fields, its attribute's name
    /// (`sha256_i686`: the cpu), its file's directories (`darwin`: the os).
    fn by_names(&self, file: &str, site: &Site) -> Option<String> {
        let known = &self.tree.platforms.known;
        let named = site.chain.iter().filter(|c| known.contains(c)).chain(
            site.entry
                .iter()
                .flat_map(|e| &e.fields)
                .filter_map(|(_, v)| named_system(v, known)),
        );
        if let Some(s) = named.into_iter().find(|s| !self.run.contains(s)) {
            return Some(s.clone());
        }
        let part = |s: &String, i: usize| s.splitn(2, '-').nth(i).unwrap_or_default().to_owned();
        let attr = site.attr.to_ascii_lowercase();
        // Directories and the names around it that are an OS (`os-specific/darwin`,
        // tensorflow's `dls.darwin.cpu`).
        let dirs: Vec<&str> = file
            .split('/')
            .chain(site.chain.iter().map(String::as_str))
            .collect();
        let cpu = cpu_synonym(&attr);
        let by_cpu = known.iter().filter(|k| {
            let c = part(k, 0);
            (c.len() >= 4 && attr.contains(&c)) || cpu == Some(c.as_str())
        });
        let by_os = known.iter().filter(|k| dirs.contains(&part(k, 1).as_str()));
        for systems in [by_cpu.collect::<Vec<_>>(), by_os.collect()] {
            if !systems.is_empty() && !systems.iter().any(|s| self.run.contains(s)) {
                let names: Vec<&str> = systems.iter().map(|s| s.as_str()).collect();
                return Some(shorten(&names));
            }
        }
        None
    }

    fn by_platforms(&self, f: &FileFacts, site: &Site) -> Option<String> {
        let (_, platforms) = f
            .platforms
            .iter()
            .filter(|(holder, _)| site.chain.starts_with(holder))
            .max_by_key(|(holder, _)| holder.len())?;
        let systems = self.tree.platforms.eval(platforms)?;
        if systems.iter().any(|s| self.run.contains(s)) {
            return None;
        }
        let list: Vec<&str> = systems.iter().map(String::as_str).collect();
        Some(format!("meta.platforms: {}", shorten(&list)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree(files: &[(&str, &str)]) -> (tempfile::TempDir, Tree) {
        let dir = tempfile::tempdir().unwrap();
        for (name, text) in files {
            let p = dir.path().join(name);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, text).unwrap();
        }
        let t = crate::coverage::tree::analyse(dir.path()).unwrap();
        (dir, t)
    }

    #[test]
    fn files_imported_under_system_names_and_sets_named_for_an_os() {
        let sha = |c: char| format!("1{}", std::iter::repeat_n(c, 51).collect::<String>());
        let (_dir, t) = tree(&[
            (
                "lib/platforms.nix",
                r#"{ all = [ "x86_64-linux" "armv7l-linux" "x86_64-darwin" ]; }"#,
            ),
            (
                "default.nix",
                r#"{ system }: { stdenv = { "x86_64-linux" = import ./x86_64.nix;
                     "armv7l-linux" = import ./armv7l.nix; }.${system}; tf = import ./tf.nix; }"#,
            ),
            ("x86_64.nix", &format!(r#"{{ tools = "{}"; }}"#, sha('a'))),
            ("armv7l.nix", &format!(r#"{{ tools = "{}"; }}"#, sha('b'))),
            (
                "tf.nix",
                &format!(
                    r#"{{ dls = {{ darwin.cpu = {{ sha256 = "{}"; }}; linux.cpu = {{ sha256 = "{}"; }}; }}; }}"#,
                    sha('c'),
                    sha('d')
                ),
            ),
        ]);
        let run = ["x86_64-linux".to_owned()];
        let s = Systems {
            tree: &t,
            run: &run,
        };
        let other = |file: &str, i: usize| {
            let f = &t.files[file];
            s.other(file, f, &f.sites[i])
        };
        assert_eq!(other("armv7l.nix", 0).as_deref(), Some("armv7l-linux"));
        assert_eq!(other("x86_64.nix", 0), None);
        assert_eq!(other("tf.nix", 0).as_deref(), Some("x86_64-darwin"));
        assert_eq!(other("tf.nix", 1), None);
    }

    #[test]
    fn cpus_by_other_names() {
        assert_eq!(cpu_synonym("sha256bin32"), Some("i686"));
        assert_eq!(cpu_synonym("sha256bin64"), Some("x86_64"));
        assert_eq!(cpu_synonym("x86"), Some("i686"));
        assert_eq!(cpu_synonym("sha256_amd64"), Some("x86_64"));
        assert_eq!(cpu_synonym("sha256"), None);
        assert_eq!(cpu_synonym("x86_64"), None, "a system's own cpu name");
    }
}

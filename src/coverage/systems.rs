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

impl Systems<'_> {
    /// The systems the literal is for when none is in the run, as a detail.
    pub fn other(&self, file: &str, f: &FileFacts, site: &Site) -> Option<String> {
        self.by_conditions(file, f, site)
            .or_else(|| self.by_names(file, site))
            .or_else(|| self.by_platforms(f, site))
    }

    /// False under `system`: every way to the site within its file, or every way into the
    /// file.
    fn excluded(&self, file: &str, f: &FileFacts, site: &Site, system: &str) -> bool {
        ways::all_false(&ways::within(f, site), system)
            || ways::all_false(&ways::into(self.tree, file), system)
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
        let dirs: Vec<&str> = file.split('/').collect();
        let by_cpu = known
            .iter()
            .filter(|k| part(k, 0).len() >= 4 && attr.contains(&part(k, 0)));
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

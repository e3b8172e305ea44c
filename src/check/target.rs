//! What checking one FOD means: the urls its fetcher tries, in order, `mirror://` expanded with
//! the tree's own mirror lists; how its hash can be verified from a download, if soundly at
//! all; and the keys a hashed mirror would serve it under. Read from fods.jsonl and the FOD's
//! `.drv` in the scan's private store.
use super::fetchzip::{self, Fetchzip};
use crate::model::{Fetcher, HashMode};
use crate::nix::drv::read_parts;
use crate::nix::fixed;
use crate::nix::hash::Digest;
use crate::outputs::fods::Entry;
use crate::outputs::mirrors::{hashed, sites::Sites};
use std::path::Path;

pub struct Target {
    pub out_path: String,
    pub name: String,
    /// The expected digest.
    pub digest: Option<Digest>,
    /// In the order fetchurl tries them.
    pub urls: Vec<String>,
    /// `mirror://` urls whose site no mirror list names (fetchurl skips them too).
    pub unknown_sites: Vec<String>,
    pub verify: Verify,
    /// `<algo>/<hash>` keys, for --hashed-mirror (plain downloads only).
    pub mirror_keys: Vec<String>,
    /// Why it is not checked at all.
    pub unchecked: Option<String>,
    /// Made another way than in `check --since`'s scan while its output path stayed.
    pub reverify: bool,
}

/// How a download proves the hash.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verify {
    /// The digest of the bytes (fetchurl, builtin:fetchurl).
    Flat,
    /// The NAR of the one file (fetchurl with `executable` or `recursiveHash`, no postFetch).
    NarFile { executable: bool },
    /// The NAR of what fetchzip's script leaves.
    Fetchzip(Fetchzip),
    /// Not from a download alone: why.
    Not(String),
}

impl Verify {
    /// What a cached digest was computed by: two targets with equal keys get equal digests
    /// from one url.
    pub fn key(&self, algo: &str) -> Option<String> {
        Some(match self {
            Verify::Flat => format!("flat:{algo}"),
            Verify::NarFile { executable } => format!("nar-file:{executable}:{algo}"),
            Verify::Fetchzip(z) => format!(
                "fetchzip:{:?}:{}:{}:{algo}",
                z.era, z.strip_root, z.file_name
            ),
            Verify::Not(_) => return None,
        })
    }
}

/// The target of `entry`; `store_root` is the scan's private store (None: it has none, so
/// `mirror://` urls stay unexpanded and nothing is verified).
pub fn of(entry: &Entry, store_root: Option<&Path>, sites: &mut Sites) -> Target {
    let mut t = Target {
        out_path: entry.out_path.clone(),
        name: entry.name.clone(),
        digest: Digest::from_sri(&entry.hash),
        urls: vec![],
        unknown_sites: vec![],
        verify: Verify::Not("no .drv in the scan's store".into()),
        mirror_keys: vec![],
        unchecked: None,
        reverify: false,
    };
    t.unchecked = unchecked(entry);
    if t.unchecked.is_some() {
        return t;
    }
    let parts = store_root.and_then(|root| read_parts(root, &entry.drv_path).ok());
    let fixed = parts
        .as_ref()
        .and_then(|p| fixed::of(p, None).ok().flatten());
    let mirrors_drv = fixed.as_ref().and_then(|f| f.source.mirrors_drv.clone());
    for u in &entry.urls {
        match sites.expand(u, mirrors_drv.as_deref()) {
            Some(expanded) => t.urls.extend(expanded),
            None => t.unknown_sites.push(u.clone()),
        }
    }
    let (Some(parts), Some(fixed)) = (parts, fixed) else {
        return t;
    };
    t.verify = verify_of(&parts.builder, &parts.env, entry.hash_mode);
    if entry.hash_mode == HashMode::Flat && !fixed.source.post_fetch {
        t.mirror_keys = hashed::keys(&entry.hash, fixed.source.written_hash.as_deref());
    }
    t
}

/// Why `entry` is not checked from a download at all, by its kind: only `url` and `builtin`
/// FODs with urls are. The others need a build (or a person: requireFile); `mirror` takes every
/// reason but requireFile's as "needs a build".
fn unchecked(entry: &Entry) -> Option<String> {
    let kind = entry.fetcher;
    Some(match kind {
        Fetcher::Url | Fetcher::Builtin | Fetcher::Unknown if !entry.urls.is_empty() => {
            return None;
        }
        Fetcher::RequireFile => "requireFile: fetched by hand".into(),
        k if k.is_checkout() => format!("a {} checkout: not verified from a download", k.as_str()),
        k if k.is_dependency_set() => format!(
            "a {} dependency set: its lockfile's downloads, made by a build",
            k.as_str()
        ),
        Fetcher::Texlive => "a texlive package unpacked from its container: made by a build".into(),
        Fetcher::DockerImage => "a docker image: copied by skopeo in a build".into(),
        _ => "no url".into(),
    })
}

/// Soundly verifiable: nixpkgs' fetchurl (it names a `mirrorsFile`) or Nix's builtin one,
/// writing the download itself (flat, or the one file recursively), or fetchzip's script.
fn verify_of(
    builder: &str,
    env: &std::collections::BTreeMap<String, String>,
    mode: HashMode,
) -> Verify {
    let set = |k: &str| env.get(k).is_some_and(|v| !v.is_empty());
    let executable = env.get("executable").is_some_and(|v| v == "1");
    if builder == "builtin:fetchurl" {
        return match (mode, set("unpack")) {
            (_, true) => Verify::Not("builtin:fetchurl with unpack".into()),
            (HashMode::Flat, _) => Verify::Flat,
            (HashMode::Recursive, _) => Verify::NarFile { executable },
        };
    }
    if !env.contains_key("mirrorsFile") || !env.contains_key("urls") {
        return Verify::Not("not nixpkgs' fetchurl".into());
    }
    let post_fetch = env.get("postFetch").map_or("", |p| p.trim());
    match mode {
        HashMode::Flat if post_fetch.is_empty() && !set("downloadToTemp") => Verify::Flat,
        HashMode::Flat => Verify::Not("postFetch: the output is not the download".into()),
        HashMode::Recursive if post_fetch.is_empty() && !set("downloadToTemp") => {
            Verify::NarFile { executable }
        }
        HashMode::Recursive => match fetchzip::recognise(post_fetch) {
            Some(z) if set("downloadToTemp") => Verify::Fetchzip(z),
            _ => Verify::Not("a postFetch fodfuzz does not reproduce".into()),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn env(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    /// Every kind but a download is unchecked, with a reason that says what it is; a download
    /// without urls too. Old files' kinds keep their reasons.
    #[test]
    fn unchecked_by_kind() {
        let entry = |fetcher: Fetcher, urls: &[&str]| Entry {
            out_path: "/nix/store/a-x".into(),
            drv_path: "/nix/store/a-x.drv".into(),
            name: "x".into(),
            hash: "sha256-AAAA".into(),
            hash_mode: HashMode::Recursive,
            urls: urls.iter().map(|u| u.to_string()).collect(),
            fetcher,
            recipe: Default::default(),
        };
        let why = |f, urls: &[&str]| unchecked(&entry(f, urls));
        assert_eq!(why(Fetcher::Url, &["http://x"]), None);
        assert_eq!(why(Fetcher::Builtin, &["http://x"]), None);
        assert_eq!(why(Fetcher::Url, &[]).as_deref(), Some("no url"));
        assert_eq!(why(Fetcher::Unknown, &[]).as_deref(), Some("no url"));
        assert_eq!(
            why(Fetcher::Git, &["https://g/x.git"]).as_deref(),
            Some("a git checkout: not verified from a download")
        );
        assert_eq!(
            why(Fetcher::Bzr, &["https://b/x"]).as_deref(),
            Some("a bzr checkout: not verified from a download")
        );
        assert_eq!(
            why(Fetcher::RequireFile, &[]).as_deref(),
            Some("requireFile: fetched by hand")
        );
        assert_eq!(
            why(Fetcher::CargoVendor, &[]).as_deref(),
            Some("a cargoVendor dependency set: its lockfile's downloads, made by a build")
        );
        assert!(why(Fetcher::Texlive, &[]).is_some_and(|w| w.contains("container")));
        assert!(why(Fetcher::DockerImage, &[]).is_some());
    }

    #[test]
    fn what_can_be_verified() {
        let fetchurl = [
            ("mirrorsFile", "/nix/store/m"),
            ("urls", "http://x"),
            ("postFetch", ""),
        ];
        let flat = HashMode::Flat;
        let rec = HashMode::Recursive;
        assert_eq!(verify_of("/bin/bash", &env(&fetchurl), flat), Verify::Flat);
        let mut exe = env(&fetchurl);
        exe.insert("executable".into(), "1".into());
        assert_eq!(
            verify_of("/bin/bash", &exe, rec),
            Verify::NarFile { executable: true }
        );
        let mut patch = env(&fetchurl);
        patch.insert("postFetch".into(), "lsdiff $out".into());
        assert!(matches!(
            verify_of("/bin/bash", &patch, flat),
            Verify::Not(_)
        ));
        let mut zip = env(&fetchurl);
        zip.insert("postFetch".into(), fetchzip::tests::GITHUB_2016.into());
        zip.insert("downloadToTemp".into(), "1".into());
        assert!(matches!(
            verify_of("/bin/bash", &zip, rec),
            Verify::Fetchzip(_)
        ));
        let custom = env(&[("url", "http://x")]);
        assert!(matches!(
            verify_of("/bin/bash", &custom, flat),
            Verify::Not(_)
        ));
        assert_eq!(verify_of("builtin:fetchurl", &custom, flat), Verify::Flat);
        let unpack = env(&[("url", "http://x"), ("unpack", "1")]);
        assert!(matches!(
            verify_of("builtin:fetchurl", &unpack, rec),
            Verify::Not(_)
        ));
    }
}

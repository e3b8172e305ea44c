//! The mirror files every scan writes, each in a format an existing tool reads:
//! - tarballs.json: nixpkgs' maintainers/scripts/find-tarballs.nix output, for copy-tarballs.pl;
//! - sources.json: Software Heritage's nixguix manifest (version 1), as nixpkgs-swh publishes it;
//! - hashed-mirror.txt: `<algo>/<hash> <url>`, to fill a content-addressed `hashedMirrors` site;
//! - manual.txt: requireFile sources, which no mirror can fetch.
use crate::hashes::Digest;
use crate::records::Fod;
use crate::sites::Sites;
use crate::writers::write_file;
use anyhow::Result;
use serde::Serialize;
use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;

/// What went into the mirror files (summary.json `mirrors`).
#[derive(Serialize, Default, Debug, PartialEq)]
pub struct Counts {
    pub tarballs: usize,
    /// Per type: url, git, hg, svn.
    pub sources: BTreeMap<&'static str, usize>,
    /// FODs that fit no nixguix type (no url, unknown fetcher, requireFile, a VCS without rev).
    #[serde(rename = "sourcesLeftOut")]
    pub sources_left_out: usize,
    #[serde(rename = "hashedMirrorLines")]
    pub hashed_mirror_lines: usize,
    pub manual: usize,
    /// `mirror://` urls whose site no mirrors list names: kept as written in sources.json, left
    /// out of hashed-mirror.txt.
    #[serde(rename = "unknownMirrorUrls")]
    pub unknown_mirror_urls: usize,
}

pub fn write_all(
    dir: &Path,
    fods: &BTreeMap<String, Fod>,
    store_root: &Path,
    revision: Option<&str>,
) -> Result<Counts> {
    let mut counts = Counts::default();
    let mut sites = Sites::new(store_root);
    let t = tarballs(fods);
    counts.tarballs = t.len();
    write_file(dir, "tarballs.json", |w| {
        serde_json::to_writer(&mut *w, &t)?;
        Ok(w.write_all(b"\n")?)
    })?;
    write_file(dir, "sources.json", |w| {
        write_sources(w, fods, &mut sites, revision, &mut counts)
    })?;
    let lines = hashed_mirror(fods, &mut sites);
    counts.hashed_mirror_lines = lines.len();
    write_file(dir, "hashed-mirror.txt", |w| {
        for l in &lines {
            writeln!(w, "{l}")?;
        }
        Ok(())
    })?;
    let (text, n) = manual(fods);
    counts.manual = n;
    write_file(dir, "manual.txt", |w| Ok(w.write_all(text.as_bytes())?))?;
    Ok(counts)
}

/// The tree's revision for sources.json: its `.git-revision` (nixpkgs channel tarballs have
/// one), else `git rev-parse HEAD` when the tree is the top of a git checkout (not a directory
/// inside some other repository); `None` when neither says.
pub fn tree_revision(tree: &Path) -> Option<String> {
    let dir = if tree.is_dir() { tree } else { tree.parent()? };
    let from_file = std::fs::read_to_string(dir.join(".git-revision"))
        .ok()
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty());
    from_file.or_else(|| {
        if !dir.join(".git").exists() {
            return None;
        }
        let out = std::process::Command::new("git")
            .arg("-C")
            .arg(dir)
            .args(["rev-parse", "--verify", "HEAD"])
            .stderr(std::process::Stdio::null())
            .output()
            .ok()?;
        let rev = String::from_utf8(out.stdout).ok()?.trim().to_owned();
        (out.status.success() && !rev.is_empty()).then_some(rev)
    })
}

/// One entry of find-tarballs.nix's list. Fields in the order Nix prints an attribute set;
/// `hash` and `type` are `outputHash` / `outputHashAlgo` as written (any encoding, `type` null
/// for an SRI `hash`): copy-tarballs.pl converts them itself.
#[derive(Serialize, Debug, PartialEq)]
pub struct Tarball<'a> {
    hash: &'a str,
    /// find-tarballs: a non-empty postFetch; copy-tarballs.pl skips these.
    #[serde(rename = "isPatch")]
    is_patch: bool,
    name: &'a str,
    #[serde(rename = "type")]
    algo: Option<&'a str>,
    urls: Vec<&'a str>,
}

/// A plain download: flat hash, with urls (find-tarballs' filter), not a requireFile.
fn is_flat_fetch(f: &Fod) -> bool {
    f.hash_mode == "flat" && !f.urls.is_empty() && f.fetcher != "requireFile"
}

/// find-tarballs' list, deduplicated on the hash (the digest, whatever encoding was written),
/// sorted by name then hash. Of FODs with one hash the plain download before a postFetch one,
/// then the first by name describes the file; the urls of the same kind are merged.
pub fn tarballs(fods: &BTreeMap<String, Fod>) -> Vec<Tarball<'_>> {
    let mut groups: BTreeMap<&str, Vec<&Fod>> = BTreeMap::new();
    for f in fods.values().filter(|f| is_flat_fetch(f)) {
        groups.entry(&f.hash).or_default().push(f);
    }
    let mut out: Vec<Tarball> = groups
        .into_values()
        .map(|mut group| {
            group.sort_by_key(|f| (f.source.post_fetch, &f.name, &f.out_path));
            let first = group[0];
            let mut urls: Vec<&str> = Vec::new();
            for f in group
                .iter()
                .filter(|f| f.source.post_fetch == first.source.post_fetch)
            {
                for u in &f.urls {
                    if !urls.contains(&u.as_str()) {
                        urls.push(u);
                    }
                }
            }
            let (hash, algo) = match &first.source.written_hash {
                Some(h) => (h.as_str(), first.source.written_algo.as_deref()),
                None => (first.hash.as_str(), None),
            };
            Tarball {
                hash,
                is_patch: first.source.post_fetch,
                name: &first.name,
                algo,
                urls,
            }
        })
        .collect();
    out.sort_by(|a, b| (a.name, a.hash, &a.urls).cmp(&(b.name, b.hash, &b.urls)));
    out
}

/// One source of the nixguix manifest, with the fields nixpkgs-swh's post-process.py writes
/// and Software Heritage's nixguix lister reads.
#[derive(Serialize, Debug, PartialEq)]
pub struct SwhSource<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    urls: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    git_url: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    git_ref: Option<&'a str>,
    /// Only when true, as post-process.py drops a false one.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    submodule: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    hg_url: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    hg_changeset: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    svn_url: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    svn_revision: Option<SvnRevision<'a>>,
    integrity: &'a str,
    #[serde(rename = "outputHashAlgo")]
    output_hash_algo: &'a str,
    #[serde(rename = "outputHashMode")]
    output_hash_mode: &'a str,
    #[serde(rename = "nixStorePath")]
    nix_store_path: &'a str,
}

/// An integer; a revision that is not one (fetchsvn's default "HEAD") stays a string, as
/// post-process.py leaves it.
#[derive(Serialize, Debug, PartialEq)]
#[serde(untagged)]
pub enum SvnRevision<'a> {
    Number(u64),
    Name(&'a str),
}

/// `f` as a nixguix source, or `None` when it fits no type.
pub fn swh_source<'a>(
    f: &'a Fod,
    sites: &mut Sites,
    unknown_mirror_urls: &mut usize,
) -> Option<SwhSource<'a>> {
    let mut s = SwhSource {
        kind: "url",
        urls: None,
        git_url: None,
        git_ref: None,
        submodule: false,
        hg_url: None,
        hg_changeset: None,
        svn_url: None,
        svn_revision: None,
        integrity: &f.hash,
        output_hash_algo: f.hash.split_once('-').map_or("", |(a, _)| a),
        output_hash_mode: &f.hash_mode,
        nix_store_path: &f.out_path,
    };
    let url = f.urls.first().map(String::as_str);
    let rev = f.source.rev.as_deref();
    match f.fetcher.as_str() {
        "url" | "builtin" if url.is_some() => {
            let mut urls: Vec<String> = Vec::new();
            for u in &f.urls {
                let expanded = sites
                    .expand(u, f.source.mirrors_drv.as_deref())
                    .unwrap_or_else(|| {
                        *unknown_mirror_urls += 1;
                        vec![u.clone()]
                    });
                for e in expanded {
                    if !urls.contains(&e) {
                        urls.push(e);
                    }
                }
            }
            s.urls = Some(urls);
        }
        "git" => {
            s.kind = "git";
            (s.git_url, s.git_ref) = (Some(url?), Some(rev?));
            s.submodule = f.source.submodules;
        }
        "hg" => {
            s.kind = "hg";
            (s.hg_url, s.hg_changeset) = (Some(url?), Some(rev?));
        }
        "svn" => {
            s.kind = "svn";
            let rev = rev?;
            s.svn_url = Some(url?);
            s.svn_revision = Some(
                rev.parse()
                    .map_or(SvnRevision::Name(rev), SvnRevision::Number),
            );
        }
        _ => return None,
    }
    Some(s)
}

/// `{"version":1,"revision":…,"sources":[…]}`, sources in nixStorePath order, one per FOD,
/// streamed (a whole tree has tens of thousands).
fn write_sources(
    w: &mut dyn Write,
    fods: &BTreeMap<String, Fod>,
    sites: &mut Sites,
    revision: Option<&str>,
    counts: &mut Counts,
) -> Result<()> {
    w.write_all(b"{\"version\":1,\"revision\":")?;
    serde_json::to_writer(&mut *w, &revision)?;
    w.write_all(b",\"sources\":[")?;
    let mut first = true;
    for f in fods.values() {
        match swh_source(f, sites, &mut counts.unknown_mirror_urls) {
            Some(s) => {
                if !first {
                    w.write_all(b",")?;
                }
                first = false;
                serde_json::to_writer(&mut *w, &s)?;
                *counts.sources.entry(s.kind).or_default() += 1;
            }
            None => counts.sources_left_out += 1,
        }
    }
    w.write_all(b"]}\n")?;
    Ok(())
}

/// `<algo>/<base16> <url>` for every plain download (not postFetch: a hashed mirror serves the
/// output, which the url does not give) and every url fetchurl would try, sorted. nixpkgs'
/// fetchurl builder asks a hashed mirror for `<algo>/<outputHash as written>`, which for most
/// sha256 hashes of older trees is Nix's base32: such a FOD gets that key as well.
pub fn hashed_mirror(fods: &BTreeMap<String, Fod>, sites: &mut Sites) -> Vec<String> {
    let mut lines = Vec::new();
    for f in fods
        .values()
        .filter(|f| is_flat_fetch(f) && !f.source.post_fetch)
    {
        let Some(d) = Digest::from_sri(&f.hash) else {
            continue;
        };
        let mut keys = vec![format!("{}/{}", d.algo, d.hex())];
        let base32 = d.nix32();
        if f.source.written_hash.as_deref() == Some(base32.as_str()) {
            keys.push(format!("{}/{base32}", d.algo));
        }
        let urls: Vec<String> = f
            .urls
            .iter()
            .filter_map(|u| sites.expand(u, f.source.mirrors_drv.as_deref()))
            .flatten()
            .collect();
        for k in &keys {
            lines.extend(urls.iter().map(|u| format!("{k} {u}")));
        }
    }
    lines.sort_unstable();
    lines.dedup();
    lines
}

/// The requireFile sources as text, sorted by name, and how many.
pub fn manual(fods: &BTreeMap<String, Fod>) -> (String, usize) {
    let mut rf: Vec<&Fod> = fods
        .values()
        .filter(|f| f.fetcher == "requireFile")
        .collect();
    rf.sort_by_key(|f| (&f.name, &f.out_path));
    let mut text = String::from(
        "# requireFile sources: no mirror can fetch these. Get each file as its message says, then\n\
         # add it to the store: nix-store --add-fixed ALGO FILE (--recursive for hashMode recursive).\n",
    );
    for f in &rf {
        text.push_str(&format!(
            "\n{}\n  hash: {}\n  hashMode: {}\n  outPath: {}\n  message:\n",
            f.name, f.hash, f.hash_mode, f.out_path
        ));
        match &f.source.message {
            Some(m) => {
                for line in m.lines() {
                    text.push_str(format!("    {line}").trim_end());
                    text.push('\n');
                }
            }
            None => text.push_str("    (not found in the .drv)\n"),
        }
    }
    (text, rf.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::drv::Source;

    const HELLO_SRI: &str = "sha256-MeBmE3qWJnbon2nRtlOC3pWn732RS4y5VvQepy4PUWs=";
    const HELLO_HEX: &str = "31e066137a962676e89f69d1b65382de95a7ef7d914b8cb956f41ea72e0f516b";
    const HELLO_B32: &str = "0ssi1wpaf7plaswqqjwigppsg5fyh99vdlb9kzl7c9lng89ndq1i";

    fn fod(out: &str, name: &str, hash: &str, mode: &str, fetcher: &str, urls: &[&str]) -> Fod {
        Fod {
            out_path: format!("/nix/store/{out}-{name}"),
            drv_path: format!("/nix/store/{out}-{name}.drv"),
            name: name.into(),
            hash: hash.into(),
            hash_mode: mode.into(),
            urls: urls.iter().map(|u| u.to_string()).collect(),
            fetcher: fetcher.into(),
            source: Source::default(),
            reached_by: vec![],
        }
    }

    fn set(fods: Vec<Fod>) -> BTreeMap<String, Fod> {
        fods.into_iter().map(|f| (f.out_path.clone(), f)).collect()
    }

    fn gnu_sites() -> Sites<'static> {
        let env = [
            (
                "gnu",
                "http://ftpmirror.gnu.org/ ftp://ftp.gnu.org/pub/gnu/",
            ),
            ("name", "mirrors-list"),
        ];
        Sites::with_lists(
            Path::new("/nonexistent"),
            "/nix/store/m-mirrors-list.drv",
            env.iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        )
    }

    /// hello's src as nixpkgs 16.03 writes it: mirror:// url, base32 sha256.
    fn hello() -> Fod {
        let mut f = fod(
            "3x7",
            "hello-2.10.tar.gz",
            HELLO_SRI,
            "flat",
            "url",
            &["mirror://gnu/hello/hello-2.10.tar.gz"],
        );
        f.source.written_hash = Some(HELLO_B32.into());
        f.source.written_algo = Some("sha256".into());
        f.source.mirrors_drv = Some("/nix/store/m-mirrors-list.drv".into());
        f
    }

    #[test]
    fn tarballs_as_find_tarballs_prints_them() {
        // The same file under another name and url: one entry, the first name, both urls.
        let mut copy = fod(
            "aaa",
            "hello-copy.tar.gz",
            HELLO_SRI,
            "flat",
            "url",
            &["http://b/hello.tar.gz"],
        );
        copy.source.written_hash = Some(HELLO_HEX.into());
        let mut patch = fod(
            "ppp",
            "fix.patch",
            "sha256-AAAA",
            "flat",
            "url",
            &["http://p/fix.patch"],
        );
        patch.source.post_fetch = true;
        patch.source.written_hash = Some("sha256-AAAA".into());
        let mut sri = fod(
            "sss",
            "new.tar.xz",
            "sha512-BBBB",
            "flat",
            "builtin",
            &["http://n/new.tar.xz"],
        );
        sri.source.written_hash = Some("sha512-BBBB".into());
        let fods = set(vec![
            hello(),
            copy,
            patch,
            sri,
            fod(
                "zzz",
                "source",
                "sha256-CCCC",
                "recursive",
                "url",
                &["http://z/a.zip"],
            ),
            fod("rrr", "sdk.tgz", "sha256-DDDD", "flat", "requireFile", &[]),
            fod(
                "ggg",
                "g-3f78685",
                "sha256-EEEE",
                "recursive",
                "git",
                &["https://g/x.git"],
            ),
            fod("uuu", "nothing", "sha256-FFFF", "flat", "unknown", &[]),
        ]);
        let json = serde_json::to_string(&tarballs(&fods)).unwrap();
        let want = [
            r#"{"hash":"sha256-AAAA","isPatch":true,"name":"fix.patch","type":null,"urls":["http://p/fix.patch"]}"#.to_owned(),
            format!(r#"{{"hash":"{HELLO_B32}","isPatch":false,"name":"hello-2.10.tar.gz","type":"sha256","urls":["mirror://gnu/hello/hello-2.10.tar.gz","http://b/hello.tar.gz"]}}"#),
            r#"{"hash":"sha512-BBBB","isPatch":false,"name":"new.tar.xz","type":null,"urls":["http://n/new.tar.xz"]}"#.to_owned(),
        ];
        assert_eq!(json, format!("[{}]", want.join(",")));
    }

    #[test]
    fn written_hash_missing_falls_back_to_sri() {
        let fods = set(vec![fod(
            "a",
            "x.tar",
            HELLO_SRI,
            "flat",
            "url",
            &["http://x/x.tar"],
        )]);
        let t = tarballs(&fods);
        assert_eq!((t[0].hash, t[0].algo), (HELLO_SRI, None));
    }

    #[test]
    fn sources_field_by_field() {
        let mut git = fod(
            "ggg",
            "g-3f78685",
            "sha256-EEEE",
            "recursive",
            "git",
            &["https://g/x.git"],
        );
        git.source.rev = Some("3f786850e387550fdab836ed7e6dc881de23001b".into());
        git.source.submodules = true;
        let mut norev = fod(
            "gg0",
            "g-head",
            "sha256-EEEF",
            "recursive",
            "git",
            &["https://g/y.git"],
        );
        norev.source.rev = None;
        let mut hg = fod(
            "hhh",
            "h-a1b2",
            "sha256-HHHH",
            "recursive",
            "hg",
            &["https://hg/h"],
        );
        hg.source.rev = Some("a1b2c3d4e5f6".into());
        let mut svn = fod(
            "vvv",
            "trunk-r1234",
            "sha256-VVVV",
            "recursive",
            "svn",
            &["svn://s/trunk"],
        );
        svn.source.rev = Some("1234".into());
        let mut head = fod(
            "vvw",
            "trunk-rHEAD",
            "sha256-VVVW",
            "recursive",
            "svn",
            &["svn://s/trunk"],
        );
        head.source.rev = Some("HEAD".into());
        let mut unknown_site = fod(
            "mmm",
            "m.tar",
            "sha1-MMMM",
            "flat",
            "url",
            &["mirror://nosuch/m.tar"],
        );
        unknown_site.source.mirrors_drv = Some("/nix/store/m-mirrors-list.drv".into());
        let fods = set(vec![
            hello(),
            git,
            norev,
            hg,
            svn,
            head,
            unknown_site,
            fod(
                "zzz",
                "source",
                "sha256-CCCC",
                "recursive",
                "url",
                &["http://z/a.zip"],
            ),
            fod("rrr", "sdk.tgz", "sha256-DDDD", "flat", "requireFile", &[]),
            fod("uuu", "vendor", "sha512-FFFF", "recursive", "unknown", &[]),
        ]);
        let mut sites = gnu_sites();
        let mut unknown = 0;
        let got: BTreeMap<&str, String> = fods
            .values()
            .filter_map(|f| {
                let s = swh_source(f, &mut sites, &mut unknown)?;
                Some((f.name.as_str(), serde_json::to_string(&s).unwrap()))
            })
            .collect();
        let want = |name: &str, json: &str| {
            assert_eq!(got.get(name).map(String::as_str), Some(json), "{name}")
        };
        want(
            "hello-2.10.tar.gz",
            &format!(
                "{{\"type\":\"url\",\"urls\":[\"http://ftpmirror.gnu.org/hello/hello-2.10.tar.gz\",\"ftp://ftp.gnu.org/pub/gnu/hello/hello-2.10.tar.gz\"],\"integrity\":\"{HELLO_SRI}\",\"outputHashAlgo\":\"sha256\",\"outputHashMode\":\"flat\",\"nixStorePath\":\"/nix/store/3x7-hello-2.10.tar.gz\"}}"
            ),
        );
        want(
            "g-3f78685",
            "{\"type\":\"git\",\"git_url\":\"https://g/x.git\",\"git_ref\":\"3f786850e387550fdab836ed7e6dc881de23001b\",\"submodule\":true,\"integrity\":\"sha256-EEEE\",\"outputHashAlgo\":\"sha256\",\"outputHashMode\":\"recursive\",\"nixStorePath\":\"/nix/store/ggg-g-3f78685\"}",
        );
        want(
            "h-a1b2",
            "{\"type\":\"hg\",\"hg_url\":\"https://hg/h\",\"hg_changeset\":\"a1b2c3d4e5f6\",\"integrity\":\"sha256-HHHH\",\"outputHashAlgo\":\"sha256\",\"outputHashMode\":\"recursive\",\"nixStorePath\":\"/nix/store/hhh-h-a1b2\"}",
        );
        want(
            "trunk-r1234",
            "{\"type\":\"svn\",\"svn_url\":\"svn://s/trunk\",\"svn_revision\":1234,\"integrity\":\"sha256-VVVV\",\"outputHashAlgo\":\"sha256\",\"outputHashMode\":\"recursive\",\"nixStorePath\":\"/nix/store/vvv-trunk-r1234\"}",
        );
        assert!(got["trunk-rHEAD"].contains("\"svn_revision\":\"HEAD\""));
        want(
            "m.tar",
            "{\"type\":\"url\",\"urls\":[\"mirror://nosuch/m.tar\"],\"integrity\":\"sha1-MMMM\",\"outputHashAlgo\":\"sha1\",\"outputHashMode\":\"flat\",\"nixStorePath\":\"/nix/store/mmm-m.tar\"}",
        );
        assert!(got["source"].contains("\"outputHashMode\":\"recursive\""));
        assert_eq!(unknown, 1);
        let left_out: Vec<&str> = fods
            .values()
            .map(|f| f.name.as_str())
            .filter(|n| !got.contains_key(n))
            .collect();
        assert_eq!(left_out, vec!["g-head", "sdk.tgz", "vendor"]);
    }

    #[test]
    fn sources_file_has_version_revision_and_counts() {
        let fods = set(vec![
            hello(),
            fod("uuu", "vendor", "sha512-FFFF", "recursive", "unknown", &[]),
        ]);
        let mut out = Vec::new();
        let mut counts = Counts::default();
        write_sources(
            &mut out,
            &fods,
            &mut gnu_sites(),
            Some("abc123"),
            &mut counts,
        )
        .unwrap();
        let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(v["version"], 1);
        assert_eq!(v["revision"], "abc123");
        assert_eq!(v["sources"].as_array().unwrap().len(), 1);
        assert_eq!((counts.sources["url"], counts.sources_left_out), (1, 1));
        let mut out = Vec::new();
        write_sources(
            &mut out,
            &BTreeMap::new(),
            &mut gnu_sites(),
            None,
            &mut Counts::default(),
        )
        .unwrap();
        assert_eq!(out, b"{\"version\":1,\"revision\":null,\"sources\":[]}\n");
    }

    #[test]
    fn hashed_mirror_lines() {
        let mut patch = fod(
            "ppp",
            "fix.patch",
            "sha256-AAAA",
            "flat",
            "url",
            &["http://p/fix.patch"],
        );
        patch.source.post_fetch = true;
        let mut sha1 = fod(
            "s1",
            "some.tar.bz2",
            "sha1-W/BtUJDXZKKT2hm0AAAAAAAAAAA=",
            "flat",
            "url",
            &["http://a/some.tar.bz2", "http://b/some.tar.bz2"],
        );
        sha1.source.written_hash = Some("5bf06d5090d764a293da19b40000000000000000".into());
        let fods = set(vec![
            hello(),
            patch,
            sha1,
            fod(
                "zzz",
                "source",
                "sha256-CCCC",
                "recursive",
                "url",
                &["http://z/a.zip"],
            ),
            fod("rrr", "sdk.tgz", HELLO_SRI, "flat", "requireFile", &[]),
        ]);
        let lines = hashed_mirror(&fods, &mut gnu_sites());
        assert_eq!(
            lines,
            vec![
                format!("sha1/5bf06d5090d764a293da19b40000000000000000 http://a/some.tar.bz2"),
                format!("sha1/5bf06d5090d764a293da19b40000000000000000 http://b/some.tar.bz2"),
                format!("sha256/{HELLO_B32} ftp://ftp.gnu.org/pub/gnu/hello/hello-2.10.tar.gz"),
                format!("sha256/{HELLO_B32} http://ftpmirror.gnu.org/hello/hello-2.10.tar.gz"),
                format!("sha256/{HELLO_HEX} ftp://ftp.gnu.org/pub/gnu/hello/hello-2.10.tar.gz"),
                format!("sha256/{HELLO_HEX} http://ftpmirror.gnu.org/hello/hello-2.10.tar.gz"),
            ]
        );
    }

    #[test]
    fn manual_lists_require_file_sources_by_name() {
        let mut b = fod(
            "bbb",
            "b-sdk.tgz",
            "sha256-DDDD",
            "flat",
            "requireFile",
            &[],
        );
        b.source.message = Some("Go to http://vendor/b\nand accept the licence.  ".into());
        let a = fod(
            "aaa",
            "a-tool.zip",
            "sha1-EEEE",
            "recursive",
            "requireFile",
            &[],
        );
        let fods = set(vec![b, a, hello()]);
        let (text, n) = manual(&fods);
        assert_eq!(n, 2);
        let body = text.split_once("\n\n").unwrap().1;
        assert_eq!(
            body,
            "a-tool.zip\n  hash: sha1-EEEE\n  hashMode: recursive\n  outPath: /nix/store/aaa-a-tool.zip\n  message:\n    (not found in the .drv)\n\
             \nb-sdk.tgz\n  hash: sha256-DDDD\n  hashMode: flat\n  outPath: /nix/store/bbb-b-sdk.tgz\n  message:\n    Go to http://vendor/b\n    and accept the licence.\n"
        );
        assert!(text.starts_with("# requireFile sources"));
    }

    #[test]
    fn revision_from_git_revision_file() {
        let dir = std::env::temp_dir().join(format!("fodfuzz-rev-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join(".git-revision"),
            "d96bd3394b734487d1c3bfbac0e8f17465e03afe\n",
        )
        .unwrap();
        std::fs::write(dir.join("default.nix"), "{}").unwrap();
        let want = Some("d96bd3394b734487d1c3bfbac0e8f17465e03afe".to_owned());
        assert_eq!(tree_revision(&dir), want);
        assert_eq!(
            tree_revision(&dir.join("default.nix")),
            want,
            "a file: its directory"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

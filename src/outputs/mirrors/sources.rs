//! sources.json: Software Heritage's nixguix manifest (version 1), as nix-community/nixpkgs-swh
//! publishes it for nixpkgs.
use super::Counts;
use super::sites::Sites;
use crate::model::{Fetcher, Fod, HashMode};
use anyhow::Result;
use serde::Serialize;
use std::collections::BTreeMap;
use std::io::Write;

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
    output_hash_mode: HashMode,
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

/// `f` as a nixguix source, or `None` when it fits no type (no url, requireFile, unknown, a
/// git/hg/svn checkout without a revision).
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
        output_hash_mode: f.hash_mode,
        nix_store_path: &f.out_path,
    };
    let url = f.urls.first().map(String::as_str);
    let rev = f.source.rev.as_deref();
    match f.fetcher {
        Fetcher::Url | Fetcher::Builtin if url.is_some() => {
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
        Fetcher::Git => {
            s.kind = "git";
            (s.git_url, s.git_ref) = (Some(url?), Some(rev?));
            s.submodule = f.source.submodules;
        }
        Fetcher::Hg => {
            s.kind = "hg";
            (s.hg_url, s.hg_changeset) = (Some(url?), Some(rev?));
        }
        Fetcher::Svn => {
            s.kind = "svn";
            let rev = rev?;
            s.svn_url = Some(url?);
            s.svn_revision = Some(
                rev.parse()
                    .map_or(SvnRevision::Name(rev), SvnRevision::Number),
            );
        }
        // Kinds Software Heritage's lister does not load (it skips a type it does not know,
        // with a warning): listed under their own type, without urls, so that the manifest
        // says what each FOD is.
        k if k.is_checkout()
            || k.is_dependency_set()
            || matches!(k, Fetcher::Texlive | Fetcher::DockerImage) =>
        {
            s.kind = k.as_str()
        }
        _ => return None,
    }
    Some(s)
}

/// `{"version":1,"revision":…,"sources":[…]}`, sources in nixStorePath order, one per FOD,
/// streamed (a whole tree has tens of thousands).
pub fn write(
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

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;

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

    /// Kinds Software Heritage does not load are listed under their own type, without urls;
    /// requireFile and unknown stay out.
    #[test]
    fn other_kinds_keep_their_name() {
        let fods = set(vec![
            fod(
                "ccc",
                "x-vendor-staging",
                "sha256-CCCC",
                "recursive",
                "cargoVendor",
                &[],
            ),
            fod(
                "ttt",
                "x-1.0-tex",
                "sha256-TTTT",
                "recursive",
                "texlive",
                &[],
            ),
            fod(
                "bbb",
                "bzr-export",
                "sha256-BBBB",
                "recursive",
                "bzr",
                &["https://b/x"],
            ),
            fod("uuu", "vendor", "sha512-FFFF", "recursive", "unknown", &[]),
        ]);
        let (mut sites, mut unknown) = (gnu_sites(), 0);
        let got: Vec<String> = fods
            .values()
            .filter_map(|f| swh_source(f, &mut sites, &mut unknown))
            .map(|s| serde_json::to_string(&s).unwrap())
            .collect();
        assert_eq!(
            got,
            vec![
                "{\"type\":\"bzr\",\"integrity\":\"sha256-BBBB\",\"outputHashAlgo\":\"sha256\",\"outputHashMode\":\"recursive\",\"nixStorePath\":\"/nix/store/bbb-bzr-export\"}",
                "{\"type\":\"cargoVendor\",\"integrity\":\"sha256-CCCC\",\"outputHashAlgo\":\"sha256\",\"outputHashMode\":\"recursive\",\"nixStorePath\":\"/nix/store/ccc-x-vendor-staging\"}",
                "{\"type\":\"texlive\",\"integrity\":\"sha256-TTTT\",\"outputHashAlgo\":\"sha256\",\"outputHashMode\":\"recursive\",\"nixStorePath\":\"/nix/store/ttt-x-1.0-tex\"}",
            ]
        );
    }

    #[test]
    fn sources_file_has_version_revision_and_counts() {
        let fods = set(vec![
            hello(),
            fod("uuu", "vendor", "sha512-FFFF", "recursive", "unknown", &[]),
        ]);
        let mut out = Vec::new();
        let mut counts = Counts::default();
        write(
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
        write(
            &mut out,
            &BTreeMap::new(),
            &mut gnu_sites(),
            None,
            &mut Counts::default(),
        )
        .unwrap();
        assert_eq!(out, b"{\"version\":1,\"revision\":null,\"sources\":[]}\n");
    }
}

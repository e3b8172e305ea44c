//! tarballs.json: the list nixpkgs' `maintainers/scripts/find-tarballs.nix` prints, so that
//! `copy-tarballs.pl` and scripts written for it take it as is.
use super::is_flat_fetch;
use crate::model::Fod;
use serde::Serialize;
use std::collections::BTreeMap;

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

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;

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
}

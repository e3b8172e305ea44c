//! hashed-mirror.txt: `<algo>/<hash> <url>` lines, to fill a content-addressed mirror for
//! nixpkgs' `hashedMirrors`.
use super::is_flat_fetch;
use super::sites::Sites;
use crate::model::Fod;
use crate::nix::hash::Digest;
use std::collections::BTreeMap;

/// `<algo>/<base16> <url>` for every plain download (not postFetch: a hashed mirror serves the
/// output, which the url does not give) and every url fetchurl would try, sorted. nixpkgs'
/// fetchurl builder asks a hashed mirror for `<algo>/<outputHash as written>`, which for most
/// sha256 hashes of older trees is Nix's base32: such a FOD gets that key as well.
pub fn lines(fods: &BTreeMap<String, Fod>, sites: &mut Sites) -> Vec<String> {
    let mut lines = Vec::new();
    for f in fods
        .values()
        .filter(|f| is_flat_fetch(f) && !f.source.post_fetch)
    {
        let keys = keys(&f.hash, f.source.written_hash.as_deref());
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

/// The keys a hashed mirror serves a flat output under: `<algo>/<base16>`, and
/// `<algo>/<base32>` when the expression wrote the hash in Nix's base32 (what nixpkgs' fetchurl
/// builder asks for). None for a hash that is not SRI.
pub fn keys(sri: &str, written_hash: Option<&str>) -> Vec<String> {
    let Some(d) = Digest::from_sri(sri) else {
        return vec![];
    };
    let mut keys = vec![format!("{}/{}", d.algo, d.hex())];
    let base32 = d.nix32();
    if written_hash == Some(base32.as_str()) {
        keys.push(format!("{}/{base32}", d.algo));
    }
    keys
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;

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
        let lines = lines(&fods, &mut gnu_sites());
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
}

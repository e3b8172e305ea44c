//! Shared fixtures of the mirror files' tests: FODs as nixpkgs 16.03 writes them.
use super::sites::Sites;
use crate::model::{Fod, Source};
use std::collections::BTreeMap;
use std::path::Path;

pub const HELLO_SRI: &str = "sha256-MeBmE3qWJnbon2nRtlOC3pWn732RS4y5VvQepy4PUWs=";
pub const HELLO_HEX: &str = "31e066137a962676e89f69d1b65382de95a7ef7d914b8cb956f41ea72e0f516b";
pub const HELLO_B32: &str = "0ssi1wpaf7plaswqqjwigppsg5fyh99vdlb9kzl7c9lng89ndq1i";

pub fn fod(out: &str, name: &str, hash: &str, mode: &str, fetcher: &str, urls: &[&str]) -> Fod {
    Fod {
        out_path: format!("/nix/store/{out}-{name}"),
        drv_path: format!("/nix/store/{out}-{name}.drv"),
        name: name.into(),
        hash: hash.into(),
        hash_mode: serde_json::from_value(mode.into()).expect("flat or recursive"),
        urls: urls.iter().map(|u| u.to_string()).collect(),
        fetcher: serde_json::from_value(fetcher.into()).expect("a fetcher"),
        recipe: Default::default(),
        source: Source::default(),
        reach: vec![],
    }
}

pub fn set(fods: Vec<Fod>) -> BTreeMap<String, Fod> {
    fods.into_iter().map(|f| (f.out_path.clone(), f)).collect()
}

pub fn gnu_sites() -> Sites<'static> {
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
pub fn hello() -> Fod {
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

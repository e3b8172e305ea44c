//! Nix binary caches (file:// or http(s)://, through the shared HTTP layer): does a store path
//! have a `<hash>.narinfo` there, and what sizes does it give? Only a definite answer counts as
//! present or missing; a look-up that keeps failing is `Unknown`, never "missing".
use crate::error::bad;
use crate::http::{self, Client, Method};
use anyhow::{Result, anyhow};
use std::path::Path;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
    Present,
    Missing,
    /// The look-up failed (after retries, for HTTP): why.
    Unknown(String),
}

/// What a narinfo says of the sizes of its path.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Sizes {
    /// `FileSize`: the compressed NAR a client downloads (`NarSize` when uncompressed).
    pub file_size: u64,
    /// `NarSize`: the path unpacked.
    pub nar_size: u64,
}

pub struct Cache {
    /// `file:///DIR` or `http(s)://HOST[/PREFIX]`, without a trailing slash or parameters.
    base: String,
    client: Client,
}

impl Cache {
    /// Parses `file:///DIR` or `http(s)://HOST[/PREFIX]`; Nix store parameters after `?`
    /// (`?priority=40`) are dropped. Nothing is read yet.
    pub fn new(url: &str, config: http::Config) -> Result<Cache> {
        Ok(Cache {
            base: base_of(url)?,
            client: Client::new(config)?,
        })
    }

    #[cfg(test)]
    pub fn base(&self) -> &str {
        &self.base
    }

    /// Reads `nix-cache-info` at the cache's root and returns its `StoreDir`, if it names one.
    /// Its absence (no file, or HTTP 404/403) is bad input; any other failure is an error.
    pub fn store_dir(&self) -> Result<Option<String>> {
        let url = format!("{}/nix-cache-info", self.base);
        let reply = self
            .client
            .request(&url, Method::Get)
            .map_err(|e| anyhow!("cannot read {url}: {e}"))?;
        let text = match reply.status {
            200..=299 => reply
                .text(64 * 1024)
                .map_err(|e| anyhow!("cannot read {url}: {e}"))?,
            s @ (403 | 404) => {
                let base = &self.base;
                return Err(
                    bad(format!("{base} is not a Nix binary cache: {url}: HTTP {s}")).into(),
                );
            }
            s => return Err(anyhow!("cannot read {url}: HTTP {s}")),
        };
        Ok(store_dir_of(&text))
    }

    /// A cache of another store directory than the scan's cannot answer for its paths: bad
    /// input (`url` as the user wrote it, for the message).
    pub fn check_store_dir(&self, url: &str, paths: &[String]) -> Result<()> {
        if let (Some(store), Some(first)) = (self.store_dir()?, paths.first()) {
            let ours = Path::new(first).parent().unwrap_or(Path::new("/"));
            if Path::new(&store) != ours {
                return Err(bad(format!(
                    "{url} holds paths of store {store}, the scan's are in {}",
                    ours.display()
                ))
                .into());
            }
        }
        Ok(())
    }

    /// Whether `<hash>.narinfo` is in the cache. Like Nix, a 404 or 403 (what S3 answers for
    /// an absent key when listing is not allowed) is missing; 2xx is present; connection
    /// errors, timeouts, 429 and 5xx are retried and then `Unknown`, as is any other status.
    pub fn lookup(&self, hash: &str) -> Status {
        match self.client.request(&self.narinfo_url(hash), Method::Head) {
            Ok(r) => status_of(r.status),
            Err(e) => Status::Unknown(e.to_string()),
        }
    }

    /// The sizes `<hash>.narinfo` gives; `Ok(None)` when the cache lacks it.
    pub fn sizes(&self, hash: &str) -> Result<Option<Sizes>, String> {
        let url = self.narinfo_url(hash);
        let reply = self
            .client
            .request(&url, Method::Get)
            .map_err(|e| e.to_string())?;
        match status_of(reply.status) {
            Status::Present => {}
            Status::Missing => return Ok(None),
            Status::Unknown(why) => return Err(why),
        }
        let text = reply.text(1 << 20).map_err(|e| e.to_string())?;
        parse_sizes(&text)
            .map(Some)
            .ok_or_else(|| format!("{url}: no NarSize"))
    }

    fn narinfo_url(&self, hash: &str) -> String {
        format!("{}/{hash}.narinfo", self.base)
    }
}

fn status_of(http_status: u16) -> Status {
    match http_status {
        200..=299 => Status::Present,
        403 | 404 => Status::Missing,
        s => Status::Unknown(format!("HTTP {s}")),
    }
}

/// The base of a cache URL: `file:///DIR` or `http(s)://HOST[/PREFIX]`, parameters after `?`
/// dropped, without a trailing slash.
fn base_of(url: &str) -> Result<String> {
    let plain = url.split('?').next().unwrap_or_default();
    let valid = match http::url::scheme(plain).as_deref() {
        // `scheme` saw `file://` (any case): the path follows it.
        Some("file") => {
            if !plain["file://".len()..].starts_with('/') {
                return Err(bad(format!("{url}: a file cache URL is file:///ABSOLUTE/DIR")).into());
            }
            true
        }
        Some("http" | "https") => http::url::authority(plain).is_some(),
        _ => false,
    };
    if !valid {
        return Err(bad(format!(
            "{url}: not a binary cache URL (use file:///DIR or http(s)://HOST[/PREFIX])"
        ))
        .into());
    }
    Ok(plain.trim_end_matches('/').to_owned())
}

/// The `StoreDir` a `nix-cache-info` names, if it names one.
fn store_dir_of(cache_info: &str) -> Option<String> {
    cache_info
        .lines()
        .find_map(|l| l.strip_prefix("StoreDir:"))
        .map(|d| d.trim().to_owned())
}

/// `NarSize` and `FileSize` of a narinfo; an uncompressed NAR may have no `FileSize`, and is
/// then downloaded at its `NarSize`.
fn parse_sizes(narinfo: &str) -> Option<Sizes> {
    let field = |name: &str| {
        narinfo.lines().find_map(|l| {
            let (k, v) = l.split_once(':')?;
            (k.trim() == name).then(|| v.trim().to_owned())
        })
    };
    let nar_size = field("NarSize")?.parse().ok()?;
    let file_size = match field("FileSize") {
        Some(f) => f.parse().ok()?,
        None => nar_size,
    };
    Some(Sizes {
        file_size,
        nar_size,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn config() -> http::Config {
        http::Config::for_cache(1, Duration::from_secs(1), 0)
    }

    #[test]
    fn cache_urls() {
        let c = Cache::new("file:///srv/cache?compression=zstd", config()).unwrap();
        assert_eq!(c.base(), "file:///srv/cache");
        let c = Cache::new("https://cache.example.org/nix/?priority=40", config()).unwrap();
        assert_eq!(c.base(), "https://cache.example.org/nix");
        for bad_url in [
            "s3://bucket",
            "file://relative/dir",
            "http://",
            "https:///x",
            "/srv/cache",
        ] {
            let e = Cache::new(bad_url, config()).err().expect(bad_url);
            assert!(e.downcast_ref::<crate::error::BadInput>().is_some());
        }
    }

    #[test]
    fn narinfo_sizes() {
        let text = "StorePath: /nix/store/x-a\nURL: nar/x.nar.xz\nCompression: xz\nFileSize: 123\nNarHash: sha256:abc\nNarSize: 456\n";
        assert_eq!(
            parse_sizes(text),
            Some(Sizes {
                file_size: 123,
                nar_size: 456
            })
        );
        assert_eq!(
            parse_sizes("Compression: none\nNarSize: 9\n"),
            Some(Sizes {
                file_size: 9,
                nar_size: 9
            })
        );
        assert_eq!(parse_sizes("FileSize: 1\n"), None);
        assert_eq!(parse_sizes("NarSize: many\n"), None);
    }

    use proptest::prelude::*;

    proptest! {
        /// Any text as a narinfo or a nix-cache-info: an answer, never a panic; a size given
        /// is the size read.
        #[test]
        fn any_text_is_an_answer(text in "(?s).{0,300}") {
            if let Some(s) = parse_sizes(&text) {
                prop_assert!(text.contains("NarSize"));
                prop_assert!(s.file_size == s.nar_size || text.contains("FileSize"));
            }
            if let Some(d) = store_dir_of(&text) {
                prop_assert!(text.contains("StoreDir:") && d.trim() == d);
            }
        }

        /// Sizes of 0 to u64::MAX read back, beside any other lines; a size that is not a
        /// number, or cut to nothing, is none; one too big for u64 is none.
        #[test]
        fn sizes_and_near_misses(
            nar in any::<u64>(),
            file in proptest::option::of(any::<u64>()),
            other in "[a-z]{1,10}: [^\r\n]{0,20}\n",
            junk in "[^0-9\r\n]*[^0-9\\s][^0-9\r\n]*",
        ) {
            let file_line = file.map(|f| format!("FileSize: {f}\n")).unwrap_or_default();
            let text = format!("{other}{file_line}NarSize: {nar}\n");
            let want = Sizes { file_size: file.unwrap_or(nar), nar_size: nar };
            prop_assert_eq!(parse_sizes(&text), Some(want));
            prop_assert_eq!(parse_sizes(&format!("NarSize: {junk}\n")), None);
            prop_assert_eq!(parse_sizes(&format!("NarSize: {nar}\nFileSize: {junk}\n")), None);
            // One digit more: ten times as much, or too big for u64 and none.
            let ten = nar.checked_mul(10).map(|n| Sizes { file_size: n, nar_size: n });
            prop_assert_eq!(parse_sizes(&format!("NarSize: {nar}0\n")), ten);
            prop_assert_eq!(parse_sizes("NarSize:\n"), None);
        }

        /// Any text as a cache URL: an error or a base, never a panic; the base is the URL
        /// without parameters or trailing slashes.
        #[test]
        fn any_cache_url(url in "(?s)((file|FILE|http|https|s3)(:|://|:///))?.{0,40}") {
            if let Ok(base) = base_of(&url) {
                prop_assert!(url.starts_with(&base) && !base.ends_with('/') && !base.contains('?'));
            }
        }

        /// StoreDir lines of any directory read back from among other lines.
        #[test]
        fn store_dirs(dir in "/[^\\s]{0,30}", before in "([a-z]+: [^\r\n]*\n){0,3}") {
            let text = format!("{before}StoreDir: {dir}\nPriority: 30\n");
            prop_assert_eq!(store_dir_of(&text), Some(dir));
        }
    }
}

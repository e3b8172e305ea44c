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
        let plain = url.split('?').next().unwrap_or_default();
        let valid = match http::url::scheme(plain).as_deref() {
            Some("file") => {
                let path = &plain["file://".len()..];
                if !path.starts_with('/') {
                    return Err(
                        bad(format!("{url}: a file cache URL is file:///ABSOLUTE/DIR")).into(),
                    );
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
        Ok(Cache {
            base: plain.trim_end_matches('/').to_owned(),
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
        Ok(text
            .lines()
            .find_map(|l| l.strip_prefix("StoreDir:"))
            .map(|d| d.trim().to_owned()))
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
}

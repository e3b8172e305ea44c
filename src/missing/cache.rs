//! Nix binary caches: does a store path have a `<hash>.narinfo` there? Only a definite answer
//! counts as present or missing; a look-up that keeps failing is `Unknown`, never "missing".
use crate::error::bad;
use anyhow::{Result, anyhow};
use std::path::PathBuf;
use std::time::Duration;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
    Present,
    Missing,
    /// The look-up failed (after retries, for HTTP): why.
    Unknown(String),
}

pub enum Cache {
    File(PathBuf),
    Http {
        base: String,
        agent: ureq::Agent,
        retries: u32,
    },
}

/// First wait before a retry; it doubles with each further one.
const BACKOFF: Duration = Duration::from_millis(500);
/// A `Retry-After` longer than this is not waited for in full.
const MAX_WAIT: Duration = Duration::from_secs(30);

impl Cache {
    /// Parses `file:///DIR` or `http(s)://HOST[/PREFIX]`; Nix store parameters after `?`
    /// (`?priority=40`) are dropped. Nothing is read yet.
    pub fn new(url: &str, retries: u32, timeout: Duration, concurrency: usize) -> Result<Cache> {
        let plain = url.split('?').next().unwrap_or_default();
        if let Some(path) = plain.strip_prefix("file://") {
            if !path.starts_with('/') {
                return Err(bad(format!("{url}: a file cache URL is file:///ABSOLUTE/DIR")).into());
            }
            return Ok(Cache::File(PathBuf::from(path)));
        }
        let host = plain
            .strip_prefix("https://")
            .or_else(|| plain.strip_prefix("http://"));
        match host {
            Some(h) if !h.is_empty() && !h.starts_with('/') => {}
            _ => {
                return Err(bad(format!(
                    "{url}: not a binary cache URL (use file:///DIR or http(s)://HOST[/PREFIX])"
                ))
                .into());
            }
        }
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(timeout))
            .max_idle_connections(concurrency)
            .max_idle_connections_per_host(concurrency)
            .user_agent(concat!("fodfuzz/", env!("CARGO_PKG_VERSION")))
            .build()
            .into();
        Ok(Cache::Http {
            base: plain.trim_end_matches('/').to_owned(),
            agent,
            retries,
        })
    }

    /// Reads `nix-cache-info` at the cache's root and returns its `StoreDir`, if it names one.
    /// Its absence (a file, or an HTTP 404/403) is bad input; an HTTP failure is an error.
    pub fn store_dir(&self) -> Result<Option<String>> {
        let text = match self {
            Cache::File(dir) => {
                let info = dir.join("nix-cache-info");
                std::fs::read_to_string(&info).map_err(|e| {
                    bad(format!(
                        "{} is not a Nix binary cache: {}: {e}",
                        dir.display(),
                        info.display()
                    ))
                })?
            }
            Cache::Http {
                base,
                agent,
                retries,
            } => {
                let url = format!("{base}/nix-cache-info");
                let mut resp = with_retries(*retries, || agent.get(&url).call())
                    .map_err(|e| anyhow!("cannot read {url}: {e}"))?;
                match resp.status().as_u16() {
                    200..=299 => resp
                        .body_mut()
                        .with_config()
                        .limit(64 * 1024)
                        .read_to_string()
                        .map_err(|e| anyhow!("cannot read {url}: {e}"))?,
                    s @ (403 | 404) => {
                        return Err(bad(format!(
                            "{base} is not a Nix binary cache: {url}: HTTP {s}"
                        ))
                        .into());
                    }
                    s => return Err(anyhow!("cannot read {url}: HTTP {s}")),
                }
            }
        };
        Ok(text
            .lines()
            .find_map(|l| l.strip_prefix("StoreDir:"))
            .map(|d| d.trim().to_owned()))
    }

    /// Whether `<hash>.narinfo` is in the cache. Like Nix, a 404 or 403 (what S3 answers for
    /// an absent key when listing is not allowed) is missing; 2xx is present; connection
    /// errors, timeouts, 429 and 5xx are retried and then `Unknown`, as is any other status.
    pub fn lookup(&self, hash: &str) -> Status {
        match self {
            Cache::File(dir) => match std::fs::metadata(dir.join(format!("{hash}.narinfo"))) {
                Ok(_) => Status::Present,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Status::Missing,
                Err(e) => Status::Unknown(e.to_string()),
            },
            Cache::Http {
                base,
                agent,
                retries,
            } => {
                let url = format!("{base}/{hash}.narinfo");
                match with_retries(*retries, || agent.head(&url).call()) {
                    Ok(r) => match r.status().as_u16() {
                        200..=299 => Status::Present,
                        403 | 404 => Status::Missing,
                        s => Status::Unknown(format!("HTTP {s}")),
                    },
                    Err(e) => Status::Unknown(e),
                }
            }
        }
    }
}

type Response = ureq::http::Response<ureq::Body>;

/// Runs `call` until it answers with a status that is not transient (anything but 429 and
/// 5xx), up to `retries` more times with doubling waits; the last failure as text otherwise.
fn with_retries(
    retries: u32,
    mut call: impl FnMut() -> Result<Response, ureq::Error>,
) -> Result<Response, String> {
    let mut wait = BACKOFF;
    let mut attempt = 0;
    loop {
        let (failure, retry_after) = match call() {
            Ok(r) => {
                let s = r.status().as_u16();
                if s != 429 && !(500..=599).contains(&s) {
                    return Ok(r);
                }
                let after = r
                    .headers()
                    .get("retry-after")
                    .and_then(|v| v.to_str().ok()?.trim().parse::<u64>().ok())
                    .map(Duration::from_secs);
                (format!("HTTP {s}"), after)
            }
            Err(e) => (e.to_string(), None),
        };
        attempt += 1;
        if attempt > retries {
            let tries = if attempt == 1 { "try" } else { "tries" };
            return Err(format!("{failure} ({attempt} {tries})"));
        }
        std::thread::sleep(retry_after.unwrap_or(wait).clamp(wait, MAX_WAIT.max(wait)));
        wait *= 2;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cache_urls() {
        let d = Duration::from_secs(1);
        assert!(
            matches!(Cache::new("file:///srv/cache?compression=zstd", 0, d, 1),
            Ok(Cache::File(p)) if p == std::path::Path::new("/srv/cache"))
        );
        assert!(
            matches!(Cache::new("https://cache.example.org/nix/?priority=40", 0, d, 1),
            Ok(Cache::Http { base, .. }) if base == "https://cache.example.org/nix")
        );
        for bad_url in [
            "s3://bucket",
            "file://relative/dir",
            "http://",
            "https:///x",
            "/srv/cache",
        ] {
            let e = Cache::new(bad_url, 0, d, 1).err().expect(bad_url);
            assert!(e.downcast_ref::<crate::error::BadInput>().is_some());
        }
    }
}

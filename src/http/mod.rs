//! The one HTTP layer of `check`, `size` and `missing`: file:// and http(s):// URLs, a global
//! and a per-host limit on requests in flight with a minimum interval between requests to one
//! host ([`gate`]), retries with doubling waits on 429, 5xx and timeouts honouring Retry-After,
//! proxies from the environment ([`proxy`]), and redirects followed here, one hop at a time
//! (at most 10, loops detected), so that every hop passes its own host's limits.
pub mod date;
mod file;
mod gate;
pub mod pool;
mod proxy;
mod reply;
pub mod url;

use anyhow::Result;
use gate::{Gate, Limits};
pub use reply::{Failure, Kind, Reply};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// First wait before a retry; it doubles with each further one.
const BACKOFF: Duration = Duration::from_millis(500);
/// Redirects followed from one URL, as curl's and lychee's default.
pub const MAX_REDIRECTS: usize = 10;

#[derive(Clone, Debug)]
pub struct Config {
    /// Requests in flight at once, all hosts together.
    pub concurrency: usize,
    pub per_host: usize,
    /// Between the starts of two requests to one host.
    pub min_interval: Duration,
    /// Connecting, and waiting for an answer's headers; HEAD requests altogether; between two
    /// reads of a body.
    pub timeout: Duration,
    /// Retries after a timeout, a dropped connection, 429 or 5xx.
    pub retries: u32,
    /// Also retry when a host cannot be reached at all (no such name, connection refused).
    /// lychee does not; `missing` does, its one host being the cache.
    pub retry_unreachable: bool,
    /// Give a host up for the rest of the run when it cannot be reached before it ever
    /// answered (its other requests fail at once).
    pub give_up_unreachable: bool,
    /// The longest wait a Retry-After may impose; one asking more ends the retries.
    pub max_wait: Duration,
}

impl Config {
    /// One cache host served at `concurrency`, retried like `missing` always has.
    pub fn for_cache(concurrency: usize, timeout: Duration, retries: u32) -> Config {
        Config {
            concurrency,
            per_host: concurrency,
            min_interval: Duration::ZERO,
            timeout,
            retries,
            retry_unreachable: true,
            give_up_unreachable: false,
            max_wait: Duration::from_secs(30),
        }
    }
}

/// What to ask.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    Head,
    /// GET whose body the caller reads.
    Get,
    /// GET of the first byte (`Range: bytes=0-0`), for servers that refuse HEAD: the body is
    /// never read.
    Probe,
}

pub struct Client {
    config: Config,
    gate: Arc<Gate>,
    direct: ureq::Agent,
    via_http: Option<ureq::Agent>,
    via_https: Option<ureq::Agent>,
    proxies: proxy::Proxies,
}

impl Client {
    /// A client with proxies from the environment (a malformed one is an error).
    pub fn new(config: Config) -> Result<Client> {
        let proxies = proxy::Proxies::from_env()?;
        let agent = |p: Option<ureq::Proxy>| -> ureq::Agent {
            ureq::Agent::config_builder()
                .http_status_as_error(false)
                .max_redirects(0)
                .max_redirects_will_error(false)
                .timeout_resolve(Some(config.timeout))
                .timeout_connect(Some(config.timeout))
                .timeout_send_request(Some(config.timeout))
                .timeout_recv_response(Some(config.timeout))
                .timeout_per_read(Some(config.timeout))
                .max_idle_connections(config.concurrency)
                .max_idle_connections_per_host(config.per_host)
                .user_agent(concat!("fodfuzz/", env!("CARGO_PKG_VERSION")))
                .proxy(p)
                .build()
                .into()
        };
        Ok(Client {
            gate: Gate::new(Limits {
                global: config.concurrency,
                per_host: config.per_host,
                min_interval: config.min_interval,
                max_wait: config.max_wait,
            }),
            direct: agent(None),
            via_http: proxies.http.clone().map(|p| agent(Some(p))),
            via_https: proxies.https.clone().map(|p| agent(Some(p))),
            proxies,
            config,
        })
    }

    /// Asks `url`, retrying transient failures; the answer of any other status is `Ok`.
    pub fn request(&self, url: &str, method: Method) -> Result<Reply, Failure> {
        match url::scheme(url).as_deref() {
            Some("file") => return file::request(url, method),
            Some("http" | "https") => {}
            _ => {
                return Err(Failure::new(
                    Kind::Unsupported,
                    "not an http(s) or file URL",
                ));
            }
        }
        let mut wait = BACKOFF;
        let mut attempt = 0;
        loop {
            let (failure, asked) = match self.follow(url, method) {
                Ok(r) if r.status == 429 || (500..=599).contains(&r.status) => {
                    if let (429, Some(host)) = (r.status, url::authority(&r.url)) {
                        // Rate limited: the whole host waits, not only this request.
                        let until = Instant::now() + r.retry_after.unwrap_or(wait);
                        self.gate.pause(&host, until);
                    }
                    (Failure::status(r.status, &r.url), r.retry_after)
                }
                Ok(r) => return Ok(r),
                Err(f) if f.retryable(self.config.retry_unreachable) => (f, None),
                Err(f) => return Err(f),
            };
            attempt += 1;
            if let Some(a) = asked.filter(|a| *a > self.config.max_wait) {
                // Retrying sooner than asked would be rude; waiting that long, too slow.
                return Err(failure.because(&format!("Retry-After {} s", a.as_secs())));
            }
            if attempt > self.config.retries {
                return Err(failure.after(attempt));
            }
            std::thread::sleep(
                asked
                    .unwrap_or(wait)
                    .max(wait)
                    .min(self.config.max_wait.max(wait)),
            );
            wait *= 2;
        }
    }

    /// One attempt: `url` and the redirects it leads to.
    fn follow(&self, url: &str, method: Method) -> Result<Reply, Failure> {
        let mut chain = vec![url.to_owned()];
        loop {
            let current = chain.last().expect("a url");
            let reply = self.once(current, method)?;
            let location = match reply.status {
                301 | 302 | 303 | 307 | 308 => reply.location.clone(),
                _ => None,
            };
            let Some(location) = location else {
                return Ok(reply);
            };
            let next = url::join(current, &location).ok_or_else(|| {
                Failure::new(Kind::Redirect, &format!("bad redirect to {location:?}"))
            })?;
            if chain.contains(&next) {
                chain.push(next);
                return Err(Failure::new(
                    Kind::Redirect,
                    &format!("redirect loop: {}", chain.join(" → ")),
                ));
            }
            if chain.len() > MAX_REDIRECTS {
                return Err(Failure::new(
                    Kind::Redirect,
                    &format!("more than {MAX_REDIRECTS} redirects"),
                ));
            }
            chain.push(next);
        }
    }

    /// One request to one URL, within its host's limits.
    fn once(&self, url: &str, method: Method) -> Result<Reply, Failure> {
        let host = url::authority(url).ok_or_else(|| Failure::new(Kind::Unsupported, "no host"))?;
        if !matches!(url::scheme(url).as_deref(), Some("http" | "https")) {
            return Err(Failure::new(Kind::Unsupported, "redirected off http(s)"));
        }
        let permit = self
            .gate
            .acquire(&host)
            .map_err(|why| Failure::new(Kind::Unreachable, &why))?;
        let agent = self.agent(url);
        let sent = match method {
            Method::Head => agent
                .head(url)
                .config()
                .timeout_global(Some(self.config.timeout))
                .build()
                .call(),
            Method::Get => agent.get(url).call(),
            Method::Probe => agent
                .get(url)
                .header("Range", "bytes=0-0")
                .config()
                .timeout_global(Some(self.config.timeout))
                .build()
                .call(),
        };
        match sent {
            Ok(r) => {
                self.gate.answered(&host);
                Ok(Reply::from_http(r, url, method, permit))
            }
            Err(e) => {
                let f = Failure::of(&e);
                if f.kind == Kind::Unreachable && self.config.give_up_unreachable {
                    self.gate.unreachable(&host, &f.message);
                }
                Err(f)
            }
        }
    }

    fn agent(&self, url: &str) -> &ureq::Agent {
        let proxied = match url::scheme(url).as_deref() {
            Some("https") => self.via_https.as_ref(),
            _ => self.via_http.as_ref(),
        };
        match proxied {
            Some(a) if !url::host(url).is_some_and(|h| self.proxies.bypass(&h)) => a,
            _ => &self.direct,
        }
    }
}

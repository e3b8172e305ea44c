//! What a request gives: an answer ([`Reply`], any status, its body readable once) or a
//! [`Failure`] that says what kind of failure it was, which decides whether it is retried.
use super::Method;
use super::gate::Permit;
use std::io::Read;
use std::time::Duration;

pub struct Reply {
    pub status: u16,
    /// The URL that answered, after redirects.
    pub url: String,
    /// The size of the whole resource: `Content-Length`, or for a 206 the total of
    /// `Content-Range`.
    pub content_length: Option<u64>,
    pub(super) location: Option<String>,
    pub(super) retry_after: Option<Duration>,
    body: Body,
}

impl std::fmt::Debug for Reply {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "HTTP {} from {}", self.status, self.url)
    }
}

enum Body {
    Empty,
    File(std::fs::File),
    /// The permit is held until the body is dropped: the connection is busy until then.
    Http(ureq::Body, #[allow(dead_code)] Permit),
}

impl Reply {
    pub(super) fn from_http(
        r: ureq::http::Response<ureq::Body>,
        url: &str,
        method: Method,
        permit: Permit,
    ) -> Reply {
        let (parts, body) = r.into_parts();
        let header = |name: &str| {
            parts
                .headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        let status = parts.status.as_u16();
        let length = header("content-length").and_then(|v| v.trim().parse().ok());
        // `bytes 0-0/12345`: the resource's size, not the one byte sent.
        let total = header("content-range")
            .and_then(|v| v.rsplit_once('/').and_then(|(_, t)| t.trim().parse().ok()));
        let content_length = if status == 206 { total } else { length };
        let (location, retry_after) = (
            header("location"),
            header("retry-after").and_then(|v| super::date::retry_after(&v)),
        );
        let body = match method {
            Method::Get if (200..300).contains(&status) => Body::Http(body, permit),
            _ => Body::Empty,
        };
        Reply {
            status,
            url: url.to_owned(),
            content_length,
            location,
            retry_after,
            body,
        }
    }

    pub(super) fn from_file(url: &str, file: Option<std::fs::File>, len: u64) -> Reply {
        Reply {
            status: 200,
            url: url.to_owned(),
            content_length: Some(len),
            location: None,
            retry_after: None,
            body: file.map_or(Body::Empty, Body::File),
        }
    }

    pub(super) fn not_found(url: &str) -> Reply {
        Reply {
            status: 404,
            url: url.to_owned(),
            content_length: None,
            location: None,
            retry_after: None,
            body: Body::Empty,
        }
    }

    pub fn ok(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// The body of a successful GET (empty otherwise).
    pub fn into_reader(self) -> Box<dyn Read + Send> {
        match self.body {
            Body::Empty => Box::new(std::io::empty()),
            Body::File(f) => Box::new(f),
            Body::Http(b, permit) => Box::new(Holding(b.into_reader(), permit)),
        }
    }

    /// The body as text, at most `limit` bytes.
    pub fn text(self, limit: u64) -> Result<String, Failure> {
        let url = self.url.clone();
        let mut s = String::new();
        self.into_reader()
            .take(limit)
            .read_to_string(&mut s)
            .map_err(|e| Failure::io(&e).because(&url))?;
        Ok(s)
    }
}

/// A body reader that keeps its request's permit.
struct Holding<R>(R, #[allow(dead_code)] Permit);

impl<R: Read> Read for Holding<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.0.read(buf)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// The host could not be reached: its name does not resolve, the connection was refused,
    /// or it was given up earlier in the run.
    Unreachable,
    Timeout,
    /// The connection broke or the answer was not HTTP (reset, closed early, TLS …).
    Broken,
    /// 429 or 5xx, still after the retries.
    Status,
    /// A redirect loop, too many redirects, or a redirect elsewhere than http(s).
    Redirect,
    /// Not a URL this layer fetches (ftp://, mirror:// …).
    Unsupported,
    /// A file:// URL that cannot be read (permissions, a symlink loop …).
    Local,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Failure {
    pub kind: Kind,
    pub message: String,
    /// The last status, for [`Kind::Status`].
    pub status: Option<u16>,
}

impl Failure {
    pub fn new(kind: Kind, message: &str) -> Failure {
        Failure {
            kind,
            message: message.to_owned(),
            status: None,
        }
    }

    pub(super) fn status(status: u16, url: &str) -> Failure {
        Failure {
            kind: Kind::Status,
            message: format!("HTTP {status} from {url}"),
            status: Some(status),
        }
    }

    /// The same failure, with why appended.
    pub fn because(mut self, why: &str) -> Failure {
        self.message = format!("{}: {why}", self.message);
        self
    }

    /// The same failure after `attempts` tries.
    pub(super) fn after(mut self, attempts: u32) -> Failure {
        let tries = if attempts == 1 { "try" } else { "tries" };
        self.message = format!("{} ({attempts} {tries})", self.message);
        self
    }

    pub(super) fn retryable(&self, unreachable_too: bool) -> bool {
        match self.kind {
            Kind::Timeout | Kind::Broken => true,
            Kind::Unreachable => unreachable_too && !self.message.contains("given up"),
            _ => false,
        }
    }

    pub fn io(e: &std::io::Error) -> Failure {
        use std::io::ErrorKind as E;
        let kind = match e.kind() {
            E::TimedOut | E::WouldBlock => Kind::Timeout,
            E::ConnectionRefused | E::HostUnreachable | E::NetworkUnreachable => Kind::Unreachable,
            // std's resolver reports a name that does not resolve as an uncategorised error.
            _ if e.to_string().contains("lookup address") => Kind::Unreachable,
            _ => Kind::Broken,
        };
        Failure::new(kind, &e.to_string())
    }

    pub(super) fn of(e: &ureq::Error) -> Failure {
        match e {
            ureq::Error::Io(io) => Failure::io(io),
            ureq::Error::Timeout(_) => Failure::new(Kind::Timeout, &e.to_string()),
            ureq::Error::HostNotFound | ureq::Error::ConnectionFailed => {
                Failure::new(Kind::Unreachable, &e.to_string())
            }
            ureq::Error::BadUri(_) => Failure::new(Kind::Unsupported, &e.to_string()),
            _ => Failure::new(Kind::Broken, &e.to_string()),
        }
    }
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

//! Checking one FOD: its urls in fetchurl's order until one answers (HEAD, falling back to a
//! one-byte GET when a server refuses HEAD; with --download, a GET whose bytes are hashed as
//! the fetcher would), then, for a dead or changed source, the hashed mirrors.
use super::results::{Answer, Results};
use super::target::{Target, Verify};
use super::verify::{self, Trouble};
use crate::http::{Client, Method, date, url};
use crate::nix::hash::Digest;
use crate::outputs::check_file::{Line, Status};
use std::path::Path;

pub struct Probe<'a> {
    pub client: &'a Client,
    pub results: &'a Results,
    pub download: bool,
    /// `--hashed-mirror` URLs.
    pub mirrors: &'a [String],
    /// Where downloads are spooled.
    pub tmp: &'a Path,
}

/// What one url said.
enum Said {
    /// 2xx; with a download, the digest got (none when it could not be computed: why).
    Live {
        status: u16,
        length: Option<u64>,
        got: Option<Digest>,
        note: Option<String>,
        at: String,
        cached: bool,
    },
    /// 404 or 410.
    Gone(u16),
    Failed {
        status: Option<u16>,
        why: String,
    },
}

/// How one url of one host fared, for the worst hosts on stderr.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fared {
    Answered,
    Gone,
    Failed,
    Changed,
}

pub struct Outcome {
    pub line: Line,
    /// Every url asked: its host and how it fared.
    pub asked: Vec<(String, Fared)>,
    /// The answer came from the results file.
    pub cached: bool,
}

impl Outcome {
    /// Nothing known yet of `t`: its line says unknown, and nothing was asked.
    pub fn unknown(t: &Target) -> Outcome {
        Outcome {
            line: Line {
                out_path: t.out_path.clone(),
                name: t.name.clone(),
                status: Status::Unknown,
                url: None,
                http_status: None,
                content_length: None,
                got: None,
                verified: false,
                reason: None,
                checked_at: date::rfc3339(date::now()),
                reverify: t.reverify,
            },
            asked: vec![],
            cached: false,
        }
    }
}

impl Probe<'_> {
    pub fn check(&self, t: &Target) -> Outcome {
        let mut o = Outcome::unknown(t);
        if let Some(why) = &t.unchecked {
            o.line.status = Status::Unchecked;
            o.line.reason = Some(why.clone());
            return o;
        }
        let verify = self.verification(t, &mut o.line);
        self.upstream(t, verify.as_ref(), &mut o);
        if matches!(o.line.status, Status::Dead | Status::HashMismatch) {
            self.hashed_mirrors(t, &mut o);
        }
        o
    }

    /// With --download, how this FOD's hash is verified (`None`: it is not, the reason noted).
    fn verification(&self, t: &Target, line: &mut Line) -> Option<(Verify, String)> {
        if !self.download {
            return None;
        }
        let why = match (&t.verify, &t.digest) {
            (Verify::Not(why), _) => why.clone(),
            (_, None) => "the hash is not SRI".to_owned(),
            (v, Some(d)) => return Some((v.clone(), d.algo.clone())),
        };
        line.reason = Some(format!("not verified: {why}"));
        None
    }

    /// The urls in turn, until one answers.
    fn upstream(&self, t: &Target, verify: Option<&(Verify, String)>, o: &mut Outcome) {
        let (mut tried, mut gone, mut skipped) = (0, 0, 0);
        let mut first_gone = None;
        let mut last_failure = None;
        for u in &t.urls {
            if !matches!(url::scheme(u).as_deref(), Some("http" | "https" | "file")) {
                skipped += 1;
                continue;
            }
            tried += 1;
            match self.ask(u, verify, o) {
                Said::Live {
                    status,
                    length,
                    got,
                    note,
                    at,
                    cached,
                } => {
                    o.cached = cached;
                    let line = &mut o.line;
                    (line.url, line.http_status, line.content_length) =
                        (Some(u.clone()), Some(status), length);
                    line.checked_at = at;
                    line.status = Status::Ok;
                    if let Some(n) = note {
                        line.reason = Some(format!("not verified: {n}"));
                    }
                    match (got, &t.digest) {
                        (Some(g), Some(want)) if g == *want => line.verified = true,
                        (Some(g), _) => {
                            line.status = Status::HashMismatch;
                            line.got = Some(g.sri());
                            if let Some(last) = o.asked.last_mut() {
                                last.1 = Fared::Changed;
                            }
                        }
                        (None, _) => {}
                    }
                    return;
                }
                Said::Gone(s) => {
                    gone += 1;
                    first_gone.get_or_insert((u.clone(), s));
                }
                Said::Failed { status, why } => last_failure = Some((u.clone(), status, why)),
            }
        }
        let line = &mut o.line;
        if tried > 0 && gone == tried && skipped == 0 && t.unknown_sites.is_empty() {
            line.status = Status::Dead;
            (line.url, line.http_status) =
                first_gone.map_or((None, None), |(u, s)| (Some(u), Some(s)));
            return;
        }
        if tried == 0 && t.unknown_sites.is_empty() {
            line.status = Status::Unchecked;
            line.reason = Some("no http(s) or file url (ftp:// is not checked)".into());
            return;
        }
        line.status = Status::Unknown;
        let mut why: Vec<String> = line.reason.take().into_iter().collect();
        if let Some((u, status, w)) = last_failure {
            (line.url, line.http_status) = (Some(u), status);
            why.push(w);
        }
        if gone > 0 {
            why.push(format!("{gone} of {tried} urls gone"));
        }
        if skipped > 0 {
            why.push(format!("{skipped} ftp or other urls not checked"));
        }
        if !t.unknown_sites.is_empty() {
            why.push(format!(
                "mirror:// site not in the tree's lists: {}",
                t.unknown_sites.join(" ")
            ));
        }
        line.reason = Some(why.join("; "));
    }

    /// For a dead or changed plain download, `<mirror>/<algo>/<hash>`: mirrored when one has it
    /// (with --download, with the expected hash).
    fn hashed_mirrors(&self, t: &Target, o: &mut Outcome) {
        let verify = match (&t.digest, self.download) {
            (Some(d), true) => Some((Verify::Flat, d.algo.clone())),
            _ => None,
        };
        for m in self.mirrors {
            for key in &t.mirror_keys {
                let u = format!("{}/{key}", m.trim_end_matches('/'));
                if let Said::Live {
                    status,
                    length,
                    got,
                    at,
                    ..
                } = self.ask(&u, verify.as_ref(), o)
                    && got.is_none_or(|g| Some(g) == t.digest)
                {
                    let line = &mut o.line;
                    line.status = Status::Mirrored;
                    (line.url, line.http_status, line.content_length) =
                        (Some(u), Some(status), length);
                    line.checked_at = at;
                    line.verified = self.download;
                    return;
                }
            }
        }
    }

    /// One url, from the results file when it holds a fresh answer.
    fn ask(&self, u: &str, verify: Option<&(Verify, String)>, o: &mut Outcome) -> Said {
        let key = verify.and_then(|(v, algo)| v.key(algo));
        // A FOD to re-verify is asked again: the answer kept was for how it was made before.
        let kept = (!o.line.reverify).then(|| self.results.get(u, key.as_deref()));
        let said = match kept.flatten() {
            Some(a) => Said::Live {
                status: a.http_status,
                length: a.content_length,
                // A digest means something only for the way it was computed: an answer
                // taken for a FOD that is not verified (key None) may hold another FOD's.
                got: key
                    .as_ref()
                    .and(a.got.as_deref())
                    .and_then(Digest::from_sri),
                note: None,
                at: a.checked_at,
                cached: true,
            },
            None => match verify {
                Some((v, algo)) => self.fetch(u, v, algo, key.unwrap_or_default()),
                None => self.head(u),
            },
        };
        let fared = match said {
            Said::Live { .. } => Fared::Answered,
            Said::Gone(_) => Fared::Gone,
            Said::Failed { .. } => Fared::Failed,
        };
        o.asked
            .push((url::authority(u).unwrap_or_else(|| "file://".into()), fared));
        said
    }

    fn head(&self, u: &str) -> Said {
        let reply = match self.client.request(u, Method::Head) {
            // Servers that refuse HEAD: ask for the first byte instead.
            Ok(r) if matches!(r.status, 403 | 405 | 501) => self.client.request(u, Method::Probe),
            other => other,
        };
        match reply {
            Ok(r) if r.ok() => {
                let at = date::rfc3339(date::now());
                self.results.put(Answer {
                    url: u.to_owned(),
                    verify: String::new(),
                    http_status: r.status,
                    content_length: r.content_length,
                    got: None,
                    checked_at: at.clone(),
                });
                Said::Live {
                    status: r.status,
                    length: r.content_length,
                    got: None,
                    note: None,
                    at,
                    cached: false,
                }
            }
            other => not_live(other),
        }
    }

    fn fetch(&self, u: &str, v: &Verify, algo: &str, key: String) -> Said {
        let r = match self.client.request(u, Method::Get) {
            Ok(r) if r.ok() => r,
            other => return not_live(other),
        };
        let (status, header_length) = (r.status, r.content_length);
        let at = date::rfc3339(date::now());
        match verify::digest(v, algo, &mut r.into_reader(), self.tmp) {
            Ok((d, n)) => {
                let length = header_length.or(Some(n));
                self.results.put(Answer {
                    url: u.to_owned(),
                    verify: key,
                    http_status: status,
                    content_length: length,
                    got: Some(d.sri()),
                    checked_at: at.clone(),
                });
                Said::Live {
                    status,
                    length,
                    got: Some(d),
                    note: None,
                    at,
                    cached: false,
                }
            }
            Err(Trouble::Unverifiable(why)) => Said::Live {
                status,
                length: header_length,
                got: None,
                note: Some(why),
                at,
                cached: false,
            },
            Err(Trouble::Transfer(why)) => Said::Failed {
                status: Some(status),
                why: format!("download broke off: {why}"),
            },
        }
    }
}

/// Any answer but 2xx, or a failure.
fn not_live(r: Result<crate::http::Reply, crate::http::Failure>) -> Said {
    match r {
        Ok(r) if matches!(r.status, 404 | 410) => Said::Gone(r.status),
        Ok(r) => Said::Failed {
            status: Some(r.status),
            why: format!("HTTP {} from {}", r.status, r.url),
        },
        Err(f) => Said::Failed {
            status: f.status,
            why: f.message,
        },
    }
}

//! Putting one FOD into the site, the same way whichever way it came: its bytes taken from the
//! budget, the NAR, the plain file under its hashed-mirror keys, then the signed narinfo.
use super::narinfo::{NarInfo, SecretKey};
use super::outcome::{Budget, Fared, Status};
use super::site::Site;
use crate::http::Client;
use tempfile::NamedTempFile;

/// What every fetcher needs.
pub struct Ctx<'a> {
    pub site: &'a Site,
    pub client: &'a Client,
    pub key: Option<&'a SecretKey>,
    pub budget: &'a Budget,
}

/// What to put: the NAR (at `info.url`), and for a flat output the plain file and its keys.
pub struct Put {
    pub nar: NamedTempFile,
    pub info: NarInfo,
    pub plain: Option<(NamedTempFile, Vec<String>)>,
}

impl Ctx<'_> {
    /// Puts `p` in place, `from` naming where it came from; over budget, nothing is put.
    pub fn put(&self, mut p: Put, from: String) -> Fared {
        let plain_len = p
            .plain
            .as_ref()
            .map_or(0, |(f, _)| f.as_file().metadata().map_or(0, |m| m.len()));
        let bytes = p.info.file_size.unwrap_or(p.info.nar_size) + plain_len;
        if !self.budget.take(bytes) {
            return Fared::missing(Status::OverBudget, format!("{bytes} bytes over the budget"));
        }
        if let Some(key) = self.key {
            p.info.sign(key);
        }
        let done = self.site.put_nar(p.nar, &p.info.url).and_then(|()| {
            if let Some((file, keys)) = p.plain {
                self.site.put_hashed(file, &keys)?;
            }
            self.site.put_narinfo(&p.info)
        });
        match done {
            Ok(()) => Fared::Got { from, bytes },
            Err(e) => Fared::local(&e),
        }
    }
}

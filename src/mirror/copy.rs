//! Copying a download while hashing it, telling a transfer that broke off from a disk that
//! refused the bytes; and the readers and writers that hash what goes through them.
use crate::nix::hash::{Digest, Hasher};
use std::io::{Read, Write};

/// Why a copy stopped.
pub enum Broke {
    /// Reading the body failed: the transfer's fault.
    Read(String),
    /// Writing failed: the site's.
    Write(std::io::Error),
}

/// Copies `body` into `to`, every byte also into `h`; how many bytes.
pub fn hashing(body: &mut dyn Read, to: &mut impl Write, h: &mut Hasher) -> Result<u64, Broke> {
    let mut buf = vec![0u8; 1 << 16];
    let mut n = 0u64;
    loop {
        let k = match body.read(&mut buf) {
            Ok(0) => return Ok(n),
            Ok(k) => k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(Broke::Read(format!("download broke off: {e}"))),
        };
        to.write_all(&buf[..k]).map_err(Broke::Write)?;
        h.write_all(&buf[..k]).map_err(Broke::Write)?;
        n += k as u64;
    }
}

/// `sha256:<hash>` as a narinfo writes it (Nix's base32, or base16 in older caches).
pub fn narinfo_digest(text: &str) -> Option<Digest> {
    let (algo, hash) = text.split_once(':')?;
    Digest::written(Some(algo), hash)
}

/// Reads through, hashing what is read.
pub struct Tee<'a, R: Read>(pub &'a mut R, pub &'a mut Hasher);

impl<R: Read> Read for Tee<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.0.read(buf)?;
        self.1.write_all(&buf[..n])?;
        Ok(n)
    }
}

/// Writes into a writer and a hasher.
pub struct Both<'a, W: Write>(pub &'a mut W, pub &'a mut Hasher);

impl<W: Write> Write for Both<'_, W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.write_all(buf)?;
        self.1.write_all(buf)?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.0.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn narinfo_hashes_in_both_encodings() {
        let d =
            narinfo_digest("sha256:1b8m03r63zqhnjf7l5wnldhh7c134ap5vpj0850ymkq1iyzicy5s").unwrap();
        let hex = narinfo_digest(&format!("sha256:{}", d.hex())).unwrap();
        assert_eq!(d, hex);
        assert!(narinfo_digest("nothing").is_none());
    }
}

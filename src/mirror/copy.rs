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
    // Only text a digest of `algo` can be (base16, Nix's base32 or base64: their lengths and
    // characters) goes on: `Digest::written` panics on some other text, through nix-base32
    // (`sha256:0`) or by slicing inside a character (64 bytes, not all ASCII).
    let n = crate::nix::hash::size_of(algo)?;
    let lengths = [2 * n, (8 * n).div_ceil(5), n.div_ceil(3) * 4];
    let chars = hash
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"+/=".contains(&b));
    if !chars || !lengths.contains(&hash.len()) {
        return None;
    }
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
        // Each once a panic in nix::hash: nix-base32 indexing past its buffer, and a hex
        // digest sliced inside `é`.
        let not_hex = format!("a{}a", "é".repeat(31));
        for text in [
            "sha256:0",
            &format!("sha256:{}", "0".repeat(51)),
            &format!("sha256:{not_hex}"),
        ] {
            assert_eq!(narinfo_digest(text), None, "{text}");
        }
    }

    proptest::proptest! {
        /// Any NarHash text: a digest or none, never a panic.
        #[test]
        fn any_nar_hash_is_an_answer(text in "(?s)(sha256:|sha1:|md5:|sha512:)?.{0,110}") {
            if let Some(d) = narinfo_digest(&text) {
                proptest::prop_assert!(text.starts_with(&format!("{}:", d.algo)), "{}", text);
            }
        }

        /// The NarHash of any 32 bytes, in nix32 or hex, reads back; one character less or
        /// more, or another algorithm's name, and it is none.
        #[test]
        fn nar_hashes_and_near_misses(bytes: [u8; 32], extra in "[0-9a-z]") {
            let d = Digest { algo: "sha256".into(), bytes: bytes.to_vec() };
            for text in [d.nix32(), d.hex()] {
                proptest::prop_assert_eq!(narinfo_digest(&format!("sha256:{text}")), Some(d.clone()));
                let short = &text[..text.len() - 1];
                proptest::prop_assert_eq!(narinfo_digest(&format!("sha256:{short}")), None);
                proptest::prop_assert_eq!(narinfo_digest(&format!("sha256:{text}{extra}")), None);
                proptest::prop_assert_eq!(narinfo_digest(&format!("sha257:{text}")), None);
                proptest::prop_assert_eq!(narinfo_digest(&text), None);
            }
        }
    }
}

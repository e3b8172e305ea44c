//! Hash encodings: a .drv's base16 to SRI (what fods.jsonl holds), and SRI back to base16 and to
//! Nix's base32, the forms hashed mirrors are asked for; every form an expression may write
//! (`written`, for the hash literals of a tree); and Nix's base-32 alphabet, which store path
//! hashes use too.
use anyhow::{Context, Result, bail};

/// Nix's base-32 alphabet (no e, o, t, u), for hashes and store path hash parts.
pub const BASE32: &[u8; 32] = b"0123456789abcdfghijklmnpqrsvwxyz";

/// An SRI hash (`sha256-<base64>`) split into algorithm and digest.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Digest {
    pub algo: String,
    pub bytes: Vec<u8>,
}

impl Digest {
    pub fn from_sri(sri: &str) -> Option<Digest> {
        let (algo, b64) = sri.split_once('-')?;
        Some(Digest {
            algo: algo.to_owned(),
            bytes: from_base64(b64)?,
        })
    }

    /// A .drv output's hash: algorithm and base16 digest. Works on bytes: a slice of the text
    /// at an odd byte offset would split a multi-byte character (and panic).
    pub fn from_hex(algo: &str, hex: &str) -> Result<Digest> {
        if !hex.len().is_multiple_of(2) {
            bail!("odd length");
        }
        let nibble = |c: u8| (c as char).to_digit(16).context("not hex");
        let bytes = hex
            .as_bytes()
            .chunks(2)
            .map(|p| Ok((nibble(p[0])? << 4 | nibble(p[1])?) as u8))
            .collect::<Result<_>>()?;
        Ok(Digest {
            algo: algo.to_owned(),
            bytes,
        })
    }

    /// Nix's base32 as an expression writes it (`nix-hash --to-base32`); `None` unless `text` is
    /// exactly the encoding of `size` bytes (the unused high bits of the first character zero).
    /// fodfuzz's own decoder: nix-base32's indexes past its buffer for lengths that are no
    /// digest's (docs/compat.md), and a tree's strings come in every length.
    pub fn from_nix32(algo: &str, text: &str, size: usize) -> Option<Digest> {
        if size == 0 || text.len() != nix32_len(size) {
            return None;
        }
        let mut bytes = vec![0u8; size];
        for (n, c) in text.bytes().rev().enumerate() {
            let digit = BASE32.iter().position(|&a| a == c)? as u16;
            let (i, j) = (n * 5 / 8, n * 5 % 8);
            let shifted = digit << j;
            bytes[i] |= shifted as u8;
            let carry = (shifted >> 8) as u8;
            if i + 1 < size {
                bytes[i + 1] |= carry;
            } else if carry != 0 {
                return None;
            }
        }
        Some(Digest {
            algo: algo.to_owned(),
            bytes,
        })
    }

    /// A digest as a Nix expression may write it: SRI (`sha256-…`), `algo:` followed by base16,
    /// base32 or base64, or a bare digest in one of those. The algorithm comes from the SRI or
    /// prefix, else from `algo` (what the attribute's name says), else from the length alone (a
    /// 32-character digest is then md5 in base16 when it can be, as Nix reads `md5 = "…"`).
    pub fn written(algo: Option<&str>, text: &str) -> Option<Digest> {
        if let Some((a, rest)) = text.split_once(':') {
            return Digest::bare(Some(a).filter(|a| size_of(a).is_some())?, rest);
        }
        if let Some((a, _)) = text.split_once('-')
            && size_of(a).is_some()
        {
            let d = Digest::from_sri(text)?;
            return (Some(d.bytes.len()) == size_of(a)).then_some(d);
        }
        match algo {
            Some(a) => Digest::bare(a, text),
            None => ["md5", "sha1", "sha256", "sha512"]
                .iter()
                .find_map(|a| Digest::bare(a, text)),
        }
    }

    /// A digest of a known algorithm without prefix: base16, Nix's base32 or base64, told apart
    /// by their lengths (never equal for one algorithm).
    fn bare(algo: &str, text: &str) -> Option<Digest> {
        let size = size_of(algo)?;
        if text.len() == size * 2 {
            Digest::from_hex(algo, text).ok()
        } else if text.len() == size.div_ceil(3) * 4 {
            let bytes = from_base64(text)?;
            (bytes.len() == size).then(|| Digest {
                algo: algo.to_owned(),
                bytes,
            })
        } else {
            Digest::from_nix32(algo, text, size)
        }
    }

    /// `algo-<base64>`, standard base64 with padding.
    pub fn sri(&self) -> String {
        format!("{}-{}", self.algo, base64(&self.bytes))
    }

    pub fn hex(&self) -> String {
        self.bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    /// Nix's base32 (its own alphabet, least significant bits first), as `nix-hash --to-base32`;
    /// empty for no bytes (nix-base32's encoder underflows there: docs/compat.md).
    pub fn nix32(&self) -> String {
        let b = &self.bytes;
        (0..nix32_len(b.len()))
            .rev()
            .map(|n| {
                let (i, j) = (n * 5 / 8, n * 5 % 8);
                let lo = u16::from(b[i]) >> j;
                let hi = b.get(i + 1).map_or(0, |&x| u16::from(x) << (8 - j));
                BASE32[usize::from((lo | hi) & 0x1f)] as char
            })
            .collect()
    }
}

/// How many characters of Nix's base32 encode `size` bytes (none for none).
pub fn nix32_len(size: usize) -> usize {
    (size * 8).div_ceil(5)
}

/// The digest size of the hash algorithms Nix knows.
pub fn size_of(algo: &str) -> Option<usize> {
    match algo {
        "md5" => Some(16),
        "sha1" => Some(20),
        "sha256" => Some(32),
        "sha512" => Some(64),
        _ => None,
    }
}

/// A running digest of what is written to it, by one of the algorithms a fixed output may
/// name (RustCrypto's implementations).
pub enum Hasher {
    Md5(md5::Md5),
    Sha1(sha1::Sha1),
    Sha256(sha2::Sha256),
    Sha512(sha2::Sha512),
}

impl Hasher {
    /// `md5`, `sha1`, `sha256` or `sha512`; `None` for anything else.
    pub fn new(algo: &str) -> Option<Hasher> {
        use sha2::Digest as _;
        Some(match algo {
            "md5" => Hasher::Md5(md5::Md5::new()),
            "sha1" => Hasher::Sha1(sha1::Sha1::new()),
            "sha256" => Hasher::Sha256(sha2::Sha256::new()),
            "sha512" => Hasher::Sha512(sha2::Sha512::new()),
            _ => return None,
        })
    }

    pub fn finish(self) -> Digest {
        use sha2::Digest as _;
        let (algo, bytes) = match self {
            Hasher::Md5(h) => ("md5", h.finalize().to_vec()),
            Hasher::Sha1(h) => ("sha1", h.finalize().to_vec()),
            Hasher::Sha256(h) => ("sha256", h.finalize().to_vec()),
            Hasher::Sha512(h) => ("sha512", h.finalize().to_vec()),
        };
        Digest {
            algo: algo.to_owned(),
            bytes,
        }
    }
}

impl std::io::Write for Hasher {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        use sha2::Digest as _;
        match self {
            Hasher::Md5(h) => h.update(buf),
            Hasher::Sha1(h) => h.update(buf),
            Hasher::Sha256(h) => h.update(buf),
            Hasher::Sha512(h) => h.update(buf),
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Standard base64 with padding, as SRI hashes use.
pub(crate) fn base64(bytes: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for k in 0..4 {
            if k <= chunk.len() {
                out.push(A[(n >> (18 - 6 * k) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

pub(crate) fn from_base64(s: &str) -> Option<Vec<u8>> {
    let val = |c: u8| -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        } as u32)
    };
    let s = s.trim_end_matches('=').as_bytes();
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    for chunk in s.chunks(4) {
        let mut n = 0u32;
        for (k, &c) in chunk.iter().enumerate() {
            n |= val(c)? << (18 - 6 * k);
        }
        let bytes = n.to_be_bytes();
        match chunk.len() {
            4 => out.extend_from_slice(&bytes[1..4]),
            3 => out.extend_from_slice(&bytes[1..3]),
            2 => out.push(bytes[1]),
            _ => return None,
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// hello-2.10.tar.gz of nixpkgs 16.03: the .drv's output hash (hex) and `outputHash` as the
    /// expression wrote it (base32).
    #[test]
    fn encodings_of_a_real_hash() {
        let d = Digest::from_sri("sha256-MeBmE3qWJnbon2nRtlOC3pWn732RS4y5VvQepy4PUWs=").unwrap();
        assert_eq!(d.algo, "sha256");
        assert_eq!(
            d.hex(),
            "31e066137a962676e89f69d1b65382de95a7ef7d914b8cb956f41ea72e0f516b"
        );
        assert_eq!(
            d.nix32(),
            "0ssi1wpaf7plaswqqjwigppsg5fyh99vdlb9kzl7c9lng89ndq1i"
        );
    }

    /// hello-2.10's hash in every form an expression may write it.
    #[test]
    fn written_forms_of_one_digest() {
        let hex = "31e066137a962676e89f69d1b65382de95a7ef7d914b8cb956f41ea72e0f516b";
        let nix32 = "0ssi1wpaf7plaswqqjwigppsg5fyh99vdlb9kzl7c9lng89ndq1i";
        let sri = "sha256-MeBmE3qWJnbon2nRtlOC3pWn732RS4y5VvQepy4PUWs=";
        let want = Digest::from_hex("sha256", hex).unwrap();
        for (algo, text) in [
            (Some("sha256"), hex.to_owned()),
            (Some("sha256"), nix32.to_owned()),
            (None, nix32.to_owned()),
            (None, hex.to_owned()),
            (None, sri.to_owned()),
            (Some("md5"), sri.to_owned()),
            (None, format!("sha256:{nix32}")),
            (None, format!("sha256:{hex}")),
            (
                Some("sha256"),
                "MeBmE3qWJnbon2nRtlOC3pWn732RS4y5VvQepy4PUWs=".to_owned(),
            ),
        ] {
            assert_eq!(Digest::written(algo, &text), Some(want.clone()), "{text}");
        }
        assert_eq!(
            Digest::from_nix32("sha256", nix32, 32).unwrap().nix32(),
            nix32
        );
    }

    #[test]
    fn written_rejects_what_is_no_digest() {
        let nix32 = "0ssi1wpaf7plaswqqjwigppsg5fyh99vdlb9kzl7c9lng89ndq1i";
        // The first character holds one bit of a sha256: `2` sets an unused one.
        assert_eq!(Digest::written(None, &format!("2{}", &nix32[1..])), None);
        // `e`, `o`, `t`, `u` are not in Nix's alphabet.
        assert_eq!(Digest::written(None, &format!("e{}", &nix32[1..])), None);
        assert_eq!(Digest::written(Some("sha256"), "unknown"), None);
        assert_eq!(Digest::written(None, "blake3:abc"), None);
        assert_eq!(Digest::written(Some("sha1"), &nix32[..40]), None);
        // 32 characters: md5 in base16 when it can be, else sha1 in base32.
        let md5 = Digest::written(None, "10862058c257904d2189e2bebb03c71f").unwrap();
        assert_eq!(md5.algo, "md5");
        let sha1 = Digest::written(None, "0ssi1wpaf7plaswqqjwigppsg5fyh99v").unwrap();
        assert_eq!((sha1.algo.as_str(), sha1.bytes.len()), ("sha1", 20));
    }

    #[test]
    fn base64_matches_known_values() {
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foobar"), "Zm9vYmFy");
    }

    #[test]
    fn hex_to_sri_and_back() {
        let hex = "31e066137a962676e89f69d1b65382de95a7ef7d914b8cb956f41ea72e0f516b";
        let d = Digest::from_hex("sha256", hex).unwrap();
        assert_eq!(
            d.sri(),
            "sha256-MeBmE3qWJnbon2nRtlOC3pWn732RS4y5VvQepy4PUWs="
        );
        assert_eq!(Digest::from_sri(&d.sri()).unwrap().hex(), hex);
        assert!(Digest::from_hex("sha256", "abc").is_err());
        assert!(Digest::from_hex("sha256", "zz").is_err());
    }

    #[test]
    fn hashers_match_known_digests() {
        use std::io::Write;
        let digest = |algo: &str| {
            let mut h = Hasher::new(algo).unwrap();
            h.write_all(b"abc").unwrap();
            h.finish().hex()
        };
        assert_eq!(digest("md5"), "900150983cd24fb0d6963f7d28e17f72");
        assert_eq!(digest("sha1"), "a9993e364706816aba3e25717850c26c9cd0d89d");
        assert_eq!(
            digest("sha256"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert!(digest("sha512").starts_with("ddaf35a193617aba"));
        assert!(Hasher::new("blake3").is_none());
    }

    #[test]
    fn base64_round_trips_every_padding() {
        for bytes in [&b"f"[..], b"fo", b"foo", b"foob", b"\xff\x00\x10"] {
            let sri = format!("sha1-{}", base64(bytes));
            assert_eq!(Digest::from_sri(&sri).unwrap().bytes, bytes, "{sri}");
        }
        assert_eq!(Digest::from_sri("sha256-not*base64"), None);
        assert_eq!(Digest::from_sri("nodash"), None);
    }

    /// Every form of a digest's text fodfuzz meets in a tree: each alphabet at every length
    /// 0..=200, and strings with non-ASCII characters and NUL.
    fn near_text() -> impl Strategy<Value = String> {
        let alphabets = vec![
            "[0-9a-f]",
            "[0-9abcdfghijklmnpqrsvwxyz]",
            "[A-Za-z0-9+/=]",
            "[0-9a-zA-Z+/=:\\-]",
            "[\\x00-\\x7f]",
            "(.|\\x00|é|\\u{10FFFF})",
        ];
        proptest::sample::select(alphabets).prop_flat_map(|a| {
            (0usize..=200).prop_flat_map(move |n| {
                proptest::string::string_regex(&format!("{a}{{{n}}}")).unwrap()
            })
        })
    }

    /// A prefix an expression may put before a digest, or none.
    fn prefix() -> impl Strategy<Value = String> {
        proptest::sample::select(vec![
            "", "sha256:", "sha1:", "md5:", "sha512:", "sha256-", "sha512-", "md5-", "blake3:",
            "sha256-:", ":", "-",
        ])
        .prop_map(str::to_owned)
    }

    fn any_algo() -> impl Strategy<Value = Option<String>> {
        proptest::option::of(
            proptest::sample::select(vec!["md5", "sha1", "sha256", "sha512", "x", ""])
                .prop_map(str::to_owned),
        )
    }

    /// A real digest of one of Nix's algorithms, in one of its written forms, cut short or
    /// lengthened by a character: `written` may refuse it, never panic.
    fn mangled() -> impl Strategy<Value = (Digest, String)> {
        let algo = proptest::sample::select(vec![
            ("md5", 16),
            ("sha1", 20),
            ("sha256", 32),
            ("sha512", 64),
        ]);
        (
            algo,
            proptest::collection::vec(any::<u8>(), 64),
            0usize..3,
            -2i32..=2,
        )
            .prop_map(|((a, size), b, form, delta)| {
                let d = Digest {
                    algo: a.to_owned(),
                    bytes: b[..size].to_vec(),
                };
                let text = match form {
                    0 => d.hex(),
                    1 => d.nix32(),
                    _ => d.sri(),
                };
                let text = match delta {
                    d if d < 0 => {
                        text[..text.len().saturating_sub(d.unsigned_abs() as usize)].to_owned()
                    }
                    0 => text,
                    d => format!("{text}{}", "0".repeat(d as usize)),
                };
                (d, text)
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        #[test]
        fn reading_any_text_never_panics(algo in any_algo(), p in prefix(), text in near_text()) {
            let text = format!("{p}{text}");
            let read = Digest::written(algo.as_deref(), &text);
            // What is read is a whole digest of its algorithm's size.
            if let Some(d) = read {
                prop_assert_eq!(Some(d.bytes.len()), size_of(&d.algo));
            }
            let _ = Digest::from_sri(&text);
            let _ = Digest::from_hex("sha256", &text);
            for size in [0, 1, 5, 16, 20, 32, 64] {
                if let Some(d) = Digest::from_nix32("sha256", &text, size) {
                    prop_assert_eq!(d.nix32(), text.clone());
                }
            }
        }

        #[test]
        fn a_mangled_digest_is_read_whole_or_not_at_all((d, text) in mangled(), algo in any_algo()) {
            if let Some(got) = Digest::written(algo.as_deref(), &text) {
                prop_assert_eq!(Some(got.bytes.len()), size_of(&got.algo));
            }
            let exact = [d.hex(), d.nix32(), d.sri()].contains(&text);
            if exact && algo.is_none() && !text.contains('-') {
                // Unprefixed, a digest reads as one of some algorithm (md5 in base16 and sha1
                // in base32 share a length).
                prop_assert!(Digest::written(None, &text).is_some());
            }
        }

        #[test]
        fn every_encoding_round_trips(bytes in proptest::collection::vec(any::<u8>(), 0..80)) {
            let d = Digest { algo: "sha256".into(), bytes: bytes.clone() };
            prop_assert_eq!(d.nix32().len(), nix32_len(bytes.len()));
            if !bytes.is_empty() {
                prop_assert_eq!(Digest::from_nix32("sha256", &d.nix32(), bytes.len()), Some(d.clone()));
            }
            prop_assert_eq!(Digest::from_hex("sha256", &d.hex()).unwrap(), d.clone());
            prop_assert_eq!(Digest::from_sri(&d.sri()), Some(d));
        }
    }
}

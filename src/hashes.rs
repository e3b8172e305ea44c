//! Hash encodings: SRI (what fods.jsonl holds) to base16 and to Nix's base32, the forms hashed
//! mirrors are asked for.

/// An SRI hash (`sha256-<base64>`) split into algorithm and digest.
#[derive(Debug, Clone, PartialEq, Eq)]
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

    pub fn hex(&self) -> String {
        self.bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    /// Nix's base32 (its own alphabet, least significant bits first), as `nix-hash --to-base32`.
    pub fn nix32(&self) -> String {
        const A: &[u8; 32] = b"0123456789abcdfghijklmnpqrsvwxyz";
        let b = &self.bytes;
        if b.is_empty() {
            return String::new();
        }
        let len = (b.len() * 8 - 1) / 5 + 1;
        (0..len)
            .rev()
            .map(|n| {
                let (i, j) = (n * 5 / 8, n * 5 % 8);
                let lo = u16::from(b[i]) >> j;
                let hi = b.get(i + 1).map_or(0, |&x| u16::from(x) << (8 - j));
                A[usize::from((lo | hi) & 0x1f)] as char
            })
            .collect()
    }
}

fn from_base64(s: &str) -> Option<Vec<u8>> {
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

    #[test]
    fn base64_round_trips_every_padding() {
        for bytes in [&b"f"[..], b"fo", b"foo", b"foob", b"\xff\x00\x10"] {
            let sri = format!("sha1-{}", crate::drv::base64(bytes));
            assert_eq!(Digest::from_sri(&sri).unwrap().bytes, bytes, "{sri}");
        }
        assert_eq!(Digest::from_sri("sha256-not*base64"), None);
        assert_eq!(Digest::from_sri("nodash"), None);
    }
}

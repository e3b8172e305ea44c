//! A binary cache's `<hash>.narinfo`: read (from another cache), written (for the site), and
//! signed as Nix signs one: ed25519 over the fingerprint `1;<store path>;<NarHash>;<NarSize>;
//! <references, comma-separated>`, with a key in Nix's `name:base64` form (`nix-store
//! --generate-binary-cache-key`).
use anyhow::{Context, Result, anyhow, bail};
use ed25519_dalek::{Signer, SigningKey};

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NarInfo {
    pub store_path: String,
    /// Relative to the cache (`nar/<hash>.nar.xz`).
    pub url: String,
    pub compression: String,
    /// `sha256:<nix32>` of the file at `url`, when the cache says.
    pub file_hash: Option<String>,
    pub file_size: Option<u64>,
    /// `sha256:<nix32>` of the NAR.
    pub nar_hash: String,
    pub nar_size: u64,
    /// Base names, as a narinfo writes them.
    pub references: Vec<String>,
    pub deriver: Option<String>,
    pub sigs: Vec<String>,
    /// `fixed:[r:]<algo>:<nix32>` for a fixed output: Nix trusts such a path by its content.
    pub ca: Option<String>,
    /// Fields this struct does not name (`System`, a newer Nix's), kept as the cache wrote them
    /// so that a copied narinfo loses nothing; no signature covers them.
    pub other: Vec<(String, String)>,
}

impl NarInfo {
    pub fn parse(text: &str) -> Result<NarInfo> {
        let mut n = NarInfo::default();
        for line in text.lines().filter(|l| !l.trim().is_empty()) {
            let (k, v) = line
                .split_once(':')
                .ok_or_else(|| anyhow!("not `Key: value`: {line:?}"))?;
            let v = v.trim().to_owned();
            let size = |v: &str| v.parse::<u64>().with_context(|| format!("{k}: {v:?}"));
            match k {
                "StorePath" => n.store_path = v,
                "URL" => n.url = v,
                "Compression" => n.compression = v,
                "FileHash" => n.file_hash = Some(v),
                "FileSize" => n.file_size = Some(size(&v)?),
                "NarHash" => n.nar_hash = v,
                "NarSize" => n.nar_size = size(&v)?,
                "References" => n.references = v.split_whitespace().map(str::to_owned).collect(),
                "Deriver" if v != "unknown-deriver" => n.deriver = Some(v),
                "Sig" => n.sigs.push(v),
                "CA" => n.ca = Some(v),
                "Deriver" => {}
                _ => n.other.push((k.to_owned(), v)),
            }
        }
        if n.store_path.is_empty() || n.url.is_empty() || n.nar_hash.is_empty() {
            bail!("a narinfo needs StorePath, URL and NarHash");
        }
        if n.compression.is_empty() {
            n.compression = "bzip2".into(); // Nix's default when the field is absent
        }
        Ok(n)
    }

    pub fn text(&self) -> String {
        let mut s = format!(
            "StorePath: {}\nURL: {}\nCompression: {}\n",
            self.store_path, self.url, self.compression
        );
        if let Some(h) = &self.file_hash {
            s += &format!("FileHash: {h}\n");
        }
        if let Some(z) = self.file_size {
            s += &format!("FileSize: {z}\n");
        }
        s += &format!(
            "NarHash: {}\nNarSize: {}\nReferences: {}\n",
            self.nar_hash,
            self.nar_size,
            self.references.join(" ")
        );
        if let Some(d) = &self.deriver {
            s += &format!("Deriver: {d}\n");
        }
        for sig in &self.sigs {
            s += &format!("Sig: {sig}\n");
        }
        if let Some(ca) = &self.ca {
            s += &format!("CA: {ca}\n");
        }
        for (k, v) in &self.other {
            s += &format!("{k}: {v}\n");
        }
        s
    }

    /// What a signature covers.
    pub fn fingerprint(&self) -> String {
        let dir = self
            .store_path
            .rsplit_once('/')
            .map_or("/nix/store", |(d, _)| d);
        let refs: Vec<String> = self
            .references
            .iter()
            .map(|r| format!("{dir}/{r}"))
            .collect();
        format!(
            "1;{};{};{};{}",
            self.store_path,
            self.nar_hash,
            self.nar_size,
            refs.join(",")
        )
    }

    /// Adds (or replaces) this key's signature.
    pub fn sign(&mut self, key: &SecretKey) {
        let sig = key.key.sign(self.fingerprint().as_bytes());
        let prefix = format!("{}:", key.name);
        self.sigs.retain(|s| !s.starts_with(&prefix));
        self.sigs
            .push(format!("{prefix}{}", base64(&sig.to_bytes())));
    }
}

/// A secret key in Nix's form: `name:` and the base64 of libsodium's 64 bytes (seed, then the
/// public key).
pub struct SecretKey {
    pub name: String,
    key: SigningKey,
}

impl SecretKey {
    pub fn parse(text: &str) -> Result<SecretKey> {
        let (name, b64) = text
            .trim()
            .split_once(':')
            .ok_or_else(|| anyhow!("not `name:base64` (nix-store --generate-binary-cache-key)"))?;
        let bytes = crate::nix::hash::from_base64(b64)
            .filter(|b| b.len() == 64)
            .ok_or_else(|| anyhow!("not 64 bytes of base64 after `{name}:`"))?;
        let seed: [u8; 32] = bytes[..32].try_into().expect("32 bytes");
        let key = SigningKey::from_bytes(&seed);
        if key.verifying_key().as_bytes() != &bytes[32..] {
            bail!("its public half does not match its seed");
        }
        Ok(SecretKey {
            name: name.to_owned(),
            key,
        })
    }

    /// `name:base64` of the public key, for `trusted-public-keys`.
    pub fn public(&self) -> String {
        format!(
            "{}:{}",
            self.name,
            base64(self.key.verifying_key().as_bytes())
        )
    }
}

fn base64(bytes: &[u8]) -> String {
    crate::nix::hash::base64(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A key made by `nix-store --generate-binary-cache-key test-1 sk pk` (Nix 2.8).
    const SECRET: &str = "test-1:HWguzajtgIZgFpRXhvBFyZZh86oo9aNsX+G+0rIUk1kRjNxa68JHPbL/3/SvQlZl9Y/i4vW5VIYW8ZD944KN6g==";
    const PUBLIC: &str = "test-1:EYzcWuvCRz2y/9/0r0JWZfWP4uL1uVSGFvGQ/eOCjeo=";

    #[test]
    fn parse_write_and_sign() {
        let text = "StorePath: /nix/store/mpx8chzqwy2awihir6rrx67af5fjraag-hello.txt\n\
            URL: nar/1a.nar.xz\nCompression: xz\nFileHash: sha256:1a\nFileSize: 92\n\
            NarHash: sha256:0b\nNarSize: 128\nReferences: \nDeriver: x.drv\nSig: other:AAAA\nSystem: x86_64-linux\n";
        let mut n = NarInfo::parse(text).unwrap();
        assert_eq!(n.file_size, Some(92));
        assert_eq!(n.references, Vec::<String>::new());
        assert_eq!(n.text(), text, "every field written back, System too");
        assert_eq!(n.other, [("System".into(), "x86_64-linux".into())]);
        assert_eq!(
            n.fingerprint(),
            "1;/nix/store/mpx8chzqwy2awihir6rrx67af5fjraag-hello.txt;sha256:0b;128;"
        );
        let key = SecretKey::parse(SECRET).unwrap();
        assert_eq!(key.public(), PUBLIC);
        n.sign(&key);
        n.sign(&key);
        assert_eq!(
            n.sigs.len(),
            2,
            "the other key's signature is kept, ours once"
        );
        let ours = n.sigs[1].strip_prefix("test-1:").unwrap();
        let sig = crate::nix::hash::from_base64(ours).unwrap();
        let sig = ed25519_dalek::Signature::from_slice(&sig).unwrap();
        use ed25519_dalek::Verifier;
        key.key
            .verifying_key()
            .verify(n.fingerprint().as_bytes(), &sig)
            .unwrap();
        assert!(NarInfo::parse("URL: x\n").is_err());
        assert!(SecretKey::parse("test-1:AAAA").is_err());
    }

    use proptest::prelude::*;

    /// A narinfo of any values a cache could write: one line each, no line breaks inside.
    fn narinfos() -> impl Strategy<Value = NarInfo> {
        let value = "[^\\s]([^\r\n]{0,30}[^\\s])?";
        (
            (value, value, value, proptest::option::of(value)),
            (proptest::option::of(any::<u64>()), value, any::<u64>()),
            (
                proptest::collection::vec("[^\\s]{1,20}", 0..4),
                proptest::option::of(value),
                proptest::collection::vec(value, 0..3),
                proptest::option::of(value),
            ),
        )
            .prop_map(|((store_path, url, compression, file_hash), more, rest)| {
                let (file_size, nar_hash, nar_size) = more;
                let (references, deriver, sigs, ca) = rest;
                NarInfo {
                    store_path,
                    url,
                    compression,
                    file_hash,
                    file_size,
                    nar_hash,
                    nar_size,
                    references,
                    deriver: deriver.filter(|d| d != "unknown-deriver"),
                    sigs,
                    ca,
                    other: vec![("System".into(), "x86_64-linux".into())],
                }
            })
    }

    proptest! {
        /// Any text: an answer, never a panic; what reads is read the same once written back.
        #[test]
        fn any_text_is_an_answer(text in "(?s).{0,300}") {
            if let Ok(n) = NarInfo::parse(&text) {
                prop_assert!(!n.store_path.is_empty() && !n.url.is_empty());
                prop_assert_eq!(NarInfo::parse(&n.text()).unwrap(), n);
            }
        }

        /// Lines of the fields Nix writes with any values, NUL and non-ASCII bytes included.
        #[test]
        fn lines_of_known_fields(
            lines in proptest::collection::vec(
                ("(StorePath|URL|NarHash|NarSize|FileSize|References|Sig|CA|Deriver|X)",
                 "[ \t]{0,2}", "(?s).{0,20}"),
                0..12,
            )
        ) {
            let text: String = lines.iter().map(|(k, sp, v)| format!("{k}:{sp}{v}\n")).collect();
            if let Ok(n) = NarInfo::parse(&text) {
                prop_assert_eq!(NarInfo::parse(&n.text()).unwrap(), n);
            }
        }

        /// A written narinfo reads back; without a needed field, or with a size that is not a
        /// number, it is refused; cut anywhere it is refused or reads as what it still says.
        #[test]
        fn near_misses(n in narinfos(), junk in "[^0-9\r\n]*[^0-9\r\n \t][^0-9\r\n]*", cut in 0usize..400) {
            let text = n.text();
            prop_assert_eq!(NarInfo::parse(&text).unwrap(), n.clone());
            for needed in ["StorePath:", "URL:", "NarHash:"] {
                let without: String = text
                    .lines()
                    .filter(|l| !l.starts_with(needed))
                    .map(|l| format!("{l}\n"))
                    .collect();
                prop_assert!(NarInfo::parse(&without).is_err(), "without {}", needed);
            }
            for size in ["NarSize", "FileSize"] {
                prop_assert!(NarInfo::parse(&format!("{text}{size}: {junk}\n")).is_err(), "{}", size);
            }
            let cut = text.char_indices().map(|(i, _)| i).nth(cut).unwrap_or(text.len());
            let _ = NarInfo::parse(&text[..cut]);
        }

        /// Any text as a key: an error or a key, never a panic.
        #[test]
        fn any_secret_key_text(text in "(?s).{0,120}") {
            let _ = SecretKey::parse(&text);
        }

        /// A key of any seed and name reads, and its public key is the seed's; cut, extended
        /// or with its public half changed it is refused (or, base64 padding cut, the same key).
        #[test]
        fn secret_keys_and_near_misses(
            seed in any::<[u8; 32]>(),
            name in "[^:\\s]{1,20}",
            extra in "(?s).{1,8}",
            flip in 1u8..=255,
        ) {
            let signing = SigningKey::from_bytes(&seed);
            let mut bytes = seed.to_vec();
            bytes.extend_from_slice(signing.verifying_key().as_bytes());
            let text = format!("{name}:{}", base64(&bytes));
            let key = SecretKey::parse(&text).unwrap();
            let public = format!("{name}:{}", base64(signing.verifying_key().as_bytes()));
            prop_assert_eq!(key.public(), public.clone());
            let same_or_refused = |t: &str| SecretKey::parse(t).map_or(true, |k| k.public() == public);
            for (i, _) in text.char_indices() {
                prop_assert!(same_or_refused(&text[..i]), "cut at {}", i);
            }
            prop_assert!(same_or_refused(&format!("{text}{extra}")), "{:?}", extra);
            bytes[40] ^= flip;
            prop_assert!(SecretKey::parse(&format!("{name}:{}", base64(&bytes))).is_err(), "flipped");
        }
    }
}

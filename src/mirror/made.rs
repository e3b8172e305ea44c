//! A NAR the site makes itself (from a download, an unpacked archive or a build): written into
//! a temporary file while its hashes are taken, so that it is read once: NarHash (sha256) and
//! size for the narinfo, and, for a recursive fixed output, the digest by the output's own
//! algorithm to check against what the derivation promised.
use super::narinfo::NarInfo;
use super::site::Site;
use crate::model::HashMode;
use crate::nix::hash::{Digest, Hasher};
use std::io::{self, BufWriter, Write};
use tempfile::NamedTempFile;

pub struct NarOut {
    file: BufWriter<NamedTempFile>,
    nar: Hasher,
    fod: Option<Hasher>,
    size: u64,
}

/// A NAR written and hashed.
pub struct Made {
    pub file: NamedTempFile,
    pub nar_hash: Digest,
    pub nar_size: u64,
    /// The NAR's digest by the fixed output's algorithm (recursive outputs only).
    pub fod: Option<Digest>,
}

impl NarOut {
    /// A NAR for an output whose hash is `recursive_algo`'s digest of it (None: a flat one).
    pub fn new(site: &Site, recursive_algo: Option<&str>) -> io::Result<NarOut> {
        Ok(NarOut {
            file: BufWriter::with_capacity(1 << 20, site.temp()?),
            nar: Hasher::new("sha256").expect("sha256"),
            fod: recursive_algo.and_then(Hasher::new),
            size: 0,
        })
    }

    pub fn finish(self) -> io::Result<Made> {
        let file = self.file.into_inner().map_err(|e| e.into_error())?;
        Ok(Made {
            file,
            nar_hash: self.nar.finish(),
            nar_size: self.size,
            fod: self.fod.map(Hasher::finish),
        })
    }
}

impl Write for NarOut {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.file.write(buf)?;
        self.nar.write_all(&buf[..n])?;
        if let Some(h) = &mut self.fod {
            h.write_all(&buf[..n])?;
        }
        self.size += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.file.flush()
    }
}

impl Made {
    /// The narinfo of `store_path` for this NAR, stored uncompressed (sources are compressed
    /// archives already), with the fixed output's content address: Nix accepts a path whose
    /// content matches its address without a signature.
    pub fn narinfo(
        &self,
        store_path: &str,
        deriver: &str,
        mode: HashMode,
        fod: &Digest,
    ) -> NarInfo {
        let nar_hash = format!("sha256:{}", self.nar_hash.nix32());
        let method = match mode {
            HashMode::Flat => "",
            HashMode::Recursive => "r:",
        };
        NarInfo {
            store_path: store_path.to_owned(),
            url: format!("nar/{}.nar", self.nar_hash.nix32()),
            compression: "none".into(),
            file_hash: Some(nar_hash.clone()),
            file_size: Some(self.nar_size),
            nar_hash,
            nar_size: self.nar_size,
            references: vec![],
            deriver: deriver
                .rsplit('/')
                .next()
                .filter(|d| !d.is_empty())
                .map(str::to_owned),
            sigs: vec![],
            ca: Some(format!("fixed:{method}{}:{}", fod.algo, fod.nix32())),
            other: vec![],
        }
    }
}

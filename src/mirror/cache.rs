//! Copying a FOD from a binary cache (file:// or http(s)://): its narinfo and its NAR as they
//! are there (compressed, signed), the NAR checked against the narinfo's FileHash and FileSize,
//! or when the narinfo gives none, decompressed and checked against its NarHash. For a flat
//! output the plain file is taken out of the NAR too, for the hashed mirror, and checked
//! against the hash the derivation promises.
use super::copy::{self, Both, Broke, Tee};
use super::narinfo::NarInfo;
use super::outcome::{Fared, Status};
use super::plan::Job;
use super::put::{Ctx, Put};
use crate::http::Method;
use crate::model::HashMode;
use crate::nix::hash::Hasher;
use crate::nix::{nar, store};
use std::io::{BufReader, Read, Seek};
use tempfile::NamedTempFile;

/// Copies `job` from the cache at `base`; `None` when the cache does not have it.
pub fn from_cache(ctx: &Ctx, base: &str, job: &Job) -> Option<Fared> {
    let out = &job.t.out_path;
    let hash = store::hash_part(out)?;
    let asked = format!("{base}/{hash}.narinfo");
    let text = match ctx.client.request(&asked, Method::Get) {
        Ok(r) if r.ok() => r.text(1 << 20).ok()?,
        _ => return None,
    };
    let info = NarInfo::parse(&text)
        .ok()
        .filter(|i| &i.store_path == out)?;
    Some(copy(ctx, base, job, info))
}

fn copy(ctx: &Ctx, base: &str, job: &Job, info: NarInfo) -> Fared {
    let size = info.file_size.unwrap_or(info.nar_size);
    if !ctx.budget.fits(size) {
        return Fared::missing(Status::OverBudget, format!("{size} bytes"));
    }
    let url = format!("{base}/{}", info.url);
    let reply = match ctx.client.request(&url, Method::Get) {
        Ok(r) if r.ok() => r,
        Ok(r) => return Fared::missing(Status::Dead, format!("{url}: HTTP {}", r.status)),
        Err(f) => return Fared::missing(Status::Dead, format!("{url}: {}", f.message)),
    };
    let mut file = match ctx.site.temp() {
        Ok(f) => f,
        Err(e) => return Fared::local(&e.into()),
    };
    let mut h = Hasher::new("sha256").expect("sha256");
    let n = match copy::hashing(&mut reply.into_reader(), &mut file, &mut h) {
        Ok(n) => n,
        Err(Broke::Read(why)) => return Fared::missing(Status::Dead, format!("{url}: {why}")),
        Err(Broke::Write(e)) => return Fared::local(&e.into()),
    };
    let file_hash = h.finish();
    let said = info.file_hash.as_deref().map(copy::narinfo_digest);
    if info.file_size.is_some_and(|s| s != n)
        || said.is_some_and(|d| d.as_ref() != Some(&file_hash))
    {
        return Fared::missing(
            Status::HashMismatch,
            format!(
                "{url}: not the file its narinfo describes ({n} bytes, sha256:{})",
                file_hash.nix32()
            ),
        );
    }
    let plain = match checked(ctx, job, &info, &mut file) {
        Ok(p) => p,
        Err(why) => return Fared::missing(Status::HashMismatch, format!("{url}: {why}")),
    };
    let put = Put {
        nar: file,
        info,
        plain: plain.map(|p| (p, job.t.mirror_keys.clone())),
    };
    ctx.put(put, base.to_owned())
}

/// Reads the NAR back when it must be: to check its NarHash (no FileHash given) and to take a
/// flat output's file out (which is checked against the FOD's hash). A compression it cannot
/// read leaves the plain file out; the NAR is still checked by its FileHash.
fn checked(
    ctx: &Ctx,
    job: &Job,
    info: &NarInfo,
    file: &mut NamedTempFile,
) -> Result<Option<NamedTempFile>, String> {
    let flat = job.mode == HashMode::Flat && !job.t.mirror_keys.is_empty();
    if info.file_hash.is_some() && !flat {
        return Ok(None);
    }
    file.as_file_mut().rewind().map_err(|e| e.to_string())?;
    let reader = BufReader::new(file.as_file());
    let Some(mut nar_bytes) = decompress(&info.compression, reader) else {
        return match info.file_hash {
            Some(_) => Ok(None),
            None => Err(format!(
                "no FileHash, and {} is not read here",
                info.compression
            )),
        };
    };
    let mut nar_hash = Hasher::new("sha256").expect("sha256");
    let mut tee = Tee(&mut nar_bytes, &mut nar_hash);
    let mut plain = None;
    if flat {
        let want = job.t.digest.as_ref().ok_or("no hash to check")?;
        let mut f = ctx.site.temp().map_err(|e| e.to_string())?;
        let mut h = Hasher::new(&want.algo).expect("a fixed output's algorithm");
        let mut both = Both(&mut f, &mut h);
        match nar::read_file(&mut tee, &mut both).map_err(|e| e.to_string())? {
            Some(_) if &h.finish() == want => plain = Some(f),
            Some(_) => return Err(format!("its file is not {}", want.sri())),
            None => return Err("a flat output whose NAR is not one file".into()),
        }
    }
    std::io::copy(&mut tee, &mut std::io::sink()).map_err(|e| e.to_string())?;
    let got = nar_hash.finish();
    if copy::narinfo_digest(&info.nar_hash).as_ref() != Some(&got) {
        return Err(format!(
            "its NAR is sha256:{}, not {}",
            got.nix32(),
            info.nar_hash
        ));
    }
    Ok(plain)
}

fn decompress<'a>(
    compression: &str,
    r: BufReader<&'a std::fs::File>,
) -> Option<Box<dyn Read + 'a>> {
    Some(match compression {
        "none" | "" => Box::new(r),
        "xz" => Box::new(xz2::read::XzDecoder::new_multi_decoder(r)),
        "bzip2" => Box::new(bzip2::read::MultiBzDecoder::new(r)),
        _ => return None,
    })
}

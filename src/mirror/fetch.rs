//! Fetching a FOD from its own urls, in fetchurl's order, the way its fetcher would: the bytes
//! themselves (flat), the NAR of the one file, or the NAR of what fetchzip's script leaves
//! after unpacking; each checked against the hash the derivation promises before anything is
//! put in the site.
use super::copy::{self, Broke};
use super::made::{Made, NarOut};
use super::outcome::{Fared, Status};
use super::plan::Job;
use super::put::{Ctx, Put};
use crate::check::target::Verify;
use crate::http::Method;
use crate::nix::hash::{Digest, Hasher};
use crate::nix::nar;
use std::io::Seek;
use tempfile::NamedTempFile;

/// Why one url did not give the output.
enum Miss {
    /// Gone, unreachable, cut off: the next url may do.
    Failed(String),
    /// Other bytes than promised.
    Mismatch(String),
    /// The answer is larger than what the budget has left.
    OverBudget(u64),
    /// Writing below the site failed.
    Local(anyhow::Error),
}

impl From<std::io::Error> for Miss {
    fn from(e: std::io::Error) -> Miss {
        Miss::Local(e.into())
    }
}

/// Tries each url until one gives the output.
pub fn from_urls(ctx: &Ctx, job: &Job) -> Fared {
    let t = &job.t;
    let Some(want) = &t.digest else {
        return Fared::missing(Status::NeedsBuild, "no hash fodfuzz can read");
    };
    if let Verify::Not(why) = &t.verify {
        return Fared::missing(Status::NeedsBuild, why.clone());
    }
    let (mut failed, mut mismatch) = (Vec::new(), None);
    for url in &t.urls {
        match one_url(ctx, job, url, want) {
            Ok(put) => return ctx.put(put, url.clone()),
            Err(Miss::Failed(why)) => failed.push(format!("{url}: {why}")),
            Err(Miss::Mismatch(why)) => mismatch = Some(format!("{url}: {why}")),
            Err(Miss::OverBudget(n)) => {
                return Fared::missing(Status::OverBudget, format!("{url}: {n} bytes"));
            }
            Err(Miss::Local(e)) => return Fared::local(&e),
        }
    }
    match mismatch {
        Some(why) => Fared::missing(Status::HashMismatch, why),
        None if failed.is_empty() => Fared::missing(Status::Dead, "no url"),
        None => Fared::missing(Status::Dead, failed.join("; ")),
    }
}

fn one_url(ctx: &Ctx, job: &Job, url: &str, want: &Digest) -> Result<Put, Miss> {
    let reply = match ctx.client.request(url, Method::Get) {
        Ok(r) if r.ok() => r,
        Ok(r) => return Err(Miss::Failed(format!("HTTP {}", r.status))),
        Err(f) => return Err(Miss::Failed(f.message)),
    };
    let announced = reply.content_length;
    if let Some(n) = announced.filter(|&n| !ctx.budget.fits(n)) {
        return Err(Miss::OverBudget(n));
    }
    let mut raw = ctx.site.temp()?;
    let mut flat = Hasher::new(&want.algo).expect("a fixed output's algorithm");
    let n = copy::hashing(&mut reply.into_reader(), &mut raw, &mut flat).map_err(|b| match b {
        Broke::Read(why) => Miss::Failed(why),
        Broke::Write(e) => Miss::Local(e.into()),
    })?;
    if let Some(len) = announced.filter(|&len| len != n) {
        return Err(Miss::Failed(format!(
            "download broke off at {n} of {len} bytes"
        )));
    }
    raw.as_file_mut().rewind()?;
    let recursive = Some(want.algo.as_str());
    let (made, got) = match &job.t.verify {
        Verify::Flat => {
            let got = flat.finish();
            let made = nar_of_file(ctx, &mut raw, n, false, None)?;
            (made, got)
        }
        Verify::NarFile { executable } => {
            let made = nar_of_file(ctx, &mut raw, n, *executable, recursive)?;
            let got = made.fod.clone().expect("a recursive digest");
            (made, got)
        }
        Verify::Fetchzip(z) => {
            let work = ctx.site.temp_dir()?;
            let out = z.output(raw.path(), work.path()).map_err(Miss::Mismatch)?;
            let mut w = NarOut::new(ctx.site, recursive)?;
            nar::dump_path(&out, &mut w)?;
            let made = w.finish()?;
            let got = made.fod.clone().expect("a recursive digest");
            (made, got)
        }
        Verify::Not(why) => return Err(Miss::Mismatch(why.clone())),
    };
    if &got != want {
        return Err(Miss::Mismatch(format!(
            "got {}, not {}",
            got.sri(),
            want.sri()
        )));
    }
    let info = made.narinfo(&job.t.out_path, &job.drv_path, job.mode, want);
    let plain = matches!(job.t.verify, Verify::Flat).then(|| (raw, job.t.mirror_keys.clone()));
    Ok(Put {
        nar: made.file,
        info,
        plain,
    })
}

fn nar_of_file(
    ctx: &Ctx,
    raw: &mut NamedTempFile,
    len: u64,
    executable: bool,
    recursive: Option<&str>,
) -> Result<Made, Miss> {
    let mut w = NarOut::new(ctx.site, recursive)?;
    nar::dump_file(
        &mut std::io::BufReader::new(raw.as_file()),
        len,
        executable,
        &mut w,
    )?;
    raw.as_file_mut().rewind()?;
    Ok(w.finish()?)
}

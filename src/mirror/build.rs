//! `--build`: a FOD no download gives (a git checkout, a vendor hash, a dead url) realised with
//! the local Nix in the scan's private store, where its `.drv` closure is (building fetches, so
//! this is the one part of fodfuzz that reaches the network through Nix), then dumped as a NAR
//! and checked like any other.
use super::copy::Both;
use super::made::NarOut;
use super::outcome::{Fared, Status};
use super::plan::Job;
use super::put::{Ctx, Put};
use crate::model::HashMode;
use crate::nix::hash::Hasher;
use crate::nix::{nar, store};
use std::io::Seek;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

pub struct Builder {
    /// `nix-store`, beside the `nix-instantiate` on PATH.
    pub nix_store: PathBuf,
    /// The scan's private store (`DIR/.store`, with `worker-K` stores below it).
    pub store: PathBuf,
}

impl Builder {
    pub fn build(&self, ctx: &Ctx, job: &Job) -> Fared {
        let Some(want) = &job.t.digest else {
            return Fared::missing(Status::BuildFailed, "no hash fodfuzz can read");
        };
        let Some(root) = self.root_of(&job.drv_path) else {
            return Fared::missing(
                Status::BuildFailed,
                format!("{} is in no store of the scan", job.drv_path),
            );
        };
        let realised = self
            .nix(&root)
            .args(["--realise", &job.drv_path])
            .stdin(Stdio::null())
            .output();
        match realised {
            Ok(o) if o.status.success() => {}
            Ok(o) => return Fared::missing(Status::BuildFailed, last_line(&o.stderr)),
            Err(e) => return Fared::missing(Status::BuildFailed, e.to_string()),
        }
        match self.dump(ctx, &root, job, want) {
            Ok(put) => ctx.put(put, "nix-store --realise".into()),
            Err(f) => f,
        }
    }

    /// The worker store that holds the `.drv` (with its closure, which that worker wrote).
    fn root_of(&self, drv: &str) -> Option<PathBuf> {
        let file = store::files_of(&self.store, drv).next()?;
        let relative = drv.trim_start_matches('/');
        let root = file.to_str()?.strip_suffix(relative)?;
        Some(PathBuf::from(root))
    }

    fn nix(&self, root: &Path) -> Command {
        let mut c = Command::new(&self.nix_store);
        c.arg("--store").arg(root);
        // A private store needs no build users (nixbld) to build into.
        c.args(["--option", "build-users-group", ""]);
        c
    }

    /// The NAR of the output (as Nix's `--dump` would write it, of the file in the private
    /// store), checked against the promised hash.
    fn dump(
        &self,
        ctx: &Ctx,
        root: &Path,
        job: &Job,
        want: &crate::nix::hash::Digest,
    ) -> Result<Put, Fared> {
        let local = |e: std::io::Error| Fared::local(&e.into());
        let recursive = (job.mode == HashMode::Recursive).then_some(want.algo.as_str());
        let mut out = NarOut::new(ctx.site, recursive).map_err(local)?;
        let file = root.join(job.t.out_path.trim_start_matches('/'));
        nar::dump_path(&file, &mut out).map_err(local)?;
        let mut made = out.finish().map_err(local)?;
        let plain = match job.mode {
            HashMode::Recursive if made.fod.as_ref() == Some(want) => None,
            HashMode::Recursive => {
                return Err(Fared::missing(
                    Status::HashMismatch,
                    "built, with another hash",
                ));
            }
            HashMode::Flat => {
                made.file.as_file_mut().rewind().map_err(local)?;
                let mut plain = ctx.site.temp().map_err(local)?;
                let mut h = Hasher::new(&want.algo).expect("a fixed output's algorithm");
                let mut nar = std::io::BufReader::new(made.file.as_file());
                let read =
                    nar::read_file(&mut nar, &mut Both(&mut plain, &mut h)).map_err(local)?;
                if read.is_none() || &h.finish() != want {
                    return Err(Fared::missing(
                        Status::HashMismatch,
                        "built, with another hash",
                    ));
                }
                Some((plain, job.t.mirror_keys.clone()))
            }
        };
        let info = made.narinfo(&job.t.out_path, &job.drv_path, job.mode, want);
        Ok(Put {
            nar: made.file,
            info,
            plain,
        })
    }
}

fn last_line(stderr: &[u8]) -> String {
    let text = String::from_utf8_lossy(stderr);
    let line = text.lines().rev().find(|l| !l.trim().is_empty());
    line.unwrap_or("nix-store failed").trim().to_owned()
}

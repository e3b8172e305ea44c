//! `fodfuzz mirror DIR`: the offline site in one command. For each FOD of a finished scan, the
//! sources most attributes need first: already in the site, or copied from a binary cache, or
//! fetched from its own urls and checked, or (`--build`) realised with the local Nix; written
//! as a binary cache any Nix substitutes from (`substituters = file://SITE`) and a hashed
//! mirror (`hashed-mirrors`, nixpkgs' `hashedMirrors`; a `file://` one only with the site in
//! `extra-sandbox-paths`, see `report::advice`). What could not be had is listed with why.
mod build;
mod cache;
mod copy;
mod fetch;
mod made;
pub mod narinfo;
mod outcome;
mod plan;
mod put;
mod report;
mod site;

use crate::cli::MirrorArgs;
use crate::error::bad;
use crate::http::{self, Client};
use crate::progress::Counter;
use anyhow::Result;
use outcome::{Budget, Fared, Outcome, Status};
use plan::Job;
use put::Ctx;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

pub fn mirror(args: MirrorArgs) -> Result<()> {
    let jobs = plan::read(&args.dir)?;
    let site_dir = args.site.clone().unwrap_or_else(|| args.dir.join("site"));
    let key = match &args.sign_key {
        Some(f) => Some(read_key(f)?),
        None => None,
    };
    for c in &args.caches {
        if !matches!(
            http::url::scheme(c).as_deref(),
            Some("http" | "https" | "file")
        ) {
            return Err(bad(format!("--cache {c}: not an http(s) or file URL")).into());
        }
    }
    let max = args
        .max_size
        .as_deref()
        .map(crate::scan::memory::parse_size)
        .transpose()?;
    let site = site::Site::open(&site_dir)?;
    let earlier = report::read(&site.root);
    let used = jobs
        .iter()
        .filter_map(|j| earlier.get(&j.t.out_path))
        .filter(|o| o.status.got())
        .map(|o| o.bytes)
        .sum();
    let client = Client::new(http::Config {
        concurrency: args.jobs,
        per_host: args.per_host,
        min_interval: Duration::from_millis(50),
        timeout: Duration::from_secs_f64(args.timeout.max(0.1)),
        retries: args.retries,
        retry_unreachable: false,
        give_up_unreachable: true,
        max_wait: Duration::from_secs(60),
    })?;
    let budget = Budget::new(max, used);
    let ctx = Ctx {
        site: &site,
        client: &client,
        key: key.as_ref(),
        budget: &budget,
    };
    let builder = match args.build {
        true => Some(build::Builder {
            nix_store: crate::nix::version::Nix::find()?
                .instantiate
                .with_file_name("nix-store"),
            store: args.dir.join(".store"),
        }),
        false => None,
    };
    let run = Run {
        ctx: &ctx,
        caches: &args.caches,
        builder: builder.as_ref(),
        earlier: &earlier,
        full: AtomicBool::new(false),
    };
    let outcomes = run.all(&jobs, args.jobs, args.quiet);
    report::summary(&site.root, &outcomes, &budget, key.as_ref());
    let written = report::write(&site, &outcomes);
    crate::isolate::write(&site.root)?;
    if outcomes.iter().any(|o| o.status == Status::DiskFull) {
        anyhow::bail!(
            "the disk of {} is full: free room and run the same command again (nothing half written was left)",
            site.root.display()
        );
    }
    written
}

fn read_key(file: &std::path::Path) -> Result<narinfo::SecretKey> {
    let text = std::fs::read_to_string(file)
        .map_err(|e| bad(format!("--sign-key {}: {e}", file.display())))?;
    narinfo::SecretKey::parse(&text)
        .map_err(|e| bad(format!("--sign-key {}: {e}", file.display())).into())
}

struct Run<'a> {
    ctx: &'a Ctx<'a>,
    caches: &'a [String],
    builder: Option<&'a build::Builder>,
    earlier: &'a BTreeMap<String, Outcome>,
    /// The disk filled up: what is left is not tried.
    full: AtomicBool,
}

impl Run<'_> {
    /// Every job on `threads` threads, the most reached first; outcomes in the jobs' order.
    fn all(&self, jobs: &[Job], threads: usize, quiet: bool) -> Vec<Outcome> {
        let order = plan::order(jobs);
        let progress = Counter::new(quiet, jobs.len() as u64, "FODs");
        // A panic over one FOD is that FOD's error (and an internal error), not the site's end.
        let one = |i: usize| {
            let t = &jobs[i].t;
            crate::isolate::item("mirror", &t.out_path, || self.one(&jobs[i])).unwrap_or_else(|m| {
                Outcome {
                    out_path: t.out_path.clone(),
                    name: t.name.clone(),
                    status: Status::Error,
                    from: None,
                    why: Some(format!("internal error: {m}")),
                    bytes: 0,
                }
            })
        };
        http::pool::each_counted(&order, threads, one, |o| o.status, Status::as_str, progress)
    }

    fn one(&self, job: &Job) -> Outcome {
        let t = &job.t;
        let outcome = |status, from: Option<String>, why: Option<String>, bytes| Outcome {
            out_path: t.out_path.clone(),
            name: t.name.clone(),
            status,
            from,
            why,
            bytes,
        };
        if let Some(info) = self.ctx.site.present(&t.out_path) {
            let was = self.earlier.get(&t.out_path);
            let bytes = was.map_or(info.file_size.unwrap_or(info.nar_size), |w| w.bytes);
            return outcome(
                Status::Present,
                was.and_then(|w| w.from.clone()),
                None,
                bytes,
            );
        }
        if self.full.load(Ordering::Relaxed) {
            return outcome(
                Status::DiskFull,
                None,
                Some("not tried: the disk is full".into()),
                0,
            );
        }
        match self.fared(job) {
            Fared::Got { from, bytes } => {
                let status = match () {
                    _ if self.caches.contains(&from) => Status::Cache,
                    _ if from == "nix-store --realise" => Status::Built,
                    _ => Status::Url,
                };
                outcome(status, Some(from), None, bytes)
            }
            Fared::Missing(status, why) => {
                if status == Status::DiskFull {
                    self.full.store(true, Ordering::Relaxed);
                }
                outcome(status, None, Some(why), 0)
            }
        }
    }

    /// The caches, then the urls, then a build.
    fn fared(&self, job: &Job) -> Fared {
        let mut tried = Vec::new();
        for c in self.caches {
            match cache::from_cache(self.ctx, c, job) {
                Some(got @ Fared::Got { .. }) => return got,
                Some(Fared::Missing(s, why))
                    if matches!(s, Status::DiskFull | Status::OverBudget) =>
                {
                    return Fared::Missing(s, why);
                }
                Some(Fared::Missing(_, why)) => tried.push(why),
                None => {}
            }
        }
        // requireFile is for someone to download by hand: nothing builds it either.
        let fetched = match &job.t.unchecked {
            Some(why) if why.starts_with("requireFile") => Fared::missing(Status::Manual, why),
            Some(why) => Fared::missing(Status::NeedsBuild, why),
            None => fetch::from_urls(self.ctx, job),
        };
        let buildable = matches!(
            &fetched,
            Fared::Missing(Status::Dead | Status::HashMismatch | Status::NeedsBuild, _)
        );
        match (fetched, self.builder) {
            (Fared::Missing(_, why), Some(b)) if buildable => match b.build(self.ctx, job) {
                got @ Fared::Got { .. } => got,
                Fared::Missing(s, built) => Fared::Missing(s, format!("{why}; then {built}")),
            },
            (Fared::Missing(s, why), _) if !tried.is_empty() => {
                Fared::Missing(s, format!("{why}; caches: {}", tried.join("; ")))
            }
            (f, _) => f,
        }
    }
}

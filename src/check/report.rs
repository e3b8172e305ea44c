//! What `check` says on stderr: the counts per status, and the hosts that failed most.
use super::probe::{Fared, Outcome};
use crate::cli::CheckArgs;
use crate::outputs::check_file::Status;
use anyhow::{Result, anyhow};
use std::collections::HashMap;

/// At most this many hosts are named.
const WORST_HOSTS: usize = 10;

/// Prints the counts and the worst hosts; an error (exit 1) when some FOD is dead, changed or
/// unknown.
pub fn report(args: &CheckArgs, outcomes: &[Outcome]) -> Result<()> {
    let count = |s: Status| outcomes.iter().filter(|o| o.line.status == s).count();
    let counts: Vec<String> = Status::ALL
        .iter()
        .map(|&s| format!("{} {}", count(s), s.as_str()))
        .collect();
    let cached = outcomes.iter().filter(|o| o.cached).count();
    let verified = outcomes.iter().filter(|o| o.line.verified).count();
    let how = if args.download {
        format!("downloaded, {verified} verified")
    } else {
        "HEAD".to_owned()
    };
    eprintln!(
        "fodfuzz: {} FODs checked ({how}; {cached} answered from {}): {}",
        outcomes.len(),
        args.cache_file
            .as_ref()
            .map_or_else(|| args.dir.join("check-cache.jsonl"), Clone::clone)
            .display(),
        counts.join(", ")
    );
    for line in worst_hosts(outcomes) {
        eprintln!("fodfuzz: {line}");
    }
    let bad = outcomes.iter().filter(|o| !o.line.status.fine()).count();
    if bad == 0 {
        return Ok(());
    }
    Err(anyhow!(
        "{bad} FODs are dead, changed or unknown: see {}",
        args.dir.join("check.jsonl").display()
    ))
}

/// `host: N of M urls failed (a gone, b no answer, c changed)`, most failures first.
fn worst_hosts(outcomes: &[Outcome]) -> Vec<String> {
    let mut hosts: HashMap<&str, [usize; 4]> = HashMap::new();
    for (host, fared) in outcomes.iter().flat_map(|o| &o.asked) {
        let i = match fared {
            Fared::Answered => 0,
            Fared::Gone => 1,
            Fared::Failed => 2,
            Fared::Changed => 3,
        };
        hosts.entry(host).or_default()[i] += 1;
    }
    let mut worst: Vec<(&str, [usize; 4])> = hosts
        .into_iter()
        .filter(|(_, n)| n[1] + n[2] + n[3] > 0)
        .collect();
    worst.sort_by(|(a, x), (b, y)| {
        (y[1] + y[2] + y[3])
            .cmp(&(x[1] + x[2] + x[3]))
            .then(a.cmp(b))
    });
    let mut lines: Vec<String> = worst
        .iter()
        .take(WORST_HOSTS)
        .map(|(host, n)| {
            let failed = n[1] + n[2] + n[3];
            format!(
                "  {host}: {failed} of {} urls failed ({} gone, {} no answer, {} changed)",
                n.iter().sum::<usize>(),
                n[1],
                n[2],
                n[3]
            )
        })
        .collect();
    if !lines.is_empty() {
        lines.insert(0, "worst hosts:".to_owned());
    }
    lines
}

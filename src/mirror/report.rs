//! What a run leaves beside the site: `mirror.jsonl` (every FOD, sorted by outPath: where it
//! came from, or why it is missing; the next run reads it back), `missing.txt` (what is not in
//! the site, by why, for a person), and a summary on stderr.
use super::narinfo::SecretKey;
use super::outcome::{Budget, Outcome, Status};
use super::site::Site;
use anyhow::Result;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

/// The outcomes an earlier run wrote, by outPath (none when there is no readable file).
pub fn read(site: &Path) -> BTreeMap<String, Outcome> {
    let Ok(text) = std::fs::read_to_string(site.join("mirror.jsonl")) else {
        return BTreeMap::new();
    };
    text.lines()
        .filter_map(|l| serde_json::from_str::<Outcome>(l).ok())
        .map(|o| (o.out_path.clone(), o))
        .collect()
}

pub fn write(site: &Site, outcomes: &[Outcome]) -> Result<()> {
    let mut lines = String::new();
    for o in outcomes {
        lines += &serde_json::to_string(o)?;
        lines.push('\n');
    }
    site.put_text(&site.root.join("mirror.jsonl"), &lines)?;
    site.put_text(&site.root.join("missing.txt"), &missing(outcomes))
}

/// What is not in the site, grouped by why, each `outPath name: detail`.
fn missing(outcomes: &[Outcome]) -> String {
    let mut by: BTreeMap<Status, Vec<&Outcome>> = BTreeMap::new();
    for o in outcomes.iter().filter(|o| !o.status.got()) {
        by.entry(o.status).or_default().push(o);
    }
    let mut s = String::new();
    for (status, list) in by {
        let _ = writeln!(s, "# {} ({})", status.as_str(), list.len());
        for o in list {
            let _ = writeln!(
                s,
                "{} {}: {}",
                o.out_path,
                o.name,
                o.why.as_deref().unwrap_or("")
            );
        }
        s.push('\n');
    }
    s
}

/// Counts by status, bytes, and how to use the site.
pub fn summary(site: &Path, outcomes: &[Outcome], budget: &Budget, key: Option<&SecretKey>) {
    let mut counts: BTreeMap<Status, usize> = BTreeMap::new();
    for o in outcomes {
        *counts.entry(o.status).or_default() += 1;
    }
    let got: usize = counts.iter().filter(|(s, _)| s.got()).map(|(_, n)| n).sum();
    let parts: Vec<String> = counts
        .iter()
        .map(|(s, n)| format!("{n} {}", s.as_str()))
        .collect();
    eprintln!(
        "fodfuzz mirror: {got} of {} FODs in {} ({}; {:.1} MB): {}",
        outcomes.len(),
        site.display(),
        parts.join(", "),
        budget.used() as f64 / 1e6,
        if got < outcomes.len() {
            "missing.txt says why the others are not"
        } else {
            "all of them"
        }
    );
    eprint!("{}", advice(site, key));
}

/// How to point Nix at the site, as nix.conf lines. Only what tests/mirror.rs proves with
/// Nix's sandbox on (NixOS's default): a sandboxed builtin:fetchurl cannot read a `file://`
/// hashed mirror outside the sandbox ("Couldn't read a file:// file (37)", then the dead url)
/// unless the site is also in `extra-sandbox-paths`; served over http it needs nothing more.
/// Substitution runs outside the sandbox, so `substituters` needs no such line.
pub fn advice(site: &Path, key: Option<&SecretKey>) -> String {
    let shown = site.display();
    if !plain(site) {
        // nix.conf splits these settings on whitespace, and the sandbox paths on `=`: such a
        // line would name another directory, so none is printed.
        return format!(
            "use it offline: {shown} has characters nix.conf cannot carry (whitespace, =, ?, %, #): move it to a path without them and run the same command again, which prints the nix.conf lines\n"
        );
    }
    let trust = match key {
        Some(k) => format!("  trusted-public-keys = {}\n", k.public()),
        None => String::new(),
    };
    let unsigned = match key {
        Some(_) => "",
        None => {
            " (unsigned: its narinfos carry each fixed output's content address, which Nix checks)"
        }
    };
    format!(
        "use it offline, in nix.conf{unsigned}:\n  substituters = file://{shown}\n{trust}  hashed-mirrors = file://{shown}/\n  extra-sandbox-paths = {shown}\n(builtin:fetchurl reads the hashed mirror inside Nix's sandbox, hence the last line; or serve {shown} over http and set hashed-mirrors = http://HOST:PORT/ instead of the last two)\n"
    )
}

/// Whether a path can be written into nix.conf as it is: as a `file://` url (not percent-
/// encoded), in the whitespace-separated lists, and as a sandbox path (`=` and a trailing `?`
/// mean something there).
fn plain(path: &Path) -> bool {
    path.to_str().is_some_and(|s| {
        !s.chars()
            .any(|c| c.is_whitespace() || matches!(c, '=' | '?' | '%' | '#'))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outcomes_round_trip_and_missing_groups_by_why() {
        let dir = tempfile::tempdir().unwrap();
        let site = Site::open(dir.path()).unwrap();
        let o = |p: &str, status, why: Option<&str>| Outcome {
            out_path: format!("/nix/store/{p}"),
            name: p.into(),
            status,
            from: None,
            why: why.map(str::to_owned),
            bytes: 3,
        };
        let all = [
            o("a", Status::Url, None),
            o("b", Status::Dead, Some("404")),
            o("c", Status::Manual, Some("requireFile")),
            o("d", Status::Dead, Some("refused")),
        ];
        write(&site, &all).unwrap();
        let back = read(dir.path());
        assert_eq!(back.len(), 4);
        assert_eq!(back["/nix/store/b"], all[1]);
        let text = std::fs::read_to_string(dir.path().join("missing.txt")).unwrap();
        assert_eq!(
            text,
            "# dead (2)\n/nix/store/b b: 404\n/nix/store/d d: refused\n\n# manual (1)\n/nix/store/c c: requireFile\n\n"
        );
    }

    #[test]
    fn advice_is_nix_conf_lines_only_for_a_plain_path() {
        let lines = |text: &str| -> Vec<String> {
            let conf = text.lines().filter_map(|l| l.strip_prefix("  "));
            conf.map(str::to_owned).collect()
        };
        let text = advice(Path::new("/mnt/offline"), None);
        assert_eq!(
            lines(&text),
            [
                "substituters = file:///mnt/offline",
                "hashed-mirrors = file:///mnt/offline/",
                "extra-sandbox-paths = /mnt/offline",
            ],
            "{text}"
        );
        // Whitespace splits nix.conf's lists, `=` maps one sandbox path onto another.
        for odd in ["/mnt/off line", "/mnt/a=b", "/mnt/x?", "/mnt/100%"] {
            let text = advice(Path::new(odd), None);
            assert!(
                lines(&text).is_empty() && text.contains("move it"),
                "{text}"
            );
        }
    }
}

//! `fodfuzz coverage TREE --in DIR`: the coverage of a finished scan, written as a scan writes
//! it, optionally counting only some systems.
use super::{inputs, report, scan, tree};
use crate::cli::CoverageArgs;
use crate::error::bad;
use anyhow::Result;
use std::time::Instant;

pub fn coverage(args: CoverageArgs) -> Result<()> {
    if !args.tree.join("default.nix").is_file() {
        return Err(bad(format!(
            "{}: not a tree (no default.nix)",
            args.tree.display()
        ))
        .into());
    }
    let out = args.out.clone().unwrap_or_else(|| args.scan.clone());
    crate::outputs::check_out_dir(&out)?;
    let started = Instant::now();
    let (reached, mut run) = scan::read(&args.scan)?;
    let read = started.elapsed();
    if !args.systems.is_empty() {
        run.systems = args.systems.clone();
    }
    let analysed = tree::analyse(&args.tree)?;
    let judged = Instant::now();
    let c = report::assess(&analysed, &reached, &run);
    let judging = judged.elapsed();
    let writing = Instant::now();
    super::write_files(&out, &analysed.root, &c)?;
    let written = writing.elapsed();
    if args.inputs {
        let i = inputs::Inputs::of(&analysed)?;
        println!("{}", serde_json::to_string_pretty(&i)?);
    }
    if !args.quiet {
        let unread = analysed.parse_errors();
        if !unread.is_empty() {
            eprintln!(
                "fodfuzz: {} files unreadable or with syntax errors, read as far as rnix can: {}",
                unread.len(),
                unread.join(", ")
            );
        }
        eprintln!(
            "fodfuzz: {} of {} hash literals reached ({:.1} %); scan read in {:.1} s, tree analysed in {:.1} s, reasons in {:.1} s, files written in {:.1} s: {}",
            c.reached(),
            c.literals(),
            super::files::percent(c.reached(), c.literals()),
            read.as_secs_f64(),
            analysed.elapsed.as_secs_f64(),
            judging.as_secs_f64(),
            written.as_secs_f64(),
            out.display()
        );
    }
    Ok(())
}

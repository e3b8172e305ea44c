//! fodfuzz: a thin main that prints an error once. Bad input exits 2, anything else 1.
mod attrpath;
mod cache;
mod cli;
mod diff;
mod drv;
mod graph;
mod graph_file;
mod hashes;
mod journal;
mod memory;
mod mirrors;
mod missing;
mod plan;
mod preflight;
mod progress;
mod rebuild;
mod records;
mod runner;
mod scan;
mod sites;
mod target;
mod walk;
mod why;
mod worker;
mod writers;

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    let result = match cli.command {
        cli::Command::Scan(args) => scan::scan(*args),
        cli::Command::Diff { old, new, json } => diff::diff(&old, &new, json),
        cli::Command::Why { out_path, dir } => why::why(&out_path, &dir).map(|lines| {
            for l in lines {
                println!("{l}");
            }
        }),
        cli::Command::Missing(args) => missing::missing(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("fodfuzz: {e:#}");
            if e.downcast_ref::<preflight::BadInput>().is_some() {
                ExitCode::from(2)
            } else if let Some(scan::Interrupted(sig)) = e.downcast_ref() {
                ExitCode::from(128 + *sig as u8)
            } else {
                ExitCode::FAILURE
            }
        }
    }
}

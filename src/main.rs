//! fodfuzz: a thin main. The command line is parsed once into validated arguments (`cli`), each
//! command runs in its own module, and an error that ends one is printed once, its exit status
//! chosen by `error`.
//!
//! The scan's pipeline: `scan::plan` (the matrix) → `scan::runner` (a dispatcher without I/O and
//! one actor per `nix-instantiate`, evaluating `scan/visit.nix`) → `graph` (the `.drv` files read
//! by `nix::drv`) → `outputs`.
mod cli;
mod diff;
mod error;
mod graph;
mod missing;
mod model;
mod nix;
mod outputs;
mod progress;
mod scan;
mod why;

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    let result = match cli.command {
        cli::Command::Scan(args) => scan::scan(*args),
        cli::Command::Diff { old, new, json } => diff::diff(&old, &new, json),
        cli::Command::Why { out_path, dir, all } => {
            let lines = if all { why::why_all } else { why::why };
            lines(&out_path, &dir).map(|lines| {
                for l in lines {
                    println!("{l}");
                }
            })
        }
        cli::Command::Missing(args) => missing::missing(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("fodfuzz: {e:#}");
            error::exit_code(&e)
        }
    }
}

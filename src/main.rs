//! fodfuzz: a thin main. The command line is parsed once into validated arguments (`cli`), each
//! command runs in its own module, and an error that ends one is printed once, its exit status
//! chosen by `error`.
//!
//! The scan's pipeline: `scan::plan` (the matrix) → `scan::runner` (a dispatcher without I/O and
//! one actor per `nix-instantiate`, evaluating `scan/visit.nix`) → `graph` (the `.drv` files read
//! by `nix::drv`) → `outputs`.
mod binary_cache;
mod check;
mod cli;
#[cfg(test)]
mod compat_eval;
mod coverage;
mod diff;
mod error;
mod fuzz;
mod graph;
mod history;
mod http;
mod isolate;
mod merge;
mod mirror;
mod missing;
mod model;
mod nix;
mod outputs;
mod parallel;
mod progress;
mod scan;
mod size;
mod why;

use clap::Parser;
use std::process::ExitCode;

/// The man page, from the same definitions as `--help`: fodfuzz(1), then a page for each
/// command (fodfuzz-scan(1) …), one after the other.
fn man() -> anyhow::Result<()> {
    let cmd = <cli::Cli as clap::CommandFactory>::command();
    let mut out = std::io::stdout().lock();
    clap_mangen::Man::new(cmd.clone()).render(&mut out)?;
    for sub in cmd.get_subcommands() {
        // clap names commands with static strings; this one-shot command can leak a few.
        let name: &'static str = Box::leak(format!("fodfuzz-{}", sub.get_name()).into_boxed_str());
        clap_mangen::Man::new(sub.clone().name(name)).render(&mut out)?;
    }
    Ok(())
}

fn main() -> ExitCode {
    isolate::install_hook();
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
        cli::Command::Completions { shell } => {
            let mut cmd = <cli::Cli as clap::CommandFactory>::command();
            clap_complete::generate(shell, &mut cmd, "fodfuzz", &mut std::io::stdout());
            Ok(())
        }
        cli::Command::Man => man(),
        cli::Command::Coverage(args) => coverage::command::coverage(args),
        cli::Command::Fuzz(args) => fuzz::fuzz(args),
        cli::Command::Check(args) => check::check(args),
        cli::Command::Mirror(args) => mirror::mirror(args),
        cli::Command::Report(args) => history::report(args),
        cli::Command::Size(args) => size::size(args),
        cli::Command::Merge(args) => merge::merge(args),
    };
    let internal = isolate::count();
    if internal > 0 {
        eprintln!(
            "fodfuzz: {internal} item(s) failed with an internal error and were recorded in {} (every other item was handled and every output written); please report them",
            isolate::FILE
        );
    }
    match result {
        Ok(()) if internal > 0 => ExitCode::from(error::INTERNAL_ERRORS),
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("fodfuzz: {e:#}");
            error::exit_code(&e, internal)
        }
    }
}

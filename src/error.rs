//! The errors that end a command, and the exit status each one means. Anything else that goes
//! wrong (a full disk, a cache that cannot be read) is exit status 1.
use std::process::ExitCode;

/// Input the user must fix; printed as one line, exit status 2.
#[derive(Debug)]
pub struct BadInput(pub String);

impl std::fmt::Display for BadInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for BadInput {}

pub fn bad(msg: impl Into<String>) -> BadInput {
    BadInput(msg.into())
}

/// The scan stopped on a signal; partial outputs are written. Exit status 128 + signal.
#[derive(Debug)]
pub struct Interrupted(pub i32);

impl std::fmt::Display for Interrupted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let name = if self.0 == libc::SIGINT {
            "SIGINT"
        } else {
            "SIGTERM"
        };
        write!(
            f,
            "interrupted by {name}: partial results written (summary.json: \"complete\": false); run the same command with --resume to finish"
        )
    }
}

impl std::error::Error for Interrupted {}

/// The exit status for an error that ended a command.
pub fn exit_code(e: &anyhow::Error) -> ExitCode {
    if e.downcast_ref::<BadInput>().is_some() {
        ExitCode::from(2)
    } else if let Some(Interrupted(sig)) = e.downcast_ref() {
        ExitCode::from(128 + *sig as u8)
    } else {
        ExitCode::FAILURE
    }
}

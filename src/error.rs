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

/// The command finished and wrote every output, but handling some items panicked: each is
/// recorded in internal-errors.jsonl (`isolate`), and the run is otherwise whole.
pub const INTERNAL_ERRORS: u8 = 3;

/// The exit status for an error that ended a command, after `internal` items failed with an
/// internal error: 3 then stands for 1 (what a command counts as failing, or another error),
/// since a run with internal errors must be looked at; bad input and signals keep theirs.
pub fn exit_code(e: &anyhow::Error, internal: usize) -> ExitCode {
    if e.downcast_ref::<BadInput>().is_some() {
        ExitCode::from(2)
    } else if let Some(Interrupted(sig)) = e.downcast_ref() {
        ExitCode::from(128 + *sig as u8)
    } else if internal > 0 {
        ExitCode::from(INTERNAL_ERRORS)
    } else {
        ExitCode::FAILURE
    }
}

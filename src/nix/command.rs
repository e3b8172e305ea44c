//! The one place a `nix-instantiate` command line is built: pre-flight checks, the store's
//! initialisation and the workers all ask for what they need here, so that every process runs
//! with the same environment (no `NIX_PATH`) and the same restrictions.
use std::ffi::OsStr;
use std::path::Path;
use std::process::Command;

pub struct NixCommand {
    cmd: Command,
}

/// What a worker's evaluation may not do: read outside what `-I` allows, fetch at evaluation
/// time (restrict-eval refuses URIs), build to import, or ask a substituter. And the private
/// store, a cache of .drv files, does without synced metadata (SQLite's `synchronous = off`):
/// every .drv write costs less.
const RESTRICTED: &[(&str, &str)] = &[
    ("restrict-eval", "true"),
    ("allow-import-from-derivation", "false"),
    ("substituters", ""),
    ("show-trace", "false"),
    ("fsync-metadata", "false"),
];

impl NixCommand {
    /// `nix-instantiate --eval`, with `NIX_PATH` removed: nothing reaches `<nixpkgs>` by accident.
    pub fn eval(nix: &Path) -> NixCommand {
        let mut cmd = Command::new(nix);
        cmd.arg("--eval").env_remove("NIX_PATH");
        NixCommand { cmd }
    }

    /// `nix repl` with one `@nix {…}` JSON log line per message (see [`super::log`]): the same
    /// on every Nix version, unlike the repl's own output.
    pub fn repl(nix: &Path) -> NixCommand {
        let mut cmd = Command::new(nix);
        cmd.env_remove("NIX_PATH").args([
            "--extra-experimental-features",
            "nix-command",
            "repl",
            "--log-format",
            "internal-json",
        ]);
        NixCommand { cmd }
    }

    /// The store below `root` (a chroot store) for the repl, which writes `.drv` files when a
    /// `drvPath` is forced without being asked to.
    pub fn repl_store(mut self, root: &Path) -> Self {
        self.cmd.arg("--store").arg(root);
        self
    }

    /// `nix-instantiate --parse`: checks syntax only.
    pub fn parse(nix: &Path) -> NixCommand {
        let mut cmd = Command::new(nix);
        cmd.env_remove("NIX_PATH")
            .args(["--store", "dummy://", "--parse"]);
        NixCommand { cmd }
    }

    /// No store at all: the evaluation may not write (or read) one.
    pub fn no_store(mut self) -> Self {
        self.cmd.args(["--store", "dummy://", "--readonly-mode"]);
        self
    }

    /// The private store below `root` (a chroot store), writable: forcing `drvPath` writes the
    /// `.drv` closure there.
    pub fn private_store(mut self, root: &Path) -> Self {
        self.cmd.arg("--read-write-mode").arg("--store").arg(root);
        self
    }

    /// Restricted evaluation (see [`RESTRICTED`]).
    pub fn restricted(mut self) -> Self {
        for (k, v) in RESTRICTED {
            self = self.option(k, v);
        }
        self
    }

    pub fn option(mut self, name: &str, value: &str) -> Self {
        self.cmd.args(["--option", name, value]);
        self
    }

    /// `-I PATH` (or `name=PATH`): readable under restricted evaluation.
    pub fn include(mut self, path: impl AsRef<OsStr>) -> Self {
        self.cmd.arg("-I").arg(path);
        self
    }

    pub fn arg(mut self, name: &str, nix_expr: impl AsRef<OsStr>) -> Self {
        self.cmd.arg("--arg").arg(name).arg(nix_expr);
        self
    }

    pub fn argstr(mut self, name: &str, value: impl AsRef<OsStr>) -> Self {
        self.cmd.arg("--argstr").arg(name).arg(value);
        self
    }

    /// Evaluates `expr` (`-E`).
    pub fn expr(mut self, expr: &str) -> Self {
        self.cmd.args(["-E", expr]);
        self
    }

    pub fn into_std(self) -> Command {
        self.cmd
    }
}

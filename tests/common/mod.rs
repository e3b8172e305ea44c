//! Helpers shared by the integration tests.
#![allow(dead_code)]
pub mod same_scan;
pub mod server;
pub mod slurm;
use std::ffi::OsStr;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn fodfuzz() -> Command {
    Command::new(env!("CARGO_BIN_EXE_fodfuzz"))
}

/// A temporary directory, removed when dropped; used as a path.
pub struct Tmp(tempfile::TempDir);

impl std::ops::Deref for Tmp {
    type Target = Path;
    fn deref(&self) -> &Path {
        self.0.path()
    }
}

impl AsRef<Path> for Tmp {
    fn as_ref(&self) -> &Path {
        self.0.path()
    }
}

impl AsRef<OsStr> for Tmp {
    fn as_ref(&self) -> &OsStr {
        self.0.path().as_os_str()
    }
}

/// A new empty directory named after `name`, readable by every user (the unprivileged test
/// runs fodfuzz as nobody on it).
pub fn tmp(name: &str) -> Tmp {
    let dir = tempfile::Builder::new()
        .prefix(&format!("fodfuzz-test-{name}-"))
        .permissions(std::fs::Permissions::from_mode(0o755))
        .tempdir()
        .unwrap();
    Tmp(dir)
}

pub fn run(cmd: &mut Command) -> Output {
    let out = cmd.output().expect("fodfuzz runs");
    eprintln!("{}", String::from_utf8_lossy(&out.stderr));
    out
}

pub fn jsonl(path: &Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// `fodfuzz scan` of an empty tree into `out` with tests/fake/nix-instantiate first on PATH,
/// for one cell; the fake's behaviour is chosen by the caller's env and arguments. The tree
/// lives as long as the returned directory.
pub fn fake_scan(name: &str, out: &Path) -> (Command, Tmp) {
    let tree = tmp(&format!("{name}-tree"));
    std::fs::write(tree.join("default.nix"), "{ ... }: {}").unwrap();
    let path = format!(
        "{}:{}",
        root().join("tests/fake").display(),
        std::env::var("PATH").unwrap()
    );
    let mut c = fodfuzz();
    c.env("PATH", path)
        .arg("scan")
        .arg(&tree)
        .arg("--out")
        .arg(out);
    c.args(["--system", "x86_64-linux", "--config", "{}", "--quiet"]);
    (c, tree)
}

/// A page as headless Chromium renders it: `--dump-dom` after it loaded (and its scripts ran).
pub fn chromium(page: &Path) -> String {
    chromium_with(page, &["--dump-dom"])
}

/// Headless Chromium on a local page with `extra` arguments (`--dump-dom`, `--screenshot=…`).
pub fn chromium_with(page: &Path, extra: &[&str]) -> String {
    let profile = tmp("chromium-profile");
    let o = Command::new("chromium")
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(extra)
        .arg(format!("file://{}", page.display()))
        .output()
        .expect("chromium runs (apt-get install -y chromium; .ci/run installs it)");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8(o.stdout).unwrap()
}

/// Every file below `dir`, relative, sorted.
pub fn files_below(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p.strip_prefix(dir).unwrap().to_owned());
            }
        }
    }
    out.sort();
    out
}

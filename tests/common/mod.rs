//! Helpers shared by the integration tests.
#![allow(dead_code)]
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn fodfuzz() -> Command {
    Command::new(env!("CARGO_BIN_EXE_fodfuzz"))
}

pub fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("fodfuzz-test-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
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
/// for one cell; the fake's behaviour is chosen by the caller's env and arguments.
pub fn fake_scan(name: &str, out: &Path) -> Command {
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
    c
}

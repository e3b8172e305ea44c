//! Isolation: a scan as an unprivileged user with no Nix daemon and no HOME gives the same
//! results as one by root, and neither writes the system's /nix/store.
mod common;
use common::*;
use std::path::Path;

fn store_entries() -> usize {
    std::fs::read_dir("/nix/store").map_or(0, |d| d.count())
}

/// Copies the directory tree `from` to `to`.
fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        if e.file_type().unwrap().is_dir() {
            copy_tree(&e.path(), &to.join(e.file_name()));
        } else {
            std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
        }
    }
}

/// Runs the fodfuzz at `bin` over `corpus`, as `uid` if given, with an empty environment.
fn scan_as(uid: Option<u32>, bin: &Path, corpus: &Path, out: &Path) {
    let mut cmd = match uid {
        Some(uid) => {
            let mut c = std::process::Command::new("setpriv");
            c.args([
                format!("--reuid={uid}"),
                format!("--regid={uid}"),
                "--clear-groups".into(),
            ]);
            // The caller's PATH, so that both scans run the same Nix (CI runs the tests under
            // two versions); nothing else of the environment.
            let path = format!("PATH={}", std::env::var("PATH").unwrap_or_default());
            c.args(["env", "-i", &path, "HOME=/nonexistent"]).arg(bin);
            c
        }
        None => std::process::Command::new(bin),
    };
    let args = [
        "--system",
        "aarch64-linux",
        "--config",
        "{}",
        "--attr-timeout",
        "3",
        "--quiet",
    ];
    let o = run(cmd.arg("scan").arg(corpus).arg("--out").arg(out).args(args));
    assert!(o.status.success());
}

#[test]
fn unprivileged_scan_matches_and_system_store_is_untouched() {
    let before = store_entries();
    let as_root = tmp("priv-root");
    let corpus = root().join("corpus/basic");
    scan_as(
        None,
        Path::new(env!("CARGO_BIN_EXE_fodfuzz")),
        &corpus,
        &as_root,
    );
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } == 0 {
        let nobody = tmp("priv-nobody");
        let c = std::ffi::CString::new(nobody.to_str().unwrap()).unwrap();
        // SAFETY: a valid path; gives the directory to uid/gid 65534 (nobody).
        assert_eq!(unsafe { libc::chown(c.as_ptr(), 65534, 65534) }, 0);
        // The checkout may sit where nobody cannot read (/root): nobody gets its own copies.
        let bin = nobody.join("fodfuzz");
        std::fs::copy(env!("CARGO_BIN_EXE_fodfuzz"), &bin).unwrap();
        copy_tree(&corpus, &nobody.join("corpus"));
        let out = nobody.join("out");
        scan_as(Some(65534), &bin, &nobody.join("corpus"), &out);
        for f in ["fods.jsonl", "failures.jsonl", "store-paths"] {
            let (a, b) = (
                std::fs::read(as_root.join(f)).unwrap(),
                std::fs::read(out.join(f)).unwrap(),
            );
            assert!(a == b, "{f} differs between root and nobody");
        }
    }
    assert!(!jsonl(&as_root.join("fods.jsonl")).is_empty());
    assert_eq!(store_entries(), before, "the system store is never written");
}

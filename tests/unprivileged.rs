//! Isolation: a scan as an unprivileged user with no Nix daemon and no HOME gives the same
//! results as one by root, and neither writes the system's /nix/store.
mod common;
use common::*;
use std::path::Path;

fn store_entries() -> usize {
    std::fs::read_dir("/nix/store").map_or(0, |d| d.count())
}

fn scan_as(uid: Option<u32>, out: &Path) {
    let mut cmd = match uid {
        Some(uid) => {
            let mut c = std::process::Command::new("setpriv");
            c.args([
                format!("--reuid={uid}"),
                format!("--regid={uid}"),
                "--clear-groups".into(),
            ])
            .args(["env", "-i", "PATH=/usr/bin:/bin", "HOME=/nonexistent"])
            .arg(env!("CARGO_BIN_EXE_fodfuzz"));
            c
        }
        None => fodfuzz(),
    };
    let o = run(cmd
        .arg("scan")
        .arg(root().join("corpus/basic"))
        .arg("--out")
        .arg(out)
        .args([
            "--system",
            "aarch64-linux",
            "--config",
            "{}",
            "--attr-timeout",
            "3",
            "--quiet",
        ]));
    assert!(o.status.success());
}

#[test]
fn unprivileged_scan_matches_and_system_store_is_untouched() {
    let before = store_entries();
    let as_root = tmp("priv-root");
    scan_as(None, &as_root);
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } == 0 {
        let nobody = tmp("priv-nobody");
        let c = std::ffi::CString::new(nobody.to_str().unwrap()).unwrap();
        // SAFETY: a valid path; gives the directory to uid/gid 65534 (nobody).
        assert_eq!(unsafe { libc::chown(c.as_ptr(), 65534, 65534) }, 0);
        let out = nobody.join("out");
        scan_as(Some(65534), &out);
        for f in ["fods.jsonl", "failures.jsonl", "store-paths"] {
            assert_eq!(
                std::fs::read(as_root.join(f)).unwrap(),
                std::fs::read(out.join(f)).unwrap(),
                "{f}"
            );
        }
    }
    assert!(!jsonl(&as_root.join("fods.jsonl")).is_empty());
    assert_eq!(store_entries(), before, "the system store is never written");
}

//! The hash a download gives, computed the way the FOD's fetcher would have made its output:
//! the bytes themselves (flat), the NAR of the one file, or the NAR of what fetchzip's script
//! leaves after unpacking. Downloads that need a file or an unpacked tree are spooled below a
//! temporary directory and removed at once.
use super::target::Verify;
use crate::nix::hash::{Digest, Hasher};
use crate::nix::nar;
use std::io::{Read, Seek};
use std::path::Path;

pub enum Trouble {
    /// Reading the download failed (the connection broke …): the url gave no answer.
    Transfer(String),
    /// The download is there but its hash cannot be computed faithfully.
    Unverifiable(String),
}

/// The digest by `algo` of `body` as `verify` says, and how many bytes were downloaded.
pub fn digest(
    verify: &Verify,
    algo: &str,
    body: &mut dyn Read,
    tmp: &Path,
) -> Result<(Digest, u64), Trouble> {
    let hasher =
        || Hasher::new(algo).ok_or_else(|| Trouble::Unverifiable(format!("hash algorithm {algo}")));
    let transfer = |e: std::io::Error| Trouble::Transfer(e.to_string());
    let local = |e: std::io::Error| Trouble::Unverifiable(e.to_string());
    match verify {
        Verify::Flat => {
            let mut h = hasher()?;
            let n = std::io::copy(body, &mut h).map_err(transfer)?;
            Ok((h.finish(), n))
        }
        Verify::NarFile { executable } => {
            let mut file = tempfile::tempfile_in(tmp).map_err(local)?;
            let n = std::io::copy(body, &mut file).map_err(transfer)?;
            file.rewind().map_err(local)?;
            let mut h = hasher()?;
            nar::dump_file(&mut file, n, *executable, &mut h).map_err(local)?;
            Ok((h.finish(), n))
        }
        Verify::Fetchzip(z) => {
            let work = tempfile::tempdir_in(tmp).map_err(local)?;
            let archive = work.path().join(&z.file_name);
            let n = std::io::copy(body, &mut std::fs::File::create(&archive).map_err(local)?)
                .map_err(transfer)?;
            let out = z
                .output(&archive, work.path())
                .map_err(Trouble::Unverifiable)?;
            let mut h = hasher()?;
            nar::dump_path(&out, &mut h).map_err(local)?;
            Ok((h.finish(), n))
        }
        Verify::Not(why) => Err(Trouble::Unverifiable(why.clone())),
    }
}

#[cfg(test)]
mod tests {
    use super::super::fetchzip::{Era, Fetchzip};
    use super::super::unpack::tests::tar_gz;
    use super::*;

    /// `nix-hash --type sha256 --base32` of a directory holding `files`.
    fn nix_hash_of(files: &[(&str, &str, u32)]) -> String {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("out");
        for (path, contents, mode) in files {
            let p = root.join(path);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(&p, contents).unwrap();
            std::fs::set_permissions(&p, std::fs::Permissions::from_mode(*mode)).unwrap();
        }
        let out = std::process::Command::new("nix-hash")
            .args(["--type", "sha256", "--base32"])
            .arg(&root)
            .output()
            .unwrap();
        String::from_utf8(out.stdout).unwrap().trim().to_owned()
    }

    #[test]
    fn fetchzip_output_hashes_as_nix_would() {
        let tmp = tempfile::tempdir().unwrap();
        let archive = tar_gz(&[
            ("hello-1.0/configure", "#!/bin/sh\n", 0o755),
            ("hello-1.0/src/main.c", "int main(){}\n", 0o644),
        ]);
        let z = |era, strip_root| {
            Verify::Fetchzip(Fetchzip {
                era,
                strip_root,
                file_name: "v1.0.tar.gz".into(),
            })
        };
        let stripped = nix_hash_of(&[
            ("configure", "#!/bin/sh\n", 0o755),
            ("src/main.c", "int main(){}\n", 0o644),
        ]);
        let whole = nix_hash_of(&[
            ("hello-1.0/configure", "#!/bin/sh\n", 0o755),
            ("hello-1.0/src/main.c", "int main(){}\n", 0o644),
        ]);
        for era in [Era::Y2016, Era::Current] {
            let got = |strip| match digest(&z(era, strip), "sha256", &mut &archive[..], tmp.path())
            {
                Ok((d, n)) => (d.nix32(), n),
                Err(_) => panic!("verifiable"),
            };
            assert_eq!(got(true), (stripped.clone(), archive.len() as u64));
            assert_eq!(got(false).0, whole);
        }
        let two_roots = tar_gz(&[("a/x", "1", 0o644), ("b/y", "2", 0o644)]);
        assert!(matches!(
            digest(
                &z(Era::Y2016, true),
                "sha256",
                &mut &two_roots[..],
                tmp.path()
            ),
            Err(Trouble::Unverifiable(_))
        ));
        assert_eq!(
            std::fs::read_dir(tmp.path()).unwrap().count(),
            0,
            "spooled files removed"
        );
    }

    #[test]
    fn flat_and_single_file() {
        let tmp = tempfile::tempdir().unwrap();
        let (d, n) = match digest(&Verify::Flat, "sha1", &mut &b"abc"[..], tmp.path()) {
            Ok(x) => x,
            Err(_) => panic!("flat"),
        };
        assert_eq!(
            (d.hex().as_str(), n),
            ("a9993e364706816aba3e25717850c26c9cd0d89d", 3)
        );
        let exe = match digest(
            &Verify::NarFile { executable: true },
            "sha256",
            &mut &b"#!/bin/sh\n"[..],
            tmp.path(),
        ) {
            Ok((d, _)) => d.nix32(),
            Err(_) => panic!("nar file"),
        };
        let f = tmp.path().join("tool");
        std::fs::write(&f, "#!/bin/sh\n").unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o755)).unwrap();
        let out = std::process::Command::new("nix-hash")
            .args(["--type", "sha256", "--base32"])
            .arg(&f)
            .output()
            .unwrap();
        assert_eq!(exe, String::from_utf8(out.stdout).unwrap().trim());
    }
}

//! Nix archives (NAR), the serialisation a recursive fixed output's hash is taken over: only
//! hashed here (written into a [`Hasher`](super::hash::Hasher)), never stored. As Nix's
//! `dumpPath`: directory entries sorted by name bytes, a regular file executable when its
//! owner may execute it, symlinks by target; every string length-prefixed and padded to 8.
use std::io::{self, Read, Write};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

/// The NAR of the file, directory or symlink at `path`.
pub fn dump_path(path: &Path, w: &mut impl Write) -> io::Result<()> {
    string(w, b"nix-archive-1")?;
    node(path, w)
}

/// The NAR of one regular file of `len` bytes read from `contents` (fetchurl's output with a
/// recursive hash).
pub fn dump_file(
    contents: &mut impl Read,
    len: u64,
    executable: bool,
    w: &mut impl Write,
) -> io::Result<()> {
    string(w, b"nix-archive-1")?;
    regular(contents, len, executable, w)
}

/// The contents of a NAR that holds one regular file, copied to `w`; `None` when the NAR holds
/// anything else (a directory, a symlink). The inverse of [`dump_file`].
pub fn read_file(r: &mut impl Read, w: &mut impl Write) -> io::Result<Option<u64>> {
    for want in [&b"nix-archive-1"[..], b"(", b"type"] {
        if read_string(r, 64)? != want {
            return Err(io::Error::other("not a NAR"));
        }
    }
    if read_string(r, 64)? != b"regular" {
        return Ok(None);
    }
    let mut tag = read_string(r, 64)?;
    if tag == b"executable" {
        read_string(r, 0)?;
        tag = read_string(r, 64)?;
    }
    if tag != b"contents" {
        return Err(io::Error::other("not a NAR: no contents"));
    }
    let len = read_u64(r)?;
    let copied = io::copy(&mut r.take(len), w)?;
    if copied != len {
        return Err(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            "NAR cut short",
        ));
    }
    let mut padding = [0u8; 8];
    r.read_exact(&mut padding[..((8 - len % 8) % 8) as usize])?;
    if padding != [0u8; 8] {
        return Err(io::Error::other("not a NAR: padding that is not zeros"));
    }
    // A NAR cut right after the contents lacks its closing `)`: it is not whole.
    if read_string(r, 64)? != b")" {
        return Err(io::Error::other("not a NAR: no `)` after the contents"));
    }
    Ok(Some(len))
}

fn read_u64(r: &mut impl Read) -> io::Result<u64> {
    let mut b = [0u8; 8];
    r.read_exact(&mut b)?;
    Ok(u64::from_le_bytes(b))
}

/// A length-prefixed, padded string of at most `max` bytes (its padding must be zeros, as
/// Nix's own reader requires).
fn read_string(r: &mut impl Read, max: u64) -> io::Result<Vec<u8>> {
    let len = read_u64(r)?;
    if len > max {
        return Err(io::Error::other("not a NAR: a tag too long"));
    }
    let mut s = vec![0u8; (len + (8 - len % 8) % 8) as usize];
    r.read_exact(&mut s)?;
    if s[len as usize..].iter().any(|&b| b != 0) {
        return Err(io::Error::other("not a NAR: padding that is not zeros"));
    }
    s.truncate(len as usize);
    Ok(s)
}

fn node(path: &Path, w: &mut impl Write) -> io::Result<()> {
    let meta = std::fs::symlink_metadata(path)?;
    let kind = meta.file_type();
    if kind.is_symlink() {
        let target = std::fs::read_link(path)?;
        for s in [
            &b"("[..],
            b"type",
            b"symlink",
            b"target",
            target.as_os_str().as_bytes(),
        ] {
            string(w, s)?;
        }
        string(w, b")")
    } else if kind.is_file() {
        let executable = meta.permissions().mode() & 0o100 != 0;
        regular(&mut std::fs::File::open(path)?, meta.len(), executable, w)
    } else if kind.is_dir() {
        let mut names: Vec<_> = std::fs::read_dir(path)?
            .map(|e| e.map(|e| e.file_name()))
            .collect::<io::Result<_>>()?;
        names.sort_by(|a, b| a.as_bytes().cmp(b.as_bytes()));
        for s in [&b"("[..], b"type", b"directory"] {
            string(w, s)?;
        }
        for name in names {
            for s in [&b"entry"[..], b"(", b"name", name.as_bytes(), b"node"] {
                string(w, s)?;
            }
            node(&path.join(&name), w)?;
            string(w, b")")?;
        }
        string(w, b")")
    } else {
        Err(io::Error::other(format!(
            "{}: neither a file, a directory nor a symlink: no NAR has it",
            path.display()
        )))
    }
}

fn regular(contents: &mut impl Read, len: u64, exec: bool, w: &mut impl Write) -> io::Result<()> {
    string(w, b"(")?;
    string(w, b"type")?;
    string(w, b"regular")?;
    if exec {
        string(w, b"executable")?;
        string(w, b"")?;
    }
    string(w, b"contents")?;
    w.write_all(&len.to_le_bytes())?;
    let copied = io::copy(&mut contents.take(len), w)?;
    if copied != len {
        return Err(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            format!("{copied} bytes of {len}"),
        ));
    }
    pad(w, len)?;
    string(w, b")")
}

fn string(w: &mut impl Write, s: &[u8]) -> io::Result<()> {
    w.write_all(&(s.len() as u64).to_le_bytes())?;
    w.write_all(s)?;
    pad(w, s.len() as u64)
}

fn pad(w: &mut impl Write, len: u64) -> io::Result<()> {
    let zeros = [0u8; 8];
    w.write_all(&zeros[..((8 - len % 8) % 8) as usize])
}

/// A small tree with every kind of NAR entry (files, an executable, an empty directory, a
/// symlink, names whose byte order differs from a case-blind one), for tests that compare these
/// NARs with Nix's or another encoder's. Returns the executable.
#[cfg(test)]
pub(crate) fn sample_tree(root: &Path) -> std::path::PathBuf {
    std::fs::create_dir_all(root.join("sub/empty")).unwrap();
    std::fs::write(root.join("README"), "hello\n").unwrap();
    std::fs::write(root.join("sub/seven.b"), "1234567").unwrap();
    std::fs::write(root.join("B-upper-sorts-first"), "").unwrap();
    let tool = root.join("configure");
    std::fs::write(&tool, "#!/bin/sh\nexit 0\n").unwrap();
    std::fs::set_permissions(&tool, std::fs::Permissions::from_mode(0o755)).unwrap();
    std::os::unix::fs::symlink("../README", root.join("sub/link")).unwrap();
    tool
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nix::hash::Hasher;

    /// What Nix itself says: `nix-hash --type sha256 --base32 PATH` (Nix 2.8, /usr/bin).
    fn nix_hash(path: &Path) -> String {
        let out = std::process::Command::new("nix-hash")
            .args(["--type", "sha256", "--base32"])
            .arg(path)
            .output()
            .expect("nix-hash runs");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap().trim().to_owned()
    }

    fn ours(path: &Path) -> String {
        let mut h = Hasher::new("sha256").unwrap();
        dump_path(path, &mut h).unwrap();
        h.finish().nix32()
    }

    #[test]
    fn trees_hash_as_nix_hashes_them() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("src");
        let tool = sample_tree(&root);
        assert_eq!(ours(&root), nix_hash(&root));
        assert_eq!(ours(&tool), nix_hash(&tool));
        assert_eq!(
            ours(&root.join("sub/link")),
            nix_hash(&root.join("sub/link"))
        );
    }

    #[test]
    fn a_file_from_a_stream() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("x.bin");
        let bytes: Vec<u8> = (0..1000u32).map(|i| (i * 7) as u8).collect();
        std::fs::write(&f, &bytes).unwrap();
        for exec in [false, true] {
            std::fs::set_permissions(
                &f,
                std::fs::Permissions::from_mode(if exec { 0o755 } else { 0o644 }),
            )
            .unwrap();
            let mut h = Hasher::new("sha256").unwrap();
            dump_file(&mut &bytes[..], 1000, exec, &mut h).unwrap();
            assert_eq!(h.finish().nix32(), nix_hash(&f), "executable: {exec}");
        }
        let mut h = Hasher::new("sha256").unwrap();
        assert!(
            dump_file(&mut &bytes[..10], 1000, false, &mut h).is_err(),
            "short"
        );
    }
    #[test]
    fn a_file_back_out_of_its_nar() {
        for (len, exec) in [(0usize, false), (5, true), (8, false), (1003, false)] {
            let bytes: Vec<u8> = (0..len).map(|i| (i * 13) as u8).collect();
            let mut nar = Vec::new();
            dump_file(&mut &bytes[..], len as u64, exec, &mut nar).unwrap();
            let mut back = Vec::new();
            let mut r = &nar[..];
            assert_eq!(read_file(&mut r, &mut back).unwrap(), Some(len as u64));
            assert_eq!(back, bytes);
            assert!(read_file(&mut &nar[..nar.len() - 20], &mut Vec::new()).is_err());
        }
        let dir = tempfile::tempdir().unwrap();
        let mut nar = Vec::new();
        dump_path(dir.path(), &mut nar).unwrap();
        assert_eq!(read_file(&mut &nar[..], &mut Vec::new()).unwrap(), None);
        assert!(read_file(&mut &b"garbage garbage garbage"[..], &mut Vec::new()).is_err());
    }

    /// A NAR of one file, as `dump_file` writes it.
    fn file_nar(contents: &[u8], exec: bool) -> Vec<u8> {
        let mut nar = Vec::new();
        dump_file(&mut &contents[..], contents.len() as u64, exec, &mut nar).unwrap();
        nar
    }

    /// What `read_file` makes of `nar`: its answer (errors as `None`) and the bytes it wrote.
    fn read_back(nar: &[u8]) -> (Option<Option<u64>>, Vec<u8>) {
        let mut out = Vec::new();
        let got = read_file(&mut &nar[..], &mut out).ok();
        (got, out)
    }

    proptest::proptest! {
        /// Any bytes: an answer, never a panic, and a file read out is as long as it says.
        #[test]
        fn any_bytes_are_an_answer(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..400)) {
            if let (Some(Some(n)), out) = read_back(&bytes) {
                proptest::prop_assert_eq!(out.len() as u64, n);
            }
        }

        /// A NAR of any file of 0 to 200 bytes reads back; cut anywhere it is an error; with
        /// bytes after it (the rest of a stream) the file still reads back.
        #[test]
        fn truncated_and_extended_nars(
            contents in proptest::collection::vec(proptest::num::u8::ANY, 0..=200),
            exec: bool,
            tail in proptest::collection::vec(proptest::num::u8::ANY, 0..40),
        ) {
            let nar = file_nar(&contents, exec);
            let whole = (Some(Some(contents.len() as u64)), contents.clone());
            proptest::prop_assert_eq!(read_back(&nar), whole.clone());
            for cut in 0..nar.len() {
                proptest::prop_assert_eq!(read_back(&nar[..cut]).0, None, "cut at {}", cut);
            }
            let mut longer = nar.clone();
            longer.extend_from_slice(&tail);
            proptest::prop_assert_eq!(read_back(&longer), whole);
        }

        /// Every byte of a NAR counts (tags, lengths, padding, the closing `)`): one changed
        /// never reads back as the same file.
        #[test]
        fn every_byte_changed_is_noticed(
            contents in proptest::collection::vec(proptest::num::u8::ANY, 0..=40),
            exec: bool,
            flip in 1u8..=255,
        ) {
            let nar = file_nar(&contents, exec);
            let whole = (Some(Some(contents.len() as u64)), contents.clone());
            for i in 0..nar.len() {
                let mut bad = nar.clone();
                bad[i] ^= flip;
                proptest::prop_assert_ne!(read_back(&bad), whole.clone(), "byte {}", i);
            }
        }
    }

    #[test]
    fn trees_are_not_files_even_cut_short() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("src");
        let tool = sample_tree(&root);
        let mut tree = Vec::new();
        dump_path(&root, &mut tree).unwrap();
        assert_eq!(read_back(&tree).0, Some(None), "a directory");
        let mut link = Vec::new();
        dump_path(&root.join("sub/link"), &mut link).unwrap();
        assert_eq!(read_back(&link).0, Some(None), "a symlink");
        for cut in 0..tree.len() {
            let (got, out) = read_back(&tree[..cut]);
            assert!(got != Some(Some(0)) && out.is_empty(), "cut at {cut}");
        }
        let mut exe = Vec::new();
        dump_path(&tool, &mut exe).unwrap();
        let (got, out) = read_back(&exe);
        assert_eq!(
            (got, out),
            (Some(Some(17)), b"#!/bin/sh\nexit 0\n".to_vec())
        );
    }
}

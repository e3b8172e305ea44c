//! Archives unpacked as the stdenv's `unpackFile` does for fetchzip: `tar xf` (GNU tar picks
//! the compression from the file's first bytes: gzip, bzip2, xz), `xz -d | tar xf -` for
//! `.tar.xz`/`.tar.lzma`, and `unzip` for `.zip`; owner's execute bits kept, the umask
//! (022 in a Nix build) applied. The tar, flate2, bzip2, xz2 and zip crates do the work.
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// `tar xf`: compression recognised by content.
    Tar,
    /// `xz -d < file | tar xf -`: xz or lzma.
    TarXz,
    Zip,
}

/// Unpacks `archive` into the existing directory `into`.
pub fn unpack(format: Format, archive: &Path, into: &Path) -> Result<(), String> {
    let open = || std::fs::File::open(archive).map_err(|e| e.to_string());
    match format {
        Format::Zip => {
            let mut zip = zip::ZipArchive::new(open()?).map_err(|e| format!("unzip: {e}"))?;
            zip.extract(into).map_err(|e| format!("unzip: {e}"))
        }
        Format::TarXz => {
            let stream = xz2::stream::Stream::new_auto_decoder(u64::MAX, 0)
                .map_err(|e| format!("xz: {e}"))?;
            untar(
                xz2::read::XzDecoder::new_stream(BufReader::new(open()?), stream),
                into,
            )
        }
        Format::Tar => {
            let mut r = BufReader::new(open()?);
            let magic = r.fill_buf().map_err(|e| e.to_string())?.to_vec();
            if magic.starts_with(&[0x1f, 0x8b]) {
                untar(flate2::bufread::MultiGzDecoder::new(r), into)
            } else if magic.starts_with(b"BZh") {
                untar(bzip2::bufread::MultiBzDecoder::new(r), into)
            } else if magic.starts_with(&[0xfd, b'7', b'z', b'X', b'Z', 0]) {
                untar(xz2::bufread::XzDecoder::new_multi_decoder(r), into)
            } else if magic.starts_with(&[0x1f, 0x9d]) || magic.starts_with(b"LZIP") {
                Err("compress or lzip: not unpacked by fodfuzz".into())
            } else {
                untar(r, into)
            }
        }
    }
}

fn untar(r: impl Read, into: &Path) -> Result<(), String> {
    let mut tar = tar::Archive::new(r);
    tar.set_mask(0o022);
    tar.set_preserve_mtime(false);
    tar.set_unpack_xattrs(false);
    tar.set_overwrite(true);
    tar.unpack(into).map_err(|e| format!("tar: {e}"))
}

#[cfg(test)]
pub mod tests {
    use super::*;
    use std::io::Write;

    /// A tar archive of `files` (path, contents, mode) under one top directory, gzipped.
    pub fn tar_gz(files: &[(&str, &str, u32)]) -> Vec<u8> {
        let mut b = tar::Builder::new(Vec::new());
        for (path, contents, mode) in files {
            let mut h = tar::Header::new_gnu();
            h.set_size(contents.len() as u64);
            h.set_mode(*mode);
            h.set_cksum();
            b.append_data(&mut h, path, contents.as_bytes()).unwrap();
        }
        let tar = b.into_inner().unwrap();
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        gz.write_all(&tar).unwrap();
        gz.finish().unwrap()
    }

    #[test]
    fn tar_gz_keeps_execute_bits() {
        let dir = tempfile::tempdir().unwrap();
        let archive = dir.path().join("a.tar.gz");
        let files = [
            ("p-1/configure", "#!/bin/sh\n", 0o775),
            ("p-1/README", "hi\n", 0o664),
        ];
        std::fs::write(&archive, tar_gz(&files)).unwrap();
        let into = dir.path().join("out");
        std::fs::create_dir(&into).unwrap();
        unpack(Format::Tar, &archive, &into).unwrap();
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &str| {
            std::fs::metadata(into.join(p))
                .unwrap()
                .permissions()
                .mode()
                & 0o777
        };
        assert_eq!(mode("p-1/configure"), 0o755);
        assert_eq!(mode("p-1/README"), 0o644);
        assert_eq!(
            std::fs::read_to_string(into.join("p-1/README")).unwrap(),
            "hi\n"
        );
        std::fs::write(&archive, b"plain text, not an archive").unwrap();
        assert!(unpack(Format::Tar, &archive, &into).is_err());
    }

    /// A zip archive of `files` (path, contents), deflated.
    fn zip_of(files: &[(&str, &str)]) -> Vec<u8> {
        let mut z = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        for (path, contents) in files {
            z.start_file(*path, zip::write::SimpleFileOptions::default())
                .unwrap();
            z.write_all(contents.as_bytes()).unwrap();
        }
        z.finish().unwrap().into_inner()
    }

    /// Unpacks `bytes` as `format` into a new directory: what a download of them gives.
    fn unpack_bytes(format: Format, bytes: &[u8]) -> Result<(), String> {
        let dir = tempfile::tempdir().unwrap();
        let archive = dir.path().join("a");
        std::fs::write(&archive, bytes).unwrap();
        let into = dir.path().join("out");
        std::fs::create_dir(&into).unwrap();
        unpack(format, &archive, &into)
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]

        /// Any bytes, after any magic, in any format: unpacked or an error, never a panic.
        #[test]
        fn any_bytes_are_unpacked_or_an_error(
            magic in proptest::sample::select(vec![&b""[..], b"\x1f\x8b", b"BZh", b"\xfd7zXZ\0", b"PK\x03\x04", b"LZIP"]),
            bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..600),
        ) {
            let bytes = [magic, &bytes[..]].concat();
            for format in [Format::Tar, Format::TarXz, Format::Zip] {
                let _ = unpack_bytes(format, &bytes);
            }
        }

        /// A tar.gz or zip of any names and contents unpacks; cut at any point it unpacks (what
        /// came before the cut) or is an error, never a panic.
        #[test]
        fn archives_cut_short(
            name in "[a-z0-9é]{1,8}",
            contents in "(?s).{0,200}",
            cut in proptest::sample::select((0..64).collect::<Vec<usize>>()),
        ) {
            let path = format!("p-1/{name}");
            let files = [(path.as_str(), contents.as_str(), 0o644)];
            for (format, bytes) in [
                (Format::Tar, tar_gz(&files)),
                (Format::Zip, zip_of(&[(path.as_str(), contents.as_str())])),
            ] {
                proptest::prop_assert!(unpack_bytes(format, &bytes).is_ok());
                let at = bytes.len() * cut / 64;
                let _ = unpack_bytes(format, &bytes[..at]);
                let longer = [&bytes[..], b"\0\x01trailing"].concat();
                let _ = unpack_bytes(format, &longer);
            }
        }
    }
}

//! The site on disk: a binary cache (`nix-cache-info`, `<hash>.narinfo`, `nar/…`) and beside it
//! a hashed mirror (`<algo>/<hash>`, the plain files, for `hashed-mirrors` and nixpkgs'
//! `hashedMirrors`). Everything is written below `.tmp/` first and renamed into place, the
//! narinfo last: a narinfo is there only when its NAR is whole, and nothing half written is ever
//! at a name Nix reads. A run interrupted (or a disk that filled up) leaves only `.tmp/`, which
//! the next run empties.
use super::narinfo::NarInfo;
use anyhow::{Context, Result};
use std::io::ErrorKind;
use std::path::{Path, PathBuf};
use tempfile::NamedTempFile;

/// What a binary cache says of itself; priority 30 puts it before cache.nixos.org's 40.
const CACHE_INFO: &str = "StoreDir: /nix/store\nWantMassQuery: 1\nPriority: 30\n";

pub struct Site {
    pub root: PathBuf,
    tmp: PathBuf,
}

impl Site {
    /// Opens (or makes) the site at `root`, emptying what an earlier run left half written.
    pub fn open(root: &Path) -> Result<Site> {
        let tmp = root.join(".tmp");
        if tmp.exists() {
            std::fs::remove_dir_all(&tmp).with_context(|| format!("emptying {}", tmp.display()))?;
        }
        for d in [root.join("nar"), tmp.clone()] {
            std::fs::create_dir_all(&d).with_context(|| format!("making {}", d.display()))?;
        }
        let site = Site {
            root: root.canonicalize()?,
            tmp: tmp.canonicalize()?,
        };
        let info = site.root.join("nix-cache-info");
        if !info.exists() {
            site.put_text(&info, CACHE_INFO)?;
        }
        Ok(site)
    }

    /// A new file below `.tmp/`, removed when dropped unless put in place; readable by all, as
    /// a cache served to others (a Nix daemon, a web server) must be.
    pub fn temp(&self) -> std::io::Result<NamedTempFile> {
        use std::os::unix::fs::PermissionsExt;
        tempfile::Builder::new()
            .permissions(std::fs::Permissions::from_mode(0o644))
            .tempfile_in(&self.tmp)
    }

    /// A new directory below `.tmp/` (to unpack an archive in).
    pub fn temp_dir(&self) -> std::io::Result<tempfile::TempDir> {
        tempfile::tempdir_in(&self.tmp)
    }

    fn narinfo_path(&self, store_path: &str) -> Option<PathBuf> {
        let hash = crate::nix::store::hash_part(store_path)?;
        Some(self.root.join(format!("{hash}.narinfo")))
    }

    /// The narinfo of `store_path` when the site holds it whole: the narinfo reads, and its NAR
    /// is there with the size it gives.
    pub fn present(&self, store_path: &str) -> Option<NarInfo> {
        let text = std::fs::read_to_string(self.narinfo_path(store_path)?).ok()?;
        let info = NarInfo::parse(&text).ok()?;
        let nar = std::fs::metadata(self.root.join(&info.url)).ok()?;
        let size = info.file_size.unwrap_or(info.nar_size);
        (info.store_path == store_path && nar.len() == size).then_some(info)
    }

    /// Puts a NAR in place as `url` (`nar/<name>`), relative to the site.
    pub fn put_nar(&self, file: NamedTempFile, url: &str) -> Result<()> {
        let to = self.root.join(url);
        file.persist(&to)
            .with_context(|| format!("putting {}", to.display()))?;
        Ok(())
    }

    /// Puts a plain file in place under each of `keys` (`sha256/<hex>` …): the first a rename,
    /// the others hard links to it.
    pub fn put_hashed(&self, file: NamedTempFile, keys: &[String]) -> Result<()> {
        let Some((first, rest)) = keys.split_first() else {
            return Ok(());
        };
        let at = |k: &String| self.root.join(k);
        std::fs::create_dir_all(at(first).parent().expect("algo/hash"))?;
        file.persist(at(first))
            .with_context(|| format!("putting {}", at(first).display()))?;
        for k in rest {
            std::fs::create_dir_all(at(k).parent().expect("algo/hash"))?;
            match std::fs::hard_link(at(first), at(k)) {
                Err(e) if e.kind() != ErrorKind::AlreadyExists => {
                    return Err(e).with_context(|| format!("linking {}", at(k).display()));
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// Whether the hashed mirror holds `key`.
    #[cfg(test)]
    pub fn has_hashed(&self, key: &str) -> bool {
        self.root.join(key).is_file()
    }

    /// Writes the narinfo: the last step, after which the path is in the cache.
    pub fn put_narinfo(&self, info: &NarInfo) -> Result<()> {
        let path = self
            .narinfo_path(&info.store_path)
            .with_context(|| format!("{}: not a store path", info.store_path))?;
        self.put_text(&path, &info.text())
    }

    /// Writes a file of the site (its reports) the same way: whole or not at all.
    pub fn put_text(&self, path: &Path, text: &str) -> Result<()> {
        let mut f = self.temp()?;
        std::io::Write::write_all(&mut f, text.as_bytes())?;
        f.persist(path)
            .with_context(|| format!("putting {}", path.display()))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn nothing_half_written_is_ever_in_place() {
        let dir = tempfile::tempdir().unwrap();
        let site = Site::open(dir.path()).unwrap();
        let path = "/nix/store/mpx8chzqwy2awihir6rrx67af5fjraag-hello.txt";
        // A NAR written but never put: gone with its handle; a leftover of an interrupted run:
        // gone when the site is opened again.
        let mut t = site.temp().unwrap();
        t.write_all(b"half").unwrap();
        let (_, kept) = site.temp().unwrap().keep().unwrap();
        drop(t);
        assert!(site.present(path).is_none());
        let site = Site::open(dir.path()).unwrap();
        assert!(!kept.exists());
        // A narinfo whose NAR is missing or of another size is not present.
        let mut info = NarInfo {
            store_path: path.into(),
            url: "nar/x.nar".into(),
            compression: "none".into(),
            nar_hash: "sha256:0".into(),
            nar_size: 4,
            ..NarInfo::default()
        };
        site.put_narinfo(&info).unwrap();
        assert!(site.present(path).is_none());
        let mut nar = site.temp().unwrap();
        nar.write_all(b"abcd").unwrap();
        site.put_nar(nar, "nar/x.nar").unwrap();
        assert_eq!(site.present(path), Some(info.clone()));
        info.nar_size = 5;
        site.put_narinfo(&info).unwrap();
        assert!(site.present(path).is_none());
        let mut plain = site.temp().unwrap();
        plain.write_all(b"abcd").unwrap();
        let keys = ["sha256/aa".to_owned(), "sha256/bb".to_owned()];
        site.put_hashed(plain, &keys).unwrap();
        assert!(site.has_hashed("sha256/aa") && site.has_hashed("sha256/bb"));
        assert!(dir.path().join("nix-cache-info").is_file());
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.path().join("nar/x.nar"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o644, "readable by a daemon or a web server");
    }
}

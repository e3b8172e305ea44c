//! Store paths: their parts, and the private store a scan writes `.drv` files into.
use super::command::NixCommand;
use super::hash::BASE32;
use anyhow::{Context, Result};
use std::path::{Path, PathBuf};

/// The 32-character hash part of a store path (`/nix/store/<hash>-name`), which names its
/// narinfo in a binary cache.
pub fn hash_part(path: &str) -> Option<&str> {
    let base = path.strip_prefix('/')?.rsplit('/').next()?;
    let (hash, rest) = base.split_at_checked(32)?;
    (rest.len() > 1 && rest.starts_with('-') && hash.bytes().all(|b| BASE32.contains(&b)))
        .then_some(hash)
}

/// The name of a store path: its basename after the hash and the dash.
pub fn name_of(store_path: &str) -> String {
    let base = store_path.rsplit('/').next().unwrap_or(store_path);
    base.split_once('-').map_or(base, |(_, n)| n).to_owned()
}

/// The store worker `worker` writes into, below the private store `store`: the first worker
/// writes into `store` itself, worker k into `store/worker-k`. Two Nix processes writing into
/// one store wait on each other: every path a process adds is a SQLite transaction, and when the
/// other process committed first, Nix gives up the transaction and sleeps up to 0.1 s before it
/// tries again (strace of a release-16.03 scan: 830 sleeps, 40.6 s of two workers' time). A
/// store each costs the writes of the closure the workers share, once per worker.
pub fn worker_store(store: &Path, worker: usize) -> PathBuf {
    match worker {
        0 => store.to_owned(),
        k => store.join(format!("worker-{k}")),
    }
}

/// Where the file of `store_path` is below the private store `store`: in the first store of
/// [`worker_store`] that has it (every store holds the whole closure of what its worker wrote,
/// and a path is the same file in every store that has it). A path in none is looked for in
/// `store` itself, so that the error names it there.
pub fn file_of(store: &Path, store_path: &str) -> PathBuf {
    files_of(store, store_path)
        .next()
        .unwrap_or_else(|| store.join(store_path.trim_start_matches('/')))
}

/// Every copy of `store_path` below the private store `store`, in the order of [`worker_store`].
/// A copy may be half written: another worker may be writing the same path into its own store
/// at this moment (Nix writes a file, then registers it), while the copy in the store of the
/// worker that reported it is whole.
pub fn files_of<'a>(store: &'a Path, store_path: &'a str) -> impl Iterator<Item = PathBuf> + 'a {
    let relative = store_path.trim_start_matches('/');
    (0..)
        .map(move |k| worker_store(store, k))
        .enumerate()
        .take_while(|(k, w)| *k == 0 || w.is_dir())
        .map(move |(_, w)| w.join(relative))
        .filter(|f| f.exists())
}

/// Opens the store of each of `workers` workers ([`worker_store`]) before they start, all at
/// once (each is its own database).
pub fn init_stores(nix: &Path, store: &Path, workers: usize) -> Result<()> {
    init_store(nix, store)?;
    std::thread::scope(|s| {
        let opened: Vec<_> = (1..workers)
            .map(|k| s.spawn(move || init_store(nix, &worker_store(store, k))))
            .collect();
        opened
            .into_iter()
            .try_for_each(|o| o.join().expect("opening a store does not panic"))
    })
}

/// Opens the private store once before the workers start: Nix creates a new store's database and
/// directories (gcroots, profiles) when it first opens it, and two processes doing that at once
/// race ("creating symlink … File exists"), losing whatever the losing worker was evaluating.
pub fn init_store(nix: &Path, store: &Path) -> Result<()> {
    let out = NixCommand::eval(nix)
        .private_store(store)
        .option("substituters", "")
        .expr("builtins.toFile \"fodfuzz-store-init\" \"\"")
        .into_std()
        .output()
        .with_context(|| format!("running {}", nix.display()))?;
    if !out.status.success() {
        anyhow::bail!(
            "cannot initialise the private store {}: {}",
            store.display(),
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_part_of_store_paths() {
        let h = "0c0bzmq6mbz9d3ddvsvwbn4bcnwmlipf";
        assert_eq!(
            hash_part(&format!("/nix/store/{h}-openssl-1.0.2h.tar.gz")),
            Some(h)
        );
        assert_eq!(hash_part(&format!("/other/store/{h}-x")), Some(h));
        // No name, a short or long hash, letters outside Nix's base 32, a relative path.
        assert_eq!(hash_part(&format!("/nix/store/{h}")), None);
        assert_eq!(hash_part(&format!("/nix/store/{h}-")), None);
        assert_eq!(hash_part(&format!("/nix/store/{}-x", &h[1..])), None);
        assert_eq!(hash_part(&format!("/nix/store/{h}a-x")), None);
        assert_eq!(
            hash_part("/nix/store/0c0bzmq6mbz9d3ddvsvwbn4bcnwmlipe-x"),
            None
        );
        assert_eq!(hash_part(&format!("nix/store/{h}-x")), None);
        assert_eq!(hash_part(""), None);
    }

    #[test]
    fn hash_parts_of_store_paths() {
        let p = "/nix/store/0ssi1wpaf7plaswqqjwigppsg5fyh99v-hello-2.10.tar.gz";
        assert_eq!(hash_part(p), Some("0ssi1wpaf7plaswqqjwigppsg5fyh99v"));
        assert_eq!(name_of(p), "hello-2.10.tar.gz");
        // e, o, t and u are not in Nix's alphabet; a name is required.
        assert_eq!(
            hash_part("/nix/store/0ssi1wpaf7plaswqqjwigppsg5fyh99e-x"),
            None
        );
        assert_eq!(
            hash_part("/nix/store/0ssi1wpaf7plaswqqjwigppsg5fyh99v-"),
            None
        );
        assert_eq!(
            hash_part("nix/store/0ssi1wpaf7plaswqqjwigppsg5fyh99v-x"),
            None
        );
        assert_eq!(hash_part("/nix/store/short-x"), None);
    }

    #[test]
    fn files_are_found_in_the_store_of_the_worker_that_wrote_them() {
        let dir = tempfile::tempdir().unwrap();
        let store = dir.path();
        assert_eq!(worker_store(store, 0), store);
        let write = |worker: usize, name: &str| {
            let d = worker_store(store, worker).join("nix/store");
            std::fs::create_dir_all(&d).unwrap();
            std::fs::write(d.join(name), worker.to_string()).unwrap();
        };
        write(0, "a.drv");
        write(1, "b.drv");
        write(2, "c.drv");
        write(2, "a.drv");
        // worker-4 is not looked in: worker-3 is missing, so no later store was written.
        write(4, "d.drv");
        let read = |p: &str| std::fs::read_to_string(file_of(store, p)).ok();
        assert_eq!(
            read("/nix/store/a.drv").as_deref(),
            Some("0"),
            "the first store first"
        );
        assert_eq!(read("/nix/store/b.drv").as_deref(), Some("1"));
        assert_eq!(read("/nix/store/c.drv").as_deref(), Some("2"));
        assert_eq!(read("/nix/store/d.drv"), None);
        assert_eq!(
            file_of(store, "/nix/store/e.drv"),
            store.join("nix/store/e.drv")
        );
    }
}

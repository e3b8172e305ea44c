//! Store paths: their parts, and the private store a scan writes `.drv` files into.
use super::command::NixCommand;
use super::hash::BASE32;
use anyhow::{Context, Result};
use std::path::Path;

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
}

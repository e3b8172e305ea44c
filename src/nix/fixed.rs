//! A fixed-output derivation as a mirror sees it: output, hash, urls, which fetcher made it, and
//! what the mirror files need from its environment (the hash as written, the revision, the
//! `mirror://` lists, a requireFile's message).
use super::drv::{Parts, read_env, read_text};
use super::hash::Digest;
use super::kind;
use super::store::name_of;
use crate::model::{Fetcher, HashMode, Recipe, Source};
use anyhow::{Context, Result};
use std::path::Path;

/// The parts of one derivation a scan uses.
#[derive(Debug, Clone, PartialEq)]
pub struct Drv {
    pub inputs: Vec<String>,
    /// The output paths, in the order of the .drv (sorted by output name).
    pub outputs: Vec<String>,
    pub fixed: Option<Fixed>,
}

/// Reads `store_path` (e.g. `/nix/store/…drv`) below the chroot store root `store_root`; for a
/// requireFile, also the message in its builder script.
pub fn read(store_root: &Path, store_path: &str) -> Result<Drv> {
    let text = read_text(store_root, store_path)?;
    let parts = Parts::parse(&text).with_context(|| format!("parsing {store_path}"))?;
    let fixed = of(&parts, Some(store_root))?;
    Ok(into_drv(parts, fixed))
}

/// A .drv's text, without reading anything else (a requireFile's message stays unknown).
#[cfg(test)]
pub fn parse(text: &str) -> Result<Drv> {
    let parts = Parts::parse(text)?;
    let fixed = of(&parts, None)?;
    Ok(into_drv(parts, fixed))
}

fn into_drv(parts: Parts, fixed: Option<Fixed>) -> Drv {
    Drv {
        outputs: parts
            .outputs
            .into_iter()
            .map(|[_, path, ..]| path)
            .collect(),
        inputs: parts.inputs,
        fixed,
    }
}

/// A fixed output: what a mirror fetches.
#[derive(Debug, Clone, PartialEq)]
pub struct Fixed {
    pub out_path: String,
    pub name: String,
    /// SRI form, e.g. `sha256-…`.
    pub hash: String,
    pub hash_mode: HashMode,
    pub urls: Vec<String>,
    pub fetcher: Fetcher,
    pub recipe: Recipe,
    pub source: Source,
}

/// The fixed output of `parts`, if it has one (a single output with a hash). With `store_root`,
/// a requireFile's message is read from its builder script.
pub fn of(parts: &Parts, store_root: Option<&Path>) -> Result<Option<Fixed>> {
    let [_, out, algo, hex] = match parts.outputs.as_slice() {
        [o] if !o[2].is_empty() && !o[3].is_empty() => o,
        _ => return Ok(None),
    };
    let env = &parts.env;
    let (hash_mode, algo) = match algo.strip_prefix("r:") {
        Some(a) => (HashMode::Recursive, a),
        None => (HashMode::Flat, algo.as_str()),
    };
    let digest = Digest::from_hex(algo, hex).with_context(|| format!("hash {hex:?}"))?;
    let urls: Vec<String> = kind::urls(env).into_iter().map(str::to_owned).collect();
    let script = script(parts);
    let (fetcher, recipe) = kind::classify(&parts.builder, script.is_some(), env);
    let message = match (fetcher, script, store_root) {
        (Fetcher::RequireFile, Some(s), Some(root)) => require_file_message(root, parts, s),
        // A builder that is no program is the message itself (see `kind::classify`).
        (Fetcher::RequireFile, None, _) => Some(message_of(&parts.builder)),
        _ => None,
    };
    let source = Source {
        written_hash: env.get("outputHash").cloned(),
        written_algo: env.get("outputHashAlgo").cloned(),
        post_fetch: env.get("postFetch").is_some_and(|p| !p.trim().is_empty()),
        rev: env.get("rev").filter(|r| !r.is_empty()).cloned(),
        submodules: env.get("fetchSubmodules").is_some_and(|v| v == "1"),
        mirrors_drv: if urls.iter().any(|u| u.starts_with("mirror://")) {
            mirrors_drv(parts)
        } else {
            None
        },
        message,
    };
    Ok(Some(Fixed {
        out_path: out.clone(),
        name: env.get("name").cloned().unwrap_or_else(|| name_of(out)),
        hash: digest.sri(),
        hash_mode,
        fetcher,
        recipe,
        urls,
        source,
    }))
}

/// The input derivation that builds fetchurl's `mirrorsFile` (`/nix/store/…-mirrors-list`):
/// the one input .drv of that name.
fn mirrors_drv(parts: &Parts) -> Option<String> {
    parts.input_named(&name_of(parts.env.get("mirrorsFile")?))
}

/// The requireFile builder script: the builder itself (`builtins.toFile`) or an argument of it
/// (stdenv's bash running nixpkgs' `writeScript "restrict-message"`).
fn script(parts: &Parts) -> Option<&str> {
    std::iter::once(&parts.builder)
        .chain(&parts.args)
        .map(String::as_str)
        .find(|p| p.ends_with("-restrict-message"))
}

/// The message of a requireFile: in its builder script, from a source file or, for a
/// `writeScript`, from the `text` of the input derivation that writes it.
fn require_file_message(store_root: &Path, parts: &Parts, script: &str) -> Option<String> {
    let text = if parts.sources.iter().any(|s| s == script) {
        read_text(store_root, script).ok()?
    } else {
        let drv = parts.input_named(&name_of(script))?;
        read_env(store_root, &drv).ok()?.remove("text")?
    };
    Some(message_of(&text))
}

/// The lines between the first and the last `***` line (where nixpkgs' requireFile puts the
/// message it `cat`s), or the whole script when there are none.
pub fn message_of(script: &str) -> String {
    let lines: Vec<&str> = script.lines().collect();
    let stars: Vec<usize> = (0..lines.len())
        .filter(|&i| lines[i].trim() == "***")
        .collect();
    let body = match stars.as_slice() {
        [first, .., last] => &lines[first + 1..*last],
        _ => &lines[..],
    };
    body.join("\n").trim().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use super::{parse, read};

    fn fixed(text: &str) -> Fixed {
        parse(text).unwrap().fixed.unwrap()
    }

    #[test]
    fn git_fetch_with_escapes() {
        let t = r#"Derive([("out","/nix/store/aaa-y","r:sha256","00ff")],[("/nix/store/b.drv",["out","dev"])],["/nix/store/s"],"x86_64-linux","/bin/sh",["-c","echo \"hi\"\n"],[("fetchSubmodules","1"),("name","y"),("url","git://x")])"#;
        let f = fixed(t);
        assert_eq!(
            (f.fetcher, f.hash_mode, f.hash.as_str()),
            (Fetcher::Git, HashMode::Recursive, "sha256-AP8=")
        );
        assert_eq!(f.urls, vec!["git://x"]);
    }

    /// A fetchurl .drv as nixpkgs 16.03 writes it (trimmed): stdenv's bash, `mirrorsFile`.
    const FETCHURL_1603: &str = r#"Derive([("out","/nix/store/3x7-hello-2.10.tar.gz","sha256","31e066137a962676e89f69d1b65382de95a7ef7d914b8cb956f41ea72e0f516b")],[("/nix/store/5zw-bash-4.3-p42.drv",["out"]),("/nix/store/jhz-mirrors-list.drv",["out"])],["/nix/store/5pq-builder.sh"],"x86_64-linux","/nix/store/i7h-bash-4.3-p42/bin/bash",["-e","/nix/store/5pq-builder.sh"],[("mirrorsFile","/nix/store/h9v-mirrors-list"),("name","hello-2.10.tar.gz"),("outputHash","0ssi1wpaf7plaswqqjwigppsg5fyh99vdlb9kzl7c9lng89ndq1i"),("outputHashAlgo","sha256"),("outputHashMode","flat"),("postFetch",""),("urls","mirror://gnu/hello/hello-2.10.tar.gz")])"#;

    #[test]
    fn fetchurl_keeps_what_mirrors_need() {
        let f = fixed(FETCHURL_1603);
        assert_eq!(f.fetcher, Fetcher::Url);
        assert_eq!(
            f.hash,
            "sha256-MeBmE3qWJnbon2nRtlOC3pWn732RS4y5VvQepy4PUWs="
        );
        assert_eq!(
            f.source,
            Source {
                written_hash: Some("0ssi1wpaf7plaswqqjwigppsg5fyh99vdlb9kzl7c9lng89ndq1i".into()),
                written_algo: Some("sha256".into()),
                post_fetch: false,
                rev: None,
                submodules: false,
                mirrors_drv: Some("/nix/store/jhz-mirrors-list.drv".into()),
                message: None,
            }
        );
        // Without a mirror:// url the mirrors list is not needed, so not kept.
        let plain = FETCHURL_1603.replace("mirror://gnu/", "http://ftp.gnu.org/gnu/");
        assert_eq!(fixed(&plain).source.mirrors_drv, None);
        let patch = FETCHURL_1603.replace(r#"("postFetch","")"#, r#"("postFetch","lsdiff $out")"#);
        assert!(fixed(&patch).source.post_fetch);
    }

    #[test]
    fn git_rev_and_submodules() {
        let t = r#"Derive([("out","/nix/store/aaa-src","r:sha256","00ff")],[],[],"x","/bin/sh",[],[("fetchSubmodules","1"),("leaveDotGit",""),("rev","3f786850e387550fdab836ed7e6dc881de23001b"),("url","https://git.example.org/x.git")])"#;
        let f = fixed(t);
        assert_eq!(f.fetcher, Fetcher::Git);
        assert_eq!(
            f.source.rev.as_deref(),
            Some("3f786850e387550fdab836ed7e6dc881de23001b")
        );
        assert!(f.source.submodules);
        assert_eq!((f.source.written_hash, f.source.written_algo), (None, None));
        let empty_rev = t.replace("3f786850e387550fdab836ed7e6dc881de23001b", "");
        assert_eq!(fixed(&empty_rev).source.rev, None);
    }

    /// requireFile as nixpkgs 16.03 writes it: bash runs the `restrict-message` script, whose
    /// text is the `text` of an input derivation (writeScript).
    #[test]
    fn require_file_message_from_write_script() {
        let root = tempfile::tempdir().unwrap();
        let store = root.path().join("nix/store");
        std::fs::create_dir_all(&store).unwrap();
        let fod = r#"Derive([("out","/nix/store/42y-x.tar.gz","sha256","31e066137a962676e89f69d1b65382de95a7ef7d914b8cb956f41ea72e0f516b")],[("/nix/store/5zw-bash-4.3-p42.drv",["out"]),("/nix/store/f8x-restrict-message.drv",["out"])],[],"x86_64-linux","/nix/store/i7h-bash/bin/bash",["-e","/nix/store/7r5-restrict-message"],[("name","x.tar.gz"),("outputHash","0ssi1wpaf7plaswqqjwigppsg5fyh99vdlb9kzl7c9lng89ndq1i"),("outputHashAlgo","sha256")])"#;
        let script = r#"Derive([("out","/nix/store/7r5-restrict-message","","")],[],[],"x86_64-linux","/bin/sh",[],[("name","restrict-message"),("text","source /nix/store/62h-stdenv/setup
cat <<_EOF_

***
Unfortunately, we may not download file x.tar.gz automatically.
  nix-store --add-fixed sha256 x.tar.gz

***

_EOF_
")])"#;
        std::fs::write(store.join("42y-x.tar.gz.drv"), fod).unwrap();
        std::fs::write(store.join("f8x-restrict-message.drv"), script).unwrap();
        let f = read(root.path(), "/nix/store/42y-x.tar.gz.drv")
            .unwrap()
            .fixed
            .unwrap();
        assert_eq!(f.fetcher, Fetcher::RequireFile);
        assert_eq!(f.urls, Vec::<String>::new());
        assert_eq!(
            f.source.message.as_deref(),
            Some(
                "Unfortunately, we may not download file x.tar.gz automatically.\n  nix-store --add-fixed sha256 x.tar.gz"
            )
        );
    }

    /// requireFile whose builder is the script itself, a source (`builtins.toFile`).
    #[test]
    fn require_file_message_from_source_builder() {
        let root = tempfile::tempdir().unwrap();
        let store = root.path().join("nix/store");
        std::fs::create_dir_all(&store).unwrap();
        let fod = r#"Derive([("out","/nix/store/42y-x.tar.gz","sha256","00ff")],[],["/nix/store/abc-restrict-message"],"x86_64-linux","/nix/store/abc-restrict-message",[],[("name","x.tar.gz")])"#;
        std::fs::write(store.join("42y-x.tar.gz.drv"), fod).unwrap();
        std::fs::write(
            store.join("abc-restrict-message"),
            "echo 'add x by hand'\nexit 1\n",
        )
        .unwrap();
        let f = read(root.path(), "/nix/store/42y-x.tar.gz.drv")
            .unwrap()
            .fixed
            .unwrap();
        assert_eq!(f.fetcher, Fetcher::RequireFile);
        assert_eq!(
            f.source.message.as_deref(),
            Some("echo 'add x by hand'\nexit 1")
        );
    }

    #[test]
    fn message_is_between_the_stars() {
        assert_eq!(message_of("a\n***\n\n  hi\nthere\n***\nb"), "hi\nthere");
        assert_eq!(message_of("echo 'just this'\n"), "echo 'just this'");
    }

    #[test]
    fn parses_fixed_output_with_escapes() {
        let t = r#"Derive([("out","/nix/store/aaa-y","r:sha256","00ff")],[("/nix/store/b.drv",["out","dev"])],["/nix/store/s"],"x86_64-linux","/bin/sh",["-c","echo \"hi\"\n"],[("fetchSubmodules","1"),("name","y"),("url","git://x")])"#;
        let p = super::Parts::parse(t).unwrap();
        assert_eq!(p.args, vec!["-c", "echo \"hi\"\n"]);
        let d = parse(t).unwrap();
        assert_eq!(d.inputs, vec!["/nix/store/b.drv"]);
        assert!(d.fixed.is_some());
    }

    #[test]
    fn non_fixed_has_no_fixed_part() {
        let t = r#"Derive([("dev","/nix/store/a-p-dev","",""),("out","/nix/store/a-p","","")],[],[],"x","/bin/sh",[],[])"#;
        let d = parse(t).unwrap();
        assert_eq!(d.fixed, None);
        assert_eq!(d.outputs, vec!["/nix/store/a-p-dev", "/nix/store/a-p"]);
    }
}

//! Reads `.drv` files (Nix's ATerm format) from the private store: input derivations and, for a
//! fixed-output derivation, what a mirror needs (hash, urls, fetcher).
use crate::hashes::Digest;
use anyhow::{Context, Result, bail};
use std::collections::BTreeMap;
use std::path::Path;

/// The parts of one derivation fodfuzz uses.
#[derive(Debug, Clone, PartialEq)]
pub struct Drv {
    pub inputs: Vec<String>,
    /// The output paths, in the order of the .drv (sorted by output name).
    pub outputs: Vec<String>,
    pub fixed: Option<Fixed>,
}

/// A fixed output: what a mirror fetches.
#[derive(Debug, Clone, PartialEq)]
pub struct Fixed {
    pub out_path: String,
    pub name: String,
    /// SRI form, e.g. `sha256-…`.
    pub hash: String,
    pub recursive: bool,
    pub urls: Vec<String>,
    pub fetcher: &'static str,
    pub source: Source,
}

/// What the mirror files need beyond fods.jsonl, from the .drv's environment.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Source {
    /// `outputHash` / `outputHashAlgo` as the expression wrote them (`None`: not in the
    /// environment, e.g. a null dropped by `__ignoreNulls`): find-tarballs.nix prints these.
    pub written_hash: Option<String>,
    pub written_algo: Option<String>,
    /// A non-empty `postFetch`: the file at the url is not the output (fetchpatch, fetchzip).
    pub post_fetch: bool,
    /// The revision a git/hg/svn fetcher checks out (`rev`), when not empty.
    pub rev: Option<String>,
    /// fetchgit's `fetchSubmodules`.
    pub submodules: bool,
    /// The input .drv whose environment lists the `mirror://` sites (fetchurl's `mirrorsFile`),
    /// kept only when a url needs it.
    pub mirrors_drv: Option<String>,
    /// requireFile: the instructions its builder prints.
    pub message: Option<String>,
}

/// Reads `store_path` (e.g. `/nix/store/…drv`) below the chroot store root `store_root`; for a
/// requireFile, also the message in its builder script.
pub fn read(store_root: &Path, store_path: &str) -> Result<Drv> {
    let text = read_text(store_root, store_path)?;
    let parts = Parts::parse(&text).with_context(|| format!("parsing {store_path}"))?;
    let message = parts
        .script()
        .and_then(|script| require_file_message(store_root, &parts, script));
    let mut drv = parts.drv()?;
    if let Some(f) = drv.fixed.as_mut().filter(|f| f.fetcher == "requireFile") {
        f.source.message = message;
    }
    Ok(drv)
}

/// The environment of the .drv at `store_path`.
pub fn read_env(store_root: &Path, store_path: &str) -> Result<BTreeMap<String, String>> {
    let text = read_text(store_root, store_path)?;
    Ok(Parts::parse(&text)
        .with_context(|| format!("parsing {store_path}"))?
        .env)
}

fn read_text(store_root: &Path, store_path: &str) -> Result<String> {
    let file = store_root.join(store_path.trim_start_matches('/'));
    std::fs::read_to_string(&file).with_context(|| format!("reading {}", file.display()))
}

#[cfg(test)]
pub fn parse(text: &str) -> Result<Drv> {
    Parts::parse(text)?.drv()
}

/// A .drv file, field by field.
struct Parts {
    /// (name, path, hash algorithm, hash) per output.
    outputs: Vec<Vec<String>>,
    inputs: Vec<String>,
    sources: Vec<String>,
    builder: String,
    args: Vec<String>,
    env: BTreeMap<String, String>,
}

impl Parts {
    fn parse(text: &str) -> Result<Parts> {
        let mut p = Parser {
            s: text.as_bytes(),
            i: 0,
        };
        p.lit("Derive(")?;
        let outputs = p.list(|p| p.tuple(4))?;
        p.lit(",")?;
        let inputs = p.list(|p| {
            p.lit("(")?;
            let path = p.string()?;
            p.lit(",")?;
            p.list(|p| p.string())?;
            p.lit(")")?;
            Ok(path)
        })?;
        p.lit(",")?;
        let sources = p.list(|p| p.string())?;
        p.lit(",")?;
        p.string()?; // platform
        p.lit(",")?;
        let builder = p.string()?;
        p.lit(",")?;
        let args = p.list(|p| p.string())?;
        p.lit(",")?;
        let env = p
            .list(|p| p.tuple(2))?
            .into_iter()
            .map(|mut kv| (std::mem::take(&mut kv[0]), std::mem::take(&mut kv[1])))
            .collect();
        p.lit(")")?;
        Ok(Parts {
            outputs,
            inputs,
            sources,
            builder,
            args,
            env,
        })
    }

    fn drv(self) -> Result<Drv> {
        let fixed = match self.outputs.as_slice() {
            [o] if !o[2].is_empty() && !o[3].is_empty() => Some(self.fixed(&o[1], &o[2], &o[3])?),
            _ => None,
        };
        Ok(Drv {
            outputs: self
                .outputs
                .into_iter()
                .map(|mut o| std::mem::take(&mut o[1]))
                .collect(),
            inputs: self.inputs,
            fixed,
        })
    }

    fn fixed(&self, out: &str, algo: &str, hex: &str) -> Result<Fixed> {
        let env = &self.env;
        let (recursive, algo) = match algo.strip_prefix("r:") {
            Some(a) => (true, a),
            None => (false, algo),
        };
        let digest = Digest::from_hex(algo, hex).with_context(|| format!("hash {hex:?}"))?;
        let urls: Vec<String> = match (env.get("urls"), env.get("url")) {
            (Some(u), _) if !u.trim().is_empty() => {
                u.split_whitespace().map(str::to_owned).collect()
            }
            (_, Some(u)) if !u.is_empty() => vec![u.clone()],
            _ => vec![],
        };
        let source = Source {
            written_hash: env.get("outputHash").cloned(),
            written_algo: env.get("outputHashAlgo").cloned(),
            post_fetch: env.get("postFetch").is_some_and(|p| !p.trim().is_empty()),
            rev: env.get("rev").filter(|r| !r.is_empty()).cloned(),
            submodules: env.get("fetchSubmodules").is_some_and(|v| v == "1"),
            mirrors_drv: if urls.iter().any(|u| u.starts_with("mirror://")) {
                self.mirrors_drv()
            } else {
                None
            },
            message: None,
        };
        Ok(Fixed {
            out_path: out.to_owned(),
            name: env.get("name").cloned().unwrap_or_else(|| name_of(out)),
            hash: digest.sri(),
            recursive,
            fetcher: fetcher(&self.builder, self.script().is_some(), env),
            urls,
            source,
        })
    }

    /// The input derivation that builds fetchurl's `mirrorsFile` (`/nix/store/…-mirrors-list`):
    /// the one input .drv of that name.
    fn mirrors_drv(&self) -> Option<String> {
        self.input_named(&name_of(self.env.get("mirrorsFile")?))
    }

    fn input_named(&self, name: &str) -> Option<String> {
        let mut found = self
            .inputs
            .iter()
            .filter(|i| name_of(i).strip_suffix(".drv") == Some(name));
        match (found.next(), found.next()) {
            (Some(one), None) => Some(one.clone()),
            _ => None,
        }
    }

    /// The requireFile builder script: the builder itself (`builtins.toFile`) or an argument
    /// of it (stdenv's bash running nixpkgs' `writeScript "restrict-message"`).
    fn script(&self) -> Option<&str> {
        std::iter::once(&self.builder)
            .chain(&self.args)
            .map(String::as_str)
            .find(|p| p.ends_with("-restrict-message"))
    }
}

/// The message of a requireFile: in its builder script, from a source file or, for a
/// `writeScript`, from the `text` of the input derivation that writes it.
fn require_file_message(store_root: &Path, parts: &Parts, script: &str) -> Option<String> {
    let text = if parts.sources.iter().any(|s| s == script) {
        std::fs::read_to_string(store_root.join(script.trim_start_matches('/'))).ok()?
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

/// Which kind of fetch this is, from what the fetchers of nixpkgs put in the environment.
/// `restrict_message`: the builder runs requireFile's `…-restrict-message` script
/// ([`Parts::script`]).
fn fetcher(builder: &str, restrict_message: bool, env: &BTreeMap<String, String>) -> &'static str {
    let has = |k: &str| env.contains_key(k);
    if builder == "builtin:fetchurl" {
        "builtin"
    } else if has("fetchSubmodules") || has("leaveDotGit") || has("deepClone") {
        "git"
    } else if has("subrepoClause") {
        "hg"
    } else if has("ignoreExternals") || has("SVN_SSH") {
        "svn"
    } else if restrict_message {
        "requireFile"
    } else if has("urls") || has("url") {
        "url"
    } else {
        "unknown"
    }
}

fn name_of(store_path: &str) -> String {
    let base = store_path.rsplit('/').next().unwrap_or(store_path);
    base.split_once('-').map_or(base, |(_, n)| n).to_owned()
}

struct Parser<'a> {
    s: &'a [u8],
    i: usize,
}

impl Parser<'_> {
    fn lit(&mut self, l: &str) -> Result<()> {
        if self.s[self.i..].starts_with(l.as_bytes()) {
            self.i += l.len();
            Ok(())
        } else {
            bail!("expected {l:?} at byte {}", self.i)
        }
    }

    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }

    fn list<T>(&mut self, mut item: impl FnMut(&mut Self) -> Result<T>) -> Result<Vec<T>> {
        self.lit("[")?;
        let mut v = Vec::new();
        if self.peek() == Some(b']') {
            self.i += 1;
            return Ok(v);
        }
        loop {
            v.push(item(self)?);
            match self.peek() {
                Some(b',') => self.i += 1,
                Some(b']') => {
                    self.i += 1;
                    return Ok(v);
                }
                _ => bail!("expected , or ] at byte {}", self.i),
            }
        }
    }

    fn tuple(&mut self, n: usize) -> Result<Vec<String>> {
        self.lit("(")?;
        let mut v = Vec::with_capacity(n);
        for k in 0..n {
            if k > 0 {
                self.lit(",")?;
            }
            v.push(self.string()?);
        }
        self.lit(")")?;
        Ok(v)
    }

    fn string(&mut self) -> Result<String> {
        self.lit("\"")?;
        let mut out = Vec::new();
        loop {
            match self.peek() {
                None => bail!("unterminated string"),
                Some(b'"') => {
                    self.i += 1;
                    return Ok(String::from_utf8_lossy(&out).into_owned());
                }
                Some(b'\\') => {
                    let c = *self.s.get(self.i + 1).context("dangling escape")?;
                    out.push(match c {
                        b'n' => b'\n',
                        b'r' => b'\r',
                        b't' => b'\t',
                        c => c,
                    });
                    self.i += 2;
                }
                Some(c) => {
                    out.push(c);
                    self.i += 1;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_fixed_output_with_escapes() {
        let t = r#"Derive([("out","/nix/store/aaa-y","r:sha256","00ff")],[("/nix/store/b.drv",["out","dev"])],["/nix/store/s"],"x86_64-linux","/bin/sh",["-c","echo \"hi\"\n"],[("fetchSubmodules","1"),("name","y"),("url","git://x")])"#;
        let d = parse(t).unwrap();
        assert_eq!(d.inputs, vec!["/nix/store/b.drv"]);
        let f = d.fixed.unwrap();
        assert_eq!(
            (f.fetcher, f.recursive, f.hash.as_str()),
            ("git", true, "sha256-AP8=")
        );
        assert_eq!(f.urls, vec!["git://x"]);
    }

    #[test]
    fn non_fixed_has_no_fixed_part() {
        let t = r#"Derive([("dev","/nix/store/a-p-dev","",""),("out","/nix/store/a-p","","")],[],[],"x","/bin/sh",[],[])"#;
        let d = parse(t).unwrap();
        assert_eq!(d.fixed, None);
        assert_eq!(d.outputs, vec!["/nix/store/a-p-dev", "/nix/store/a-p"]);
    }

    /// A fetchurl .drv as nixpkgs 16.03 writes it (trimmed): stdenv's bash, `mirrorsFile`.
    const FETCHURL_1603: &str = r#"Derive([("out","/nix/store/3x7-hello-2.10.tar.gz","sha256","31e066137a962676e89f69d1b65382de95a7ef7d914b8cb956f41ea72e0f516b")],[("/nix/store/5zw-bash-4.3-p42.drv",["out"]),("/nix/store/jhz-mirrors-list.drv",["out"])],["/nix/store/5pq-builder.sh"],"x86_64-linux","/nix/store/i7h-bash-4.3-p42/bin/bash",["-e","/nix/store/5pq-builder.sh"],[("mirrorsFile","/nix/store/h9v-mirrors-list"),("name","hello-2.10.tar.gz"),("outputHash","0ssi1wpaf7plaswqqjwigppsg5fyh99vdlb9kzl7c9lng89ndq1i"),("outputHashAlgo","sha256"),("outputHashMode","flat"),("postFetch",""),("urls","mirror://gnu/hello/hello-2.10.tar.gz")])"#;

    #[test]
    fn fetchurl_keeps_what_mirrors_need() {
        let f = parse(FETCHURL_1603).unwrap().fixed.unwrap();
        assert_eq!(f.fetcher, "url");
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
        let f = parse(&plain).unwrap().fixed.unwrap();
        assert_eq!(f.source.mirrors_drv, None);
        let patch = FETCHURL_1603.replace(r#"("postFetch","")"#, r#"("postFetch","lsdiff $out")"#);
        assert!(parse(&patch).unwrap().fixed.unwrap().source.post_fetch);
    }

    #[test]
    fn git_rev_and_submodules() {
        let t = r#"Derive([("out","/nix/store/aaa-src","r:sha256","00ff")],[],[],"x","/bin/sh",[],[("fetchSubmodules","1"),("leaveDotGit",""),("rev","3f786850e387550fdab836ed7e6dc881de23001b"),("url","https://git.example.org/x.git")])"#;
        let f = parse(t).unwrap().fixed.unwrap();
        assert_eq!(f.fetcher, "git");
        assert_eq!(
            f.source.rev.as_deref(),
            Some("3f786850e387550fdab836ed7e6dc881de23001b")
        );
        assert!(f.source.submodules);
        assert_eq!((f.source.written_hash, f.source.written_algo), (None, None));
        let empty_rev = t.replace("3f786850e387550fdab836ed7e6dc881de23001b", "");
        assert_eq!(parse(&empty_rev).unwrap().fixed.unwrap().source.rev, None);
    }

    /// requireFile as nixpkgs 16.03 writes it: bash runs the `restrict-message` script, whose
    /// text is the `text` of an input derivation (writeScript).
    #[test]
    fn require_file_message_from_write_script() {
        let root = std::env::temp_dir().join(format!("fodfuzz-drv-{}", std::process::id()));
        let store = root.join("nix/store");
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
        let f = read(&root, "/nix/store/42y-x.tar.gz.drv")
            .unwrap()
            .fixed
            .unwrap();
        assert_eq!(f.fetcher, "requireFile");
        assert_eq!(f.urls, Vec::<String>::new());
        assert_eq!(
            f.source.message.as_deref(),
            Some(
                "Unfortunately, we may not download file x.tar.gz automatically.\n  nix-store --add-fixed sha256 x.tar.gz"
            )
        );
        std::fs::remove_dir_all(&root).unwrap();
    }

    /// requireFile whose builder is the script itself, a source (`builtins.toFile`).
    #[test]
    fn require_file_message_from_source_builder() {
        let root = std::env::temp_dir().join(format!("fodfuzz-drv-src-{}", std::process::id()));
        let store = root.join("nix/store");
        std::fs::create_dir_all(&store).unwrap();
        let fod = r#"Derive([("out","/nix/store/42y-x.tar.gz","sha256","00ff")],[],["/nix/store/abc-restrict-message"],"x86_64-linux","/nix/store/abc-restrict-message",[],[("name","x.tar.gz")])"#;
        std::fs::write(store.join("42y-x.tar.gz.drv"), fod).unwrap();
        std::fs::write(
            store.join("abc-restrict-message"),
            "echo 'add x by hand'\nexit 1\n",
        )
        .unwrap();
        let f = read(&root, "/nix/store/42y-x.tar.gz.drv")
            .unwrap()
            .fixed
            .unwrap();
        assert_eq!(f.fetcher, "requireFile");
        assert_eq!(
            f.source.message.as_deref(),
            Some("echo 'add x by hand'\nexit 1")
        );
        std::fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn message_is_between_the_stars() {
        assert_eq!(message_of("a\n***\n\n  hi\nthere\n***\nb"), "hi\nthere");
        assert_eq!(message_of("echo 'just this'\n"), "echo 'just this'");
    }
}

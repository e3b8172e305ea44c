//! Reads `.drv` files (Nix's ATerm format) from the private store: input derivations and, for a
//! fixed-output derivation, what a mirror needs (hash, urls, fetcher).
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
}

/// Reads `store_path` (e.g. `/nix/store/…drv`) below the chroot store root `store_root`.
pub fn read(store_root: &Path, store_path: &str) -> Result<Drv> {
    let file = store_root.join(store_path.trim_start_matches('/'));
    let text =
        std::fs::read_to_string(&file).with_context(|| format!("reading {}", file.display()))?;
    parse(&text).with_context(|| format!("parsing {}", file.display()))
}

pub fn parse(text: &str) -> Result<Drv> {
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
    p.list(|p| p.string())?; // input sources
    p.lit(",")?;
    p.string()?; // platform
    p.lit(",")?;
    let builder = p.string()?;
    p.lit(",")?;
    p.list(|p| p.string())?; // args
    p.lit(",")?;
    let env: BTreeMap<String, String> = p
        .list(|p| p.tuple(2))?
        .into_iter()
        .map(|mut kv| (std::mem::take(&mut kv[0]), std::mem::take(&mut kv[1])))
        .collect();
    p.lit(")")?;
    let fixed = match outputs.as_slice() {
        [o] if !o[2].is_empty() && !o[3].is_empty() => {
            Some(fixed(&o[1], &o[2], &o[3], &builder, &env)?)
        }
        _ => None,
    };
    let outputs = outputs
        .into_iter()
        .map(|mut o| std::mem::take(&mut o[1]))
        .collect();
    Ok(Drv {
        inputs,
        outputs,
        fixed,
    })
}

fn fixed(
    out: &str,
    algo: &str,
    hex: &str,
    builder: &str,
    env: &BTreeMap<String, String>,
) -> Result<Fixed> {
    let (recursive, algo) = match algo.strip_prefix("r:") {
        Some(a) => (true, a),
        None => (false, algo),
    };
    let bytes = from_hex(hex).with_context(|| format!("hash {hex:?}"))?;
    let urls = match (env.get("urls"), env.get("url")) {
        (Some(u), _) if !u.trim().is_empty() => u.split_whitespace().map(str::to_owned).collect(),
        (_, Some(u)) if !u.is_empty() => vec![u.clone()],
        _ => vec![],
    };
    Ok(Fixed {
        out_path: out.to_owned(),
        name: env.get("name").cloned().unwrap_or_else(|| name_of(out)),
        hash: format!("{algo}-{}", base64(&bytes)),
        recursive,
        fetcher: fetcher(builder, env),
        urls,
    })
}

/// Which kind of fetch this is, from what the fetchers of nixpkgs put in the environment.
pub fn fetcher(builder: &str, env: &BTreeMap<String, String>) -> &'static str {
    let has = |k: &str| env.contains_key(k);
    if builder == "builtin:fetchurl" {
        "builtin"
    } else if has("fetchSubmodules") || has("leaveDotGit") || has("deepClone") {
        "git"
    } else if has("subrepoClause") {
        "hg"
    } else if has("ignoreExternals") || has("SVN_SSH") {
        "svn"
    } else if builder.ends_with("-restrict-message") {
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

fn from_hex(hex: &str) -> Result<Vec<u8>> {
    if hex.len() % 2 != 0 {
        bail!("odd length");
    }
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).context("not hex"))
        .collect()
}

/// Standard base64 with padding, as SRI hashes use.
pub fn base64(bytes: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for k in 0..4 {
            if k <= chunk.len() {
                out.push(A[(n >> (18 - 6 * k) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
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

    #[test]
    fn base64_matches_known_values() {
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foobar"), "Zm9vYmFy");
    }
}

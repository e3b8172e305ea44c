//! `.drv` files (Nix's ATerm format) from the private store, field by field; what a fixed output
//! means is read from them in [`super::fixed`], which builds on this module.
use anyhow::{Context, Result};
use std::collections::BTreeMap;
use std::path::Path;

/// The environment of the .drv at `store_path`.
pub fn read_env(store_root: &Path, store_path: &str) -> Result<BTreeMap<String, String>> {
    Ok(read_parts(store_root, store_path)?.env)
}

/// The .drv at `store_path`, field by field.
pub fn read_parts(store_root: &Path, store_path: &str) -> Result<Parts> {
    let text = read_text(store_root, store_path)?;
    Parts::parse(&text).with_context(|| format!("parsing {store_path}"))
}

/// Whether the .drv at `store_path` is there whole (it ends as every .drv ends) in some store: the
/// private store's metadata is not synced to disk, so after a power failure a journaled
/// derivation may have lost its file.
pub fn is_whole(store_root: &Path, store_path: &str) -> bool {
    super::store::files_of(store_root, store_path).any(|f| ends_whole(&f))
}

fn ends_whole(file: &Path) -> bool {
    use std::io::{Read, Seek, SeekFrom};
    let mut last = [0u8];
    std::fs::File::open(file)
        .and_then(|mut f| {
            f.seek(SeekFrom::End(-1))?;
            f.read_exact(&mut last)
        })
        .is_ok_and(|()| last[0] == b')')
}

/// The text of `store_path`: of a .drv, the first whole copy (see [`super::store::files_of`]: a
/// worker may be writing its own copy of a .drv another worker reported).
pub(super) fn read_text(store_root: &Path, store_path: &str) -> Result<String> {
    let drv = store_path.ends_with(".drv");
    for file in super::store::files_of(store_root, store_path) {
        if let Ok(text) = std::fs::read_to_string(&file)
            && (!drv || text.ends_with(')'))
        {
            return Ok(text);
        }
    }
    let file = super::store::file_of(store_root, store_path);
    std::fs::read_to_string(&file).with_context(|| format!("reading {}", file.display()))
}

/// A .drv file, field by field.
#[derive(Debug, Clone, PartialEq)]
pub struct Parts {
    /// (name, path, hash algorithm, hash) per output.
    pub outputs: Vec<[String; 4]>,
    pub inputs: Vec<String>,
    pub sources: Vec<String>,
    pub platform: String,
    pub builder: String,
    pub args: Vec<String>,
    pub env: BTreeMap<String, String>,
}

impl Parts {
    /// Reads a .drv's text with sui-compat's ATerm parser (docs/compat.md: it reads every
    /// .drv of a release-16.03 scan as fodfuzz's own parser did, a little faster).
    pub fn parse(text: &str) -> Result<Parts> {
        let d = sui_compat::derivation::Derivation::parse(text.as_bytes())
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        let mut env = d.env;
        structured(&mut env);
        Ok(Parts {
            // A BTreeMap: by output name, as the .drv writes them.
            outputs: d
                .outputs
                .into_iter()
                .map(|(name, o)| [name, o.path, o.hash_algo, o.hash])
                .collect(),
            inputs: d.input_derivations.into_keys().collect(),
            sources: d.input_sources,
            platform: d.system,
            builder: d.builder,
            args: d.args,
            env,
        })
    }

    /// The one input derivation whose name (without `.drv`) is `name`.
    pub fn input_named(&self, name: &str) -> Option<String> {
        let mut found = self
            .inputs
            .iter()
            .filter(|i| super::store::name_of(i).strip_suffix(".drv") == Some(name));
        match (found.next(), found.next()) {
            (Some(one), None) => Some(one.clone()),
            _ => None,
        }
    }
}

/// A derivation with `__structuredAttrs` keeps its attributes in one `__json` variable: each is
/// also put in the environment as Nix would have put it without them (a list of strings
/// space-separated, true as "1", false as ""), so that a fetch's url and mode read as any other.
fn structured(env: &mut BTreeMap<String, String>) {
    use serde_json::Value;
    let Some(Ok(Value::Object(attrs))) = env.get("__json").map(|j| serde_json::from_str(j)) else {
        return;
    };
    for (k, v) in attrs {
        let text = match v {
            Value::String(s) => s,
            Value::Bool(b) => if b { "1" } else { "" }.to_owned(),
            Value::Number(n) => n.to_string(),
            Value::Null => String::new(),
            Value::Array(items) => {
                let words: Option<Vec<String>> = items
                    .into_iter()
                    .map(|i| match i {
                        Value::String(s) => Some(s),
                        _ => None,
                    })
                    .collect();
                let Some(words) = words else { continue };
                words.join(" ")
            }
            Value::Object(_) => continue,
        };
        env.entry(k).or_insert(text);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_half_written_copy_gives_way_to_a_whole_one() {
        let dir = tempfile::tempdir().unwrap();
        let store = dir.path();
        let put = |worker: usize, text: &str| {
            let d = crate::nix::store::worker_store(store, worker).join("nix/store");
            std::fs::create_dir_all(&d).unwrap();
            std::fs::write(d.join("x.drv"), text).unwrap();
        };
        let whole =
            r#"Derive([("out","/nix/store/x","","")],[],[],"x86_64-linux","/bin/sh",[],[])"#;
        // The first worker is writing its own copy; the second reported it.
        put(0, "");
        put(1, whole);
        assert!(is_whole(store, "/nix/store/x.drv"));
        assert_eq!(read_text(store, "/nix/store/x.drv").unwrap(), whole);
        assert!(read_parts(store, "/nix/store/x.drv").is_ok());
        put(1, &whole[..20]);
        assert!(!is_whole(store, "/nix/store/x.drv"));
        assert!(read_parts(store, "/nix/store/x.drv").is_err());
    }

    #[test]
    fn structured_attributes_read_as_the_environment() {
        let json = r#"{\"url\":\"http://x/a.tgz\",\"urls\":[\"http://m/1\",\"http://m/2\"],\"executable\":true,\"unpack\":false,\"n\":3,\"nested\":{\"a\":1},\"mixed\":[1,\"x\"]}"#;
        let text = format!(
            r#"Derive([("out","/nix/store/x","sha256","00")],[],[],"x86_64-linux","builtin:fetchurl",[],[("__json","{json}"),("name","x")])"#
        );
        let p = Parts::parse(&text).unwrap();
        let get = |k: &str| p.env.get(k).map(String::as_str);
        assert_eq!(get("url"), Some("http://x/a.tgz"));
        assert_eq!(get("urls"), Some("http://m/1 http://m/2"));
        assert_eq!(
            (get("executable"), get("unpack"), get("n")),
            (Some("1"), Some(""), Some("3"))
        );
        assert_eq!(
            (get("nested"), get("mixed"), get("name")),
            (None, None, Some("x"))
        );
    }

    /// Writes `parts` as Nix does (inputs with the output `out`).
    fn unparse(p: &Parts) -> String {
        let s = |x: &str| {
            let mut o = String::from("\"");
            for c in x.chars() {
                match c {
                    '"' => o.push_str("\\\""),
                    '\\' => o.push_str("\\\\"),
                    '\n' => o.push_str("\\n"),
                    '\r' => o.push_str("\\r"),
                    '\t' => o.push_str("\\t"),
                    c => o.push(c),
                }
            }
            o.push('"');
            o
        };
        let list = |v: Vec<String>| format!("[{}]", v.join(","));
        let outputs = p
            .outputs
            .iter()
            .map(|o| format!("({})", o.iter().map(|x| s(x)).collect::<Vec<_>>().join(",")))
            .collect();
        let inputs = p
            .inputs
            .iter()
            .map(|i| format!("({},[\"out\"])", s(i)))
            .collect();
        let env = p
            .env
            .iter()
            .map(|(k, v)| format!("({},{})", s(k), s(v)))
            .collect();
        format!(
            "Derive({},{},{},{},{},{},{})",
            list(outputs),
            list(inputs),
            list(p.sources.iter().map(|x| s(x)).collect()),
            s(&p.platform),
            s(&p.builder),
            list(p.args.iter().map(|x| s(x)).collect()),
            list(env)
        )
    }

    fn text() -> impl Strategy<Value = String> {
        proptest::string::string_regex("[a-z0-9/\"\\\\\n\r\t ,()\\[\\]é-]{0,12}").unwrap()
    }

    proptest! {
        #[test]
        // Nix writes outputs sorted by name and inputs sorted, each once.
        fn parse_undoes_what_nix_writes(
            outputs in proptest::collection::btree_map(text(), [text(), text(), text()], 0..3),
            inputs in proptest::collection::btree_set(text(), 0..3),
            sources in proptest::collection::vec(text(), 0..3),
            platform in text(),
            builder in text(),
            args in proptest::collection::vec(text(), 0..3),
            env in proptest::collection::btree_map(text(), text(), 0..4),
        ) {
            let outputs = outputs.into_iter().map(|(n, [a, b, c])| [n, a, b, c]).collect();
            let inputs = inputs.into_iter().collect();
            let p = Parts { outputs, inputs, sources, platform, builder, args, env };
            prop_assert_eq!(Parts::parse(&unparse(&p)).unwrap(), p);
        }

        #[test]
        fn truncated_text_is_an_error_not_a_panic(cut in 0usize..200) {
            let t = r#"Derive([("out","/nix/store/a-y","r:sha256","00ff")],[("/nix/store/b.drv",["out"])],["/nix/store/s"],"x86_64-linux","/bin/sh",["-c","echo \"hi\"\n"],[("name","y"),("url","git://x")])"#;
            let cut = cut.min(t.len() - 1);
            prop_assert!(Parts::parse(&t[..cut]).is_err());
        }

        /// Any bytes at all (read as a store's file would be: lossily), and a real .drv with
        /// one byte replaced or inserted anywhere: sui-compat's parser and the structured
        /// attributes' JSON answer, or refuse, never panic.
        #[test]
        fn any_text_is_read_or_refused(
            bytes in proptest::collection::vec(any::<u8>(), 0..300),
            at in 0usize..400,
            byte in any::<u8>(),
            insert in any::<bool>(),
        ) {
            let _ = Parts::parse(&String::from_utf8_lossy(&bytes));
            let t = r#"Derive([("out","/nix/store/a-y","sha256","00ff")],[("/nix/store/b.drv",["out"])],[],"x","builtin:fetchurl",["-c"],[("__json","{\"url\":\"http://x\",\"n\":[1]}"),("name","y")])"#;
            let mut b = t.as_bytes().to_vec();
            let at = at % b.len();
            match insert {
                true => b.insert(at, byte),
                false => b[at] = byte,
            }
            let text = String::from_utf8_lossy(&b);
            if let Ok(p) = Parts::parse(&text) {
                prop_assert!(p.outputs.len() <= 1);
            }
            let _ = crate::nix::fixed::parse(&text);
        }
    }

    #[test]
    fn a_cut_drv_is_not_whole() {
        let root = tempfile::tempdir().unwrap();
        let store = root.path().join("nix/store");
        std::fs::create_dir_all(&store).unwrap();
        let text = r#"Derive([("out","/nix/store/a-p","","")],[],[],"x","/bin/sh",[],[])"#;
        std::fs::write(store.join("a.drv"), text).unwrap();
        std::fs::write(store.join("cut.drv"), &text[..20]).unwrap();
        std::fs::write(store.join("empty.drv"), "").unwrap();
        assert!(is_whole(root.path(), "/nix/store/a.drv"));
        for p in ["cut", "empty", "gone"] {
            assert!(
                !is_whole(root.path(), &format!("/nix/store/{p}.drv")),
                "{p}"
            );
        }
    }
}

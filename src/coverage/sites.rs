//! Which strings of a file are hash literals: the value of an attribute whose name says hash
//! (`sha256`, `md5.run`, `outputHash`, `cargoSha256`, `vendorHash`, `sha256_i686` …), or any
//! string shaped like nothing but a digest (Nix's base32 of a sha256 or sha512, or of a sha1
//! with a letter no base16 has; SRI, `sha256:…`)
//! wherever it is: `(patch "001" "0hip…")`, `{ name = "amor"; value = "1n9q…"; }`.
use super::syntax::{attrpath_names, plain_string};
use crate::nix::hash::Digest;
use rnix::SyntaxKind;
use rnix::ast;
use rowan::ast::AstNode;

/// What an attribute name says of the algorithm: `Some(Some(algo))` for a name that names one,
/// `Some(None)` for a hash name without one (`hash`, `outputHash`, `vendorHash`), `None` for
/// any other name.
pub fn algo_of_name(name: &str) -> Option<Option<&'static str>> {
    let lower = name.to_ascii_lowercase();
    for algo in ["sha512", "sha256", "sha1", "md5"] {
        if lower.contains(algo) {
            return Some(Some(algo));
        }
    }
    // `srcSha`, `hash`, `outputHash`, `npmDepsHash`: the length tells the algorithm.
    (lower.contains("hash") || lower.ends_with("sha")).then_some(None)
}

/// A hash literal found in a string: the attribute it is bound to (`""` when it is not) and
/// the digest. `None` for a string that is not one, and for all-zero placeholders.
pub fn hash_literal(s: &ast::Str) -> Option<(String, Digest)> {
    let text = plain_string(s)?;
    let text = text.trim();
    let attr = bound_name(s);
    let named = attr.iter().find_map(|names| {
        names
            .iter()
            .rev()
            .find_map(|n| algo_of_name(n).map(|a| (n.clone(), a)))
    });
    let (name, digest) = match named {
        Some((name, algo)) => (name, Digest::written(algo, text)?),
        None => (
            attr.and_then(|n| n.last().cloned()).unwrap_or_default(),
            unmistakable(text)?,
        ),
    };
    if digest.bytes.iter().all(|&b| b == 0) {
        return None;
    }
    Some((name, digest))
}

/// A digest in a form no other string has: SRI, an `algo:` prefix, or Nix's base32 of a
/// sha256 (52 characters) or sha512 (103), whose unused high bits must be zero.
fn unmistakable(text: &str) -> Option<Digest> {
    if text.contains(['-', ':']) {
        return Digest::written(None, text);
    }
    match text.len() {
        // A sha1 in base32 has the length of an md5 in base16: only a letter after `f` tells
        // (texlive's fixedHashes.nix: `"amsfonts-3.04" = "hi87s0fx…";`).
        32 if text.bytes().any(|b| b > b'f') => Digest::from_nix32("sha1", text, 20),
        52 => Digest::from_nix32("sha256", text, 32),
        103 => Digest::from_nix32("sha512", text, 64),
        _ => None,
    }
}

/// The names of the attribute a string is the value of (`md5.run = "…"` → [md5, run]), also
/// through parentheses and the branches of an `if`.
fn bound_name(s: &ast::Str) -> Option<Vec<String>> {
    let mut child = s.syntax().clone();
    let mut node = child.parent()?;
    loop {
        let through = match node.kind() {
            SyntaxKind::NODE_PAREN => true,
            SyntaxKind::NODE_IF_ELSE => ast::IfElse::cast(node.clone())?
                .condition()
                .is_none_or(|c| c.syntax() != &child),
            _ => false,
        };
        if !through {
            break;
        }
        child = node;
        node = child.parent()?;
    }
    let binding = ast::AttrpathValue::cast(node)?;
    attrpath_names(&binding.attrpath()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn literals(text: &str) -> Vec<(String, String)> {
        let root = rnix::Root::parse(text).tree();
        root.syntax()
            .descendants()
            .filter_map(ast::Str::cast)
            .filter_map(|s| hash_literal(&s))
            .map(|(n, d)| (n, d.sri()))
            .collect()
    }

    #[test]
    fn named_and_unmistakable_literals() {
        let nix32 = "0ssi1wpaf7plaswqqjwigppsg5fyh99vdlb9kzl7c9lng89ndq1i";
        let sri = "sha256-MeBmE3qWJnbon2nRtlOC3pWn732RS4y5VvQepy4PUWs=";
        let text = format!(
            r#"{{
              a = {{ sha256 = "{nix32}"; }};
              md5.run = "10862058c257904d2189e2bebb03c71f";
              b = fetch "x" "{nix32}";
              c = {{ value = "{nix32}"; }};
              cargoSha256 = ''
                {nix32}
              '';
              outputHash = "sha256:{nix32}";
              rev = "10862058c257904d2189e2bebb03c71f10862058";
              zero = {{ sha256 = "{zeros}"; }};
              "amsfonts-3.04" = "hi87s0fxrkcq0w2389kwpxd3zzwsk1zf";
              hex32 = "10862058c257904d2189e2bebb03c71f";
              d = {{ sha1 = "not a hash"; }};
            }}"#,
            zeros = "0".repeat(52)
        );
        let found = literals(&text);
        let names: Vec<&str> = found.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(
            names,
            [
                "sha256",
                "md5",
                "",
                "value",
                "cargoSha256",
                "outputHash",
                "amsfonts-3.04"
            ]
        );
        let sha256 = &found[..found.len() - 1];
        assert!(
            sha256
                .iter()
                .filter(|(n, _)| n != "md5")
                .all(|(_, h)| h == sri)
        );
        assert!(found.last().unwrap().1.starts_with("sha1-"));
    }

    #[test]
    fn names_that_say_hash() {
        assert_eq!(algo_of_name("sha256_i686"), Some(Some("sha256")));
        assert_eq!(algo_of_name("depsSha256"), Some(Some("sha256")));
        assert_eq!(algo_of_name("vendorHash"), Some(None));
        assert_eq!(algo_of_name("srcSha"), Some(None));
        assert_eq!(algo_of_name("rev"), None);
    }
}

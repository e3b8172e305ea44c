//! What the analysis keeps of one `.nix` file after a single parse (the syntax tree itself is
//! dropped): its hash literals with their context, the files it refers to, the config keys it
//! reads, its package arguments, the names that stand for conditions, `meta.platforms`, and
//! bindings that only point at another attribute.
use super::cond::{self, Cond};
use super::context::{self, Entry};
use super::refs::{self, PathRef, TreeFiles};
use super::sites::hash_literal;
use super::syntax::{
    self, Lines, attrpath_names, bool_value, call, callee_name, reference, unparen,
};
use crate::nix::hash::Digest;
use rnix::ast;
use rnix::{SyntaxKind, SyntaxNode};
use rowan::ast::AstNode;

/// One hash literal of the tree.
#[derive(Debug, Clone, PartialEq)]
pub struct Site {
    pub line: u32,
    /// The attribute it is the value of (`sha256`, `md5`, `outputHash` …), `""` for none.
    pub attr: String,
    pub digest: Digest,
    pub chain: Vec<String>,
    pub guards: Vec<Cond>,
    pub eval_fetch: bool,
    pub entry: Option<Entry>,
    /// The `let` binding it is written in, and the conditions over each use of that name
    /// (`let boxmaker = fetchurl …; in … optionalString stdenv.isDarwin "${boxmaker}"`).
    pub let_name: Option<String>,
    /// Its chain starts with a member of the set that `let` binding is (see `Context`).
    pub let_member: bool,
    pub uses: Vec<Vec<Cond>>,
    /// Where the attribute set holding it starts in its file: two digests of one set
    /// (`sha256` and `md5` of libreoffice's sources) are one source.
    pub set: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigRead {
    pub key: String,
    pub line: u32,
    /// `config.x or "en-US"`: a string option, with this default.
    pub string_default: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ArgDefault {
    Bool(bool),
    /// `pulseSupport ? config.pulseaudio or false`.
    Config(String),
    Other,
}

/// An argument of a package function (the file's own, or one given to `callPackage`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Arg {
    pub name: String,
    pub default: ArgDefault,
    pub line: u32,
    /// Where the function is: `[]` for the file's, `[foo]` for `foo = callPackage (…) { }`.
    pub chain: Vec<String>,
}

/// A binding that stands for another attribute: `python3Packages = python34Packages;`, or
/// (`call`) the result of a function bound beside it: `emacsPackagesNg = emacsPackagesNgGen
/// emacs;`, whose files are owned under the function's name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Alias {
    pub bound: Vec<String>,
    pub target: Vec<String>,
    pub call: bool,
}

/// `meta.platforms = …`, unevaluated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Platforms {
    Systems(Vec<String>),
    /// `platforms.linux`, `stdenv.lib.platforms.unix`: the name after the last dot.
    Named(String),
    Union(Vec<Platforms>),
    Other,
}

#[derive(Debug, Default)]
pub struct FileFacts {
    pub sites: Vec<Site>,
    pub refs: Vec<PathRef>,
    pub config_reads: Vec<ConfigRead>,
    pub args: Vec<Arg>,
    /// Names bound to a condition (`isLinux = stdenv.isLinux`, `pulse ? config.pulseaudio`).
    pub names: Vec<(String, Cond)>,
    /// `meta.platforms` with the chain of the set holding `meta`.
    pub platforms: Vec<(Vec<String>, Platforms)>,
    /// `python3Packages = python34Packages;`: the chain bound and the names it points at.
    pub aliases: Vec<Alias>,
    /// Attributes bound to functions (`emacsPackagesNgGen = emacs: import …`).
    pub functions: Vec<String>,
    pub parse_errors: usize,
}

/// Reads everything the analysis needs from one file (`rel` relative to the tree).
pub fn extract(rel: &str, text: &str, files: &TreeFiles) -> FileFacts {
    let parse = rnix::Root::parse(text);
    let root = parse.tree();
    let lines = Lines::new(text);
    let body = root.expr().map(|e| syntax::body(&e));
    let dir = rel.rsplit_once('/').map_or("", |(d, _)| d);
    let mut f = FileFacts {
        parse_errors: parse.errors().len(),
        ..FileFacts::default()
    };
    for node in root.syntax().descendants() {
        match node.kind() {
            SyntaxKind::NODE_STRING => site(&node, &lines, body.as_ref(), &mut f),
            SyntaxKind::NODE_PATH_REL | SyntaxKind::NODE_PATH_SEARCH => {
                f.refs.extend(refs::path_ref(&node, dir, files))
            }
            SyntaxKind::NODE_SELECT | SyntaxKind::NODE_HAS_ATTR | SyntaxKind::NODE_APPLY => {
                config_read(&node, &lines, &mut f)
            }
            SyntaxKind::NODE_ATTRPATH_VALUE => binding(&node, &mut f),
            SyntaxKind::NODE_LAMBDA => lambda(&node, &root, &lines, &mut f),
            _ => {}
        }
    }
    uses(&root, &mut f);
    f
}

/// The conditions over each use of the `let` names literals and imports are bound in.
fn uses(root: &rnix::Root, f: &mut FileFacts) {
    let bound = f.sites.iter().filter_map(|s| s.let_name.as_deref());
    let names: std::collections::HashSet<&str> = bound
        .chain(f.refs.iter().filter_map(|r| r.let_name.as_deref()))
        .collect();
    if names.is_empty() {
        return;
    }
    let mut found: Vec<(String, Vec<Cond>)> = Vec::new();
    for node in root.syntax().descendants() {
        let in_attrpath = node
            .parent()
            .is_some_and(|p| p.kind() == SyntaxKind::NODE_ATTRPATH);
        if node.kind() != SyntaxKind::NODE_IDENT || in_attrpath {
            continue;
        }
        let name = node.text().to_string();
        if names.contains(name.as_str()) {
            found.push((name, context::context(&node).guards));
        }
    }
    let of = |n: &Option<String>| -> Vec<Vec<Cond>> {
        let Some(n) = n else { return Vec::new() };
        found
            .iter()
            .filter(|(m, _)| m == n)
            .map(|(_, g)| g.clone())
            .collect()
    };
    for s in &mut f.sites {
        s.uses = of(&s.let_name);
    }
    for r in &mut f.refs {
        r.uses = of(&r.let_name);
    }
}

fn site(node: &SyntaxNode, lines: &Lines, body: Option<&ast::Expr>, f: &mut FileFacts) {
    let s = ast::Str::cast(node.clone()).unwrap();
    let Some((attr, digest)) = hash_literal(&s) else {
        return;
    };
    // The line of the digest itself, also in an indented string that starts on the line before.
    let text = node.text().to_string();
    let skip = text
        .find(|c: char| c.is_ascii_alphanumeric())
        .unwrap_or_default();
    // The chain leads to the set holding the literal, not to its own attribute.
    let holder = node
        .ancestors()
        .skip(1)
        .find(|a| a.kind() != SyntaxKind::NODE_PAREN)
        .filter(|a| a.kind() == SyntaxKind::NODE_ATTRPATH_VALUE)
        .and_then(|a| a.parent())
        .unwrap_or_else(|| node.clone());
    let c = context::context(&holder);
    let set = (holder.kind() == SyntaxKind::NODE_ATTR_SET)
        .then(|| u32::from(holder.text_range().start()));
    f.sites.push(Site {
        line: lines.of(usize::from(node.text_range().start()) + skip),
        attr,
        digest,
        chain: c.chain,
        guards: c.guards,
        eval_fetch: c.eval_fetch,
        entry: context::entry(node, body),
        let_name: c.let_name,
        let_member: c.let_member,
        uses: Vec::new(),
        set,
    });
}

fn config_read(node: &SyntaxNode, lines: &Lines, f: &mut FileFacts) {
    let e = ast::Expr::cast(node.clone()).unwrap();
    // `getConfig a b` is one read: only its outermost application.
    if node.kind() == SyntaxKind::NODE_APPLY
        && node
            .parent()
            .is_some_and(|p| p.kind() == SyntaxKind::NODE_APPLY)
    {
        return;
    }
    if let Some(key) = cond::config_read(&e) {
        f.config_reads.push(ConfigRead {
            key,
            line: lines.of_node(node),
            string_default: cond::string_default(&e),
        });
    }
}

/// A binding: a name for a condition, `meta.platforms`, or an alias.
fn binding(node: &SyntaxNode, f: &mut FileFacts) {
    let b = ast::AttrpathValue::cast(node.clone()).unwrap();
    let (Some(names), Some(value)) = (b.attrpath().and_then(|p| attrpath_names(&p)), b.value())
    else {
        return;
    };
    if let [name] = names.as_slice() {
        let c = cond::read(&value);
        if !matches!(c, Cond::Other | Cond::Name(_)) {
            f.names.push((name.clone(), c));
        }
    }
    // The chain costs a walk to the root: only for the few bindings that need it.
    if names.last().map(String::as_str) == Some("platforms") {
        let chain = context::context(node).chain;
        if chain.iter().chain(&names).any(|n| n == "meta") {
            let holder: Vec<String> = chain.into_iter().take_while(|n| n != "meta").collect();
            f.platforms.push((holder, platforms_of(&value)));
        }
    } else if syntax::in_attr_set(&b) {
        if matches!(unparen(&value), ast::Expr::Lambda(_))
            && let [name] = names.as_slice()
        {
            f.functions.push(name.clone());
        } else if let Some((target, call)) = alias_target(&value) {
            let mut bound = context::context(node).chain;
            bound.extend(names);
            f.aliases.push(Alias {
                bound,
                target,
                call,
            });
        }
    }
}

/// What a binding's value points at, through the wrappers that keep a set's members:
/// `recurseIntoAttrs (callPackage …)` is not one, `lib.hiPrioSet python27Packages` is.
fn alias_target(value: &ast::Expr) -> Option<(Vec<String>, bool)> {
    const KEEP: &[&str] = &[
        "recurseIntoAttrs",
        "hiPrioSet",
        "lowPrioSet",
        "dontRecurseIntoAttrs",
        "hiPrio",
        "lowPrio",
    ];
    let mut e = unparen(value);
    loop {
        if let Some(mut r) = reference(&e) {
            if r.last().map(String::as_str) == Some("override") {
                r.pop();
            }
            return (!r.is_empty()).then_some((r, false));
        }
        let (f, args) = call(&e)?;
        let name = callee_name(&f)?;
        e = if KEEP.contains(&name.as_str()) && args.len() == 1 {
            unparen(&args[0])
        } else if name == "override" {
            f
        } else {
            // A call of a function bound beside it, also through the set itself
            // (all-packages.nix's `oraclejdk8 = pkgs.oraclejdk8distro true false`).
            let mut r = reference(&f)?;
            if r.len() == 2 && (r[0] == "pkgs" || r[0] == "self") {
                r.remove(0);
            }
            return (r.len() == 1).then_some((r, true));
        };
    }
}

/// A `platforms` expression as far as it is lists, names and `++`.
pub fn platforms_of(e: &ast::Expr) -> Platforms {
    match unparen(e) {
        ast::Expr::List(l) => l
            .items()
            .map(|i| syntax::string_value(&i))
            .collect::<Option<Vec<_>>>()
            .map_or(Platforms::Other, Platforms::Systems),
        ast::Expr::With(w) => w.body().map_or(Platforms::Other, |b| platforms_of(&b)),
        ast::Expr::BinOp(b) if b.operator() == Some(rnix::ast::BinOpKind::Concat) => {
            match (b.lhs(), b.rhs()) {
                (Some(l), Some(r)) => Platforms::Union(vec![platforms_of(&l), platforms_of(&r)]),
                _ => Platforms::Other,
            }
        }
        e => match reference(&e) {
            Some(mut r) => Platforms::Named(r.pop().unwrap()),
            None => Platforms::Other,
        },
    }
}

/// The arguments of a package function: the file's own (its outermost function) or one given
/// to `callPackage` (hackage-packages.nix).
fn lambda(node: &SyntaxNode, root: &rnix::Root, lines: &Lines, f: &mut FileFacts) {
    let l = ast::Lambda::cast(node.clone()).unwrap();
    let outermost = root.expr().is_some_and(|e| unparen(&e).syntax() == node);
    let given = node
        .ancestors()
        .skip(1)
        .find(|a| a.kind() != SyntaxKind::NODE_PAREN)
        .and_then(ast::Expr::cast)
        .and_then(|e| call(&e).map(|(f, _)| callee_name(&f)))
        .flatten()
        .is_some_and(|n| n == "callPackage");
    let Some(ast::Param::Pattern(p)) = l.param() else {
        return;
    };
    let chain = if outermost {
        Vec::new()
    } else {
        context::context(node).chain
    };
    for entry in p.pat_entries() {
        let Some(name) = entry.ident().map(|i| i.syntax().text().to_string()) else {
            continue;
        };
        let Some(d) = entry.default() else { continue };
        let default = match (bool_value(&d), cond::config_read(&d)) {
            (Some(b), _) => ArgDefault::Bool(b),
            (_, Some(key)) => ArgDefault::Config(key),
            _ => ArgDefault::Other,
        };
        if let ArgDefault::Config(key) = &default {
            f.names.push((name.clone(), Cond::Config(key.clone())));
        }
        if outermost || given {
            f.args.push(Arg {
                name,
                default,
                line: lines.of_node(entry.syntax()),
                chain: chain.clone(),
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PKG: &str = r#"{ stdenv, fetchurl, config, withX ? false, pulse ? config.pulseaudio or false }:
let isLinux = stdenv.isLinux; loc = config.i18n.defaultLocale or "en-US"; in
stdenv.mkDerivation {
  src = fetchurl {
    sha256 =
      "0ssi1wpaf7plaswqqjwigppsg5fyh99vdlb9kzl7c9lng89ndq1i";
  };
  patches = stdenv.lib.optional withX (fetchurl { sha256 = "1ssi1wpaf7plaswqqjwigppsg5fyh99vdlb9kzl7c9lng89ndq1i"; });
  meta.platforms = stdenv.lib.platforms.linux ++ [ "x86_64-darwin" ];
}
"#;

    #[test]
    fn one_package_file() {
        let files = TreeFiles(Default::default());
        let f = extract("pkgs/foo/default.nix", PKG, &files);
        assert_eq!(f.parse_errors, 0);
        let lines: Vec<u32> = f.sites.iter().map(|s| s.line).collect();
        assert_eq!(lines, [6, 8]);
        assert_eq!(f.sites[0].chain, ["src"]);
        assert_eq!(f.sites[1].guards, [Cond::Name("withX".into())]);
        let args: Vec<(&str, &ArgDefault)> = f
            .args
            .iter()
            .map(|a| (a.name.as_str(), &a.default))
            .collect();
        assert_eq!(
            args,
            [
                ("withX", &ArgDefault::Bool(false)),
                ("pulse", &ArgDefault::Config("pulseaudio".into()))
            ]
        );
        let keys: Vec<&str> = f.config_reads.iter().map(|r| r.key.as_str()).collect();
        assert_eq!(keys, ["pulseaudio", "i18n.defaultLocale"]);
        assert_eq!(f.config_reads[1].string_default.as_deref(), Some("en-US"));
        assert!(
            f.names
                .contains(&("isLinux".into(), Cond::SystemIs("isLinux".into())))
        );
        assert!(
            f.names
                .contains(&("pulse".into(), Cond::Config("pulseaudio".into())))
        );
        let want = Platforms::Union(vec![
            Platforms::Named("linux".into()),
            Platforms::Systems(vec!["x86_64-darwin".into()]),
        ]);
        assert_eq!(f.platforms, [(vec![], want)]);
    }

    #[test]
    fn aliases_and_callpackage_functions() {
        let text = "{ python3Packages = python34Packages; hp = haskell.packages.ghc.override { }; \
                    py = lib.hiPrioSet (recurseIntoAttrs (callPackage ./p.nix { })); \
                    \"a\" = callPackage ({ mk, doCheck ? true }: mk { }) { }; }";
        let f = extract("x.nix", text, &TreeFiles(Default::default()));
        let aliases: Vec<(String, String)> = f
            .aliases
            .iter()
            .filter(|a| !a.call)
            .map(|a| (a.bound.join("."), a.target.join(".")))
            .collect();
        assert_eq!(
            aliases,
            [
                ("python3Packages".into(), "python34Packages".into()),
                ("hp".into(), "haskell.packages.ghc".into())
            ]
        );
        assert_eq!(f.args.len(), 1);
        assert_eq!(
            (f.args[0].name.as_str(), f.args[0].chain.clone()),
            ("doCheck", vec!["a".to_owned()])
        );
    }
}

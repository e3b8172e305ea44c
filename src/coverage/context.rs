//! Where a node of a file sits: the attribute names of the sets around it (its chain, outermost
//! first: `[foo, src]` for `foo = mkDerivation { src = fetchurl { sha256 = …; }; }`), the
//! conditions it is behind, whether Nix fetches it while evaluating, and the entry of a list or
//! of a data file's set it belongs to.
use super::cond::{self, Cond};
use super::syntax::{
    attrpath_names, call, callee_name, reference, string_fields, string_value, unparen,
};
use rnix::ast;
use rnix::{SyntaxKind, SyntaxNode};
use rowan::ast::AstNode;
use serde::Serialize;

#[derive(Debug, Default, Clone, PartialEq)]
pub struct Context {
    pub chain: Vec<String>,
    pub guards: Vec<Cond>,
    /// Inside `builtins.fetchurl`, `fetchTarball` …: fetched while evaluating.
    pub eval_fetch: bool,
    /// The innermost `let` binding around (`boxmaker` of `let boxmaker = fetchurl …;`).
    pub let_name: Option<String>,
    /// That binding's value is the set whose member the chain starts with
    /// (`let sources = { "x-1.0" = …; };`).
    pub let_member: bool,
}

/// The functions that keep their last argument only when the first is true.
const OPTIONAL: &[&str] = &[
    "optional",
    "optionals",
    "optionalString",
    "optionalAttrs",
    "mkIf",
    "ifEnable",
];

/// Nix's own fetchers, which run while evaluating.
const EVAL_FETCHERS: &[&str] = &[
    "fetchurl",
    "fetchTarball",
    "fetchGit",
    "fetchMercurial",
    "fetchTree",
    "fetchgit",
];

pub fn context(node: &SyntaxNode) -> Context {
    let mut c = Context::default();
    let mut child = node.clone();
    while let Some(parent) = child.parent() {
        match parent.kind() {
            SyntaxKind::NODE_ATTRPATH_VALUE => {
                if c.let_name.is_none()
                    && parent
                        .parent()
                        .is_some_and(|p| p.kind() == SyntaxKind::NODE_LET_IN)
                {
                    c.let_name = ast::AttrpathValue::cast(parent.clone())
                        .and_then(|b| attrpath_names(&b.attrpath()?))
                        .and_then(|n| n.into_iter().next());
                    c.let_member = child.kind() == SyntaxKind::NODE_ATTR_SET && !c.chain.is_empty();
                }
                binding(&parent, &mut c.chain)
            }
            SyntaxKind::NODE_IF_ELSE => {
                let i = ast::IfElse::cast(parent.clone()).unwrap();
                let cond = i.condition().map_or(Cond::Other, |e| cond::read(&e));
                if i.body().is_some_and(|b| b.syntax() == &child) {
                    c.guards.push(cond);
                } else if i.else_body().is_some_and(|b| b.syntax() == &child) {
                    c.guards.push(Cond::Not(Box::new(cond)));
                }
            }
            SyntaxKind::NODE_ASSERT => {
                let a = ast::Assert::cast(parent.clone()).unwrap();
                if a.body().is_some_and(|b| b.syntax() == &child) {
                    c.guards
                        .push(a.condition().map_or(Cond::Other, |e| cond::read(&e)));
                }
            }
            SyntaxKind::NODE_APPLY => apply(&parent, &child, &mut c),
            _ => {}
        }
        child = parent;
    }
    c.chain.reverse();
    // mkDerivation merges passthru's members into the derivation, and the walk enters them
    // there: `lhapdf.pdf_sets`, not `lhapdf.passthru.pdf_sets`.
    c.chain.retain(|n| n != "passthru");
    c
}

/// A binding of a set puts its names on the chain (in reverse, as the walk goes outwards); a
/// `let` binding does not.
fn binding(node: &SyntaxNode, chain: &mut Vec<String>) {
    let b = ast::AttrpathValue::cast(node.clone()).unwrap();
    if !super::syntax::in_attr_set(&b) {
        return;
    }
    let names = b
        .attrpath()
        .and_then(|p| attrpath_names(&p))
        .unwrap_or_else(|| vec!["?".to_owned()]);
    chain.extend(names.into_iter().rev());
}

/// `optional C x` guards x by C; `builtins.fetchurl { … }` fetches while evaluating.
fn apply(node: &SyntaxNode, child: &SyntaxNode, c: &mut Context) {
    let e = ast::Expr::cast(node.clone()).unwrap();
    // Only the outermost application of a call sees all its arguments.
    if node
        .parent()
        .is_some_and(|p| p.kind() == SyntaxKind::NODE_APPLY)
    {
        return;
    }
    let Some((f, args)) = call(&e) else { return };
    let name = callee_name(&f).unwrap_or_default();
    if OPTIONAL.contains(&name.as_str())
        && let [cond, value] = args.as_slice()
        && value
            .syntax()
            .text_range()
            .contains_range(child.text_range())
    {
        c.guards.push(cond::read(cond));
    }
    if EVAL_FETCHERS.contains(&name.as_str()) {
        let r = reference(&f).unwrap_or_default();
        if r.len() == 2 && r[0] == "builtins"
            || r.len() == 1 && name != "fetchurl" && name != "fetchgit"
        {
            c.eval_fetch = true;
        }
    }
}

/// The entry of a collection a site belongs to: an element of the nearest list around it, or
/// else a binding of the set a data file holds (kde's `srcs.nix`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Entry {
    /// The attribute the entry is bound to, or its `name` field.
    pub key: Option<String>,
    /// Its plain string fields (`locale = "ach"`), or a call's string arguments.
    pub fields: Vec<(String, String)>,
}

pub fn entry(node: &SyntaxNode, body: Option<&ast::Expr>) -> Option<Entry> {
    let mut child = node.clone();
    while let Some(parent) = child.parent() {
        if parent.kind() == SyntaxKind::NODE_LIST {
            return Some(element(&child));
        }
        if let Some(body) = body
            && &parent == body.syntax()
            && parent.kind() == SyntaxKind::NODE_ATTR_SET
        {
            let b = ast::AttrpathValue::cast(child)?;
            let key = attrpath_names(&b.attrpath()?)?.into_iter().next();
            let fields = match b.value().map(|v| unparen(&v)) {
                Some(ast::Expr::AttrSet(s)) => string_fields(&s),
                _ => Vec::new(),
            };
            return Some(Entry { key, fields });
        }
        child = parent;
    }
    None
}

/// A list element: a set's `name` field is its key (`{ name = "amor"; value = …; }`); a call's
/// (`fetchurl { name = …; }`) names a file, not an entry.
fn element(node: &SyntaxNode) -> Entry {
    let fields = match ast::Expr::cast(node.clone()).map(|e| unparen(&e)) {
        Some(ast::Expr::AttrSet(s)) => {
            let fields = string_fields(&s);
            let key = fields
                .iter()
                .find(|(k, _)| k == "name")
                .map(|(_, v)| v.clone());
            return Entry { key, fields };
        }
        Some(e @ ast::Expr::Apply(_)) => call(&e)
            .map(|(_, args)| {
                args.iter()
                    .enumerate()
                    .filter_map(|(i, a)| match unparen(a) {
                        ast::Expr::AttrSet(s) => Some(string_fields(&s)),
                        a => Some(vec![(format!("{i}"), string_value(&a)?)]),
                    })
                    .flatten()
                    .collect()
            })
            .unwrap_or_default(),
        _ => Vec::new(),
    };
    Entry { key: None, fields }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str, needle: &str) -> (Context, Option<Entry>) {
        let root = rnix::Root::parse(text).tree();
        let body = super::super::syntax::body(&root.expr().unwrap());
        let off = text.find(needle).unwrap();
        let node = root
            .syntax()
            .covering_element(rnix::TextRange::at((off as u32).into(), 1.into()))
            .parent()
            .unwrap();
        (context(&node), entry(&node, Some(&body)))
    }

    #[test]
    fn chains_and_guards() {
        let text = "{ withX ? false }: let s = 1; in { foo = mk { src = if stdenv.isDarwin then \
                    HERE else 2; p = lib.optional withX THERE; }; b = builtins.fetchurl { u = EVAL; }; }";
        let (c, _) = at(text, "HERE");
        assert_eq!(c.chain, ["foo", "src"]);
        assert!(!c.let_member);
        assert_eq!(c.guards, [Cond::SystemIs("isDarwin".into())]);
        let (c, _) = at(text, "THERE");
        assert_eq!(c.guards, [Cond::Name("withX".into())]);
        assert!(!c.eval_fetch);
        assert!(at(text, "EVAL").0.eval_fetch);
        // passthru's members are the derivation's own attributes.
        let text = "{ lhapdf = mk { passthru = { pdf_sets = { CT10 = HERE; }; }; }; }";
        assert_eq!(at(text, "HERE").0.chain, ["lhapdf", "pdf_sets", "CT10"]);
        // A member of a set a `let` binds, and one of a set given to a call there.
        let text = "let s = { x = { src = HERE; }; }; o = f { y = THERE; }; in s";
        let (c, _) = at(text, "HERE");
        assert_eq!((c.let_name.as_deref(), c.let_member), (Some("s"), true));
        assert_eq!(c.chain, ["x", "src"]);
        let (c, _) = at(text, "THERE");
        assert_eq!((c.let_name.as_deref(), c.let_member), (Some("o"), false));
    }

    #[test]
    fn entries_of_lists_and_data_sets() {
        let list = "{ sources = [ { locale = \"ach\"; arch = \"linux-i686\"; sha = HERE; } ]; }";
        let (_, e) = at(list, "HERE");
        let e = e.unwrap();
        assert_eq!(e.key, None);
        assert_eq!(
            e.fields,
            [
                ("locale".into(), "ach".into()),
                ("arch".into(), "linux-i686".into())
            ]
        );
        let set = "{ fetchurl }: { akonadi = { version = \"1\"; src = HERE; }; }";
        let e = at(set, "HERE").1.unwrap();
        assert_eq!(e.key.as_deref(), Some("akonadi"));
        let call = "[ (patch \"001\" HERE) ]";
        assert_eq!(
            at(call, "HERE").1.unwrap().fields,
            [("0".into(), "001".into())]
        );
    }
}

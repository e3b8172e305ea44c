//! Small readings of rnix's syntax tree that every analysis shares: plain strings, attribute
//! names, dotted references (`stdenv.lib.optional`), the body of a file below its function
//! header, and line numbers.
use rnix::ast::{self, HasEntry, InterpolPart};
use rnix::{SyntaxKind, SyntaxNode};
use rowan::ast::AstNode;

/// Line numbers (1-based) of byte offsets in one file.
pub struct Lines(Vec<usize>);

impl Lines {
    pub fn new(text: &str) -> Lines {
        let starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        Lines(starts)
    }

    pub fn of(&self, offset: usize) -> u32 {
        self.0.partition_point(|&s| s <= offset) as u32
    }

    /// The line where a node's first character is.
    pub fn of_node(&self, node: &SyntaxNode) -> u32 {
        self.of(usize::from(node.text_range().start()))
    }
}

/// A string without interpolation, as Nix reads it (indented strings stripped of their indent).
pub fn plain_string(s: &ast::Str) -> Option<String> {
    let mut out = String::new();
    for part in s.normalized_parts() {
        match part {
            InterpolPart::Literal(l) => out.push_str(&l),
            InterpolPart::Interpolation(_) => return None,
        }
    }
    Some(out)
}

/// A string expression's text when it has no interpolation (parentheses allowed around it).
pub fn string_value(e: &ast::Expr) -> Option<String> {
    match unparen(e) {
        ast::Expr::Str(s) => plain_string(&s),
        _ => None,
    }
}

/// The literal text of a string, up to its first interpolation: the fixed part of
/// `"/${name}.nix"` is `/`.
pub fn string_prefix(s: &ast::Str) -> (String, bool) {
    let mut out = String::new();
    for part in s.normalized_parts() {
        match part {
            InterpolPart::Literal(l) => out.push_str(&l),
            InterpolPart::Interpolation(_) => return (out, false),
        }
    }
    (out, true)
}

/// An attribute name, when it is written (`foo`, `"foo-bar"`), not computed.
pub fn attr_name(a: &ast::Attr) -> Option<String> {
    match a {
        ast::Attr::Ident(i) => Some(i.syntax().text().to_string()),
        ast::Attr::Str(s) => plain_string(s),
        ast::Attr::Dynamic(d) => match d.expr()? {
            ast::Expr::Str(s) => plain_string(&s),
            _ => None,
        },
    }
}

/// The names of an attribute path (`meta.platforms`); `None` for a computed one.
pub fn attrpath_names(p: &ast::Attrpath) -> Option<Vec<String>> {
    p.attrs().map(|a| attr_name(&a)).collect()
}

/// The expression inside any parentheses.
pub fn unparen(e: &ast::Expr) -> ast::Expr {
    let mut e = e.clone();
    while let ast::Expr::Paren(p) = &e {
        match p.expr() {
            Some(inner) => e = inner,
            None => break,
        }
    }
    e
}

/// A reference written as names: `x`, `stdenv.lib.optional`, `(pkgs.lib).x` → its names.
/// A selection with a default (`a.b or c`) is not one.
pub fn reference(e: &ast::Expr) -> Option<Vec<String>> {
    match unparen(e) {
        ast::Expr::Ident(i) => Some(vec![i.syntax().text().to_string()]),
        ast::Expr::Select(s) if s.default_expr().is_none() => {
            let mut names = reference(&s.expr()?)?;
            names.extend(attrpath_names(&s.attrpath()?)?);
            Some(names)
        }
        _ => None,
    }
}

/// A function applied to arguments: `f a b` → (`f`, [a, b]).
pub fn call(e: &ast::Expr) -> Option<(ast::Expr, Vec<ast::Expr>)> {
    let mut args = Vec::new();
    let mut e = unparen(e);
    while let ast::Expr::Apply(a) = &e {
        args.push(a.argument()?);
        e = unparen(&a.lambda()?);
    }
    if args.is_empty() {
        return None;
    }
    args.reverse();
    Some((e, args))
}

/// The last name of the function a call applies (`stdenv.lib.optional` → `optional`).
pub fn callee_name(f: &ast::Expr) -> Option<String> {
    reference(f).and_then(|mut n| n.pop())
}

/// A file's value below its headers: function arguments, `with`, `let … in`, `assert` and
/// parentheses peeled off (the set or list a data file such as `srcs.nix` holds).
pub fn body(root: &ast::Expr) -> ast::Expr {
    let mut e = unparen(root);
    loop {
        let next = match &e {
            ast::Expr::Lambda(l) => l.body(),
            ast::Expr::With(w) => w.body(),
            ast::Expr::LetIn(l) => l.body(),
            ast::Expr::Assert(a) => a.body(),
            _ => None,
        };
        match next {
            Some(n) => e = unparen(&n),
            None => return e,
        }
    }
}

/// Whether a binding belongs to an attribute set (not to a `let`).
pub fn in_attr_set(binding: &ast::AttrpathValue) -> bool {
    binding
        .syntax()
        .parent()
        .is_some_and(|p| p.kind() == SyntaxKind::NODE_ATTR_SET)
}

/// The bindings of a set with plain string values: `{ locale = "ach"; arch = "linux-i686"; }`.
pub fn string_fields(set: &ast::AttrSet) -> Vec<(String, String)> {
    set.attrpath_values()
        .filter_map(|b| {
            let names = attrpath_names(&b.attrpath()?)?;
            let [name] = names.as_slice() else {
                return None;
            };
            Some((name.clone(), string_value(&b.value()?)?))
        })
        .collect()
}

/// `true` or `false` written as such.
pub fn bool_value(e: &ast::Expr) -> Option<bool> {
    match unparen(e) {
        ast::Expr::Ident(i) => match i.syntax().text().to_string().as_str() {
            "true" => Some(true),
            "false" => Some(false),
            _ => None,
        },
        _ => None,
    }
}

#[cfg(test)]
pub fn parse(text: &str) -> ast::Expr {
    rnix::Root::parse(text).tree().expr().unwrap()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_of_offsets() {
        let l = Lines::new("a\nbc\n\nd");
        assert_eq!(
            [l.of(0), l.of(1), l.of(2), l.of(4), l.of(5), l.of(6)],
            [1, 1, 2, 2, 3, 4]
        );
    }

    #[test]
    fn strings_references_and_bodies() {
        let e = parse("{ a }: with a; let x = 1; in { y = ''\n    hi\n  ''; }");
        let ast::Expr::AttrSet(set) = body(&e) else {
            panic!("a set")
        };
        assert_eq!(string_fields(&set), vec![("y".into(), "hi\n".into())]);
        let r = parse("(stdenv.lib).optional");
        assert_eq!(reference(&r).unwrap(), ["stdenv", "lib", "optional"]);
        assert_eq!(reference(&parse("a.b or c")), None);
        let (f, args) = call(&parse("lib.optional (x) y")).unwrap();
        assert_eq!(callee_name(&f).as_deref(), Some("optional"));
        assert_eq!(args.len(), 2);
        assert_eq!(string_value(&parse("\"a${b}\"")), None);
        assert_eq!(bool_value(&parse("(false)")), Some(false));
    }
}

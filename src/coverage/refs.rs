//! The files a file refers to: every path written in it (`import ./x.nix`, `callPackage ../foo
//! { }`, `<nixpkgs/lib>`) that names a `.nix` file of the tree or a directory with a
//! `default.nix`, and computed paths (`./servers + "/${name}"`, `readDir ./dir`) as every file
//! below their fixed part. Edges of the import graph, with the attribute chain where they are
//! written.
use super::cond::config_read;
use super::context::context;
use super::syntax::{attrpath_names, call, callee_name, string_prefix, unparen};
use rnix::ast::{self, BinOpKind, HasEntry, InterpolPart};
use rnix::{SyntaxKind, SyntaxNode};
use rowan::ast::AstNode;
use std::collections::BTreeSet;

/// Every `.nix` file of a tree, relative to it (`pkgs/top-level/all-packages.nix`).
pub struct TreeFiles(pub BTreeSet<String>);

impl TreeFiles {
    /// The file a path names: itself, or its `default.nix` when it is a directory.
    fn resolve(&self, path: &str) -> Option<String> {
        if self.0.contains(path) {
            return Some(path.to_owned());
        }
        let dir = if path.is_empty() {
            "default.nix".to_owned()
        } else {
            format!("{path}/default.nix")
        };
        self.0.contains(&dir).then_some(dir)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathRef {
    /// A file, or with `below` a directory prefix (`pkgs/servers/`) whose files all count.
    pub target: String,
    pub below: bool,
    pub chain: Vec<String>,
    /// The conditions the path is written behind (`if stdenv.isDarwin then import ./mac.nix`).
    pub guards: Vec<super::cond::Cond>,
    /// The `let` binding it is written in, and the conditions over each use of that name.
    pub let_name: Option<String>,
    pub uses: Vec<Vec<super::cond::Cond>>,
    /// Arguments given from config where the path is called: `callPackage ./x { pulseSupport =
    /// config.pulseaudio or false; }` → (pulseSupport, pulseaudio).
    pub config_args: Vec<(String, String)>,
}

/// `a/b/../c` → `a/c`; `None` above the tree's root.
pub fn normalise(path: &str) -> Option<String> {
    let mut out: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                out.pop()?;
            }
            p => out.push(p),
        }
    }
    Some(out.join("/"))
}

/// The path a path node names, relative to the tree (`dir` is the file's directory), and
/// whether interpolation leaves only its fixed prefix.
fn written_path(node: &SyntaxNode, dir: &str) -> Option<(String, bool)> {
    let path = ast::Path::cast(node.clone())?;
    let (text, complete) = match &path {
        ast::Path::PathSearch(s) => {
            let t = s.content()?.text().to_owned();
            let rest = t.trim_start_matches('<').trim_end_matches('>');
            let rest = rest.strip_prefix("nixpkgs")?;
            return Some((normalise(rest)?, true));
        }
        ast::Path::PathRel(p) => fixed_part(p.parts()),
        ast::Path::PathAbs(_) | ast::Path::PathHome(_) => return None,
    };
    Some((normalise(&format!("{dir}/{text}"))?, complete))
}

fn fixed_part(parts: Vec<InterpolPart<ast::PathContent>>) -> (String, bool) {
    let mut out = String::new();
    for p in parts {
        match p {
            InterpolPart::Literal(l) => out.push_str(l.text()),
            InterpolPart::Interpolation(_) => return (out, false),
        }
    }
    (out, true)
}

/// The reference a path node makes, if it names something of the tree.
pub fn path_ref(node: &SyntaxNode, dir: &str, files: &TreeFiles) -> Option<PathRef> {
    let (mut path, mut complete) = written_path(node, dir)?;
    // `./. + "/name.nix"`: the string completes the path.
    let parent = node.parent();
    if let Some(b) = parent.clone().and_then(ast::BinOp::cast)
        && b.operator() == Some(BinOpKind::Add)
        && b.lhs().is_some_and(|l| l.syntax() == node)
        && let Some(ast::Expr::Str(s)) = b.rhs().map(|r| unparen(&r))
    {
        let (more, whole) = string_prefix(&s);
        path = normalise(&format!("{path}/{more}"))?;
        complete = complete && whole;
        if !whole && !more.ends_with('/') {
            // `"/foo-${v}.nix"`: the prefix's directory.
            path = path
                .rsplit_once('/')
                .map_or(String::new(), |(d, _)| d.to_owned());
        }
    }
    let read_dir = parent
        .and_then(|p| ast::Expr::cast(p.parent()?))
        .and_then(|e| call(&e))
        .is_some_and(|(f, _)| callee_name(&f).as_deref() == Some("readDir"));
    let (target, below) = if complete && !read_dir {
        // A directory is read as its default.nix only where it is given to a function
        // (`import ../foo`, `callPackage ../foo { }`), not in `path = ../..;` or `src = ./.;`.
        let file = files.resolve(&path)?;
        if file != path && !is_argument(node) {
            return None;
        }
        (file, false)
    } else {
        (path, true)
    };
    let c = context(node);
    Some(PathRef {
        target,
        below,
        chain: c.chain,
        guards: c.guards,
        let_name: c.let_name,
        uses: Vec::new(),
        config_args: config_args(node),
    })
}

/// Whether a node is (in parentheses) the argument of a function.
fn is_argument(node: &SyntaxNode) -> bool {
    let mut n = node.clone();
    while let Some(p) = n.parent() {
        if p.kind() != SyntaxKind::NODE_PAREN {
            return ast::Apply::cast(p)
                .and_then(|a| a.argument())
                .is_some_and(|a| a.syntax() == &n);
        }
        n = p;
    }
    false
}

/// The arguments set from config in the call a path is given to.
fn config_args(node: &SyntaxNode) -> Vec<(String, String)> {
    let mut n = node.clone();
    while let Some(p) = n.parent() {
        if p.kind() != SyntaxKind::NODE_APPLY && p.kind() != SyntaxKind::NODE_PAREN {
            break;
        }
        n = p;
    }
    let Some((_, args)) = ast::Expr::cast(n).and_then(|e| call(&e)) else {
        return Vec::new();
    };
    let Some(ast::Expr::AttrSet(set)) = args.last().map(unparen) else {
        return Vec::new();
    };
    set.attrpath_values()
        .filter_map(|b| {
            let names = attrpath_names(&b.attrpath()?)?;
            Some((names.join("."), config_read(&b.value()?)?))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refs(text: &str, dir: &str, files: &[&str]) -> Vec<(String, bool, Vec<String>)> {
        let files = TreeFiles(files.iter().map(|s| s.to_string()).collect());
        let root = rnix::Root::parse(text).tree();
        root.syntax()
            .descendants()
            .filter(|n| ast::Path::can_cast(n.kind()))
            .filter_map(|n| path_ref(&n, dir, &files))
            .map(|r| (r.target, r.below, r.chain))
            .collect()
    }

    #[test]
    fn paths_name_files_and_directories() {
        let files = [
            "pkgs/foo/default.nix",
            "pkgs/top/x.nix",
            "default.nix",
            "pkgs/s/a.nix",
        ];
        let text = "{ foo = callPackage ../foo { }; x = import ./x.nix; y = ./x.nix; \
                    z = ../s + \"/${n}.nix\"; w = import <nixpkgs>; v = ../foo; p = ./fix.patch; q = ./. + \"/x.nix\"; }";
        let got = refs(text, "pkgs/top", &files);
        let want = [
            ("pkgs/foo/default.nix", false, "foo"),
            ("pkgs/top/x.nix", false, "x"),
            ("pkgs/top/x.nix", false, "y"),
            ("pkgs/s", true, "z"),
            ("default.nix", false, "w"),
            ("pkgs/top/x.nix", false, "q"),
        ];
        let want: Vec<_> = want
            .iter()
            .map(|(t, b, c)| (t.to_string(), *b, vec![c.to_string()]))
            .collect();
        assert_eq!(got, want);
        assert_eq!(normalise("a/../../b"), None);
    }

    #[test]
    fn config_given_as_arguments() {
        let text = "{ foo = callPackage ../foo { pulseSupport = config.pulseaudio or false; }; }";
        let files = TreeFiles(["pkgs/foo/default.nix".to_owned()].into());
        let root = rnix::Root::parse(text).tree();
        let node = root
            .syntax()
            .descendants()
            .find(|n| ast::Path::can_cast(n.kind()))
            .unwrap();
        let r = path_ref(&node, "pkgs/top", &files).unwrap();
        assert_eq!(
            r.config_args,
            [("pulseSupport".to_owned(), "pulseaudio".to_owned())]
        );
    }
}

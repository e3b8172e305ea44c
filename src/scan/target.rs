//! What a scan walks: a nixpkgs-shaped tree called once per matrix cell, or a target (`--expr`,
//! `--file [--attr]`): any value (a derivation, a list or a set of them, a NixOS system) walked
//! once, as it is.
use super::{plan, preflight};
use crate::cli::ScanArgs;
use crate::error::{BadInput, bad};
use crate::model::Cell;
use std::path::{Path, PathBuf};

#[derive(Clone, Debug)]
pub enum Target {
    Tree(PathBuf),
    Expr {
        /// A Nix expression, resolved against the working directory (as `nix-instantiate -E`).
        expr: String,
        /// Paths (or `name=path` entries) restricted evaluation may read, passed as `-I`.
        allow: Vec<String>,
    },
}

impl Target {
    /// What the results depend on, for a resumed scan to compare: the tree or the expression.
    pub fn identity(&self) -> String {
        match self {
            Target::Tree(t) => t.to_string_lossy().into_owned(),
            Target::Expr { expr, .. } => expr.clone(),
        }
    }

    /// The revision sources.json names: a tree's, when it says; none for a target.
    pub fn revision(&self) -> Option<String> {
        match self {
            Target::Tree(t) => tree_revision(t),
            Target::Expr { .. } => None,
        }
    }
}

/// The target of a scan and its cells, checked: a tree scanned over the matrix, or an
/// expression (`--expr`, `--file [-A]`) scanned once.
/// Also the paths restricted evaluation may read besides the tree's, for a tree's configs.
pub fn resolve(nix: &Path, args: &ScanArgs) -> anyhow::Result<(Target, Vec<Cell>, Vec<String>)> {
    let target_expr = match (&args.expr, &args.file) {
        (Some(e), _) => Some(e.clone()),
        (None, Some(f)) => Some(file_expr(f, args.attr.as_deref())?),
        (None, None) => None,
    };
    let mut cells = match &target_expr {
        Some(_) => vec![plan::target_cell()],
        None => plan::cells(&args.systems, &args.configs, args.matrix.as_deref())?,
    };
    for c in &mut cells {
        c.nixos_tests = args.nixos_tests;
    }
    let mut configs: Vec<&str> = cells.iter().map(|c| c.config.as_str()).collect();
    configs.dedup();
    let allow = match &target_expr {
        Some(_) => Vec::new(),
        None => config_allowed(&configs, &args.allow),
    };
    let mut checked = Vec::new();
    for c in &cells {
        if !checked.contains(&&c.config) {
            preflight::check_config(nix, &c.config, &allow)?;
            checked.push(&c.config);
        }
    }
    let target = match (target_expr, &args.path) {
        (Some(expr), _) => {
            preflight::check_expr(nix, &expr)?;
            Target::Expr {
                allow: allowed(&expr, args.file.as_deref(), &args.allow),
                expr,
            }
        }
        (None, Some(path)) => Target::Tree(preflight::check_tree(nix, path)?),
        (None, None) => unreachable!("clap requires PATH, --expr or --file"),
    };
    Ok((target, cells, allow))
}

/// The expression `--file FILE [--attr A]` stands for: FILE imported, called with `{}` when it is
/// a function (as nix-build does), then A selected.
pub fn file_expr(file: &Path, attr: Option<&str>) -> Result<String, BadInput> {
    let file = file
        .canonicalize()
        .map_err(|e| bad(format!("{}: {e}", file.display())))?;
    let path = crate::nix::literal::string(&file.to_string_lossy());
    let mut expr =
        format!("(let f = import (/. + {path}); in if builtins.isFunction f then f {{}} else f)");
    for name in attr.into_iter().flat_map(|a| a.split('.')) {
        if name.is_empty() {
            return Err(bad(format!("malformed --attr {:?}", attr.unwrap_or(""))));
        }
        expr.push('.');
        expr.push_str(&crate::nix::literal::string(name));
    }
    Ok(expr)
}

/// What restricted evaluation lets a target read: the working directory (relative paths), the
/// directory of `--file`, each absolute path written in the expression widened to the outermost
/// directory above it that still has a default.nix (so `/src/nixpkgs/nixos` opens all of
/// `/src/nixpkgs`, which nixos imports from), and the user's `--allow` entries.
pub fn allowed(expr: &str, file: Option<&Path>, extra: &[String]) -> Vec<String> {
    let mut dirs: Vec<PathBuf> = std::env::current_dir().into_iter().collect();
    if let Some(f) = file.and_then(|f| f.canonicalize().ok()) {
        dirs.extend(f.parent().map(widen));
    }
    dirs.extend(written_dirs(expr));
    listed(dirs, extra)
}

/// What restricted evaluation lets a tree scan's configs read besides the tree: each absolute
/// path written in a config widened as for a target, the working directory when a config
/// writes a relative path (`import ./cfg.nix`), and the user's `--allow` entries.
pub fn config_allowed(configs: &[&str], extra: &[String]) -> Vec<String> {
    let mut dirs = Vec::new();
    for c in configs {
        dirs.extend(written_dirs(c));
        if has_relative_path(c) {
            dirs.extend(std::env::current_dir());
        }
    }
    listed(dirs, extra)
}

/// The directories of the absolute paths written in `expr`, widened.
fn written_dirs(expr: &str) -> Vec<PathBuf> {
    let mut dirs = Vec::new();
    for p in absolute_paths(expr) {
        let p = Path::new(&p);
        let dir = if p.is_dir() { Some(p) } else { p.parent() };
        dirs.extend(dir.filter(|d| d.is_dir()).map(widen));
    }
    dirs
}

/// `dirs` as `-I` entries with the user's, sorted. The root is never meant: `/.` (in the
/// expression `--file` stands for) would open every file to restricted evaluation (Nix 2.26
/// reads `-I /.` as `/`).
fn listed(dirs: Vec<PathBuf>, extra: &[String]) -> Vec<String> {
    let mut out: Vec<String> = dirs
        .into_iter()
        .filter(|d| d.canonicalize().map_or(true, |c| c.parent().is_some()))
        .map(|d| d.to_string_lossy().into_owned())
        .collect();
    out.extend(extra.iter().cloned());
    out.sort();
    out.dedup();
    out
}

/// Whether `expr` writes a relative path literal (`./x`, `../x`), which Nix resolves against
/// the working directory for a command-line expression.
fn has_relative_path(expr: &str) -> bool {
    let is_path_char = |c: char| c.is_ascii_alphanumeric() || "._-+/".contains(c);
    let mut prev = ' ';
    for (i, c) in expr.char_indices() {
        let rest = &expr[i..];
        if c == '.' && !is_path_char(prev) && (rest.starts_with("./") || rest.starts_with("../")) {
            return true;
        }
        prev = c;
    }
    false
}

/// The outermost ancestor of `dir` reached through directories that all have a default.nix.
fn widen(dir: &Path) -> PathBuf {
    let mut best = dir.to_path_buf();
    let mut cur = dir.parent();
    while let Some(d) = cur {
        if !d.join("default.nix").is_file() {
            break;
        }
        best = d.to_path_buf();
        cur = d.parent();
    }
    best
}

/// Path literals such as `/src/nixpkgs/nixos` in a Nix expression (a rough lexer: enough to
/// find what the user wrote, not to parse Nix).
fn absolute_paths(expr: &str) -> Vec<String> {
    let is_path_char = |c: char| c.is_ascii_alphanumeric() || "._-+/".contains(c);
    let mut out = Vec::new();
    let mut prev = ' ';
    let mut chars = expr.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if c == '/' && !is_path_char(prev) && !matches!(prev, '*' | '"') {
            let rest = &expr[i..];
            let end = rest.find(|c| !is_path_char(c)).unwrap_or(rest.len());
            if end > 1 {
                out.push(rest[..end].trim_end_matches('/').to_owned());
            }
            for _ in 1..end {
                chars.next();
            }
            prev = '/';
            continue;
        }
        prev = c;
    }
    out
}

/// The tree's revision for sources.json: its `.git-revision` (nixpkgs channel tarballs have
/// one), else `git rev-parse HEAD` when the tree is the top of a git checkout (not a directory
/// inside some other repository); `None` when neither says.
pub fn tree_revision(tree: &Path) -> Option<String> {
    let dir = if tree.is_dir() { tree } else { tree.parent()? };
    let from_file = std::fs::read_to_string(dir.join(".git-revision"))
        .ok()
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty());
    from_file.or_else(|| {
        if !dir.join(".git").exists() {
            return None;
        }
        let out = std::process::Command::new("git")
            .arg("-C")
            .arg(dir)
            .args(["rev-parse", "--verify", "HEAD"])
            .stderr(std::process::Stdio::null())
            .output()
            .ok()?;
        let rev = String::from_utf8(out.stdout).ok()?.trim().to_owned();
        (out.status.success() && !rev.is_empty()).then_some(rev)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_absolute_path_literals_only() {
        assert_eq!(
            absolute_paths("(import /src/nixpkgs/nixos { configuration = ./c.nix; }).system"),
            vec!["/src/nixpkgs/nixos"]
        );
        assert_eq!(
            absolute_paths("a / b + \"/x/y\" + ./rel/p"),
            Vec::<String>::new()
        );
    }

    #[test]
    fn file_expr_quotes_attribute_names() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("target.nix");
        std::fs::write(&f, "{}").unwrap();
        let e = file_expr(&f, Some("a.b-c")).unwrap();
        assert!(e.ends_with(".\"a\".\"b-c\""), "{e}");
        assert!(file_expr(&f, Some("a..b")).is_err());
        std::fs::remove_file(&f).unwrap();
        assert!(file_expr(&f, None).is_err());
    }

    #[test]
    fn relative_paths_in_configs_open_the_working_directory() {
        assert!(has_relative_path("import ./cfg.nix"));
        assert!(has_relative_path("(import ../x/cfg.nix) // { }"));
        assert!(!has_relative_path("{ a = 1.5; b = x./y; }"));
        assert!(!has_relative_path("{ allowUnfree = true; }"));
        let cwd = std::env::current_dir()
            .unwrap()
            .to_string_lossy()
            .into_owned();
        assert_eq!(config_allowed(&["import ./c.nix"], &[]), vec![cwd]);
        assert_eq!(
            config_allowed(&["{}"], &["/x".into()]),
            vec!["/x".to_owned()]
        );
    }

    #[test]
    fn the_root_is_never_allowed() {
        let f = tempfile::tempdir().unwrap();
        let file = f.path().join("site.nix");
        std::fs::write(&file, "{ }: { }").unwrap();
        let expr = file_expr(&file, None).unwrap();
        assert!(expr.contains("/. + "), "{expr}");
        let allow = allowed(&expr, Some(&file), &[]);
        assert!(!allow.iter().any(|a| a == "/" || a == "/."), "{allow:?}");
        assert!(
            allow.contains(
                &f.path()
                    .canonicalize()
                    .unwrap()
                    .to_string_lossy()
                    .into_owned()
            )
        );
    }

    #[test]
    fn widens_to_the_outermost_directory_with_default_nix() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().to_owned();
        let sub = root.join("tree/nixos/lib");
        std::fs::create_dir_all(&sub).unwrap();
        for d in ["tree", "tree/nixos"] {
            std::fs::write(root.join(d).join("default.nix"), "{}").unwrap();
        }
        assert_eq!(widen(&sub), root.join("tree"));
        assert_eq!(widen(&root), root);
    }

    #[test]
    fn revision_from_git_revision_file() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        std::fs::write(
            dir.join(".git-revision"),
            "d96bd3394b734487d1c3bfbac0e8f17465e03afe\n",
        )
        .unwrap();
        std::fs::write(dir.join("default.nix"), "{}").unwrap();
        let want = Some("d96bd3394b734487d1c3bfbac0e8f17465e03afe".to_owned());
        assert_eq!(tree_revision(dir), want);
        assert_eq!(
            tree_revision(&dir.join("default.nix")),
            want,
            "a file: its directory"
        );
    }
}

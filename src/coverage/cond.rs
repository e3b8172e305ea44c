//! The conditions a fetch site sits behind (`if stdenv.isDarwin then …`, `optional withX …`,
//! `assert stdenv.isLinux;`), kept as a small tree of what the analysis can judge: tests of the
//! system, reads of nixpkgs' `config`, names (package arguments, let bindings), and the rest.
use super::syntax::{call, callee_name, plain_string, reference, string_value, unparen};
use rnix::ast::{self, BinOpKind, UnaryOpKind};
use rowan::ast::AstNode;
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub enum Cond {
    /// `stdenv.isDarwin`, `hostPlatform.isAarch64` …: the name after the last dot.
    SystemIs(String),
    /// `stdenv.system == "i686-linux"` (or `elem system [ … ]`): true for these systems.
    SystemIn(Vec<String>),
    /// A read of nixpkgs' config: `config.pulseaudio or false`, `getConfig [ "a" "b" ] d`.
    Config(String),
    /// A name: a function argument or a binding, resolved later.
    Name(String),
    Not(Box<Cond>),
    And(Vec<Cond>),
    Or(Vec<Cond>),
    Other,
}

/// A reference to the system: `system`, `builtins.currentSystem`, or `…stdenv.system`,
/// `…hostPlatform.system` (`pkgs.stdenv.system` too).
fn is_system_ref(e: &ast::Expr) -> bool {
    const HOLDERS: &[&str] = &["stdenv", "hostPlatform", "targetPlatform", "buildPlatform"];
    reference(e).is_some_and(|r| match r.as_slice() {
        [s] => s == "system",
        [.., b, c] if b == "builtins" && c == "currentSystem" => true,
        [.., h, s] => s == "system" && HOLDERS.contains(&h.as_str()),
        _ => false,
    })
}

/// A condition as far as it can be read.
pub fn read(e: &ast::Expr) -> Cond {
    let e = unparen(e);
    if let Some(key) = config_read(&e) {
        return Cond::Config(key);
    }
    match &e {
        ast::Expr::UnaryOp(u) if u.operator() == Some(UnaryOpKind::Invert) => u
            .expr()
            .map_or(Cond::Other, |x| Cond::Not(Box::new(read(&x)))),
        ast::Expr::BinOp(b) => binary(b),
        ast::Expr::Ident(i) => Cond::Name(i.syntax().text().to_string()),
        ast::Expr::Select(_) => match reference(&e) {
            Some(r) if r.len() > 1 && r.last().is_some_and(|n| n.starts_with("is")) => {
                Cond::SystemIs(r.last().unwrap().clone())
            }
            _ => Cond::Other,
        },
        ast::Expr::Apply(_) => elem_of_systems(&e).unwrap_or(Cond::Other),
        _ => Cond::Other,
    }
}

fn binary(b: &ast::BinOp) -> Cond {
    let (Some(l), Some(r), Some(op)) = (b.lhs(), b.rhs(), b.operator()) else {
        return Cond::Other;
    };
    match op {
        BinOpKind::And => Cond::And(vec![read(&l), read(&r)]),
        BinOpKind::Or => Cond::Or(vec![read(&l), read(&r)]),
        BinOpKind::Implication => Cond::Or(vec![Cond::Not(Box::new(read(&l))), read(&r)]),
        BinOpKind::Equal | BinOpKind::NotEqual => {
            let system = match (is_system_ref(&l), is_system_ref(&r)) {
                (true, _) => string_value(&r),
                (_, true) => string_value(&l),
                _ => None,
            };
            match system {
                Some(s) if op == BinOpKind::Equal => Cond::SystemIn(vec![s]),
                Some(s) => Cond::Not(Box::new(Cond::SystemIn(vec![s]))),
                None => Cond::Other,
            }
        }
        _ => Cond::Other,
    }
}

/// `elem stdenv.system [ "a" "b" ]`.
fn elem_of_systems(e: &ast::Expr) -> Option<Cond> {
    let (f, args) = call(e)?;
    if callee_name(&f)? != "elem" || args.len() != 2 || !is_system_ref(&args[0]) {
        return None;
    }
    let ast::Expr::List(l) = unparen(&args[1]) else {
        return None;
    };
    let systems = l.items().map(|i| string_value(&i)).collect::<Option<_>>()?;
    Some(Cond::SystemIn(systems))
}

/// The key of a read of nixpkgs' config: `config.a.b` (with or without `or`), `config ? a`,
/// `getConfig [ "a" "b" ] default`, `attrByPath [ "a" ] d config`.
pub fn config_read(e: &ast::Expr) -> Option<String> {
    match unparen(e) {
        ast::Expr::Select(s) => {
            let base = reference(&s.expr()?)?;
            (base == ["config"]).then_some(())?;
            let names = super::syntax::attrpath_names(&s.attrpath()?)?;
            Some(names.join("."))
        }
        ast::Expr::HasAttr(h) => {
            (reference(&h.expr()?)? == ["config"]).then_some(())?;
            Some(super::syntax::attrpath_names(&h.attrpath()?)?.join("."))
        }
        e @ ast::Expr::Apply(_) => {
            let (f, args) = call(&e)?;
            let name = callee_name(&f)?;
            let path = match (name.as_str(), args.as_slice()) {
                ("getConfig", [p, ..]) => p,
                ("attrByPath", [p, _, c]) if reference(c)? == ["config"] => p,
                _ => return None,
            };
            let ast::Expr::List(l) = unparen(path) else {
                return None;
            };
            let names: Option<Vec<String>> = l.items().map(|i| string_value(&i)).collect();
            Some(names?.join("."))
        }
        _ => None,
    }
}

/// The default of a config read, when it is a plain string (`config.x or "en-US"`).
pub fn string_default(e: &ast::Expr) -> Option<String> {
    match unparen(e) {
        ast::Expr::Select(s) => match unparen(&s.default_expr()?) {
            ast::Expr::Str(d) => plain_string(&d),
            _ => None,
        },
        e @ ast::Expr::Apply(_) => {
            let (f, args) = call(&e)?;
            match (callee_name(&f)?.as_str(), args.as_slice()) {
                ("getConfig", [_, d]) | ("attrByPath", [_, d, _]) => string_value(d),
                _ => None,
            }
        }
        _ => None,
    }
}

/// Whether a system (`cpu-os`) passes a test named as nixpkgs' stdenv names them; `None` when
/// the name is not one of those.
fn system_is(name: &str, system: &str) -> Option<bool> {
    let (cpu, os) = system.split_once('-')?;
    let bsd = ["freebsd", "openbsd", "netbsd"].contains(&os);
    Some(match name {
        "isLinux" | "isGNU" | "isGlibc" => os == "linux",
        "isDarwin" => os == "darwin",
        "isFreeBSD" => os == "freebsd",
        "isOpenBSD" => os == "openbsd",
        "isNetBSD" => os == "netbsd",
        "isBSD" => bsd,
        "isSunOS" => os == "solaris",
        "isCygwin" => os == "cygwin",
        "isUnix" => os != "cygwin" && os != "windows",
        "isi686" | "isx86_32" => cpu == "i686",
        "isx86_64" => cpu == "x86_64",
        "isx86" => cpu == "i686" || cpu == "x86_64",
        "isArm" | "isAarch32" => cpu.starts_with("arm"),
        "isAarch64" => cpu == "aarch64",
        "isMips" => cpu.starts_with("mips"),
        "isPower" => cpu.starts_with("powerpc"),
        "is64bit" => ["x86_64", "aarch64", "mips64el", "powerpc64le", "riscv64"].contains(&cpu),
        "is32bit" => cpu == "i686" || cpu.starts_with("arm") || cpu == "mipsel",
        _ => return None,
    })
}

impl Cond {
    /// The condition's value under `system`, with names resolved by `resolve` (`None`: a name
    /// that stays open); `None` when it does not depend on the system alone.
    pub fn on_system(&self, system: &str, resolve: &dyn Fn(&str) -> Option<Cond>) -> Option<bool> {
        self.eval(
            &|c| match c {
                Cond::SystemIs(n) => system_is(n, system),
                Cond::SystemIn(s) => Some(s.iter().any(|x| x == system)),
                _ => None,
            },
            resolve,
            0,
        )
    }

    /// Evaluates with `atom` judging the leaves; unknown leaves make an unknown unless `and`
    /// or `or` decide without them.
    pub fn eval(
        &self,
        atom: &dyn Fn(&Cond) -> Option<bool>,
        resolve: &dyn Fn(&str) -> Option<Cond>,
        depth: u8,
    ) -> Option<bool> {
        match self {
            Cond::Not(c) => c.eval(atom, resolve, depth).map(|b| !b),
            Cond::And(cs) => {
                let vs: Vec<_> = cs.iter().map(|c| c.eval(atom, resolve, depth)).collect();
                if vs.contains(&Some(false)) {
                    Some(false)
                } else {
                    vs.into_iter().collect::<Option<Vec<_>>>().map(|_| true)
                }
            }
            Cond::Or(cs) => {
                let vs: Vec<_> = cs.iter().map(|c| c.eval(atom, resolve, depth)).collect();
                if vs.contains(&Some(true)) {
                    Some(true)
                } else {
                    vs.into_iter().collect::<Option<Vec<_>>>().map(|_| false)
                }
            }
            Cond::Name(n) if depth < 4 => match resolve(n) {
                Some(c) => c.eval(atom, resolve, depth + 1),
                None => atom(self),
            },
            leaf => atom(leaf),
        }
    }

    /// Every leaf, names resolved (each name once).
    pub fn leaves(&self, resolve: &dyn Fn(&str) -> Option<Cond>, out: &mut Vec<Cond>) {
        match self {
            Cond::Not(c) => c.leaves(resolve, out),
            Cond::And(cs) | Cond::Or(cs) => cs.iter().for_each(|c| c.leaves(resolve, out)),
            Cond::Name(n) if !out.contains(self) => {
                out.push(self.clone());
                if let Some(c) = resolve(n) {
                    c.leaves(resolve, out);
                }
            }
            leaf if !out.contains(leaf) => out.push(leaf.clone()),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::syntax::parse;
    use super::*;

    fn none(_: &str) -> Option<Cond> {
        None
    }

    #[test]
    fn system_tests_are_judged_per_system() {
        let c = read(&parse(
            "stdenv.isLinux && !(stdenv.system == \"i686-linux\")",
        ));
        assert_eq!(c.on_system("x86_64-linux", &none), Some(true));
        assert_eq!(c.on_system("i686-linux", &none), Some(false));
        assert_eq!(c.on_system("x86_64-darwin", &none), Some(false));
        let e = read(&parse("lib.elem stdenv.system [ \"aarch64-linux\" ]"));
        assert_eq!(e.on_system("aarch64-linux", &none), Some(true));
        let open = read(&parse("withX || stdenv.isDarwin"));
        assert_eq!(open.on_system("x86_64-darwin", &none), Some(true));
        assert_eq!(open.on_system("x86_64-linux", &none), None);
        let resolve = |n: &str| (n == "withX").then(|| read(&parse("stdenv.isi686")));
        assert_eq!(open.on_system("x86_64-linux", &resolve), Some(false));
    }

    #[test]
    fn config_reads() {
        for (text, key) in [
            ("config.pulseaudio or false", "pulseaudio"),
            ("config.vim.python or true", "vim.python"),
            ("config ? allowUnfree", "allowUnfree"),
            ("getConfig [ \"a\" \"b\" ] false", "a.b"),
            ("lib.attrByPath [ \"x\" ] null config", "x"),
        ] {
            assert_eq!(config_read(&parse(text)).as_deref(), Some(key), "{text}");
        }
        assert_eq!(config_read(&parse("cfg.x or false")), None);
        let d = parse("config.i18n.defaultLocale or \"en-US\"");
        assert_eq!(string_default(&d).as_deref(), Some("en-US"));
        assert_eq!(read(&d), Cond::Config("i18n.defaultLocale".into()));
    }
}

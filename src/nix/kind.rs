//! Which kind of FOD a `.drv` is ([`Fetcher`]) and what re-making it needs ([`Recipe`]), from
//! the `.drv` alone: its builder, the environment nixpkgs' fetchers write (names and values),
//! and the store names of its tools. Nothing else is read: a dependency set's lockfile is inside
//! its `src`, which a scan never builds, so it is named, not read.
//!
//! The rules are in the order they are tried; the first seven kinds are recognised as fodfuzz
//! always did (release-16.03's fetchers classify as before), the others only where those found
//! nothing. Shapes: `docs/reference.md` (fods.jsonl's `fetcher` and `recipe`).
use super::store::name_of;
use crate::model::{Fetcher, Recipe};
use std::collections::BTreeMap;

type Env = BTreeMap<String, String>;

/// The kind of the FOD whose builder is `builder`, with environment `env`, and its recipe.
/// `restrict_message`: the builder runs requireFile's `…-restrict-message` script.
pub fn classify(builder: &str, restrict_message: bool, env: &Env) -> (Fetcher, Recipe) {
    let has = |k: &str| env.contains_key(k);
    let mut recipe = Recipe::default();
    let fetcher = if builder == "builtin:fetchurl" {
        Fetcher::Builtin
    } else if has("fetchSubmodules") || has("leaveDotGit") || has("deepClone") {
        recipe = git(env);
        Fetcher::Git
    } else if has("subrepoClause") {
        Fetcher::Hg
    } else if has("ignoreExternals") || has("SVN_SSH") {
        Fetcher::Svn
    } else if restrict_message || !is_program(builder) {
        // A builder that is no program cannot run: its text is a message saying how to add the
        // path by hand (26.11's minimal-bootstrap sources), as requireFile's script does.
        Fetcher::RequireFile
    } else if let Some(kind) = other_checkout(env) {
        kind
    } else if has("tlOutputName") {
        // buildTeXLivePackage's fixed outputs: `tar -xf $src` of the package's container.
        recipe.function = Some("texlive".into());
        Fetcher::Texlive
    } else if has("imageDigest") && has("sourceURL") {
        recipe.function = Some("dockerTools.pullImage".into());
        recipe.image = env.get("sourceURL").cloned();
        Fetcher::DockerImage
    } else if has("urls") || has("url") {
        recipe = download(env);
        Fetcher::Url
    } else if let Some((kind, r)) = dependency_set(env) {
        recipe = r;
        kind
    } else {
        Fetcher::Unknown
    };
    if fetcher.is_checkout() && recipe.rev.is_none() {
        // hg, svn, bzr, darcs, fossil: `rev`; fetchcvs: a `tag` (or a `date`).
        recipe.rev = set(env, "rev")
            .or_else(|| set(env, "tag"))
            .or_else(|| set(env, "date"));
    }
    if !matches!(
        fetcher,
        Fetcher::Url | Fetcher::Builtin | Fetcher::RequireFile
    ) && recipe.src.is_none()
    {
        recipe.src = set(env, "src").filter(|s| s.starts_with('/'));
    }
    (fetcher, recipe)
}

/// A builder Nix can execute: a path, or one of Nix's `builtin:` builders.
fn is_program(builder: &str) -> bool {
    builder.starts_with('/') || builder.starts_with("builtin:")
}

/// `env[key]`, when not empty.
fn set(env: &Env, key: &str) -> Option<String> {
    env.get(key).filter(|v| !v.trim().is_empty()).cloned()
}

fn flag(env: &Env, key: &str) -> bool {
    env.get(key).is_some_and(|v| v == "1")
}

/// The store names of the tools the builder runs with (`nativeBuildInputs`, `buildInputs`),
/// without an interpreter's prefix (`python3.13-breezy-3.3.21` is `breezy-3.3.21`).
fn tools(env: &Env) -> impl Iterator<Item = String> + '_ {
    ["nativeBuildInputs", "buildInputs"]
        .into_iter()
        .filter_map(|k| env.get(k))
        .flat_map(|v| v.split_whitespace())
        .filter(|p| p.starts_with('/'))
        .map(|p| {
            let name = name_of(p);
            match name.split_once('-') {
                Some((first, rest)) if first.starts_with("python") => rest.to_owned(),
                _ => name,
            }
        })
}

/// Whether the builder runs with the package `name` (any version, or none).
fn uses(env: &Env, name: &str) -> bool {
    tools(env).any(|t| {
        // `name` whole: then nothing, or a version (`prefetch` is not `prefetch-npm-deps-0.1.0`).
        t.strip_prefix(name).is_some_and(|rest| {
            rest.is_empty()
                || rest
                    .strip_prefix('-')
                    .is_some_and(|v| v.starts_with(|c: char| c.is_ascii_digit()))
        })
    })
}

/// The build scripts of a stdenv derivation, where a hand-written FOD says what it runs.
fn scripts(env: &Env) -> String {
    [
        "buildCommand",
        "configurePhase",
        "buildPhase",
        "installPhase",
        "fixupPhase",
    ]
    .iter()
    .filter_map(|k| env.get(*k))
    .map(String::as_str)
    .collect::<Vec<_>>()
    .join("\n")
}

/// fetchgit (and fetchFromGitHub … with `fetchSubmodules`, `leaveDotGit`, `sparseCheckout`):
/// what the checkout is of.
fn git(env: &Env) -> Recipe {
    let forge = env.contains_key("githubBase");
    let sparse: Vec<String> = match set(env, "sparseCheckoutText") {
        Some(text) => text.lines().map(str::trim).map(str::to_owned).collect(),
        None => set(env, "sparseCheckout")
            .map(|s| s.split_whitespace().map(str::to_owned).collect())
            .unwrap_or_default(),
    };
    Recipe {
        function: Some(if forge { "fetchFromGitHub" } else { "fetchgit" }.into()),
        rev: set(env, "rev"),
        tag: set(env, "tag"),
        submodules: flag(env, "fetchSubmodules"),
        sparse_checkout: sparse.into_iter().filter(|p| !p.is_empty()).collect(),
        leave_dot_git: flag(env, "leaveDotGit"),
        deep_clone: flag(env, "deepClone"),
        lfs: flag(env, "fetchLFS"),
        ..Recipe::default()
    }
}

/// fetchcvs (its `cvsRoot`), fetchbzr, fetchdarcs and fetchfossil (a `url`, and the tool
/// that checks it out: breezy or bazaar, darcs, fossil).
fn other_checkout(env: &Env) -> Option<Fetcher> {
    if env.contains_key("cvsRoot") {
        return Some(Fetcher::Cvs);
    }
    if !env.contains_key("url") {
        return None;
    }
    [
        ("breezy", Fetcher::Bzr),
        ("bazaar", Fetcher::Bzr),
        ("darcs", Fetcher::Darcs),
        ("fossil", Fetcher::Fossil),
    ]
    .into_iter()
    .find(|(tool, _)| uses(env, tool))
    .map(|(_, kind)| kind)
}

/// Forge archives by their urls, as fetchFromGitLab and the others write them (fetchFromGitHub
/// also says so in its environment).
const ARCHIVES: &[(&str, &str, &str)] = &[
    ("github.com/", "/archive/", "fetchFromGitHub"),
    (
        "/api/v4/projects/",
        "/repository/archive",
        "fetchFromGitLab",
    ),
    ("git.sr.ht/", "/archive/", "fetchFromSourcehut"),
    ("codeberg.org/", "/archive/", "fetchFromCodeberg"),
    ("bitbucket.org/", "/get/", "fetchFromBitbucket"),
    ("crates.io/", "/crates/", "fetchCrate"),
];

/// The urls a fetchurl's environment gives: `urls` (split on whitespace), else a non-empty `url`.
pub fn urls(env: &Env) -> Vec<&str> {
    match (env.get("urls"), env.get("url")) {
        (Some(u), _) if !u.trim().is_empty() => u.split_whitespace().collect(),
        (_, Some(u)) if !u.is_empty() => vec![u.as_str()],
        _ => vec![],
    }
}

/// A nixpkgs fetchurl (or a function built on it): which one, from its `postFetch` and urls.
fn download(env: &Env) -> Recipe {
    let post_fetch = env.get("postFetch").map_or("", |p| p.trim());
    let urls = urls(env);
    let any_url = |f: &dyn Fn(&str) -> bool| urls.iter().any(|u| f(u));
    let function = if env.contains_key("githubBase") {
        "fetchFromGitHub"
    } else if post_fetch.contains("lsdiff") && post_fetch.contains("filterdiff") {
        patch_function(env, post_fetch, &urls)
    } else if post_fetch.contains("unpackFile") || post_fetch.contains("unpackDir") {
        ARCHIVES
            .iter()
            .find(|(host, path, _)| any_url(&|u| u.contains(host) && u.contains(path)))
            .map_or("fetchzip", |(_, _, f)| f)
    } else if any_url(&|u| u.starts_with("mirror://pypi/") || u.contains("files.pythonhosted.org/"))
    {
        "fetchPypi"
    } else if any_url(&|u| u.contains("nuget.org/") && u.contains("/package/")) {
        "fetchNupkg"
    } else {
        "fetchurl"
    };
    let forge = function.starts_with("fetchFrom");
    Recipe {
        function: Some(function.into()),
        rev: set(env, "rev").filter(|_| forge),
        tag: set(env, "tag").filter(|_| forge),
        ..Recipe::default()
    }
}

/// fetchpatch (patchutils 0.3.3, pinned for the hashes written with it), fetchpatch2 (a later
/// patchutils) and fetchDebianPatch (fetchpatch of a patch in a Debian package).
fn patch_function(env: &Env, post_fetch: &str, urls: &[&str]) -> &'static str {
    if urls
        .iter()
        .any(|u| u.contains("debian.") && u.contains("/debian/patches/"))
    {
        "fetchDebianPatch"
    } else if post_fetch.contains("patchutils-0.3.3") || uses(env, "patchutils-0.3.3") {
        "fetchpatch"
    } else if uses(env, "patchutils") || post_fetch.contains("-patchutils-") {
        "fetchpatch2"
    } else {
        "fetchpatch"
    }
}

/// A package manager's dependencies, resolved from a lockfile by the FOD's own build.
fn dependency_set(env: &Env) -> Option<(Fetcher, Recipe)> {
    let scripts = scripts(env);
    let name = env.get("name").map_or("", String::as_str);
    let has = |k: &str| env.contains_key(k);
    let (kind, function, lockfile): (Fetcher, Option<&str>, &str) = if scripts
        .contains("fetch-cargo-vendor-util")
        || uses(env, "fetch-cargo-vendor-util")
    {
        (Fetcher::CargoVendor, Some("fetchCargoVendor"), "Cargo.lock")
    } else if has("cargoUpdateHook") || has("rustRegistry") || scripts.contains("cargo vendor") {
        let f = if has("rustRegistry") {
            "fetchcargo"
        } else {
            "fetchCargoTarball"
        };
        (Fetcher::CargoVendor, Some(f), "Cargo.lock")
    } else if has("GO111MODULE") || (has("modRoot") && scripts.contains("go mod ")) {
        (Fetcher::GoModules, Some("buildGoModule"), "go.mod")
    } else if has("NPM_FETCHER_VERSION") || uses(env, "prefetch-npm-deps") {
        (Fetcher::NpmDeps, Some("fetchNpmDeps"), "package-lock.json")
    } else if scripts.contains("prefetch-yarn-deps") {
        (Fetcher::YarnDeps, Some("fetchYarnDeps"), "yarn.lock")
    } else if scripts.contains("yarn-berry-fetcher") {
        (Fetcher::YarnDeps, Some("fetchYarnBerryDeps"), "yarn.lock")
    } else if name.ends_with("-pnpm-deps") || (has("pnpm") && scripts.contains("pnpm install")) {
        (Fetcher::PnpmDeps, Some("fetchPnpmDeps"), "pnpm-lock.yaml")
    } else if scripts.contains("bun install") {
        (Fetcher::BunDeps, None, "bun.lock")
    } else if name.starts_with("maven-deps-") || (uses(env, "maven") && scripts.contains("mvn ")) {
        (Fetcher::MavenDeps, Some("buildMavenPackage"), "pom.xml")
    } else {
        return None;
    };
    Some((kind, dependency_recipe(env, kind, function, lockfile)))
}

/// Where a dependency set's lockfile is: below its root directory (`cargoRoot`, `modRoot`), or
/// the store path fetchYarnDeps was given.
fn dependency_recipe(env: &Env, kind: Fetcher, function: Option<&str>, lockfile: &str) -> Recipe {
    let root = match kind {
        Fetcher::CargoVendor => set(env, "cargoRoot"),
        Fetcher::GoModules => set(env, "modRoot"),
        _ => None,
    };
    let lockfile = match (kind, set(env, "yarnLock")) {
        (Fetcher::YarnDeps, Some(store)) if store.starts_with('/') => store,
        _ => match root.as_deref().map(|r| r.trim_end_matches('/')) {
            Some(r) if r != "." && r != "./" && !r.is_empty() => {
                format!("{}/{lockfile}", r.trim_start_matches("./"))
            }
            _ => lockfile.to_owned(),
        },
    };
    Recipe {
        function: function.map(str::to_owned),
        lockfile: Some(lockfile),
        source_root: set(env, "sourceRoot"),
        fetcher_version: set(env, "fetcherVersion").or_else(|| set(env, "NPM_FETCHER_VERSION")),
        ..Recipe::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// How fodfuzz classified before 26.11's kinds were named (the rules release-16.03's
    /// fetchers were read with).
    fn before(builder: &str, restrict_message: bool, env: &Env) -> Fetcher {
        let has = |k: &str| env.contains_key(k);
        if builder == "builtin:fetchurl" {
            Fetcher::Builtin
        } else if has("fetchSubmodules") || has("leaveDotGit") || has("deepClone") {
            Fetcher::Git
        } else if has("subrepoClause") {
            Fetcher::Hg
        } else if has("ignoreExternals") || has("SVN_SSH") {
            Fetcher::Svn
        } else if restrict_message {
            Fetcher::RequireFile
        } else if has("urls") || has("url") {
            Fetcher::Url
        } else {
            Fetcher::Unknown
        }
    }

    /// Keys the old fetchers write, and keys the new rules read, with values that matter.
    const OLD_KEYS: &[&str] = &[
        "fetchSubmodules",
        "leaveDotGit",
        "deepClone",
        "subrepoClause",
        "ignoreExternals",
        "SVN_SSH",
        "url",
        "urls",
        "rev",
        "postFetch",
        "mirrorsFile",
        "outputHash",
        "name",
        "src",
    ];
    const NEW_KEYS: &[&str] = &[
        "tlOutputName",
        "imageDigest",
        "sourceURL",
        "cvsRoot",
        "githubBase",
        "tag",
        "sparseCheckout",
        "sparseCheckoutText",
        "cargoRoot",
        "modRoot",
        "GO111MODULE",
        "NPM_FETCHER_VERSION",
        "fetcherVersion",
        "yarnLock",
        "pnpm",
        "cargoUpdateHook",
        "rustRegistry",
        "buildPhase",
        "installPhase",
        "buildCommand",
        "nativeBuildInputs",
        "buildInputs",
    ];
    const VALUES: &[&str] = &[
        "",
        "1",
        "./",
        "sub/dir",
        "refs/tags/v1",
        "/nix/store/aaa-source",
        "/nix/store/aaa-breezy-3.3 /nix/store/bbb-patchutils-0.3.3",
        "/nix/store/aaa-fetch-cargo-vendor-util",
        "mirror://pypi/r/x.tar.gz https://github.com/o/r/archive/v1.tar.gz",
        "unpackFile $downloadedFile",
        "lsdiff $out | filterdiff",
        "bun install; go mod vendor; mvn package; pnpm install; cargo vendor",
        "prefetch-yarn-deps yarn-berry-fetcher",
        "x-pnpm-deps",
        "maven-deps-x",
        "a\nb c",
    ];

    fn env_of(keys: &'static [&'static str]) -> impl Strategy<Value = Env> {
        proptest::collection::btree_map(
            proptest::sample::select(keys).prop_map(str::to_owned),
            prop_oneof![
                proptest::sample::select(VALUES).prop_map(str::to_owned),
                ".{0,40}",
            ],
            0..8,
        )
    }

    fn all_keys() -> &'static [&'static str] {
        static ALL: std::sync::OnceLock<Vec<&'static str>> = std::sync::OnceLock::new();
        ALL.get_or_init(|| OLD_KEYS.iter().chain(NEW_KEYS).copied().collect())
    }

    proptest! {
        /// Any environment, any builder: a kind, and a recipe that says no more than the
        /// environment (a function only for kinds that name one; a lockfile only for
        /// dependency sets).
        #[test]
        fn total_on_any_environment(
            env in env_of(all_keys()),
            builder in prop_oneof![
                Just("builtin:fetchurl".to_owned()),
                Just("/nix/store/x-bash/bin/bash".to_owned()),
                ".{0,20}",
            ],
            restrict in any::<bool>(),
        ) {
            let (kind, recipe) = classify(&builder, restrict, &env);
            prop_assert_eq!(classify(&builder, restrict, &env), (kind, recipe.clone()));
            if builder == "builtin:fetchurl" {
                prop_assert_eq!(kind, Fetcher::Builtin);
            }
            prop_assert_eq!(recipe.lockfile.is_some(), kind.is_dependency_set());
            if kind == Fetcher::Url {
                prop_assert!(recipe.function.is_some());
            }
            let json = serde_json::to_string(&recipe).unwrap();
            prop_assert_eq!(serde_json::from_str::<Recipe>(&json).unwrap(), recipe);
        }

        /// The fetchers fodfuzz knew before (release-16.03's) classify as they did.
        #[test]
        fn old_fetchers_classify_as_before(
            env in env_of(OLD_KEYS),
            restrict in any::<bool>(),
            builtin in any::<bool>(),
        ) {
            let builder = if builtin { "builtin:fetchurl" } else { "/nix/store/x-bash/bin/bash" };
            prop_assert_eq!(classify(builder, restrict, &env).0, before(builder, restrict, &env));
        }
    }

    #[test]
    fn tools_are_known_by_their_store_names() {
        let env: Env = [(
            "nativeBuildInputs".to_owned(),
            "/nix/store/gs1-python3.13-breezy-3.3.21 /nix/store/0ib-patchutils-0.3.3 /nix/store/m20-prefetch-npm-deps-0.1.0".to_owned(),
        )]
        .into();
        assert!(uses(&env, "breezy") && uses(&env, "patchutils") && uses(&env, "patchutils-0.3.3"));
        assert!(
            uses(&env, "prefetch-npm-deps") && !uses(&env, "prefetch") && !uses(&env, "bazaar")
        );
    }
}

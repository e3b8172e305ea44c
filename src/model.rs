//! What a scan finds, as values: FODs, failures, who reaches them, and the cells of the matrix.
//! Depends on nothing else in fodfuzz; everything else depends on it. The merge of findings is a
//! union that is order-independent and idempotent, so results of cells, workers and runs combine
//! in any order.
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

/// One cell of the matrix: a system and a config; for a variation of a configuration search,
/// also where its walk starts and the package overrides it applies.
#[derive(Clone, Debug, PartialEq)]
pub struct Cell {
    pub system: String,
    /// The Nix expression passed as nixpkgs' `config`.
    pub config: String,
    /// How the config is named in outputs: its name in a matrix file, else the expression.
    pub label: String,
    /// Attribute paths the walk starts from; none: the root.
    pub start: Vec<Vec<String>>,
    /// `pkg.override ARGS` at these paths (ARGS a Nix attribute set expression).
    pub overrides: Vec<Override>,
    /// Walk lists too, and every member of a start path, pruned names included: a variation
    /// that enters the entries of a data file (texlive's `texlive.<name>.pkgs` lists hold its
    /// doc and source containers, which no scheme combines).
    pub lists: bool,
    /// Evaluate NixOS tests (a derivation with `nodes` and a `driver`): each is whole NixOS
    /// systems, 15–25 s on 26.11. Off: each is a `nixos-test` failure, not evaluated.
    pub nixos_tests: bool,
}

/// A package override a cell applies: the value at `path` is `(value).override (ARGS)`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Override {
    pub path: Vec<String>,
    pub args: String,
}

impl Cell {
    /// A whole-tree cell of `system` and `config`, named `label` in outputs.
    pub fn new(system: &str, config: &str, label: &str) -> Cell {
        Cell {
            system: system.into(),
            config: config.into(),
            label: label.into(),
            start: Vec::new(),
            overrides: Vec::new(),
            lists: false,
            nixos_tests: false,
        }
    }
}

/// One (attribute path, system, config) that reaches something.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Reach {
    #[serde(rename = "attrPath")]
    pub attr_path: String,
    pub system: String,
    pub config: String,
    /// How an attribute that failed reaches it; `None`: its derivation evaluated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub via: Option<Via>,
}

impl Reach {
    /// The attribute at `attr_path` of a cell, whose derivation evaluated.
    pub fn new(attr_path: String, system: &str, config: &str) -> Reach {
        Reach {
            attr_path,
            system: system.into(),
            config: config.into(),
            via: None,
        }
    }
}

/// What a failing attribute is listed with, and how it was found: a partial answer, since the
/// attribute has no derivation whose closure could be read whole.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Via {
    /// The `.drv` Nix could not build during evaluation (import from derivation is off): its
    /// closure is what evaluating the attribute needs built.
    ImportFromDerivation,
    /// The derivations among its derivation's arguments (one level down, and below those
    /// that fail in turn) whose drvPath evaluated: inputs it would have had.
    Inputs,
}

impl Via {
    pub fn as_str(self) -> &'static str {
        match self {
            Via::ImportFromDerivation => "import-from-derivation",
            Via::Inputs => "inputs",
        }
    }
}

/// How a FOD fetches, classified from what nixpkgs' fetchers put in the `.drv` (`nix::kind`).
/// The first seven are what fodfuzz wrote before 26.11's kinds were named, and keep their
/// meaning, so that old fods.jsonl files read as they were written; which function made a FOD
/// of a kind, and what re-making it needs, is its [`Recipe`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Fetcher {
    /// A download by nixpkgs' fetchurl, maybe unpacked or filtered after (fetchzip, fetchpatch,
    /// forge archives, fetchPypi, fetchNupkg …).
    Url,
    Git,
    Svn,
    Hg,
    RequireFile,
    /// Nix's own `builtin:fetchurl`.
    Builtin,
    Unknown,
    Bzr,
    Cvs,
    Darcs,
    Fossil,
    /// A texlive package's output (`…-tex`, `…-texdoc` …) unpacked from its container, a `url`
    /// FOD: re-made without a network.
    Texlive,
    /// Rust crates of a Cargo.lock: fetchCargoVendor's `…-vendor-staging`, or the older
    /// fetchCargoTarball / fetchcargo (`cargoHash`, `cargoSha256`).
    CargoVendor,
    /// buildGoModule's `goModules` (`vendorHash`): `go mod vendor` or `go mod download`.
    GoModules,
    /// fetchNpmDeps (`npmDepsHash`): prefetch-npm-deps over package-lock.json.
    NpmDeps,
    /// fetchYarnDeps (`…-offline`, yarn v1) or yarn-berry's fetcher.
    YarnDeps,
    /// fetchPnpmDeps (`pnpm.fetchDeps`, `…-pnpm-deps`).
    PnpmDeps,
    /// A hand-written FOD whose build runs `bun install` (node_modules of bun.lock).
    BunDeps,
    /// buildMavenPackage's `…-maven-deps` (`mvnHash`).
    MavenDeps,
    /// dockerTools.pullImage: skopeo copies an image by digest.
    DockerImage,
}

impl Fetcher {
    /// The name fods.jsonl writes.
    pub fn as_str(self) -> &'static str {
        match self {
            Fetcher::Url => "url",
            Fetcher::Git => "git",
            Fetcher::Svn => "svn",
            Fetcher::Hg => "hg",
            Fetcher::RequireFile => "requireFile",
            Fetcher::Builtin => "builtin",
            Fetcher::Unknown => "unknown",
            Fetcher::Bzr => "bzr",
            Fetcher::Cvs => "cvs",
            Fetcher::Darcs => "darcs",
            Fetcher::Fossil => "fossil",
            Fetcher::Texlive => "texlive",
            Fetcher::CargoVendor => "cargoVendor",
            Fetcher::GoModules => "goModules",
            Fetcher::NpmDeps => "npmDeps",
            Fetcher::YarnDeps => "yarnDeps",
            Fetcher::PnpmDeps => "pnpmDeps",
            Fetcher::BunDeps => "bunDeps",
            Fetcher::MavenDeps => "mavenDeps",
            Fetcher::DockerImage => "dockerImage",
        }
    }

    /// A version control checkout: what a download cannot verify, but `git ls-remote` and the
    /// like could.
    pub fn is_checkout(self) -> bool {
        matches!(
            self,
            Fetcher::Git
                | Fetcher::Svn
                | Fetcher::Hg
                | Fetcher::Bzr
                | Fetcher::Cvs
                | Fetcher::Darcs
                | Fetcher::Fossil
        )
    }

    /// A set of dependencies a package manager resolves from a lockfile inside the build: no
    /// url of the .drv gives it, only a build (or a cache) does.
    pub fn is_dependency_set(self) -> bool {
        matches!(
            self,
            Fetcher::CargoVendor
                | Fetcher::GoModules
                | Fetcher::NpmDeps
                | Fetcher::YarnDeps
                | Fetcher::PnpmDeps
                | Fetcher::BunDeps
                | Fetcher::MavenDeps
        )
    }
}

/// What a FOD's `.drv` says about how it is made, beyond its kind: the nixpkgs function whose
/// shape it has and what re-making it needs. Only what the .drv shows: a dependency set's
/// lockfile is named, not read (it is inside `src`, which a scan does not build). Written in
/// fods.jsonl as `recipe`, without empty fields; absent from files written before it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Recipe {
    /// The nixpkgs function, e.g. `fetchzip`, `fetchFromGitHub`, `fetchCargoVendor`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub function: Option<String>,
    /// The revision a checkout or a forge archive is of (a git `tag` as `refs/tags/…`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rev: Option<String>,
    /// fetchgit's `tag`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tag: Option<String>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub submodules: bool,
    /// fetchgit's `sparseCheckout`: the paths checked out.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub sparse_checkout: Vec<String>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub leave_dot_git: bool,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub deep_clone: bool,
    /// fetchgit's `fetchLFS`.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub lfs: bool,
    /// The store path the builder starts from: a dependency set's source (holding its
    /// lockfile), a texlive container.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub src: Option<String>,
    /// The lockfile the builder reads, relative to the unpacked `src` (below `sourceRoot` when
    /// set), or a store path when the .drv names one (fetchYarnDeps' `yarnLock`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lockfile: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_root: Option<String>,
    /// The fetcher's own version (`fetcherVersion`, `NPM_FETCHER_VERSION`): its output changes
    /// with it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fetcher_version: Option<String>,
    /// Where an image comes from (dockerTools.pullImage's `sourceURL`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
}

impl Recipe {
    pub fn is_empty(&self) -> bool {
        *self == Recipe::default()
    }
}

/// Whether a FOD's hash is of the file (`flat`) or of its NAR serialisation (`recursive`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum HashMode {
    Flat,
    Recursive,
}

impl std::fmt::Display for HashMode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            HashMode::Flat => "flat",
            HashMode::Recursive => "recursive",
        })
    }
}

/// What the mirror files need beyond fods.jsonl, from the `.drv`'s environment.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Source {
    /// `outputHash` / `outputHashAlgo` as the expression wrote them (`None`: not in the
    /// environment, e.g. a null dropped by `__ignoreNulls`): find-tarballs.nix prints these.
    pub written_hash: Option<String>,
    pub written_algo: Option<String>,
    /// A non-empty `postFetch`: the file at the url is not the output (fetchpatch, fetchzip).
    pub post_fetch: bool,
    /// The revision a git/hg/svn fetcher checks out (`rev`), when not empty.
    pub rev: Option<String>,
    /// fetchgit's `fetchSubmodules`.
    pub submodules: bool,
    /// The input .drv whose environment lists the `mirror://` sites (fetchurl's `mirrorsFile`),
    /// kept only when a url needs it.
    pub mirrors_drv: Option<String>,
    /// requireFile: the instructions its builder prints.
    pub message: Option<String>,
}

/// How many attribute paths a FOD is listed with per cell, at most: the nearest of them.
pub const NEAREST: usize = 5;

/// Who reaches a FOD in one cell: how many attributes, and the nearest few. Not every reaching
/// attribute: a bootstrap source is reached by every derivation of a cell (~75,000 on
/// release-16.03), and listing them all made fods.jsonl grow with FODs × derivations.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CellReach {
    pub system: String,
    /// The config's label.
    pub config: String,
    /// Every attribute of the cell whose build closure holds the FOD.
    pub attributes: u64,
    /// Attributes that failed and reach the FOD partially (see [`Via`]); not in `attributes`.
    pub partial: u64,
    /// The fewest dependency edges from a reaching attribute's derivation to the FOD (0: an
    /// attribute is the FOD itself, 1: the FOD is a direct input of its derivation); of the
    /// attributes that failed only when no other reaches it.
    pub distance: u32,
    /// The attribute paths at that distance, or at 0 and 1 when it is at most 1 (the FOD itself
    /// and the attributes that use it directly): sorted, the first [`NEAREST`]. Attributes that
    /// failed only when no other reaches the FOD, so that what a whole derivation needs is
    /// listed as before.
    pub nearest: Vec<Nearest>,
}

/// A nearest reaching attribute, and how it reaches the FOD when it failed.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Nearest {
    pub attr_path: String,
    pub via: Option<Via>,
}

impl Nearest {
    #[cfg(test)]
    pub fn plain(attr_path: &str) -> Nearest {
        Nearest {
            attr_path: attr_path.into(),
            via: None,
        }
    }
}

impl CellReach {
    /// The order of what the nearest are: attributes that evaluated before those that failed,
    /// then by tier (distances 0 and 1 are listed together).
    fn rank(&self) -> (bool, u32) {
        (self.attributes == 0, self.distance.max(1))
    }

    /// The same cell's reach seen from another part (a semilattice: order-independent and
    /// idempotent). Counts of one cell come from one graph, so the larger is kept, never a sum.
    pub fn merge(&mut self, other: &CellReach) {
        let (mine, theirs) = (self.rank(), other.rank());
        self.attributes = self.attributes.max(other.attributes);
        self.partial = self.partial.max(other.partial);
        match theirs.cmp(&mine) {
            std::cmp::Ordering::Less => {
                self.nearest = other.nearest.clone();
                self.distance = other.distance;
            }
            std::cmp::Ordering::Equal => {
                self.nearest.extend(other.nearest.iter().cloned());
                self.nearest.sort();
                self.nearest.dedup();
                self.nearest.truncate(NEAREST);
                self.distance = self.distance.min(other.distance);
            }
            std::cmp::Ordering::Greater => {}
        }
    }
}

/// A FOD and who reaches it, per cell.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fod {
    pub out_path: String,
    pub drv_path: String,
    pub name: String,
    /// SRI form, e.g. `sha256-…`.
    pub hash: String,
    pub hash_mode: HashMode,
    pub urls: Vec<String>,
    pub fetcher: Fetcher,
    /// How it is made, as far as its .drv says.
    pub recipe: Recipe,
    /// What only the mirror files use (revision, hash as written, mirror lists …).
    pub source: Source,
    /// One entry per cell that reaches the FOD, sorted by (system, config).
    pub reach: Vec<CellReach>,
}

/// Merges `other` into `reach`, both sorted by (system, config).
fn merge_reach(reach: &mut Vec<CellReach>, other: &[CellReach]) {
    for o in other {
        match reach.binary_search_by(|c| (&c.system, &c.config).cmp(&(&o.system, &o.config))) {
            Ok(i) => reach[i].merge(o),
            Err(i) => reach.insert(i, o.clone()),
        }
    }
}

/// Why an attribute failed. Written as the kebab-case name; ordered by that name, so that
/// failures.jsonl sorts as it always has.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FailureKind {
    /// A throw or assert (caught by `tryEval`, or re-run alone with `--explain`).
    Throw,
    AttributeMissing,
    UndefinedVariable,
    InfiniteRecursion,
    StackOverflow,
    /// Any other evaluation error.
    EvalError,
    Timeout,
    /// The evaluator died (a signal, or an exit without a result).
    Crash,
    /// Alone above the memory budget.
    Oom,
    EvalTimeFetch,
    ForbiddenPath,
    ImportFromDerivation,
    /// A list too long to walk (the harness's `hugeList`), reported with its length.
    TooLarge,
    /// A NixOS test not evaluated (`scan --nixos-tests` evaluates them).
    NixosTest,
}

impl FailureKind {
    pub fn as_str(self) -> &'static str {
        match self {
            FailureKind::Throw => "throw",
            FailureKind::AttributeMissing => "attribute-missing",
            FailureKind::UndefinedVariable => "undefined-variable",
            FailureKind::InfiniteRecursion => "infinite-recursion",
            FailureKind::StackOverflow => "stack-overflow",
            FailureKind::EvalError => "eval-error",
            FailureKind::Timeout => "timeout",
            FailureKind::Crash => "crash",
            FailureKind::Oom => "oom",
            FailureKind::EvalTimeFetch => "eval-time-fetch",
            FailureKind::ForbiddenPath => "forbidden-path",
            FailureKind::ImportFromDerivation => "import-from-derivation",
            FailureKind::TooLarge => "too-large",
            FailureKind::NixosTest => "nixos-test",
        }
    }
}

impl Ord for FailureKind {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.as_str().cmp(other.as_str())
    }
}

impl PartialOrd for FailureKind {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl std::fmt::Display for FailureKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Failure {
    #[serde(rename = "attrPath")]
    pub attr_path: String,
    pub system: String,
    pub config: String,
    pub kind: FailureKind,
    pub message: String,
}

impl Failure {
    pub fn new(reach: Reach, kind: FailureKind, message: String) -> Failure {
        Failure {
            attr_path: reach.attr_path,
            system: reach.system,
            config: reach.config,
            kind,
            message,
        }
    }
}

/// What the walk of one cell did.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CellStats {
    pub visited: u64,
    pub derivations: u64,
    pub failures: u64,
    pub cycles_pruned: u64,
    pub depth_pruned: u64,
    /// Package sets (an interpreter's `pkgs`, an override's copy) and NixOS configurations (a
    /// NixOS test's nodes) hung on a derivation, not walked: copies of what the walk reaches
    /// elsewhere, or machinery rather than the package's own sources.
    pub package_sets_pruned: u64,
    pub nixos_pruned: u64,
    /// Sets found to be another walked set under a second name, and not walked again.
    pub aliased_sets: u64,
    /// The attribute visits below those sets that were not repeated.
    pub visits_saved: u64,
    /// Attributes that failed yet reach something in part (see [`Via`]).
    pub partial_attributes: u64,
    /// Derivations whose own attributes were walked (passthru sets, `foo.pkgs`).
    pub entered_derivations: u64,
    /// Time from the start of the run until the cell's last attribute was done.
    pub wall: Duration,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Findings {
    pub fods: BTreeMap<String, Fod>,
    pub failures: BTreeSet<Failure>,
}

impl Findings {
    pub fn add_fod(&mut self, fod: Fod) {
        match self.fods.get_mut(&fod.out_path) {
            None => {
                self.fods.insert(fod.out_path.clone(), fod);
            }
            Some(have) => {
                // Same output, possibly from derivations that differ only in urls: keep the
                // description of the smallest drvPath so that the result does not depend on order.
                let mut reach = std::mem::take(&mut have.reach);
                merge_reach(&mut reach, &fod.reach);
                if fod.drv_path < have.drv_path {
                    *have = Fod {
                        reach: Vec::new(),
                        ..fod
                    };
                }
                have.reach = reach;
            }
        }
    }

    pub fn merge(&mut self, other: Findings) {
        for fod in other.fods.into_values() {
            self.add_fod(fod);
        }
        self.failures.extend(other.failures);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn kinds_are_written_and_ordered_by_their_names() {
        let all = [
            FailureKind::Throw,
            FailureKind::AttributeMissing,
            FailureKind::UndefinedVariable,
            FailureKind::InfiniteRecursion,
            FailureKind::StackOverflow,
            FailureKind::EvalError,
            FailureKind::Timeout,
            FailureKind::Crash,
            FailureKind::Oom,
            FailureKind::EvalTimeFetch,
            FailureKind::ForbiddenPath,
            FailureKind::ImportFromDerivation,
            FailureKind::TooLarge,
            FailureKind::NixosTest,
        ];
        for k in all {
            assert_eq!(serde_json::to_value(k).unwrap(), k.as_str());
            let back: FailureKind = serde_json::from_value(k.as_str().into()).unwrap();
            assert_eq!(back, k);
        }
        let mut sorted = all.to_vec();
        sorted.sort();
        let names: Vec<&str> = sorted.iter().map(|k| k.as_str()).collect();
        let mut by_name = names.clone();
        by_name.sort();
        assert_eq!(names, by_name);
        assert_eq!(
            serde_json::to_value(Fetcher::RequireFile).unwrap(),
            "requireFile"
        );
        // The name fods.jsonl writes is the one `as_str` gives (check's reasons, sources.json's
        // types), and reads back.
        use Fetcher::*;
        for k in [
            Url,
            Git,
            Svn,
            Hg,
            RequireFile,
            Builtin,
            Unknown,
            Bzr,
            Cvs,
            Darcs,
            Fossil,
            Texlive,
            CargoVendor,
            GoModules,
            NpmDeps,
            YarnDeps,
            PnpmDeps,
            BunDeps,
            MavenDeps,
            DockerImage,
        ] {
            assert_eq!(serde_json::to_value(k).unwrap(), k.as_str());
            let back: Fetcher = serde_json::from_value(k.as_str().into()).unwrap();
            assert_eq!(back, k);
        }
        assert_eq!(
            serde_json::to_value(HashMode::Recursive).unwrap(),
            "recursive"
        );
    }

    /// A cell's reach; with no attribute, only attributes that failed reach it (marked).
    fn cell_reach_strategy() -> impl Strategy<Value = CellReach> {
        (
            0..3u8,
            0..40u64,
            1..5u64,
            0..4u32,
            proptest::collection::btree_set(0..9u8, 1..8),
        )
            .prop_map(|(cell, attributes, partial, distance, names)| CellReach {
                system: format!("s{cell}"),
                config: "c".into(),
                attributes,
                partial,
                distance,
                nearest: names
                    .into_iter()
                    .map(|n| Nearest {
                        attr_path: format!("a{n}"),
                        via: (attributes == 0).then_some(Via::Inputs),
                    })
                    .take(NEAREST)
                    .collect(),
            })
    }

    fn fod_strategy() -> impl Strategy<Value = Fod> {
        (
            0..4u8,
            0..3u8,
            proptest::collection::vec(cell_reach_strategy(), 0..4),
        )
            .prop_map(|(out, drv, cells)| {
                let mut reach = Vec::new();
                merge_reach(&mut reach, &cells);
                Fod {
                    out_path: format!("/nix/store/{out}-src"),
                    drv_path: format!("/nix/store/{out}{drv}-src.drv"),
                    name: "src".into(),
                    hash: format!("sha256-{out}"),
                    hash_mode: HashMode::Flat,
                    urls: vec![format!("http://mirror{drv}/src")],
                    fetcher: Fetcher::Url,
                    recipe: Recipe::default(),
                    source: Source::default(),
                    reach,
                }
            })
    }

    fn findings_strategy() -> impl Strategy<Value = Findings> {
        (
            proptest::collection::vec(fod_strategy(), 0..6),
            proptest::collection::btree_set((0..3u8, 0..2u8), 0..3),
        )
            .prop_map(|(fods, fails)| {
                let mut f = Findings::default();
                for fod in fods {
                    f.add_fod(fod);
                }
                let kinds = [FailureKind::Throw, FailureKind::Timeout];
                f.failures = fails
                    .into_iter()
                    .map(|(a, k)| Failure {
                        attr_path: format!("a{a}"),
                        system: "s".into(),
                        config: "c".into(),
                        kind: kinds[k as usize],
                        message: String::new(),
                    })
                    .collect();
                f
            })
    }

    fn merged(parts: &[Findings]) -> Findings {
        let mut all = Findings::default();
        for p in parts {
            all.merge(p.clone());
        }
        all
    }

    proptest! {
        #[test]
        fn merge_is_order_independent(parts in proptest::collection::vec(findings_strategy(), 0..5), seed in any::<u64>()) {
            let mut shuffled = parts.clone();
            // A deterministic permutation from the seed.
            let n = shuffled.len();
            for i in (1..n).rev() {
                shuffled.swap(i, (seed as usize).wrapping_mul(i + 7) % (i + 1));
            }
            prop_assert_eq!(merged(&parts), merged(&shuffled));
        }

        #[test]
        fn merge_is_idempotent(parts in proptest::collection::vec(findings_strategy(), 0..5)) {
            let once = merged(&parts);
            let mut twice = once.clone();
            twice.merge(once.clone());
            prop_assert_eq!(&once, &twice);
            let doubled: Vec<Findings> = parts.iter().chain(parts.iter()).cloned().collect();
            prop_assert_eq!(once, merged(&doubled));
        }

        #[test]
        fn merge_keeps_the_nearest_and_the_largest_count(parts in proptest::collection::vec(findings_strategy(), 0..5)) {
            let all = merged(&parts);
            let cells = parts.iter().flat_map(|p| p.fods.values()).flat_map(|f| f.reach.iter().map(move |c| (f, c)));
            for (fod, c) in cells {
                let have = &all.fods[&fod.out_path].reach;
                prop_assert!(have.windows(2).all(|w| (&w[0].system, &w[0].config) < (&w[1].system, &w[1].config)));
                let m = have.iter().find(|h| h.system == c.system && h.config == c.config).unwrap();
                prop_assert!(m.attributes >= c.attributes && m.partial >= c.partial);
                // Attributes that evaluated come first: the nearest of those that failed only
                // when no other reaches the FOD.
                prop_assert!(m.rank().0 <= c.rank().0);
                prop_assert!(m.rank().0 != c.rank().0 || m.distance <= c.distance);
                prop_assert!(m.nearest.iter().all(|n| n.via.is_some() == (m.attributes == 0)));
                prop_assert!(m.nearest.windows(2).all(|w| w[0] < w[1]) && m.nearest.len() <= NEAREST);
                // What a part at the nearest tier lists is kept unless NEAREST smaller names are.
                if c.rank() == m.rank() {
                    for n in &c.nearest {
                        prop_assert!(m.nearest.contains(n) || m.nearest.len() == NEAREST && m.nearest.iter().all(|x| x < n));
                    }
                }
            }
        }
    }
}

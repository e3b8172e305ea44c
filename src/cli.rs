//! Command-line interface.
use clap::{Parser, Subcommand};
use std::path::PathBuf;

#[derive(Parser, Debug)]
#[command(
    name = "fodfuzz",
    version,
    about = "Find every fixed-output derivation (fetchurl, fetchgit, requireFile, …) a nixpkgs tree can reach, on any system, under any config.",
    long_about = "Find every fixed-output derivation (FOD: fetchurl, fetchgit, fetchFromGitHub, fetchpatch, \
requireFile, vendor hashes …) a nixpkgs tree can reach, for every system × config of a matrix, and say \
which attribute reaches each one.\n\nfodfuzz only evaluates: it writes .drv files into a private store \
(never /nix/store), builds nothing and fetches nothing."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Scan a nixpkgs-shaped tree (or a target: --expr, --file): walk every attribute set,
    /// instantiate every derivation and collect every FOD in their build closures.
    ///
    /// Writes to DIR: fods.jsonl (one FOD per line, sorted by outPath, with urls, fetcher, the
    /// nearest reaching attributes of each cell and how many reach it), failures.jsonl
    /// (attributes that failed to evaluate, with kind and message), store-paths (FOD outPaths,
    /// for `nix copy`), closure-paths (every output of every derivation of the scanned
    /// closures: what a build can need, for `fodfuzz missing`), summary.json (counts and wall
    /// time per cell), graph.jsonl (for `fodfuzz why`; `why --all` lists every reaching
    /// attribute), journal.jsonl (every record as it arrived), and the mirror files:
    /// tarballs.json (find-tarballs.nix's format, for copy-tarballs.pl), sources.json (Software
    /// Heritage nixguix), hashed-mirror.txt, manual.txt (requireFile); for a tree, its coverage:
    /// coverage.json, coverage.txt and coverage/index.html (which hash literals of the tree's
    /// .nix files the scan reached, and why not the others).
    /// Exits 0 when the scan completes, even if some attributes failed; 2 on bad input
    /// (including a root that fails to evaluate); 130/143 when interrupted (resumable).
    Scan(Box<ScanArgs>),
    /// Print one shortest chain from an attribute to a FOD, from a finished scan's output; with
    /// --all, every attribute whose build closure holds it.
    Why {
        /// The FOD's output path, as listed in store-paths.
        out_path: String,
        /// Print every reaching attribute, `attrPath (system, config)`, one a line, sorted.
        #[arg(long)]
        all: bool,
        /// The scan's output directory.
        #[arg(long = "in", value_name = "DIR", default_value = "results/scan")]
        dir: PathBuf,
    },
    /// Compare two scans' fods.jsonl: FODs added, removed, and changed (the same attribute path
    /// and name with another hash, or the same output with other urls). Prints the counts, then
    /// one line each: `+ outPath name urls`, `- …`, `~ attrPath name: old → new`.
    Diff {
        /// The earlier scan's output directory.
        old: PathBuf,
        /// The later scan's output directory.
        new: PathBuf,
        /// Print one JSON document: {"counts": {...}, "added": [...], "removed": [...],
        /// "changed": [{"attrPath", "name", "old", "new", "reverify"?}]}. `reverify`: made
        /// another way (urls, recipe) while the output path stayed; `check --since` checks those
        /// first.
        #[arg(long)]
        json: bool,
    },
    /// List the paths of a finished scan that a Nix binary cache lacks, and the sources needed
    /// to rebuild them.
    ///
    /// Looks up `<hash>.narinfo` in the cache for every path in DIR/closure-paths (or
    /// DIR/store-paths when there is none) and prints the missing ones on stdout, sorted. A path is
    /// missing only on a definite answer: no narinfo file, or HTTP 404 or 403 (what S3-backed
    /// caches answer for absent keys). Connection errors, timeouts, 429 and 5xx are retried; a
    /// path still not answered, or answered otherwise, is unknown: named on stderr and in
    /// DIR/missing-unknown, never printed as missing.
    ///
    /// Writes DIR/missing-sources: the FODs the cache lacks that rebuilding the outputs it lacks
    /// needs (a derivation the cache holds is substituted, so nothing below it is needed through
    /// it; unknown paths count as missing).
    ///
    /// Exits 0 when every path was answered, 1 when some are unknown, 2 on bad input (no scan in
    /// DIR, a malformed URL, no nix-cache-info at the cache).
    Missing(MissingArgs),
    /// Coverage of a finished scan: which hash literals written in the tree's .nix files
    /// (sha256 = "…", md5, outputHash, cargoSha256 …) a FOD of the scan has, and why each other
    /// one was not reached (dead-file, other-system, needs-config, needs-override, eval-failure,
    /// eval-time-fetch, import-from-derivation, unused-entry, unknown).
    ///
    /// Writes coverage.json, coverage.txt and the HTML report coverage/index.html, as every
    /// scan of a tree does; use it on a scan made before, or to count only some systems.
    Coverage(CoverageArgs),
    /// Search configurations for the hash literals of a tree a scan does not reach, as a
    /// coverage-guided fuzzer: the default matrix first, then variations taken from the reasons
    /// of the literals still unreached (another system, a config key set, a string option's
    /// values, a package argument overridden, the entries of a data file with their lists),
    /// best first, until the budget is spent or none is left. A variation that reaches new
    /// literals is kept in DIR/fuzz/corpus.jsonl and tried first the next time.
    ///
    /// Writes what a scan writes (fods.jsonl with each variation in `reachedBy`, coverage,
    /// mirror files), after every round, and DIR/fuzz/corpus.jsonl. Exits 0 when done, 2 on
    /// bad input, 130/143 when interrupted (--resume continues).
    Fuzz(FuzzArgs),
    /// Print a completion script for SHELL (bash, zsh, fish, elvish, powershell), e.g.
    /// `fodfuzz completions bash > ~/.local/share/bash-completion/completions/fodfuzz`.
    Completions {
        #[arg(value_name = "SHELL")]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff), e.g. `fodfuzz man > ~/.local/share/man/man1/fodfuzz.1`.
    Man,
    /// Check that the sources of a finished scan still download: every FOD's urls, in the
    /// order fetchurl tries them (mirror:// expanded with the tree's own lists), until one
    /// answers.
    ///
    /// HEAD requests (a one-byte GET when a server refuses HEAD with 403, 405 or 501),
    /// redirects followed (at most 10, loops detected). With --download, each source is
    /// fetched and its hash verified: flat ones by the digest of the bytes, fetchurl's
    /// recursive single files and fetchzip/fetchFromGitHub archives (nixpkgs' own scripts
    /// only) by the NAR hash of what the fetcher leaves; others (fetchpatch …) are ok with
    /// verified false and the reason. git, svn and hg checkouts, requireFile, FODs without urls
    /// and ftp-only sources are unchecked.
    ///
    /// Writes DIR/check.jsonl, one line per FOD sorted by outPath: outPath, name, status (ok,
    /// dead: 404/410 on every url, hash-mismatch, mirrored, unknown: no definite answer,
    /// unchecked), url, httpStatus, contentLength, got, verified, reason, checkedAt. Prints the
    /// counts and the worst hosts on stderr. A network failure is never "dead".
    ///
    /// Exits 0 when every FOD is ok, mirrored or unchecked; 1 when some are dead, mismatched
    /// or unknown; 2 on bad input.
    Check(CheckArgs),
    /// Build the offline site: every FOD of a finished scan copied into a binary cache on disk
    /// (SITE: nix-cache-info, <hash>.narinfo, nar/…) and a hashed mirror beside it
    /// (SITE/<algo>/<hash>, the plain files of flat outputs), so that a Nix with no network
    /// realises them from the site alone, with its sandbox on: the run ends with the nix.conf
    /// lines (`substituters = file://SITE`, `hashed-mirrors = file://SITE/` with
    /// `extra-sandbox-paths = SITE`, which a sandboxed builtin:fetchurl needs to read the site).
    ///
    /// Each FOD, the ones most attributes reach first: already in the site (a second run fetches
    /// nothing it holds); else copied from a --cache (narinfo, NAR as compressed there,
    /// signatures kept); else downloaded from its own urls, `mirror://` expanded, and checked
    /// against its hash (plain files, executable ones, nixpkgs' fetchzip archives); else, with
    /// --build, realised with the local Nix in the scan's private store. Everything is written
    /// below SITE/.tmp and renamed into place, the narinfo last: an interrupted run, a truncated
    /// download, a hash mismatch or a full disk leaves no partial file.
    ///
    /// Writes SITE/mirror.jsonl (every FOD: status cache, url, built, present, or why it is
    /// missing: dead, hash-mismatch, needs-build, manual, over-budget, build-failed, disk-full)
    /// and SITE/missing.txt. Exits 0 when the run completed, 1 when the disk filled up (run it
    /// again after freeing room), 2 on bad input.
    Mirror(MirrorArgs),
    /// What the nightly runs recorded with --history: trends (FODs, coverage, failures by kind,
    /// dead urls and hash mismatches, run time), the FODs new and gone and the literals newly
    /// unreached since the run before, and since when each dead url is dead.
    ///
    /// Prints a summary; --html writes a static page (plots drawn as SVG, nothing fetched when
    /// viewed), --json everything as one document. With --fail-on, exits 1 when a condition
    /// holds, for a nightly job: new-dead (a url dead that the check before found alive),
    /// coverage-drop=POINTS, new-failure-kind, gone-fods. Exits 2 on bad input (a file that is
    /// not a fodfuzz history, which is never written over).
    Report(ReportArgs),
    /// What a Nix binary cache holds of a finished scan, in bytes: narinfo FileSize (the
    /// compressed download) and NarSize (unpacked) summed for the sources (store-paths), the
    /// other outputs (closure-paths without store-paths) and both; per system when the scan
    /// has several (a path belongs to a system when a root attribute of that system needs it).
    ///
    /// Sources the cache lacks are priced from the contentLength `fodfuzz check` recorded in
    /// DIR/check.jsonl, reported apart. Look-ups that get no answer are counted as unknown.
    ///
    /// Exits 0 when every path was answered, 1 when some are unknown, 2 on bad input.
    Size(SizeArgs),
    /// Join the shards of a scan (`fodfuzz scan --shard I/N`) into the outputs one unsharded
    /// scan writes, byte for byte (times in summary.json aside).
    ///
    /// Every file is merged as a stream of sorted lines, one line of each shard at a time. The
    /// coverage is computed again from the merged files when the tree (plan.json) is readable
    /// here. Package sets walked in two shards under two names (an alias an unsharded scan
    /// walks once) are compared by Nix when the tree is readable, so that summary.json counts
    /// them as one scan does.
    ///
    /// Exits 0 when merged; 2 on bad input, one line: shards of different trees, matrices or
    /// fodfuzz versions, a shard twice, missing shards (named), an incomplete shard.
    Merge(MergeArgs),
}

#[derive(clap::Args, Debug)]
pub struct SizeArgs {
    /// The binary cache: file:///DIR or http(s)://HOST[/PREFIX] (Nix store parameters after `?`
    /// are ignored).
    #[arg(long, value_name = "URL")]
    pub cache: String,
    /// The scan's output directory.
    #[arg(value_name = "DIR")]
    pub dir: PathBuf,
    /// Print {"sources": {"present", "missing", "unknown", "fileSize", "narSize"}, "outputs":
    /// {…}, "total": {…}, "upstream": {"missing", "known", "bytes"}} (and "systems": {SYSTEM:
    /// {…}} when the scan has several) with integers, instead of a table.
    #[arg(long)]
    pub json: bool,
    /// narinfo requests in flight at once.
    #[arg(long, value_name = "N", default_value_t = 16,
          value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..=4096))]
    pub concurrency: usize,
    /// Retries of a look-up after a connection error, timeout, 429 or 5xx.
    #[arg(long, value_name = "N", default_value_t = 3)]
    pub retries: u32,
    /// Seconds one HTTP request may take.
    #[arg(long, value_name = "SECS", default_value_t = 20.0)]
    pub timeout: f64,
    /// No progress output.
    #[arg(long, short)]
    pub quiet: bool,
}

#[derive(clap::Args, Debug)]
pub struct CheckArgs {
    /// The scan's output directory (fods.jsonl, and the .drv files in DIR/.store).
    #[arg(value_name = "DIR")]
    pub dir: PathBuf,
    /// Fetch every source and verify its hash (flat digests; NAR hashes of fetchurl's
    /// recursive single files and of nixpkgs' fetchzip archives).
    #[arg(long)]
    pub download: bool,
    /// Requests in flight at once, all hosts together.
    #[arg(long, value_name = "N", default_value_t = 128,
          value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..=1024))]
    pub concurrency: usize,
    /// Requests in flight to one host (each host also gets at most one new request every
    /// 50 ms, and one at a time until it has answered once).
    #[arg(long, value_name = "N", default_value_t = 10,
          value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..=1024))]
    pub per_host: usize,
    /// Seconds to connect and to wait for an answer (a HEAD altogether; a download between two
    /// reads).
    #[arg(long, value_name = "SECS", default_value_t = 20.0)]
    pub timeout: f64,
    /// Retries of a url after a timeout, a dropped connection, 429 or 5xx (waits 0.5 s, then
    /// twice as long each time, or what Retry-After asks, up to 30 s; a longer Retry-After
    /// ends the retries). A host that cannot be reached (no such name, connection refused)
    /// before it ever answered is given up for the run: its other urls are unknown at once.
    #[arg(long, value_name = "N", default_value_t = 3)]
    pub retries: u32,
    /// A content-addressed mirror (e.g. https://tarballs.nixos.org) asked for
    /// `<URL>/<algo>/<hash>` when a plain download is dead or changed: `mirrored` when it has
    /// it. Repeatable.
    #[arg(long = "hashed-mirror", value_name = "URL")]
    pub hashed_mirrors: Vec<String>,
    /// The results file kept between runs. Default: DIR/check-cache.jsonl.
    #[arg(long, value_name = "FILE")]
    pub cache_file: Option<PathBuf>,
    /// Urls that answered within this long (e.g. 12h, 1d, 2w, or seconds) are not asked
    /// again. 0 asks everything.
    #[arg(long, value_name = "DURATION", default_value = "1d", value_parser = parse_duration)]
    pub max_age: u64,
    /// Append this check to a history (a SQLite file, made when missing): each url's status
    /// and since when it is dead, for `fodfuzz report`.
    #[arg(long, value_name = "DB")]
    pub history: Option<PathBuf>,
    /// An earlier scan's output directory: the FODs `fodfuzz diff OLD_DIR DIR` marks for
    /// re-verification (made another way, urls or recipe, while the output path stayed) are
    /// checked first and never answered from the results file; their check.jsonl lines carry
    /// `"reverify": true`. With --download their hashes are verified again.
    #[arg(long, value_name = "OLD_DIR")]
    pub since: Option<PathBuf>,
    /// No progress output.
    #[arg(long, short)]
    pub quiet: bool,
}

#[derive(clap::Args, Debug, Clone)]
pub struct ReportArgs {
    /// The history (a SQLite file that scan, fuzz and check --history append to).
    #[arg(value_name = "DB")]
    pub db: PathBuf,
    /// Write the page DIR/index.html.
    #[arg(long, value_name = "DIR")]
    pub html: Option<PathBuf>,
    /// Print the whole report as JSON on stdout.
    #[arg(long)]
    pub json: bool,
    /// Exit 1 when one of these holds (comma-separated): new-dead, coverage-drop=POINTS,
    /// new-failure-kind, gone-fods.
    #[arg(long, value_name = "LIST")]
    pub fail_on: Option<String>,
    /// First record this finished scan or fuzz directory (runs made without --history).
    /// Repeatable, in order.
    #[arg(long, value_name = "DIR")]
    pub add: Vec<PathBuf>,
    /// First record the check.jsonl of this directory. Repeatable, in order.
    #[arg(long, value_name = "DIR")]
    pub add_check: Vec<PathBuf>,
}

#[derive(clap::Args, Debug, Clone)]
pub struct MirrorArgs {
    /// The scan's output directory (fods.jsonl, and the .drv files in DIR/.store).
    #[arg(value_name = "DIR")]
    pub dir: PathBuf,
    /// Where the site is written (made when missing, added to when there). Default: DIR/site.
    #[arg(long, value_name = "SITE")]
    pub site: Option<PathBuf>,
    /// A binary cache to copy from before fetching upstream (e.g. https://cache.nixos.org, or
    /// file:///mnt/cache). Repeatable, asked in order.
    #[arg(long = "cache", value_name = "URL")]
    pub caches: Vec<String>,
    /// Realise with the local Nix what no cache and no url gives (git, svn and hg checkouts,
    /// vendor hashes, dead urls). This builds: Nix then reaches the network.
    #[arg(long)]
    pub build: bool,
    /// The most the site may hold (e.g. 500G); what does not fit is left out, the sources the
    /// fewest attributes need first.
    #[arg(long, value_name = "SIZE")]
    pub max_size: Option<String>,
    /// Sign every narinfo with this secret key (`nix-store --generate-binary-cache-key`).
    #[arg(long, value_name = "FILE")]
    pub sign_key: Option<PathBuf>,
    /// Downloads at once, all hosts together.
    #[arg(long, value_name = "N", default_value_t = 16,
          value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..=256))]
    pub jobs: usize,
    /// Downloads at once from one host (each host also gets at most one new request every
    /// 50 ms).
    #[arg(long, value_name = "N", default_value_t = 4,
          value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..=256))]
    pub per_host: usize,
    /// Seconds to connect, to wait for an answer, and between two reads of a download.
    #[arg(long, value_name = "SECS", default_value_t = 30.0)]
    pub timeout: f64,
    /// Retries of a url after a timeout, a dropped connection, 429 or 5xx.
    #[arg(long, value_name = "N", default_value_t = 3)]
    pub retries: u32,
    /// No progress output.
    #[arg(long, short)]
    pub quiet: bool,
}

/// `90`, `90s`, `15m`, `12h`, `1d`, `2w`: seconds.
/// The longest duration taken: a century. Longer ones are surely mistakes, and a deadline that
/// far (`Instant + Duration`) would overflow and panic.
const MAX_DURATION: u64 = 100 * 365 * 86_400;

pub fn parse_duration(s: &str) -> Result<u64, String> {
    let s = s.trim();
    let (n, unit) = s.split_at(s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len()));
    let n: u64 = n
        .parse()
        .map_err(|_| format!("{s:?}: not a duration (e.g. 12h, 1d)"))?;
    let unit = match unit {
        "" | "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        "w" => 7 * 86_400,
        _ => return Err(format!("{s:?}: unit is one of s, m, h, d, w")),
    };
    n.checked_mul(unit)
        .filter(|&secs| secs <= MAX_DURATION)
        .ok_or_else(|| format!("{s:?}: longer than a century"))
}

#[derive(clap::Args, Debug)]
pub struct FuzzArgs {
    /// The tree: a directory with default.nix.
    #[arg(value_name = "TREE")]
    pub tree: PathBuf,
    /// Output directory.
    #[arg(long, value_name = "DIR", default_value = "results/fuzz")]
    pub out: PathBuf,
    /// How long to search, the default matrix included (e.g. 90m, 2h, or seconds).
    #[arg(long, value_name = "DURATION", default_value = "60m", value_parser = parse_duration)]
    pub budget: u64,
    /// A system of the default matrix (repeatable; default: the four of `scan`).
    #[arg(long = "system", value_name = "SYSTEM")]
    pub systems: Vec<String>,
    /// A config of the default matrix (repeatable; default: `{}` and the permissive one).
    #[arg(long = "config", value_name = "NIX_EXPR")]
    pub configs: Vec<String>,
    /// Parallel workers. Default: number of cores.
    #[arg(long = "jobs", value_name = "N")]
    pub workers: Option<usize>,
    /// Continue in DIR: replay the default matrix from its journal, then search.
    #[arg(long, conflicts_with = "force")]
    pub resume: bool,
    /// Replace an earlier run's outputs in DIR (its private store and DIR/fuzz/corpus.jsonl
    /// are kept: the corpus is tried first).
    #[arg(long)]
    pub force: bool,
    /// Append this run, when it completes, to a history (a SQLite file, made when missing):
    /// its counts, FODs, failures and unreached literals, for `fodfuzz report`.
    #[arg(long, value_name = "DB")]
    pub history: Option<PathBuf>,
    /// No progress output.
    #[arg(long, short)]
    pub quiet: bool,
}

#[derive(clap::Args, Debug)]
pub struct CoverageArgs {
    /// The tree the scan walked (a directory with default.nix).
    #[arg(value_name = "TREE")]
    pub tree: PathBuf,
    /// The scan's output directory (with fods.jsonl, failures.jsonl, summary.json).
    #[arg(long = "in", value_name = "DIR")]
    pub scan: PathBuf,
    /// Where to write the coverage files (default: the scan's directory).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Count only FODs reached under these systems (repeatable; default: every system of the
    /// scan). A literal reached only under another one is `other-system`.
    #[arg(long = "system", value_name = "SYSTEM")]
    pub systems: Vec<String>,
    /// Also print, as JSON on stdout, what a configuration search can vary: the systems the
    /// tree names, the config keys it reads, string options with their candidate values, and
    /// package arguments with boolean defaults.
    #[arg(long)]
    pub inputs: bool,
    /// No summary line.
    #[arg(long, short)]
    pub quiet: bool,
}

#[derive(clap::Args, Debug)]
pub struct MissingArgs {
    /// The binary cache: file:///DIR or http(s)://HOST[/PREFIX] (Nix store parameters after `?`
    /// are ignored).
    #[arg(long, value_name = "URL")]
    pub cache: String,
    /// The scan's output directory.
    #[arg(value_name = "DIR")]
    pub dir: PathBuf,
    /// HTTP look-ups in flight at once.
    #[arg(long, value_name = "N", default_value_t = 16,
          value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..=4096))]
    pub concurrency: usize,
    /// Retries of a look-up after a connection error, timeout, 429 or 5xx (waits 0.5 s, then
    /// twice as long each time, or what Retry-After asks, up to 30 s).
    #[arg(long, value_name = "N", default_value_t = 3)]
    pub retries: u32,
    /// Seconds one HTTP request may take.
    #[arg(long, value_name = "SECS", default_value_t = 20.0)]
    pub timeout: f64,
    /// No progress output.
    #[arg(long, short)]
    pub quiet: bool,
}

#[derive(clap::Args, Debug)]
pub struct ScanArgs {
    /// The tree: a directory with default.nix (or a .nix file) such that
    /// `import PATH { system = …; config = …; }` is the package set.
    #[arg(required_unless_present_any = ["expr", "file"], conflicts_with_all = ["expr", "file"])]
    pub path: Option<PathBuf>,
    /// Scan a target instead of a tree: a Nix expression giving a derivation, a list or an
    /// attribute set of them, e.g. a NixOS system:
    /// `(import /src/nixpkgs/nixos { configuration = ./configuration.nix; }).system`.
    /// Relative paths resolve against the working directory. Also writes closure-paths: every
    /// output a build of the target can need.
    #[arg(long, value_name = "EXPR", conflicts_with_all = ["file", "systems", "configs", "matrix"])]
    pub expr: Option<String>,
    /// Scan the target in FILE (called with {} when it is a function, as nix-build does).
    #[arg(long, value_name = "FILE", conflicts_with_all = ["systems", "configs", "matrix"])]
    pub file: Option<PathBuf>,
    /// With --file: the attribute (a.b.c) of FILE's value to scan.
    #[arg(long, short = 'A', value_name = "ATTR", requires = "file")]
    pub attr: Option<String>,
    /// Another path restricted evaluation may read (PATH or name=PATH, as nix's -I;
    /// repeatable). Readable without it: for a tree, the tree's directory, each absolute path a
    /// --config writes (widened as below) and, when a config writes a relative path
    /// (`import ./cfg.nix`), the working directory; for --expr/--file, the working directory,
    /// FILE's directory, and each absolute path in EXPR widened to the outermost directory above
    /// it with a default.nix.
    #[arg(long, value_name = "PATH")]
    pub allow: Vec<String>,
    /// Output directory.
    #[arg(long, value_name = "DIR", default_value = "results/scan")]
    pub out: PathBuf,
    /// A system to scan (repeatable). Default: x86_64-linux, aarch64-linux, x86_64-darwin,
    /// aarch64-darwin.
    #[arg(long = "system", value_name = "SYSTEM")]
    pub systems: Vec<String>,
    /// A Nix attribute-set expression passed as nixpkgs' `config` (repeatable). Default: `{}` and a
    /// permissive one (allowBroken, allowUnfree, allowInsecurePredicate, allowUnsupportedSystem,
    /// pulseaudio).
    #[arg(long = "config", value_name = "NIX_EXPR")]
    pub configs: Vec<String>,
    /// A JSON matrix file: {"systems": [...], "configs": {"name": "nix expr", ...}}; its configs
    /// are named by their keys in the outputs. Adds to --system/--config.
    #[arg(long, value_name = "FILE")]
    pub matrix: Option<PathBuf>,
    /// Parallel workers, each running one `nix repl` at a time. Default: number of cores.
    #[arg(long = "jobs", value_name = "N")]
    pub workers: Option<usize>,
    /// Seconds one attribute may take before it is recorded as a timeout.
    #[arg(long, value_name = "SECS", default_value_t = 120.0)]
    pub attr_timeout: f64,
    /// Walk only the top-level attributes named in FILE (one per line), e.g. to scan a part of a
    /// tree or to measure how cost grows with the number of attributes.
    #[arg(long, value_name = "FILE")]
    pub roots: Option<PathBuf>,
    /// How deep the walk descends into attribute sets.
    #[arg(long, default_value_t = 8)]
    pub max_depth: usize,
    /// At most this many attribute paths per batch handed to a worker (its process is kept from
    /// batch to batch; smaller batches near the end share the last work out).
    #[arg(long, default_value_t = 200)]
    pub batch: usize,
    /// One memory budget for all workers together (e.g. 8G). When their resident memory
    /// together would exceed it, the largest is killed and its attributes retried in a fresh
    /// process; an attribute that exceeds it alone is recorded as `oom`. Default: 3/4 of RAM.
    #[arg(long, value_name = "SIZE")]
    pub max_memory: Option<String>,
    /// A worker above this resident memory after an attribute is replaced by a fresh process
    /// before the next. Default: the budget / (2 × jobs), at least 512M.
    #[arg(long, value_name = "SIZE")]
    pub recycle_memory: Option<String>,
    /// Private store the .drv files are written to. Default: DIR/.store. The first worker writes
    /// into it, each other worker into a store of its own below it (STORE_DIR/worker-K), so that
    /// no two processes wait on one store's database.
    #[arg(long, value_name = "STORE_DIR")]
    pub store: Option<PathBuf>,
    /// Re-run each attribute whose throw/assert tryEval caught, alone, to record Nix's message
    /// (one process start each: slow on trees with thousands of unfree/broken/disabled packages).
    #[arg(long)]
    pub explain: bool,
    /// Evaluate NixOS tests too (a derivation with `nodes` and a `driver`: `nixosTests.*`,
    /// packages' `passthru.tests`). Each evaluates whole NixOS systems (15-25 s and 0.6-0.9 GB
    /// each on nixpkgs 26.11, which has over 1,300): a whole tree's scan takes hours more. Without
    /// it each is recorded as a `nixos-test` failure and not evaluated; a target that is itself a
    /// NixOS test is evaluated.
    #[arg(long)]
    pub nixos_tests: bool,
    /// Continue the scan in DIR: replay its journal (nothing already recorded is evaluated
    /// again) and evaluate the rest. Needs the same tree, matrix and depth.
    #[arg(long, conflicts_with = "force")]
    pub resume: bool,
    /// Replace an earlier scan's outputs in DIR (its private store is kept and reused).
    #[arg(long)]
    pub force: bool,
    /// Append this run, when it completes, to a history (a SQLite file, made when missing):
    /// its counts, FODs, failures and unreached literals, for `fodfuzz report`.
    #[arg(long, value_name = "DB")]
    pub history: Option<PathBuf>,
    /// No progress output.
    #[arg(long, short)]
    pub quiet: bool,
    /// Scan only shard I of N (0 <= I < N): every cell, but only the top-level attributes a
    /// stable hash of their name assigns to I. Join the N outputs with `fodfuzz merge`.
    #[arg(long, value_name = "I/N", conflicts_with_all = ["shard_index_env", "shards"])]
    pub shard: Option<String>,
    /// Read the shard's index from this environment variable (e.g. JOB_COMPLETION_INDEX in a
    /// Kubernetes Indexed Job, SLURM_ARRAY_TASK_ID), with --shards N.
    #[arg(long, value_name = "VAR", requires = "shards")]
    pub shard_index_env: Option<String>,
    /// How many shards there are, with --shard-index-env.
    #[arg(long, value_name = "N", requires = "shard_index_env",
          value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..=100_000))]
    pub shards: Option<usize>,
}

#[derive(clap::Args, Debug)]
pub struct MergeArgs {
    /// Where to write the merged scan (refused when not empty, unless --force).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Replace an earlier merge's outputs in DIR.
    #[arg(long)]
    pub force: bool,
    /// The shards' output directories, every shard of one scan (any order).
    #[arg(value_name = "SHARD_DIR", required = true)]
    pub shards: Vec<PathBuf>,
    /// Only the final line and warnings.
    #[arg(long, short)]
    pub quiet: bool,
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration(" 12h "), Ok(12 * 3600));
        assert_eq!(parse_duration("90"), Ok(90));
        // Once n × unit overflowed (a panic in a debug build, a wrong value in a release one),
        // and `--budget 18446744073709551615` made the fuzz deadline overflow `Instant`.
        for too_long in [
            "18446744073709551615",
            "18446744073709551615w",
            "30500000000w",
            "101000d",
            "5300000000m",
        ] {
            assert!(parse_duration(too_long).is_err(), "{too_long}");
        }
        for wrong in [
            "", "h", "-1h", "+1h", "1.5h", "1 h", "1hh", "1H", "١٢h", "1\0",
        ] {
            assert!(parse_duration(wrong).is_err(), "{wrong:?}");
        }
    }

    proptest! {
        /// Any text: seconds or an error, never a panic.
        #[test]
        fn any_text_is_a_duration_or_an_error(s in "(?s)[0-9]{0,25}.{0,4}") {
            if let Ok(secs) = parse_duration(&s) {
                prop_assert!(secs <= MAX_DURATION);
            }
        }

        /// Every number with every unit is that many seconds when within a century, an error
        /// beyond; with a unit it does not have, an error.
        #[test]
        fn units_and_near_misses(n: u64, unit in "(|s|m|h|d|w)", wrong in "[^0-9smhdw\\s]{1,3}") {
            let per = match unit.as_str() {
                "" | "s" => 1,
                "m" => 60,
                "h" => 3600,
                "d" => 86_400,
                _ => 604_800,
            };
            let want = n.checked_mul(per).filter(|&t| t <= MAX_DURATION);
            prop_assert_eq!(parse_duration(&format!("{n}{unit}")).ok(), want);
            prop_assert!(parse_duration(&format!("{n}{wrong}")).is_err(), "{:?}", wrong);
            prop_assert!(parse_duration(&format!("{n}{unit}{unit}s")).is_err(), "doubled");
        }
    }
}

//! `fodfuzz mirror` end to end, with no network: a loopback origin serves the sources, the site
//! is built from it, then the origin stops and the real Nix (whichever is first on PATH: CI runs
//! these under 2.8 and 2.26), with its sandbox on as NixOS has it, realises the fixed outputs
//! from the site alone with the nix.conf lines the run printed: substituted from it as a binary
//! cache, and fetched by builtin:fetchurl from it as a `file://` hashed mirror in the sandbox,
//! and as one served on loopback. Without `extra-sandbox-paths` the `file://` mirror fails.
mod common;
use common::server::{Response, Server};
use common::{fodfuzz, jsonl, run, tmp};
use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Output};
use std::sync::OnceLock;

/// The sources: name, bytes, and how the origin answers a GET of it in turn.
fn sources() -> Vec<(&'static str, Vec<u8>)> {
    vec![
        ("hello-1.0.tar.gz", b"hello, island\n".repeat(100)),
        ("tool.sh", b"#!/bin/sh\necho tool\n".to_vec()),
        ("gone.tar.gz", b"gone for good\n".to_vec()),
        ("changed.tar.gz", b"what it was\n".to_vec()),
        ("cut.tar.gz", b"cut off in the middle\n".repeat(50)),
        ("built.txt", b"only nix-store fetches this\n".to_vec()),
    ]
}

fn nix_hash(args: &[&str], path: &Path) -> String {
    let o = Command::new("nix-hash")
        .args(args)
        .arg(path)
        .output()
        .expect("nix-hash");
    assert!(o.status.success());
    String::from_utf8(o.stdout).unwrap().trim().to_owned()
}

/// site.nix: a list of builtin:fetchurl derivations, the origin's url given; `tool.sh` is an
/// executable recursive output, the others flat.
fn write_expr(dir: &Path) -> std::path::PathBuf {
    let mut items = String::new();
    for (name, bytes) in sources() {
        let f = dir.join(name);
        std::fs::write(&f, &bytes).unwrap();
        let (mode, hash) = match name {
            "tool.sh" => {
                use std::os::unix::fs::PermissionsExt;
                std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o755)).unwrap();
                ("recursive", nix_hash(&["--type", "sha256", "--base32"], &f))
            }
            _ => (
                "flat",
                nix_hash(&["--type", "sha256", "--flat", "--base32"], &f),
            ),
        };
        let exec = if mode == "recursive" {
            "executable = true;"
        } else {
            ""
        };
        items += &format!(
            "(fod {{ name = \"{name}\"; mode = \"{mode}\"; hash = \"{hash}\"; extra = {{ {exec} }}; }})\n"
        );
    }
    let text = format!(
        "{{ base }}:\nlet fod = {{ name, mode, hash, extra }}: derivation ({{\n  inherit name;\n  url = \"${{base}}/${{name}}\";\n  system = builtins.currentSystem;\n  builder = \"builtin:fetchurl\";\n  outputHashMode = mode;\n  outputHashAlgo = \"sha256\";\n  outputHash = hash;\n}} // extra);\nin [\n{items}]\n"
    );
    let expr = dir.join("site.nix");
    std::fs::write(&expr, text).unwrap();
    expr
}

fn origin() -> Server {
    let s = Server::start();
    for (name, bytes) in sources() {
        let path = format!("/{name}");
        let answers = match name {
            "gone.tar.gz" => vec![Response::status(404)],
            "changed.tar.gz" => vec![Response::body(b"what it is now\n".to_vec())],
            "cut.tar.gz" => vec![Response::body(bytes).cut_at(100)],
            // fodfuzz's GETs (one a run) find nothing; then `nix-store --realise` (--build)
            // finds it.
            "built.txt" => vec![
                Response::status(404),
                Response::status(404),
                Response::body(bytes),
            ],
            _ => vec![Response::body(bytes)],
        };
        s.route(&path, answers);
    }
    s
}

fn statuses(site: &Path) -> BTreeMap<String, String> {
    jsonl(&site.join("mirror.jsonl"))
        .iter()
        .map(|l| {
            (
                l["name"].as_str().unwrap().to_owned(),
                l["status"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

/// Every file below the site, relative, sorted (the temporary directory is left empty).
fn files(site: &Path) -> Vec<String> {
    let all = common::files_below(site);
    all.iter().map(|p| p.display().to_string()).collect()
}

fn nix(tool: &str, store: &Path) -> Command {
    let mut c = Command::new(tool);
    c.arg("--store").arg(store);
    c.args(["--option", "build-users-group", ""]);
    c
}

/// Instantiates site.nix into a fresh store; the .drv paths by name.
fn instantiate(store: &Path, expr: &Path, base: &str) -> BTreeMap<String, String> {
    let o = nix("nix-instantiate", store)
        .arg(expr)
        .args(["--argstr", "base", base])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8(o.stdout)
        .unwrap()
        .lines()
        .map(|d| {
            let base = d.trim_end_matches(".drv").rsplit('/').next().unwrap();
            (base.split_once('-').unwrap().1.to_owned(), d.to_owned())
        })
        .collect()
}

/// Whether Nix builds in its sandbox here, found once by trying: with the sandbox on,
/// builtin:fetchurl must fail to read a `file://` url outside it. A private store (`--store
/// DIR`) builds in the sandbox whatever `sandbox` says (Nix 2.8 and 2.26 force it for a store
/// not at /nix/store); where the kernel refuses the namespaces it needs (Nix run in a chroot)
/// Nix says so when `sandbox-fallback = false`, and by default builds unsandboxed: then what
/// needs the sandbox is skipped, saying why.
fn sandboxed() -> bool {
    static ON: OnceLock<bool> = OnceLock::new();
    *ON.get_or_init(|| {
        let work = tmp("mirror-sandbox");
        let expr = write_expr(&work);
        let store = work.join("store");
        let drvs = instantiate(&store, &expr, &format!("file://{}", work.display()));
        let o = nix("nix-store", &store)
            .args(["--option", "sandbox", "true"])
            .args(["--option", "sandbox-fallback", "false"])
            .args(["--option", "substituters", ""])
            .args(["--option", "hashed-mirrors", ""])
            .arg("--realise")
            .arg(&drvs["hello-1.0.tar.gz"])
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        if let Some(why) = err.lines().find(|l| l.contains("kernel namespaces")) {
            eprintln!("NOT TESTED: Nix cannot build in its sandbox here ({why}): the sandboxed parts of tests/mirror.rs are skipped and the rest runs unsandboxed");
            return false;
        }
        assert!(
            !o.status.success(),
            "the sandbox is on, yet builtin:fetchurl read {} outside it",
            work.display()
        );
        // 2.8: "Couldn't read a file:// file (37)"; 2.26: "Could not read a file:// file (37)".
        assert!(err.contains("read a file:// file (37)"), "{err}");
        true
    })
}

/// The sandbox on, and no silent fallback to building without it, where it can work.
fn sandbox_options() -> &'static [(&'static str, &'static str)] {
    match sandboxed() {
        true => &[("sandbox", "true"), ("sandbox-fallback", "false")],
        false => &[],
    }
}

/// The nix.conf lines (`  key = value`) `fodfuzz mirror` printed, in order.
fn advice(said: &str) -> Vec<(String, String)> {
    said.lines()
        .filter_map(|l| l.strip_prefix("  ")?.split_once(" = "))
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
}

/// The value of `key` in the advice.
fn advised<'a>(advice: &'a [(String, String)], key: &str) -> &'a str {
    let found = advice.iter().find(|(k, _)| k == key);
    found
        .map(|(_, v)| v.as_str())
        .unwrap_or_else(|| panic!("{key}: {advice:?}"))
}

/// An origin, site.nix and a scan of it.
struct Fixture {
    work: common::Tmp,
    expr: std::path::PathBuf,
    origin: Server,
    scan: std::path::PathBuf,
}

fn fixture(name: &str) -> Fixture {
    let work = tmp(name);
    let expr = write_expr(&work);
    let origin = origin();
    let scan = work.join("scan");
    let o = run(fodfuzz()
        .arg("scan")
        .arg("--expr")
        .arg(format!(
            "import {} {{ base = \"{}\"; }}",
            expr.display(),
            origin.url
        ))
        .arg("--out")
        .arg(&scan)
        .arg("--quiet"));
    assert!(o.status.success());
    Fixture {
        work,
        expr,
        origin,
        scan,
    }
}

impl Fixture {
    /// `fodfuzz mirror` of the scan into `site`, one connection to the origin, no retries.
    fn mirror(&self, site: &Path, extra: &[&str]) -> std::process::Output {
        run(fodfuzz()
            .arg("mirror")
            .arg(&self.scan)
            .arg("--site")
            .arg(site)
            .args(["--per-host", "1", "--retries", "0", "--quiet"])
            // Nix's own fetcher (--build) retries a download cut off: once is enough here.
            .env("NIX_CONFIG", "download-attempts = 1")
            .args(extra))
    }

    /// A key pair made by Nix: (secret key file, public key).
    fn key(&self) -> (std::path::PathBuf, String) {
        let (secret, public) = (self.work.join("key.sec"), self.work.join("key.pub"));
        let o = Command::new("nix-store")
            .args(["--generate-binary-cache-key", "island-1"])
            .args([&secret, &public])
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        (secret, std::fs::read_to_string(public).unwrap())
    }

    /// Tries to realise `names` in a fresh store with `options` and `flags`, in the sandbox
    /// where it works.
    fn try_realise(
        &self,
        store: &str,
        names: &[&str],
        options: &[(&str, &str)],
        flags: &[&str],
    ) -> Output {
        let store = self.work.join(store);
        let drvs = instantiate(&store, &self.expr, &self.origin.url);
        let mut c = nix("nix-store", &store);
        for (k, v) in sandbox_options().iter().chain(options) {
            c.args(["--option", k, v]);
        }
        c.args(flags)
            .arg("--realise")
            .args(names.iter().map(|n| &drvs[*n]))
            .output()
            .unwrap()
    }

    /// Realises `names` as `try_realise` does; the output paths, one a line.
    fn realise(&self, store: &str, names: &[&str], options: &[(&str, &str)]) -> String {
        let o = self.try_realise(store, names, options, &[]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        String::from_utf8(o.stdout).unwrap()
    }
}

fn want(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

fn missing_txt(site: &Path) -> String {
    std::fs::read_to_string(site.join("missing.txt")).unwrap()
}

#[test]
fn a_site_that_real_nix_realises_with_no_network() {
    let f = fixture("mirror");
    let (key, public) = f.key();
    let site = f.work.join("site");
    let key_args = ["--sign-key", key.to_str().unwrap()];
    let o = f.mirror(&site, &key_args);
    assert!(o.status.success());
    let said = String::from_utf8_lossy(&o.stderr);
    let mut expected = want(&[
        ("hello-1.0.tar.gz", "url"),
        ("tool.sh", "url"),
        ("gone.tar.gz", "dead"),
        ("changed.tar.gz", "hash-mismatch"),
        ("cut.tar.gz", "dead"),
        ("built.txt", "dead"),
    ]);
    assert_eq!(statuses(&site), expected, "{said}");
    assert!(said.contains("2 of 6 FODs"), "{said}");
    let missing = missing_txt(&site);
    assert!(
        missing.contains("cut.tar.gz: ") && missing.contains("broke off"),
        "{missing}"
    );
    assert!(
        missing.contains("changed.tar.gz: ") && missing.contains("got sha256-"),
        "{missing}"
    );
    assert!(f.origin.max_active() <= 1, "one connection to the one host");

    // Again with --build: what is there is not fetched again, built.txt is realised by Nix.
    let before = f.origin.hits_of("/hello-1.0.tar.gz").len();
    assert!(
        f.mirror(&site, &[&key_args[..], &["--build"]].concat())
            .status
            .success()
    );
    assert_eq!(f.origin.hits_of("/hello-1.0.tar.gz").len(), before);
    for (name, status) in [
        ("hello-1.0.tar.gz", "present"),
        ("tool.sh", "present"),
        ("built.txt", "built"),
        ("gone.tar.gz", "build-failed"),
        ("changed.tar.gz", "build-failed"),
        ("cut.tar.gz", "build-failed"),
    ] {
        expected.insert(name.into(), status.into());
    }
    assert_eq!(statuses(&site), expected, "{}", missing_txt(&site));

    // Nothing half written anywhere: narinfos, their NARs, the plain files, the reports.
    let listed = files(&site);
    let count = |p: &dyn Fn(&String) -> bool| listed.iter().filter(|f| p(f)).count();
    assert_eq!(count(&|f| f.ends_with(".narinfo")), 3, "{listed:?}");
    assert_eq!(count(&|f| f.starts_with("nar/")), 3, "{listed:?}");
    assert_eq!(
        count(&|f| f.starts_with("sha256/")),
        4,
        "hello, built.txt, by base16 and 32"
    );
    assert_eq!(listed.len(), 3 + 3 + 4 + 3, "{listed:?}");
    let narinfo = listed.iter().find(|f| f.ends_with(".narinfo")).unwrap();
    assert!(
        std::fs::read_to_string(site.join(narinfo))
            .unwrap()
            .contains("Sig: island-1:")
    );

    f.origin.stop();
    from_the_site_alone(&f, &said, public.trim(), &listed);
}

/// With the origin gone, the site is used as the run said (`said`), with Nix's sandbox on.
fn from_the_site_alone(f: &Fixture, said: &str, public: &str, listed: &[String]) {
    let site = f.work.join("site");
    let hits = f.origin.hits().len();
    let advice = advice(said);
    let keys: Vec<&str> = advice.iter().map(|(k, _)| k.as_str()).collect();
    let all = [
        "substituters",
        "trusted-public-keys",
        "hashed-mirrors",
        "extra-sandbox-paths",
    ];
    assert_eq!(keys, all, "{said}");
    let line = |k| advised(&advice, k);
    assert_eq!(line("trusted-public-keys"), public);
    // (a) As a binary cache: substitution runs outside the sandbox.
    let opts = [
        ("substituters", line("substituters")),
        ("trusted-public-keys", line("trusted-public-keys")),
        ("require-sigs", "true"),
        ("hashed-mirrors", ""),
    ];
    let outs = f.realise(
        "store-a",
        &["hello-1.0.tar.gz", "tool.sh", "built.txt"],
        &opts,
    );
    let hello = outs
        .lines()
        .find(|l| l.ends_with("hello-1.0.tar.gz"))
        .unwrap();
    let on_disk = f.work.join("store-a").join(hello.trim_start_matches('/'));
    assert_eq!(std::fs::read(on_disk).unwrap(), sources()[0].1);
    assert_eq!(f.origin.hits().len(), hits, "the origin was not asked");

    // (b) As a `file://` hashed mirror, for builtin:fetchurl, the site in the sandbox.
    let mirror = [
        ("substituters", ""),
        ("hashed-mirrors", line("hashed-mirrors")),
    ];
    let sandbox_path = [("extra-sandbox-paths", line("extra-sandbox-paths"))];
    let opts = [&mirror[..], &sandbox_path].concat();
    f.realise("store-b", &["hello-1.0.tar.gz", "built.txt"], &opts);
    assert_eq!(f.origin.hits().len(), hits, "the origin was not asked");
    without_sandbox_path(f, &mirror);

    // (c) The site served over http (on loopback here): nothing else needed.
    let served = Server::start();
    for file in listed.iter().filter(|f| f.starts_with("sha256/")) {
        let body = std::fs::read(site.join(file)).unwrap();
        served.route(&format!("/{file}"), vec![Response::body(body)]);
    }
    let mirrors = format!("{}/", served.url);
    let opts = [("substituters", ""), ("hashed-mirrors", mirrors.as_str())];
    f.realise("store-d", &["hello-1.0.tar.gz", "built.txt"], &opts);
    assert_eq!(served.hits().len(), 2, "{:?}", served.hits());
    assert_eq!(f.origin.hits().len(), hits, "the origin was not asked");
}

/// `hashed-mirrors = file://SITE/` alone, what every run advised before: in the sandbox
/// builtin:fetchurl cannot read the site, says so only in the debug log, and falls back to the
/// (here dead) url.
fn without_sandbox_path(f: &Fixture, mirror: &[(&str, &str)]) {
    if !sandboxed() {
        eprintln!("NOT TESTED: that file:// without extra-sandbox-paths fails (no sandbox here)");
        return;
    }
    let opts = [mirror, &[("download-attempts", "1")]].concat();
    let o = f.try_realise("store-c", &["hello-1.0.tar.gz"], &opts, &["--debug"]);
    // The debug log is long: only the lines about downloads and errors are shown.
    let log = String::from_utf8_lossy(&o.stderr);
    let lines: Vec<&str> = log
        .lines()
        .filter(|l| l.contains("download") || l.contains("error"))
        .collect();
    assert!(
        !o.status.success(),
        "the sandbox hides the site: {lines:#?}"
    );
    let tried = format!("{}sha256/", mirror[1].1);
    // 2.8: "Couldn't read a file:// file (37)"; 2.26: "Could not read a file:// file (37)".
    let unread = |l: &&str| l.contains(&tried) && l.contains("read a file:// file (37)");
    assert!(lines.iter().any(unread), "{lines:#?}");
}

/// A site made from another binary cache, with no origin: the NARs as that cache has them
/// (compressed, signed), the plain files taken out of them, both checked.
#[test]
fn a_site_from_a_binary_cache() {
    let f = fixture("mirror-cache");
    let site = f.work.join("site");
    let o = f.mirror(&site, &[]);
    assert!(o.status.success());
    let unsigned = advice(&String::from_utf8_lossy(&o.stderr));
    // A cache as `nix copy` writes one (xz, signed by its own key): of the two the site has.
    let (key, public) = f.key();
    let cache = f.work.join("cache");
    let store = f.work.join("store-a");
    let opts = [("substituters", ""), ("hashed-mirrors", "")];
    let outs = f.realise("store-a", &["hello-1.0.tar.gz", "tool.sh"], &opts);
    let o = nix("nix", &store)
        .args([
            "--extra-experimental-features",
            "nix-command",
            "copy",
            "--to",
        ])
        .arg(format!(
            "file://{}?secret-key={}",
            cache.display(),
            key.display()
        ))
        .args(outs.lines())
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    f.origin.stop();
    // The unsigned site as the run said: Nix takes each path by its content address.
    let keys: Vec<&str> = unsigned.iter().map(|(k, _)| k.as_str()).collect();
    let all = ["substituters", "hashed-mirrors", "extra-sandbox-paths"];
    assert_eq!(keys, all);
    let opts = [
        ("substituters", advised(&unsigned, "substituters")),
        ("require-sigs", "true"),
        ("hashed-mirrors", ""),
    ];
    f.realise("store-u", &["hello-1.0.tar.gz", "tool.sh"], &opts);
    let again = f.work.join("site-again");
    let url = format!("file://{}", cache.display());
    assert!(f.mirror(&again, &["--cache", &url]).status.success());
    let got = statuses(&again);
    assert_eq!(
        (got["hello-1.0.tar.gz"].as_str(), got["tool.sh"].as_str()),
        ("cache", "cache")
    );
    let listed = files(&again);
    assert!(listed.iter().any(|f| f.ends_with(".nar.xz")), "{listed:?}");
    let plain: Vec<&String> = listed.iter().filter(|f| f.starts_with("sha256/")).collect();
    assert_eq!(plain.len(), 2, "hello by base16 and base32: {listed:?}");
    assert_eq!(std::fs::read(again.join(plain[0])).unwrap(), sources()[0].1);
    let narinfo = listed.iter().find(|f| f.ends_with(".narinfo")).unwrap();
    let text = std::fs::read_to_string(again.join(narinfo)).unwrap();
    assert!(
        text.contains("Sig: island-1:") && text.contains("Compression: xz"),
        "{text}"
    );
    let opts = [
        (
            "substituters",
            url.replace(cache.to_str().unwrap(), again.to_str().unwrap()),
        ),
        ("trusted-public-keys", public.trim().to_owned()),
        ("hashed-mirrors", String::new()),
    ];
    let opts: Vec<(&str, &str)> = opts.iter().map(|(k, v)| (*k, v.as_str())).collect();
    f.realise("store-c", &["hello-1.0.tar.gz", "tool.sh"], &opts);
}

/// A budget keeps the sources most attributes need; an interrupted run leaves nothing half
/// written, and the next one goes on.
#[test]
fn a_budget_and_an_interrupted_run() {
    let f = fixture("mirror-budget");
    let site = f.work.join("site");
    // hello's NAR and plain file take about 2.9 kB, tool.sh's NAR 168 bytes: one of them fits.
    assert!(f.mirror(&site, &["--max-size", "1700"]).status.success());
    let got = statuses(&site);
    let fitted = got.values().filter(|s| *s == "url").count();
    assert!(
        fitted >= 1 && got.values().any(|s| s == "over-budget"),
        "{got:?}"
    );
    assert!(missing_txt(&site).contains("# over-budget"));

    // A slow origin, killed mid-download.
    let slow = f.work.join("site-slow");
    f.origin.route(
        "/hello-1.0.tar.gz",
        vec![Response::body(sources()[0].1.clone()).after(std::time::Duration::from_secs(30))],
    );
    let mut child = fodfuzz()
        .arg("mirror")
        .arg(&f.scan)
        .arg("--site")
        .arg(&slow)
        .args(["--quiet", "--retries", "0"])
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_secs(2));
    child.kill().unwrap();
    child.wait().unwrap();
    let hello_in_place = files(&slow).iter().any(|f| {
        f.ends_with(".narinfo")
            && std::fs::read_to_string(slow.join(f))
                .unwrap()
                .contains("hello")
    });
    assert!(!hello_in_place, "no narinfo for what was being fetched");
    f.origin.route(
        "/hello-1.0.tar.gz",
        vec![Response::body(sources()[0].1.clone())],
    );
    assert!(f.mirror(&slow, &[]).status.success());
    assert!(matches!(
        statuses(&slow)["hello-1.0.tar.gz"].as_str(),
        "url"
    ));
    assert_eq!(std::fs::read_dir(slow.join(".tmp")).unwrap().count(), 0);
}

/// A full disk: what was being written is not left behind, the run says which FOD and why and
/// exits 1; with room again, the same command finishes the site. Needs root (a small tmpfs).
#[test]
fn a_full_disk() {
    if unsafe { libc::geteuid() } != 0 {
        eprintln!("skipped: mounting a small tmpfs needs root");
        return;
    }
    let f = fixture("mirror-full");
    let site = f.work.join("site");
    std::fs::create_dir(&site).unwrap();
    let mount = |size: &str| {
        Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(&site)
            .status()
            .unwrap()
            .success()
    };
    if !mount("12k") {
        eprintln!("skipped: mount -t tmpfs failed here");
        return;
    }
    let o = f.mirror(&site, &[]);
    let said = String::from_utf8_lossy(&o.stderr).into_owned();
    // Every narinfo on the small disk has its whole NAR; nothing half written is kept.
    let whole = files(&site)
        .iter()
        .filter(|f| f.ends_with(".narinfo"))
        .all(|n| {
            let text = std::fs::read_to_string(site.join(n)).unwrap();
            let field = |k: &str| {
                text.lines()
                    .find_map(|l| l.strip_prefix(k))
                    .unwrap()
                    .trim()
                    .to_owned()
            };
            let nar = std::fs::metadata(site.join(field("URL:")));
            nar.is_ok_and(|m| m.len().to_string() == field("FileSize:"))
        });
    let in_tmp = std::fs::read_dir(site.join(".tmp")).map_or(0, |d| d.count());
    let _ = Command::new("umount").arg(&site).status();
    assert_eq!(o.status.code(), Some(1), "{said}");
    assert!(
        said.contains("is full") && said.contains("disk-full"),
        "{said}"
    );
    assert!(whole && in_tmp == 0, "nothing half written");
    // With room again, the same command goes on.
    let o = f.mirror(&site, &[]);
    assert!(o.status.success());
    assert_eq!(statuses(&site)["hello-1.0.tar.gz"], "url");
}

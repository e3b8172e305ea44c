//! fodfuzz's own readers and writers of Nix's formats weighed against the maintained crates
//! that do the same (docs/compat.md says what was found and decided): `.drv` files against
//! sui-compat's parser, Nix's base32 against nix-base32, NARs against nix-nar's encoder,
//! narinfos against sui-compat's and the narinfo crate's. The tests here check that both agree
//! byte for byte on fixtures; `measure` (ignored; FODFUZZ_COMPAT_STORE=<a scan's .store>,
//! FODFUZZ_COMPAT_TREE=<a directory>) times both on a real store and tree.
use crate::nix::drv::Parts;
use crate::nix::hash::Digest;
use crate::nix::nar;
use std::path::Path;
use std::time::Instant;

const DRV: &str = r#"Derive([("out","/nix/store/ha2yvwljx1r9afbqcy61ydzfk1mxpxc6-x.tgz","sha256","c6019a7595f2cefca702eab694a010bcd9298d20")],[("/nix/store/00q4lcgrgaq2qcbhd4g7z8vyys1bj2v3-mirrors-list.drv",["out"]),("/nix/store/1jwjb0h2pbk0hxgh1g4s7hwbqbrr3yvc-bash-4.3.drv",["out","doc"])],["/nix/store/h3ppr7hxwmp0zfw6zrb5f7bnbcn1q6sp-builder.sh"],"x86_64-linux","/nix/store/0w5s8a4ck5h0dgg6pkyvh0kf1x5j5gc5-bash/bin/bash",["-e","/nix/store/h3ppr7hxwmp0zfw6zrb5f7bnbcn1q6sp-builder.sh"],[("name","x.tgz"),("postFetch","echo \"quoted\"\n\ttab \\ back"),("urls","http://a/x.tgz mirror://gnu/x.tgz")])"#;

/// Ours and sui-compat's reading of one .drv, as comparable tuples.
fn both_drvs(text: &str) -> (String, String) {
    let ours = Parts::parse(text).expect("ours reads it");
    let theirs =
        sui_compat::derivation::Derivation::parse(text.as_bytes()).expect("sui-compat reads it");
    let ours = format!(
        "{:?}",
        (
            ours.outputs
                .iter()
                .map(|o| (&o[0], &o[1], &o[2], &o[3]))
                .collect::<Vec<_>>(),
            &ours.inputs,
            &ours.sources,
            &ours.platform,
            &ours.builder,
            &ours.args,
            &ours.env,
        )
    );
    let theirs = format!(
        "{:?}",
        (
            theirs
                .outputs
                .iter()
                .map(|(n, o)| (n, &o.path, &o.hash_algo, &o.hash))
                .collect::<Vec<_>>(),
            &theirs.input_derivations.keys().cloned().collect::<Vec<_>>(),
            &theirs.input_sources,
            &theirs.system,
            &theirs.builder,
            &theirs.args,
            &theirs.env,
        )
    );
    (ours, theirs)
}

#[test]
fn a_drv_reads_the_same() {
    let (ours, theirs) = both_drvs(DRV);
    assert_eq!(ours, theirs);
}

/// fodfuzz's own base32 (encoder and decoder) against nix-base32's, at the lengths of the four
/// digests only: the crate's decoder indexes past its buffer at lengths that are no digest's and
/// its encoder underflows on no bytes, which is why fodfuzz keeps its own (docs/compat.md).
#[test]
fn nix_base32_the_same_both_ways() {
    let mut bytes = Vec::new();
    for len in [16usize, 20, 32, 64] {
        for seed in 0..50u32 {
            bytes = (0..len)
                .map(|i| (i as u32 * 31 + seed * 7) as u8 ^ seed as u8)
                .collect();
            let ours = Digest {
                algo: "sha256".into(),
                bytes: bytes.clone(),
            }
            .nix32();
            assert_eq!(ours, nix_base32::to_nix_base32(&bytes));
            let back = Digest::from_nix32("sha256", &ours, len).unwrap().bytes;
            assert_eq!(back, nix_base32::from_nix_base32(&ours).unwrap());
            assert_eq!(back, bytes);
        }
    }
    assert!(!bytes.is_empty());
}

/// fodfuzz's base32 against Nix's own `nix-hash --to-base32` (and back with `--to-base16`), for
/// each digest size: the independent answer.
#[test]
fn nix_base32_as_nix_writes_it() {
    for (algo, len) in [
        ("md5", 16usize),
        ("sha1", 20),
        ("sha256", 32),
        ("sha512", 64),
    ] {
        let bytes: Vec<u8> = (0..len).map(|i| (i * 37 + len) as u8).collect();
        let d = Digest {
            algo: algo.into(),
            bytes,
        };
        let nix = |flag: &str, text: &str| {
            let out = std::process::Command::new("nix-hash")
                .args(["--type", algo, flag, text])
                .output()
                .expect("nix-hash runs (the tests need Nix)");
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            String::from_utf8(out.stdout).unwrap().trim().to_owned()
        };
        assert_eq!(d.nix32(), nix("--to-base32", &d.hex()), "{algo}");
        assert_eq!(
            Digest::from_nix32(algo, &d.nix32(), len).unwrap().hex(),
            nix("--to-base16", &d.nix32()),
            "{algo}"
        );
    }
}

#[test]
fn a_nar_the_same_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("tree");
    nar::sample_tree(&root);
    let (ours, theirs) = both_nars(&root);
    assert_eq!(ours, theirs);
}

fn both_nars(path: &Path) -> (Vec<u8>, Vec<u8>) {
    let mut ours = Vec::new();
    nar::dump_path(path, &mut ours).unwrap();
    let mut theirs = Vec::new();
    let mut enc = nix_nar::Encoder::new(path).unwrap();
    std::io::copy(&mut enc, &mut theirs).unwrap();
    (ours, theirs)
}

#[test]
fn a_narinfo_reads_the_same() {
    let text = "StorePath: /nix/store/mpx8chzqwy2awihir6rrx67af5fjraag-hello.txt\nURL: nar/1a.nar.xz\n\
        Compression: xz\nFileHash: sha256:1b8m03r63zqhnjf7l5wnldhh7c134ap5vpj0850ymkq1iyzicy5s\n\
        FileSize: 92\nNarHash: sha256:0xm4nv6xc5jkw0676cp3f72k6j1mr0qvyhqc8431d5i80gvcwsi2\n\
        NarSize: 136\nReferences: \nDeriver: gj4q9my9cjdgwa6r8j5mcrgmj32jhyl1-hello.txt.drv\n\
        Sig: island-1:AAAA\nCA: fixed:sha256:1pfb6lpmx5f5zfccfvygxhxb1kpdmj69c1mq71jgn8wsgjkdjg50\n";
    let ours = crate::mirror::narinfo::NarInfo::parse(text).unwrap();
    let sui = sui_compat::narinfo::NarInfo::parse(text).unwrap();
    // The narinfo crate refuses a content-addressed path's CA field (every FOD of
    // cache.nixos.org has one, as do the narinfos `fodfuzz mirror` writes): without it, it
    // agrees.
    assert!(narinfo::NarInfo::parse(text).is_err());
    let without_ca: String = text
        .lines()
        .filter(|l| !l.starts_with("CA:"))
        .map(|l| format!("{l}\n"))
        .collect();
    let other = narinfo::NarInfo::parse(&without_ca).unwrap();
    assert_eq!(ours.store_path, sui.store_path);
    assert_eq!(
        (ours.nar_hash.as_str(), ours.nar_size),
        (sui.nar_hash.as_str(), sui.nar_size)
    );
    assert_eq!(ours.sigs, sui.signatures);
    assert_eq!(ours.ca, sui.ca);
    assert_eq!(ours.nar_hash, other.nar_hash);
    assert_eq!(ours.text(), text, "ours writes back what it read");
}

/// Times of `f` over `n` items, in ms.
fn time(mut f: impl FnMut()) -> f64 {
    let t = Instant::now();
    f();
    t.elapsed().as_secs_f64() * 1000.0
}

#[test]
#[ignore]
fn measure() {
    if let Ok(store) = std::env::var("FODFUZZ_COMPAT_STORE") {
        let dir = Path::new(&store).join("nix/store");
        let texts: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "drv"))
            .filter_map(|p| std::fs::read_to_string(p).ok())
            .collect();
        let bytes: usize = texts.iter().map(String::len).sum();
        let mut differ = 0;
        for t in &texts {
            let (a, b) = both_drvs(t);
            differ += usize::from(a != b);
        }
        let ours = time(|| {
            for t in &texts {
                std::hint::black_box(Parts::parse(t).unwrap());
            }
        });
        let sui = time(|| {
            for t in &texts {
                std::hint::black_box(
                    sui_compat::derivation::Derivation::parse(t.as_bytes()).unwrap(),
                );
            }
        });
        println!(
            ".drv: {} files, {:.1} MB; read differently: {differ}; fodfuzz {ours:.0} ms, sui-compat {sui:.0} ms",
            texts.len(),
            bytes as f64 / 1e6
        );
        let digests: Vec<Vec<u8>> = texts
            .iter()
            .map(|t| {
                use sha2::Digest as _;
                sha2::Sha256::digest(t.as_bytes()).to_vec()
            })
            .collect();
        let ours = time(|| {
            for d in &digests {
                std::hint::black_box(
                    Digest {
                        algo: "sha256".into(),
                        bytes: d.clone(),
                    }
                    .nix32(),
                );
            }
        });
        let theirs = time(|| {
            for d in &digests {
                std::hint::black_box(nix_base32::to_nix_base32(d));
            }
        });
        println!(
            "nix32 of {} digests: fodfuzz {ours:.1} ms, nix-base32 {theirs:.1} ms",
            digests.len()
        );
    }
    if let Ok(tree) = std::env::var("FODFUZZ_COMPAT_TREE") {
        let (a, b) = both_nars(Path::new(&tree));
        let ours = time(|| {
            let mut h = crate::nix::hash::Hasher::new("sha256").unwrap();
            nar::dump_path(Path::new(&tree), &mut h).unwrap();
        });
        let theirs = time(|| {
            let mut h = crate::nix::hash::Hasher::new("sha256").unwrap();
            let mut enc = nix_nar::Encoder::new(&tree).unwrap();
            std::io::copy(&mut enc, &mut h).unwrap();
        });
        println!(
            "NAR of {tree}: {:.1} MB, same bytes: {}; hashed: fodfuzz {ours:.0} ms, nix-nar {theirs:.0} ms",
            a.len() as f64 / 1e6,
            a == b
        );
    }
}

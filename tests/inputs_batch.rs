//! Inputs questions asked in one batch (one line of a worker's repl) answer each for itself: a
//! derivation opened for an earlier task must not stand in for a look-alike (same name, same
//! place) that a later one asks for. Driven here with the real `nix-instantiate` on one
//! hand-made batch, so that the questions are certainly in the same line. A memo of openings
//! across a batch, keyed by name, place and the names of the arguments' derivations, was tried
//! (it halved the time of 26.11's pypy27Packages questions) and withdrawn: on release-16.03 it
//! gave `gnu.mig_raw` the stdenv of another look-alike (a cross stdenv is named `stdenv` too),
//! and which tasks share a batch depends on timing, so the records would not be reproducible.

mod common;

use common::{run, tmp};
use std::process::Command;

/// Attributes that throw, each through a `plugin-1` built with another `lib`: the same name
/// and the same place (mkDerivation's `name`), other arguments: `lib-8` and `lib-9`, and two
/// `lib-7` that differ only below (the second has an `extra` input), as a cross stdenv differs
/// from the native one of the same name.
const TREE: &str = r#"{ system ? "x86_64-linux", config ? { } }:
let
  fetchurl = name: derivation {
    inherit name system;
    builder = "/bin/sh";
    outputHashMode = "flat";
    outputHashAlgo = "sha256";
    outputHash = builtins.hashString "sha256" name;
  };
  mkDerivation = { pname, version, buildInputs ? [ ] }: derivation {
    name = "${pname}-${version}";
    inherit system buildInputs;
    src = fetchurl "${pname}-${version}.tar.gz";
    builder = "/bin/sh";
  };
  lib = version: mkDerivation { pname = "lib"; inherit version; };
  plugin = dep: mkDerivation {
    pname = "plugin";
    version = "1";
    buildInputs = [ dep (throw "plugin: needs a library this system lacks") ];
  };
in
{
  uses-8 = mkDerivation { pname = "uses"; version = "8"; buildInputs = [ (plugin (lib "8")) ]; };
  uses-9 = mkDerivation { pname = "uses"; version = "9"; buildInputs = [ (plugin (lib "9")) ]; };
  uses-7a = mkDerivation { pname = "uses"; version = "7a"; buildInputs = [ (plugin (lib "7")) ]; };
  uses-7b = mkDerivation {
    pname = "uses";
    version = "7b";
    buildInputs = [ (plugin (mkDerivation { pname = "lib"; version = "7"; buildInputs = [ (lib "extra") ]; })) ];
  };
}
"#;

/// Asks the harness for the inputs of `names` in one batch; the drvPaths each record lists.
fn inputs(names: &[&str]) -> Vec<Vec<String>> {
    let dir = tmp("inputs-batch");
    std::fs::write(dir.join("default.nix"), TREE).unwrap();
    std::fs::write(dir.join("visit.nix"), include_str!("../src/scan/visit.nix")).unwrap();
    let tasks: String = names
        .iter()
        .enumerate()
        .map(|(i, n)| format!("{{ id = {i}; path = [ \"{n}\" ]; inputs = true; }} "))
        .collect();
    let batch = format!("{{ cell = 0; explain = false; tasks = [ {tasks}]; }}");
    std::fs::write(dir.join("batch.nix"), batch).unwrap();
    let expr = "(import ./visit.nix { tree = ./.; cells = [ { system = \"x86_64-linux\"; \
                config = { }; overrides = [ ]; } ]; }).r ./batch.nix 0";
    let store = dir.join("store");
    let out = run(Command::new("nix-instantiate")
        .current_dir(&*dir)
        .arg("--store")
        .arg(&store)
        .args(["--eval", "--strict", "-E", expr]));
    let stderr = String::from_utf8_lossy(&out.stderr);
    stderr
        .lines()
        .filter_map(|l| l.strip_prefix("trace: @fodfuzz {"))
        .map(|json| {
            let v: serde_json::Value = serde_json::from_str(&format!("{{{json}")).unwrap();
            let paths = v["drvPaths"].as_array().unwrap().iter();
            paths.map(|p| p.as_str().unwrap().to_owned()).collect()
        })
        .collect()
}

fn names(paths: &[String]) -> Vec<&str> {
    let mut names: Vec<&str> = paths.iter().map(|p| &p[44..]).collect();
    names.sort();
    names
}

#[test]
fn a_look_alike_opened_earlier_in_the_batch_is_not_taken_for_the_one_asked() {
    let records = inputs(&["uses-8", "uses-9"]);
    assert_eq!(records.len(), 2, "{records:?}");
    let want = |v: &str| {
        let mut w = vec![
            format!("lib-{v}.drv"),
            "plugin-1.tar.gz.drv".to_owned(),
            format!("uses-{v}.tar.gz.drv"),
        ];
        w.sort();
        w
    };
    assert_eq!(names(&records[0]), want("8"));
    // The memo keeps plugin-1 built with lib 8; plugin-1 with lib 9 is opened for itself.
    assert_eq!(names(&records[1]), want("9"));
    // Two lib-7 with the same name and place and other inputs: each task lists its own.
    let sevens = inputs(&["uses-7a", "uses-7b"]);
    assert_eq!(
        names(&sevens[0]),
        names(&sevens[1])
            .iter()
            .map(|n| n.replace("7b", "7a"))
            .collect::<Vec<_>>()
    );
    let lib7 = |r: &[String]| {
        r.iter()
            .find(|p| p.ends_with("-lib-7.drv"))
            .cloned()
            .unwrap()
    };
    assert_ne!(lib7(&sevens[0]), lib7(&sevens[1]), "{sevens:?}");
    // The same question asked twice in one batch is answered the same.
    let twice = inputs(&["uses-9", "uses-9"]);
    assert_eq!(twice[0], twice[1]);
    assert_eq!(twice[1], records[1]);
}

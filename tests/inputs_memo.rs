//! The harness's inputs questions share what they opened within a batch (`memo` in
//! src/scan/visit.nix). Driven here with the real `nix-instantiate` on one hand-made batch, so
//! that both questions are certainly in the same line: a derivation opened for the first must
//! not stand in for a look-alike (same name, same place, other arguments) asked for by the second.

mod common;

use common::{run, tmp};
use std::process::Command;

/// Two attributes that throw, each through a `plugin-1` built with another `lib`: the same name
/// and the same place (mkDerivation's `name`), other arguments.
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
}
"#;

/// Asks the harness for the inputs of `names` in one batch; the drvPaths each record lists.
fn inputs(names: &[&str]) -> Vec<Vec<String>> {
    let dir = tmp("inputs-memo");
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
    // The same question asked twice in one batch is answered the same (from the memo).
    let twice = inputs(&["uses-9", "uses-9"]);
    assert_eq!(twice[0], twice[1]);
    assert_eq!(twice[1], records[1]);
}

# Idioms of newer nixpkgs that the 2014-2018 trees lack, written after their published forms:
# packages auto-called from pkgs/by-name/<two letters>/<name>/package.nix (found by readDir, no
# path to them is written anywhere), SRI hashes (`hash = "sha256-…"`), a derivation with
# `__structuredAttrs` (its url and hash only in the .drv's `__json`), and a fetch that is an
# inner derivation of a builder (`vendorHash`, as buildGoModule's goModules). Nothing is built;
# hashes are digests of "modern-<name>". See ../README.md.
{ system ? builtins.currentSystem, config ? { } }:

let
  lib = import ./lib { inherit system; };
  # As nixpkgs' pkgs/top-level/by-name-overlay.nix: every directory below pkgs/by-name.
  byName = builtins.concatMap
    (shard: map
      (name: { inherit name; value = lib.callPackage (./pkgs/by-name + "/${shard}/${name}/package.nix") { }; })
      (builtins.attrNames (builtins.readDir (./pkgs/by-name + "/${shard}"))))
    (builtins.attrNames (builtins.readDir ./pkgs/by-name));

  # A package set as nixpkgs' makeScope makes one (`callPackage` beside `newScope` and
  # `overrideScope`), as python3Packages is.
  interpScope = rec {
    callPackage = f: args: f args;
    newScope = extra: callPackage;
    overrideScope = f: interpScope;
    requests = lib.mkDerivation {
      pname = "requests";
      version = "2.0";
      src = lib.fetchurl {
        url = "http://127.0.0.1:1/requests-2.0.tar.gz";
        hash = "sha256-nTkMwyftKRGPgPIMZGNHEjYEsv+FsYTivwX67/Lm2bE=";
      };
    };
  };
  # Not a top-level attribute: only a NixOS test's machine has it.
  nodeTool = lib.mkDerivation {
    pname = "node-tool";
    version = "1";
    src = lib.fetchurl {
      url = "http://127.0.0.1:1/node-tool-1.tar.gz";
      hash = "sha256-kKJL2Nnz5iq3eMPxtZhBPJJvmPbJ2DMtp/l1VdUXkU4=";
    };
  };
in
builtins.listToAttrs byName // {
  # An interpreter carries its package set (`python3.pkgs`), and a test of an override carries
  # another copy of it: neither is walked below the derivation; the set is, at the top level.
  interpPackages = interpScope;
  interp = lib.mkDerivation {
    pname = "interp";
    version = "3.0";
    passthru = {
      pkgs = interpScope;
      tests.overridden = lib.mkDerivation {
        pname = "interp-overridden";
        version = "3.0";
        passthru.pkgs = interpScope.overrideScope (self: super: { });
      };
    };
  };
  # A server with a NixOS-like test: the test's machine is a system configuration,
  # not walked; what the machine holds is in the test derivation's closure.
  server = lib.mkDerivation {
    pname = "server";
    version = "1.0";
    passthru.tests.vm = derivation {
      name = "server-vm-test";
      inherit system;
      builder = "/bin/sh";
      args = [ "-c" "echo > $out" ];
      machine = nodeTool;
    } // {
      # As a NixOS test's nodes of 26.11: the machine's configuration, without `_module`.
      nodes.machine = {
        assertions = [ ];
        warnings = [ ];
        boot.loader.grub.enable = false;
        fileSystems = { };
        system.build = { };
        environment.systemPackages = [ nodeTool ];
      };
    };
    # A NixOS test as nixpkgs' runTest makes one: `nodes` beside a `driver`. Evaluating one
    # evaluates whole systems, so a scan reports it as `nixos-test` and does not evaluate it,
    # unless asked to (`--nixos-tests`): then its test data is reached too.
    passthru.tests.nixos = derivation {
      name = "server-nixos-test";
      inherit system;
      builder = "/bin/sh";
      args = [ "-c" "echo > $out" ];
      data = lib.fetchurl {
        url = "http://127.0.0.1:1/server-test-data.tar.gz";
        hash = "sha256-EhkWPAQD3HwSLHG2xOukPrDjaIlXkuzjtl/TPY/Xuio=";
      };
    } // {
      nodes.machine = {
        assertions = [ ];
        warnings = [ ];
        boot.loader.grub.enable = false;
        fileSystems = { };
        system.build = { };
      };
      driver = derivation {
        name = "nixos-test-driver";
        inherit system;
        builder = "/bin/sh";
        args = [ "-c" "echo > $out" ];
      };
    };
  };
  # Its fetch keeps everything in `__json`: url, hash and mode.
  structured = derivation {
    name = "structured-1.0.tar.gz";
    inherit system;
    builder = "builtin:fetchurl";
    __structuredAttrs = true;
    url = "http://127.0.0.1:1/structured-1.0.tar.gz";
    outputHashMode = "flat";
    outputHashAlgo = "sha256";
    outputHash = "sha256-W2JMTJt8T8eCot1lejHoKZGTW2MvlgGvu22wdCStp+s=";
  };
}

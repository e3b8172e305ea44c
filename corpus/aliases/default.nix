# Package sets reached under two names (fodfuzz walks them once), also as a copy with the flag
# `recurseIntoAttrs` adds and though one member recurses for ever, and a look-alike set with
# other derivations (walked). Self-contained (restricted evaluation reads only this directory):
# a fake stdenv whose closure holds a builtin:fetchurl bootstrap tarball, and a fake fetchurl.
# Nothing is built; hashes are fake. Expectations by hand in expected.json; see ../README.md.
{ system ? builtins.currentSystem, config ? { } }:

let
  fakeSha256 = seed: builtins.hashString "sha256" seed;
  bootstrapTools = import <nix/fetchurl.nix> {
    url = "http://tarballs.example.org/stdenv/${system}/bootstrap-tools.tar.xz";
    sha256 = fakeSha256 "bootstrap-tools-${system}";
  };
  fetchurl = { url, sha256 }: derivation {
    name = baseNameOf url;
    inherit system url;
    builder = "/bin/sh";
    outputHashMode = "flat";
    outputHashAlgo = "sha256";
    outputHash = sha256;
  };
  mkDerivation = { pname, version, src }: derivation {
    name = "${pname}-${version}";
    inherit system src;
    builder = "/bin/sh";
    args = [ "-c" "echo ${bootstrapTools} > $out" ];
  };

  # A package set of 63 names (enough to be compared, not walked again): a function, three
  # packages with a source each, 57 plain strings, a removed alias (a throw, as nixpkgs' package
  # sets hold them) and a member that recurses for ever (26.11's pypy27Packages.beets): Nix's
  # `==` of two such sets fails, and a comparison that leaves that member out finds them one.
  # `variant` gives every package another source: a set with the same names and other
  # derivations, like a profiling variant.
  mkSet = variant: {
    callPackage = f: f { };
    renamed = throw "renamed to tool0";
    loops = let x = x; in x;
  } // builtins.listToAttrs (builtins.genList (i:
    let n = "tool${toString i}"; in {
      name = n;
      value =
        if i < 3 then mkDerivation {
          pname = "${n}${variant}";
          version = "1";
          src = fetchurl {
            url = "http://example.org/${n}${variant}-1.tar.gz";
            sha256 = fakeSha256 "${n}${variant}";
          };
        }
        else "value ${toString i}";
    }) 60);

  self = {
    fooPackages = mkSet "";
    # The very same set under a second name (as pythonPackages = python27Packages): compared
    # with the first one walked and found equal, so walked once; both names reach its sources.
    fooPackagesAlias = self.fooPackages;
    # The same members in a copy with the flag (as python313Packages = recurseIntoAttrs
    # python313.pkgs): an alias too.
    fooPackagesFlagged = self.fooPackages // { recurseForDerivations = true; };
    # The same names, other derivations: compared, found different, walked.
    fooPackagesProfiled = mkSet "-profiled";
  };
in
self

# Attributes that fail after part of what they need was instantiated, for the FODs fodfuzz lists
# for them, marked partial. Self-contained (restricted evaluation reads only this directory): a
# fake stdenv whose closure holds a builtin:fetchurl bootstrap tarball, and a fake fetchurl.
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
  mkDerivation = { pname, version, src, buildInputs ? [ ] }: derivation {
    name = "${pname}-${version}";
    inherit system src buildInputs;
    builder = "/bin/sh";
    args = [ "-c" "echo ${bootstrapTools} > $out" ];
  };
  source = name: fetchurl {
    url = "http://example.org/${name}.tar.gz";
    sha256 = fakeSha256 name;
  };

  # Not an attribute: reached only through broken-deep, whose input it is.
  mid = mkDerivation {
    pname = "mid";
    version = "1";
    src = source "mid-1";
    buildInputs = [ (throw "mid: needs a library this system lacks") ];
  };

  # Two inputs of broken-diamond that throw because both take `shared`, which throws in turn:
  # shared is opened once, and its source listed once.
  shared = mkDerivation {
    pname = "shared";
    version = "1";
    src = source "shared-1";
    buildInputs = [ (throw "shared: needs a library this system lacks") ];
  };
  side = pname: mkDerivation {
    inherit pname;
    version = "1";
    src = source "${pname}-1";
    buildInputs = [ shared ];
  };

  # What vmTools' disk images do: a package list is fetched, an expression is generated from it
  # and imported while evaluating.
  imageClosure = derivation {
    name = "image-closure.nix";
    inherit system;
    builder = "/bin/sh";
    args = [ "-c" "echo '[]' > $out" ];
    packageList = fetchurl {
      url = "http://example.org/dists/Packages.xz";
      sha256 = fakeSha256 "Packages";
    };
  };
in
{
  lib-ok = mkDerivation { pname = "lib-ok"; version = "1"; src = source "lib-ok-1"; };

  # Import from derivation: fails (evaluation builds nothing), naming image-closure.nix.drv.
  image = derivation {
    name = "image-1";
    inherit system;
    builder = "/bin/sh";
    packages = import imageClosure;
  };

  # A derivation whose drvPath throws after its source and lib-ok could be instantiated.
  broken-app = mkDerivation {
    pname = "broken-app";
    version = "1";
    src = source "broken-app-1";
    buildInputs = [
      (mkDerivation { pname = "lib-ok"; version = "1"; src = source "lib-ok-1"; })
      (throw "broken-app: needs a library this system lacks")
    ];
  };

  # Its input mid throws in turn: mid's source is found one level further down.
  broken-deep = mkDerivation {
    pname = "broken-deep";
    version = "1";
    src = source "broken-deep-1";
    buildInputs = [ mid ];
  };

  # Its inputs left and right throw, both because of shared: every source below is its.
  broken-diamond = mkDerivation {
    pname = "broken-diamond";
    version = "1";
    src = source "broken-diamond-1";
    buildInputs = [ (side "left") (side "right") ];
  };

  # What builderDefs did (release-15.09's qrdecode): the source is an attribute of the
  # derivation beside its arguments, which name it only inside the builder's script. An input
  # throws, so the drvPath throws after the source could be instantiated: the source is asked
  # for too.
  builder-defs =
    let src = source "builder-defs-1";
    in derivation {
      name = "builder-defs-1";
      inherit system;
      builder = "/bin/sh";
      args = [ "-c" "tar xf ${src}" ];
      buildInputs = [ (throw "builder-defs: needs a library this system lacks") ];
    } // { inherit src; };

  # What newer nixpkgs' mkDerivation does for meta.broken or an unfree licence: a derivation
  # whose drvPath asserts the checks. Its arguments all evaluate, so it threw for itself:
  # nothing is attributed to it, and its source is not listed.
  refused =
    let drv = mkDerivation { pname = "refused"; version = "1"; src = source "refused-1"; };
    in drv // { drvPath = assert config.allowUnfree or false; drv.drvPath; };

  # The whole value throws (as meta.broken does in nixpkgs 16.03): nothing can be attributed
  # to it, so its source is not listed.
  broken-whole = assert config.allowBroken or false;
    mkDerivation { pname = "broken-whole"; version = "1"; src = source "broken-whole-1"; };
}

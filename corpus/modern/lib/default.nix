# Just enough of nixpkgs: callPackage, fetchurl (SRI `hash`), mkDerivation, and the fixed
# outputs 26.11 makes by running a tool, each as an inner derivation with the environment
# nixpkgs writes (what fodfuzz tells them by): buildGoModule's goModules, buildRustPackage's
# fetchCargoVendor staging, a texlive package's output unpacked from its container.
{ system }:

rec {
  callPackage = fn: args:
    let f = import fn; in f (builtins.intersectAttrs (builtins.functionArgs f) scope // args);
  scope = { inherit fetchurl mkDerivation buildGoModule buildRustPackage texlivePackage; };

  fetchurl = { url, hash }: derivation {
    name = baseNameOf url;
    inherit system url;
    builder = "builtin:fetchurl";
    outputHashMode = "flat";
    outputHashAlgo = "";
    outputHash = hash;
  };

  mkDerivation = { pname, version, src ? null, buildInputs ? [ ], passthru ? { } }:
    derivation {
      name = "${pname}-${version}";
      inherit system src buildInputs;
      builder = "/bin/sh";
      args = [ "-c" "echo > $out" ];
    } // passthru;

  # As nixpkgs' buildGoModule: `goModules` is a fixed output made by running a tool (no url),
  # its hash the package's `vendorHash`; the package builds on it.
  buildGoModule = { pname, version, vendorHash }:
    let
      goModules = derivation {
        name = "${pname}-${version}-go-modules";
        inherit system;
        builder = "/bin/sh";
        args = [ "-c" "go mod vendor" ];
        GO111MODULE = "on";
        modRoot = "./";
        outputHashMode = "recursive";
        outputHashAlgo = "";
        outputHash = vendorHash;
      };
    in
    mkDerivation {
      inherit pname version;
      buildInputs = [ goModules ];
      passthru = { inherit goModules; };
    };

  # As 26.11's buildRustPackage with `cargoHash`: fetchCargoVendor's `-vendor-staging` runs
  # fetch-cargo-vendor-util on the Cargo.lock of `src`.
  buildRustPackage = { pname, version, src, cargoHash, cargoRoot ? null }:
    let
      cargoDeps = derivation ({
        name = "${pname}-${version}-vendor-staging";
        inherit system src;
        builder = "/bin/sh";
        args = [ "-c" "fetch-cargo-vendor-util create-vendor-staging ./Cargo.lock $out" ];
        buildPhase = "fetch-cargo-vendor-util create-vendor-staging ./Cargo.lock \"$out\"";
        outputHashMode = "recursive";
        outputHashAlgo = "";
        outputHash = cargoHash;
      } // (if cargoRoot == null then { } else { inherit cargoRoot; }));
    in
    mkDerivation {
      inherit pname version src;
      buildInputs = [ cargoDeps ];
      passthru = { inherit cargoDeps; };
    };

  # As a texlive package: its container is a download; its `-tex` output is unpacked from it
  # by a fixed output naming `tlOutputName`.
  texlivePackage = { pname, version, revision, containerHash, texHash }:
    let
      container = fetchurl {
        url = "http://127.0.0.1:1/${pname}.r${revision}.tar.xz";
        hash = containerHash;
      };
      tex = derivation {
        name = "${pname}-${version}-tex";
        inherit system;
        src = container;
        tlOutputName = "tex";
        stripPrefix = "0";
        builder = "/bin/sh";
        args = [ "-c" "tar -xf $src -C $out" ];
        outputHashMode = "recursive";
        outputHashAlgo = "";
        outputHash = texHash;
      };
    in
    mkDerivation {
      inherit pname version;
      buildInputs = [ tex ];
      passthru = { inherit tex; };
    };
}

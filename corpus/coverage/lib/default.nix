# Helpers, and fake fetchers and a fake stdenv: enough for `.drv` files with fixed outputs.
{ system, config }:

rec {
  platforms = import ./platforms.nix;
  optional = cond: x: if cond then [ x ] else [ ];

  # Like nixpkgs' fetchurl: a fixed output with the hash as written (SRI when `hash`).
  fetchurl = { url, sha256 ? "", hash ? "" }: derivation {
    name = baseNameOf url;
    inherit system url;
    builder = "builtin:fetchurl";
    outputHash = if hash != "" then hash else sha256;
    outputHashAlgo = if hash != "" then "" else "sha256";
    outputHashMode = "flat";
  };

  stdenv = {
    inherit system;
    isLinux = builtins.elem system platforms.linux;
    isAarch64 = system == "aarch64-linux";
    lib = { inherit optional platforms; };
    # meta.broken throws unless config.allowBroken, as nixpkgs' stdenv does; passthru's
    # members are merged into the derivation.
    mkDerivation = attrs:
      let
        broken = (attrs.meta or { }).broken or false;
        drv = derivation (builtins.removeAttrs attrs [ "meta" "passthru" ] // {
          inherit system;
          builder = "/bin/sh";
          args = [ "-c" "echo > $out" ];
        });
      in
      if broken && !(config.allowBroken or false)
      then throw "Package ‘${attrs.name}’ is marked as broken, refusing to evaluate."
      else drv // (attrs.passthru or { });
  };

  runCommand = name: env: script: derivation (env // {
    inherit name system;
    builder = "/bin/sh";
    args = [ "-c" script ];
  });
}

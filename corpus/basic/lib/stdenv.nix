# A fake stdenv. Like nixpkgs' stdenv it depends on a bootstrap-tools tarball
# fetched with Nix's builtin fetcher (<nix/fetchurl.nix>, builder
# "builtin:fetchurl"), so that FOD is in the build closure of `stdenv` and of
# every package made with `mkDerivation`.
{ system, config, lib }:

rec {
  isDarwin = lib.hasSuffix "-darwin" system;
  isLinux = lib.hasSuffix "-linux" system;
  isAarch64 = lib.hasPrefix "aarch64-" system;

  # One bootstrap tarball per system (different url and hash per system;
  # the name is always "bootstrap-tools.tar.xz").
  bootstrapTools = import <nix/fetchurl.nix> {
    url = "http://tarballs.example.org/stdenv/${system}/bootstrap-tools.tar.xz";
    sha256 = lib.fakeSha256 "bootstrap-tools-${system}";
  };

  stdenv = derivation {
    name = "stdenv-fake";
    inherit system;
    builder = "/bin/sh";
    args = [ "-c" "mkdir -p $out; echo ${bootstrapTools} > $out/bootstrap" ];
  };

  # mkDerivation: like nixpkgs, meta.broken / unfree licences are checked only
  # when drvPath/outPath is forced; the failure is a catchable `throw`.
  mkDerivation = attrs:
    let
      meta = attrs.meta or { };
      name = attrs.name or "${attrs.pname}-${attrs.version}";
      broken = meta.broken or false;
      unfree = !((meta.license or lib.licenses.mit).free or true);
      validity =
        if broken && !(config.allowBroken or false) then
          throw "Package ‘${name}’ in /fake/pkgs is marked as broken, refusing to evaluate."
        else if unfree && !(config.allowUnfree or false) then
          throw "Package ‘${name}’ in /fake/pkgs has an unfree license (‘unfree’), refusing to evaluate."
        else true;
      drv = derivation (builtins.removeAttrs attrs [ "meta" "passthru" "buildCommand" ] // {
        inherit name system stdenv;
        builder = "/bin/sh";
        args = [ "-c" (attrs.buildCommand or "source $stdenv/setup; genericBuild") ];
      });
    in
    drv // (attrs.passthru or { }) // {
      inherit meta;
      drvPath = assert validity; drv.drvPath;
      outPath = assert validity; drv.outPath;
      # Functions on derivations (never walked: derivations are not recursed into).
      overrideAttrs = f: mkDerivation (attrs // f attrs);
    };
}

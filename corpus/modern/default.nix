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
in
builtins.listToAttrs byName // {
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

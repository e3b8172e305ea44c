# A nixpkgs-shaped tree whose fetch sites are real hash literals, one package per way a literal
# can stay unreached (see ../README.md). Nothing is ever built.
{ system ? builtins.currentSystem, config ? { } }:

import ./pkgs/top-level/all-packages.nix { inherit system config; }

{ stdenv, fetchurl }:

let
  srcs = import ./srcs.nix { inherit fetchurl; };
  app = name: stdenv.mkDerivation {
    name = "${name}-${srcs.${name}.version}";
    inherit (srcs.${name}) src;
  };
in
{
  alpha = app "alpha";
  beta = app "beta";
}

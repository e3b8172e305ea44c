# A small NixOS-shaped target for `fodfuzz scan --expr/--file` (not a package collection):
#
#   fodfuzz scan --expr '(import ./corpus/system { configuration = ./corpus/system/configuration.nix; }).system'
#
# Like nixos/default.nix it takes a configuration module and gives `system`, a top-level
# derivation whose build closure holds the packages the configuration asks for, an /etc built
# from strings (a firmware FOD reached only through a string context) and a kernel with its own
# source. The expected FODs and closure are in expected.json, derived by hand in ../README.md.
{ configuration, system ? "x86_64-linux" }:

let
  lib = import ../basic/lib/lib.nix;
  pkgs = import ../basic { inherit system; config = { }; };
  inherit (import ../basic/lib/fetchers.nix { inherit system lib; }) fetchurl;
  cfg = import configuration { inherit pkgs; };

  inherit (import ../basic/lib/stdenv.nix { inherit system lib; config = { }; }) mkDerivation;

  kernel = mkDerivation {
    pname = "linux";
    version = "4.4.1";
    src = fetchurl {
      url = "http://kernel.example.org/linux-4.4.1.tar.xz";
      sha256 = lib.fakeSha256 "linux-4.4.1";
    };
  };

  # Only interpolated into the builder's script: found through the string's context.
  firmware = fetchurl {
    url = "http://firmware.example.org/wifi-fw-1.bin";
    sha256 = lib.fakeSha256 "wifi-fw-1";
  };

  fake = name: script: derivation {
    inherit name system;
    builder = "/bin/sh";
    args = [ "-c" script ];
  };

  systemPath = fake "system-path"
    "mkdir $out; ${builtins.concatStringsSep "; " (map (p: "ln -s ${p} $out/") cfg.environment.systemPackages)}";
  etc = fake "etc" "mkdir $out; cp ${firmware} $out/wifi.bin; echo ${cfg.networking.hostName} > $out/hostname";
in
{
  system = fake "nixos-system-${cfg.networking.hostName}"
    "mkdir $out; ln -s ${systemPath} $out/sw; ln -s ${etc} $out/etc; ln -s ${kernel} $out/kernel";
  config = cfg;
}

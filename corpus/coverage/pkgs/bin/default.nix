# A binary per system, in a set keyed by system.
{ stdenv, fetchurl }:

let
  srcs = {
    x86_64-linux = fetchurl {
      url = "http://example.org/bin-tool-x86_64.tar.gz";
      sha256 = "13z3ngdd2gj3wmsyy4lbhmicjlbklm31312zzbwba207a7f4vfg8";
    };
    i686-linux = fetchurl {
      url = "http://example.org/bin-tool-i686.tar.gz";
      sha256 = "1ca37jb0a8rdjqfrrixa6gvw9mj7mhkmbq0cxdbr97k71993alk6";
    };
  };
in
stdenv.mkDerivation {
  name = "bin-tool-1.0";
  src = srcs.${stdenv.system} or (throw "bin-tool: no binary for ${stdenv.system}");
}

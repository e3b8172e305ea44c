# A tree whose files hold strings under hash-like names of every length and alphabet
# (strings.nix): the scan walks them as data and the coverage analysis reads every one of them;
# both must finish. One package with one fetch, so the scan has a FOD. Nothing is built; the
# hash is the digest of "oddstrings-hello". See ../README.md.
{ system ? builtins.currentSystem, config ? { } }:

{
  hello = derivation {
    name = "hello-1.0.tar.gz";
    inherit system;
    builder = "builtin:fetchurl";
    url = "http://127.0.0.1:1/hello-1.0.tar.gz";
    outputHashMode = "flat";
    outputHashAlgo = "sha256";
    outputHash = "sha256-/kuSKMTaXT5TUh+eUXolHXrjR2Ndx9tesDPCls1gydk=";
  };
  data = import ./strings.nix;
}

# A fetch site behind a package argument (`tool.override { withDocs = true; }`), and one in a
# `let` binding nothing uses.
{ stdenv, fetchurl, withDocs ? false }:

let
  oldSrc = fetchurl {
    url = "http://example.org/tool-0.9.tar.gz";
    sha256 = "1rdizyrkgpba8qk0bgmm3csz8s99sp5dj5460bkx5849lyr40y5r";
  };
in
stdenv.mkDerivation {
  name = "tool-1.0";
  src = fetchurl {
    url = "http://example.org/tool-1.0.tar.gz";
    sha256 = "c61a4ad2755faaa5c719c015b9102e0e111597e98f63dfe3bd02fcbaec3ca19e";
  };
  docs = if withDocs then fetchurl {
    url = "http://example.org/tool-docs-1.0.tar.gz";
    sha256 = ''134jis1wds1fpna3j4bw0527k13kd6n8y90c499lrzmzcm2a0br6'';
  } else null;
}

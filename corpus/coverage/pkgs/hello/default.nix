{ stdenv, fetchurl }:

stdenv.mkDerivation {
  name = "hello-2.10";
  src = fetchurl {
    url = "http://example.org/hello-2.10.tar.gz";
    hash = "sha256-nWfcV2XvSPRIiW1M3swAvyW+QOXoMRHwj91lLVLXSAk=";
  };
}

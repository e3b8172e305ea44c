{ stdenv, fetchurl }:

stdenv.mkDerivation {
  name = "arm-tool-1.0";
  src = fetchurl {
    url = "http://example.org/arm-tool-1.0.tar.gz";
    sha256 = "1n43hijr9kdbaq0lnc2dxvalp9i0nwxh65y76579xsbim427viwc";
  };
  patches = stdenv.lib.optional stdenv.isAarch64 (fetchurl {
    url = "http://example.org/arm-tool-aarch64.patch";
    sha256 = "1kdk1845hmjdw1ajx0dva1pv77g143f6f2rq8w5wg6631bilivli";
  });
}

# No file imports this one any more.
{ stdenv, fetchurl }:

stdenv.mkDerivation {
  name = "old-0.1";
  src = fetchurl {
    url = "http://example.org/old-0.1.tar.gz";
    sha256 = "0cy2f6758n33kwchpnx7rxb5npnmzyabrqwlbf9j8l5d5jyqj878";
  };
}

{ stdenv, fetchurl }:

stdenv.mkDerivation {
  name = "broken-1.0";
  src = fetchurl {
    url = "http://example.org/broken-1.0.tar.gz";
    sha256 = "08a7pjffq001rbl8kih1wsr79c0v1sw5bainwm245il7a9q455w7";
  };
  meta.broken = true;
}

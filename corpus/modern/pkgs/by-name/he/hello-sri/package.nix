{ mkDerivation, fetchurl }:

mkDerivation rec {
  pname = "hello-sri";
  version = "2.12";
  src = fetchurl {
    url = "http://127.0.0.1:1/hello-sri-${version}.tar.gz";
    hash = "sha256-Bas47lMfZhRanIUdgioUlwzoEXN9Cv+RclPf8tERj0k=";
  };
}

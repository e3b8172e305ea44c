{ stdenv, fetchurl }:

# Its data sets hang on it (nixpkgs' lhapdf.passthru.pdf_sets): only the walk into a
# derivation's own attributes reaches them.
stdenv.mkDerivation {
  name = "physics-1.0";
  src = fetchurl {
    url = "http://example.org/physics-1.0.tar.gz";
    sha256 = "0wsh382iy5i55h8rrnmwssmy42vah4wi9cwm8y4bnh3lvx7n9brp";
  };
  passthru = {
    pdf_sets = import ./pdf_sets.nix { inherit stdenv fetchurl; };
  };
}

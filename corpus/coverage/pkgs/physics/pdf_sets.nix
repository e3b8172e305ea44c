{ stdenv, fetchurl }:

let
  mkPdfSet = name: sha256: meta: stdenv.mkDerivation {
    inherit name meta;
    src = fetchurl {
      url = "http://example.org/pdfsets/${name}.tar.gz";
      inherit sha256;
    };
  };
in
{
  CT10 = mkPdfSet "CT10" "07pmq00vjqamifmd9jfsz9sa1rvrr3xz5y65isxhl1nqimawjvmb" { };
  MSTW = mkPdfSet "MSTW" "1za3b3v10fnlnphf5hcp3s2csr8sl1fwri0kx9dxsxqc7i3l0w5j" { broken = true; };
}

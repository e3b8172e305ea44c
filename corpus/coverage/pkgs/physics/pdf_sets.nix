{ stdenv, fetchurl }:

let
  # Each entry names its file by two digests, as libreoffice's sources do: fetchurl takes the
  # sha256; the md5 only names the file in a build.
  mkPdfSet = { name, sha256, md5, broken ? false }: stdenv.mkDerivation {
    inherit name;
    meta = { inherit broken; };
    src = fetchurl {
      url = "http://example.org/pdfsets/${name}.tar.gz";
      inherit sha256;
    };
  };
in
{
  CT10 = mkPdfSet {
    name = "CT10";
    sha256 = "07pmq00vjqamifmd9jfsz9sa1rvrr3xz5y65isxhl1nqimawjvmb";
    md5 = "c2feb4c1fec735953d7d96e7f32d55a5";
  };
  MSTW = mkPdfSet {
    name = "MSTW";
    sha256 = "1za3b3v10fnlnphf5hcp3s2csr8sl1fwri0kx9dxsxqc7i3l0w5j";
    md5 = "534b23a7f13ac30d90b7ed9fc6b63169";
    broken = true;
  };
}

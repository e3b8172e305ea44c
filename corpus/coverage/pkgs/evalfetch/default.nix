# Nix's own fetcher runs while evaluating; fodfuzz's restricted evaluation refuses it.
{ stdenv }:

stdenv.mkDerivation {
  name = "eval-fetch-1.0";
  src = builtins.fetchurl {
    url = "http://example.org/eval-fetch-1.0.tar.gz";
    sha256 = "1aag2iaa26zpfi9d9lazf4iplqp99y6vfmb1958r6gd8n5lchpzv";
  };
}

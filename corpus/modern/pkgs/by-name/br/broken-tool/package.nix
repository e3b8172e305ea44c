{ mkDerivation, fetchurl }:

# Marked broken, as a package of nixpkgs' by-name is: its source is an eval-failure of its
# directory's name, the attribute nothing in the tree writes a path to.
throw "broken-tool is marked as broken" (mkDerivation {
  pname = "broken-tool";
  version = "1";
  src = fetchurl {
    url = "http://127.0.0.1:1/broken-tool-1.tar.gz";
    hash = "sha256-OEUNmZVP//pXZ2Hz3Fnadk0PNVgQvtt7F9zJh+iuUYM=";
  };
})

# The evaluation floor (harness/floor.py): ONE nix-instantiate that forces drvPath of exactly the
# derivation attributes a scan found, read from its journal: no walk, no records, no failures.
# The count of paths is the result, so nothing large is printed.
{ tree, pathsFile, system, config }:
let
  pkgs = import tree { inherit system config; };
  paths = builtins.fromJSON (builtins.readFile pathsFile);
  lookup = path: builtins.foldl' (v: name: v.${name}) pkgs path;
  force = n: path:
    let d = builtins.tryEval (lookup path).drvPath;
    in builtins.seq d.value (n + 1);
in builtins.foldl' force 0 paths

# The independent reference's walk (harness/ref-list.py drives it): every attribute set below
# the given roots, to a fixed depth, with none of fodfuzz's rules. It shares no code with
# src/scan/visit.nix and none of its pruning: no recurseForDerivations, no comparison of package
# sets, no detection of NixOS configurations or package-set copies. Below a derivation it enters
# only what the derivation names as its passthru (mkDerivation's `passthru`), which is where
# nixpkgs hangs tests, package sets and fetched data.
#
# `roots` is a JSON list of [depth, path]: where each root's walk starts (1 for a top-level
# attribute; deeper when the driver splits a root whose walk failed into its children).
#
# Prints a JSON list of [kind, path]: kind "drv" (a derivation: its drvPath is forced later) or
# "throw" (tryEval caught a throw while looking at it). An error tryEval cannot catch ends the
# evaluation; the driver then splits the roots.
{ tree, system, config, roots, depth }:
let
  pkgs = import tree { inherit system config; };
  limit = builtins.fromJSON depth; # given with --argstr, as every argument the driver passes
  get = path: builtins.foldl' (v: n: v.${n}) pkgs path;
  isDrv = v: builtins.isAttrs v && (v.type or null) == "derivation";
  # The names entered below a value at `path`: all of a plain set's, a derivation's passthru's.
  children = v:
    if isDrv v then (if builtins.isAttrs (v.passthru or null) then builtins.attrNames v.passthru else [ ])
    else if builtins.isAttrs v then builtins.attrNames v
    else [ ];
  node = d: path:
    let
      r = builtins.tryEval (
        let
          v = get path;
          here = if isDrv v then [ [ "drv" path ] ] else [ ];
          names = if d >= limit then [ ] else children v;
        in builtins.deepSeq names (here ++ [ names ]));
    in
    if !r.success then [ [ "throw" path ] ]
    else
      let names = builtins.elemAt r.value (builtins.length r.value - 1);
      in (builtins.genList (i: builtins.elemAt r.value i) (builtins.length r.value - 1))
        ++ builtins.concatMap (n: node (d + 1) (path ++ [ n ])) names;
in
builtins.concatMap (r: node (builtins.elemAt r 0) (builtins.elemAt r 1)) (builtins.fromJSON roots)

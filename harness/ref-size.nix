# For each top-level name: how many names its sets hold one and two levels down (a plain set's
# names; a derivation counts as none), or -1 when looking throws. harness/ref-list.py leaves
# roots above a limit out of a sample: a copy of the whole package set (pkgsCross.*, pkgsStatic)
# walked to the reference's depth is millions of derivations.
{ tree, system, config, names }:
let
  pkgs = import tree { inherit system config; };
  isDrv = v: (v.type or null) == "derivation";
  count = v: if builtins.isAttrs v && !isDrv v then builtins.length (builtins.attrNames v) else 0;
  size = v:
    if builtins.isAttrs v && !isDrv v
    then builtins.foldl' (acc: n: acc + (let r = builtins.tryEval (count v.${n}); in if r.success then r.value else 0))
      (count v) (builtins.attrNames v)
    else 0;
  one = n: let r = builtins.tryEval (size pkgs.${n}); in if r.success then r.value else -1;
in
map one (builtins.fromJSON names)

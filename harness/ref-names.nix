# The names below one path, by the reference's rule (harness/ref-walk.nix): all of a plain
# set's, a derivation's passthru's. harness/ref-list.py asks it when the walk of a root fails, to
# walk the root's children one by one.
{ tree, system, config, path }:
let
  pkgs = import tree { inherit system config; };
  v = builtins.foldl' (v: n: v.${n}) pkgs (builtins.fromJSON path);
  isDrv = (v.type or null) == "derivation";
in
if isDrv then (if builtins.isAttrs (v.passthru or null) then builtins.attrNames v.passthru else [ ])
else if builtins.isAttrs v then builtins.attrNames v
else [ ]

# Evaluated by every fodfuzz worker (src/scan/runner/process.rs drives it): visits a batch of
# attribute paths of one (system, config)
# cell and streams one record per path to stderr with builtins.trace, so that a crash or an
# uncatchable error (attribute missing, infinite recursion, ...) loses nothing already found:
# the driver knows which path was in progress from the "@fodfuzz-start" marker.
#
# Forcing `drvPath` in --read-write-mode writes the whole .drv closure into the private store;
# the driver reads fixed outputs from those .drv files, so FODs referenced only from strings
# are found too.
# A target (`fodfuzz scan --expr/--file`) replaces the tree: any value, walked the same way, its
# lists too (a list of derivations is a target's usual shape).
{ tree ? null, target ? null, system, config, tasksFile, explain ? false }:
let
  pkgs = if tree != null then import tree { inherit system config; } else target;
  walkLists = tree == null;
  tasks = builtins.fromJSON (builtins.readFile tasksFile);

  # In explain mode a throw is not caught: the worker dies and its message is the record.
  try = e: if explain then { success = true; value = e; } else builtins.tryEval e;

  lookup = path: builtins.foldl'
    (v: name: if builtins.isList v then builtins.elemAt v (builtins.fromJSON name) else v.${name})
    pkgs path;

  visit = task:
    let
      v = try (lookup task.path);
      isDrv = try (builtins.isAttrs v.value && (v.value.type or null) == "derivation");
      drv = try (builtins.seq v.value.drvPath v.value.drvPath);
      name = try (builtins.seq v.value.name v.value.name);
    in
    if !v.success || !isDrv.success then { kind = "throw"; }
    else if isDrv.value then
      (if drv.success
       then { kind = "drv"; drvPath = drv.value; name = if name.success then name.value else null; }
       else { kind = "throw"; })
    else if builtins.isAttrs v.value then { kind = "set"; names = builtins.attrNames v.value; }
    else if walkLists && builtins.isList v.value
    then { kind = "set"; list = true; names = builtins.genList toString (builtins.length v.value); }
    else { kind = "skip"; };

  step = done: task:
    builtins.seq (builtins.trace "@fodfuzz-start ${toString task.id}" null)
      (builtins.seq
        (builtins.trace ("@fodfuzz " + builtins.toJSON ({ inherit (task) id; } // visit task)) null)
        (done + 1));
in
builtins.foldl' step 0 tasks

# Loaded once into each worker's `nix repl` (`:l`; src/scan/runner/session.rs drives it), which
# then evaluates one line per batch: `r <fz/NAME> I`, the tasks of a batch file the driver wrote
# from place I on, in order (src/scan/runner/batch_file.rs:
# `{ cell; explain; tasks = [ { id; path; of?; inputs?; } ]; }`).
# A task visits its path; with `of`, it asks whether the set at `path` is the set at `of`,
# already walked; with `inputs`, it asks a derivation whose drvPath threw for its inputs. The
# package set of each cell is imported at most once per process and kept, so shared work
# (stdenv, common libraries) is evaluated once, not once per batch.
#
# Each task streams two traces: "@fodfuzz-start ID", then "@fodfuzz {json}" with what the path
# is. An error tryEval cannot catch (attribute missing, infinite recursion, ...) ends the line
# instead: the repl prints it and goes on with the next one, and the driver records it as the
# failure of the task that started last and sends a line for the tasks after it.
#
# A derivation also names its own attributes the walk enters (`attrs`, see `own`): passthru
# sets and package sets hung on it, each then a task of its own.
#
# Forcing `drvPath` writes the whole .drv closure into the worker's private store; the driver
# reads fixed outputs from those .drv files, so FODs referenced only from strings are found too.
# A target (`fodfuzz scan --expr/--file`) replaces the tree: any value, walked the same way, its
# lists too (a list of derivations is a target's usual shape).
{ tree ? null, target ? null, cells }:
let
  # A list is lazy: only the roots cells name are imported, once per process.
  roots = map (c: if tree != null then import tree { inherit (c) system config; } else target) cells;
  rootOf = cell: builtins.elemAt roots ((builtins.elemAt cells cell).root or cell);
  walkLists = cell: tree == null || (builtins.elemAt cells cell).lists or false;

  lookup = root: path: builtins.foldl'
    (v: name: if builtins.isList v then builtins.elemAt v (builtins.fromJSON name) else v.${name})
    root path;

  # A variation of a configuration search may override a package: the value at its path is
  # `(value).override args`.
  at = cell: path:
    let
      found = lookup (rootOf cell) path;
      over = builtins.filter (o: o.path == path) (builtins.elemAt cells cell).overrides;
    in if over == [ ] then found else found.override (builtins.head over).args;

  # The attributes of a derivation the walk enters (`lhapdf.pdf_sets`, `python.pkgs`, `foo.tests`):
  # those that are neither its outputs nor its arguments (`drvAttrs`: src, buildInputs …, whose
  # fixed outputs are in its closure already) nor what every derivation carries. `passthru` is
  # left out because mkDerivation merges its members into the derivation, where they are walked
  # under the derivation's own name. Names only: a value is not forced here, so one that throws
  # or recurses forever fails as a task of its own, with its own path, and this one still counts.
  own = d:
    let
      args = builtins.tryEval (let a = d.drvAttrs or { }; in if builtins.isAttrs a then a else { });
      outs = builtins.tryEval (let o = d.outputs or [ "out" ]; in if builtins.isList o then o else [ ]);
      outputs = builtins.listToAttrs (map (o: { name = if builtins.isString o then o else ""; value = null; })
        (if outs.success then outs.value else [ ]));
      given = if args.success then args.value else { };
    in builtins.filter
      (n: !(given ? ${n}) && !(outputs ? ${n}) && !(carried ? ${n})
        && builtins.substring 0 8 n != "override")
      (builtins.attrNames d);
  carried = builtins.listToAttrs (map (n: { name = n; value = null; }) [
    "all" "drvAttrs" "drvPath" "outPath" "outputName" "outputs" "type" "meta" "passthru"
    "inputDerivation" "outputSpecified" "outputUnspecified" "__spliced"
  ]);

  visit = cell: explain: path:
    let
      # With explain, a throw is not caught: the repl prints its message, which is the record.
      try = e: if explain then { success = true; value = e; } else builtins.tryEval e;
      v = try (at cell path);
      isDrv = try (builtins.isAttrs v.value && (v.value.type or null) == "derivation");
      drv = try (builtins.seq v.value.drvPath v.value.drvPath);
      name = try (builtins.seq v.value.name v.value.name);
      test = builtins.tryEval (isNixosTest v.value);
    in
    if !v.success || !isDrv.success then { kind = "throw"; }
    else if isDrv.value && path != [ ] && !((builtins.elemAt cells cell).nixosTests or false)
      && test.success && test.value then { kind = "nixos-test"; }
    else if isDrv.value then
      (if drv.success
       then { kind = "drv"; drvPath = drv.value; name = if name.success then name.value else null; }
         // (let a = own v.value; in if a == [ ] then { } else { attrs = a; })
       else { kind = "throw"; derivation = true; })
    else if builtins.isAttrs v.value then { kind = "set"; names = builtins.attrNames v.value; } // scopeOf v.value
    else if builtins.isList v.value then
      (let n = builtins.tryEval (builtins.length v.value); in
       if n.success && n.value > hugeList then { kind = "huge"; length = n.value; }
       else if walkLists cell
       then { kind = "set"; list = true; names = builtins.genList toString (builtins.length v.value); }
       else { kind = "skip"; })
    else { kind = "skip"; };
  # A NixOS test (nixpkgs' runTest and the older makeTest put `nodes` and `driver` beside the
  # derivation): forcing its drvPath evaluates whole NixOS systems, 15-25 s each on 26.11, which
  # has over 1,300 of them. Unless the cell asks for them (`scan --nixos-tests`) it is reported,
  # not evaluated; a target that is itself a test (the path []) is evaluated. Names only.
  isNixosTest = d: d ? nodes && (d ? driver || d ? driverInteractive);
  # What a set is when it is more than a package's own: a NixOS system's configuration (its
  # `_module`, or the options every system has: a NixOS test's `nodes.machine` of 26.11 has no
  # `_module`) or a whole package set (nixpkgs' makeScope: `callPackage` beside `newScope` or
  # `overrideScope`: an interpreter's `pkgs`, an override's copy). Below a derivation the walk
  # does not enter either (src/scan/runner/dispatcher.rs: `expand`). Only names are asked:
  # nothing in the set is evaluated.
  scopeOf = s:
    if s ? _module || (s ? assertions && s ? warnings && s ? boot && s ? system && s ? fileSystems)
    then { scope = "nixos"; }
    else if s ? callPackage && (s ? newScope || s ? overrideScope) then { scope = "package-set"; }
    else { };
  # A list longer than this is not walked: a walked list is a task per element, and a data list
  # of a million entries hung on a derivation would be a million tasks. It is reported instead
  # (a `too-large` failure with its length), also where lists are not walked (a tree's scan), so
  # that such a list is never passed over in silence.
  hugeList = 100000;
  # Whether two package sets are one value, member by member: `==` of one-member slices of
  # both (`intersectAttrs` keeps the member's own value, so for the same set it only compares
  # pointers after forcing each member, which the walk of the set did already), where a look-alike
  # with other derivations differs at its first function or derivation. A member that throws
  # when forced on both sides counts as the same (its visit records the same throw; `==` of
  # the sets would throw), but sets need one member that compares equal: two sets that only
  # throw are walked each. `recurseForDerivations`, which `recurseIntoAttrs` adds to a copy, and
  # the members in `skip` (their visits failed with an error tryEval cannot catch, which would
  # end this task too: src/scan/runner/dispatcher/compare.rs) are left out.
  same = cell: path: other: skip:
    let
      root = rootOf cell;
      leave = [ "recurseForDerivations" ] ++ skip;
      a = builtins.removeAttrs (lookup root path) leave;
      b = builtins.removeAttrs (lookup root other) leave;
      slice = s: n: builtins.intersectAttrs { ${n} = null; } s;
      throws = s: n: !(builtins.tryEval (builtins.seq s.${n} true)).success;
      agrees = n: let r = builtins.tryEval (slice a n == slice b n); in r.success && r.value;
      one = n: agrees n || (throws a n && throws b n);
      names = builtins.attrNames a;
      r = builtins.tryEval (names == builtins.attrNames b && builtins.all one names
        && builtins.any agrees names);
    in { kind = "alias"; equal = r.success && r.value; };

  # The inputs of a derivation whose drvPath throws because of one of its arguments: the
  # derivations among its arguments (`drvAttrs`: a derivation, or a list holding some) whose
  # drvPath evaluates, and below those that throw in turn, theirs, a few levels down. Each would
  # have been an input of the attribute's derivation, so what their closures hold is the
  # attribute's, in part. A derivation whose arguments all evaluate threw for itself (meta
  # checks, an assert on drvPath as newer nixpkgs' mkDerivation has): nothing is attributed.
  # An error tryEval cannot catch ends the task: nothing is salvaged.
  #
  # Level by level, and each derivation that threw is opened once per task (known by its name
  # and where that name is written): a package set whose members all throw (rPackages on a system
  # its compiler lacks) shares most inputs, and following every chain opened the same
  # derivations thousands of times (records of a megabyte, most of a cell's time).
  inputs = cell: path:
    let
      isDrv = x: builtins.isAttrs x && (x.type or null) == "derivation";
      # A builder that writes its source into a string (builderDefs' buildCommand) has `src`
      # beside its arguments, not among them: that one is asked for too.
      args = d:
        let
          r = builtins.tryEval (let a = d.drvAttrs or { }; in if builtins.isAttrs a then a else { });
          own = builtins.tryEval (builtins.intersectAttrs { src = null; srcs = null; } d);
        in (if own.success then own.value else { }) // (if r.success then r.value else { });
      threw = { threw = true; };
      entry = x:
        let r = builtins.tryEval (isDrv x);
        in if !r.success then [ threw ] else if r.value then [ { drv = x; } ] else [ ];
      entries = x:
        let r = builtins.tryEval (if builtins.isList x then builtins.concatLists (map entry x) else entry x);
        in if r.success then r.value else [ threw ];
      # One derivation that threw: the paths of its entries that evaluate and the derivations
      # among them that threw, when any entry threw.
      open = d:
        let
          a = args d;
          tried = map (e: e // { p = if e ? drv then builtins.tryEval e.drv.drvPath else { success = false; }; })
            (builtins.concatLists (map (n: entries a.${n}) (builtins.attrNames a)));
          bad = builtins.filter (t: !t.p.success) tried;
        in
        if bad == [ ] then { paths = [ ]; next = [ ]; }
        else {
          paths = map (t: t.p.value) (builtins.filter (t: t.p.success) tried);
          next = map (t: t.drv) (builtins.filter (t: t ? drv) bad);
        };
      # Who a derivation that threw is; one whose name throws is known by its place.
      key = level: i: d:
        let
          a = args d;
          n = builtins.tryEval (let v = a.name or ""; in if builtins.isString v then v else "");
          pos = builtins.tryEval (builtins.unsafeGetAttrPos "name" a);
          at = if pos.success && pos.value != null then "${pos.value.file}:${toString pos.value.line}" else "";
        in if n.success && n.value != "" then "${n.value} ${at}" else "#${toString level}.${toString i}";
      level = acc: depth:
        let
          named = builtins.listToAttrs (builtins.genList
            (i: { name = key depth i (builtins.elemAt acc.todo i); value = builtins.elemAt acc.todo i; })
            (builtins.length acc.todo));
          fresh = builtins.removeAttrs named (builtins.attrNames acc.seen);
          opened = map open (builtins.attrValues fresh);
        in {
          seen = acc.seen // fresh;
          todo = builtins.concatLists (map (o: o.next) opened);
          paths = acc.paths ++ builtins.concatLists (map (o: o.paths) opened);
        };
      v = builtins.tryEval (at cell path);
      found = builtins.foldl' level { seen = { }; todo = [ v.value ]; paths = [ ]; } [ 0 1 2 3 ];
      # An attribute name cannot hold a string's context; the record needs only the path.
      unique = paths: builtins.attrNames (builtins.listToAttrs
        (map (p: { name = builtins.unsafeDiscardStringContext p; value = null; }) paths));
    in { kind = "inputs"; drvPaths = if v.success then unique found.paths else [ ]; };

  task = id: record:
    builtins.seq (builtins.trace "@fodfuzz-start ${toString id}" null)
      (builtins.trace ("@fodfuzz " + builtins.toJSON ({ inherit id; } // record)) null);
in
{
  # The repl reads a byte at a time, about 4 µs each: the name is short. foldl' evaluates each
  # task (its traces) before it goes on to the next.
  r = file: i:
    let
      b = import file;
      one = x: task x.id (if x ? of then same b.cell x.path x.of (x.skip or [ ])
        else if x.inputs or false then inputs b.cell x.path
        else visit b.cell b.explain x.path);
    in builtins.foldl' (done: k: builtins.seq done (one (builtins.elemAt b.tasks k))) null
      (builtins.genList (k: k + i) (builtins.length b.tasks - i));
  # `fodfuzz merge` asks the same of two sets that two shards walked.
  fodfuzzEqual = cell: path: other: (same cell path other [ ]).equal;
}

#!/usr/bin/env python3
"""Reference baseline for fodfuzz: instantiate every top-level attribute of a
nixpkgs tree into a throwaway private Nix store, then list the output paths of
all fixed-output derivations (.drv outputs with a hash) found in that store.

  instantiate-everything TREE --system x86_64-linux --config '{}' --out FILE
                         [--store DIR] [--chunk 200] [--jobs 1]

Attributes are instantiated `--chunk` at a time (`nix-instantiate -A a -A b ...`).
A failing chunk first drops the attributes that throw (one tryEval screening
call), then is bisected down to single attributes. A single failing attribute
is recorded as failed -- unless it is a plain attribute set (e.g. pythonPackages,
where one broken member aborts the whole -A): then the members -A would
instantiate (derivations, recurseForDerivations sets) are processed the same
way, recursively (--no-descend: don't). .drv files written before a failure
are kept and counted.
"""
import argparse, json, os, re, shutil, signal, subprocess, sys, tempfile, time
from concurrent.futures import ThreadPoolExecutor

NIX_OPTS = ["--option", "allow-import-from-derivation", "false",
            "--option", "substituters", ""]
# Outputs of an ATerm derivation: Derive([("out","/nix/store/..","r:sha256","hex"),...],...
OUTPUT_RE = re.compile(r'\("([^"]*)","([^"]*)","([^"]*)","([^"]*)"\)')


def run(cmd, timeout):
    """Run cmd in its own process group; return (ok, stdout, stderr).
    A timeout kills the group and counts as failure."""
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         start_new_session=True, text=True, errors="replace")
    try:
        out, err = p.communicate(timeout=timeout)
        return p.returncode == 0, out, err
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)
        p.communicate()
        return False, "", f"timeout after {timeout}s"


def nix_eval(a, expr, **args):
    """Evaluate `{ tree, system, config, ... }: EXPR` strictly (read-write, so
    forced drvPaths are written to the store); JSON value, or None on error."""
    cmd = ["nix-instantiate", "--store", a.store, *NIX_OPTS, "--eval", "--json",
           "--strict", "--read-write-mode", "--argstr", "tree", a.tree,
           "--argstr", "system", a.system, "--arg", "config", a.config, "-E", expr]
    for k, v in args.items():
        cmd += ["--argstr", k, v]
    ok, out, _ = run(cmd, a.timeout_chunk)
    return json.loads(out) if ok else None


PKGS = "pkgs = import tree { inherit system config; }"
# Members of the set at PATH that `nix-instantiate -A PATH` would instantiate
# (derivations, sets with recurseForDerivations) or that fail to evaluate;
# null if the value at PATH is not a plain (non-derivation, non-functor) set.
MEMBERS = f"""{{ tree, system, config, path }}: let {PKGS};
  v = builtins.foldl' (s: n: s.${{n}}) pkgs (builtins.fromJSON path);
  wanted = n: let r = builtins.tryEval (let x = v.${{n}}; in builtins.isAttrs x
    && ((x.type or null) == "derivation" || (x.recurseForDerivations or false)));
    in !r.success || r.value;
in if builtins.isAttrs v && (v.type or null) != "derivation" && !(v ? __functor)
   then builtins.filter wanted (builtins.attrNames v) else null"""

# For each path: does forcing it (and, for a derivation, its drvPath) succeed?
# Catches only throw/assert; any other error makes the whole call fail.
SCREEN = f"""{{ tree, system, config, paths }}: let {PKGS};
  ok = p: (builtins.tryEval (let x = builtins.foldl' (s: n: s.${{n}}) pkgs p; in
    if builtins.isAttrs x && (x.type or null) == "derivation"
    then builtins.seq x.drvPath true else builtins.seq x true)).success;
in map ok (builtins.fromJSON paths)"""


def attr_arg(path):
    return ".".join(f'"{n}"' if "." in n else n for n in path)


def instantiate(a, paths):
    """Instantiate attribute paths (tuples); return [(path, error)] of failures."""
    cmd = ["nix-instantiate", "--store", a.store, *NIX_OPTS, a.tree,
           "--argstr", "system", a.system, "--arg", "config", a.config]
    for p in paths:
        cmd += ["-A", attr_arg(p)]
    ok, _, err = run(cmd, a.timeout_single if len(paths) == 1 else a.timeout_chunk)
    if ok:
        return []
    if len(paths) == 1:
        members = None if a.no_descend or err.startswith("timeout") else \
            nix_eval(a, MEMBERS, path=json.dumps(list(paths[0])))
        if members:
            log(f"  descending into {attr_arg(paths[0])} ({len(members)} members)")
            sub = [paths[0] + (m,) for m in members]
            return [f for i in range(0, len(sub), a.chunk)
                    for f in instantiate(a, sub[i:i + a.chunk])]
        errs = [l.strip() for l in err.splitlines() if l.startswith("error")]
        return [(paths[0], errs[0] if errs else err.strip()[-200:])]
    good = nix_eval(a, SCREEN, paths=json.dumps([list(p) for p in paths]))
    if good and not all(good):
        rest = [p for p, g in zip(paths, good) if g]
        return ([(p, "error: throw/assert (screening)") for p, g in zip(paths, good)
                 if not g] + (instantiate(a, rest) if rest else []))
    mid = len(paths) // 2
    return instantiate(a, paths[:mid]) + instantiate(a, paths[mid:])


def fod_outputs(store):
    """(number of .drv files, set of fixed-output output paths) in STORE/nix/store."""
    d = os.path.join(store, "nix", "store")
    drvs = [f for f in os.listdir(d) if f.endswith(".drv")]
    fods = set()
    for f in drvs:
        with open(os.path.join(d, f), encoding="utf-8", errors="replace") as fh:
            text = fh.read()
        assert text.startswith("Derive(["), f
        outputs = text[len("Derive(["):text.index(")]") + 1]
        for _name, path, algo, hash_ in OUTPUT_RE.findall(outputs):
            if algo and hash_:
                fods.add(path)
    return len(drvs), fods


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("tree", help="nixpkgs tree (directory)")
    p.add_argument("--system", required=True, help="e.g. x86_64-linux")
    p.add_argument("--config", required=True, help="Nix expression, e.g. '{}'")
    p.add_argument("--out", required=True, help="output file: FOD outPaths, sorted")
    p.add_argument("--store", help="private store dir (kept); default: temp, deleted")
    p.add_argument("--chunk", type=int, default=200, help="attributes per call (200)")
    p.add_argument("--jobs", type=int, default=1, help="parallel nix-instantiate calls (1)")
    p.add_argument("--timeout-chunk", type=int, default=300, help="seconds/call (300)")
    p.add_argument("--timeout-single", type=int, default=60, help="s/single attr (60)")
    p.add_argument("--no-descend", action="store_true",
                   help="record a failing attribute set as failed, don't descend")
    a = p.parse_args()
    a.tree = os.path.abspath(a.tree)
    t0 = time.time()
    tmp = None if a.store else tempfile.mkdtemp(prefix="fodref-store-")
    a.store = os.path.abspath(a.store or tmp)
    try:
        names = nix_eval(a, f"{{ tree, system, config }}: let {PKGS}; "
                         "in builtins.attrNames pkgs")
        if names is None:
            sys.exit("error: cannot list the attributes of the tree")
        log(f"{len(names)} attributes; store {a.store}")
        paths = [(n,) for n in names]
        chunks = [paths[i:i + a.chunk] for i in range(0, len(paths), a.chunk)]
        failed = []

        def work(i):
            f = instantiate(a, chunks[i])
            log(f"chunk {i + 1}/{len(chunks)}: {len(f)} failed "
                f"[{time.time() - t0:.0f}s]")
            return f
        with ThreadPoolExecutor(a.jobs) as ex:
            for f in ex.map(work, range(len(chunks))):
                failed += f
        for path, err in failed:
            log(f"FAILED {attr_arg(path)}: {err[:300]}")
        ndrv, fods = fod_outputs(a.store)
        with open(a.out, "w") as fh:
            fh.writelines(x + "\n" for x in sorted(fods))
        log(f"attributes: {len(names)}\nfailed attribute paths: {len(failed)} "
            f"(top-level: {sum(len(p) == 1 for p, _ in failed)})\n"
            f".drv files: {ndrv}\nFODs: {len(fods)}\n"
            f"wall time: {time.time() - t0:.1f}s")
    finally:
        if tmp:  # store paths are read-only; make them writable to delete
            subprocess.run(["chmod", "-R", "u+w", tmp], stderr=subprocess.DEVNULL)
            shutil.rmtree(tmp, ignore_errors=True)


def log(msg):
    print(msg, file=sys.stderr, flush=True)


if __name__ == "__main__":
    main()

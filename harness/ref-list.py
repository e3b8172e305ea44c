#!/usr/bin/env python3
"""ref-list.py: the attribute paths of an independent recall reference.

  ref-list.py TREE --system S --config C --out PATHS.json
              (--roots FILE | --sample N [--seed K] [--max-size 20000]) [--depth 3] [--jobs 2]

Walks every attribute set below the roots to --depth (a top-level attribute is depth 1) with
harness/ref-walk.nix, which shares no code and no pruning with fodfuzz's walk: no
recurseForDerivations, no aliases, no package-set or NixOS detection; below a derivation only its
passthru. Writes {"drv": [...], "throw": [...], "failed": [...]} (paths as name lists, sorted), the
form harness/instantiate-everything.py --paths reads, and with --sample also the roots it drew to
PATHS.json.roots (one per line, for `fodfuzz scan --roots`).

An error tryEval cannot catch ends a call: the roots of that call are split in halves, and a
single root that still fails is walked child by child (its names from harness/ref-names.nix); a
path whose names cannot be listed is recorded as `failed`, to be instantiated alone with -A.

--sample draws N top-level names with a seeded random generator, after leaving out the roots
whose sets hold more than --max-size names one and two levels down (harness/ref-size.nix): a
copy of the whole package set (pkgsCross.*, pkgsStatic …) walked to depth 3 is millions of
derivations. The roots left out are printed.
"""
import argparse, json, os, random, subprocess, sys, time
from concurrent.futures import ThreadPoolExecutor

HERE = os.path.dirname(os.path.abspath(__file__))
ENV = {**os.environ, "NIX_PATH": ""}
OPTS = ["--option", "allow-import-from-derivation", "false", "--option", "substituters", ""]


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def nix_eval(a, nix_file, **args):
    """(ok, value or first error line) of `nix-instantiate --eval --strict --json` of a file."""
    cmd = ["nix-instantiate", "--eval", "--strict", "--json", *OPTS, "--argstr", "tree", a.tree,
           "--argstr", "system", a.system, "--arg", "config", a.config]
    for k, v in args.items():
        cmd += ["--argstr", k, v]
    cmd.append(os.path.join(HERE, nix_file))
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, errors="replace", env=ENV,
                           timeout=a.timeout)
    except subprocess.TimeoutExpired:
        return False, f"error: timeout after {a.timeout} s"
    if p.returncode == 0:
        return True, json.loads(p.stdout)
    errs = [l.strip() for l in p.stderr.splitlines() if l.startswith("error")]
    return False, errs[0] if errs else p.stderr.strip()[-300:]


def walk(a, roots):
    """[(kind, path)] below roots ([depth, path] pairs), splitting what fails."""
    ok, out = nix_eval(a, "ref-walk.nix", roots=json.dumps(roots), depth=str(a.depth))
    if ok:
        return [(k, tuple(p)) for k, p in out]
    if len(roots) > 1:
        mid = len(roots) // 2
        return walk(a, roots[:mid]) + walk(a, roots[mid:])
    depth, path = roots[0]
    found = [("failed", tuple(path))]
    if depth >= a.depth:
        return found
    ok, names = nix_eval(a, "ref-names.nix", path=json.dumps(path))
    if not ok:
        return found
    return found + walk(a, [[depth + 1, path + [n]] for n in names]) if names else found


def sizes(a, names):
    """{name: size} by ref-size.nix, split like walk; a name that fails alone counts as -1."""
    ok, out = nix_eval(a, "ref-size.nix", names=json.dumps(names))
    if ok:
        return dict(zip(names, out))
    if len(names) == 1:
        return {names[0]: -1}
    mid = len(names) // 2
    return {**sizes(a, names[:mid]), **sizes(a, names[mid:])}


def draw(a):
    """The sampled roots: top-level names below --max-size, seeded."""
    ok, names = nix_eval(a, "ref-names.nix", path="[]")
    if not ok:
        sys.exit(f"ref-list: cannot list the tree's names: {names}")
    chunks = [names[i:i + 500] for i in range(0, len(names), 500)]
    with ThreadPoolExecutor(a.jobs) as ex:
        size = {k: v for part in ex.map(lambda c: sizes(a, c), chunks) for k, v in part.items()}
    large = sorted(n for n in names if size[n] > a.max_size)
    log(f"{len(names)} top-level names; left out (more than {a.max_size} names one and two "
        f"levels down): {len(large)}: {' '.join(large)}")
    pool = sorted(n for n in names if size[n] <= a.max_size)
    return sorted(random.Random(a.seed).sample(pool, min(a.sample, len(pool))))


def arguments():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("tree")
    p.add_argument("--system", required=True)
    p.add_argument("--config", required=True)
    p.add_argument("--out", required=True)
    g = p.add_mutually_exclusive_group(required=True)
    g.add_argument("--roots", help="top-level names, one per line")
    g.add_argument("--sample", type=int, help="draw this many top-level names")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--max-size", type=int, default=20000)
    p.add_argument("--depth", type=int, default=3)
    p.add_argument("--chunk", type=int, default=50, help="roots per call (50)")
    p.add_argument("--jobs", type=int, default=os.cpu_count())
    p.add_argument("--timeout", type=int, default=900, help="seconds a call (900)")
    a = p.parse_args()
    a.tree = os.path.abspath(a.tree)
    return a


def main():
    a = arguments()
    t0 = time.time()
    if a.roots:
        roots = sorted({l.strip() for l in open(a.roots) if l.strip()})
    else:
        roots = draw(a)
        with open(a.out + ".roots", "w") as f:
            f.writelines(r + "\n" for r in roots)
    units = [[[1, [r]] for r in roots[i:i + a.chunk]] for i in range(0, len(roots), a.chunk)]
    found = {}
    with ThreadPoolExecutor(a.jobs) as ex:
        for i, part in enumerate(ex.map(lambda u: walk(a, u), units)):
            for kind, path in part:
                found.setdefault(path, kind)
            log(f"{i + 1}/{len(units)} calls, {len(found)} paths [{time.time() - t0:.0f} s]")
    by = {k: sorted(list(p) for p, kk in found.items() if kk == k)
          for k in ("drv", "throw", "failed")}
    with open(a.out, "w") as f:
        json.dump(by, f)
    log(f"roots: {len(roots)}; derivations {len(by['drv'])}, threw {len(by['throw'])}, "
        f"failed {len(by['failed'])}; {time.time() - t0:.0f} s")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Reference for fodfuzz: instantiate every attribute path a fodfuzz scan visited, the plain way,
into a throwaway private Nix store, then list the output paths of every fixed-output derivation
among all the .drv files that store holds.

  instantiate-everything.py TREE (--scan SCAN_DIR | --paths PATHS.json) --system x86_64-linux --config '{}' --out FILE
                            [--store DIR] [--chunk 2000] [--jobs 1] [--failures FILE]

With --paths, the attribute paths are another walk's (harness/ref-list.py: an independent
reference that shares no pruning with fodfuzz). With --scan, they come from SCAN_DIR/journal.jsonl (the cell with that system and config,
found in SCAN_DIR/.fodfuzz/plan.json): every path whose outcome is a derivation or a failure
(a throw tryEval caught, or any other error), and the same paths below each package set the
scan found to be another set under a second name (an alias: the scan did not walk it again, the
reference does). Sets are not instantiated themselves: their members are paths of the journal
too, to the depth fodfuzz walked, with or without recurseForDerivations. So this does the work
fodfuzz does, the plain way, and takes none of its shortcuts.

Derivation paths and paths that threw in the scan are instantiated `--chunk` at a time, by
forcing each one's drvPath inside tryEval in a read-write evaluation: what `nix-instantiate -A`
does for a derivation (write its .drv closure), without stopping at the first throw. `-A` calls of
500 paths each took about 40 s a call on release-16.03 (a chunk with a path that fails is
bisected, and every call evaluates the package set again): 100 of 427 calls in 33 minutes.
Paths that failed in any other way (an error tryEval cannot catch) are instantiated alone with
`-A`. All with import-from-derivation off, no substituters, NIX_PATH empty and every proxy
variable pointing at a closed port (an evaluation-time fetch fails instead of reaching the
network). A call that fails is bisected down to single paths; a single path that fails is
recorded with Nix's first error line. Whatever an attribute wrote before it failed stays in the
store: at the end every .drv file in the store is read back and every fixed output of each is
listed, including those of attributes that then failed (an import-from-derivation attribute
writes the .drv it may not build).
"""
import argparse, json, os, re, shutil, signal, subprocess, sys, tempfile, time
from concurrent.futures import ThreadPoolExecutor

NIX_OPTS = ["--option", "allow-import-from-derivation", "false",
            "--option", "substituters", ""]
CLOSED = "http://127.0.0.1:9"
ENV = {**os.environ, "NIX_PATH": "", **{k: CLOSED for k in (
    "http_proxy", "https_proxy", "ftp_proxy", "all_proxy", "HTTP_PROXY", "HTTPS_PROXY",
    "FTP_PROXY", "ALL_PROXY")}}
# Outputs of an ATerm derivation: Derive([("out","/nix/store/..","r:sha256","hex"),...],...
OUTPUT_RE = re.compile(r'\("([^"]*)","([^"]*)","([^"]*)","([^"]*)"\)')


def run(cmd, timeout):
    """Run cmd in its own process group; return (ok, stdout, stderr). A timeout kills the
    group and counts as a failure."""
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=ENV,
                         start_new_session=True, text=True, errors="replace")
    try:
        out, err = p.communicate(timeout=timeout)
        return p.returncode == 0, out, err
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)
        p.communicate()
        return False, "", f"error: timeout after {timeout} s"


def attr_arg(path):
    """An attribute path as -A reads it: names with a dot quoted."""
    return ".".join(f'"{n}"' if "." in n else n for n in path)


def first_error(err):
    errs = [l.strip() for l in err.splitlines() if l.startswith("error")]
    return errs[0] if errs else err.strip()[-300:]


# Forces drvPath of each path inside tryEval, in read-write mode so that the .drv files are
# written; prints which ones threw.
FORCE = """{ tree, system, config, paths }: let
  pkgs = import tree { inherit system config; };
  force = p: (builtins.tryEval (builtins.foldl' (s: n: s.${n}) pkgs p).drvPath).success;
in map force (builtins.fromJSON paths)"""


def command(a, mode, paths):
    """The call that instantiates `paths`: `-A` each, or (mode "try") the tryEval expression."""
    common = ["nix-instantiate", "--store", a.store, *NIX_OPTS]
    if mode == "try":
        return common + ["--eval", "--strict", "--json", "--read-write-mode",
                         "--argstr", "tree", a.tree, "--argstr", "system", a.system,
                         "--arg", "config", a.config, "--argstr", "paths",
                         json.dumps([list(p) for p in paths]), "-E", FORCE]
    cmd = common + [a.tree, "--argstr", "system", a.system, "--arg", "config", a.config]
    for p in paths:
        cmd += ["-A", attr_arg(p)]
    return cmd


def instantiate(a, mode, paths):
    """Instantiates attribute paths (tuples); returns [(path, error)] of those that fail."""
    ok, out, err = run(command(a, mode, paths),
                       a.timeout_single if len(paths) == 1 else a.timeout_chunk)
    if ok and mode == "try":
        return [(p, "error: throw or assert (tryEval)")
                for p, good in zip(paths, json.loads(out)) if not good]
    if ok:
        return []
    if len(paths) == 1:
        return [(paths[0], first_error(err))]
    mid = len(paths) // 2
    return instantiate(a, mode, paths[:mid]) + instantiate(a, mode, paths[mid:])


def below(path, prefix):
    return len(path) > len(prefix) and path[:len(prefix)] == prefix


def journal_paths(scan, system, config):
    """(derivation paths, paths that threw, paths that failed otherwise), each sorted; with
    the paths below each alias the scan found."""
    with open(os.path.join(scan, ".fodfuzz", "plan.json")) as f:
        cells = json.load(f)["cells"]
    found = [i for i, c in enumerate(cells) if c[0] == system and c[1] == config]
    if not found:
        sys.exit(f"error: {scan} has no cell {system} {config}: {cells}")
    kinds, aliases = {}, []
    with open(os.path.join(scan, "journal.jsonl")) as f:
        for line in f:
            try:
                e = json.loads(line)
            except ValueError:
                continue  # a last line cut short by a crash
            if e["cell"] != found[0] or e.get("explain") or e.get("inputs"):
                continue
            o, path = e["outcome"], tuple(e["path"])
            kind = o["visited"]["kind"] if "visited" in o else "failed"
            if "aliasOf" in e:
                if kind == "alias" and o["visited"]["equal"]:
                    aliases.append((path, tuple(e["aliasOf"])))
            elif kind in ("drv", "throw", "failed"):
                kinds[path] = kind
    # What is below a walked set is below its aliases too (an alias inside an alias: again).
    for _ in range(len(aliases)):
        more = {alias + p[len(of):]: k for alias, of in aliases
                for p, k in kinds.items() if below(p, of)}
        if more.keys() <= kinds.keys():
            break
        kinds.update(more)
    by = {k: sorted(p for p, kk in kinds.items() if kk == k) for k in ("drv", "throw", "failed")}
    return by["drv"], by["throw"], by["failed"]


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


def arguments():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("tree", help="nixpkgs tree (directory)")
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--scan", help="a fodfuzz scan's output directory")
    src.add_argument("--paths", help="the paths from elsewhere: harness/ref-list.py's JSON "
                     "({\"drv\", \"throw\", \"failed\"}: lists of name lists)")
    p.add_argument("--system", required=True, help="e.g. x86_64-linux")
    p.add_argument("--config", required=True, help="Nix expression, e.g. '{}'")
    p.add_argument("--out", required=True, help="output file: FOD outPaths, sorted")
    p.add_argument("--store", help="private store dir, new or empty (kept afterwards); "
                   "default: temp, deleted")
    p.add_argument("--chunk", type=int, default=2000, help="attribute paths per call (2000)")
    p.add_argument("--jobs", type=int, default=1, help="parallel nix-instantiate calls (1)")
    p.add_argument("--timeout-chunk", type=int, default=600, help="seconds a call (600)")
    p.add_argument("--timeout-single", type=int, default=120, help="seconds a path (120)")
    p.add_argument("--failures", help="write the failed paths here, one JSON line each")
    p.add_argument("--list-paths", action="store_true",
                   help="only print the attribute paths a run would instantiate, as JSON")
    a = p.parse_args()
    a.tree = os.path.abspath(a.tree)
    if a.store and os.path.isdir(a.store) and os.listdir(a.store):
        p.error(f"{a.store} is not empty: its .drv files would count (remove it first)")
    return a


def main():
    a = arguments()
    t0 = time.time()
    if a.paths:
        with open(a.paths) as f:
            given = json.load(f)
        drvs, throws, failing = ([tuple(p) for p in given[k]] for k in ("drv", "throw", "failed"))
    else:
        drvs, throws, failing = journal_paths(a.scan, a.system, a.config)
    if a.list_paths:
        print(json.dumps({"drv": drvs, "throw": throws, "failed": failing}))
        return
    def chunks(ps):
        return [ps[i:i + a.chunk] for i in range(0, len(ps), a.chunk)]
    units = [("try", c) for c in chunks(sorted(drvs + throws))] + [("A", [p]) for p in failing]
    total = len(drvs) + len(throws) + len(failing)
    tmp = None if a.store else tempfile.mkdtemp(prefix="fodref-store-")
    a.store = os.path.abspath(a.store or tmp)
    log(f"{total} attribute paths ({len(throws)} threw in the scan, {len(failing)} failed "
        f"otherwise), {len(units)} calls; store {a.store}")
    try:
        failed, done = [], 0

        def work(unit):
            return instantiate(a, *unit)
        with ThreadPoolExecutor(a.jobs) as ex:
            for f in ex.map(work, units):
                failed += f
                done += 1
                if done % 100 == 0 or done == len(units):
                    log(f"{done}/{len(units)} calls, {len(failed)} failed paths "
                        f"[{time.time() - t0:.0f} s]")
        if a.failures:
            with open(a.failures, "w") as fh:
                for path, err in sorted(failed):
                    fh.write(json.dumps({"attrPath": attr_arg(path), "error": err}) + "\n")
        ndrv, fods = fod_outputs(a.store)
        with open(a.out, "w") as fh:
            fh.writelines(x + "\n" for x in sorted(fods))
        log(f"attribute paths: {total}\nfailed: {len(failed)} "
            f"(failing in the scan: {len(throws) + len(failing)})\n.drv files: {ndrv}\n"
            f"FODs: {len(fods)}\n"
            f"wall time: {time.time() - t0:.1f} s")
    finally:
        if tmp:  # store paths are read-only; make them writable to delete
            subprocess.run(["chmod", "-R", "u+w", tmp], stderr=subprocess.DEVNULL)
            shutil.rmtree(tmp, ignore_errors=True)


def log(msg):
    print(msg, file=sys.stderr, flush=True)


if __name__ == "__main__":
    main()

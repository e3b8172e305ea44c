#!/usr/bin/env python3
"""Reference for fodfuzz: instantiate every attribute path a fodfuzz scan visited, with plain
`nix-instantiate -A`, into a throwaway private Nix store, then list the output paths of every
fixed-output derivation among all the .drv files that store holds.

  instantiate-everything.py TREE --scan SCAN_DIR --system x86_64-linux --config '{}' --out FILE
                            [--store DIR] [--chunk 200] [--jobs 1] [--failures FILE]

The attribute paths come from SCAN_DIR/journal.jsonl (the cell with that system and config,
found in SCAN_DIR/.fodfuzz/plan.json): every path whose outcome is a derivation or a failure
(a throw tryEval caught, or any other error). Sets are not instantiated themselves: their
members are paths of the journal too, to the depth fodfuzz walked, with or without
recurseForDerivations. So this does the work fodfuzz does, the plain way.

Paths are instantiated `--chunk` at a time (`nix-instantiate TREE -A a -A b ...`), with
import-from-derivation off, no substituters, NIX_PATH empty and every proxy variable pointing
at a closed port (an evaluation-time fetch fails instead of reaching the network). A chunk that
fails is bisected down to single paths; a single path that fails is recorded with Nix's first
error line. Paths the journal records as failing are instantiated alone from the start (a chunk
holding one would fail and be bisected down to it anyway). Whatever an attribute wrote before
it failed stays in the store: at the end every .drv file in the store is read back and every
fixed output of each is listed, including those of attributes that then failed (an
import-from-derivation attribute writes the .drv it may not build).
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
    """Run cmd in its own process group; return (ok, stderr). A timeout kills the group and
    counts as a failure."""
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=ENV,
                         start_new_session=True, text=True, errors="replace")
    try:
        _, err = p.communicate(timeout=timeout)
        return p.returncode == 0, err
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)
        p.communicate()
        return False, f"error: timeout after {timeout} s"


def attr_arg(path):
    """An attribute path as -A reads it: names with a dot quoted."""
    return ".".join(f'"{n}"' if "." in n else n for n in path)


def first_error(err):
    errs = [l.strip() for l in err.splitlines() if l.startswith("error")]
    return errs[0] if errs else err.strip()[-300:]


def instantiate(a, paths):
    """Instantiates attribute paths (tuples); returns [(path, error)] of those that fail."""
    cmd = ["nix-instantiate", "--store", a.store, *NIX_OPTS, a.tree,
           "--argstr", "system", a.system, "--arg", "config", a.config]
    for p in paths:
        cmd += ["-A", attr_arg(p)]
    ok, err = run(cmd, a.timeout_single if len(paths) == 1 else a.timeout_chunk)
    if ok:
        return []
    if len(paths) == 1:
        return [(paths[0], first_error(err))]
    mid = len(paths) // 2
    return instantiate(a, paths[:mid]) + instantiate(a, paths[mid:])


def journal_paths(scan, system, config):
    """(paths to instantiate together, paths the journal says fail), both sorted."""
    with open(os.path.join(scan, ".fodfuzz", "plan.json")) as f:
        cells = json.load(f)["cells"]
    found = [i for i, c in enumerate(cells) if c[0] == system and c[1] == config]
    if not found:
        sys.exit(f"error: {scan} has no cell {system} {config}: {cells}")
    good, bad = set(), set()
    with open(os.path.join(scan, "journal.jsonl")) as f:
        for line in f:
            try:
                e = json.loads(line)
            except ValueError:
                continue  # a last line cut short by a crash
            if e["cell"] != found[0]:
                continue
            o, path = e["outcome"], tuple(e["path"])
            kind = o["visited"]["kind"] if "visited" in o else "failed"
            if kind == "drv":
                good.add(path)
            elif kind in ("throw", "failed"):
                bad.add(path)
    return sorted(good - bad), sorted(bad)


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
    p.add_argument("--scan", required=True, help="a fodfuzz scan's output directory")
    p.add_argument("--system", required=True, help="e.g. x86_64-linux")
    p.add_argument("--config", required=True, help="Nix expression, e.g. '{}'")
    p.add_argument("--out", required=True, help="output file: FOD outPaths, sorted")
    p.add_argument("--store", help="private store dir, new or empty (kept afterwards); "
                   "default: temp, deleted")
    p.add_argument("--chunk", type=int, default=200, help="attribute paths per call (200)")
    p.add_argument("--jobs", type=int, default=1, help="parallel nix-instantiate calls (1)")
    p.add_argument("--timeout-chunk", type=int, default=600, help="seconds a call (600)")
    p.add_argument("--timeout-single", type=int, default=120, help="seconds a path (120)")
    p.add_argument("--failures", help="write the failed paths here, one JSON line each")
    a = p.parse_args()
    a.tree = os.path.abspath(a.tree)
    if a.store and os.path.isdir(a.store) and os.listdir(a.store):
        p.error(f"{a.store} is not empty: its .drv files would count (remove it first)")
    return a


def main():
    a = arguments()
    t0 = time.time()
    good, bad = journal_paths(a.scan, a.system, a.config)
    units = [good[i:i + a.chunk] for i in range(0, len(good), a.chunk)] + [[p] for p in bad]
    tmp = None if a.store else tempfile.mkdtemp(prefix="fodref-store-")
    a.store = os.path.abspath(a.store or tmp)
    log(f"{len(good) + len(bad)} attribute paths ({len(bad)} failing in the scan), "
        f"{len(units)} calls; store {a.store}")
    try:
        failed, done = [], 0

        def work(unit):
            return instantiate(a, unit)
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
        log(f"attribute paths: {len(good) + len(bad)}\nfailed: {len(failed)} "
            f"(failing in the scan: {len(bad)})\n.drv files: {ndrv}\nFODs: {len(fods)}\n"
            f"wall time: {time.time() - t0:.1f} s")
    finally:
        if tmp:  # store paths are read-only; make them writable to delete
            subprocess.run(["chmod", "-R", "u+w", tmp], stderr=subprocess.DEVNULL)
            shutil.rmtree(tmp, ignore_errors=True)


def log(msg):
    print(msg, file=sys.stderr, flush=True)


if __name__ == "__main__":
    main()

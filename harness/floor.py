#!/usr/bin/env python3
"""floor.py SCAN_DIR TREE [WORK_DIR]: the evaluation floor of a finished scan.

Runs ONE nix-instantiate that forces drvPath of exactly the derivation attributes the scan in
SCAN_DIR found (the paths of its journal whose outcome is a derivation, in journal order), for
the scan's first cell (system and config from SCAN_DIR/.fodfuzz/plan.json), with a fresh private
store in WORK_DIR (default: a temporary directory) and the workers' restrictions. No walk, no
records, no failures: the least any scan of that cell can cost. Prints one line as
harness/measure does (wall, CPU, peak memory of the process tree) plus the number of paths.
"""
import json, os, shutil, subprocess, sys, tempfile

HERE = os.path.dirname(os.path.abspath(__file__))


def derivation_paths(scan_dir, cell=0):
    paths = []
    with open(os.path.join(scan_dir, "journal.jsonl")) as f:
        for line in f:
            try:
                e = json.loads(line)
            except ValueError:
                continue  # a line cut short by a crash
            visit = e.get("outcome", {}).get("visited", {})
            if e.get("cell") == cell and not e.get("explain") and visit.get("kind") == "drv":
                paths.append(e["path"])
    return paths


def floor(scan_dir, tree, work):
    """Runs the floor under harness/measure; returns (measure line, number of paths)."""
    plan = json.load(open(os.path.join(scan_dir, ".fodfuzz", "plan.json")))
    system, config, _label = plan["cells"][0]
    paths = derivation_paths(scan_dir)
    os.makedirs(work, exist_ok=True)
    paths_file = os.path.join(work, "floor-paths.json")
    with open(paths_file, "w") as f:
        json.dump(paths, f)
    store = os.path.join(work, "floor-store")
    shutil.rmtree(store, ignore_errors=True)
    tree_dir = tree if os.path.isdir(tree) else os.path.dirname(tree)
    cmd = ["env", "-u", "NIX_PATH", "nix-instantiate", "--eval", "--read-write-mode",
           "--store", store, "--option", "restrict-eval", "true",
           "--option", "allow-import-from-derivation", "false", "--option", "substituters", "",
           "-I", tree_dir, "-I", work, "-I", HERE, os.path.join(HERE, "floor.nix"),
           "--argstr", "tree", tree, "--argstr", "pathsFile", paths_file,
           "--argstr", "system", system, "--arg", "config", config]
    out = subprocess.run([os.path.join(HERE, "measure"), "floor", os.path.join(work, "floor.log"),
                          "--", *cmd], check=True, capture_output=True, text=True).stdout.strip()
    return out, len(paths)


def main():
    if len(sys.argv) < 3 or sys.argv[1] in ("-h", "--help"):
        print(__doc__.strip())
        sys.exit(0 if len(sys.argv) > 1 and sys.argv[1] in ("-h", "--help") else 2)
    scan_dir, tree = os.path.abspath(sys.argv[1]), os.path.realpath(sys.argv[2])
    work = os.path.abspath(sys.argv[3]) if len(sys.argv) > 3 else tempfile.mkdtemp(prefix="floor-")
    line, n = floor(scan_dir, tree, work)
    print(f"{line} paths={n}")


if __name__ == "__main__":
    main()

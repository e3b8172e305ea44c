#!/usr/bin/env python3
"""floor.py SCAN_DIR TREE [WORK_DIR]: the evaluation floor of a finished scan.

Runs ONE nix-instantiate that forces drvPath of exactly the derivation attributes the scan in
SCAN_DIR found (the root lines of its graph.jsonl, aliases of walked package sets included,
sorted), for the scan's first cell (system and config from SCAN_DIR/.fodfuzz/plan.json), with a
fresh private store in WORK_DIR (default: a temporary directory) and the workers' options
(src/nix/command.rs: restricted, no import from derivation, no substituters, the store's
metadata not synced). No walk, no records, no failures: the least any scan of that cell can
cost. Prints one line as harness/measure does (wall, CPU, peak memory of the process tree)
plus the number of paths.
"""
import json, os, shutil, subprocess, sys, tempfile

HERE = os.path.dirname(os.path.abspath(__file__))


def attr_path(dotted):
    """The names of a path as fodfuzz prints it (`a."b.c".d`): dots outside quotes split."""
    names, rest = [], dotted
    dec = json.JSONDecoder()
    while rest:
        if rest.startswith('"'):
            name, end = dec.raw_decode(rest)
            names.append(name)
            rest = rest[end:]
        else:
            end = rest.find(".") if "." in rest else len(rest)
            names.append(rest[:end])
            rest = rest[end:]
        rest = rest[1:] if rest.startswith(".") else rest
    return names


def derivation_paths(scan_dir, system, label):
    """The attribute paths of the graph's roots in one cell. Roots are grouped
    (`{"cell": k, "system", "config"}` once, then `{"attrPath", "cell": k, "drvs"}`); graphs
    written before that have a root per line with its system and config."""
    paths, cells = [], {}
    with open(os.path.join(scan_dir, "graph.jsonl")) as f:
        for line in f:
            e = json.loads(line)
            if "cell" in e and "attrPath" not in e:
                cells[e["cell"]] = (e["system"], e["config"])
                continue
            if "attrPath" not in e or "via" in e:
                continue  # roots with `via` are attributes that failed (what they reach in part)
            cell = cells.get(e["cell"]) if "cell" in e else (e["system"], e["config"])
            if cell == (system, label):
                paths.append(attr_path(e["attrPath"]))
    return paths


def floor(scan_dir, tree, work, store=None):
    """Runs the floor under harness/measure, its store at `store` (default WORK/floor-store);
    returns (measure line, number of paths)."""
    plan = json.load(open(os.path.join(scan_dir, ".fodfuzz", "plan.json")))
    system, config, label = plan["cells"][0]
    paths = derivation_paths(scan_dir, system, label)
    os.makedirs(work, exist_ok=True)
    paths_file = os.path.join(work, "floor-paths.json")
    with open(paths_file, "w") as f:
        json.dump(paths, f)
    store = store or os.path.join(work, "floor-store")
    shutil.rmtree(store, ignore_errors=True)
    tree_dir = tree if os.path.isdir(tree) else os.path.dirname(tree)
    cmd = ["env", "-u", "NIX_PATH", "nix-instantiate", "--eval", "--read-write-mode",
           "--store", store, "--option", "restrict-eval", "true",
           "--option", "fsync-metadata", "false", "--option", "show-trace", "false",
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

#!/usr/bin/env python3
"""bench TREE [WORK_DIR]: fodfuzz against find-tarballs and instantiate-everything on one tree.

Runs, one after the other (so that none slows another), on TREE:
  1. nixpkgs' own maintainers/scripts/find-tarballs.nix over all-tarballs.nix;
  2. fodfuzz on x86_64-linux with config {}: on 1/4, 1/2 (every 4th / 2nd top-level
     attribute, --roots) and all top-level attributes; then the evaluation floor of that last
     scan (harness/floor.py: one nix-instantiate forcing drvPath of exactly its derivation
     attributes, nothing else), so that every benchmark reports fodfuzz's ratio to it;
  3. the instantiate-everything reference (harness/instantiate-everything.py, --jobs = cores):
     every attribute path the run of 2. over all top-level attributes visited, instantiated
     with plain nix-instantiate -A;
  4. fodfuzz with the full default matrix (4 systems x 2 configs).
Each under harness/measure (wall, CPU of the whole process tree, peak resident memory summed
over the tree). Prints a table (FODs, recall against the union of all, against
instantiate-everything, times and ratios to fodfuzz) and writes it to
results/bench-<basename of TREE>.md.

The scan of all top-level attributes and the floor run PAIRS times (default 3), alternately;
their rows are each one's median run (by wall time), and every run is listed. One run of each
is not a result on a shared virtual machine: back-to-back runs of the same binary differed by
up to 20 % here.

The private stores of every scan and of the floor are written below STORES (default /dev/shm,
a tmpfs, when it is writable; else below WORK_DIR) and removed after each run: on ext4, a
store written just after another was deleted pays for the deletion (the inode allocator skips
recently deleted inodes: release-16.03's floor took 110-125 s instead of 72-76 s), which
whichever run came second paid, so the two were not compared on equal terms.

  FODFUZZ=path (default target/release/fodfuzz); SKIP=find-tarballs,matrix,reference (names to leave out,
  e.g. for a quick look); REUSE=1 with SKIP=matrix: take the matrix row from an earlier run in
  the same WORK_DIR; WORK_DIR default results/bench-work (git-ignored); PAIRS; STORES.
"""
import json, os, shutil, subprocess, sys, time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import floor  # noqa: E402

# The store path of each find-tarballs entry (they have none), computed by Nix itself: the
# outPath of a fixed-output derivation depends only on name, hash mode, algorithm and digest.
FIXED_PATHS = """{ file }: map (e: (derivation ({
    inherit (e) name; system = "x"; builder = "x";
    outputHashMode = "flat"; outputHash = e.hash;
  } // (if e.type == null || e.type == "" then {} else { outputHashAlgo = e.type; }))).outPath)
  (builtins.fromJSON (builtins.readFile file))"""


def fixed_paths(entries_file):
    out = subprocess.run(["nix-instantiate", "--eval", "--json", "--strict", "--readonly-mode",
                          "--store", "dummy://", "--argstr", "file", entries_file,
                          "-E", FIXED_PATHS], check=True, capture_output=True, text=True).stdout
    return set(json.loads(out))


def measure(label, log, cmd):
    """Runs cmd under harness/measure; returns {wall, cpu, peak_mib}."""
    out = subprocess.run([f"{HERE}/measure", label, log, "--", *cmd],
                         check=True, capture_output=True, text=True).stdout
    return measured(out)


def measured(line):
    """Prints one line of harness/measure (or floor.py) and returns {wall, cpu, peak}."""
    print(line.strip(), flush=True)
    fields = dict(f.split("=") for f in line.split()[1:])
    return {"wall": float(fields["wall"]), "cpu": float(fields["cpu"]),
            "peak": int(fields["peak_rss_mib"])}


def tree_size(path):
    """Bytes of the regular files below path (or of the file)."""
    if os.path.isfile(path):
        return os.path.getsize(path)
    return sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(path) for f in fs
               if os.path.isfile(os.path.join(d, f)) and not os.path.islink(os.path.join(d, f)))


def output_sizes(out, store):
    """A scan directory's outputs (everything but its work directory and store), each in
    bytes, with `outputs` their total and `store` the private store's (at `store`)."""
    sizes = {n: tree_size(os.path.join(out, n)) for n in sorted(os.listdir(out))
             if n not in (".store", ".fodfuzz") and not n.startswith(".fodfuzz-")}
    return {**sizes, "outputs": sum(sizes.values()), "store": tree_size(store)}


def stores_dir(work):
    """Where the measured runs' private stores go (see the module's doc)."""
    d = os.environ.get("STORES")
    if not d:
        d = "/dev/shm" if os.access("/dev/shm", os.W_OK) else work
    d = os.path.join(d, "fodfuzz-bench-stores")
    os.makedirs(d, exist_ok=True)
    return d


def remove_store(path):
    subprocess.run(["chmod", "-R", "u+w", path], stderr=subprocess.DEVNULL)
    shutil.rmtree(path, ignore_errors=True)


def scan(fodfuzz, tree, out, store, label, extra):
    """One measured fodfuzz scan into `out` with a fresh store at `store`; the store's size
    is taken, then it is removed."""
    remove_store(store)
    cmd = [fodfuzz, "scan", tree, "--out", out, "--force", "--quiet", "--store", store, *extra]
    m = measure(label, f"{os.path.dirname(out)}/{label}.log", cmd)
    m["sizes"] = output_sizes(out, store)
    remove_store(store)
    return m


def median_run(runs):
    """The run of median wall time (the lower middle of an even number)."""
    return sorted(runs, key=lambda m: m["wall"])[(len(runs) - 1) // 2]


def scan_and_floor(fodfuzz, tree, work, stores, pairs):
    """The whole x86_64-linux {} scan and its floor, `pairs` times alternately: (scan runs,
    floor runs, number of floor paths)."""
    scans, floors, n = [], [], 0
    cell = ["--system", "x86_64-linux", "--config", "{}"]
    for _ in range(pairs):
        scans.append(scan(fodfuzz, tree, f"{work}/fodfuzz-1", f"{stores}/fodfuzz-1", "fodfuzz-1",
                          cell))
        line, n = floor.floor(f"{work}/fodfuzz-1", tree, f"{work}/floor", f"{stores}/floor")
        remove_store(f"{stores}/floor")
        floors.append(measured(line))
    return scans, floors, n


def lines(path):
    with open(path) as f:
        return {l.strip() for l in f if l.strip()}


def top_level(tree):
    expr = 'builtins.attrNames (import TREE { system = "x86_64-linux"; config = {}; })'
    out = subprocess.run(["nix-instantiate", "--eval", "--json", "--readonly-mode",
                          "--store", "dummy://", "--argstr", "TREE", tree,
                          "-E", "{ TREE }: " + expr],
                         check=True, capture_output=True, text=True).stdout
    return sorted(json.loads(out))


def main():
    if len(sys.argv) < 2 or sys.argv[1] in ("-h", "--help"):
        print(__doc__.strip())
        sys.exit(0 if len(sys.argv) == 2 else 2)
    tree = os.path.realpath(sys.argv[1])
    work = os.path.abspath(sys.argv[2] if len(sys.argv) > 2 else "results/bench-work")
    fodfuzz = os.path.abspath(os.environ.get("FODFUZZ", "target/release/fodfuzz"))
    skip = set(filter(None, os.environ.get("SKIP", "").split(",")))
    cores = os.cpu_count() or 1
    os.makedirs(work, exist_ok=True)
    rows = {}  # label -> (scope, paths, measure)

    # 1. find-tarballs: no outPaths in its output; computed from name, algo and hash. It stops
    # at the first error tryEval cannot catch (a tree whose hackage-packages.nix is stubbed has
    # one): SKIP=find-tarballs leaves it out.
    if "find-tarballs" not in skip:
        ft_json = f"{work}/find-tarballs.json"
        m = measure("find-tarballs", f"{work}/find-tarballs.log", [
            "sh", "-c", f'cd "{tree}" && NIX_PATH= exec nix-instantiate --eval --json --strict '
            f'--store "{work}/find-tarballs-store" --option substituters "" '
            f'maintainers/scripts/find-tarballs.nix '
            f"--arg expr 'import ./maintainers/scripts/all-tarballs.nix' > \"{ft_json}\""])
        entries = json.load(open(ft_json))
        paths = fixed_paths(ft_json)
        rows["find-tarballs"] = ("release.nix jobs, x86_64-linux", paths, m, len(entries))

    # 2. fodfuzz on growing parts of the top level, then all of it against the floor.
    names = top_level(tree)
    stores = stores_dir(work)
    pairs = max(1, int(os.environ.get("PAIRS", "3")))
    for frac, step in (("1/4", 4), ("1/2", 2)):
        roots = f"{work}/roots-{step}"
        with open(roots, "w") as f:
            f.writelines(n + "\n" for n in names[::step])
        out = f"{work}/fodfuzz-{step}"
        m = scan(fodfuzz, tree, out, f"{stores}/fodfuzz-{step}", f"fodfuzz-{step}",
                 ["--system", "x86_64-linux", "--config", "{}", "--roots", roots])
        p = lines(f"{out}/store-paths")
        rows[f"fodfuzz {frac} of top level"] = (
            f"x86_64-linux {{}}, {len(names[::step])} top-level attrs", p, m, len(p))
    scans, floors, n = scan_and_floor(fodfuzz, tree, work, stores, pairs)
    p = lines(f"{work}/fodfuzz-1/store-paths")
    m = {**median_run(scans), "runs": scans}
    rows["fodfuzz"] = (f"x86_64-linux {{}}, {len(names)} top-level attrs", p, m, len(p))
    rows["floor"] = (f"one nix-instantiate, drvPath of fodfuzz's {n} derivation attributes",
                     None, {**median_run(floors), "runs": floors}, None)

    # 3. instantiate-everything, as many processes as cores.
    if "reference" not in skip:
        ref = f"{work}/instantiate-everything.txt"
        # A fresh store: .drv files of an earlier run would count.
        subprocess.run(["chmod", "-R", "u+w", f"{work}/ie-store"], stderr=subprocess.DEVNULL)
        shutil.rmtree(f"{work}/ie-store", ignore_errors=True)
        m = measure("instantiate-everything", f"{work}/instantiate-everything.log", [
            f"{HERE}/instantiate-everything.py", tree, "--scan", f"{work}/fodfuzz-1",
            "--system", "x86_64-linux", "--config", "{}", "--out", ref,
            "--store", f"{work}/ie-store", "--jobs", str(cores),
            "--failures", f"{work}/instantiate-everything-failures.jsonl"])
        p = lines(ref)
        scope = "every attribute path fodfuzz visited, x86_64-linux {}"
        rows["instantiate-everything"] = (scope, p, m, len(p))

    # 4. the whole default matrix; REUSE=1 with SKIP=matrix takes an earlier run's from WORK_DIR.
    old = f"{work}/rows.json"
    reuse = os.environ.get("REUSE") == "1" and "matrix" in skip and os.path.exists(old)
    if reuse:
        earlier = json.load(open(old))
        m = earlier.get("fodfuzz, default matrix") or earlier["fodfuzz, default matrix (earlier run)"]
        p = lines(f"{work}/fodfuzz-matrix/store-paths")
        m = {k: m[k] for k in ("wall", "cpu", "peak")}
        rows["fodfuzz, default matrix (earlier run)"] = ("4 systems x 2 configs", p, m, len(p))
        summary = json.load(open(f"{work}/fodfuzz-matrix/summary.json"))
    elif "matrix" not in skip:
        out = f"{work}/fodfuzz-matrix"
        m = scan(fodfuzz, tree, out, f"{stores}/fodfuzz-matrix", "fodfuzz-matrix", [])
        p = lines(f"{out}/store-paths")
        rows["fodfuzz, default matrix"] = ("4 systems x 2 configs", p, m, len(p))
        summary = json.load(open(f"{out}/summary.json"))
    else:
        summary = None

    write_table(tree, work, rows, summary, stores)


def write_table(tree, work, rows, summary, stores):
    union = set().union(*(r[1] for r in rows.values() if r[1] is not None))
    ref = rows.get("instantiate-everything", (None, None))[1]
    base = rows["fodfuzz"][2]
    fl = rows["floor"][2]
    out = [f"# fodfuzz benchmark on {os.path.basename(tree)}", "",
           f"Measured {time.strftime('%Y-%m-%d')} by `harness/bench.py` on {os.cpu_count()} cores; "
           f"`nix-instantiate --version`: "
           f"{subprocess.run(['nix-instantiate', '--version'], capture_output=True, text=True).stdout.strip()}. "
           "Peak memory is the largest sum of resident memory over the whole process tree "
           "(sampled every 0.5 s). Union: every FOD output path any row found "
           f"({len(union)}). find-tarballs' entries have no store path; theirs are computed from "
           "name, algorithm and hash (entries: listed / distinct paths).", "",
           "| method | scope | FODs | recall vs union | recall vs instantiate-everything | wall s "
           "| CPU s | peak MiB | wall / fodfuzz | CPU / fodfuzz |",
           "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for label, (scope, paths, m, listed) in rows.items():
        if paths is None:
            found = vs_union = vs_ref = "-"
        else:
            found = f"{listed} / {len(paths)}" if listed != len(paths) else str(len(paths))
            vs_union = f"{100 * len(paths & union) / len(union):.3f} %"
            vs_ref = f"{100 * len(paths & ref) / len(ref):.3f} %" if ref else "-"
        out.append(f"| {label} | {scope} | {found} | {vs_union} "
                   f"| {vs_ref} | {m['wall']:.1f} | {m['cpu']:.1f} | {m['peak']} "
                   f"| {m['wall'] / base['wall']:.2f} | {m['cpu'] / base['cpu']:.2f} |")
    walls = lambda m: ", ".join(f"{r['wall']:.1f}" for r in m.get("runs", [m]))
    cpus = lambda m: ", ".join(f"{r['cpu']:.1f}" for r in m.get("runs", [m]))
    out += ["", f"**fodfuzz / floor** (x86_64-linux {{}}, whole scan against one process that only "
            f"evaluates the same derivation attributes; medians of {len(base.get('runs', [base]))} "
            f"alternate runs of each): wall {base['wall'] / fl['wall']:.2f}, "
            f"CPU {base['cpu'] / fl['cpu']:.2f}, peak memory {base['peak'] / fl['peak']:.2f}. "
            f"Every run, in order: fodfuzz wall {walls(base)} s (CPU {cpus(base)} s); "
            f"floor wall {walls(fl)} s (CPU {cpus(fl)} s). Stores: {stores}."]
    sized = [(label, r[2]["sizes"]) for label, r in rows.items() if "sizes" in r[2]]
    if sized:
        names = sorted({n for _, sz in sized for n in sz} - {"outputs", "store"})
        out += ["", "Outputs of each fodfuzz run, MB (10^6 bytes; `outputs` is every file in DIR "
                "but its store and work directory):", "",
                "| run | " + " | ".join(names + ["outputs", "store"]) + " |",
                "|---|" + "---:|" * (len(names) + 2)]
        for label, sz in sized:
            out.append(f"| {label} | " + " | ".join(
                f"{sz[n] / 1e6:.1f}" if n in sz else "-" for n in names + ["outputs", "store"])
                + " |")
    if summary:
        out += ["", "Default matrix, per cell (from its summary.json; wall is time since the run "
                "started, cells run interleaved):", "",
                "| system | config | attributes | derivations | FODs | unique to cell | failures |",
                "|---|---|---:|---:|---:|---:|---:|"]
        for c in summary["cells"]:
            cfg = "{}" if c["config"] == "{}" else "permissive"
            out.append(f"| {c['system']} | {cfg} | {c['attributesVisited']} | {c['derivations']} "
                       f"| {c['fods']} | {c['uniqueFods']} | {c['failures']} |")
    text = "\n".join(out) + "\n"
    print(text)
    os.makedirs("results", exist_ok=True)
    path = f"results/bench-{os.path.basename(tree)}.md"
    with open(path, "w") as f:
        f.write(text)
    with open(f"{work}/rows.json", "w") as f:
        json.dump({k: {"scope": v[0], "fods": None if v[1] is None else len(v[1]),
                       "listed": v[3], **v[2]}
                   for k, v in rows.items()}, f, indent=1)
    print(f"wrote {path}")


if __name__ == "__main__":
    main()

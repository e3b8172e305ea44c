#!/usr/bin/env python3
"""compare REFERENCE_FILE FODFUZZ_OUT_DIR

Compares the reference FOD outPaths (one per line) with FODFUZZ_OUT_DIR/store-paths,
prints counts and fodfuzz's recall against the reference, and writes the reference
paths fodfuzz misses to FODFUZZ_OUT_DIR/missed-vs-reference and the paths only fodfuzz lists to
FODFUZZ_OUT_DIR/only-fodfuzz-vs-reference (both sorted: each is a miss to explain)."""
import os, sys


def read(path):
    with open(path) as f:
        return {l.strip() for l in f if l.strip()}


if len(sys.argv) != 3 or sys.argv[1] in ("-h", "--help"):
    print(__doc__.strip())
    sys.exit(0 if len(sys.argv) == 2 else 2)
ref, outdir = sys.argv[1], sys.argv[2]
r, f = read(ref), read(os.path.join(outdir, "store-paths"))
both = r & f
missed = sorted(r - f)
with open(os.path.join(outdir, "missed-vs-reference"), "w") as fh:
    fh.writelines(x + "\n" for x in missed)
print(f"reference:    {len(r)}")
print(f"fodfuzz:      {len(f)}")
print(f"intersection: {len(both)}")
print(f"recall:       {100 * len(both) / len(r) if r else 100:.3f}%")
print(f"missed:       {len(missed)} (-> {os.path.join(outdir, 'missed-vs-reference')})")
only = sorted(f - r)
with open(os.path.join(outdir, "only-fodfuzz-vs-reference"), "w") as fh:
    fh.writelines(x + "\n" for x in only)
print(f"fodfuzz-only: {len(only)} (-> {os.path.join(outdir, 'only-fodfuzz-vs-reference')})")

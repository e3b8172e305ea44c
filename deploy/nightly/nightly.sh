#!/bin/sh
# The nightly job: scan the tree, check that its sources still download, record both in the
# history, write the page, and fail (exit 1) when something regressed since the night before.
# Settings come from the environment (see fodfuzz-nightly.service).
set -eu
: "${TREE:?the nixpkgs checkout to scan}"
OUT=${OUT:-/var/lib/fodfuzz/nightly}
DB=${DB:-/var/lib/fodfuzz/history.db}
PAGE=${PAGE:-/var/lib/fodfuzz/www}
FAIL_ON=${FAIL_ON:-new-dead,coverage-drop=0.5,new-failure-kind}

# A fresh scan every night; its private store is kept across --force, as a cache.
fodfuzz scan "$TREE" --out "$OUT" --force --quiet --max-memory 12G --history "$DB"
# A dead url makes check exit 1; the report below judges that against the night before.
fodfuzz check "$OUT" --quiet --history "$DB" || [ $? -eq 1 ]
fodfuzz report "$DB" --html "$PAGE"
exec fodfuzz report "$DB" --fail-on "$FAIL_ON"

#!/bin/sh
# How a scan submitted by submit.sh goes: one line per shard and one for the merge, with the
# state Slurm gives each job and, for one that failed, its exit code and the last line of its
# log (fodfuzz says why in one line).
#
#   deploy/slurm/status.sh OUT
#
# Exit status: 0 the merge completed (OUT/merged is the scan); 1 a shard or the merge failed or
# was cancelled, and the scan will not finish unless you requeue it (scontrol requeue JOB); 75
# still pending or running. It asks the controller (scontrol), which forgets a finished job after
# MinJobAge (default 300 s); where accounting is set up, sacct -j ARRAY,MERGE tells the same later.
set -u
[ $# -eq 1 ] || {
  echo "usage: $0 OUT" >&2
  exit 2
}
out=$1
. "$out/slurm-jobs" || exit 2
failed=0 running=0
# The first line of `scontrol show job -o` for JOB: its state, exit code, reason and restarts.
describe() {
  scontrol show job -o "$1" 2>/dev/null | head -n 1 |
    sed -n 's/.* JobState=\([^ ]*\) Reason=\([^ ]*\) .* Restarts=\([0-9]*\) .* ExitCode=\([^ ]*\) .*/\1 \2 \3 \4/p'
}
# The last line of a log that says something (not Rust's backtrace hint).
why() { [ -r "$1" ] && grep -v '^note: ' "$1" | grep . | tail -n 1; }
report() { # NAME JOB LOG
  set -- "$1" "$2" "$3" $(describe "$2")
  case ${4:-UNKNOWN} in
  COMPLETED) echo "$1 (job $2): completed" ;;
  PENDING | RUNNING | CONFIGURING | COMPLETING | REQUEUED | RESIZING | SUSPENDED)
    running=1
    echo "$1 (job $2): ${4:-} ($5${6:+, restarts $6})"
    ;;
  UNKNOWN)
    running=1
    echo "$1 (job $2): unknown to the controller (finished long ago? ask sacct -j $2)"
    ;;
  *)
    failed=1
    echo "$1 (job $2): $4 ($5), exit $7: $(why "$3")"
    ;;
  esac
}
i=0
while [ "$i" -lt "$shards" ]; do
  report "shard $i/$shards" "${array}_$i" "$out/logs/shard-$i.out"
  i=$((i + 1))
done
report merge "$merge" "$out/logs/merge.out"
if [ "$failed" = 1 ]; then
  echo "the merged scan will not be written until every failed job is requeued (scontrol requeue JOB) and succeeds"
  exit 1
fi
if [ "$running" = 1 ]; then exit 75; fi
echo "the merged scan is in $out/merged"

#!/bin/sh
# Submits a sharded fodfuzz scan to Slurm: an array of N shard tasks (shard.sbatch) and the
# merge (merge.sbatch), which starts once every task succeeded.
#
#   deploy/slurm/submit.sh TREE OUT --shards N [SBATCH_OPTION…] [-- SCAN_OPTION…]
#
# SBATCH_OPTIONs go to both jobs (--partition=…, --time=…, --cpus-per-task=…, --mem=…);
# SCAN_OPTIONs to every shard's `fodfuzz scan` (--system, --config, --attr-timeout …).
# TREE and OUT must be at the same path on every node (a shared file system): each task writes
# OUT/shard-I, the merge OUT/merged, the logs go to OUT/logs. fodfuzz must be on the PATH of this
# shell (sbatch passes it on). Prints the job ids and where the merged scan will be; the ids are
# kept in OUT/slurm-jobs for status.sh, which says how the scan goes and why a shard failed.
set -eu
usage() {
  echo "usage: $0 TREE OUT --shards N [SBATCH_OPTION…] [-- SCAN_OPTION…]" >&2
  exit 2
}
# One word, quoted for eval (sbatch options are gathered in a string: sh has no arrays).
quote() { printf "'%s'" "$(printf '%s' "$1" | sed "s/'/'\\\\''/g")"; }
[ $# -ge 4 ] && [ "$3" = --shards ] || usage
case $4 in '' | *[!0-9]* | 0) usage ;; esac
here=$(cd "$(dirname "$0")" && pwd)
tree=$(cd "$1" && pwd) || exit 2
mkdir -p "$2/logs"
out=$(cd "$2" && pwd) shards=$4
shift 4
opts=
while [ $# -gt 0 ] && [ "$1" != -- ]; do
  opts="$opts $(quote "$1")"
  shift
done
[ $# -gt 0 ] && shift
last=$((shards - 1))
array=$(eval "sbatch --parsable $opts --array=0-$last --output=\"\$out/logs/shard-%a.out\" \
  \"\$here/shard.sbatch\" \"\$tree\" \"\$out\" \"\$shards\" \"\$@\"")
array=${array%%;*}
# afterok on each task, not on the whole array: Slurm 22.05 holds an array that had a failed or
# cancelled task as failed for good, even once that task was requeued and succeeded.
dependency=afterok
i=0
while [ "$i" -lt "$shards" ]; do
  dependency="$dependency:${array}_$i"
  i=$((i + 1))
done
merge=$(eval "sbatch --parsable $opts --dependency=\"\$dependency\" \
  --output=\"\$out/logs/merge.out\" \"\$here/merge.sbatch\" \"\$out\" \"\$shards\"")
merge=${merge%%;*}
printf 'array=%s\nmerge=%s\nshards=%s\ndependency=%s\n' "$array" "$merge" "$shards" \
  "$dependency" >"$out/slurm-jobs"
echo "fodfuzz: shards 0-$last: job array $array (logs: $out/logs/shard-I.out)"
echo "fodfuzz: merge: job $merge, once every shard succeeded (log: $out/logs/merge.out)"
echo "fodfuzz: the merged scan will be in $out/merged; $here/status.sh $out says how it goes"

#!/usr/bin/env bash
# Times this tree's release binary against another berth binary, side by
# side, on the generated benchmark corpus.
#
#   benches/versus.sh OTHER_BERTH [PROJECTS] [ROUNDS]   (defaults: 2000 projects, 11 rounds)
#
# Build OTHER_BERTH from the commit to compare with (for example
# `git worktree add /tmp/old <commit> && cargo build --release` there). The
# two binaries run alternately after one warm-up each; the script prints the
# median wall time of each and the ratio new/old, the figure to report.
set -euo pipefail

OTHER=$(realpath "$1")
PROJECTS=${2:-2000}
ROUNDS=${3:-11}
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
CORPUS=$ROOT/target/bench-corpus-$PROJECTS
NEW=$ROOT/target/release/berth

cargo build --locked --release -q
if [ ! -d "$CORPUS" ]; then
  BERTH_CORPUS=$CORPUS BERTH_CORPUS_PROJECTS=$PROJECTS cargo bench --locked -q --bench check
fi
echo "corpus: $CORPUS"
echo "machine: $(nproc) cores; new: $("$NEW" --version); other: $OTHER"

now() { date +%s%N; }
run() { (cd "$CORPUS" && "$1" check . --format json --output /dev/null --fail-on never); }

run "$OTHER"; run "$NEW"   # warm the page cache
old_times=()
new_times=()
for _ in $(seq "$ROUNDS"); do
  t=$(now); run "$OTHER"; old_times+=($(( $(now) - t )))
  t=$(now); run "$NEW"; new_times+=($(( $(now) - t )))
done
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
old_ms=$(( $(median "${old_times[@]}") / 1000000 ))
new_ms=$(( $(median "${new_times[@]}") / 1000000 ))
echo "other: ${old_ms} ms   new: ${new_ms} ms   (medians of $ROUNDS rounds)"
awk -v n="$new_ms" -v o="$old_ms" 'BEGIN { printf "ratio new/other: %.2f\n", n / o }'

#!/usr/bin/env bash
# Times the release binary against `cat` of the same files, side by side.
#
#   benches/compare.sh [PROJECTS] [ROUNDS]     (defaults: 2000 projects, 9 rounds)
#
# Generates the corpus (benches/corpus.rs) under target/bench-corpus-PROJECTS
# once, lists every file berth reads there (all compose files and every
# Dockerfile they build), then alternates `xargs cat` of that list and
# `berth check` on the corpus, after one warm-up run of each. Prints the
# median wall time of each and their ratio; the ratio is the figure to compare
# across machines.
set -euo pipefail

PROJECTS=${1:-2000}
ROUNDS=${2:-9}
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
CORPUS=$ROOT/target/bench-corpus-$PROJECTS

cargo build --locked --release -q
if [ ! -d "$CORPUS" ]; then
  BERTH_CORPUS=$CORPUS BERTH_CORPUS_PROJECTS=$PROJECTS cargo bench --locked -q --bench check
fi
LIST=$(mktemp)
trap 'rm -f "$LIST"' EXIT
(cd "$CORPUS" && find . -type f \( -name '*compose*.yml' -o -name Dockerfile \) | sort) > "$LIST"
echo "corpus: $CORPUS"
echo "files: $(grep -c compose "$LIST") compose files, $(grep -c Dockerfile "$LIST") Dockerfiles, $(cd "$CORPUS" && xargs cat < "$LIST" | wc -c) bytes"
echo "machine: $(nproc) cores; berth $("$ROOT/target/release/berth" --version)"

now() { date +%s%N; }
run_cat() { (cd "$CORPUS" && xargs cat < "$LIST" > /dev/null); }
run_berth() { (cd "$CORPUS" && "$ROOT/target/release/berth" check . --format json --output /dev/null --fail-on never); }

run_cat; run_berth   # warm the page cache
cat_times=()
berth_times=()
for _ in $(seq "$ROUNDS"); do
  t=$(now); run_cat; cat_times+=($(( $(now) - t )))
  t=$(now); run_berth; berth_times+=($(( $(now) - t )))
done
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
c=$(median "${cat_times[@]}")
b=$(median "${berth_times[@]}")
awk -v c="$c" -v b="$b" -v r="$ROUNDS" 'BEGIN {
  printf "median of %d rounds: cat %.0f ms, berth check %.0f ms, ratio %.2fx\n", r, c/1e6, b/1e6, b/c
}'

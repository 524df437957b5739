#!/usr/bin/env bash
# Runs the reference (Docker Compose v2, ../shared/oracles/compose-config) on
# conformance scenarios and compares, or with --write records, expected.json.
#
#   tests/conformance/reference.sh ORACLES_DIR [--write] [SCENARIO...]
#
# Each scenario folder has `files` (compose files in merge order, one a line)
# and optionally `profiles`. The reference runs with an empty environment
# (COMPOSE_CONFIG_CLEAN_ENV=1), as berth's test does. Exit 1 on any drift.
set -uo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ORACLES=${1:?usage: reference.sh ORACLES_DIR [--write] [SCENARIO...]}
shift
WRITE=0
if [ "${1:-}" = "--write" ]; then WRITE=1; shift; fi
if [ $# -eq 0 ]; then set -- "$HERE"/*/; fi
passed=0
failed=0
for dir in "$@"; do
  dir=${dir%/}
  name=$(basename "$dir")
  args=()
  if [ -f "$dir/profiles" ]; then
    while read -r p; do [ -n "$p" ] && args+=(--profile "$p"); done < "$dir/profiles"
  fi
  while read -r f; do [ -n "$f" ] && args+=("$f"); done < "$dir/files"
  out=$(cd "$dir" && COMPOSE_CONFIG_CLEAN_ENV=1 "$ORACLES/compose-config" "${args[@]}" 2>/tmp/reference-$$.err)
  rc=$?
  if [ $rc -ne 0 ]; then
    echo "FAIL $name: the reference exited $rc: $(cat /tmp/reference-$$.err)"
    failed=$((failed + 1))
    continue
  fi
  projected=$(printf '%s' "$out" | python3 "$HERE/project.py" "$dir")
  if [ $WRITE -eq 1 ]; then
    printf '%s\n' "$projected" > "$dir/expected.json"
    passed=$((passed + 1))
  elif [ "$projected" = "$(cat "$dir/expected.json" 2>/dev/null)" ]; then
    passed=$((passed + 1))
  else
    echo "FAIL $name: the reference's output differs from expected.json"
    diff <(printf '%s\n' "$projected") "$dir/expected.json" | head -20
    failed=$((failed + 1))
  fi
done
rm -f /tmp/reference-$$.err
echo "conformance reference: $passed passed, $failed failed"
[ $failed -eq 0 ]

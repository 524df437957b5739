#!/usr/bin/env bash
# The workflows README's GitHub section tells users to copy must pass the
# same linters as ours (check-jsonschema, zizmor). The examples name the
# release tag; a user pins its commit SHA, so a 40-hex stand-in replaces it.
# Usage: .ci/readme-workflows.sh (after ../shared/oracles/install)
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
mkdir -p "$dir/.github/workflows"
python3 - "$ROOT/README.md" "$dir/.github/workflows" << 'PY'
import re, sys
text = open(sys.argv[1]).read()
section = text[text.index("## GitHub"):text.index("\n## ", text.index("## GitHub") + 1)]
blocks = [b for b in re.findall(r"```yaml\n(.*?)```", section, re.S) if b.startswith("name:")]
if len(blocks) < 3:
    sys.exit(f"expected 3 workflow examples in README's GitHub section, found {len(blocks)}")
for i, b in enumerate(blocks):
    b = re.sub(r"berth-lint/berth@v[0-9.]+", "berth-lint/berth@" + "0" * 40, b)
    open(f"{sys.argv[2]}/example-{i}.yml", "w").write(b)
print(f"{len(blocks)} workflow examples")
PY
# Where the oracles' install puts its linters (as lint-own finds them).
B=${ORACLES_PREFIX:-/opt/oracles}/bin
"$B/check-jsonschema" --builtin-schema vendor.github-workflows "$dir"/.github/workflows/*.yml
"$B/zizmor" --offline --no-progress "$dir/.github/workflows"

#!/usr/bin/env bash
# berth check + berth publish --upload --review, run twice (then as the Action,
# with hadolint's SARIF, and after the fixes), against GitHub's REST description served by the github-mock
# oracle (Prism), behind a small stateful proxy (.ci/github_state_proxy.py)
# that remembers review comments so the second run can find the first one's.
# Fails if Prism rejects any request, or if any finding is commented twice.
# Usage: .ci/github-e2e.sh ORACLES_DIR BERTH_BINARY
set -euo pipefail

ORACLES=$1
BERTH=$2
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2> /dev/null || true; done
  wait 2> /dev/null || true
  [ -n "${KEEP_E2E:-}" ] && echo "kept $work" >&2 && return
  rm -rf "$work"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# The seed incident, as a pull request that added the mount and the Dockerfile.
cp -r "$ROOT/examples/seed-incident" "$work/repo"
# The pull request added the mount (and `volumes:` above it) and the whole
# Dockerfile; the patches are made from the files themselves, as GitHub would.
python3 - "$work/repo" "$work/files.json" << 'EOF'
import json, sys
repo, out = sys.argv[1], sys.argv[2]
def patch(path, added):
    lines = open(f"{repo}/{path}").read().splitlines()
    body = "".join(("+" if n in added else " ") + l + "\n" for n, l in enumerate(lines, 1))
    old = len(lines) - len(added)
    return f"@@ -{1 if old else 0},{old} +1,{len(lines)} @@\n" + body
def entry(path, added, status):
    return {"sha": "1f1ea2b1c5f7a0d3e4b5c6d7e8f9a0b1c2d3e4f5", "filename": path, "status": status,
            "additions": len(added), "deletions": 0, "changes": len(added),
            "blob_url": f"https://github.com/acme/app/blob/x/{path}",
            "raw_url": f"https://github.com/acme/app/raw/x/{path}",
            "contents_url": f"https://api.github.com/repos/acme/app/contents/{path}?ref=x",
            "patch": patch(path, added)}
dockerfile_lines = len(open(f"{repo}/backend/Dockerfile").read().splitlines())
json.dump([entry("docker-compose.yml", {9, 10}, "modified"),
           entry("backend/Dockerfile", set(range(1, dockerfile_lines + 1)), "added")], open(out, "w"))
EOF
head=3333333333333333333333333333333333333333
cat > "$work/event.json" << EOF
{"pull_request": {"number": 7, "head": {"sha": "$head", "repo": {"full_name": "acme/app"}},
 "base": {"repo": {"full_name": "acme/app"}}}}
EOF

mock_port=$(free_port)
"$ORACLES/github-mock" "$mock_port" > "$work/mock.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 120); do
  grep -q "Prism is listening on" "$work/mock.log" && break
  sleep 0.5
done
grep -q "Prism is listening on" "$work/mock.log" || { cat "$work/mock.log" >&2; echo "github-mock did not start" >&2; exit 1; }

proxy_port=$(free_port)
python3 "$ROOT/.ci/github_state_proxy.py" --listen "$proxy_port" --upstream "http://127.0.0.1:$mock_port" \
  --files "$work/files.json" --state-out "$work/state.json" --head-sha "$head" > "$work/proxy.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 60); do
  python3 -c "import urllib.request,sys; urllib.request.urlopen('http://127.0.0.1:$proxy_port/__state', timeout=1)" 2> /dev/null && break
  sleep 0.25
done

export GITHUB_REPOSITORY=acme/app
export GITHUB_API_URL=http://127.0.0.1:$proxy_port
export GITHUB_SERVER_URL=https://github.com
export GITHUB_TOKEN=ghs_e2eNotARealToken000000000000000000
export GITHUB_EVENT_NAME=pull_request
export GITHUB_EVENT_PATH=$work/event.json
export GITHUB_SHA=4444444444444444444444444444444444444444
export GITHUB_REF=refs/pull/7/merge
export GITHUB_WORKSPACE=$work/repo
export GITHUB_STEP_SUMMARY=$work/summary.md

cd "$work/repo"
"$BERTH" check . --format sarif --output berth.sarif --fail-on never
for run in 1 2; do
  echo "-- publish run $run"
  "$BERTH" publish --sarif berth.sarif --upload --review --summary 2> "$work/publish-$run.log" || {
    cat "$work/publish-$run.log" >&2
    echo "publish run $run failed" >&2
    exit 1
  }
  cat "$work/publish-$run.log"
done

echo "-- the Action, same pull request"
set +e
env INPUT_PATH=. INPUT_FAIL-ON=error INPUT_SARIF-FILE=action.sarif INPUT_UPLOAD-SARIF=auto \
  INPUT_PR-REVIEW=true INPUT_MAX-COMMENTS=25 INPUT_CATEGORY=berth "INPUT_GITHUB-TOKEN=$GITHUB_TOKEN" \
  GITHUB_OUTPUT="$work/outputs" GITHUB_ACTIONS=true "$BERTH" action > "$work/action.log" 2>&1
rc=$?
set -e
cat "$work/action.log"
if [ "$rc" -ne 1 ]; then
  echo "the Action should exit 1 (fail-on error, the seed has a B101 error), got $rc" >&2
  exit 1
fi
grep -q '^errors=[1-9]' "$work/outputs" || { cat "$work/outputs" >&2; echo "Action outputs missing" >&2; exit 1; }

echo "-- another tool's SARIF (hadolint's) on the same pull request, in its own category"
set +e
"${ORACLES_PREFIX:-/opt/oracles}/bin/hadolint" -f sarif backend/Dockerfile > hadolint.sarif
set -e
"$BERTH" publish --sarif hadolint.sarif --review 2> "$work/publish-hadolint.log" || { cat "$work/publish-hadolint.log" >&2; exit 1; }
cat "$work/publish-hadolint.log"

echo "-- berth's findings are fixed: one comment has a reply (kept, marked resolved), the other goes"
first=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['comments'][0]['id'])" "$work/state.json")
python3 -c "import urllib.request,sys; urllib.request.urlopen(urllib.request.Request(sys.argv[1], method='POST'), timeout=5)" \
  "http://127.0.0.1:$proxy_port/__reply/$first"
python3 -c "import json,sys; d=json.load(open(sys.argv[1])); d['runs'][0]['results']=[]; json.dump(d, open(sys.argv[2],'w'))" \
  berth.sarif fixed.sarif
"$BERTH" publish --sarif fixed.sarif --review 2> "$work/publish-fixed.log" || { cat "$work/publish-fixed.log" >&2; exit 1; }
cat "$work/publish-fixed.log"

# What was uploaded, decoded by the proxy, must pass GitHub's ingestion rules.
for f in "$work"/upload-*.sarif; do
  "$ORACLES/validate-sarif" --strict "$f" > "$work/validate.out" 2>&1 || { cat "$work/validate.out" >&2; echo "uploaded SARIF $f fails validate-sarif" >&2; exit 1; }
done
echo "validate-sarif: $(ls "$work"/upload-*.sarif | wc -l) uploaded logs pass"

python3 - "$work/state.json" "$GITHUB_TOKEN" "$work" << 'EOF'
import json, pathlib, re, sys
state = json.load(open(sys.argv[1]))
token, work = sys.argv[2], pathlib.Path(sys.argv[3])
problems = []
if state["rejections"]:
    problems.append(f"{len(state['rejections'])} request(s) rejected by the mock: {json.dumps(state['rejections'])[:2000]}")
bad = [r for r in state["requests"] if r["status"] >= 400]
if bad:
    problems.append(f"requests answered >= 400: {bad}")
def new_comments(log):
    m = re.search(r"review of #7: (\d+) new comment", (work / log).read_text())
    return int(m[1]) if m else None
first, second = new_comments("publish-1.log"), new_comments("publish-2.log")
if not first:
    problems.append("the first run posted no review comment")
if second != 0:
    problems.append(f"the second run posted {second} comments again")
if state["comments_posted"] != first + (new_comments("publish-hadolint.log") or 0):
    problems.append(f"{state['comments_posted']} comments reached GitHub, the runs said {first} and hadolint's")
if (state["deleted"], state["patched"]) != (1, 1):
    problems.append(f"expected 1 stale comment deleted and 1 marked resolved, got {state['deleted']} and {state['patched']}")
if any("<!-- berth-finding berth " in c["body"] for c in state["comments"]):
    problems.append("a comment for a fixed finding is still active")
hadolint = [c for c in state["comments"] if "<!-- berth-finding hadolint " in c["body"]]
if not hadolint or new_comments("publish-hadolint.log") != len(hadolint):
    problems.append(f"hadolint's comments were not posted, or berth's clean-up touched them: {len(hadolint)}")
if state["reviews_posted"] != 2:
    problems.append(f"expected one berth review over three runs and one hadolint review, got {state['reviews_posted']}")
uploads = [r for r in state["requests"] if r["method"] == "POST" and r["path"].endswith("/code-scanning/sarifs")]
if len(uploads) != 3:
    problems.append(f"expected 3 uploads, got {len(uploads)}")
texts = [p.read_text() for p in work.glob("*.log")] + [json.dumps(state)]
if any(token in t for t in texts):
    problems.append("the token appears in a log or in a request record")
lines = sorted((c["path"], c["line"]) for c in state["comments"])
print(f"github-e2e: {len(state['requests'])} requests, 0 rejected; 2 reviews (berth, hadolint); comments now on {lines}")
if problems:
    print("\n".join(problems), file=sys.stderr)
    sys.exit(1)
EOF

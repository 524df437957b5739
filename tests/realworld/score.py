#!/usr/bin/env python3
"""Score a berth binary against the hand labels in tests/realworld/labels.tsv.

Run by hand (CI has no network): the snapshots come from the search tool's
`fetch`, which leaves bare git directories under a mirror folder
(`/work/.mirror/OWNER+NAME/repo` by default). Each labelled commit is
exported with `git archive` into a work folder, berth checks it, and its
findings are compared with the labels:

  B101  true when the mount is labelled hides-output (any class)
  B102  true when the mount is labelled source in a production file
  errors in development stacks, and production-only notes (B306, B307,
  B308-B310) in development stacks, are counted as violations

Nothing taken from the fetched repositories is written into this tree.

Usage: score.py --berth target/release/berth [--mirror DIR] [--work DIR] [--verbose]
"""

import argparse
import collections
import csv
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
PROD_ONLY_NOTES = {"B306", "B307", "B308", "B309", "B310"}


def read_labels(path):
    rows = []
    with open(path, newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f, delimiter="\t"):
            row["line"] = int(row["line"])
            rows.append(row)
    return rows


def mirror_dir(mirror, repo):
    base = os.path.join(mirror, repo.replace("/", "+"))
    for cand in (os.path.join(base, "repo"), base):
        if os.path.exists(os.path.join(cand, "HEAD")):
            return cand
    return None


def export(gitdir, commit, dest):
    """Write the commit's tree to dest. Snapshots lack files of 4 MiB and
    more, so blobs that are missing are skipped (none is a compose file or a
    Dockerfile)."""
    if os.path.isdir(dest):
        return True
    tmp = dest + ".tmp"
    if os.path.isdir(tmp):
        subprocess.run(["rm", "-rf", tmp], check=True)
    tree = subprocess.run(
        ["git", "--git-dir", gitdir, "ls-tree", "-r", "-z", commit],
        capture_output=True,
    )
    if tree.returncode != 0:
        sys.stderr.write(tree.stderr.decode(errors="replace"))
        return False
    entries = []
    for item in tree.stdout.split(b"\0"):
        if not item:
            continue
        meta, path = item.split(b"\t", 1)
        mode, kind, oid = meta.split(b" ")
        if kind == b"blob":
            entries.append((mode, oid, path.decode("utf-8", "surrogateescape")))
    batch = subprocess.Popen(
        ["git", "--git-dir", gitdir, "cat-file", "--batch"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    )
    for mode, oid, path in entries:
        batch.stdin.write(oid + b"\n")
        batch.stdin.flush()
        header = batch.stdout.readline().split()
        if len(header) < 3 or header[1] == b"missing":
            continue
        data = batch.stdout.read(int(header[2]))
        batch.stdout.read(1)
        target = os.path.join(tmp, path)
        if os.path.commonpath([os.path.abspath(target), os.path.abspath(tmp)]) != os.path.abspath(tmp):
            continue
        os.makedirs(os.path.dirname(target), exist_ok=True)
        if mode == b"120000":
            try:
                os.symlink(data.decode("utf-8", "surrogateescape"), target)
            except OSError:
                pass
            continue
        with open(target, "wb") as f:
            f.write(data)
        if mode == b"100755":
            os.chmod(target, 0o755)
    batch.stdin.close()
    batch.wait()
    os.rename(tmp, dest)
    return True


def run_berth(berth, tree):
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": "/nonexistent-home"}
    p = subprocess.run(
        [berth, "check", ".", "--format", "json", "--fail-on", "never"],
        cwd=tree,
        capture_output=True,
        env=env,
    )
    if p.returncode != 0:
        sys.stderr.write(f"berth failed in {tree}: {p.stderr.decode(errors='replace')}\n")
        return []
    return json.loads(p.stdout)["findings"]


def run_stacks(berth, tree):
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": "/nonexistent-home"}
    p = subprocess.run(
        [berth, "stacks", ".", "--format", "json"], cwd=tree, capture_output=True, env=env
    )
    if p.returncode != 0:
        return []
    return json.loads(p.stdout)["stacks"]


def stack_files(finding):
    """Files of each stack the finding came from (its own file when none is named)."""
    stacks = finding.get("stacks") or []
    if not stacks:
        return [[finding["location"]["path"]]]
    return [s.split(" + ") for s in stacks]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--berth", required=True)
    ap.add_argument("--labels", default=os.path.join(HERE, "labels.tsv"))
    ap.add_argument("--mirror", default="/work/.mirror")
    ap.add_argument("--work", default="/tmp/berth-realworld")
    ap.add_argument("--verbose", action="store_true")
    ap.add_argument("--classes", action="store_true", help="list stacks whose class differs from the label of their last file")
    args = ap.parse_args()
    berth = os.path.abspath(args.berth)

    rows = read_labels(args.labels)
    commits = collections.OrderedDict()
    for r in rows:
        commits.setdefault(r["repo"], r["commit"])
    file_class = {(r["repo"], r["file"]): r["class"] for r in rows if r["verdict"] == "file"}
    mounts = {(r["repo"], r["file"], r["line"]): r for r in rows if r["verdict"] != "file"}

    found = collections.defaultdict(dict)  # rule -> (repo, file, line) -> finding
    unlabelled = []
    dev_errors = []
    dev_notes = []
    missing = []
    class_diff = []
    for repo, commit in commits.items():
        gitdir = mirror_dir(args.mirror, repo)
        if gitdir is None:
            missing.append(repo)
            continue
        tree = os.path.join(args.work, repo.replace("/", "+") + "@" + commit[:12])
        if not export(gitdir, commit, tree):
            missing.append(repo)
            continue
        if args.classes:
            for st in run_stacks(berth, tree):
                last = st["files"][-1]
                want = file_class.get((repo, last))
                if want and want != st["class"]:
                    why = "; ".join(e["what"] for e in st["evidence"])[:200]
                    class_diff.append(f"  {repo} {' + '.join(st['files'])}: labelled {want}, berth {st['class']} ({why})")
        for f in run_berth(berth, tree):
            rule = f["rule"]
            path = f["location"]["path"]
            line = f["location"]["start"]["line"]
            key = (repo, path, line)
            stacks = stack_files(f)

            def all_dev(files):
                classes = [file_class.get((repo, p)) for p in files]
                return all(c == "development" for c in classes)

            in_dev = all(all_dev(s) for s in stacks)
            # Input errors (B0xx: a file Compose itself refuses) are true in
            # any stack; the criterion is about policy findings.
            if f["level"] == "error" and in_dev and not rule.startswith("B0"):
                dev_errors.append((rule, key, f["message"]))
            if rule in PROD_ONLY_NOTES and in_dev:
                dev_notes.append((rule, key, f["message"]))
            if rule in ("B101", "B102"):
                if key not in mounts:
                    unlabelled.append((rule, key, f["level"], f["message"]))
                found[rule][key] = f

    def score(rule, expected):
        tp = [k for k in found[rule] if k in expected]
        fp = [k for k in found[rule] if k not in expected]
        fn = [k for k in expected if k not in found[rule]]
        p = len(tp) / (len(tp) + len(fp)) if tp or fp else 1.0
        r = len(tp) / (len(tp) + len(fn)) if tp or fn else 1.0
        return tp, fp, fn, p, r

    exp101 = {k for k, m in mounts.items() if m["verdict"] == "hides-output"}
    exp102 = {
        k
        for k, m in mounts.items()
        if m["verdict"] == "source" and m["class"] == "production"
    }
    repos = len(commits) - len(missing)
    files = sum(1 for r in rows if r["verdict"] == "file" and r["repo"] not in missing)
    print(f"corpus: {repos} repositories, {files} compose files, {len(mounts)} labelled bind mounts")
    if missing:
        print(f"not scored (no snapshot): {', '.join(missing)}")
    print()
    print("| rule | expected | found | true | precision | recall |")
    print("|---|---|---|---|---|---|")
    results = {}
    for rule, exp in (("B101", exp101), ("B102", exp102)):
        tp, fp, fn, p, r = score(rule, exp)
        results[rule] = (tp, fp, fn)
        print(f"| {rule} | {len(exp)} | {len(found[rule])} | {len(tp)} | {p:.2f} | {r:.2f} |")
    print()
    print(f"error-level findings (B1xx-B3xx) in development stacks: {len(dev_errors)}")
    print(f"production-only notes in development stacks: {len(dev_notes)}")

    def show(title, keys, rule=None):
        if not keys:
            return
        print(f"\n{title}:")
        for k in sorted(keys):
            m = mounts.get(k)
            extra = ""
            if rule and k in found[rule]:
                f = found[rule][k]
                extra = f" [{f['level']}] {f['message'][:160]}"
            label = f"{m['verdict']}/{m['class']}: {m['reason']}" if m else "unlabelled"
            print(f"  {k[0]} {k[1]}:{k[2]}  {label}{extra}")

    for rule in ("B101", "B102"):
        tp, fp, fn = results[rule]
        show(f"{rule} false positives", fp, rule)
        show(f"{rule} missed", fn)
        if args.verbose:
            show(f"{rule} true positives", tp, rule)
    if dev_errors:
        print("\nerrors in development stacks:")
        for rule, k, msg in sorted(dev_errors):
            print(f"  {rule} {k[0]} {k[1]}:{k[2]}  {msg[:160]}")
    if class_diff:
        print(f"\nstacks whose class differs from their last file's label ({len(class_diff)}):")
        print("\n".join(class_diff))
    if dev_notes and args.verbose:
        print("\nproduction-only notes in development stacks:")
        for rule, k, msg in sorted(dev_notes):
            print(f"  {rule} {k[0]} {k[1]}:{k[2]}  {msg[:120]}")


if __name__ == "__main__":
    main()

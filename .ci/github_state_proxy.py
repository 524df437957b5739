#!/usr/bin/env python3
"""Stateful proxy in front of the Prism GitHub REST mock (Python 3.11, stdlib only).
Usage: github_state_proxy.py --listen PORT --upstream http://127.0.0.1:PRISMPORT --files F.json --state-out S.json
Every request goes to Prism, which validates it against GitHub's OpenAPI description; answers >= 400
or carrying `sl-violations` are recorded as rejections, printed to stderr and returned unchanged.
Accepted requests to the PR files / reviews / review-comments routes are answered from per-PR state.
Test hooks (not forwarded, not in "requests"): POST /__reply/{id} adds a human reply; GET /__state.
The state summary is written to --state-out after every request and on SIGTERM/SIGINT."""
import argparse, base64, contextlib, gzip, http.client, ipaddress, json, math, os, re, signal, sys, threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit

# Not forwarded / not copied back; accept-encoding is dropped so bodies stay plain JSON.
HOP = {"host", "content-length", "transfer-encoding", "connection", "keep-alive", "proxy-connection",
       "proxy-authorization", "te", "trailer", "upgrade", "accept-encoding", "date", "server"}
API = "https://api.github.com"
RE_FILES = re.compile(r"^/repos/([^/]+)/([^/]+)/pulls/(\d+)/files$")
RE_REVIEWS = re.compile(r"^/repos/([^/]+)/([^/]+)/pulls/(\d+)/reviews$")
RE_COMMENTS = re.compile(r"^/repos/([^/]+)/([^/]+)/pulls/(\d+)/comments$")
RE_COMMENT = re.compile(r"^/repos/([^/]+)/([^/]+)/pulls/comments/(\d+)$")
RE_REPLY = re.compile(r"^/__reply/(\d+)$")
RE_PULL = re.compile(r"^/repos/([^/]+)/([^/]+)/pulls/(\d+)$")
FALLBACK_TEMPLATE = {"diff_hunk": "@@ -1,1 +1,1 @@", "user": {}, "author_association": "NONE"}
NOT_FOUND = {"message": "Not Found", "documentation_url": "https://docs.github.com/rest"}


def public(c):
    """A stored comment without the proxy's bookkeeping keys."""
    return {k: v for k, v in c.items() if k not in ("_repo", "_pr")}


class State:
    def __init__(self, files, out):
        self.lock = threading.RLock()
        self.files, self.out = files, out
        self.rejections, self.requests, self.comments = [], [], []  # comments of all PRs, id order
        self.reviews_posted = self.comments_posted = self.patched = self.deleted = self.uploads = 0
        self.next_comment_id, self.next_review_id = 1000, 500
        self.template = None  # first element of Prism's GET .../pulls/{n}/comments example

    def summary(self):
        with self.lock:
            counts = {k: getattr(self, k) for k in ("reviews_posted", "comments_posted", "patched", "deleted")}
            return {"rejections": self.rejections, **counts, "requests": self.requests,
                    "comments": [public(c) for c in self.comments]}

    def save(self):
        with self.lock:  # write-then-rename so a reader never sees a half-written file
            with open(self.out + ".tmp", "w") as f:
                json.dump(self.summary(), f, indent=1)
            os.replace(self.out + ".tmp", self.out)

    def find(self, cid, owner=None, repo=None):
        return next((c for c in self.comments if c["id"] == cid and
                     (owner is None or c["_repo"] == (owner.lower(), repo.lower()))), None)

    def add_comment(self, o, r, n, fields, human=False):
        """Store a review comment shaped like Prism's example, with our ids/URLs/user. Hold the lock."""
        cid, c = self.next_comment_id, json.loads(json.dumps(self.template))
        self.next_comment_id += 1
        for k in ("in_reply_to_id", "position", "original_position", "start_line", "original_start_line", "start_side"):
            c.pop(k, None)  # present only when the request gives them
        user = dict(c.get("user") or {})
        if human:
            user.update(login="octocat", id=1, type="User", site_admin=False)
        else:
            user.update(login="github-actions[bot]", id=41898282, node_id="MDM6Qm90NDE4OTgyODI=", type="Bot",
                        site_admin=False, url=f"{API}/users/github-actions%5Bbot%5D",
                        html_url="https://github.com/apps/github-actions")
        url, pr = f"{API}/repos/{o}/{r}/pulls/comments/{cid}", f"{API}/repos/{o}/{r}/pulls/{n}"
        html = f"https://github.com/{o}/{r}/pull/{n}#discussion_r{cid}"
        c.update(id=cid, node_id=f"PRRC_proxy{cid}", url=url, html_url=html, pull_request_url=pr, user=user,
                 created_at="2024-01-01T00:00:00Z", updated_at="2024-01-01T00:00:00Z", subject_type="line",
                 _links={"self": {"href": url}, "html": {"href": html}, "pull_request": {"href": pr}})
        c.update(fields)
        for k in ("line", "start_line", "position", "commit_id"):
            if k in c:
                c["original_" + k] = c[k]
        c["_repo"], c["_pr"] = (o.lower(), r.lower()), n
        self.comments.append(c)
        return c


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    st: State = None
    upstream = None  # (host, port) of Prism

    def log_message(self, *a):  # quiet: rejections are printed explicitly
        return

    def read_body(self):
        if "chunked" not in self.headers.get("Transfer-Encoding", "").lower():
            return self.rfile.read(int(self.headers.get("Content-Length") or 0))
        data = b""
        while size := int(self.rfile.readline().split(b";")[0].strip() or b"0", 16):
            data += self.rfile.read(size)
            self.rfile.readline()
        while self.rfile.readline().strip():  # trailers
            pass
        return data

    def send(self, status, body=b"", headers=()):
        self.send_response(status)
        for k, v in headers:
            self.send_header(k, v)
        if status not in (204, 304):
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if body and self.command != "HEAD" and status not in (204, 304):
            self.wfile.write(body)
        self.sent_status = status

    def send_json(self, status, obj, headers=()):
        self.send(status, json.dumps(obj).encode(), [("Content-Type", self.ctype), *headers])

    def call_upstream(self, method, target, body, headers):
        conn = http.client.HTTPConnection(*self.upstream, timeout=60)
        try:
            conn.request(method, target, body if body or method in ("POST", "PUT", "PATCH") else None, headers)
            resp = conn.getresponse()
            return resp.status, resp.getheaders(), resp.read()
        finally:
            conn.close()

    def paginate(self, items, path, query):
        """One page of items plus GitHub's RFC 5988 Link header, with URLs pointing at this proxy."""
        q = dict(parse_qsl(query, keep_blank_values=True))
        def num(name, default):
            v = q.get(name, "")
            return int(v) if v.isdigit() and int(v) >= 1 else default
        per, page = min(num("per_page", 30), 100), num("page", 1)
        last = max(1, math.ceil(len(items) / per))
        base = "http://%s:%d%s" % (*self.server.server_address[:2], path)
        link = lambda p, rel: '<%s?%s>; rel="%s"' % (base, urlencode({**q, "per_page": per, "page": p}), rel)
        links = [link(page + 1, "next"), link(last, "last")] if page < last else []
        if page > 1:
            links += [link(min(page - 1, last), "prev"), link(1, "first")]
        return items[(page - 1) * per: page * per], ([("Link", ", ".join(links))] if links else [])

    def ensure_template(self):
        with self.st.lock:
            if self.st.template is None:
                try:
                    s, _, b = self.call_upstream("GET", "/repos/octocat/Hello-World/pulls/1/comments", None,
                                                 {"Accept": "application/json", "Host": "%s:%d" % self.upstream})
                    self.st.template = json.loads(b)[0] if s == 200 else FALLBACK_TEMPLATE
                except (OSError, ValueError, IndexError, KeyError):
                    self.st.template = FALLBACK_TEMPLATE

    def handle_one(self):
        st, meth, split = self.st, self.command, urlsplit(self.path)
        path, body = split.path, self.read_body()
        if meth == "GET" and path == "/__state":  # test hook
            return self.send_json(200, st.summary())
        if m := RE_REPLY.match(path):  # test hook: a human replies "thanks" to comment {id}
            with st.lock:
                parent = st.find(int(m[1]))
                if meth != "POST" or parent is None:
                    return self.send_json(404, NOT_FOUND)
                o, r = parent["url"].split("/repos/")[1].split("/")[:2]
                keep = {k: parent[k] for k in ("path", "line", "side", "commit_id", "pull_request_review_id") if k in parent}
                reply = st.add_comment(o, r, parent["_pr"], {**keep, "in_reply_to_id": parent["id"], "body": "thanks"}, True)
                return self.send_json(201, public(reply))
        # Forward unchanged (minus hop-by-hop headers) to Prism, which validates it.
        fwd = {k: v for k, v in self.headers.items() if k.lower() not in HOP}
        fwd["Host"] = "%s:%d" % self.upstream
        try:
            status, uheaders, ubody = self.call_upstream(meth, self.path, body, fwd)
        except OSError as e:  # recorded as a rejection below
            status, uheaders = 502, [("Content-Type", "application/json")]
            ubody = json.dumps({"message": f"proxy: upstream unreachable: {e}"}).encode()
        viol = next((v for k, v in uheaders if k.lower() == "sl-violations"), None)
        if status >= 400 or viol is not None:
            rej = {"method": meth, "path": self.path, "status": status, "sl-violations": viol,
                   "body": ubody.decode("utf-8", "replace")}
            with st.lock:
                st.rejections.append(rej)
            print("github_state_proxy: REJECTED " + json.dumps(rej), file=sys.stderr, flush=True)
            return self.send(status, ubody, [(k, v) for k, v in uheaders if k.lower() not in HOP])
        self.ctype = next((v for k, v in uheaders if k.lower() == "content-type"), self.ctype)
        keep = [(k, v) for k, v in uheaders if k.lower() not in HOP | {"link", "content-type", "content-encoding"}]
        if meth == "POST" and path.endswith("/code-scanning/sarifs"):
            # Prism checks only that `sarif` is a string: keep the decoded log
            # beside the state file so CI can run validate-sarif on it.
            with st.lock:
                st.uploads += 1
                name = os.path.join(os.path.dirname(st.out) or ".", f"upload-{st.uploads}.sarif")
            with open(name, "wb") as f:
                f.write(gzip.decompress(base64.b64decode(json.loads(body)["sarif"])))
        if meth == "GET" and RE_PULL.match(path) and st.head_sha:
            # Prism's example names no real commit: the pull request's head is
            # the one the test's event says.
            pull = json.loads(ubody)
            pull.setdefault("head", {})["sha"] = st.head_sha
            return self.send_json(200, pull, keep)
        if meth == "GET" and RE_FILES.match(path):
            page, link = self.paginate(st.files, path, split.query)
            return self.send_json(200, page, keep + link)
        if meth == "GET" and (m := RE_COMMENTS.match(path)):
            with st.lock:
                mine = [public(c) for c in st.comments
                        if c["_repo"] == (unquote(m[1]).lower(), unquote(m[2]).lower()) and c["_pr"] == int(m[3])]
            page, link = self.paginate(mine, path, split.query)
            return self.send_json(200, page, keep + link)
        if meth == "POST" and (m := RE_REVIEWS.match(path)):
            req = json.loads(body or b"{}")
            self.ensure_template()
            with st.lock:
                st.reviews_posted += 1
                review_id, st.next_review_id = st.next_review_id, st.next_review_id + 1
                for rc in req.get("comments") or []:
                    fields = {k: v for k, v in rc.items()
                              if k in ("path", "line", "side", "start_line", "start_side", "position", "body")}
                    st.add_comment(unquote(m[1]), unquote(m[2]), int(m[3]),
                                   {**fields, "commit_id": req.get("commit_id", ""), "pull_request_review_id": review_id})
                    st.comments_posted += 1
        elif meth in ("PATCH", "DELETE") and (m := RE_COMMENT.match(path)):
            with st.lock:
                c = st.find(int(m[3]), unquote(m[1]), unquote(m[2]))
                if c is None:
                    return self.send_json(404, NOT_FOUND, keep)
                if meth == "DELETE":
                    st.comments.remove(c)
                    st.deleted += 1
                    return self.send(204, b"", keep)
                c["body"], c["updated_at"] = json.loads(body)["body"], "2024-01-02T00:00:00Z"
                st.patched += 1
                return self.send_json(200, public(c), keep)
        # Everything else (and the review itself): Prism's answer as is.
        return self.send(status, ubody, keep + [("Content-Type", self.ctype)] +
                         [(k, v) for k, v in uheaders if k.lower() == "link"])

    def handle_any(self):
        self.sent_status, self.ctype = None, "application/json; charset=utf-8"
        try:
            self.handle_one()
        except Exception as e:  # never crash: answer 500 and record it as a rejection
            rej = {"method": self.command, "path": self.path, "status": 500, "sl-violations": None,
                   "body": f"proxy error: {type(e).__name__}: {e}"}
            with self.st.lock:
                self.st.rejections.append(rej)
            print("github_state_proxy: ERROR " + json.dumps(rej), file=sys.stderr, flush=True)
            self.close_connection = True
            if self.sent_status is None:
                with contextlib.suppress(OSError):
                    self.send_json(500, {"message": rej["body"]})
        with self.st.lock:
            if not urlsplit(self.path).path.startswith("/__"):
                self.st.requests.append({"method": self.command, "path": self.path, "status": self.sent_status})
            try:
                self.st.save()
            except OSError as e:
                print(f"github_state_proxy: cannot write state: {e}", file=sys.stderr, flush=True)

    do_GET = do_POST = do_PATCH = do_DELETE = do_PUT = do_HEAD = do_OPTIONS = handle_any


def main():
    ap = argparse.ArgumentParser(description="Stateful proxy in front of the Prism GitHub REST mock.")
    ap.add_argument("--listen", type=int, required=True, help="port on 127.0.0.1")
    ap.add_argument("--upstream", required=True, help="Prism base URL, loopback only")
    ap.add_argument("--files", help="JSON list of pull-request file objects (default: none)")
    ap.add_argument("--state-out", required=True, help="where to write the state summary JSON")
    ap.add_argument("--head-sha", help="the pull request's head commit in GET .../pulls/{n}")
    a = ap.parse_args()
    u = urlsplit(a.upstream)
    try:  # no network beyond loopback
        host = "127.0.0.1" if u.hostname == "localhost" else u.hostname or ""
        if u.scheme != "http" or not ipaddress.ip_address(host).is_loopback:
            raise ValueError
    except ValueError:
        sys.exit(f"github_state_proxy: refusing non-loopback upstream {a.upstream!r} (want http://127.0.0.1:PORT)")
    files = json.loads(Path(a.files).read_text()) if a.files else []
    if not isinstance(files, list):
        sys.exit("github_state_proxy: --files must hold a JSON list")
    Handler.st, Handler.upstream = State(files, a.state_out), (host, u.port or 80)
    Handler.st.head_sha = a.head_sha
    Handler.st.save()
    server = ThreadingHTTPServer(("127.0.0.1", a.listen), Handler)

    def stop(_signum, _frame):
        Handler.st.save()
        raise SystemExit(0)
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print(f"github_state_proxy: listening on http://127.0.0.1:{a.listen} -> {a.upstream}", file=sys.stderr, flush=True)
    try:
        server.serve_forever()
    finally:
        server.server_close()


if __name__ == "__main__":
    main()

//! A fake GitHub on loopback (wiremock) that remembers what berth posts: the
//! pull request's files, its review comments, SARIF uploads and their
//! processing status, with faults queued per route.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};

use serde_json::{Value, json};
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

pub const OWNER_REPO: &str = "acme/app";
pub const PR: u64 = 7;
pub const HEAD: &str = "1111111111111111111111111111111111111111";
pub const MERGE: &str = "2222222222222222222222222222222222222222";

#[derive(Default)]
pub struct State {
    pub files: Vec<Value>,
    pub comments: Vec<Value>,
    pub reviews: Vec<Value>,
    pub uploads: Vec<Value>,
    /// Processing statuses the status route answers, in order (the last repeats).
    pub statuses: VecDeque<Value>,
    /// Canned answers served first, per "METHOD /path" (no query).
    pub faults: HashMap<String, VecDeque<ResponseTemplate>>,
    /// Reviews to store and then answer 502, as GitHub sometimes does.
    pub store_then_fail: usize,
    /// Every request: method, path with query, Authorization header.
    pub requests: Vec<(String, String, String)>,
    next_id: u64,
}

impl State {
    fn id(&mut self) -> u64 {
        self.next_id += 1;
        1000 + self.next_id
    }

    /// A human's reply to comment `id`.
    pub fn reply_to(&mut self, id: u64) {
        let new = self.id();
        self.comments.push(
            json!({"id": new, "in_reply_to_id": id, "body": "why?", "user": {"login": "human"}}),
        );
    }

    pub fn fault(&mut self, route: &str, answer: ResponseTemplate) {
        self.faults
            .entry(route.to_owned())
            .or_default()
            .push_back(answer);
    }

    pub fn count(&self, method: &str, path_start: &str) -> usize {
        self.requests
            .iter()
            .filter(|(m, p, _)| m == method && p.starts_with(path_start))
            .count()
    }

    pub fn berth_comments(&self) -> Vec<&Value> {
        self.comments
            .iter()
            .filter(|c| {
                c["body"]
                    .as_str()
                    .is_some_and(|b| b.contains("<!-- berth-finding"))
            })
            .collect()
    }
}

struct Router {
    state: Arc<Mutex<State>>,
    base: String,
}

fn query(req: &Request, key: &str) -> Option<usize> {
    req.url
        .query_pairs()
        .find(|(k, _)| k == key)
        .and_then(|(_, v)| v.parse().ok())
}

impl Router {
    fn page(&self, req: &Request, items: &[Value]) -> ResponseTemplate {
        let per = query(req, "per_page").unwrap_or(30).clamp(1, 100);
        let page = query(req, "page").unwrap_or(1).max(1);
        let chunk: Vec<Value> = items
            .iter()
            .skip((page - 1) * per)
            .take(per)
            .cloned()
            .collect();
        let mut answer = ResponseTemplate::new(200).set_body_json(chunk);
        if page * per < items.len() {
            let next = format!(
                "{}{}?per_page={per}&page={}",
                self.base,
                req.url.path(),
                page + 1
            );
            answer = answer.insert_header("link", format!("<{next}>; rel=\"next\"").as_str());
        }
        answer
    }
}

impl Respond for Router {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let mut s = lock(&self.state);
        let method = req.method.to_string();
        let path = req.url.path().to_owned();
        let auth = req
            .headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned();
        let full = match req.url.query() {
            Some(q) => format!("{path}?{q}"),
            None => path.clone(),
        };
        s.requests.push((method.clone(), full, auth));
        if let Some(answer) = s
            .faults
            .get_mut(&format!("{method} {path}"))
            .and_then(VecDeque::pop_front)
        {
            return answer;
        }
        let body: Value = serde_json::from_slice(&req.body).unwrap_or(Value::Null);
        // GitHub Enterprise Server serves the same API under /api/v3.
        let path = path.strip_prefix("/api/v3").unwrap_or(&path).to_owned();
        let repo = format!("/repos/{OWNER_REPO}");
        let pulls = format!("{repo}/pulls/{PR}");
        match (method.as_str(), path.as_str()) {
            ("GET", p) if p == pulls => ResponseTemplate::new(200)
                .set_body_json(json!({"number": PR, "head": {"sha": HEAD}})),
            ("GET", p) if p == format!("{pulls}/files") => {
                let files = s.files.clone();
                self.page(req, &files)
            }
            ("GET", p) if p == format!("{pulls}/comments") => {
                let comments = s.comments.clone();
                self.page(req, &comments)
            }
            ("POST", p) if p == format!("{pulls}/reviews") => {
                // GitHub refuses the whole review when one comment is not on
                // the diff ("Line could not be resolved").
                for c in body["comments"].as_array().cloned().unwrap_or_default() {
                    if let Some(why) = unresolvable(&s.files, &c) {
                        return ResponseTemplate::new(422).set_body_json(json!({
                            "message": "Unprocessable Entity", "errors": [why]}));
                    }
                }
                let review_id = s.id();
                for c in body["comments"].as_array().cloned().unwrap_or_default() {
                    let id = s.id();
                    let mut stored = c.clone();
                    stored["id"] = json!(id);
                    stored["pull_request_review_id"] = json!(review_id);
                    stored["user"] = json!({"login": "github-actions[bot]", "type": "Bot"});
                    s.comments.push(stored);
                }
                s.reviews.push(body);
                if s.store_then_fail > 0 {
                    s.store_then_fail -= 1;
                    return ResponseTemplate::new(502)
                        .set_body_string("<html>502 Bad Gateway</html>");
                }
                ResponseTemplate::new(200)
                    .set_body_json(json!({"id": review_id, "state": "COMMENTED"}))
            }
            ("PATCH", p) if p.starts_with(&format!("{repo}/pulls/comments/")) => {
                let id: u64 = p
                    .rsplit('/')
                    .next()
                    .and_then(|x| x.parse().ok())
                    .unwrap_or(0);
                match s.comments.iter_mut().find(|c| c["id"] == json!(id)) {
                    Some(c) => {
                        c["body"] = body["body"].clone();
                        ResponseTemplate::new(200).set_body_json(c.clone())
                    }
                    None => {
                        ResponseTemplate::new(404).set_body_json(json!({"message": "Not Found"}))
                    }
                }
            }
            ("DELETE", p) if p.starts_with(&format!("{repo}/pulls/comments/")) => {
                let id: u64 = p
                    .rsplit('/')
                    .next()
                    .and_then(|x| x.parse().ok())
                    .unwrap_or(0);
                let before = s.comments.len();
                s.comments.retain(|c| c["id"] != json!(id));
                if s.comments.len() < before {
                    ResponseTemplate::new(204)
                } else {
                    ResponseTemplate::new(404).set_body_json(json!({"message": "Not Found"}))
                }
            }
            ("POST", p) if p == format!("{repo}/code-scanning/sarifs") => {
                s.uploads.push(body);
                ResponseTemplate::new(202).set_body_json(
                    json!({"id": "47177e22-5596-11eb-80a1-c1e54ef945c6", "url": "x"}),
                )
            }
            ("GET", p) if p.starts_with(&format!("{repo}/code-scanning/sarifs/")) => {
                let status = if s.statuses.len() > 1 {
                    s.statuses.pop_front()
                } else {
                    s.statuses.front().cloned()
                };
                ResponseTemplate::new(200).set_body_json(
                    status.unwrap_or_else(|| json!({"processing_status": "complete"})),
                )
            }
            _ => ResponseTemplate::new(404).set_body_json(json!({"message": "Not Found"})),
        }
    }
}

/// Why GitHub would refuse this review comment, if it would.
fn unresolvable(files: &[Value], c: &Value) -> Option<String> {
    let path = c["path"].as_str()?;
    let Some(file) = files.iter().find(|f| f["filename"] == path) else {
        return Some(format!("Path {path} is not part of the pull request"));
    };
    let diff = berth::publish::diff::parse_patch(file["patch"].as_str().unwrap_or("")).ok()?;
    let line = c["line"].as_u64().and_then(|l| u32::try_from(l).ok())?;
    let start = c["start_line"]
        .as_u64()
        .and_then(|l| u32::try_from(l).ok())
        .unwrap_or(line);
    if c["side"] != "RIGHT" || start > line || (start == line && c.get("start_line").is_some()) {
        return Some("start_line must precede line on the RIGHT side".into());
    }
    (start..=line)
        .any(|l| !diff.in_hunks(l))
        .then(|| format!("Line could not be resolved: {path}:{line}"))
}

pub fn lock(state: &Arc<Mutex<State>>) -> MutexGuard<'_, State> {
    state
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

pub struct FakeGitHub {
    pub state: Arc<Mutex<State>>,
    pub uri: String,
    _server: MockServer,
    _runtime: tokio::runtime::Runtime,
}

impl FakeGitHub {
    pub fn start() -> FakeGitHub {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("tokio runtime");
        let server = runtime.block_on(MockServer::start());
        let state = Arc::new(Mutex::new(State::default()));
        let router = Router {
            state: state.clone(),
            base: server.uri(),
        };
        runtime.block_on(Mock::given(any()).respond_with(router).mount(&server));
        FakeGitHub {
            state,
            uri: server.uri(),
            _server: server,
            _runtime: runtime,
        }
    }

    pub fn state(&self) -> MutexGuard<'_, State> {
        lock(&self.state)
    }
}

//! The one door to the GitHub REST API: octocrab underneath, with berth's own
//! retry policy on top (5xx, timeouts, connection faults, primary and secondary
//! rate limits), bounded in attempts and in total time, and a redactor so the
//! token cannot reach a message.

use std::time::{Duration, Instant};

use http::{HeaderMap, Method};
use octocrab::Octocrab;
use serde_json::Value;

/// How hard to try. The defaults suit a CI job; tests shorten them.
#[derive(Debug, Clone)]
pub struct RetryPolicy {
    /// Attempts per request, the first included.
    pub attempts: u32,
    /// First backoff; doubled each retry, with full jitter.
    pub base_delay: Duration,
    /// Longest single wait berth will accept, `Retry-After` included.
    pub max_delay: Duration,
    /// All attempts and waits of one request together stay under this.
    pub budget: Duration,
    /// Per-request connect and read timeout.
    pub timeout: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            attempts: 5,
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(60),
            budget: Duration::from_secs(180),
            timeout: Duration::from_secs(30),
        }
    }
}

/// A response berth decided not to retry (or the last one it got).
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: String,
}

impl Reply {
    pub fn ok(&self) -> bool {
        (200..300).contains(&self.status)
    }

    pub fn json(&self) -> Option<Value> {
        serde_json::from_str(&self.body).ok()
    }

    /// GitHub's `message` field, or the start of the body.
    pub fn message(&self) -> String {
        if let Some(Value::Object(map)) = self.json()
            && let Some(Value::String(m)) = map.get("message")
        {
            let mut text = m.clone();
            if let Some(Value::Array(errors)) = map.get("errors") {
                let details: Vec<String> = errors
                    .iter()
                    .map(|e| match e {
                        Value::String(s) => s.clone(),
                        other => other
                            .get("message")
                            .and_then(Value::as_str)
                            .map_or_else(|| other.to_string(), str::to_owned),
                    })
                    .collect();
                if !details.is_empty() {
                    text.push_str(&format!(" ({})", details.join("; ")));
                }
            }
            return text;
        }
        self.body.chars().take(200).collect()
    }

    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The `rel="next"` address of a paginated answer.
    pub fn next_link(&self) -> Option<String> {
        let link = self.header("link")?;
        link.split(',').find_map(|part| {
            let (url, params) = part.split_once(';')?;
            params
                .split(';')
                .any(|p| p.trim() == "rel=\"next\"")
                .then(|| url.trim().trim_start_matches('<').trim_end_matches('>'))
                .map(str::to_owned)
        })
    }
}

/// What went wrong talking to GitHub, already redacted.
#[derive(Debug, thiserror::Error)]
#[error("{method} {path}: {detail}")]
pub struct ApiError {
    pub method: Method,
    pub path: String,
    /// The HTTP status, when an answer came.
    pub status: Option<u16>,
    pub detail: String,
}

/// Replaces every occurrence of the secrets it knows with `***`.
#[derive(Debug, Clone, Default)]
pub struct Redactor {
    secrets: Vec<String>,
}

impl Redactor {
    pub fn new(secrets: impl IntoIterator<Item = String>) -> Self {
        Redactor {
            // Short strings would mask ordinary words; real tokens are long.
            secrets: secrets.into_iter().filter(|s| s.len() >= 4).collect(),
        }
    }

    pub fn apply(&self, text: &str) -> String {
        let mut out = text.to_owned();
        for s in &self.secrets {
            out = out.replace(s.as_str(), "***");
        }
        out
    }
}

pub struct Api {
    octo: Octocrab,
    /// The API root's path (`/api/v3` on GitHub Enterprise Server), prefixed to
    /// every route; octocrab adds scheme and host.
    prefix: String,
    policy: RetryPolicy,
    redactor: Redactor,
}

impl Api {
    /// A client for the API at `api_url` (`https://api.github.com`).
    pub fn new(api_url: &str, token: &str, policy: RetryPolicy) -> Result<Api, String> {
        let redactor = Redactor::new([token.to_owned()]);
        let uri: http::Uri = api_url
            .trim_end_matches('/')
            .parse()
            .map_err(|e| format!("GITHUB_API_URL `{api_url}` is not a URL: {e}"))?;
        if uri.scheme().is_none() || uri.authority().is_none() {
            return Err(format!(
                "GITHUB_API_URL `{api_url}` needs a scheme and a host"
            ));
        }
        let prefix = uri.path().trim_end_matches('/').to_owned();
        let octo = Octocrab::builder()
            .base_uri(uri)
            .map_err(|e| redactor.apply(&format!("cannot use GITHUB_API_URL: {e}")))?
            .personal_token(token.to_owned())
            .add_header(
                http::header::ACCEPT,
                "application/vnd.github+json".to_owned(),
            )
            .add_header(
                http::HeaderName::from_static("x-github-api-version"),
                "2022-11-28".to_owned(),
            )
            .set_connect_timeout(Some(policy.timeout))
            .set_read_timeout(Some(policy.timeout))
            .set_write_timeout(Some(policy.timeout))
            .build()
            .map_err(|e| redactor.apply(&format!("cannot build the HTTP client: {e}")))?;
        Ok(Api {
            octo,
            prefix,
            policy,
            redactor,
        })
    }

    pub fn redactor(&self) -> &Redactor {
        &self.redactor
    }

    /// Turn a `Link` address back into a route under the API root.
    pub fn route_of(&self, url: &str) -> Option<String> {
        let uri: http::Uri = url.parse().ok()?;
        let pq = uri.path_and_query()?.as_str();
        Some(pq.strip_prefix(&self.prefix).unwrap_or(pq).to_owned())
    }

    /// Send one request, retrying what is worth retrying. Any answer that is
    /// not retried (2xx, or a 4xx that will not change) comes back as `Ok`.
    pub async fn send(
        &self,
        method: Method,
        route: &str,
        body: Option<&Value>,
    ) -> Result<Reply, ApiError> {
        self.send_inner(method, route, body, true).await
    }

    /// For a request that must not be repeated blindly (creating a review):
    /// only rate-limit refusals, which GitHub did not act on, are retried. A
    /// 5xx comes back as an answer and a fault as an error, for the caller to
    /// check what happened before trying again.
    pub async fn send_once(
        &self,
        method: Method,
        route: &str,
        body: Option<&Value>,
    ) -> Result<Reply, ApiError> {
        self.send_inner(method, route, body, false).await
    }

    async fn send_inner(
        &self,
        method: Method,
        route: &str,
        body: Option<&Value>,
        idempotent: bool,
    ) -> Result<Reply, ApiError> {
        let started = Instant::now();
        let path = format!("{}{route}", self.prefix);
        let mut attempt: u32 = 0;
        loop {
            attempt += 1;
            let (wait, why, status) = match self.once(&method, &path, body).await {
                Ok(reply) if !idempotent && reply.status >= 500 => return Ok(reply),
                Ok(reply) => match retry_after(&reply, attempt, &self.policy) {
                    Some(wait) => (
                        wait,
                        format!("HTTP {}: {}", reply.status, reply.message()),
                        Some(reply.status),
                    ),
                    None => return Ok(reply),
                },
                Err(fault) if !idempotent => return Err(self.error(&method, route, None, &fault)),
                Err(fault) => (backoff(attempt, &self.policy), fault, None),
            };
            let spent = started.elapsed();
            let out_of_time = spent.saturating_add(wait) > self.policy.budget;
            if attempt >= self.policy.attempts || wait > self.policy.max_delay || out_of_time {
                let detail = format!(
                    "{why} (gave up after {attempt} attempt{}{})",
                    if attempt == 1 { "" } else { "s" },
                    if wait > self.policy.max_delay || out_of_time {
                        format!(", GitHub asked to wait {}s", wait.as_secs())
                    } else {
                        String::new()
                    }
                );
                return Err(self.error(&method, route, status, &detail));
            }
            eprintln!(
                "berth: {method} {route}: {}; retrying in {} ms",
                self.redactor.apply(&why),
                wait.as_millis()
            );
            tokio::time::sleep(wait).await;
        }
    }

    pub fn policy(&self) -> &RetryPolicy {
        &self.policy
    }

    /// The backoff before attempt `attempt + 1`.
    pub async fn pause(&self, attempt: u32) {
        tokio::time::sleep(backoff(attempt, &self.policy)).await;
    }

    /// An answer outside 2xx as an error.
    pub fn refusal(&self, method: &Method, route: &str, reply: &Reply) -> ApiError {
        let detail = format!("HTTP {}: {}", reply.status, reply.message());
        self.error(method, route, Some(reply.status), &detail)
    }

    /// Like [`send`](Self::send), but an answer outside 2xx is an error.
    pub async fn send_ok(
        &self,
        method: Method,
        route: &str,
        body: Option<&Value>,
    ) -> Result<Reply, ApiError> {
        let reply = self.send(method.clone(), route, body).await?;
        if reply.ok() {
            Ok(reply)
        } else {
            Err(self.refusal(&method, route, &reply))
        }
    }

    fn error(&self, method: &Method, route: &str, status: Option<u16>, detail: &str) -> ApiError {
        ApiError {
            method: method.clone(),
            path: self.redactor.apply(route),
            status,
            detail: self.redactor.apply(detail),
        }
    }

    async fn once(
        &self,
        method: &Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<Reply, String> {
        let result = if *method == Method::GET {
            self.octo._get(path).await
        } else if *method == Method::POST {
            self.octo._post(path, body).await
        } else if *method == Method::PATCH {
            self.octo._patch(path, body).await
        } else if *method == Method::DELETE {
            self.octo._delete(path, body).await
        } else {
            return Err(format!("method {method} is not used by berth"));
        };
        let response = result.map_err(|e| self.redactor.apply(&error_chain(&e)))?;
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let body = self
            .octo
            .body_to_string(response)
            .await
            .map_err(|e| self.redactor.apply(&error_chain(&e)))?;
        Ok(Reply {
            status,
            headers,
            body,
        })
    }
}

/// The error and its causes on one line ("timed out" hides two levels down).
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        let next = c.to_string();
        if !text.contains(&next) {
            text.push_str(": ");
            text.push_str(&next);
        }
        cause = c.source();
    }
    text
}

/// How long to wait before retrying this answer, or `None` to keep it.
fn retry_after(reply: &Reply, attempt: u32, policy: &RetryPolicy) -> Option<Duration> {
    let asked = reply
        .header("retry-after")
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map(Duration::from_secs);
    let limited = reply.header("x-ratelimit-remaining") == Some("0");
    let reset = reply
        .header("x-ratelimit-reset")
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map(|epoch| {
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs());
            Duration::from_secs(epoch.saturating_sub(now).saturating_add(1))
        });
    match reply.status {
        500..=599 => Some(asked.unwrap_or_else(|| backoff(attempt, policy))),
        429 | 403 => {
            let secondary = reply
                .body
                .to_ascii_lowercase()
                .contains("secondary rate limit");
            if let Some(wait) = asked {
                Some(wait)
            } else if limited {
                Some(reset.unwrap_or_else(|| backoff(attempt, policy)))
            } else if secondary || reply.status == 429 {
                // GitHub: without a header, wait at least a minute.
                Some(Duration::from_secs(60).max(backoff(attempt, policy)))
            } else {
                None
            }
        }
        _ => None,
    }
}

/// Exponential backoff with full jitter: a random wait in [d/2, d], where d
/// doubles with each attempt.
fn backoff(attempt: u32, policy: &RetryPolicy) -> Duration {
    let exp = policy
        .base_delay
        .saturating_mul(1u32 << attempt.saturating_sub(1).min(16));
    let ceiling = exp.min(policy.max_delay);
    let half = ceiling / 2;
    half + half.mul_f64(jitter())
}

/// A number in [0, 1) that differs between calls; no cryptographic use.
fn jitter() -> f64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos()),
    );
    (h.finish() >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reply(status: u16, headers: &[(&'static str, &str)], body: &str) -> Reply {
        let mut map = HeaderMap::new();
        for (k, v) in headers {
            map.insert(*k, v.parse().expect("test header"));
        }
        Reply {
            status,
            headers: map,
            body: body.to_owned(),
        }
    }

    #[test]
    fn which_answers_are_retried() {
        let p = RetryPolicy::default();
        assert!(retry_after(&reply(502, &[], ""), 1, &p).is_some());
        assert_eq!(
            retry_after(&reply(403, &[("retry-after", "7")], ""), 1, &p),
            Some(Duration::from_secs(7))
        );
        let secondary = r#"{"message":"You have exceeded a secondary rate limit"}"#;
        assert!(
            retry_after(&reply(403, &[], secondary), 1, &p).unwrap() >= Duration::from_secs(60)
        );
        assert_eq!(
            retry_after(
                &reply(
                    403,
                    &[],
                    r#"{"message":"Resource not accessible by integration"}"#
                ),
                1,
                &p
            ),
            None
        );
        assert_eq!(retry_after(&reply(404, &[], ""), 1, &p), None);
        assert_eq!(retry_after(&reply(422, &[], ""), 1, &p), None);
    }

    #[test]
    fn a_spent_primary_limit_waits_for_its_reset() {
        let p = RetryPolicy::default();
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let reset = (now + 30).to_string();
        let wait = retry_after(
            &reply(
                403,
                &[
                    ("x-ratelimit-remaining", "0"),
                    ("x-ratelimit-reset", reset.as_str()),
                ],
                "{}",
            ),
            1,
            &p,
        )
        .expect("retried");
        assert!((29..=32).contains(&wait.as_secs()), "{wait:?}");
        // Remaining requests: a plain 403 is a refusal, not a limit.
        assert_eq!(
            retry_after(&reply(403, &[("x-ratelimit-remaining", "12")], "{}"), 1, &p),
            None
        );
    }

    #[test]
    fn backoff_grows_and_stays_bounded() {
        let p = RetryPolicy::default();
        for attempt in 1..40 {
            let d = backoff(attempt, &p);
            assert!(d <= p.max_delay);
            let floor = p
                .base_delay
                .saturating_mul(1 << (attempt - 1).min(16))
                .min(p.max_delay)
                / 2;
            assert!(d >= floor, "attempt {attempt}: {d:?} < {floor:?}");
        }
    }

    #[test]
    fn next_link_is_found() {
        let r = reply(
            200,
            &[(
                "link",
                r#"<https://api.github.com/x?page=3>; rel="last", <https://api.github.com/x?page=2>; rel="next""#,
            )],
            "[]",
        );
        assert_eq!(
            r.next_link().as_deref(),
            Some("https://api.github.com/x?page=2")
        );
        assert_eq!(reply(200, &[], "[]").next_link(), None);
    }

    #[test]
    fn redactor_masks_every_occurrence() {
        let r = Redactor::new(["ghs_secret123".to_owned(), "ab".to_owned()]);
        assert_eq!(r.apply("a ghs_secret123 b ghs_secret123"), "a *** b ***");
        assert_eq!(r.apply("ab"), "ab");
    }
}

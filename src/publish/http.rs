//! The one door to the GitHub REST API: octocrab underneath, with berth's
//! retry policy on top (5xx, timeouts, connection faults, primary and secondary
//! rate limits, `Retry-After`), bounded in attempts and in total time; backon
//! supplies the exponential backoff with jitter. Errors and log lines pass the
//! redactor, so the token cannot reach a message.

use std::cell::Cell;
use std::time::{Duration, Instant};

use backon::{ExponentialBuilder, Retryable as _};
use http::{HeaderMap, Method};
use octocrab::Octocrab;
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::error::{ErrorBody, HttpError, PublishError, Refusal, Tries};
use super::log::{Log, Redactor};

/// How hard to try. The defaults suit a CI job; tests shorten them.
#[derive(Debug, Clone)]
pub struct RetryPolicy {
    /// Attempts per request, the first included.
    pub attempts: u32,
    /// First backoff; doubled each retry, with jitter.
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

impl RetryPolicy {
    /// The waits between attempts: the n-th is random in [d/2, d), where d is
    /// `base_delay` doubled n-1 times and capped at `max_delay`; one fewer
    /// than `attempts`.
    pub fn backoff(&self) -> ExponentialBuilder {
        // backon's jitter adds up to one more delay: halve both bounds.
        let ceiling = self.max_delay / 2;
        ExponentialBuilder::new()
            .with_min_delay((self.base_delay / 2).min(ceiling))
            .with_max_delay(ceiling)
            .with_factor(2.0)
            .with_jitter()
            .with_max_times(self.attempts.saturating_sub(1) as usize)
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

    /// The body read as `T`, or `None` when it is not one.
    pub fn parse<T: DeserializeOwned>(&self) -> Option<T> {
        serde_json::from_str(&self.body).ok()
    }

    /// GitHub's error document; a body that is not one is its `message`.
    pub fn error_body(&self) -> ErrorBody {
        match self.parse::<ErrorBody>() {
            Some(e) if e.message.is_some() => e,
            _ => ErrorBody {
                message: Some(self.body.chars().take(200).collect()),
                ..ErrorBody::default()
            },
        }
    }

    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    fn header_secs(&self, name: &str) -> Option<u64> {
        self.header(name).and_then(|v| v.trim().parse().ok())
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

    /// A refusal that says to come back later: a rate limit, not a "no".
    fn rate_limited(&self, method: &Method) -> bool {
        match self.status {
            429 => true,
            403 => {
                self.header("retry-after").is_some()
                    || self.header("x-ratelimit-remaining") == Some("0")
                    || Refusal::of(method, self.status, &self.error_body())
                        == Refusal::SecondaryRateLimit
            }
            _ => false,
        }
    }

    /// How long to wait before asking again, given the backoff's proposal:
    /// `Retry-After` first, then the primary limit's reset; a secondary limit
    /// without either waits at least a minute, as GitHub asks.
    fn wait(&self, proposed: Duration) -> Duration {
        if let Some(secs) = self.header_secs("retry-after") {
            return Duration::from_secs(secs);
        }
        if self.status >= 500 {
            return proposed;
        }
        if self.header("x-ratelimit-remaining") == Some("0") {
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs());
            return self
                .header_secs("x-ratelimit-reset")
                .map_or(proposed, |epoch| {
                    Duration::from_secs(epoch.saturating_sub(now).saturating_add(1))
                });
        }
        Duration::from_secs(60).max(proposed)
    }
}

/// One attempt that is worth another.
enum Again {
    /// A 5xx or a rate limit.
    Answer(Reply),
    /// No answer: a `Network` error.
    Fault(PublishError),
}

impl Again {
    /// The wait before the next try, given the backoff's proposal.
    fn wait(&self, proposed: Duration) -> Duration {
        match self {
            Again::Answer(r) => r.wait(proposed),
            Again::Fault(_) => proposed,
        }
    }

    fn why(&self) -> String {
        match self {
            Again::Answer(r) => format!("HTTP {}: {}", r.status, r.error_body().text()),
            Again::Fault(PublishError::Network { detail, .. }) => detail.clone(),
            Again::Fault(e) => e.to_string(),
        }
    }
}

pub struct Api {
    octo: Octocrab,
    /// The API root's path (`/api/v3` on GitHub Enterprise Server), prefixed to
    /// every route; octocrab adds scheme and host.
    prefix: String,
    policy: RetryPolicy,
    log: Log,
}

impl Api {
    /// A client for the API at `api_url` (`https://api.github.com`). Its log
    /// masks the token, whatever `log` masked before.
    pub fn new(
        api_url: &str,
        token: &str,
        policy: RetryPolicy,
        log: Log,
    ) -> Result<Api, PublishError> {
        let uri: http::Uri = api_url.trim_end_matches('/').parse().map_err(|e| {
            PublishError::Config(format!("GITHUB_API_URL `{api_url}` is not a URL: {e}"))
        })?;
        if uri.scheme().is_none() || uri.authority().is_none() {
            return Err(PublishError::Config(format!(
                "GITHUB_API_URL `{api_url}` needs a scheme and a host"
            )));
        }
        let prefix = uri.path().trim_end_matches('/').to_owned();
        let log = log.masking(token);
        let config = |what: &str, e: &dyn std::error::Error| {
            PublishError::Config(log.redactor().apply(&format!("{what}: {e}")))
        };
        let octo = Octocrab::builder()
            .base_uri(uri)
            .map_err(|e| config("cannot use GITHUB_API_URL", &e))?
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
            .map_err(|e| config("cannot build the HTTP client", &e))?;
        Ok(Api {
            octo,
            prefix,
            policy,
            log,
        })
    }

    pub fn redactor(&self) -> &Redactor {
        self.log.redactor()
    }

    pub fn log(&self) -> &Log {
        &self.log
    }

    pub fn policy(&self) -> &RetryPolicy {
        &self.policy
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
    ) -> Result<Reply, PublishError> {
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
    ) -> Result<Reply, PublishError> {
        self.send_inner(method, route, body, false).await
    }

    /// Like [`send`](Self::send), but an answer outside 2xx is an error.
    pub async fn send_ok(
        &self,
        method: Method,
        route: &str,
        body: Option<&Value>,
    ) -> Result<Reply, PublishError> {
        let reply = self.send(method.clone(), route, body).await?;
        if reply.ok() {
            Ok(reply)
        } else {
            Err(self.refusal(&method, route, &reply))
        }
    }

    /// An answer outside 2xx as an error.
    pub fn refusal(&self, method: &Method, route: &str, reply: &Reply) -> PublishError {
        self.refused(method, route, reply, Tries::default())
    }

    fn refused(&self, method: &Method, route: &str, reply: &Reply, tries: Tries) -> PublishError {
        let e = reply.error_body();
        PublishError::from(HttpError {
            method: method.clone(),
            route: route.to_owned(),
            status: reply.status,
            errors: e.details(),
            message: e.message.unwrap_or_default(),
            documentation_url: e.documentation_url,
            tries,
        })
        .redact(self.redactor())
    }

    async fn send_inner(
        &self,
        method: Method,
        route: &str,
        body: Option<&Value>,
        idempotent: bool,
    ) -> Result<Reply, PublishError> {
        let started = Instant::now();
        let (attempts, refused_wait) = (&Cell::new(0u32), &Cell::new(None));
        let method = &method;
        let outcome = (move || async move {
            attempts.set(attempts.get() + 1);
            self.attempt(method, route, body, idempotent).await
        })
        .retry(self.policy.backoff())
        .sleep(tokio::time::sleep)
        .when(|again| idempotent || matches!(again, Again::Answer(_)))
        .adjust(|again, proposed| {
            let wait = again.wait(proposed?);
            let spent = started.elapsed().saturating_add(wait);
            if wait > self.policy.max_delay || spent > self.policy.budget {
                refused_wait.set(Some(wait.as_secs()));
                return None;
            }
            Some(wait)
        })
        .notify(|again, wait| {
            self.log.info(&format!(
                "{method} {route}: {}; retrying in {} ms",
                again.why(),
                wait.as_millis()
            ));
        })
        .await;
        let retried = idempotent || matches!(outcome, Err(Again::Answer(_)));
        let tries = Tries {
            attempts: if retried { attempts.get() } else { 0 },
            refused_wait_secs: refused_wait.get(),
        };
        outcome.map_err(|again| match again {
            Again::Answer(reply) => self.refused(method, route, &reply, tries),
            Again::Fault(e) => e.with_tries(tries),
        })
    }

    /// One attempt: an answer to keep, or one worth another try.
    async fn attempt(
        &self,
        method: &Method,
        route: &str,
        body: Option<&Value>,
        idempotent: bool,
    ) -> Result<Reply, Again> {
        match self.once(method, route, body).await {
            Ok(r) if (idempotent && r.status >= 500) || r.rate_limited(method) => {
                Err(Again::Answer(r))
            }
            Ok(r) => Ok(r),
            Err(fault) => Err(Again::Fault(fault)),
        }
    }

    /// One request, no retry. Without an answer: a `Network` error.
    async fn once(
        &self,
        method: &Method,
        route: &str,
        body: Option<&Value>,
    ) -> Result<Reply, PublishError> {
        let fault = |detail: String| PublishError::Network {
            method: method.clone(),
            route: route.to_owned(),
            detail: self.redactor().apply(&detail),
            tries: Tries::default(),
        };
        let path = &format!("{}{route}", self.prefix);
        let result = if *method == Method::GET {
            self.octo._get(path).await
        } else if *method == Method::POST {
            self.octo._post(path, body).await
        } else if *method == Method::PATCH {
            self.octo._patch(path, body).await
        } else if *method == Method::DELETE {
            self.octo._delete(path, body).await
        } else {
            return Err(fault(format!("method {method} is not used by berth")));
        };
        let response = result.map_err(|e| fault(error_chain(&e)))?;
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let body = self
            .octo
            .body_to_string(response)
            .await
            .map_err(|e| fault(error_chain(&e)))?;
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

    /// Whether `r` is retried, and after how long when the backoff says 1s.
    fn retried(r: &Reply) -> Option<Duration> {
        (r.status >= 500 || r.rate_limited(&Method::GET)).then(|| r.wait(Duration::from_secs(1)))
    }

    #[test]
    fn which_answers_are_retried() {
        assert_eq!(retried(&reply(502, &[], "")), Some(Duration::from_secs(1)));
        assert_eq!(
            retried(&reply(503, &[("retry-after", "4")], "")),
            Some(Duration::from_secs(4))
        );
        assert_eq!(
            retried(&reply(403, &[("retry-after", "7")], "")),
            Some(Duration::from_secs(7))
        );
        let secondary = r#"{"message":"You have exceeded a secondary rate limit"}"#;
        assert_eq!(
            retried(&reply(403, &[], secondary)),
            Some(Duration::from_secs(60)),
            "without a header, at least a minute"
        );
        assert_eq!(
            retried(&reply(429, &[], "{}")),
            Some(Duration::from_secs(60))
        );
        let fork = r#"{"message":"Resource not accessible by integration"}"#;
        assert_eq!(retried(&reply(403, &[], fork)), None);
        assert_eq!(retried(&reply(404, &[], "")), None);
        assert_eq!(retried(&reply(422, &[], "")), None);
    }

    #[test]
    fn a_spent_primary_limit_waits_for_its_reset() {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let reset = (now + 30).to_string();
        let spent = reply(
            403,
            &[
                ("x-ratelimit-remaining", "0"),
                ("x-ratelimit-reset", reset.as_str()),
            ],
            "{}",
        );
        let wait = retried(&spent).expect("retried");
        assert!((29..=32).contains(&wait.as_secs()), "{wait:?}");
        // Remaining requests: a plain 403 is a refusal, not a limit.
        assert_eq!(
            retried(&reply(403, &[("x-ratelimit-remaining", "12")], "{}")),
            None
        );
    }

    #[test]
    fn backoff_grows_and_stays_bounded() {
        let p = RetryPolicy {
            attempts: 40,
            ..RetryPolicy::default()
        };
        let waits: Vec<Duration> = backon::BackoffBuilder::build(p.backoff()).collect();
        assert_eq!(waits.len(), 39, "one wait fewer than attempts");
        for (n, d) in waits.iter().enumerate() {
            let ceiling = p.base_delay.saturating_mul(1 << n.min(16)).min(p.max_delay);
            assert!(*d <= ceiling, "wait {n}: {d:?} > {ceiling:?}");
            assert!(*d >= ceiling / 2, "wait {n}: {d:?} < {ceiling:?}/2");
        }
    }

    #[test]
    fn error_bodies_are_read_leniently() {
        let e = reply(
            422,
            &[],
            r#"{"message":"Validation Failed","errors":["a",{"message":"b"},{"code":"c"}]}"#,
        )
        .error_body();
        assert_eq!(e.text(), r#"Validation Failed (a; b; {"code":"c"})"#);
        let html = reply(502, &[], "<html>bad gateway</html>").error_body();
        assert_eq!(html.message.as_deref(), Some("<html>bad gateway</html>"));
    }

    /// A server that echoes the token, in a retried answer and in the final
    /// one: neither the log nor the error shows it.
    #[tokio::test]
    async fn the_token_never_reaches_the_log_or_the_error() {
        use wiremock::matchers::{method, path};
        use wiremock::{Mock, MockServer, ResponseTemplate};
        const TOKEN: &str = "ghs_unit0123456789abcdefSECRET";
        let server = MockServer::start().await;
        let echo = serde_json::json!({"message": format!("bad credentials {TOKEN}"),
            "errors": [format!("token {TOKEN}")], "documentation_url": format!("https://x/{TOKEN}")});
        Mock::given(method("GET"))
            .and(path("/repos/a/b/pulls/1"))
            .respond_with(
                ResponseTemplate::new(502).set_body_string(format!("<html>{TOKEN}</html>")),
            )
            .up_to_n_times(1)
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path("/repos/a/b/pulls/1"))
            .respond_with(ResponseTemplate::new(422).set_body_json(echo))
            .mount(&server)
            .await;
        // The client masks its own token, whatever log it is given.
        let (log, printed) = Log::capturing(Redactor::default());
        let policy = RetryPolicy {
            base_delay: Duration::from_millis(1),
            ..RetryPolicy::default()
        };
        let api = Api::new(&server.uri(), TOKEN, policy, log).expect("client");
        let err = api
            .send_ok(Method::GET, "/repos/a/b/pulls/1", None)
            .await
            .expect_err("a 422 is an error");
        api.log().error(&err.to_string());
        let printed = printed.lock().map(|t| t.clone()).unwrap_or_default();
        assert!(
            printed.contains("HTTP 502: <html>***</html>; retrying"),
            "{printed}"
        );
        assert!(
            printed.contains("bad credentials *** (token ***)"),
            "{printed}"
        );
        for text in [printed, err.to_string(), format!("{err:?}")] {
            assert!(!text.contains(TOKEN), "token leaked: {text}");
        }
        assert_eq!(err.status(), Some(422));
    }

    /// No server: a `Network` error that says how often berth tried.
    #[tokio::test]
    async fn a_refused_connection_is_a_network_error_after_the_attempts() {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .expect("a free loopback port");
        let policy = RetryPolicy {
            attempts: 2,
            base_delay: Duration::from_millis(1),
            ..RetryPolicy::default()
        };
        let (log, printed) = Log::capturing(Redactor::default());
        let api =
            Api::new(&format!("http://127.0.0.1:{port}"), "t0ken", policy, log).expect("client");
        let err = api
            .send(Method::GET, "/x", None)
            .await
            .expect_err("nobody listens");
        assert!(
            matches!(&err, PublishError::Network { tries, .. } if tries.attempts == 2),
            "{err:?}"
        );
        let text = err.to_string();
        assert!(text.starts_with("GET /x: "), "{text}");
        assert!(text.ends_with(" (gave up after 2 attempts)"), "{text}");
        let printed = printed.lock().map(|t| t.clone()).unwrap_or_default();
        assert_eq!(printed.matches("retrying in").count(), 1, "{printed}");
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
}

//! The one door to the GitHub REST API: octocrab underneath, with berth's
//! retry policy on top (5xx, timeouts, connection faults, primary and secondary
//! rate limits, `Retry-After`), bounded in attempts and in total time; backon
//! supplies the exponential backoff with jitter. Errors and log lines pass the
//! redactor, so the token cannot reach a message.
//!
//! This file is the door itself: the client, its routes, one request and the
//! errors made of refusals. The policy and its loop are in `retry`, the
//! answer in `reply`, and what a rate limit asks for in `rate_limit`.

mod rate_limit;
mod reply;
mod retry;

use http::Method;
use octocrab::Octocrab;
use serde_json::Value;

pub use self::reply::Reply;
pub use self::retry::RetryPolicy;
use super::error::{HttpError, PublishError, Tries};
use super::log::{Log, Redactor};

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
    use std::time::Duration;

    use super::*;

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
}

//! What can go wrong in publish, typed: GitHub's status and its error fields
//! are kept, so decisions match on them rather than on message text. Every
//! text in an error is redacted when the error is built.

use std::fmt;

use http::Method;
use serde::Deserialize;

use super::lenient::lenient;
use super::log::Redactor;

#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    /// GitHub answered outside 2xx, and berth will not ask again.
    #[error(transparent)]
    Http(Box<HttpError>),
    /// No usable answer: no connection, a timeout, a body cut short.
    #[error("{method} {route}: {detail}{tries}")]
    Network {
        method: Method,
        route: String,
        detail: String,
        tries: Tries,
    },
    /// A 2xx answer without what GitHub documents (no list, no id).
    #[error("{0}")]
    Protocol(String),
    /// The options, the environment or the HTTP client setup.
    #[error("{0}")]
    Config(String),
    /// A file publish reads (the SARIF log, the event payload, a patch).
    #[error("{0}")]
    Input(String),
}

/// GitHub's answer outside 2xx, with its fields.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{method} {route}: HTTP {status}: {message}{}{tries}", Details(.errors))]
pub struct HttpError {
    pub method: Method,
    pub route: String,
    pub status: u16,
    /// GitHub's `message`, or the start of a body that has none.
    pub message: String,
    pub documentation_url: Option<String>,
    /// GitHub's `errors` details (a 422 says which field or line).
    pub errors: Vec<String>,
    pub tries: Tries,
}

impl From<HttpError> for PublishError {
    fn from(e: HttpError) -> Self {
        PublishError::Http(Box::new(e))
    }
}

/// Why GitHub refused, read from the status and the error's fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// The token may not do this: a fork's read-only `GITHUB_TOKEN`, a
    /// missing permission, an admin-only setting.
    NotPermitted,
    /// GitHub's secondary rate limit (403 or 429, often without headers).
    SecondaryRateLimit,
    /// Something else: a real failure.
    Other,
}

impl Refusal {
    /// Classify an answer outside 2xx. A 404 to a POST is how GitHub hides an
    /// endpoint from a token that may not write to it.
    pub fn of(method: &Method, status: u16, body: &ErrorBody) -> Refusal {
        let message = body.message.as_deref().unwrap_or("");
        let secondary = message
            .to_ascii_lowercase()
            .contains("secondary rate limit")
            || body
                .documentation_url
                .as_deref()
                .is_some_and(|u| u.contains("secondary-rate-limits"));
        let denied = ["Resource not accessible by", "Must have admin rights"]
            .iter()
            .any(|m| message.starts_with(m));
        match status {
            403 | 429 if secondary => Refusal::SecondaryRateLimit,
            403 | 404 if denied || (status == 404 && *method == Method::POST) => {
                Refusal::NotPermitted
            }
            _ => Refusal::Other,
        }
    }
}

impl PublishError {
    /// GitHub's status, when it answered.
    pub fn status(&self) -> Option<u16> {
        match self {
            PublishError::Http(e) => Some(e.status),
            _ => None,
        }
    }

    /// What GitHub's refusal means; `Other` when GitHub did not answer.
    pub fn refusal(&self) -> Refusal {
        match self {
            PublishError::Http(e) => Refusal::of(
                &e.method,
                e.status,
                &ErrorBody {
                    message: Some(e.message.clone()),
                    documentation_url: e.documentation_url.clone(),
                    errors: Vec::new(),
                },
            ),
            _ => Refusal::Other,
        }
    }

    /// The error of a request berth gave up on after `n` attempts.
    #[must_use]
    pub fn after_attempts(mut self, n: u32) -> PublishError {
        match &mut self {
            PublishError::Http(e) => e.tries.attempts = n,
            PublishError::Network { tries, .. } => tries.attempts = n,
            _ => {}
        }
        self
    }

    /// The error of a request, with what its tries came to.
    #[must_use]
    pub fn with_tries(mut self, t: Tries) -> PublishError {
        match &mut self {
            PublishError::Http(e) => e.tries = t,
            PublishError::Network { tries, .. } => *tries = t,
            _ => {}
        }
        self
    }

    /// The same error with every secret in its text masked.
    #[must_use]
    pub fn redact(self, r: &Redactor) -> PublishError {
        match self {
            PublishError::Http(e) => PublishError::Http(Box::new(HttpError {
                route: r.apply(&e.route),
                message: r.apply(&e.message),
                documentation_url: e.documentation_url.as_deref().map(|u| r.apply(u)),
                errors: e.errors.iter().map(|x| r.apply(x)).collect(),
                ..*e
            })),
            PublishError::Network {
                method,
                route,
                detail,
                tries,
            } => PublishError::Network {
                method,
                route: r.apply(&route),
                detail: r.apply(&detail),
                tries,
            },
            PublishError::Protocol(t) => PublishError::Protocol(r.apply(&t)),
            PublishError::Config(t) => PublishError::Config(r.apply(&t)),
            PublishError::Input(t) => PublishError::Input(r.apply(&t)),
        }
    }
}

/// GitHub's error document (`message`, `documentation_url`, `errors`), each
/// field read on its own.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ErrorBody {
    #[serde(deserialize_with = "lenient")]
    pub message: Option<String>,
    #[serde(deserialize_with = "lenient")]
    pub documentation_url: Option<String>,
    /// Strings, or objects with a `message` (or only `resource`/`field`/`code`).
    #[serde(deserialize_with = "lenient")]
    pub errors: Vec<serde_json::Value>,
}

impl ErrorBody {
    /// The message with the details, as GitHub's answer is quoted in logs.
    pub fn text(&self) -> String {
        let message = self.message.as_deref().unwrap_or("");
        format!("{message}{}", Details(&self.details()))
    }

    /// The `errors` entries as text.
    pub fn details(&self) -> Vec<String> {
        self.errors
            .iter()
            .map(|e| match e {
                serde_json::Value::String(s) => s.clone(),
                other => other
                    .get("message")
                    .and_then(serde_json::Value::as_str)
                    .map_or_else(|| other.to_string(), str::to_owned),
            })
            .collect()
    }
}

/// How many attempts a request took before berth gave up on it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tries {
    /// 0: the request is not one berth retries, so there is nothing to say.
    pub attempts: u32,
    /// The wait GitHub asked for (or the backoff) that berth would not take.
    pub refused_wait_secs: Option<u64>,
}

impl fmt::Display for Tries {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.attempts == 0 {
            return Ok(());
        }
        let s = if self.attempts == 1 { "" } else { "s" };
        write!(f, " (gave up after {} attempt{s}", self.attempts)?;
        if let Some(secs) = self.refused_wait_secs {
            write!(f, ", GitHub asked to wait {secs}s")?;
        }
        write!(f, ")")
    }
}

/// ` (detail; detail)` after GitHub's message, when it gave details.
struct Details<'a>(&'a [String]);

impl fmt::Display for Details<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            Ok(())
        } else {
            write!(f, " ({})", self.0.join("; "))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn http(method: Method, status: u16, message: &str, errors: &[&str]) -> PublishError {
        HttpError {
            method,
            route: "/repos/a/b/x".into(),
            status,
            message: message.into(),
            documentation_url: None,
            errors: errors.iter().map(|e| (*e).to_owned()).collect(),
            tries: Tries::default(),
        }
        .into()
    }

    #[test]
    fn refusals_are_read_from_status_and_fields() {
        let fork = "Resource not accessible by integration";
        assert_eq!(
            http(Method::POST, 403, fork, &[]).refusal(),
            Refusal::NotPermitted
        );
        assert_eq!(
            http(
                Method::GET,
                403,
                "Must have admin rights to Repository.",
                &[]
            )
            .refusal(),
            Refusal::NotPermitted
        );
        assert_eq!(
            http(Method::POST, 404, "Not Found", &[]).refusal(),
            Refusal::NotPermitted,
            "GitHub hides what a token may not write to"
        );
        assert_eq!(
            http(Method::GET, 404, "Not Found", &[]).refusal(),
            Refusal::Other
        );
        assert_eq!(
            http(Method::POST, 500, fork, &[]).refusal(),
            Refusal::Other,
            "the words alone do not make a refusal"
        );
        let secondary = "You have exceeded a secondary rate limit. Please wait.";
        assert_eq!(
            http(Method::POST, 403, secondary, &[]).refusal(),
            Refusal::SecondaryRateLimit
        );
        let by_link = ErrorBody {
            message: Some("Forbidden".into()),
            documentation_url: Some(
                "https://docs.github.com/rest/using-the-rest-api/rate-limits-for-the-rest-api#about-secondary-rate-limits".into(),
            ),
            errors: vec![],
        };
        assert_eq!(
            Refusal::of(&Method::GET, 403, &by_link),
            Refusal::SecondaryRateLimit
        );
        assert_eq!(
            Refusal::of(&Method::GET, 422, &by_link),
            Refusal::Other,
            "a rate limit is a 403 or a 429"
        );
        assert_eq!(PublishError::Config("x".into()).refusal(), Refusal::Other);
    }

    #[test]
    fn messages_keep_githubs_words_and_the_tries() {
        let mut e = http(
            Method::POST,
            422,
            "Unprocessable Entity",
            &["Line could not be resolved", "x"],
        );
        assert_eq!(
            e.to_string(),
            "POST /repos/a/b/x: HTTP 422: Unprocessable Entity (Line could not be resolved; x)"
        );
        if let PublishError::Http(h) = &mut e {
            h.tries.refused_wait_secs = Some(90);
        }
        e = e.after_attempts(3);
        assert!(
            e.to_string()
                .ends_with("(gave up after 3 attempts, GitHub asked to wait 90s)")
        );
        let one = Tries {
            attempts: 1,
            refused_wait_secs: None,
        };
        assert_eq!(one.to_string(), " (gave up after 1 attempt)");
    }

    #[test]
    fn redaction_reaches_every_field() {
        let r = Redactor::new(["s3cr3t-token".to_owned()]);
        let e = PublishError::from(HttpError {
            method: Method::GET,
            route: "/x?t=s3cr3t-token".into(),
            status: 422,
            message: "bad s3cr3t-token".into(),
            documentation_url: Some("https://x/s3cr3t-token".into()),
            errors: vec!["s3cr3t-token".into()],
            tries: Tries::default(),
        })
        .redact(&r);
        assert!(!format!("{e:?}").contains("s3cr3t-token"), "{e:?}");
        let n = PublishError::Network {
            method: Method::GET,
            route: "/x".into(),
            detail: "s3cr3t-token".into(),
            tries: Tries::default(),
        }
        .redact(&r);
        assert_eq!(n.to_string(), "GET /x: ***");
    }
}

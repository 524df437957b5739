//! Rate limits: which refusals mean "come back later" (429, a spent primary
//! limit, a secondary limit) and how long to stay away (`Retry-After`, the
//! primary limit's reset, at least a minute for a secondary limit).

use std::time::Duration;

use http::Method;

use super::Reply;
use crate::publish::error::Refusal;

impl Reply {
    /// A refusal that says to come back later: a rate limit, not a "no".
    pub(super) fn rate_limited(&self, method: &Method) -> bool {
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
    pub(super) fn wait(&self, proposed: Duration) -> Duration {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::publish::http::reply::reply;

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
}

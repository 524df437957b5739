//! The retry policy: how many attempts, which backoff (backon, exponential
//! with jitter), and the loop that retries a request within the policy's
//! bounds on single waits and on total time, logging each retry.

use std::cell::Cell;
use std::time::{Duration, Instant};

use backon::{ExponentialBuilder, Retryable as _};
use http::Method;
use serde_json::Value;

use super::{Api, Reply};
use crate::publish::error::{PublishError, Tries};

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

impl Api {
    /// Send one request under the policy. With `idempotent`, 5xx answers and
    /// faults are retried too; without, only rate limits are.
    pub(super) async fn send_inner(
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
}

#[cfg(test)]
mod tests {
    use super::*;

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
}

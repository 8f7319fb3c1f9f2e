//! When and how long to wait before sending a request again.
//!
//! # The retry rule
//!
//! A failed attempt is sent again only when **all** of these hold:
//!
//! 1. attempts are left (`max_attempts` counts the first one) and the
//!    client-wide [`RetryBudget`] can pay for it;
//! 2. the failure is retryable under the [`RetryPolicy`]: a status in
//!    `retry_on_status_codes` (default 429, 500, 502, 503, 504), a timeout
//!    (`retry_on_timeout`) or a transport failure (`retry_on_network_error`);
//! 3. sending again cannot repeat a side effect:
//!    - an **idempotent** request (GET, HEAD, OPTIONS, PUT, DELETE, TRACE, or
//!      any request explicitly marked idempotent) may be sent again after any
//!      retryable failure;
//!    - a **non-idempotent** request (POST, PATCH, CONNECT, unless marked
//!      idempotent) is sent again only when the connection could not be
//!      established (DNS, TCP connect, TLS handshake): then not a byte of it
//!      left this process. Once the request may have been written — a
//!      response came back, the connection broke mid-exchange, or a timeout
//!      elapsed after connecting — it is never sent again.
//!
//! A 401 answered to a request carrying OAuth2 credentials is handled apart
//! from this rule (see [`crate::http::auth`]): the tokens are refreshed and the
//! request is sent once more, whatever its method, because a 401 means the
//! server refused to act on it.
//!
//! # The delay
//!
//! The server's wait hint wins: the `retry_after_header` (default
//! `Retry-After`, delay-seconds or an HTTP date; milliseconds or a Unix
//! timestamp when the definition says so), capped at `max_delay`. Without a
//! usable hint the delay is exponential backoff with full jitter: a uniform
//! random duration in `[0, min(max_delay, initial_delay × base^n))` where `n`
//! is the number of attempts already made minus one.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use reqwest::Method;

use crate::error::Error;

/// Retry settings of one connector (the definition's `x-airbyte-retry-config`,
/// or the reference defaults).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct RetryPolicy {
    /// Total attempts including the first; `1` disables retries. Default 3.
    pub max_attempts: u32,
    /// Backoff before the first retry, before jitter. Default 1 s.
    pub initial_delay: Duration,
    /// Longest wait between attempts, also capping server hints. Default 60 s.
    pub max_delay: Duration,
    /// Growth factor of the backoff. Default 2.
    pub exponential_base: f64,
    /// Whether to apply full jitter to the backoff. Default true.
    pub jitter: bool,
    /// Statuses that are retried. Default 429, 500, 502, 503, 504.
    pub retry_on_status_codes: Vec<u16>,
    /// Whether timeouts are retried. Default true.
    pub retry_on_timeout: bool,
    /// Whether transport failures are retried. Default true.
    pub retry_on_network_error: bool,
    /// Response header holding the server's wait hint. Default `Retry-After`.
    pub retry_after_header: String,
    /// How that header's value is written. Default seconds (or HTTP date).
    pub retry_after_format: RetryAfterFormat,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 3,
            initial_delay: Duration::from_secs(1),
            max_delay: Duration::from_secs(60),
            exponential_base: 2.0,
            jitter: true,
            retry_on_status_codes: vec![429, 500, 502, 503, 504],
            retry_on_timeout: true,
            retry_on_network_error: true,
            retry_after_header: "Retry-After".to_string(),
            retry_after_format: RetryAfterFormat::Seconds,
        }
    }
}

/// How a wait-hint header's value is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum RetryAfterFormat {
    /// Delay in seconds (fractions allowed) or an HTTP date (RFC 9110).
    #[default]
    Seconds,
    /// Delay in milliseconds.
    Milliseconds,
    /// The Unix time (seconds) at which to try again.
    UnixTimestamp,
}

impl RetryAfterFormat {
    /// Parses the definition's spelling (`seconds`, `milliseconds`, `unix_timestamp`).
    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "seconds" => Some(Self::Seconds),
            "milliseconds" => Some(Self::Milliseconds),
            "unix_timestamp" => Some(Self::UnixTimestamp),
            _ => None,
        }
    }
}

impl RetryPolicy {
    /// A policy that never retries.
    pub fn no_retries() -> Self {
        Self {
            max_attempts: 1,
            ..Self::default()
        }
    }

    /// Sets the total number of attempts (at least 1).
    pub fn with_max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }

    /// Sets the initial and maximum backoff delays.
    pub fn with_delays(mut self, initial: Duration, max: Duration) -> Self {
        self.initial_delay = initial;
        self.max_delay = max;
        self
    }

    /// Whether a response with this status may be retried.
    pub fn retries_status(&self, status: u16) -> bool {
        self.retry_on_status_codes.contains(&status)
    }

    /// Parses the wait hint of a response header value, capped at `max_delay`.
    pub fn parse_wait_hint(&self, value: &str) -> Option<Duration> {
        let value = value.trim();
        let wait = match self.retry_after_format {
            RetryAfterFormat::Seconds => crate::http::parse_retry_after(value)?,
            RetryAfterFormat::Milliseconds => {
                let ms: f64 = value.parse().ok()?;
                if !ms.is_finite() || ms < 0.0 {
                    return None;
                }
                crate::http::errors::saturating_secs(ms / 1000.0)
            }
            RetryAfterFormat::UnixTimestamp => {
                let at: f64 = value.parse().ok()?;
                if !at.is_finite() || at < 0.0 {
                    return None;
                }
                let now = SystemTime::now()
                    .duration_since(UNIX_EPOCH)
                    .unwrap_or_default()
                    .as_secs_f64();
                crate::http::errors::saturating_secs((at - now).max(0.0))
            }
        };
        Some(wait.min(self.max_delay))
    }

    /// The backoff before the next attempt, after `attempts_made` attempts
    /// (≥ 1) failed without a usable server hint.
    pub fn backoff(&self, attempts_made: u32) -> Duration {
        let exponent = attempts_made.saturating_sub(1).min(64) as i32;
        let raw = self.initial_delay.as_secs_f64() * self.exponential_base.powi(exponent);
        let cap = self.max_delay.as_secs_f64();
        let capped = if raw.is_finite() { raw.min(cap) } else { cap }.max(0.0);
        let secs = if self.jitter {
            rand::random::<f64>() * capped
        } else {
            capped
        };
        crate::http::errors::saturating_secs(secs)
    }
}

impl From<&crate::definition::extensions::RetryConfig> for RetryPolicy {
    /// The policy of a definition's `x-airbyte-retry-config` (or its defaults).
    fn from(config: &crate::definition::extensions::RetryConfig) -> Self {
        use crate::definition::extensions::RetryAfterFormat as Format;
        let seconds = |s: f64| {
            if s.is_finite() && s > 0.0 {
                crate::http::errors::saturating_secs(s)
            } else {
                Duration::ZERO
            }
        };
        Self {
            max_attempts: config.max_attempts.max(1),
            initial_delay: seconds(config.initial_delay_seconds),
            max_delay: seconds(config.max_delay_seconds),
            exponential_base: if config.exponential_base.is_finite() {
                config.exponential_base
            } else {
                RetryPolicy::default().exponential_base
            },
            jitter: config.jitter,
            retry_on_status_codes: config.retry_on_status_codes.clone(),
            retry_on_timeout: config.retry_on_timeout,
            retry_on_network_error: config.retry_on_network_error,
            retry_after_header: config.retry_after_header.clone(),
            retry_after_format: match config.retry_after_format {
                Format::Seconds => RetryAfterFormat::Seconds,
                Format::Milliseconds => RetryAfterFormat::Milliseconds,
                Format::UnixTimestamp => RetryAfterFormat::UnixTimestamp,
            },
        }
    }
}

/// Whether a method is idempotent by definition (RFC 9110 §9.2.2).
pub fn is_idempotent_method(method: &Method) -> bool {
    matches!(
        *method,
        Method::GET | Method::HEAD | Method::OPTIONS | Method::PUT | Method::DELETE | Method::TRACE
    )
}

/// Why an attempt failed, as far as retrying is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Failure {
    /// A response with this status came back.
    Status(u16),
    /// The connection could not be established: nothing was sent.
    Connect,
    /// A timeout elapsed after the request may have been sent.
    Timeout,
    /// The connection broke after the request may have been sent.
    Transport,
    /// Sending again cannot help (e.g. the response is over the size limit).
    Permanent,
}

impl Failure {
    /// Classifies a transport-level error.
    pub(crate) fn of_transport(err: &reqwest::Error) -> Self {
        if err.is_connect() {
            Failure::Connect
        } else if err.is_timeout() {
            Failure::Timeout
        } else {
            Failure::Transport
        }
    }

    /// The retry budget cost of retrying this failure.
    fn cost(self) -> u32 {
        match self {
            Failure::Status(_) => RetryBudget::RETRY_COST,
            _ => RetryBudget::TRANSPORT_RETRY_COST,
        }
    }
}

impl RetryPolicy {
    /// Whether the failure is retryable under this policy, for a request that
    /// is (or is not) idempotent. Does not look at attempts or the budget.
    pub(crate) fn allows(&self, failure: Failure, idempotent: bool) -> bool {
        match failure {
            // Nothing was sent: safe for every method.
            Failure::Connect => self.retry_on_network_error,
            _ if !idempotent => false,
            Failure::Status(s) => self.retries_status(s),
            Failure::Timeout => self.retry_on_timeout,
            Failure::Transport => self.retry_on_network_error,
            Failure::Permanent => false,
        }
    }
}

/// A client-wide retry allowance (token bucket), shared by every clone of a
/// sender, so a failing vendor cannot trigger a retry storm.
///
/// Each retry withdraws tokens (5 after an error status, 10 after a timeout
/// or transport failure); each success returns one, up to the capacity.
/// When the bucket cannot pay, the failure is returned instead of retried.
#[derive(Debug, Clone)]
pub struct RetryBudget {
    tokens: Arc<AtomicU32>,
    capacity: u32,
}

impl RetryBudget {
    const RETRY_COST: u32 = 5;
    const TRANSPORT_RETRY_COST: u32 = 10;
    /// Default capacity: 100 status retries in a row.
    pub const DEFAULT_CAPACITY: u32 = 500;

    /// A full bucket of `capacity` tokens.
    pub fn new(capacity: u32) -> Self {
        Self {
            tokens: Arc::new(AtomicU32::new(capacity)),
            capacity,
        }
    }

    /// Tokens currently available.
    pub fn available(&self) -> u32 {
        self.tokens.load(Ordering::Relaxed)
    }

    /// Withdraws the cost of retrying `failure`; false when it cannot pay.
    pub(crate) fn try_withdraw(&self, failure: Failure) -> bool {
        let cost = failure.cost();
        self.tokens
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |t| t.checked_sub(cost))
            .is_ok()
    }

    /// Returns one token after a success.
    pub(crate) fn deposit(&self) {
        let _ = self
            .tokens
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |t| {
                (t < self.capacity).then_some(t + 1)
            });
    }
}

impl Default for RetryBudget {
    fn default() -> Self {
        Self::new(Self::DEFAULT_CAPACITY)
    }
}

/// Replaces the wait hint of a rate-limit error with the one the policy read
/// (which may come from a custom header or format).
pub(crate) fn with_wait_hint(err: Error, hint: Option<Duration>) -> Error {
    match err {
        Error::RateLimited { info, retry_after } => Error::RateLimited {
            info,
            retry_after: hint.or(retry_after),
        },
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_match_the_reference() {
        let p = RetryPolicy::default();
        assert_eq!(p.max_attempts, 3);
        assert_eq!(p.initial_delay, Duration::from_secs(1));
        assert_eq!(p.max_delay, Duration::from_secs(60));
        assert_eq!(p.retry_on_status_codes, vec![429, 500, 502, 503, 504]);
        assert!(!p.retries_status(501));
        assert!(!p.retries_status(404));
    }

    #[test]
    fn definition_retry_config_maps_onto_the_policy() {
        let config = crate::definition::extensions::RetryConfig::default();
        assert_eq!(RetryPolicy::from(&config), RetryPolicy::default());
    }

    #[test]
    fn backoff_grows_and_is_capped() {
        let p = RetryPolicy {
            jitter: false,
            ..RetryPolicy::default()
        };
        assert_eq!(p.backoff(1), Duration::from_secs(1));
        assert_eq!(p.backoff(2), Duration::from_secs(2));
        assert_eq!(p.backoff(3), Duration::from_secs(4));
        assert_eq!(p.backoff(30), Duration::from_secs(60));
        assert_eq!(p.backoff(u32::MAX), Duration::from_secs(60));
    }

    #[test]
    fn full_jitter_stays_below_the_backoff() {
        let p = RetryPolicy::default();
        let mut distinct = std::collections::BTreeSet::new();
        for _ in 0..200 {
            let d = p.backoff(3);
            assert!(d < Duration::from_secs(4));
            distinct.insert(d.as_micros());
        }
        assert!(distinct.len() > 100, "jitter should spread the delays");
    }

    #[test]
    fn wait_hints_in_every_format() {
        let p = RetryPolicy::default();
        assert_eq!(p.parse_wait_hint("7"), Some(Duration::from_secs(7)));
        assert_eq!(p.parse_wait_hint("1.5"), Some(Duration::from_millis(1500)));
        assert_eq!(p.parse_wait_hint("3600"), Some(Duration::from_secs(60)));
        assert_eq!(p.parse_wait_hint("later"), None);
        let date = httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(30));
        let d = p.parse_wait_hint(&date).unwrap();
        assert!(d > Duration::from_secs(25) && d <= Duration::from_secs(30));

        let ms = RetryPolicy {
            retry_after_format: RetryAfterFormat::Milliseconds,
            ..RetryPolicy::default()
        };
        assert_eq!(ms.parse_wait_hint("250"), Some(Duration::from_millis(250)));
        assert_eq!(ms.parse_wait_hint("-1"), None);

        let unix = RetryPolicy {
            retry_after_format: RetryAfterFormat::UnixTimestamp,
            ..RetryPolicy::default()
        };
        let at = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs()
            + 20;
        let d = unix.parse_wait_hint(&at.to_string()).unwrap();
        assert!(d > Duration::from_secs(15) && d <= Duration::from_secs(20));
        assert_eq!(unix.parse_wait_hint("1"), Some(Duration::ZERO));
    }

    #[test]
    fn wait_hints_too_large_for_a_duration_are_capped() {
        // Regression: a server's `1e300` panicked in `Duration::from_secs_f64`.
        for format in [
            RetryAfterFormat::Seconds,
            RetryAfterFormat::Milliseconds,
            RetryAfterFormat::UnixTimestamp,
        ] {
            let p = RetryPolicy {
                retry_after_format: format,
                ..RetryPolicy::default()
            };
            assert_eq!(p.parse_wait_hint("1e300"), Some(p.max_delay), "{format:?}");
        }
    }

    #[test]
    fn definition_delays_too_large_for_a_duration_saturate() {
        let config = crate::definition::extensions::RetryConfig {
            initial_delay_seconds: 1e300,
            max_delay_seconds: f64::MAX,
            ..Default::default()
        };
        let p = RetryPolicy::from(&config);
        assert_eq!(p.max_delay, Duration::MAX);
        assert_eq!(p.initial_delay, Duration::MAX);
        let d = p.backoff(3);
        assert!(d <= Duration::MAX);
    }

    #[test]
    fn idempotency_rule() {
        let p = RetryPolicy::default();
        for m in [Method::GET, Method::PUT, Method::DELETE, Method::HEAD] {
            assert!(is_idempotent_method(&m));
        }
        assert!(!is_idempotent_method(&Method::POST));
        assert!(!is_idempotent_method(&Method::PATCH));
        // Non-idempotent: only a failed connect (nothing sent) is retried.
        assert!(p.allows(Failure::Connect, false));
        assert!(!p.allows(Failure::Status(503), false));
        assert!(!p.allows(Failure::Status(429), false));
        assert!(!p.allows(Failure::Timeout, false));
        assert!(!p.allows(Failure::Transport, false));
        // Idempotent: every retryable failure.
        assert!(p.allows(Failure::Status(503), true));
        assert!(!p.allows(Failure::Status(501), true));
        assert!(p.allows(Failure::Timeout, true));
        assert!(p.allows(Failure::Transport, true));
        assert!(!p.allows(Failure::Permanent, true));
        let no_net = RetryPolicy {
            retry_on_network_error: false,
            ..RetryPolicy::default()
        };
        assert!(!no_net.allows(Failure::Connect, true));
    }

    #[test]
    fn budget_is_bounded_and_refills() {
        let b = RetryBudget::new(12);
        assert!(b.try_withdraw(Failure::Status(503)));
        assert!(b.try_withdraw(Failure::Status(503)));
        assert!(!b.try_withdraw(Failure::Status(503)));
        assert_eq!(b.available(), 2);
        for _ in 0..20 {
            b.deposit();
        }
        assert_eq!(b.available(), 12);
        assert!(b.try_withdraw(Failure::Transport));
        assert!(!b.try_withdraw(Failure::Transport));
    }
}

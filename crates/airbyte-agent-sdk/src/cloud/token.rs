//! The bearer-token cache: shared by every clone of a client, refreshed
//! before expiry, and single-flight (concurrent callers on a cold or expired
//! cache wait for one token request instead of each making their own).

use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use secrecy::{ExposeSecret, SecretString};

use crate::error::{Error, HttpErrorInfo, Result};

/// Token lifetime assumed when the token response has no `expires_in`
/// (the reference SDK always assumes 15 minutes).
pub const DEFAULT_TOKEN_LIFETIME: Duration = Duration::from_secs(15 * 60);

/// How long before expiry a token is replaced (the reference uses 60 s).
/// Short-lived tokens use half their lifetime instead, so a token that lives
/// less than two margins is still reused for a while.
pub const TOKEN_REFRESH_MARGIN: Duration = Duration::from_secs(60);

/// A token and the instant after which it must not be used any more.
pub(crate) struct FreshToken {
    pub token: SecretString,
    pub lifetime: Option<Duration>,
}

struct Cached {
    token: SecretString,
    refresh_at: Instant,
}

#[derive(Default)]
struct State {
    cached: Option<Cached>,
    /// The failure of the most recent fetch and the attempt number it ended.
    last_failure: Option<(u64, Error)>,
}

/// Single-flight token cache.
#[derive(Default)]
pub(crate) struct TokenCache {
    state: tokio::sync::Mutex<State>,
    /// Number of fetch attempts finished so far.
    finished_attempts: AtomicU64,
}

impl TokenCache {
    /// Returns a valid token, fetching one with `fetch` when the cache is
    /// empty or due for refresh. Only one fetch runs at a time; callers that
    /// queued behind a failed fetch get a copy of its error rather than
    /// starting a fetch each.
    pub async fn get<F, Fut>(&self, fetch: F) -> Result<SecretString>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<FreshToken>>,
    {
        let attempts_seen = self.finished_attempts.load(Ordering::Acquire);
        let mut state = self.state.lock().await;
        if let Some(c) = &state.cached
            && Instant::now() < c.refresh_at
        {
            return Ok(c.token.clone());
        }
        if let Some((attempt, err)) = &state.last_failure
            && *attempt > attempts_seen
        {
            return Err(replicate(err));
        }
        let outcome = fetch().await;
        let attempt = self.finished_attempts.fetch_add(1, Ordering::AcqRel) + 1;
        match outcome {
            Ok(fresh) => {
                let lifetime = fresh.lifetime.unwrap_or(DEFAULT_TOKEN_LIFETIME);
                let margin = TOKEN_REFRESH_MARGIN.min(lifetime / 2);
                state.cached = Some(Cached {
                    token: fresh.token.clone(),
                    refresh_at: Instant::now() + (lifetime - margin),
                });
                state.last_failure = None;
                Ok(fresh.token)
            }
            Err(e) => {
                state.cached = None;
                state.last_failure = Some((attempt, replicate(&e)));
                Err(e)
            }
        }
    }

    /// Forgets `rejected` if it is still the cached token (after a 401), so
    /// the next [`get`](Self::get) fetches a new one. A token already
    /// replaced by another caller is left alone.
    pub async fn invalidate(&self, rejected: &SecretString) {
        let mut state = self.state.lock().await;
        if state
            .cached
            .as_ref()
            .is_some_and(|c| c.token.expose_secret() == rejected.expose_secret())
        {
            state.cached = None;
        }
    }
}

/// A copy of a token-fetch error for the callers that waited on it. The
/// error type is not `Clone` (it may hold an I/O or transport source), so
/// sources are dropped; kinds, statuses and messages are kept.
fn replicate(e: &Error) -> Error {
    let info = |i: &HttpErrorInfo| Box::new(i.clone());
    match e {
        Error::Authentication { info: i } => Error::Authentication { info: info(i) },
        Error::RateLimited {
            info: i,
            retry_after,
        } => Error::RateLimited {
            info: info(i),
            retry_after: *retry_after,
        },
        Error::Validation { info: i } => Error::Validation { info: info(i) },
        Error::HttpStatus { info: i } => Error::HttpStatus { info: info(i) },
        Error::Network {
            method,
            url,
            message,
            source,
        } => Error::Network {
            method: method.clone(),
            url: url.clone(),
            message: match source {
                Some(s) => format!("{message} ({s})"),
                None => message.clone(),
            },
            source: None,
        },
        Error::Timeout { method, url, after } => Error::Timeout {
            method: method.clone(),
            url: url.clone(),
            after: *after,
        },
        Error::Decode { what, message } => Error::Decode {
            what: what.clone(),
            message: message.clone(),
        },
        other => Error::Execution {
            message: other.to_string(),
        },
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::AtomicUsize;

    use super::*;

    fn fresh(s: &str, lifetime: Option<Duration>) -> Result<FreshToken> {
        Ok(FreshToken {
            token: SecretString::from(s.to_string()),
            lifetime,
        })
    }

    #[tokio::test]
    async fn caches_until_refresh_time() {
        let cache = TokenCache::default();
        let t = cache.get(|| async { fresh("a", None) }).await.unwrap();
        assert_eq!(t.expose_secret(), "a");
        let t = cache.get(|| async { fresh("b", None) }).await.unwrap();
        assert_eq!(t.expose_secret(), "a");
        // A 2 s token is refreshed after 1 s (half its lifetime).
        let cache = TokenCache::default();
        cache
            .get(|| async { fresh("short", Some(Duration::from_secs(2))) })
            .await
            .unwrap();
        tokio::time::sleep(Duration::from_millis(1100)).await;
        let t = cache.get(|| async { fresh("new", None) }).await.unwrap();
        assert_eq!(t.expose_secret(), "new");
    }

    #[tokio::test]
    async fn invalidate_only_drops_the_rejected_token() {
        let cache = TokenCache::default();
        cache.get(|| async { fresh("a", None) }).await.unwrap();
        cache.invalidate(&SecretString::from("other")).await;
        let t = cache.get(|| async { fresh("b", None) }).await.unwrap();
        assert_eq!(t.expose_secret(), "a");
        cache.invalidate(&SecretString::from("a")).await;
        let t = cache.get(|| async { fresh("b", None) }).await.unwrap();
        assert_eq!(t.expose_secret(), "b");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn waiters_share_one_failure() {
        let cache = Arc::new(TokenCache::default());
        let calls = Arc::new(AtomicUsize::new(0));
        let mut tasks = Vec::new();
        for _ in 0..50 {
            let cache = cache.clone();
            let calls = calls.clone();
            tasks.push(tokio::spawn(async move {
                cache
                    .get(|| async move {
                        calls.fetch_add(1, Ordering::SeqCst);
                        tokio::time::sleep(Duration::from_millis(300)).await;
                        Err(Error::from_status(
                            HttpErrorInfo::new(401, "POST", "http://x/token", "bad"),
                            None,
                        ))
                    })
                    .await
            }));
        }
        for t in tasks {
            let e = t.await.unwrap().unwrap_err();
            assert_eq!(e.status(), Some(401));
        }
        assert_eq!(calls.load(Ordering::SeqCst), 1);
        // A later caller tries again.
        let t = cache.get(|| async { fresh("ok", None) }).await.unwrap();
        assert_eq!(t.expose_secret(), "ok");
    }
}

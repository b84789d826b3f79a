//! What can go wrong talking to X or Facebook, classified by what the caller should do, with a
//! plain-words message for the communications officer in front of the screen.

use std::time::Duration;

use chancery_model::accounts::Network;
use chrono::{DateTime, Utc};

use crate::budget::Budget;

/// Which Graph limit was hit (from the error code).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ThrottleScope {
    /// Code 4 (and 341): the app's Platform limit, shared by every Page and user.
    App,
    /// Code 17: the user's limit (user tokens).
    User,
    /// Code 32: this Page's limit.
    Page,
    /// Codes 613 and 80000-80014: a Business Use Case limit (Page and system-user tokens).
    BusinessUseCase,
}

impl ThrottleScope {
    fn words(self) -> &'static str {
        match self {
            ThrottleScope::App => "for the whole Chancery app",
            ThrottleScope::User => "for the signed-in Facebook user",
            ThrottleScope::Page => "for this Page",
            ThrottleScope::BusinessUseCase => "for this Page's business use case",
        }
    }
}

/// Why a sign-in stopped working.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AuthProblem {
    /// The token's lifetime ended (Graph 190/463).
    Expired,
    /// The user or an administrator revoked access, or the token was invalidated (X 401,
    /// `invalid_grant`, Graph 190/467).
    Revoked,
    /// The person changed their password (Graph 190/460).
    PasswordChanged,
    /// Facebook wants the person to log in on facebook.com first (Graph 190/459, 464).
    CheckpointRequired,
    /// The app was removed from the account (Graph 190/458).
    AppRemoved,
    /// Anything else the network called unauthorized.
    Other,
}

/// A classified network error.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum NetError {
    /// X answered 429: the endpoint's window for this token is used up.
    #[error("{network:?} rate limit reached; resets at {reset_at:?}")]
    RateLimited {
        network: Network,
        /// From `x-rate-limit-reset`, when sent.
        reset_at: Option<DateTime<Utc>>,
        detail: String,
    },
    /// X: the monthly/daily usage cap or the credit balance is exhausted (429 usage-capped, 402).
    #[error("usage cap reached: {detail}")]
    UsageCapped { detail: String },
    /// Graph throttling (codes 4, 17, 32, 613, 80000-80014, 341).
    #[error("Facebook throttled the call ({scope:?}, code {code}): {detail}")]
    Throttled {
        scope: ThrottleScope,
        code: u32,
        /// From the usage headers or `Retry-After`.
        retry_after: Option<Duration>,
        detail: String,
    },
    /// The token no longer works: the account must be re-authorised (X 401, Graph 190).
    #[error("{network:?} no longer accepts this sign-in ({problem:?}): {detail}")]
    Unauthorized {
        network: Network,
        problem: AuthProblem,
        /// Graph `error_subcode`, when sent.
        subcode: Option<u32>,
        detail: String,
    },
    /// The token works but lacks a permission or role (Graph 10, 200-299; X 403).
    #[error("{network:?} refused permission: {detail}")]
    Permission { network: Network, detail: String },
    /// Graph 368: temporarily blocked for policy reasons.
    #[error("Facebook blocked the action for policy reasons: {detail}")]
    PolicyBlock { detail: String },
    /// X duplicate-content 403, Graph 506.
    #[error("{network:?} rejected a duplicate post: {detail}")]
    DuplicatePost { network: Network, detail: String },
    /// X (since 23 Feb 2026, self-serve tiers): replies only to posts whose author mentioned or
    /// quoted the account.
    #[error("X does not allow this reply: {detail}")]
    ReplyNotAllowed { detail: String },
    /// 400 and other requests the network calls invalid.
    #[error("{network:?} rejected the request as invalid: {detail}")]
    InvalidRequest { network: Network, detail: String },
    #[error("{network:?} says it does not exist: {detail}")]
    NotFound { network: Network, detail: String },
    /// 5xx, Graph codes 1 and 2.
    #[error("{network:?} server error (HTTP {status}): {detail}")]
    Server {
        network: Network,
        status: u16,
        detail: String,
    },
    /// No answer within the configured time.
    #[error("{endpoint}: no answer in time")]
    Timeout { endpoint: String },
    /// The connection was reset or closed before the answer was complete.
    #[error("{endpoint}: the connection was reset ({detail})")]
    ConnectionReset { endpoint: String, detail: String },
    /// Could not connect at all (offline, DNS, TLS).
    #[error("{endpoint}: could not connect ({detail})")]
    Connect { endpoint: String, detail: String },
    /// The body was not the JSON expected: not JSON, cut short, or the wrong shape.
    #[error("{endpoint}: unreadable answer (HTTP {status}): {reason}; starts with: {snippet}")]
    Malformed {
        endpoint: String,
        status: u16,
        /// The body ended before it was complete.
        truncated: bool,
        reason: String,
        /// The first characters of the body, with secrets redacted.
        snippet: String,
    },
    /// An OAuth flow failed: state mismatch, the person said no, the sign-in window closed.
    #[error("sign-in failed: {detail}")]
    OAuth { detail: String, cancelled: bool },
    /// Any other status the classification does not know.
    #[error("{network:?} answered HTTP {status}: {detail}")]
    Unexpected {
        network: Network,
        status: u16,
        detail: String,
    },
    /// A configuration problem on our side (a base URL that is not a URL, an id with bad
    /// characters).
    #[error("configuration: {0}")]
    Config(String),
}

impl NetError {
    /// Worth trying again later without anyone changing anything.
    pub fn retryable(&self) -> bool {
        matches!(
            self,
            NetError::RateLimited { .. }
                | NetError::Throttled { .. }
                | NetError::Server { .. }
                | NetError::Timeout { .. }
                | NetError::ConnectionReset { .. }
                | NetError::Connect { .. }
                | NetError::Malformed { .. }
        )
    }

    /// The account has to be connected again (a person must sign in).
    pub fn needs_reauth(&self) -> bool {
        matches!(self, NetError::Unauthorized { .. })
    }

    /// When to try again, if the error says: the X reset time, or Graph's wait.
    pub fn retry_at(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        match self {
            NetError::RateLimited { reset_at, .. } => *reset_at,
            NetError::Throttled { retry_after, .. } => retry_after
                .and_then(|d| chrono::Duration::from_std(d).ok())
                .map(|d| now + d),
            _ => None,
        }
    }

    /// What happened and what to do, for a communications officer (no codes, no jargon).
    pub fn plain_words(&self) -> String {
        let site = |n: &Network| match n {
            Network::X => "X",
            Network::Facebook => "Facebook",
        };
        match self {
            NetError::RateLimited { network, reset_at, .. } => match reset_at {
                Some(t) => format!(
                    "{} has limited how often Chancery may do this for this account. It will try again after {} UTC.",
                    site(network),
                    t.format("%H:%M")
                ),
                None => format!(
                    "{} has limited how often Chancery may do this for this account. It will try again shortly.",
                    site(network)
                ),
            },
            NetError::UsageCapped { .. } => "X says the ministry's API allowance (credits or monthly cap) is used up. Reading and posting on X will resume when the allowance is topped up or renewed; tell the digital team.".into(),
            NetError::Throttled { scope, retry_after, .. } => {
                let wait = match retry_after {
                    Some(d) if d.as_secs() >= 60 => format!(" for about {} minutes", d.as_secs().div_ceil(60)),
                    Some(_) => " for a minute".into(),
                    None => " for a while".into(),
                };
                format!(
                    "Facebook has slowed Chancery down {}. Chancery will pause{wait} and then carry on by itself.",
                    scope.words()
                )
            }
            NetError::Unauthorized { network, problem, .. } => {
                let why = match problem {
                    AuthProblem::Expired => "the sign-in has expired",
                    AuthProblem::Revoked => "access was withdrawn or the sign-in is no longer valid",
                    AuthProblem::PasswordChanged => "the account's password was changed",
                    AuthProblem::CheckpointRequired => "Facebook wants someone to log in on facebook.com and confirm the account first",
                    AuthProblem::AppRemoved => "Chancery was removed from the account's connected apps",
                    AuthProblem::Other => "it no longer accepts Chancery's sign-in",
                };
                format!(
                    "{} says {why}. Someone with access to the account needs to reconnect it in Chancery (Accounts > Reconnect).",
                    site(network)
                )
            }
            NetError::Permission { network, .. } => format!(
                "{} says this account is not allowed to do this. Check the account's role or permissions, then reconnect it if they changed.",
                site(network)
            ),
            NetError::PolicyBlock { .. } => "Facebook has temporarily blocked posting from this Page for policy reasons. Do not retry; check the Page's notifications on Facebook (Page quality) and wait for the block to end.".into(),
            NetError::DuplicatePost { network: Network::X, .. } => "X says this account already posted exactly this text. Change the wording if it should go out again.".into(),
            NetError::DuplicatePost { .. } => "Facebook says this Page already published exactly this post. Change the wording if it should go out again.".into(),
            NetError::ReplyNotAllowed { .. } => "X does not let apps reply to this post, because its author has not mentioned or quoted this account. Reply from the X app or website instead, or quote the post.".into(),
            NetError::InvalidRequest { network, detail } => format!(
                "{} refused the request as invalid: {}. Check the text, links and attachments.",
                site(network),
                short(detail)
            ),
            NetError::NotFound { network, .. } => format!(
                "{} says this no longer exists (it may have been deleted).",
                site(network)
            ),
            NetError::Server { network, .. } => format!(
                "{} is having problems right now. Chancery will try again shortly.",
                site(network)
            ),
            NetError::Timeout { .. } => "The network did not answer in time. Chancery will try again; check the internet connection if this keeps happening.".into(),
            NetError::ConnectionReset { .. } => "The connection broke off before the answer arrived. Chancery will try again.".into(),
            NetError::Connect { .. } => "Chancery could not reach the network. Check the internet connection (or proxy); work continues offline and syncs later.".into(),
            NetError::Malformed { .. } => "The network sent an answer Chancery could not read. It will try again; if this keeps happening, report it to the digital team.".into(),
            NetError::OAuth { cancelled: true, .. } => "Sign-in was cancelled or not approved. Nothing was changed; start again to connect the account.".into(),
            NetError::OAuth { detail, .. } => format!("Sign-in did not complete ({}). Start again to connect the account.", short(detail)),
            NetError::Unexpected { network, status, .. } => format!(
                "{} answered in an unexpected way (HTTP {status}). Chancery will not retry this by itself; report it to the digital team if it repeats.",
                site(network)
            ),
            NetError::Config(detail) => format!("Chancery is not configured correctly: {}.", short(detail)),
        }
    }
}

fn short(s: &str) -> String {
    crate::redact::snippet(s.trim().trim_end_matches('.'), 160)
}

/// A failed call: the classified error and what the headers said about limits.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{error}")]
pub struct NetFailure {
    pub error: NetError,
    pub budget: Budget,
}

impl NetFailure {
    pub fn new(error: NetError) -> Self {
        NetFailure {
            error,
            budget: Budget::default(),
        }
    }

    pub fn with_budget(error: NetError, budget: Budget) -> Self {
        NetFailure { error, budget }
    }
}

impl From<NetError> for NetFailure {
    fn from(error: NetError) -> Self {
        NetFailure::new(error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all() -> Vec<NetError> {
        let n = Network::X;
        let d = || "d".to_string();
        vec![
            NetError::RateLimited {
                network: n,
                reset_at: None,
                detail: d(),
            },
            NetError::UsageCapped { detail: d() },
            NetError::Throttled {
                scope: ThrottleScope::Page,
                code: 32,
                retry_after: Some(Duration::from_secs(600)),
                detail: d(),
            },
            NetError::Unauthorized {
                network: Network::Facebook,
                problem: AuthProblem::PasswordChanged,
                subcode: Some(460),
                detail: d(),
            },
            NetError::Permission {
                network: n,
                detail: d(),
            },
            NetError::PolicyBlock { detail: d() },
            NetError::DuplicatePost {
                network: n,
                detail: d(),
            },
            NetError::DuplicatePost {
                network: Network::Facebook,
                detail: d(),
            },
            NetError::ReplyNotAllowed { detail: d() },
            NetError::InvalidRequest {
                network: n,
                detail: d(),
            },
            NetError::NotFound {
                network: n,
                detail: d(),
            },
            NetError::Server {
                network: n,
                status: 503,
                detail: d(),
            },
            NetError::Timeout {
                endpoint: "x.mentions".into(),
            },
            NetError::ConnectionReset {
                endpoint: "x.mentions".into(),
                detail: d(),
            },
            NetError::Connect {
                endpoint: "x.mentions".into(),
                detail: d(),
            },
            NetError::Malformed {
                endpoint: "e".into(),
                status: 200,
                truncated: true,
                reason: d(),
                snippet: d(),
            },
            NetError::OAuth {
                detail: d(),
                cancelled: false,
            },
            NetError::Unexpected {
                network: n,
                status: 418,
                detail: d(),
            },
            NetError::Config(d()),
        ]
    }

    #[test]
    fn every_error_has_plain_words_without_codes() {
        for e in all() {
            let w = e.plain_words();
            assert!(w.len() > 20, "{e:?}: {w}");
            assert!(
                !w.contains("190") && !w.contains("368") && !w.contains("506"),
                "{w}"
            );
        }
    }

    #[test]
    fn retryable_split() {
        let retryable: Vec<bool> = all().iter().map(NetError::retryable).collect();
        assert_eq!(
            retryable,
            vec![
                true, false, true, false, false, false, false, false, false, false, false, true,
                true, true, true, true, false, false, false
            ]
        );
    }

    #[test]
    fn specific_messages() {
        let dup = NetError::DuplicatePost {
            network: Network::X,
            detail: "x".into(),
        };
        assert!(dup
            .plain_words()
            .contains("already posted exactly this text"));
        let policy = NetError::PolicyBlock { detail: "x".into() };
        assert!(policy
            .plain_words()
            .starts_with("Facebook has temporarily blocked posting from this Page"));
        let t = NetError::Throttled {
            scope: ThrottleScope::Page,
            code: 32,
            retry_after: Some(Duration::from_secs(600)),
            detail: "x".into(),
        };
        assert!(
            t.plain_words().contains("about 10 minutes"),
            "{}",
            t.plain_words()
        );
    }
}

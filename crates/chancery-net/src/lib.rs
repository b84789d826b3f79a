//! chancery-net: HTTP clients for the X API v2 and the Facebook Graph API.
//!
//! - [`XClient`] and [`GraphClient`]: one method per endpoint Chancery uses. Every call returns
//!   a [`Reply`] (data + [`Budget`] read from the rate-limit/usage headers + status) or a
//!   [`NetFailure`] (a classified [`NetError`] + the [`Budget`]). The sync planner schedules
//!   from the budgets of both.
//! - [`NetError`]: what went wrong, [`NetError::retryable`], [`NetError::needs_reauth`],
//!   [`NetError::retry_at`] and [`NetError::plain_words`] for people.
//! - [`mapping`]: the networks' objects → [`chancery_model::items::NewItem`] or
//!   [`chancery_model::items::MalformedPayload`] (a bad object never fails its page).
//! - [`oauth`]: the RFC 8252 loopback redirect, X PKCE (refresh with rotation, revoke) and
//!   Facebook Login.
//!
//! Tokens are [`secrecy::SecretString`]s; they are exposed only to build an `Authorization`
//! header (or the query of Meta's `oauth/access_token`, whose URL is never logged). A span per
//! request records the method, the endpoint's name, the account label, the status, the
//! duration and the rate-limit remaining; never a URL, a token or a body. The clients do not
//! retry: the caller decides, from [`NetError::retryable`] and the budget.

// A failure carries the budget read from its headers (the planner needs it most on a 429), so
// the error type is large; failures are rare next to the I/O they report.
#![allow(clippy::result_large_err)]

pub mod budget;
pub mod config;
pub mod error;
pub mod graph;
pub mod mapping;
pub mod oauth;
pub mod redact;
mod transport;
pub mod x;

use secrecy::SecretString;

pub use budget::{BucUsage, Budget, MetaUsage, XRateLimit};
pub use config::{NetConfig, DEFAULT_GRAPH_VERSION, GRAPH_API_BASE, X_API_BASE};
pub use error::{AuthProblem, NetError, NetFailure, ThrottleScope};
pub use graph::{CommentOrder, CommentsQuery, GraphClient, ListQuery, NewPagePost, PhotoSource};
pub use transport::{NetResult, Reply};
pub use x::{MediaCategory, NewPost, TimelineQuery, XClient};

/// The token a call is made with, and a label for the account it belongs to (its id), which is
/// all the logs see.
#[derive(Debug, Clone, Copy)]
pub struct Auth<'a> {
    pub token: &'a SecretString,
    pub account: &'a str,
}

impl<'a> Auth<'a> {
    pub fn new(token: &'a SecretString, account: &'a str) -> Self {
        Auth { token, account }
    }
}

#[cfg(test)]
mod tests {
    use static_assertions::assert_not_impl_any;

    // Tokens cannot be serialised or printed as text by accident.
    assert_not_impl_any!(secrecy::SecretString: serde::Serialize, std::fmt::Display);
    assert_not_impl_any!(crate::oauth::XTokens: serde::Serialize);
    assert_not_impl_any!(crate::graph::wire::PageAccount: serde::Serialize);
    assert_not_impl_any!(crate::graph::wire::GraphAccessToken: serde::Serialize);
}

//! OAuth for a desktop app: the RFC 8252 loopback redirect, X's Authorization Code with PKCE
//! (refresh with rotation, revoke) and Facebook Login.

pub mod facebook;
pub mod loopback;
pub mod x;

pub use facebook::{
    FacebookAuthorization, FacebookCode, FacebookLoginConfig, FACEBOOK_PAGE_SCOPES,
};
pub use loopback::{LoopbackOptions, LoopbackRedirect, RedirectCode};
pub use x::{TokenHint, XAuthorization, XOAuth, XOAuthConfig, XTokens, X_SCOPES};

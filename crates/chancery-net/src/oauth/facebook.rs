//! Facebook Login (manual flow) through the loopback redirect: the Login dialog URL with a
//! random `state`, then the code. The code exchange (`oauth/access_token`), the long-lived
//! token and `/me/accounts` (Page tokens) are [`crate::GraphClient`] calls.

use std::time::Duration;

use oauth2::basic::BasicClient;
use oauth2::{AuthUrl, ClientId, CsrfToken, RedirectUrl, Scope};
use secrecy::SecretString;
use url::Url;

use super::loopback::{LoopbackOptions, LoopbackRedirect};
use crate::error::NetError;

/// What a Page-management app asks for.
pub const FACEBOOK_PAGE_SCOPES: &[&str] = &[
    "pages_show_list",
    "pages_read_engagement",
    "pages_read_user_content",
    "pages_manage_posts",
    "pages_manage_engagement",
    "pages_messaging",
    "pages_manage_metadata",
];

/// The Facebook app's Login settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FacebookLoginConfig {
    pub app_id: String,
    /// `https://www.facebook.com/v24.0/dialog/oauth`
    pub dialog_url: Url,
    pub scopes: Vec<String>,
}

impl FacebookLoginConfig {
    pub fn new(
        app_id: impl Into<String>,
        dialog_url: &str,
    ) -> Result<FacebookLoginConfig, NetError> {
        Ok(FacebookLoginConfig {
            app_id: app_id.into(),
            dialog_url: Url::parse(dialog_url)
                .map_err(|e| NetError::Config(format!("`{dialog_url}`: {e}")))?,
            scopes: FACEBOOK_PAGE_SCOPES.iter().map(|s| s.to_string()).collect(),
        })
    }

    /// The real dialog for a Graph version.
    pub fn production(
        app_id: impl Into<String>,
        graph_version: &str,
    ) -> Result<FacebookLoginConfig, NetError> {
        FacebookLoginConfig::new(
            app_id,
            &format!("https://www.facebook.com/{graph_version}/dialog/oauth"),
        )
    }

    /// Binds the loopback listener and builds the dialog URL.
    pub async fn start(
        &self,
        loopback: &LoopbackOptions,
    ) -> Result<FacebookAuthorization, NetError> {
        let redirect = LoopbackRedirect::bind(loopback).await?;
        let client = BasicClient::new(ClientId::new(self.app_id.clone()))
            .set_auth_uri(AuthUrl::from_url(self.dialog_url.clone()))
            .set_redirect_uri(RedirectUrl::from_url(redirect.redirect_uri().clone()));
        let (url, state) = client
            .authorize_url(CsrfToken::new_random)
            .add_scopes(self.scopes.iter().map(|s| Scope::new(s.clone())))
            .url();
        Ok(FacebookAuthorization {
            url,
            state,
            redirect,
        })
    }
}

/// A Facebook Login in progress.
#[derive(Debug)]
pub struct FacebookAuthorization {
    url: Url,
    state: CsrfToken,
    redirect: LoopbackRedirect,
}

/// The code and the redirect URI it was issued for (the exchange needs both).
#[derive(Debug)]
pub struct FacebookCode {
    pub code: SecretString,
    pub redirect_uri: Url,
}

impl FacebookAuthorization {
    pub fn authorize_url(&self) -> &Url {
        &self.url
    }

    pub fn redirect_uri(&self) -> &Url {
        self.redirect.redirect_uri()
    }

    /// Waits (at most `timeout`) for the browser to come back with a code.
    pub async fn wait_for_code(self, timeout: Duration) -> Result<FacebookCode, NetError> {
        let redirect_uri = self.redirect.redirect_uri().clone();
        let got = self.redirect.wait(self.state.secret(), timeout).await?;
        Ok(FacebookCode {
            code: got.code,
            redirect_uri,
        })
    }
}

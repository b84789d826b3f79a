//! The manifest: where the sandbox listens, every account it hosts and ready credentials.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Network {
    X,
    Facebook,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AccountKind {
    Embassy,
    Minister,
    Ambassador,
    Ministry,
}

/// Everything a client needs to talk to a running sandbox.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    pub sandbox: SandboxInfo,
    pub x: XApp,
    pub facebook: FacebookApp,
    pub accounts: Vec<ManifestAccount>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SandboxInfo {
    /// e.g. `http://127.0.0.1:41234/`
    pub base_url: String,
    /// e.g. `http://127.0.0.1:41234/__sandbox/`
    pub admin_url: String,
    pub seed: u64,
    pub time_scale: f64,
    /// `classic` or `current`.
    pub x_naming: String,
    /// The virtual clock at start (RFC 3339).
    pub virtual_start: String,
    pub history_days: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct XApp {
    /// Base for `/2/...` calls (no trailing `/2`), e.g. `http://127.0.0.1:41234`.
    pub api_base: String,
    pub authorize_url: String,
    pub token_url: String,
    pub revoke_url: String,
    /// OAuth 2.0 public client id (PKCE, no secret needed).
    pub client_id: String,
    /// For confidential-client (Basic auth) flows.
    pub client_secret: String,
    /// App-only bearer token (read-only).
    pub app_bearer_token: String,
    /// Which redirect URIs the authorize page accepts.
    pub redirect_uri_rule: String,
    pub scopes: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FacebookApp {
    /// Base including the version, e.g. `http://127.0.0.1:41234/v24.0`.
    pub graph_api_base: String,
    pub graph_version: String,
    pub login_dialog_url: String,
    /// `GET` endpoint for code exchange and `fb_exchange_token`.
    pub access_token_url: String,
    pub app_id: String,
    pub app_secret: String,
    /// The sandbox officer who manages every Page.
    pub user_id: String,
    pub user_name: String,
    /// A long-lived user token (60 days, scaled by time_scale).
    pub user_access_token: String,
    pub user_token_expires_at: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ManifestAccount {
    pub network: Network,
    pub id: String,
    /// X username (no `@`) or Facebook Page username.
    pub username: String,
    pub display_name: String,
    pub avatar_url: String,
    /// IANA time zone of the post.
    pub time_zone: String,
    /// BCP 47 language the account mostly posts and is written to in.
    pub language: String,
    pub kind: AccountKind,
    /// e.g. `["Europe", "Embassy in Paris"]`.
    pub group: Vec<String>,
    pub credentials: Credentials,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Credentials {
    XUser {
        access_token: String,
        refresh_token: String,
        /// When the access token expires (real time, RFC 3339).
        expires_at: String,
        scopes: Vec<String>,
    },
    FacebookPage {
        page_access_token: String,
        tasks: Vec<String>,
    },
}

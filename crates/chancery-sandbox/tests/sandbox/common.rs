//! Shared helpers: starting sandboxes, picking accounts, locating the conformance data.

use std::path::PathBuf;
use std::time::Duration;

use chancery_sandbox::{Credentials, Manifest, ManifestAccount, Network, Sandbox, SandboxConfig};
use chrono::{TimeZone, Utc};
use serde_json::Value;

/// The shared conformance folder: `$CHANCERY_CONFORMANCE_DIR`, else
/// `<workspace root>/../shared/conformance`. Missing data fails the test (no silent skip).
pub fn conformance_dir() -> PathBuf {
    if let Ok(d) = std::env::var("CHANCERY_CONFORMANCE_DIR") {
        let p = PathBuf::from(d);
        assert!(
            p.is_dir(),
            "CHANCERY_CONFORMANCE_DIR={} is not a directory",
            p.display()
        );
        return p;
    }
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let p = root.join("../shared/conformance");
    assert!(
        p.is_dir(),
        "conformance data not found at {} — set CHANCERY_CONFORMANCE_DIR to the folder holding x-api/ and graph-api/",
        p.display()
    );
    p
}

pub fn load_json(rel: &str) -> Value {
    let p = conformance_dir().join(rel);
    let text =
        std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("cannot read {}: {e}", p.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{} is not JSON: {e}", p.display()))
}

/// A fixed virtual start so pages are reproducible.
pub fn fixed_start() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 24, 10, 0, 0)
        .single()
        .expect("valid date")
}

pub fn small_config() -> SandboxConfig {
    SandboxConfig::default()
        .x_accounts(20)
        .fb_pages(12)
        .seed(42)
}

pub async fn start(cfg: SandboxConfig) -> (Sandbox, Manifest, reqwest::Client) {
    let sb = Sandbox::start(cfg, "127.0.0.1:0".parse().expect("addr"))
        .await
        .expect("sandbox starts");
    let m = sb.manifest();
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(20))
        .build()
        .expect("client");
    (sb, m, client)
}

pub fn x_accounts(m: &Manifest) -> Vec<&ManifestAccount> {
    m.accounts
        .iter()
        .filter(|a| a.network == Network::X)
        .collect()
}

pub fn pages(m: &Manifest) -> Vec<&ManifestAccount> {
    m.accounts
        .iter()
        .filter(|a| a.network == Network::Facebook)
        .collect()
}

/// (id, access token, refresh token) of X account `i`.
pub fn x_user(m: &Manifest, i: usize) -> (String, String, String) {
    let a = x_accounts(m)[i];
    match &a.credentials {
        Credentials::XUser {
            access_token,
            refresh_token,
            ..
        } => (a.id.clone(), access_token.clone(), refresh_token.clone()),
        _ => panic!("not an X account"),
    }
}

/// (id, page token) of Page `i`.
pub fn page(m: &Manifest, i: usize) -> (String, String) {
    let a = pages(m)[i];
    match &a.credentials {
        Credentials::FacebookPage {
            page_access_token, ..
        } => (a.id.clone(), page_access_token.clone()),
        _ => panic!("not a Page"),
    }
}

pub fn base(m: &Manifest) -> String {
    m.sandbox.base_url.trim_end_matches('/').to_string()
}

pub async fn get_json(
    c: &reqwest::Client,
    url: &str,
    token: &str,
) -> (u16, reqwest::header::HeaderMap, Value) {
    let r = c.get(url).bearer_auth(token).send().await.expect("request");
    let status = r.status().as_u16();
    let headers = r.headers().clone();
    let text = r.text().await.expect("body");
    let v = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{url}: not JSON ({e}): {text}"));
    (status, headers, v)
}

pub fn header(h: &reqwest::header::HeaderMap, k: &str) -> Option<String> {
    h.get(k).and_then(|v| v.to_str().ok()).map(str::to_string)
}

//! The workspace: which services it talks to (the real X and Facebook, or a rehearsal
//! sandbox), its keyring namespace, and the clients built from that at start-up.
//!
//! Settings live in `<data_dir>/workspace.json` (no secrets in it). A rehearsal workspace that
//! runs on the embedded sandbox stores "embedded sandbox with seed S" rather than URLs: the
//! sandbox gets a new random loopback port at every launch, so the URLs are resolved when the
//! app starts. Its credentials are namespaced in the keyring under the workspace's own id
//! (`rehearsal-<uuid>`), so rehearsal tokens never mix with real ones.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use chancery_net::oauth::{FacebookLoginConfig, XOAuth, XOAuthConfig};
use chancery_net::{GraphClient, NetConfig, XClient};
use chancery_sandbox::{Manifest, Sandbox, SandboxConfig, XNaming};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::CoreError;

/// The settings file in the data folder.
pub const SETTINGS_FILE: &str = "workspace.json";

/// Real or rehearsal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WorkspaceKind {
    Live,
    Rehearsal,
}

/// Where the workspace's API calls go.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Endpoints {
    /// The real X and Graph APIs with the ministry's registered apps.
    Production {
        x_client_id: Option<String>,
        facebook_app_id: Option<String>,
        graph_version: String,
    },
    /// The sandbox inside the app, started at launch on a random loopback port.
    EmbeddedSandbox {
        seed: u64,
        #[serde(default)]
        x_naming: Option<String>,
        #[serde(default)]
        time_scale: Option<f64>,
    },
    /// A sandbox (or another stand-in) already running at fixed URLs.
    External {
        x_api_base: String,
        x_authorize_url: String,
        x_token_url: String,
        x_revoke_url: String,
        x_client_id: String,
        graph_api_base: String,
        facebook_dialog_url: String,
        facebook_app_id: String,
    },
}

/// `workspace.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WorkspaceSettings {
    /// Names the keyring namespace (`chancery/<id>`).
    pub id: String,
    pub name: String,
    pub kind: WorkspaceKind,
    pub endpoints: Endpoints,
    pub created_at: DateTime<Utc>,
    /// The rehearsal bootstrap finished (accounts, credentials and demo people are in place).
    #[serde(default)]
    pub bootstrapped: bool,
}

pub fn settings_path(data_dir: &Path) -> PathBuf {
    data_dir.join(SETTINGS_FILE)
}

/// Reads `workspace.json`; `None` when there is none yet.
pub fn load_settings(data_dir: &Path) -> Result<Option<WorkspaceSettings>, CoreError> {
    let path = settings_path(data_dir);
    match std::fs::read(&path) {
        Ok(bytes) => serde_json::from_slice(&bytes)
            .map(Some)
            .map_err(|e| CoreError::Internal(format!("{} is damaged: {e}", path.display()))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(CoreError::io(format!("reading {}", path.display()), e)),
    }
}

/// Writes `workspace.json` atomically (temporary file, then rename).
pub fn save_settings(data_dir: &Path, settings: &WorkspaceSettings) -> Result<(), CoreError> {
    let path = settings_path(data_dir);
    let tmp = data_dir.join(format!("{SETTINGS_FILE}.tmp"));
    let json = serde_json::to_vec_pretty(settings)
        .map_err(|e| CoreError::Internal(format!("workspace settings: {e}")))?;
    std::fs::write(&tmp, json)
        .map_err(|e| CoreError::io(format!("writing {}", tmp.display()), e))?;
    std::fs::rename(&tmp, &path)
        .map_err(|e| CoreError::io(format!("replacing {}", path.display()), e))
}

/// The clients and OAuth settings of the running workspace.
pub struct WorkspaceRuntime {
    pub settings: Option<WorkspaceSettings>,
    pub net: NetConfig,
    pub x: XClient,
    pub graph: GraphClient,
    pub x_oauth: Option<XOAuth>,
    pub facebook_login: Option<FacebookLoginConfig>,
    /// The embedded sandbox, kept running as long as the app.
    pub sandbox: Option<Sandbox>,
}

impl std::fmt::Debug for WorkspaceRuntime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WorkspaceRuntime")
            .field("settings", &self.settings)
            .field("net", &self.net)
            .field("sandbox", &self.sandbox.as_ref().map(|s| s.local_addr()))
            .finish()
    }
}

fn net_err(e: chancery_net::NetError) -> CoreError {
    CoreError::Internal(format!("network settings: {e}"))
}

fn naming(s: Option<&str>) -> Result<XNaming, CoreError> {
    match s {
        None => Ok(XNaming::Classic),
        Some(v) => v.parse().map_err(CoreError::Validation),
    }
}

/// Starts the embedded sandbox of a rehearsal workspace on a random loopback port.
pub async fn start_embedded_sandbox(
    seed: u64,
    x_naming: Option<&str>,
    time_scale: Option<f64>,
) -> Result<Sandbox, CoreError> {
    // The embedded sandbox lives in the app's process: small render caches (8 MiB each) keep
    // it inside the app's memory budget; the demo's traffic needs nothing faster.
    let mut config = SandboxConfig::default()
        .seed(seed)
        .x_naming(naming(x_naming)?)
        .render_cache_bytes(8 << 20);
    if let Some(t) = time_scale {
        config = config.time_scale(t);
    }
    let addr: SocketAddr = SocketAddr::from(([127, 0, 0, 1], 0));
    Sandbox::start(config, addr)
        .await
        .map_err(|e| CoreError::Internal(format!("the rehearsal sandbox could not start: {e}")))
}

/// Endpoints of a running sandbox, for [`Endpoints::External`].
pub fn external_endpoints(manifest: &Manifest) -> Endpoints {
    Endpoints::External {
        x_api_base: manifest.x.api_base.clone(),
        x_authorize_url: manifest.x.authorize_url.clone(),
        x_token_url: manifest.x.token_url.clone(),
        x_revoke_url: manifest.x.revoke_url.clone(),
        x_client_id: manifest.x.client_id.clone(),
        graph_api_base: manifest.facebook.graph_api_base.clone(),
        facebook_dialog_url: manifest.facebook.login_dialog_url.clone(),
        facebook_app_id: manifest.facebook.app_id.clone(),
    }
}

impl WorkspaceRuntime {
    /// Resolves the endpoints (starting the embedded sandbox if the workspace uses one) and
    /// builds the clients. A workspace without settings talks to the real services and has no
    /// apps configured yet.
    pub async fn start(settings: Option<WorkspaceSettings>) -> Result<WorkspaceRuntime, CoreError> {
        let endpoints =
            settings
                .as_ref()
                .map(|s| s.endpoints.clone())
                .unwrap_or(Endpoints::Production {
                    x_client_id: None,
                    facebook_app_id: None,
                    graph_version: chancery_net::DEFAULT_GRAPH_VERSION.to_string(),
                });
        let mut sandbox = None;
        let (net, x_oauth_cfg, fb_cfg) = match &endpoints {
            Endpoints::Production {
                x_client_id,
                facebook_app_id,
                graph_version,
            } => {
                let net = NetConfig::production().graph_version(graph_version.clone());
                let x = x_client_id
                    .as_ref()
                    .map(|id| XOAuthConfig::production(id.clone()))
                    .transpose()
                    .map_err(net_err)?;
                let fb = facebook_app_id
                    .as_ref()
                    .map(|id| FacebookLoginConfig::production(id.clone(), graph_version))
                    .transpose()
                    .map_err(net_err)?;
                (net, x, fb)
            }
            Endpoints::EmbeddedSandbox {
                seed,
                x_naming,
                time_scale,
            } => {
                let sb = start_embedded_sandbox(*seed, x_naming.as_deref(), *time_scale).await?;
                let m = sb.manifest();
                let resolved = from_manifest(&m)?;
                tracing::info!(base = %m.sandbox.base_url, seed, "rehearsal sandbox started");
                sandbox = Some(sb);
                resolved
            }
            Endpoints::External {
                x_api_base,
                x_authorize_url,
                x_token_url,
                x_revoke_url,
                x_client_id,
                graph_api_base,
                facebook_dialog_url,
                facebook_app_id,
            } => {
                let net = NetConfig::with_bases(x_api_base, graph_api_base).map_err(net_err)?;
                let x = XOAuthConfig::new(
                    x_client_id.clone(),
                    x_authorize_url,
                    x_token_url,
                    x_revoke_url,
                )
                .map_err(net_err)?;
                let fb = FacebookLoginConfig::new(facebook_app_id.clone(), facebook_dialog_url)
                    .map_err(net_err)?;
                (net, Some(x), Some(fb))
            }
        };
        let http = net.http_client().map_err(net_err)?;
        let x = XClient::with_http(http.clone(), &net);
        let graph = GraphClient::with_http(http, &net).map_err(net_err)?;
        let x_oauth = x_oauth_cfg
            .map(|c| XOAuth::new(c, &net))
            .transpose()
            .map_err(net_err)?;
        Ok(WorkspaceRuntime {
            settings,
            net,
            x,
            graph,
            x_oauth,
            facebook_login: fb_cfg,
            sandbox,
        })
    }
}

fn from_manifest(
    m: &Manifest,
) -> Result<(NetConfig, Option<XOAuthConfig>, Option<FacebookLoginConfig>), CoreError> {
    let net = NetConfig::with_bases(&m.x.api_base, &m.facebook.graph_api_base).map_err(net_err)?;
    let x = XOAuthConfig::new(
        m.x.client_id.clone(),
        &m.x.authorize_url,
        &m.x.token_url,
        &m.x.revoke_url,
    )
    .map_err(net_err)?;
    let fb = FacebookLoginConfig::new(m.facebook.app_id.clone(), &m.facebook.login_dialog_url)
        .map_err(net_err)?;
    Ok((net, Some(x), Some(fb)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_round_trip_and_missing_file() {
        let dir = tempfile::tempdir().unwrap();
        assert!(load_settings(dir.path()).unwrap().is_none());
        let s = WorkspaceSettings {
            id: "rehearsal-1".into(),
            name: "Rehearsal".into(),
            kind: WorkspaceKind::Rehearsal,
            endpoints: Endpoints::EmbeddedSandbox {
                seed: 7,
                x_naming: None,
                time_scale: None,
            },
            created_at: Utc::now(),
            bootstrapped: false,
        };
        save_settings(dir.path(), &s).unwrap();
        assert_eq!(load_settings(dir.path()).unwrap().unwrap(), s);
        let text = std::fs::read_to_string(settings_path(dir.path())).unwrap();
        assert!(text.contains("embedded_sandbox"), "{text}");
        std::fs::write(settings_path(dir.path()), "{broken").unwrap();
        assert!(load_settings(dir.path()).is_err());
    }

    #[tokio::test]
    async fn embedded_sandbox_urls_are_resolved_at_start() {
        let settings = WorkspaceSettings {
            id: "rehearsal-2".into(),
            name: "Rehearsal".into(),
            kind: WorkspaceKind::Rehearsal,
            endpoints: Endpoints::EmbeddedSandbox {
                seed: 5,
                x_naming: Some("current".into()),
                time_scale: None,
            },
            created_at: Utc::now(),
            bootstrapped: true,
        };
        let a = WorkspaceRuntime::start(Some(settings.clone()))
            .await
            .unwrap();
        let b = WorkspaceRuntime::start(Some(settings)).await.unwrap();
        let (pa, pb) = (
            a.sandbox.as_ref().unwrap().local_addr(),
            b.sandbox.as_ref().unwrap().local_addr(),
        );
        assert_ne!(pa.port(), pb.port());
        assert_eq!(a.net.x_api_base.port(), Some(pa.port()));
        assert!(a.net.x_api_base.host_str() == Some("127.0.0.1"));
        assert!(a.x_oauth.is_some() && a.facebook_login.is_some());
        // Same seed, same world: the same X client id on both launches.
        assert_eq!(
            a.x_oauth.unwrap().config().client_id,
            b.x_oauth.unwrap().config().client_id
        );
    }
}

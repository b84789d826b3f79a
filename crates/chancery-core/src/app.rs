//! The facade every host calls.

use std::path::PathBuf;
use std::sync::Arc;

use chancery_model::{CheckOutcome, SystemCheck};
use tokio::sync::broadcast;

use crate::secrets::Keyring;
use crate::{CoreError, CoreEvent};

/// The app's identifier (as in tauri.conf.json): names its data, log and keyring folders.
pub const APP_IDENTIFIER: &str = "app.chancery.desktop";

/// The platform's per-user data folder for Chancery (the desktop app and the CLI share it):
/// `~/.local/share/app.chancery.desktop` on Linux, `~/Library/Application Support/...` on
/// macOS, `%APPDATA%\...` on Windows.
pub fn default_data_dir() -> Option<PathBuf> {
    dirs::data_dir().map(|d| d.join(APP_IDENTIFIER))
}

/// How many events may wait for a slow subscriber before it starts missing them.
const EVENT_BUFFER: usize = 4096;

/// Where the app keeps its data and which workspace it opens.
#[derive(Debug, Clone)]
pub struct AppConfig {
    /// Folder for the SQLite cache and cached avatars.
    pub data_dir: PathBuf,
    /// Names the keyring namespace of this workspace's credentials when the data folder has no
    /// `workspace.json` yet (a workspace with settings uses the id in them).
    pub workspace_id: String,
}

/// The running core. Cheap to share: hosts keep it in an `Arc`.
pub struct App {
    config: AppConfig,
    keyring: Keyring,
    events: broadcast::Sender<CoreEvent>,
    store: chancery_store::Store,
    /// Endpoints, API clients and the embedded sandbox (see `workspace.rs`).
    pub(crate) workspace: crate::workspace::WorkspaceRuntime,
    /// Refresh locks and the in-memory token cache (see `tokens.rs`).
    pub(crate) token_state: crate::tokens::TokenState,
    /// Who is signed in (see `session.rs`).
    pub(crate) session: std::sync::Mutex<Option<chancery_model::accounts::PersonId>>,
    /// Background services (see `runtime.rs`).
    pub(crate) background: tokio::sync::Mutex<crate::runtime::Background>,
}

impl App {
    /// Open (creating if needed) the data folder.
    pub async fn open(config: AppConfig) -> Result<Arc<App>, CoreError> {
        tokio::fs::create_dir_all(&config.data_dir)
            .await
            .map_err(|e| {
                CoreError::io(
                    format!("creating the data folder {}", config.data_dir.display()),
                    e,
                )
            })?;
        let settings = crate::workspace::load_settings(&config.data_dir)?;
        let keyring = Keyring::for_workspace(
            settings
                .as_ref()
                .map_or(config.workspace_id.as_str(), |s| s.id.as_str()),
        );
        let t0 = std::time::Instant::now();
        let workspace = crate::workspace::WorkspaceRuntime::start(settings).await?;
        let sandbox_ms = t0.elapsed().as_millis() as u64;
        let (events, _) = broadcast::channel(EVENT_BUFFER);
        let db = config.data_dir.join("chancery.db");
        let store = chancery_store::Store::open(&db).await.map_err(|e| {
            CoreError::Internal(format!("opening the database {}: {e}", db.display()))
        })?;
        let store_ms = t0.elapsed().as_millis() as u64 - sandbox_ms;
        let app = Arc::new(App {
            config,
            keyring,
            events,
            store,
            workspace,
            token_state: crate::tokens::TokenState::default(),
            session: std::sync::Mutex::new(None),
            background: tokio::sync::Mutex::new(crate::runtime::Background::default()),
        });
        tracing::info!(data_dir = %app.config.data_dir.display(), sandbox_ms, store_ms, "core opened");
        app.emit(CoreEvent::Ready {
            data_dir: app.config.data_dir.display().to_string(),
        });
        Ok(app)
    }

    /// Subscribe to the core's events. Each subscriber gets every event sent after it subscribed.
    pub fn subscribe(&self) -> broadcast::Receiver<CoreEvent> {
        self.events.subscribe()
    }

    pub(crate) fn emit(&self, event: CoreEvent) {
        // No subscriber is fine: the desktop shell subscribes, the CLI often does not.
        let _ = self.events.send(event);
    }

    /// The workspace's database (`<data_dir>/chancery.db`).
    pub fn store(&self) -> &chancery_store::Store {
        &self.store
    }

    pub fn keyring(&self) -> &Keyring {
        &self.keyring
    }

    /// The data folder (database, avatars, `workspace.json`).
    pub fn data_dir(&self) -> &std::path::Path {
        &self.config.data_dir
    }

    /// The keyring namespace id of this workspace (`rehearsal-...` for rehearsals).
    pub fn workspace_id(&self) -> &str {
        self.workspace
            .settings
            .as_ref()
            .map_or(self.config.workspace_id.as_str(), |s| s.id.as_str())
    }

    /// `workspace.json` as read at start-up (`None` for a workspace not set up yet).
    pub fn workspace_settings(&self) -> Option<&crate::workspace::WorkspaceSettings> {
        self.workspace.settings.as_ref()
    }

    /// The resolved network settings (base URLs are the embedded sandbox's for a rehearsal).
    pub fn net_config(&self) -> &chancery_net::NetConfig {
        &self.workspace.net
    }

    /// The X client of this workspace (shares its connection pool with the Graph client).
    pub fn x_client(&self) -> &chancery_net::XClient {
        &self.workspace.x
    }

    /// The Graph client of this workspace.
    pub fn graph_client(&self) -> &chancery_net::GraphClient {
        &self.workspace.graph
    }

    /// The embedded rehearsal sandbox, when this workspace runs one.
    pub fn sandbox(&self) -> Option<&chancery_sandbox::Sandbox> {
        self.workspace.sandbox.as_ref()
    }

    /// The app's version, data folder, and a live check of the OS credential store.
    pub async fn system_check(&self) -> SystemCheck {
        let keychain = match self.keyring.self_test().await {
            Ok(()) => CheckOutcome {
                ok: true,
                message: "The OS credential store works (probe written, read and deleted).".into(),
            },
            Err(e) => CheckOutcome {
                ok: false,
                message: e.to_string(),
            },
        };
        SystemCheck {
            version: env!("CARGO_PKG_VERSION").to_string(),
            data_dir: self.config.data_dir.display().to_string(),
            keyring_service: self.keyring.service().to_string(),
            keychain,
        }
    }
}

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
    /// Names the keyring namespace of this workspace's credentials.
    pub workspace_id: String,
}

/// The running core. Cheap to share: hosts keep it in an `Arc`.
pub struct App {
    config: AppConfig,
    keyring: Keyring,
    events: broadcast::Sender<CoreEvent>,
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
        let keyring = Keyring::for_workspace(&config.workspace_id);
        let (events, _) = broadcast::channel(EVENT_BUFFER);
        let app = Arc::new(App {
            config,
            keyring,
            events,
        });
        tracing::info!(data_dir = %app.config.data_dir.display(), "core opened");
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

    pub fn keyring(&self) -> &Keyring {
        &self.keyring
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

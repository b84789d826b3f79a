//! Accounts: the registry, token health, connecting, import and export.

use chancery_core::accounts::transfer::FileFormat;
use chancery_core::accounts::{AccountHealth, ImportReport};
use chancery_core::connect::ConnectOptions;
use chancery_model::accounts::{Account, AccountListing, GroupNode, Network};
use tauri::AppHandle;
use tauri_plugin_opener::OpenerExt;

use super::{reply, Core, Reply};

/// Every account with its group path.
#[tauri::command]
#[specta::specta]
pub async fn list_accounts(core: Core<'_>) -> Reply<Vec<AccountListing>> {
    reply(core.list_accounts(None).await)
}

/// The group tree (regions > posts, ministers, ambassadors).
#[tauri::command]
#[specta::specta]
pub async fn group_tree(core: Core<'_>) -> Reply<Vec<GroupNode>> {
    reply(core.group_tree().await)
}

/// Token health of every account: expiry, last refresh, needs re-authorisation.
#[tauri::command]
#[specta::specta]
pub async fn account_health(core: Core<'_>) -> Reply<Vec<AccountHealth>> {
    reply(core.account_health().await)
}

/// Connect (or reconnect) accounts: opens the network's sign-in page in the system browser
/// and waits for it to come back to Chancery.
#[tauri::command]
#[specta::specta]
pub async fn connect_account(
    app: AppHandle,
    core: Core<'_>,
    network: Network,
) -> Reply<Vec<Account>> {
    let open = |url: &url::Url| {
        if let Err(e) = app.opener().open_url(url.as_str(), None::<&str>) {
            tracing::warn!(error = %e, "could not open the browser for sign-in");
        }
    };
    let opts = ConnectOptions::default();
    let connected = match network {
        Network::X => core.connect_x(open, &opts).await.map(|a| vec![a]),
        Network::Facebook => core.connect_facebook(open, &opts).await,
    };
    let connected = reply(connected)?;
    for a in &connected {
        core.sync_reconnected(a.id).await;
    }
    Ok(connected)
}

/// Import accounts from CSV or JSON text. Nothing is imported if any row is invalid; the
/// report lists every problem with its row number.
#[tauri::command]
#[specta::specta]
pub async fn import_accounts(
    core: Core<'_>,
    text: String,
    format: FileFormat,
) -> Reply<ImportReport> {
    reply(
        core.import_accounts(&text, format, chrono::Utc::now())
            .await,
    )
}

/// Export every account as CSV or JSON text.
#[tauri::command]
#[specta::specta]
pub async fn export_accounts(core: Core<'_>, format: FileFormat) -> Reply<String> {
    reply(core.export_accounts(format).await)
}

//! The desktop around the window: OS notifications for the signed-in person, and a tray icon
//! whose tooltip carries the unread count (on platforms that have a tray).

use std::sync::Arc;

use chancery_core::notices::notice_for;
use chancery_core::{App, CoreEvent};
use tauri::menu::{Menu, MenuItem};
use tauri::tray::{TrayIcon, TrayIconBuilder};
use tauri::{AppHandle, Manager};
use tauri_plugin_notification::NotificationExt;

/// Show the OS notifications these events deserve for whoever is signed in.
pub fn notify(app: &AppHandle, core: &App, events: &[CoreEvent]) {
    let Some(me) = core.signed_in() else { return };
    for event in events {
        if let Some(n) = notice_for(event, me) {
            if let Err(e) = app
                .notification()
                .builder()
                .title(&n.title)
                .body(&n.body)
                .show()
            {
                tracing::debug!(error = %e, "notification not shown");
            }
        }
    }
}

/// Do these events change unread counts?
pub fn touches_counts(events: &[CoreEvent]) -> bool {
    events.iter().any(|e| {
        matches!(
            e,
            CoreEvent::ItemsArrived { .. } | CoreEvent::ItemsTriaged { .. }
        )
    })
}

/// The tray icon: open the window, quit. Absent where the platform has no tray.
pub fn build_tray(app: &AppHandle) -> Option<TrayIcon> {
    let show = MenuItem::with_id(app, "show", "Open Chancery", true, None::<&str>).ok()?;
    let quit = MenuItem::with_id(app, "quit", "Quit", true, None::<&str>).ok()?;
    let menu = Menu::with_items(app, &[&show, &quit]).ok()?;
    let icon = app.default_window_icon()?.clone();
    let tray = TrayIconBuilder::with_id("main")
        .icon(icon)
        .tooltip("Chancery")
        .menu(&menu)
        .on_menu_event(|app, event| match event.id().as_ref() {
            "show" => {
                if let Some(w) = app.get_webview_window("main") {
                    let _ = w.show();
                    let _ = w.set_focus();
                }
            }
            "quit" => app.exit(0),
            _ => {}
        })
        .build(app);
    match tray {
        Ok(t) => Some(t),
        Err(e) => {
            tracing::info!(error = %e, "no tray icon on this desktop");
            None
        }
    }
}

/// Put the total unread count on the tray icon's tooltip (and title where shown).
pub async fn update_tray(app: &AppHandle, core: &Arc<App>) {
    let Some(tray) = app.tray_by_id("main") else {
        return;
    };
    let Ok(counts) = core.unread_counts().await else {
        return;
    };
    let unread: u64 = counts.accounts.iter().map(|a| u64::from(a.unread)).sum();
    let text = if unread == 0 {
        "Chancery: nothing unread".to_string()
    } else {
        format!("Chancery: {unread} unread")
    };
    let _ = tray.set_tooltip(Some(&text));
    #[cfg(target_os = "macos")]
    let _ = tray.set_title(Some(&unread.to_string()));
}

//! The unified inbox.

use chancery_model::inbox::{
    InboxFilter, InboxPage, Thread, TriageChange, TriageOutcome, UnreadCounts,
};
use chancery_model::items::{InboxItem, ItemId, Note};

use super::{reply, Core, Reply};

/// One page of the inbox, newest first; pass the previous page's `nextCursor` for the next.
#[tauri::command]
#[specta::specta]
pub async fn inbox_page(
    core: Core<'_>,
    filter: InboxFilter,
    cursor: Option<String>,
    limit: u32,
) -> Reply<InboxPage> {
    reply(core.inbox_page(&filter, cursor.as_deref(), limit).await)
}

/// Those of `itemIds` that match `filter`, newest first (for merging late arrivals).
#[tauri::command]
#[specta::specta]
pub async fn inbox_items_among(
    core: Core<'_>,
    filter: InboxFilter,
    item_ids: Vec<ItemId>,
) -> Reply<Vec<InboxItem>> {
    reply(core.inbox_items_among(&filter, &item_ids).await)
}

/// Unread and open counts for every account and group.
#[tauri::command]
#[specta::specta]
pub async fn unread_counts(core: Core<'_>) -> Reply<UnreadCounts> {
    reply(core.unread_counts().await)
}

/// The conversation an item belongs to.
#[tauri::command]
#[specta::specta]
pub async fn item_thread(core: Core<'_>, item_id: ItemId) -> Reply<Thread> {
    reply(core.thread(item_id).await)
}

#[tauri::command]
#[specta::specta]
pub async fn item_notes(core: Core<'_>, item_id: ItemId) -> Reply<Vec<Note>> {
    reply(core.item_notes(item_id).await)
}

/// Mark done, assign, tag or untag items (one or many), as the signed-in person.
#[tauri::command]
#[specta::specta]
pub async fn triage_items(
    core: Core<'_>,
    item_ids: Vec<ItemId>,
    change: TriageChange,
) -> Reply<TriageOutcome> {
    reply(core.triage(&item_ids, &change, chrono::Utc::now()).await)
}

#[tauri::command]
#[specta::specta]
pub async fn add_note(core: Core<'_>, item_id: ItemId, text: String) -> Reply<Note> {
    reply(core.add_note(item_id, &text, chrono::Utc::now()).await)
}

/// The signed-in person's saved inbox views (named filters), by name.
#[tauri::command]
#[specta::specta]
pub async fn inbox_views(core: Core<'_>) -> Reply<Vec<chancery_core::inbox_views::InboxView>> {
    reply(core.inbox_views().await)
}

/// Save the filter as a named view of the signed-in person (replacing one of the same name);
/// `sinceHours` keeps a moving time window ("the last 24 hours").
#[tauri::command]
#[specta::specta]
pub async fn save_inbox_view(
    core: Core<'_>,
    name: String,
    filter: InboxFilter,
    since_hours: Option<u32>,
) -> Reply<chancery_core::inbox_views::InboxView> {
    reply(
        core.save_inbox_view(&name, filter, since_hours, chrono::Utc::now())
            .await,
    )
}

#[tauri::command]
#[specta::specta]
pub async fn delete_inbox_view(core: Core<'_>, view_id: String) -> Reply<()> {
    reply(core.delete_inbox_view(&view_id, chrono::Utc::now()).await)
}

/// The tags in use, most used first (for the tag filter and the tag picker).
#[tauri::command]
#[specta::specta]
pub async fn inbox_tags(core: Core<'_>) -> Reply<Vec<chancery_core::activity::TagCount>> {
    reply(core.inbox_tags(200).await)
}

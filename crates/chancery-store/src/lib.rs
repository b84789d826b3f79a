//! Chancery's local SQLite cache: the account registry, the unified inbox, triage state, sync
//! cursors, the quarantine and full-text search.
//!
//! Everything goes through [`Store`], which wraps two sqlx pools over one WAL database file: a
//! single writer connection (writes are serialised, each in a `BEGIN IMMEDIATE` transaction)
//! and a few reader connections. The schema is described in `docs/schema.md`.
//!
//! The SQLite `rowid` of `items` (column `seq`) is local to this crate; items are known
//! outside by their [`ItemId`] (UUIDv5 of account id and network id, see [`item_id`]).

pub mod activity;
mod audit_log;
mod columns;
mod drafts;
mod error;
mod inbox;
mod ingest;
mod outbox;
mod pauses;
mod raw_payload;
mod registry;
pub mod search_text;
mod settings;
mod sync_state;
mod triage;

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use chancery_model::accounts::AccountId;
use chancery_model::items::ItemId;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use uuid::Uuid;

pub use audit_log::{audit_entry_hash, AuditRecord, AUDIT_GENESIS};
pub use drafts::{DraftChange, DraftFilter};
pub use error::{StoreError, StoreResult};
pub use inbox::{DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE};
pub use ingest::{IngestPage, MAX_EXTERNAL_ID_BYTES, MAX_RAW_BYTES, MAX_TEXT_CHARS};
pub use outbox::OutboxFilter;
pub use settings::SETTING_PREFIX;
pub use triage::{MAX_NOTE_CHARS, MAX_TAG_CHARS};

/// Namespace of item ids: UUIDv5(ITEM_NAMESPACE, account id bytes || external id bytes).
pub const ITEM_NAMESPACE: Uuid = Uuid::from_u128(0x6c1f_3b0e_8a57_4d2b_9e61_c4a8_0f3d_72e5);

/// The public id of the item `external_id` of `account`: the same on every machine.
pub fn item_id(account: AccountId, external_id: &str) -> ItemId {
    let mut name = Vec::with_capacity(16 + external_id.len());
    name.extend_from_slice(account.0.as_bytes());
    name.extend_from_slice(external_id.as_bytes());
    ItemId(Uuid::new_v5(&ITEM_NAMESPACE, &name))
}

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// The whole schema as one SQL script (every migration in order), e.g. to build the same
/// schema with the `sqlite3` CLI (the ingest benchmark does).
pub fn schema_sql() -> String {
    let mut out = String::new();
    for m in MIGRATOR.iter() {
        out.push_str(&format!("-- migration {} {}\n", m.version, m.description));
        out.push_str(m.sql.as_str());
        out.push('\n');
    }
    out
}

/// How many reader connections the store keeps.
const READERS: u32 = 4;

/// The local cache. Cheap to clone (the pools are shared).
#[derive(Clone, Debug)]
pub struct Store {
    write: SqlitePool,
    read: SqlitePool,
}

impl Store {
    /// Open (creating if needed) the database at `path` and bring its schema up to date.
    pub async fn open(path: impl AsRef<Path>) -> StoreResult<Store> {
        let options = SqliteConnectOptions::new()
            .filename(path.as_ref())
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10))
            .statement_cache_capacity(256)
            // SQLite's own cache per connection: 16 MiB each keeps the five connections' heap
            // bounded (64 MiB each let a sync with a 1M-item cache reach 358 MB RSS).
            .pragma("cache_size", "-16384")
            .pragma("temp_store", "memory")
            // Checkpoint the WAL every 32 MiB instead of 4 MiB: far fewer fsyncs and page
            // rewrites during a backfill (the WAL shrinks back when the store closes).
            .pragma("wal_autocheckpoint", "8192");
        // The writer reads pages through read() into its own cache: mapped pages would count in
        // the process's RSS for every index page a sync touches (117-148 MB with a 1M-item
        // cache, against 8-12 MB of heap). The readers serve the inbox from a memory map of
        // the file (shared with the kernel's page cache, no copy per connection).
        let write = SqlitePoolOptions::new()
            .max_connections(1)
            .test_before_acquire(false)
            .min_connections(1)
            .idle_timeout(None)
            .max_lifetime(None)
            .connect_with(options.clone().pragma("mmap_size", "0"))
            .await?;
        MIGRATOR.run(&write).await?;
        let read = SqlitePoolOptions::new()
            .max_connections(READERS)
            .test_before_acquire(false)
            .min_connections(1)
            .idle_timeout(None)
            .max_lifetime(None)
            .connect_with(options.read_only(true).pragma("mmap_size", "1073741824"))
            .await?;
        let store = Store { write, read };
        store.check_search_normaliser().await?;
        Ok(store)
    }

    /// Close both pools (waits for connections to be returned).
    pub async fn close(&self) {
        self.read.close().await;
        self.write.close().await;
    }

    /// Update the planner's statistics (`PRAGMA optimize`). Cheap; call after large syncs and
    /// at shutdown.
    pub async fn optimize(&self) -> StoreResult<()> {
        sqlx::query("PRAGMA optimize").execute(&self.write).await?;
        Ok(())
    }

    /// If the search normaliser changed since the index was built, re-index every item.
    async fn check_search_normaliser(&self) -> StoreResult<()> {
        let stored: Option<String> =
            sqlx::query_scalar("SELECT value FROM store_meta WHERE key = 'search_normaliser'")
                .fetch_optional(&self.write)
                .await?;
        let current = search_text::NORMALISER_VERSION;
        match stored.as_deref().map(u32::from_str) {
            Some(Ok(v)) if v == current => Ok(()),
            None => {
                // A new database, or one whose items were indexed before the version was
                // recorded: re-indexing is cheap when empty and right otherwise.
                self.reindex_search().await
            }
            _ => self.reindex_search().await,
        }
    }

    /// Recompute the indexed text of every item with the current normaliser, rebuild the
    /// full-text index, and record the normaliser version.
    pub async fn reindex_search(&self) -> StoreResult<()> {
        let mut tx = self.write.begin_with("BEGIN IMMEDIATE").await?;
        let mut after = i64::MIN;
        loop {
            let rows: Vec<(i64, String, Option<String>)> = sqlx::query_as(
                "SELECT id, text, search_body FROM item_bodies WHERE id > ? ORDER BY id LIMIT 1000",
            )
            .bind(after)
            .fetch_all(&mut *tx)
            .await?;
            let Some(last) = rows.last() else { break };
            after = last.0;
            for (id, text, stored) in rows {
                let fresh = search_text::search_body(&text);
                if fresh != stored {
                    // No trigger on bodies: the rebuild below re-indexes everything.
                    sqlx::query("UPDATE item_bodies SET search_body = ? WHERE id = ?")
                        .bind(fresh)
                        .bind(id)
                        .execute(&mut *tx)
                        .await?;
                }
            }
        }
        sqlx::query("INSERT INTO items_fts (items_fts) VALUES ('rebuild')")
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO store_meta (key, value) VALUES ('search_normaliser', ?)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        )
        .bind(search_text::NORMALISER_VERSION.to_string())
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }
}

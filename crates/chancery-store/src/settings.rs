//! Workspace settings kept in the database: rows of `store_meta` whose key starts with
//! `setting.` (other keys of that table are the store's own bookkeeping). A change is written
//! with its audit entry in one transaction.

use crate::audit_log::{append_audit, AuditRecord};
use crate::error::{StoreError, StoreResult};
use crate::Store;

/// Every setting key starts with this.
pub const SETTING_PREFIX: &str = "setting.";

fn check_key(key: &str) -> StoreResult<()> {
    if key.len() > SETTING_PREFIX.len() && key.starts_with(SETTING_PREFIX) && key.len() <= 200 {
        Ok(())
    } else {
        Err(StoreError::Invalid(format!(
            "a setting key starts with `{SETTING_PREFIX}` (got {key:?})"
        )))
    }
}

impl Store {
    /// The value of a workspace setting, if it was ever set.
    pub async fn setting(&self, key: &str) -> StoreResult<Option<String>> {
        check_key(key)?;
        Ok(
            sqlx::query_scalar("SELECT value FROM store_meta WHERE key = ?")
                .bind(key)
                .fetch_optional(&self.read)
                .await?,
        )
    }

    /// Set a workspace setting and append its audit entry, in one transaction.
    pub async fn set_setting(
        &self,
        key: &str,
        value: &str,
        audit: &AuditRecord,
    ) -> StoreResult<()> {
        check_key(key)?;
        let mut tx = self.write.begin_with("BEGIN IMMEDIATE").await?;
        sqlx::query(
            "INSERT INTO store_meta (key, value) VALUES (?, ?)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        )
        .bind(key)
        .bind(value)
        .execute(&mut *tx)
        .await?;
        append_audit(&mut tx, std::slice::from_ref(audit)).await?;
        tx.commit().await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};

    fn record(value: &str) -> AuditRecord {
        AuditRecord {
            at: Utc.with_ymd_and_hms(2026, 6, 1, 9, 0, 0).unwrap(),
            actor_id: None,
            actor_name: "system".into(),
            action: "settings.changed".into(),
            subject_kind: "setting".into(),
            subject_id: "setting.test".into(),
            content_hash: None,
            details: serde_json::json!({ "value": value }),
        }
    }

    #[tokio::test]
    async fn settings_are_kept_with_their_audit_entry_and_keys_are_namespaced() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path().join("chancery.db")).await.unwrap();
        assert_eq!(store.setting("setting.test").await.unwrap(), None);
        store
            .set_setting("setting.test", "1800", &record("1800"))
            .await
            .unwrap();
        store
            .set_setting("setting.test", "2700", &record("2700"))
            .await
            .unwrap();
        assert_eq!(
            store.setting("setting.test").await.unwrap().as_deref(),
            Some("2700")
        );
        let trail = store
            .audit_entries_for("setting", "setting.test")
            .await
            .unwrap();
        assert_eq!(trail.len(), 2);
        assert!(store.verify_audit_log().await.unwrap().ok);
        // The store's own bookkeeping rows cannot be reached through settings.
        assert!(store.setting("search_normaliser").await.is_err());
        assert!(store
            .set_setting("search_normaliser", "0", &record("0"))
            .await
            .is_err());
    }
}

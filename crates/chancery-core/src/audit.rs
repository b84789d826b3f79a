//! The audit trail as the rest of the core uses it: building records (who, what, when, on
//! which content hash), verifying the chain, and exporting it for records officers.
//!
//! The chain itself (hashing, appending in the action's own transaction, verification) is in
//! `chancery_store::audit_log`; see there for the guarantees.

use std::io::Write;

use chancery_model::accounts::PersonId;
use chancery_model::audit::{AuditEntry, AuditVerification};
use chancery_store::{AuditRecord, StoreError};
use chrono::{DateTime, Utc};

use crate::{App, CoreError};

/// The name the system acts under (expiries, pauses that run out, publisher outcomes).
pub const SYSTEM_ACTOR: &str = "system";

pub(crate) fn store_error(e: StoreError) -> CoreError {
    match e {
        StoreError::NotFound(m) => CoreError::NotFound(format!("{m} not found")),
        StoreError::Invalid(m) => CoreError::Validation(m),
        StoreError::Conflict(m) => CoreError::Conflict(m),
        other => CoreError::Internal(other.to_string()),
    }
}

/// Who did something, as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub id: Option<PersonId>,
    pub name: String,
}

impl Actor {
    pub fn system() -> Self {
        Actor {
            id: None,
            name: SYSTEM_ACTOR.into(),
        }
    }

    pub(crate) fn record(
        &self,
        at: DateTime<Utc>,
        action: &str,
        subject_kind: &str,
        subject_id: impl ToString,
        content_hash: Option<&str>,
        details: serde_json::Value,
    ) -> AuditRecord {
        AuditRecord {
            at,
            actor_id: self.id,
            actor_name: self.name.clone(),
            action: action.into(),
            subject_kind: subject_kind.into(),
            subject_id: subject_id.to_string(),
            content_hash: content_hash.map(str::to_string),
            details: if details.is_object() {
                details
            } else {
                serde_json::json!({ "value": details })
            },
        }
    }
}

/// Export formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    Csv,
    Json,
}

impl ExportFormat {
    pub fn parse(s: &str) -> Option<Self> {
        match s.to_ascii_lowercase().as_str() {
            "csv" => Some(ExportFormat::Csv),
            "json" => Some(ExportFormat::Json),
            _ => None,
        }
    }
}

/// Entries read per page while exporting.
const EXPORT_PAGE: u32 = 1000;

impl App {
    /// The person `id` as an actor (refused if unknown or deactivated).
    pub async fn actor(&self, id: PersonId) -> Result<Actor, CoreError> {
        let p = self
            .store()
            .get_person(id)
            .await
            .map_err(store_error)?
            .ok_or_else(|| CoreError::NotFound(format!("person {id} not found")))?;
        if !p.active {
            return Err(CoreError::Forbidden(format!(
                "{} is deactivated and cannot act",
                p.display_name
            )));
        }
        Ok(Actor {
            id: Some(p.id),
            name: p.display_name,
        })
    }

    /// Check the whole audit chain.
    pub async fn verify_audit(&self) -> Result<AuditVerification, CoreError> {
        self.store().verify_audit_log().await.map_err(store_error)
    }

    /// Every entry about one subject (`draft`, `outbox`, `pause`, `policy`), in order.
    pub async fn audit_trail(
        &self,
        subject_kind: &str,
        subject_id: &str,
    ) -> Result<Vec<AuditEntry>, CoreError> {
        self.store()
            .audit_entries_for(subject_kind, subject_id)
            .await
            .map_err(store_error)
    }

    /// Write the whole log to `out` as CSV (one row per entry, a header row first) or JSON (an
    /// array of entries). Every field is included, hashes too, so the export can be checked
    /// independently. Returns the number of entries written.
    pub async fn export_audit(
        &self,
        format: ExportFormat,
        out: &mut (dyn Write + Send),
    ) -> Result<u64, CoreError> {
        let io = |e: std::io::Error| CoreError::io("writing the audit export", e);
        let csv_err = |e: csv::Error| CoreError::Internal(format!("writing CSV: {e}"));
        let mut after = 0u64;
        let mut n = 0u64;
        match format {
            ExportFormat::Csv => {
                let mut w = csv::Writer::from_writer(Vec::new());
                w.write_record([
                    "seq",
                    "id",
                    "at",
                    "actor_id",
                    "actor_name",
                    "action",
                    "subject_kind",
                    "subject_id",
                    "content_hash",
                    "details",
                    "prev_hash",
                    "entry_hash",
                ])
                .map_err(csv_err)?;
                out.write_all(
                    &w.into_inner()
                        .map_err(|e| CoreError::Internal(e.to_string()))?,
                )
                .map_err(io)?;
            }
            ExportFormat::Json => out.write_all(b"[").map_err(io)?,
        }
        loop {
            let page = self
                .store()
                .audit_entries(after, EXPORT_PAGE)
                .await
                .map_err(store_error)?;
            let Some(last) = page.last() else { break };
            after = last.seq;
            match format {
                ExportFormat::Csv => {
                    let mut w = csv::WriterBuilder::new()
                        .has_headers(false)
                        .from_writer(Vec::new());
                    for e in &page {
                        w.write_record([
                            e.seq.to_string(),
                            e.id.to_string(),
                            e.at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
                            e.actor_id.map(|p| p.to_string()).unwrap_or_default(),
                            e.actor_name.clone(),
                            e.action.clone(),
                            e.subject_kind.clone(),
                            e.subject_id.clone(),
                            e.content_hash.clone().unwrap_or_default(),
                            e.details.clone(),
                            e.prev_hash.clone(),
                            e.entry_hash.clone(),
                        ])
                        .map_err(csv_err)?;
                        n += 1;
                    }
                    out.write_all(
                        &w.into_inner()
                            .map_err(|e| CoreError::Internal(e.to_string()))?,
                    )
                    .map_err(io)?;
                }
                ExportFormat::Json => {
                    for e in &page {
                        if n > 0 {
                            out.write_all(b",").map_err(io)?;
                        }
                        out.write_all(b"\n  ").map_err(io)?;
                        serde_json::to_writer(&mut *out, e)
                            .map_err(|e| CoreError::Internal(e.to_string()))?;
                        n += 1;
                    }
                }
            }
        }
        if format == ExportFormat::Json {
            out.write_all(if n > 0 { b"\n]\n" } else { b"]\n" })
                .map_err(io)?;
        }
        out.flush().map_err(io)?;
        Ok(n)
    }
}

//! The hash-chained audit trail: verify catches every kind of tampering with the SQLite file,
//! concurrent writers never fork the chain, and the export has every entry.

use chancery_core::audit::ExportFormat;
use chancery_model::approvals::StepMode;
use chancery_model::audit::AuditEntry;
use chancery_model::drafts::{AuditEntryId, Schedule};
use chancery_store::{audit_entry_hash, AuditRecord, Store};

use super::approvals::raw_connection;
use super::world::{mins, t0, World};

/// A world with a few audited actions (policies, a draft's life).
async fn busy_world() -> World {
    let w = World::new(StepMode::Any).await;
    let olivia = w.actor("olivia").await;
    let d = w
        .app
        .create_draft(
            &olivia,
            w.content(
                "For the record",
                vec![w.account_target("tokyo_x")],
                Schedule::Now,
            ),
            t0(),
        )
        .await
        .unwrap();
    let d = w.app.submit(&olivia, d.id, t0() + mins(1)).await.unwrap();
    w.app
        .approve(
            &w.actor("dana").await,
            d.id,
            &d.content_hash,
            t0() + mins(2),
        )
        .await
        .unwrap();
    let v = w.app.verify_audit().await.unwrap();
    assert!(v.ok, "{v:?}");
    assert!(v.entries_checked >= 7, "{v:?}");
    w
}

async fn drop_guards(conn: &mut sqlx::SqliteConnection) {
    // An attacker with the file can drop the append-only triggers first.
    sqlx::query("DROP TRIGGER audit_log_no_update")
        .execute(&mut *conn)
        .await
        .unwrap();
    sqlx::query("DROP TRIGGER audit_log_no_delete")
        .execute(&mut *conn)
        .await
        .unwrap();
}

#[tokio::test]
async fn the_log_refuses_updates_and_deletes_through_sql() {
    let w = busy_world().await;
    let mut conn = raw_connection(&w).await;
    let e = sqlx::query("UPDATE audit_log SET actor_name = 'someone else' WHERE seq = 1")
        .execute(&mut conn)
        .await
        .unwrap_err();
    assert!(e.to_string().contains("append-only"), "{e}");
    let e = sqlx::query("DELETE FROM audit_log WHERE seq = 1")
        .execute(&mut conn)
        .await
        .unwrap_err();
    assert!(e.to_string().contains("append-only"), "{e}");
}

#[tokio::test]
async fn verify_catches_an_edited_entry() {
    let w = busy_world().await;
    let mut conn = raw_connection(&w).await;
    drop_guards(&mut conn).await;
    // Change who approved.
    let seq: i64 =
        sqlx::query_scalar("SELECT seq FROM audit_log WHERE action = 'draft.approval_recorded'")
            .fetch_one(&mut conn)
            .await
            .unwrap();
    let name: String = sqlx::query_scalar("SELECT actor_name FROM audit_log WHERE seq = ?")
        .bind(seq)
        .fetch_one(&mut conn)
        .await
        .unwrap();
    assert_eq!(name, "Dana Lead");
    sqlx::query("UPDATE audit_log SET actor_name = 'Olivia Officer' WHERE seq = ?")
        .bind(seq)
        .execute(&mut conn)
        .await
        .unwrap();
    let v = w.app.verify_audit().await.unwrap();
    assert!(!v.ok);
    let bad = v.first_bad.unwrap();
    assert_eq!(bad.seq, seq as u64);
    assert!(
        bad.problem.contains("does not match its hash"),
        "{}",
        bad.problem
    );
    assert_eq!(v.entries_checked, seq as u64 - 1);
}

#[tokio::test]
async fn verify_catches_a_deleted_entry_in_the_middle_and_at_the_end() {
    let w = busy_world().await;
    let mut conn = raw_connection(&w).await;
    drop_guards(&mut conn).await;
    sqlx::query("DELETE FROM audit_log WHERE seq = 4")
        .execute(&mut conn)
        .await
        .unwrap();
    let bad = w.app.verify_audit().await.unwrap().first_bad.unwrap();
    assert_eq!(bad.seq, 4);
    assert!(
        bad.problem.contains("entry 4 is missing"),
        "{}",
        bad.problem
    );

    // Renumbering the rest to hide the gap breaks their hashes instead.
    sqlx::query("UPDATE audit_log SET seq = seq - 1 WHERE seq > 4")
        .execute(&mut conn)
        .await
        .unwrap();
    let bad = w.app.verify_audit().await.unwrap().first_bad.unwrap();
    assert_eq!(bad.seq, 4);
    assert!(
        bad.problem.contains("does not match its hash"),
        "{}",
        bad.problem
    );

    // Deleting only the newest entries is caught by the head record.
    let w = busy_world().await;
    let mut conn = raw_connection(&w).await;
    drop_guards(&mut conn).await;
    let n: i64 = sqlx::query_scalar("SELECT max(seq) FROM audit_log")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    sqlx::query("DELETE FROM audit_log WHERE seq >= ?")
        .bind(n - 1)
        .execute(&mut conn)
        .await
        .unwrap();
    let v = w.app.verify_audit().await.unwrap();
    let bad = v.first_bad.unwrap();
    assert_eq!(bad.seq, (n - 1) as u64);
    assert!(
        bad.problem.contains("deleted from the end"),
        "{}",
        bad.problem
    );
}

async fn entry(conn: &mut sqlx::SqliteConnection, seq: i64) -> AuditEntry {
    let (id, at_ms, actor_name, action, subject_kind, subject_id, details, prev_hash, entry_hash): (Vec<u8>, i64, String, String, String, String, String, String, String) =
        sqlx::query_as("SELECT id, at_ms, actor_name, action, subject_kind, subject_id, details, prev_hash, entry_hash FROM audit_log WHERE seq = ?")
            .bind(seq)
            .fetch_one(&mut *conn)
            .await
            .unwrap();
    AuditEntry {
        id: AuditEntryId(uuid::Uuid::from_slice(&id).unwrap()),
        seq: seq as u64,
        at: chrono::DateTime::from_timestamp_millis(at_ms).unwrap(),
        actor_id: None,
        actor_name,
        action,
        subject_kind,
        subject_id,
        content_hash: None,
        details,
        prev_hash,
        entry_hash,
    }
}

async fn insert(conn: &mut sqlx::SqliteConnection, e: &AuditEntry) {
    sqlx::query(
        "INSERT INTO audit_log (seq, id, at_ms, actor_id, actor_name, action, subject_kind, subject_id, content_hash, details, prev_hash, entry_hash)
         VALUES (?, ?, ?, NULL, ?, ?, ?, ?, NULL, ?, ?, ?)",
    )
    .bind(e.seq as i64)
    .bind(e.id.0.as_bytes().as_slice())
    .bind(e.at.timestamp_millis())
    .bind(&e.actor_name)
    .bind(&e.action)
    .bind(&e.subject_kind)
    .bind(&e.subject_id)
    .bind(&e.details)
    .bind(&e.prev_hash)
    .bind(&e.entry_hash)
    .execute(&mut *conn)
    .await
    .unwrap();
}

#[tokio::test]
async fn verify_catches_an_inserted_entry() {
    // A forged entry slipped in the middle, correctly hashed on its own, with everything
    // after it renumbered.
    let w = busy_world().await;
    let mut conn = raw_connection(&w).await;
    drop_guards(&mut conn).await;
    let n: i64 = sqlx::query_scalar("SELECT max(seq) FROM audit_log")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    for s in (4..=n).rev() {
        sqlx::query("UPDATE audit_log SET seq = seq + 1 WHERE seq = ?")
            .bind(s)
            .execute(&mut conn)
            .await
            .unwrap();
    }
    let prev = entry(&mut conn, 3).await;
    let mut forged = AuditEntry {
        id: AuditEntryId::new_v7(prev.at),
        seq: 4,
        at: prev.at,
        actor_id: None,
        actor_name: "Dana Lead".into(),
        action: "draft.approval_recorded".into(),
        subject_kind: "draft".into(),
        subject_id: prev.subject_id.clone(),
        content_hash: None,
        details: "{}".into(),
        prev_hash: prev.entry_hash.clone(),
        entry_hash: String::new(),
    };
    forged.entry_hash = audit_entry_hash(&forged);
    // UNIQUE (prev_hash) forbids two entries after entry 3: relink the old entry 4 (now 5)
    // to the forged one first, as an attacker would have to.
    sqlx::query("UPDATE audit_log SET prev_hash = ? WHERE seq = 5")
        .bind(&forged.entry_hash)
        .execute(&mut conn)
        .await
        .unwrap();
    insert(&mut conn, &forged).await;
    let bad = w.app.verify_audit().await.unwrap().first_bad.unwrap();
    assert_eq!(
        bad.seq, 5,
        "the forged entry checks out alone; the chain breaks right after it"
    );
    assert!(
        bad.problem.contains("does not match its hash"),
        "{}",
        bad.problem
    );

    // A forged entry appended at the end (hashed and linked) but not through Chancery.
    let w = busy_world().await;
    let mut conn = raw_connection(&w).await;
    let n: i64 = sqlx::query_scalar("SELECT max(seq) FROM audit_log")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    let last = entry(&mut conn, n).await;
    let mut forged = AuditEntry {
        seq: (n + 1) as u64,
        id: AuditEntryId::new_v7(last.at),
        prev_hash: last.entry_hash.clone(),
        entry_hash: String::new(),
        ..last
    };
    forged.entry_hash = audit_entry_hash(&forged);
    insert(&mut conn, &forged).await;
    let bad = w.app.verify_audit().await.unwrap().first_bad.unwrap();
    assert!(
        bad.problem.contains("added or replaced outside Chancery"),
        "{}",
        bad.problem
    );

    // And a sloppy insertion (wrong hash) is named directly.
    let w = busy_world().await;
    let mut conn = raw_connection(&w).await;
    let n: i64 = sqlx::query_scalar("SELECT max(seq) FROM audit_log")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    let last = entry(&mut conn, n).await;
    let forged = AuditEntry {
        seq: (n + 1) as u64,
        id: AuditEntryId::new_v7(last.at),
        prev_hash: last.entry_hash.clone(),
        entry_hash: "0".repeat(64),
        ..last
    };
    insert(&mut conn, &forged).await;
    let bad = w.app.verify_audit().await.unwrap().first_bad.unwrap();
    assert_eq!(bad.seq, (n + 1) as u64);
}

#[tokio::test]
async fn concurrent_writers_never_fork_the_chain() {
    let w = World::new(StepMode::Any).await;
    let other = Store::open(w.db_path()).await.unwrap();
    let before = w.app.verify_audit().await.unwrap().entries_checked;
    let rec = |who: &str, i: usize| AuditRecord {
        at: t0(),
        actor_id: None,
        actor_name: who.into(),
        action: "test.append".into(),
        subject_kind: "test".into(),
        subject_id: i.to_string(),
        content_hash: None,
        details: serde_json::json!({ "i": i }),
    };
    let mut tasks = Vec::new();
    for i in 0..40 {
        let a = w.app.store().clone();
        let b = other.clone();
        let (ra, rb) = (rec("a", i), rec("b", i));
        tasks.push(tokio::spawn(
            async move { a.append_audit(&[ra]).await.unwrap() },
        ));
        tasks.push(tokio::spawn(
            async move { b.append_audit(&[rb]).await.unwrap() },
        ));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let v = w.app.verify_audit().await.unwrap();
    assert!(v.ok, "{v:?}");
    assert_eq!(v.entries_checked, before + 80);
    other.close().await;
}

#[tokio::test]
async fn export_writes_every_entry_as_csv_and_json() {
    let w = busy_world().await;
    let n = w.app.verify_audit().await.unwrap().entries_checked;
    let mut csv_out: Vec<u8> = Vec::new();
    assert_eq!(
        w.app
            .export_audit(ExportFormat::Csv, &mut csv_out)
            .await
            .unwrap(),
        n
    );
    let mut r = csv::Reader::from_reader(csv_out.as_slice());
    let headers = r.headers().unwrap().clone();
    assert_eq!(&headers[0], "seq");
    assert_eq!(&headers[11], "entry_hash");
    let rows: Vec<csv::StringRecord> = r.records().map(|x| x.unwrap()).collect();
    assert_eq!(rows.len() as u64, n);
    assert_eq!(&rows[0][0], "1");
    let mut json_out: Vec<u8> = Vec::new();
    w.app
        .export_audit(ExportFormat::Json, &mut json_out)
        .await
        .unwrap();
    let entries: Vec<AuditEntry> = serde_json::from_slice(&json_out).unwrap();
    assert_eq!(entries.len() as u64, n);
    // The export can be checked independently: every hash recomputes.
    for e in &entries {
        assert_eq!(audit_entry_hash(e), e.entry_hash);
    }
    assert!(entries
        .windows(2)
        .all(|p| p[1].prev_hash == p[0].entry_hash));
}

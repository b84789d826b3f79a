//! chancery-store against a real SQLite file in a temp dir.

use std::collections::HashSet;

use chancery_model::accounts::{
    Account, AccountInput, AccountKind, Group, GroupKind, Network, Role, TokenHealth, TokenStatus,
};
use chancery_model::inbox::{AssigneeFilter, InboxFilter, TriageChange};
use chancery_model::items::{
    CursorUpdate, Entities, InboxItem, ItemAuthor, ItemId, ItemKind, MalformedPayload, NewItem,
    SyncStream, TriageStatus,
};
use chancery_store::{item_id, IngestPage, Store, StoreError};
use chrono::{DateTime, Duration, TimeZone, Utc};
use tempfile::TempDir;

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap()
}

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 6, 1, 0, 0, 0).unwrap()
}

async fn open() -> (TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path().join("cache.db")).await.unwrap();
    (dir, store)
}

fn item(kind: ItemKind, ext: &str, text: &str, minutes: i64) -> NewItem {
    NewItem {
        kind,
        external_id: ext.to_string(),
        author: ItemAuthor {
            external_id: format!("u{ext}"),
            handle: Some(format!("user{ext}")),
            display_name: Some(format!("User {ext}")),
        },
        text: text.to_string(),
        language: Some("en".into()),
        created_at: t0() + Duration::minutes(minutes),
        edited_at: None,
        conversation_id: None,
        in_reply_to: None,
        permalink: Some(format!("https://x.com/i/web/status/{ext}")),
        entities: Entities::default(),
        raw: format!(
            r#"{{"id":"{ext}","text":{}}}"#,
            serde_json::to_string(text).unwrap()
        ),
        deleted: false,
    }
}

fn x(ext: &str, text: &str, minutes: i64) -> NewItem {
    item(ItemKind::XMention, ext, text, minutes)
}

struct World {
    europe: Group,
    paris: Group,
    tokyo: Group,
    x_paris: Account,
    fb_paris: Account,
    x_tokyo: Account,
}

async fn world(store: &Store) -> World {
    let europe = store
        .create_group("Europe", GroupKind::Region, None, now())
        .await
        .unwrap();
    let paris = store
        .create_group("Embassy Paris", GroupKind::Post, Some(europe.id), now())
        .await
        .unwrap();
    let asia = store
        .create_group("Asia", GroupKind::Region, None, now())
        .await
        .unwrap();
    let tokyo = store
        .create_group("Embassy Tokyo", GroupKind::Post, Some(asia.id), now())
        .await
        .unwrap();
    let input = |network, ext: &str, handle: &str, group: &Group| AccountInput {
        network,
        external_id: Some(ext.to_string()),
        handle: handle.to_string(),
        display_name: handle.to_string(),
        avatar_path: None,
        time_zone: "Europe/Paris".into(),
        language: "fr".into(),
        group_id: group.id,
        kind: AccountKind::Institutional,
    };
    let (x_paris, _) = store
        .upsert_account(&input(Network::X, "100", "EmbParis", &paris), now())
        .await
        .unwrap();
    let (fb_paris, _) = store
        .upsert_account(
            &input(Network::Facebook, "200", "embparis.fb", &paris),
            now(),
        )
        .await
        .unwrap();
    let (x_tokyo, _) = store
        .upsert_account(&input(Network::X, "300", "EmbTokyo", &tokyo), now())
        .await
        .unwrap();
    World {
        europe,
        paris,
        tokyo,
        x_paris,
        fb_paris,
        x_tokyo,
    }
}

/// Every page of a filter, following cursors.
async fn all_pages(store: &Store, filter: &InboxFilter, page_size: u32) -> Vec<InboxItem> {
    let mut out = Vec::new();
    let mut cursor: Option<String> = None;
    for _ in 0..10_000 {
        let page = store
            .inbox_page(filter, cursor.as_deref(), page_size)
            .await
            .unwrap();
        assert!(page.items.len() <= page_size as usize);
        out.extend(page.items);
        match page.next_cursor {
            Some(c) => cursor = Some(c),
            None => return out,
        }
    }
    panic!("pagination did not end");
}

fn exts(items: &[InboxItem]) -> Vec<String> {
    items.iter().map(|i| i.external_id.clone()).collect()
}

async fn search(store: &Store, q: &str) -> Vec<String> {
    let f = InboxFilter {
        search: Some(q.to_string()),
        ..InboxFilter::default()
    };
    let mut v = exts(&all_pages(store, &f, 50).await);
    v.sort();
    v
}

async fn fts_integrity(dir: &TempDir) {
    // A separate plain connection to the same file: FTS5's own consistency check against
    // the content (rank = 1 compares with the external content too).
    use sqlx::Connection;
    let mut conn = sqlx::SqliteConnection::connect(&format!(
        "sqlite://{}",
        dir.path().join("cache.db").display()
    ))
    .await
    .unwrap();
    sqlx::query("INSERT INTO items_fts (items_fts, rank) VALUES ('integrity-check', 1)")
        .execute(&mut conn)
        .await
        .unwrap();
}

// ------------------------------------------------------------------------------- opening

#[tokio::test]
async fn open_creates_migrates_and_reopens_with_wal_and_foreign_keys() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nested-name.db");
    let store = Store::open(&path).await.unwrap();
    let w = world(&store).await;
    store.close().await;
    let store = Store::open(&path).await.unwrap();
    assert_eq!(
        store
            .get_account(w.x_paris.id)
            .await
            .unwrap()
            .unwrap()
            .handle,
        "EmbParis"
    );
    use sqlx::Connection;
    let mut conn = sqlx::SqliteConnection::connect(&format!("sqlite://{}", path.display()))
        .await
        .unwrap();
    let mode: String = sqlx::query_scalar("PRAGMA journal_mode")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    assert_eq!(mode, "wal");
    let versions: Vec<i64> =
        sqlx::query_scalar("SELECT version FROM _sqlx_migrations WHERE success ORDER BY version")
            .fetch_all(&mut conn)
            .await
            .unwrap();
    for v in [20261124170000, 20261124170100, 20261124170200] {
        assert!(versions.contains(&v), "{versions:?}");
    }
    // Foreign keys are on in the store's connections: an item for an unknown account fails.
    let err = store
        .ingest_page(
            chancery_model::accounts::AccountId(uuid::Uuid::nil()),
            SyncStream::XMentions,
            &[],
            None,
            now(),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::NotFound(_)), "{err}");
}

#[tokio::test]
async fn schema_loads_in_the_sqlite3_cli() {
    // The ingest benchmark imports into the same schema with the Debian sqlite3 CLI (3.40).
    let Ok(out) = std::process::Command::new("sqlite3")
        .arg("--version")
        .output()
    else {
        eprintln!("sqlite3 CLI not installed; skipping");
        return;
    };
    assert!(out.status.success());
    let dir = tempfile::tempdir().unwrap();
    let mut sql = String::new();
    let mut files: Vec<_> = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    for f in files {
        sql.push_str(&std::fs::read_to_string(f).unwrap());
    }
    sql.push_str("\nINSERT INTO items_fts (items_fts) VALUES ('integrity-check');\n");
    let db = dir.path().join("cli.db");
    let mut child = std::process::Command::new("sqlite3")
        .arg("-bail")
        .arg(&db)
        .stdin(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(sql.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

// ------------------------------------------------------------------------------- registry

#[tokio::test]
async fn people_are_created_updated_and_emails_are_unique() {
    let (_d, store) = open().await;
    let mut ana = store
        .create_person("Ana Silva", "ana@mfa.example", now())
        .await
        .unwrap();
    let err = store
        .create_person("Other Ana", "ANA@mfa.example", now())
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Conflict(_)), "{err}");
    assert!(matches!(
        store.create_person("X", "not-an-email", now()).await,
        Err(StoreError::Invalid(_))
    ));
    assert!(matches!(
        store.create_person("  ", "a@b.example", now()).await,
        Err(StoreError::Invalid(_))
    ));
    ana.active = false;
    ana.display_name = "Ana S.".into();
    store.update_person(&ana, now()).await.unwrap();
    assert_eq!(store.get_person(ana.id).await.unwrap().unwrap(), ana);
    assert_eq!(store.list_people().await.unwrap(), vec![ana]);
}

#[tokio::test]
async fn group_tree_moves_refuse_cycles_and_deletes_refuse_non_empty_groups() {
    let (_d, store) = open().await;
    let w = world(&store).await;
    let tree = store.group_tree().await.unwrap();
    let names: Vec<_> = tree.iter().map(|n| n.group.name.clone()).collect();
    assert_eq!(names, vec!["Asia", "Europe"]);
    let europe = tree.iter().find(|n| n.group.name == "Europe").unwrap();
    assert_eq!(europe.children[0].group.name, "Embassy Paris");

    // Europe under Paris (its own child) is a cycle.
    let mut moved = w.europe.clone();
    moved.parent_id = Some(w.paris.id);
    assert!(matches!(
        store.update_group(&moved, now()).await,
        Err(StoreError::Invalid(_))
    ));
    // Tokyo moves under Europe.
    let mut tokyo = w.tokyo.clone();
    tokyo.parent_id = Some(w.europe.id);
    tokyo.name = "Embassy Tokyo (moved)".into();
    store.update_group(&tokyo, now()).await.unwrap();
    let listing = store.list_accounts().await.unwrap();
    let t = listing
        .iter()
        .find(|l| l.account.id == w.x_tokyo.id)
        .unwrap();
    assert_eq!(t.group_path, vec!["Europe", "Embassy Tokyo (moved)"]);

    let r = store.delete_group(w.europe.id).await;
    assert!(matches!(r, Err(StoreError::Conflict(_))), "{r:?}");
    let empty = store
        .create_group("Ministers", GroupKind::Ministers, None, now())
        .await
        .unwrap();
    store.delete_group(empty.id).await.unwrap();
    assert!(matches!(
        store.delete_group(empty.id).await,
        Err(StoreError::NotFound(_))
    ));
}

#[tokio::test]
async fn roles_on_a_parent_group_apply_to_its_children() {
    let (_d, store) = open().await;
    let w = world(&store).await;
    let ana = store
        .create_person("Ana", "ana@mfa.example", now())
        .await
        .unwrap();
    store
        .grant_role(ana.id, w.europe.id, Role::Approver, now())
        .await
        .unwrap();
    store
        .grant_role(ana.id, w.paris.id, Role::Officer, now())
        .await
        .unwrap();
    store
        .grant_role(ana.id, w.paris.id, Role::Officer, now())
        .await
        .unwrap(); // idempotent
    let roles = store.effective_roles(ana.id, w.paris.id).await.unwrap();
    assert_eq!(roles.len(), 2);
    assert_eq!(roles[0].role, Role::Officer);
    assert_eq!(roles[0].granted_on, w.paris.id);
    assert_eq!(roles[1].role, Role::Approver);
    assert_eq!(roles[1].granted_on, w.europe.id);
    assert!(store
        .effective_roles(ana.id, w.tokyo.id)
        .await
        .unwrap()
        .is_empty());
    assert_eq!(store.list_role_grants().await.unwrap().len(), 2);
    assert!(store
        .revoke_role(ana.id, w.europe.id, Role::Approver)
        .await
        .unwrap());
    assert!(!store
        .revoke_role(ana.id, w.europe.id, Role::Approver)
        .await
        .unwrap());
    assert_eq!(
        store
            .effective_roles(ana.id, w.paris.id)
            .await
            .unwrap()
            .len(),
        1
    );
}

#[tokio::test]
async fn accounts_upsert_by_external_id_or_handle_and_keep_token_health() {
    let (_d, store) = open().await;
    let w = world(&store).await;
    // Registered by handle before it is connected...
    let mut input = AccountInput {
        network: Network::X,
        external_id: None,
        handle: "@AmbRome".into(),
        display_name: "Ambassador in Rome".into(),
        avatar_path: None,
        time_zone: "Europe/Rome".into(),
        language: "it".into(),
        group_id: w.europe.id,
        kind: AccountKind::Personal,
    };
    let (rome, created) = store.upsert_account(&input, now()).await.unwrap();
    assert!(created);
    assert_eq!(rome.handle, "AmbRome");
    assert_eq!(rome.external_id, None);
    assert_eq!(rome.token.status, TokenStatus::Disconnected);
    // ...then connected: matched by handle (any case), gets its external id.
    input.handle = "ambrome".into();
    input.external_id = Some("555".into());
    let (again, created) = store.upsert_account(&input, now()).await.unwrap();
    assert!(!created);
    assert_eq!(again.id, rome.id);
    assert_eq!(again.external_id.as_deref(), Some("555"));
    // Renamed on X: matched by external id.
    input.handle = "AmbassadorRome".into();
    let (renamed, created) = store.upsert_account(&input, now()).await.unwrap();
    assert!(!created);
    assert_eq!(
        (renamed.id, renamed.handle.as_str()),
        (rome.id, "AmbassadorRome")
    );
    // Same handle, different external id: refused.
    input.external_id = Some("999".into());
    assert!(matches!(
        store.upsert_account(&input, now()).await,
        Err(StoreError::Conflict(_))
    ));
    // Unknown group.
    input.external_id = Some("777".into());
    input.handle = "Other".into();
    input.group_id = chancery_model::accounts::GroupId(uuid::Uuid::nil());
    assert!(matches!(
        store.upsert_account(&input, now()).await,
        Err(StoreError::NotFound(_))
    ));

    let health = TokenHealth {
        status: TokenStatus::NeedsReauth,
        access_expires_at: Some(now() + Duration::hours(2)),
        last_refresh_at: Some(now()),
        last_error: Some("token revoked".into()),
    };
    store
        .set_token_health(rome.id, &health, now())
        .await
        .unwrap();
    assert_eq!(
        store.get_account(rome.id).await.unwrap().unwrap().token,
        health
    );
    let listing = store.list_accounts().await.unwrap();
    assert_eq!(listing.len(), 4);
    assert_eq!(
        listing
            .iter()
            .find(|l| l.account.id == rome.id)
            .unwrap()
            .group_path,
        vec!["Europe"]
    );
    assert_eq!(
        listing
            .iter()
            .find(|l| l.account.id == w.x_paris.id)
            .unwrap()
            .group_path,
        vec!["Europe", "Embassy Paris"]
    );
}

// ------------------------------------------------------------------------------- ingest

#[tokio::test]
async fn ingest_counts_inserts_duplicates_and_moves_the_cursor() {
    let (_d, store) = open().await;
    let w = world(&store).await;
    let cursor = CursorUpdate {
        newest_id: Some("3".into()),
        since: None,
        backfill_position: Some("tok".into()),
        horizon_reached: false,
    };
    let page = vec![
        x("1", "one", 1),
        x("2", "two", 2),
        x("3", "three", 3),
        x("2", "two again", 2),
    ];
    let r = store
        .ingest_page(
            w.x_paris.id,
            SyncStream::XMentions,
            &page,
            Some(&cursor),
            now(),
        )
        .await
        .unwrap();
    assert_eq!(
        (r.inserted, r.updated, r.duplicates, r.quarantined),
        (3, 0, 1, 0)
    );
    // The new items' ids, for the sync engine's event (each once).
    let mut ids = r.inserted_ids.clone();
    ids.sort();
    let mut want: Vec<_> = ["1", "2", "3"]
        .iter()
        .map(|e| item_id(w.x_paris.id, e))
        .collect();
    want.sort();
    assert_eq!(ids, want);
    let c = store
        .get_cursor(w.x_paris.id, SyncStream::XMentions)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(c.newest_id.as_deref(), Some("3"));
    assert_eq!(c.backfill_position.as_deref(), Some("tok"));
    assert_eq!(c.updated_at, now());
    // The same page again: all duplicates.
    let r = store
        .ingest_page(w.x_paris.id, SyncStream::XMentions, &page, None, now())
        .await
        .unwrap();
    assert_eq!((r.inserted, r.duplicates), (0, 4));
    assert!(r.inserted_ids.is_empty(), "{:?}", r.inserted_ids);
    // The same external id under another account is another item.
    let r = store
        .ingest_page(w.x_tokyo.id, SyncStream::XMentions, &page[..1], None, now())
        .await
        .unwrap();
    assert_eq!(r.inserted, 1);
    assert_ne!(item_id(w.x_paris.id, "1"), item_id(w.x_tokyo.id, "1"));
    let stored = store
        .get_item(item_id(w.x_paris.id, "1"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.text, "one");
    assert_eq!(stored.created_at, t0() + Duration::minutes(1));
    assert_eq!(stored.status, TriageStatus::New);
    assert_eq!(stored.network, Network::X);
    assert_eq!(store.list_cursors(w.x_paris.id).await.unwrap().len(), 1);
}

#[tokio::test]
async fn ingest_quarantines_bad_items_without_losing_the_rest() {
    let (_d, store) = open().await;
    let w = world(&store).await;
    let mut empty_id = x("", "no id", 1);
    empty_id.raw = r#"{"text":"no id"}"#.into();
    let long_text = x("long", &"a".repeat(chancery_store::MAX_TEXT_CHARS + 1), 2);
    let mut big_raw = x("big", "big raw", 3);
    big_raw.raw = format!(
        r#"{{"pad":"{}"}}"#,
        "x".repeat(chancery_store::MAX_RAW_BYTES)
    );
    let mut future = x("future", "from the future", 0);
    future.created_at = now() + Duration::days(3);
    let wrong_network = item(
        ItemKind::FbComment,
        "fbc",
        "a facebook comment on an X account",
        4,
    );
    let good = x("good", "fine", 5);
    let malformed = [MalformedPayload {
        external_id: Some("m1".into()),
        raw: "{not json".into(),
        reason: "invalid JSON".into(),
    }];
    let items = [empty_id, long_text, big_raw, future, wrong_network, good];
    let r = store
        .ingest_page_with(IngestPage {
            account_id: w.x_paris.id,
            stream: SyncStream::XMentions,
            items: &items,
            malformed: &malformed,
            cursor: Some(&CursorUpdate {
                newest_id: Some("good".into()),
                ..CursorUpdate::default()
            }),
            received_at: now(),
        })
        .await
        .unwrap();
    assert_eq!((r.inserted, r.quarantined), (1, 6), "{r:?}");
    let reasons: Vec<_> = r.rejections.iter().map(|x| x.reason.clone()).collect();
    assert!(
        reasons.iter().any(|s| s.contains("item id is empty")),
        "{reasons:?}"
    );
    assert!(reasons.iter().any(|s| s.contains("characters, more than")));
    assert!(reasons.iter().any(|s| s.contains("raw payload has")));
    assert!(reasons.iter().any(|s| s.contains("not plausible")));
    assert!(reasons
        .iter()
        .any(|s| s.contains("fb_comment item cannot belong to a x account")));
    assert!(reasons.iter().any(|s| s == "invalid JSON"));
    let q = store
        .list_quarantine(Some(w.x_paris.id), 100)
        .await
        .unwrap();
    assert_eq!(q.len(), 6);
    let m = q
        .iter()
        .find(|e| e.external_id.as_deref() == Some("m1"))
        .unwrap();
    assert_eq!(m.raw, "{not json");
    assert_eq!(m.stream, SyncStream::XMentions);
    let big = q
        .iter()
        .find(|e| e.external_id.as_deref() == Some("big"))
        .unwrap();
    assert_eq!(big.raw.len(), items[2].raw.len());
    store.delete_quarantine(&m.id).await.unwrap();
    assert_eq!(store.list_quarantine(None, 100).await.unwrap().len(), 5);
    assert!(store
        .get_item(item_id(w.x_paris.id, "good"))
        .await
        .unwrap()
        .is_some());
    assert_eq!(
        store
            .get_cursor(w.x_paris.id, SyncStream::XMentions)
            .await
            .unwrap()
            .unwrap()
            .newest_id
            .as_deref(),
        Some("good")
    );
    // A stream of the other network is refused as a whole.
    let err = store
        .ingest_page(
            w.x_paris.id,
            SyncStream::FbFeed,
            &[x("z", "z", 1)],
            None,
            now(),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Invalid(_)), "{err}");
}

#[tokio::test]
async fn a_failed_page_leaves_neither_its_items_nor_its_cursor() {
    let (dir, store) = open().await;
    let w = world(&store).await;
    let first = CursorUpdate {
        newest_id: Some("1".into()),
        ..CursorUpdate::default()
    };
    store
        .ingest_page(
            w.x_paris.id,
            SyncStream::XMentions,
            &[x("1", "one", 1)],
            Some(&first),
            now(),
        )
        .await
        .unwrap();
    // Make the database refuse one row half-way through the page (a stand-in for a crash or
    // a full disk in the middle of the transaction).
    {
        use sqlx::Connection;
        let mut conn = sqlx::SqliteConnection::connect(&format!(
            "sqlite://{}",
            dir.path().join("cache.db").display()
        ))
        .await
        .unwrap();
        sqlx::query(
            "CREATE TRIGGER refuse_boom BEFORE INSERT ON items WHEN new.external_id = 'boom'
             BEGIN SELECT RAISE(ABORT, 'refused'); END",
        )
        .execute(&mut conn)
        .await
        .unwrap();
    }
    let second = CursorUpdate {
        newest_id: Some("4".into()),
        ..CursorUpdate::default()
    };
    let page = [x("2", "two", 2), x("boom", "boom", 3), x("4", "four", 4)];
    assert!(store
        .ingest_page(
            w.x_paris.id,
            SyncStream::XMentions,
            &page,
            Some(&second),
            now()
        )
        .await
        .is_err());
    assert!(store
        .get_item(item_id(w.x_paris.id, "2"))
        .await
        .unwrap()
        .is_none());
    assert!(store
        .get_item(item_id(w.x_paris.id, "4"))
        .await
        .unwrap()
        .is_none());
    let c = store
        .get_cursor(w.x_paris.id, SyncStream::XMentions)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(c.newest_id.as_deref(), Some("1"));
    let counts = store.unread_counts().await.unwrap();
    assert_eq!(
        counts
            .accounts
            .iter()
            .find(|a| a.account_id == w.x_paris.id)
            .unwrap()
            .unread,
        1
    );
}

#[tokio::test]
async fn edits_and_deletions_update_stored_items_and_the_index() {
    let (dir, store) = open().await;
    let w = world(&store).await;
    store
        .ingest_page(
            w.x_paris.id,
            SyncStream::XMentions,
            &[x("1", "original wording", 1), x("2", "keep me", 2)],
            None,
            now(),
        )
        .await
        .unwrap();
    let id1 = item_id(w.x_paris.id, "1");
    store
        .triage(
            &[id1],
            &TriageChange::SetStatus {
                status: TriageStatus::Open,
            },
            now(),
        )
        .await
        .unwrap();
    let mut edited = x("1", "corrected wording", 1);
    edited.edited_at = Some(t0() + Duration::minutes(30));
    edited.raw = r#"{"id":"1","text":"corrected wording","edited":true}"#.into();
    let mut deleted = x("2", "keep me", 2);
    deleted.deleted = true;
    let r = store
        .ingest_page(
            w.x_paris.id,
            SyncStream::XMentions,
            &[edited, deleted],
            None,
            now(),
        )
        .await
        .unwrap();
    assert_eq!((r.inserted, r.updated, r.duplicates), (0, 2, 0));
    let one = store.get_item(id1).await.unwrap().unwrap();
    assert_eq!(one.text, "corrected wording");
    assert_eq!(one.edited_at, Some(t0() + Duration::minutes(30)));
    assert_eq!(
        one.status,
        TriageStatus::Open,
        "triage state survives an edit"
    );
    assert!(store
        .raw_payload(id1)
        .await
        .unwrap()
        .unwrap()
        .contains("\"edited\":true"));
    assert_eq!(search(&store, "original").await, Vec::<String>::new());
    assert_eq!(search(&store, "corrected").await, vec!["1"]);
    // Deleted items leave the default inbox and the counts but stay searchable on request.
    let default = all_pages(&store, &InboxFilter::default(), 10).await;
    assert_eq!(exts(&default), vec!["1"]);
    let with_deleted = InboxFilter {
        include_deleted: true,
        ..InboxFilter::default()
    };
    assert_eq!(
        exts(&all_pages(&store, &with_deleted, 10).await),
        vec!["2", "1"]
    );
    let counts = store.unread_counts().await.unwrap();
    let c = counts
        .accounts
        .iter()
        .find(|a| a.account_id == w.x_paris.id)
        .unwrap();
    assert_eq!((c.unread, c.open), (0, 1));
    fts_integrity(&dir).await;
}

#[tokio::test]
async fn raw_payloads_round_trip() {
    let (_d, store) = open().await;
    let w = world(&store).await;
    let mut long = x("long", "long payload", 1);
    let tags = vec![serde_json::json!({"tag": "x"}); 40];
    let users = vec![serde_json::json!({"id": "1", "username": "someone", "name": "Some One"}); 20];
    long.raw = serde_json::json!({
        "data": {"id": "long", "text": "long payload", "entities": {"hashtags": tags}},
        "includes": {"users": users}
    })
    .to_string();
    let short = x("short", "s", 2);
    store
        .ingest_page(
            w.x_paris.id,
            SyncStream::XMentions,
            &[long.clone(), short.clone()],
            None,
            now(),
        )
        .await
        .unwrap();
    assert_eq!(
        store
            .raw_payload(item_id(w.x_paris.id, "long"))
            .await
            .unwrap()
            .unwrap(),
        long.raw
    );
    assert_eq!(
        store
            .raw_payload(item_id(w.x_paris.id, "short"))
            .await
            .unwrap()
            .unwrap(),
        short.raw
    );
    assert_eq!(
        store
            .raw_payload(item_id(w.x_tokyo.id, "short"))
            .await
            .unwrap(),
        None
    );
}

#[tokio::test]
async fn items_created_in_the_same_millisecond_all_get_stored_in_a_stable_order() {
    let (_d, store) = open().await;
    let w = world(&store).await;
    let page: Vec<NewItem> = (0..3000)
        .map(|i| x(&format!("same{i}"), "same time", 7))
        .collect();
    for chunk in page.chunks(500) {
        let r = store
            .ingest_page(w.x_paris.id, SyncStream::XMentions, chunk, None, now())
            .await
            .unwrap();
        assert_eq!(r.inserted, 500);
    }
    let got = all_pages(&store, &InboxFilter::default(), 173).await;
    assert_eq!(got.len(), 3000);
    let unique: HashSet<_> = got.iter().map(|i| i.id).collect();
    assert_eq!(unique.len(), 3000);
}

// ------------------------------------------------------------------------------- search

async fn search_world() -> (TempDir, Store, World) {
    let (dir, store) = open().await;
    let w = world(&store).await;
    let texts = [
        ("ar1", "كَتَبَ الطَّالِبُ الدَّرْسَ فِي الْمَدْرَسَةِ"),
        ("ar2", "أعلنت الوزارة عن إطلاق برنامج جديد"),
        ("ar3", "الســـفارة تستقبل الطلبات"),
        ("zh1", "中国外交部发言人今天表示欢迎"),
        ("zh2", "中文的新闻"),
        ("ja1", "東京の大使館でビザの申請を受け付けています"),
        ("ja2", "ありがとうございました"),
        ("ru1", "Посольство России в Париже"),
        ("en1", "Great meeting on #ClimateAction with @UK_FCDO today"),
        ("en2", "Diplomatic relations and diplomacy in practice"),
        ("en3", "Visa office closed on Monday"),
        ("en4", "Visa office open on Tuesday, café naïve résumé"),
        ("hi1", "नमस्ते दुनिया"),
    ];
    let items: Vec<NewItem> = texts
        .iter()
        .enumerate()
        .map(|(i, (e, t))| x(e, t, i as i64))
        .collect();
    store
        .ingest_page(w.x_paris.id, SyncStream::XMentions, &items, None, now())
        .await
        .unwrap();
    (dir, store, w)
}

#[tokio::test]
async fn arabic_is_found_with_and_without_diacritics_and_alef_variants() {
    let (dir, store, _w) = search_world().await;
    assert_eq!(search(&store, "كتب").await, vec!["ar1"]);
    assert_eq!(search(&store, "كَتَبَ").await, vec!["ar1"]);
    assert_eq!(
        search(&store, "المدرسة").await,
        vec!["ar1"],
        "taa marbuta vs haa, diacritics stripped"
    );
    assert_eq!(search(&store, "المدرسه").await, vec!["ar1"]);
    assert_eq!(
        search(&store, "اعلنت").await,
        vec!["ar2"],
        "hamza-less alef finds أ"
    );
    assert_eq!(search(&store, "إعلنت").await, vec!["ar2"]);
    assert_eq!(search(&store, "اطلاق").await, vec!["ar2"], "finds إ");
    assert_eq!(
        search(&store, "السفارة").await,
        vec!["ar3"],
        "tatweel ignored"
    );
    fts_integrity(&dir).await;
}

#[tokio::test]
async fn chinese_and_japanese_words_are_found_inside_unspaced_sentences() {
    let (_d, store, _w) = search_world().await;
    assert_eq!(search(&store, "外交").await, vec!["zh1"]);
    assert_eq!(search(&store, "中国").await, vec!["zh1"]);
    assert_eq!(search(&store, "发言人").await, vec!["zh1"]);
    assert_eq!(search(&store, "中文").await, vec!["zh2"]);
    assert_eq!(
        search(&store, "国外").await,
        vec!["zh1"],
        "adjacent characters match as a phrase"
    );
    assert_eq!(
        search(&store, "外国").await,
        Vec::<String>::new(),
        "order matters"
    );
    assert_eq!(search(&store, "大使館").await, vec!["ja1"]);
    assert_eq!(search(&store, "ビザ").await, vec!["ja1"]);
    assert_eq!(search(&store, "ありがとう").await, vec!["ja2"]);
}

#[tokio::test]
async fn russian_is_case_insensitive_and_latin_folds_case_and_accents() {
    let (_d, store, _w) = search_world().await;
    assert_eq!(search(&store, "посольство").await, vec!["ru1"]);
    assert_eq!(search(&store, "ПАРИЖЕ").await, vec!["ru1"]);
    assert_eq!(search(&store, "CAFE").await, vec!["en4"]);
    assert_eq!(search(&store, "resume").await, vec!["en4"]);
    assert_eq!(
        search(&store, "नमस्ते").await,
        vec!["hi1"],
        "Devanagari words stay whole"
    );
}

#[tokio::test]
async fn hashtags_handles_prefixes_phrases_and_exclusions() {
    let (_d, store, _w) = search_world().await;
    assert_eq!(search(&store, "#ClimateAction").await, vec!["en1"]);
    assert_eq!(search(&store, "#climateaction").await, vec!["en1"]);
    assert_eq!(search(&store, "@UK_FCDO").await, vec!["en1"]);
    assert_eq!(search(&store, "@uk_fcdo").await, vec!["en1"]);
    assert_eq!(search(&store, "diplom*").await, vec!["en2"]);
    assert_eq!(search(&store, "Dipl*").await, vec!["en2"]);
    assert_eq!(search(&store, "visa office").await, vec!["en3", "en4"]);
    assert_eq!(search(&store, "\"office closed\"").await, vec!["en3"]);
    assert_eq!(search(&store, "visa -closed").await, vec!["en4"]);
    assert_eq!(search(&store, "visa monday").await, vec!["en3"]);
    assert_eq!(search(&store, "nothingmatches").await, Vec::<String>::new());
    let f = InboxFilter {
        search: Some("  #  ".into()),
        ..InboxFilter::default()
    };
    assert!(matches!(
        store.inbox_page(&f, None, 10).await,
        Err(StoreError::Invalid(_))
    ));
}

#[tokio::test]
async fn reindexing_after_a_normaliser_change_keeps_search_working() {
    let (dir, store, _w) = search_world().await;
    store.close().await;
    {
        use sqlx::Connection;
        let mut conn = sqlx::SqliteConnection::connect(&format!(
            "sqlite://{}",
            dir.path().join("cache.db").display()
        ))
        .await
        .unwrap();
        // Pretend the index was built by an older normaliser, with stale indexed text.
        sqlx::query("UPDATE store_meta SET value = '0' WHERE key = 'search_normaliser'")
            .execute(&mut conn)
            .await
            .unwrap();
        sqlx::query("UPDATE item_bodies SET search_body = 'stale' WHERE id = (SELECT body_id FROM items WHERE external_id = 'zh1')").execute(&mut conn).await.unwrap();
    }
    let store = Store::open(dir.path().join("cache.db")).await.unwrap();
    assert_eq!(search(&store, "stale").await, Vec::<String>::new());
    assert_eq!(search(&store, "外交").await, vec!["zh1"]);
    fts_integrity(&dir).await;
}

// ------------------------------------------------------------------------------- inbox

/// A deterministic pseudo-random generator for test data (splitmix64).
struct Mix(u64);
impl Mix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

#[tokio::test]
async fn every_filter_and_combination_matches_a_brute_force_scan_across_pages() {
    let (_d, store) = open().await;
    let w = world(&store).await;
    let ana = store
        .create_person("Ana", "ana@mfa.example", now())
        .await
        .unwrap();
    let ben = store
        .create_person("Ben", "ben@mfa.example", now())
        .await
        .unwrap();
    let mut rng = Mix(42);
    let langs = ["en", "fr", "ar", "ja"];
    let words = ["visa", "summit", "climate", "trade", "culture"];
    let accounts = [
        (w.x_paris.id, ItemKind::XMention),
        (w.fb_paris.id, ItemKind::FbComment),
        (w.x_tokyo.id, ItemKind::XReply),
    ];
    for (a, kind) in accounts {
        let stream = if kind.network() == Network::X {
            SyncStream::XMentions
        } else {
            SyncStream::FbComments
        };
        let items: Vec<NewItem> = (0..400)
            .map(|i| {
                let mut it = item(
                    kind,
                    &format!("{i}"),
                    words[rng.below(5) as usize],
                    rng.below(5000) as i64,
                );
                it.language = Some(langs[rng.below(4) as usize].into());
                it.deleted = rng.below(20) == 0;
                it
            })
            .collect();
        for page in items.chunks(100) {
            store
                .ingest_page(a, stream, page, None, now())
                .await
                .unwrap();
        }
    }
    // Random triage state.
    let everything = all_pages(
        &store,
        &InboxFilter {
            include_deleted: true,
            ..InboxFilter::default()
        },
        500,
    )
    .await;
    assert_eq!(everything.len(), 1200);
    for it in &everything {
        let roll = rng.below(10);
        if roll < 3 {
            store
                .triage(
                    &[it.id],
                    &TriageChange::SetStatus {
                        status: TriageStatus::Open,
                    },
                    now(),
                )
                .await
                .unwrap();
        } else if roll < 5 {
            store
                .triage(
                    &[it.id],
                    &TriageChange::SetStatus {
                        status: TriageStatus::Done,
                    },
                    now(),
                )
                .await
                .unwrap();
        }
        match rng.below(10) {
            0 => store
                .triage(
                    &[it.id],
                    &TriageChange::Assign {
                        person_id: Some(ana.id),
                    },
                    now(),
                )
                .await
                .map(|_| ())
                .unwrap(),
            1 => store
                .triage(
                    &[it.id],
                    &TriageChange::Assign {
                        person_id: Some(ben.id),
                    },
                    now(),
                )
                .await
                .map(|_| ())
                .unwrap(),
            _ => {}
        }
        match rng.below(12) {
            0 => store
                .triage(
                    &[it.id],
                    &TriageChange::Tag {
                        tag: "press".into(),
                    },
                    now(),
                )
                .await
                .map(|_| ())
                .unwrap(),
            1 => store
                .triage(
                    &[it.id],
                    &TriageChange::Tag {
                        tag: "urgent".into(),
                    },
                    now(),
                )
                .await
                .map(|_| ())
                .unwrap(),
            _ => {}
        }
    }
    let everything = all_pages(
        &store,
        &InboxFilter {
            include_deleted: true,
            ..InboxFilter::default()
        },
        500,
    )
    .await;
    // Newest first, strictly.
    assert!(everything
        .windows(2)
        .all(|p| p[0].created_at >= p[1].created_at));

    let since = t0() + Duration::minutes(1000);
    let until = t0() + Duration::minutes(4000);
    let filters: Vec<InboxFilter> = vec![
        InboxFilter::default(),
        InboxFilter {
            networks: vec![Network::X],
            ..Default::default()
        },
        InboxFilter {
            networks: vec![Network::Facebook],
            ..Default::default()
        },
        InboxFilter {
            account_ids: vec![w.x_tokyo.id],
            ..Default::default()
        },
        InboxFilter {
            account_ids: vec![w.x_tokyo.id, w.fb_paris.id],
            ..Default::default()
        },
        InboxFilter {
            group_ids: vec![w.europe.id],
            ..Default::default()
        },
        InboxFilter {
            group_ids: vec![w.paris.id],
            networks: vec![Network::X],
            ..Default::default()
        },
        InboxFilter {
            statuses: vec![TriageStatus::New],
            ..Default::default()
        },
        InboxFilter {
            statuses: vec![TriageStatus::Open, TriageStatus::Done],
            ..Default::default()
        },
        InboxFilter {
            statuses: vec![TriageStatus::Open],
            group_ids: vec![w.europe.id],
            ..Default::default()
        },
        InboxFilter {
            assignee: Some(AssigneeFilter::Person { id: ana.id }),
            ..Default::default()
        },
        InboxFilter {
            assignee: Some(AssigneeFilter::Unassigned),
            statuses: vec![TriageStatus::New],
            ..Default::default()
        },
        InboxFilter {
            assignee: Some(AssigneeFilter::Person { id: ben.id }),
            statuses: vec![TriageStatus::Done],
            ..Default::default()
        },
        InboxFilter {
            tags: vec!["press".into()],
            ..Default::default()
        },
        InboxFilter {
            tags: vec!["Press".into(), "urgent".into()],
            account_ids: vec![w.x_paris.id],
            ..Default::default()
        },
        InboxFilter {
            languages: vec!["ar".into()],
            ..Default::default()
        },
        InboxFilter {
            languages: vec!["ja".into(), "fr".into()],
            statuses: vec![TriageStatus::New],
            ..Default::default()
        },
        InboxFilter {
            since: Some(since),
            until: Some(until),
            ..Default::default()
        },
        InboxFilter {
            since: Some(since),
            account_ids: vec![w.x_paris.id],
            statuses: vec![TriageStatus::New],
            ..Default::default()
        },
        InboxFilter {
            kinds: vec![ItemKind::XReply],
            ..Default::default()
        },
        InboxFilter {
            search: Some("visa".into()),
            ..Default::default()
        },
        InboxFilter {
            search: Some("climate".into()),
            group_ids: vec![w.europe.id],
            statuses: vec![TriageStatus::New],
            ..Default::default()
        },
        InboxFilter {
            search: Some("trade".into()),
            tags: vec!["urgent".into()],
            ..Default::default()
        },
        InboxFilter {
            include_deleted: true,
            languages: vec!["en".into()],
            ..Default::default()
        },
        InboxFilter {
            group_ids: vec![w.tokyo.id],
            networks: vec![Network::Facebook],
            ..Default::default()
        },
    ];
    let europe_accounts = [w.x_paris.id, w.fb_paris.id];
    for (n, f) in filters.iter().enumerate() {
        let expected: Vec<String> = everything
            .iter()
            .filter(|i| {
                (f.include_deleted || !i.deleted)
                    && (f.networks.is_empty() || f.networks.contains(&i.network))
                    && (f.account_ids.is_empty() || f.account_ids.contains(&i.account_id))
                    && (f.group_ids.is_empty()
                        || f.group_ids.iter().any(|g| {
                            if *g == w.europe.id || *g == w.paris.id {
                                europe_accounts.contains(&i.account_id)
                            } else {
                                i.account_id == w.x_tokyo.id
                            }
                        }))
                    && (f.statuses.is_empty() || f.statuses.contains(&i.status))
                    && (f.kinds.is_empty() || f.kinds.contains(&i.kind))
                    && match f.assignee {
                        None => true,
                        Some(AssigneeFilter::Unassigned) => i.assignee_id.is_none(),
                        Some(AssigneeFilter::Person { id }) => i.assignee_id == Some(id),
                    }
                    && (f.tags.is_empty()
                        || f.tags.iter().any(|t| i.tags.contains(&t.to_lowercase())))
                    && (f.languages.is_empty()
                        || f.languages.iter().any(|l| i.language.as_deref() == Some(l)))
                    && f.since.is_none_or(|s| i.created_at >= s)
                    && f.until.is_none_or(|u| i.created_at < u)
                    && f.search
                        .as_ref()
                        .is_none_or(|q| i.text.contains(q.as_str()))
            })
            .map(|i| i.external_id.clone() + "@" + &i.account_id.to_string())
            .collect();
        for page_size in [7, 50] {
            let got: Vec<String> = all_pages(&store, f, page_size)
                .await
                .iter()
                .map(|i| i.external_id.clone() + "@" + &i.account_id.to_string())
                .collect();
            assert_eq!(got, expected, "filter #{n} {f:?} page size {page_size}");
        }
        // The same filter over a given set of ids (the live merge of late items).
        let among: Vec<ItemId> = everything
            .iter()
            .filter(|_| rng.below(4) == 0)
            .take(150)
            .map(|i| i.id)
            .collect();
        let key = |i: &InboxItem| i.external_id.clone() + "@" + &i.account_id.to_string();
        let chosen: HashSet<String> = everything
            .iter()
            .filter(|i| among.contains(&i.id))
            .map(key)
            .collect();
        let got: Vec<String> = store
            .inbox_items_among(f, &among)
            .await
            .unwrap()
            .iter()
            .map(key)
            .collect();
        let want: Vec<String> = expected
            .iter()
            .filter(|e| chosen.contains(*e))
            .cloned()
            .collect();
        assert_eq!(got, want, "filter #{n} {f:?} among {} ids", among.len());
        assert!(
            !expected.is_empty() || n == 24,
            "filter #{n} should match something"
        );
    }
}

#[tokio::test]
async fn cursors_are_opaque_and_bad_ones_are_refused() {
    let (_d, store) = open().await;
    let w = world(&store).await;
    let items: Vec<NewItem> = (0..5).map(|i| x(&format!("{i}"), "t", i)).collect();
    store
        .ingest_page(w.x_paris.id, SyncStream::XMentions, &items, None, now())
        .await
        .unwrap();
    let p1 = store
        .inbox_page(&InboxFilter::default(), None, 2)
        .await
        .unwrap();
    assert_eq!(exts(&p1.items), vec!["4", "3"]);
    let c = p1.next_cursor.unwrap();
    assert!(!c.contains(&w.x_paris.id.to_string()));
    let p2 = store
        .inbox_page(&InboxFilter::default(), Some(&c), 2)
        .await
        .unwrap();
    assert_eq!(exts(&p2.items), vec!["2", "1"]);
    let p3 = store
        .inbox_page(&InboxFilter::default(), p2.next_cursor.as_deref(), 2)
        .await
        .unwrap();
    assert_eq!(exts(&p3.items), vec!["0"]);
    assert_eq!(p3.next_cursor, None);
    assert!(matches!(
        store
            .inbox_page(&InboxFilter::default(), Some("garbage"), 2)
            .await,
        Err(StoreError::Invalid(_))
    ));
    // An account filter that matches no account gives an empty page, not an error.
    let none = InboxFilter {
        account_ids: vec![chancery_model::accounts::AccountId(uuid::Uuid::nil())],
        ..Default::default()
    };
    assert!(store
        .inbox_page(&none, None, 10)
        .await
        .unwrap()
        .items
        .is_empty());
}

#[tokio::test]
async fn unread_counts_follow_ingest_triage_deletion_and_roll_up_groups() {
    let (dir, store) = open().await;
    let w = world(&store).await;
    let a: Vec<NewItem> = (0..5).map(|i| x(&format!("{i}"), "t", i)).collect();
    let b: Vec<NewItem> = (0..3)
        .map(|i| item(ItemKind::FbComment, &format!("{i}"), "t", i))
        .collect();
    let c: Vec<NewItem> = (0..2).map(|i| x(&format!("{i}"), "t", i)).collect();
    store
        .ingest_page(w.x_paris.id, SyncStream::XMentions, &a, None, now())
        .await
        .unwrap();
    store
        .ingest_page(w.fb_paris.id, SyncStream::FbComments, &b, None, now())
        .await
        .unwrap();
    store
        .ingest_page(w.x_tokyo.id, SyncStream::XMentions, &c, None, now())
        .await
        .unwrap();
    let ids: Vec<_> = (0..2)
        .map(|i| item_id(w.x_paris.id, &i.to_string()))
        .collect();
    let out = store
        .triage(
            &ids,
            &TriageChange::SetStatus {
                status: TriageStatus::Open,
            },
            now(),
        )
        .await
        .unwrap();
    assert_eq!(out.changed, 2);
    // Setting the same status again changes nothing.
    let out = store
        .triage(
            &ids,
            &TriageChange::SetStatus {
                status: TriageStatus::Open,
            },
            now(),
        )
        .await
        .unwrap();
    assert_eq!(out.changed, 0);
    store
        .triage(
            &[item_id(w.x_paris.id, "2")],
            &TriageChange::SetStatus {
                status: TriageStatus::Done,
            },
            now(),
        )
        .await
        .unwrap();
    let mut gone = b[0].clone();
    gone.deleted = true;
    store
        .ingest_page(w.fb_paris.id, SyncStream::FbComments, &[gone], None, now())
        .await
        .unwrap();

    let counts = store.unread_counts().await.unwrap();
    let acc = |id| {
        counts
            .accounts
            .iter()
            .find(|c| c.account_id == id)
            .map(|c| (c.unread, c.open))
            .unwrap()
    };
    assert_eq!(acc(w.x_paris.id), (2, 2));
    assert_eq!(acc(w.fb_paris.id), (2, 0));
    assert_eq!(acc(w.x_tokyo.id), (2, 0));
    let grp = |id| {
        counts
            .groups
            .iter()
            .find(|c| c.group_id == id)
            .map(|c| (c.unread, c.open))
            .unwrap()
    };
    assert_eq!(grp(w.paris.id), (4, 2));
    assert_eq!(grp(w.europe.id), (4, 2));
    assert_eq!(grp(w.tokyo.id), (2, 0));
    assert_eq!(counts.groups.len(), 4);

    store.delete_account(w.x_paris.id).await.unwrap();
    {
        // The cascade removed the items' bodies and index entries too.
        use sqlx::Connection;
        let mut conn = sqlx::SqliteConnection::connect(&format!(
            "sqlite://{}",
            dir.path().join("cache.db").display()
        ))
        .await
        .unwrap();
        let (items, bodies): (i64, i64) = sqlx::query_as(
            "SELECT (SELECT count(*) FROM items), (SELECT count(*) FROM item_bodies)",
        )
        .fetch_one(&mut conn)
        .await
        .unwrap();
        assert_eq!((items, bodies), (5, 5));
    }
    fts_integrity(&dir).await;
    let counts = store.unread_counts().await.unwrap();
    assert_eq!(counts.accounts.len(), 2);
    assert_eq!(
        counts
            .groups
            .iter()
            .find(|c| c.group_id == w.europe.id)
            .unwrap()
            .unread,
        2
    );
    assert!(store.get_item(ids[0]).await.unwrap().is_none());
}

#[tokio::test]
async fn threads_list_the_conversation_in_order_and_mark_our_own_items() {
    let (_d, store) = open().await;
    let w = world(&store).await;
    let mut root = x("900", "Our announcement", 0);
    root.author = ItemAuthor {
        external_id: "100".into(),
        handle: Some("EmbParis".into()),
        display_name: None,
    };
    root.kind = ItemKind::XReply;
    let mut reply = x("901", "@EmbParis question?", 5);
    reply.in_reply_to = Some("900".into());
    let mut answer = x("902", "@someone answer", 9);
    answer.author = ItemAuthor {
        external_id: "100".into(),
        handle: Some("EmbParis".into()),
        display_name: None,
    };
    answer.in_reply_to = Some("901".into());
    let other = x("950", "unrelated", 7);
    let mut conv = [root, reply, answer];
    for i in conv.iter_mut() {
        i.conversation_id = Some("900".into());
    }
    // Stored out of order, across two pages.
    store
        .ingest_page(
            w.x_paris.id,
            SyncStream::XMentions,
            &[conv[2].clone(), other],
            None,
            now(),
        )
        .await
        .unwrap();
    store
        .ingest_page(
            w.x_paris.id,
            SyncStream::XReplies,
            &[conv[1].clone(), conv[0].clone()],
            None,
            now(),
        )
        .await
        .unwrap();
    // The same reply seen by Tokyo too: listed once.
    store
        .ingest_page(
            w.x_tokyo.id,
            SyncStream::XMentions,
            &[conv[1].clone()],
            None,
            now(),
        )
        .await
        .unwrap();
    let thread = store.thread(item_id(w.x_paris.id, "901")).await.unwrap();
    assert_eq!(thread.conversation_id.as_deref(), Some("900"));
    let got: Vec<_> = thread
        .entries
        .iter()
        .map(|e| (e.item.external_id.as_str(), e.is_ours))
        .collect();
    assert_eq!(got, vec![("900", true), ("901", false), ("902", true)]);
    let single = store.thread(item_id(w.x_paris.id, "950")).await.unwrap();
    assert_eq!(single.entries.len(), 1);
    assert!(matches!(
        store.thread(item_id(w.fb_paris.id, "nope")).await,
        Err(StoreError::NotFound(_))
    ));
}

#[tokio::test]
async fn triage_assigns_tags_notes_in_bulk_and_reports_unknown_ids() {
    let (_d, store) = open().await;
    let w = world(&store).await;
    let ana = store
        .create_person("Ana", "ana@mfa.example", now())
        .await
        .unwrap();
    let mut gone = store
        .create_person("Gone", "gone@mfa.example", now())
        .await
        .unwrap();
    gone.active = false;
    store.update_person(&gone, now()).await.unwrap();
    let items: Vec<NewItem> = (0..4).map(|i| x(&format!("{i}"), "t", i)).collect();
    store
        .ingest_page(w.x_paris.id, SyncStream::XMentions, &items, None, now())
        .await
        .unwrap();
    let ids: Vec<_> = (0..4)
        .map(|i| item_id(w.x_paris.id, &i.to_string()))
        .collect();
    let unknown = item_id(w.x_tokyo.id, "nope");
    let mut with_unknown = ids.clone();
    with_unknown.push(unknown);

    let out = store
        .triage(
            &with_unknown,
            &TriageChange::Assign {
                person_id: Some(ana.id),
            },
            now(),
        )
        .await
        .unwrap();
    assert_eq!(out.changed, 4);
    assert_eq!(out.not_found, vec![unknown]);
    assert!(matches!(
        store
            .triage(
                &ids,
                &TriageChange::Assign {
                    person_id: Some(gone.id)
                },
                now()
            )
            .await,
        Err(StoreError::Invalid(_))
    ));
    let out = store
        .triage(&ids[..1], &TriageChange::Assign { person_id: None }, now())
        .await
        .unwrap();
    assert_eq!(out.changed, 1);
    assert_eq!(
        store.get_item(ids[0]).await.unwrap().unwrap().assignee_id,
        None
    );
    assert_eq!(
        store.get_item(ids[1]).await.unwrap().unwrap().assignee_id,
        Some(ana.id)
    );

    store
        .triage(
            &ids,
            &TriageChange::Tag {
                tag: "#Press".into(),
            },
            now(),
        )
        .await
        .unwrap();
    let out = store
        .triage(
            &ids,
            &TriageChange::Tag {
                tag: "press".into(),
            },
            now(),
        )
        .await
        .unwrap();
    assert_eq!(out.changed, 0, "tagging twice changes nothing");
    store
        .triage(
            &ids[..2],
            &TriageChange::Tag {
                tag: "urgent".into(),
            },
            now(),
        )
        .await
        .unwrap();
    let out = store
        .triage(
            &ids[1..],
            &TriageChange::Untag {
                tag: "PRESS".into(),
            },
            now(),
        )
        .await
        .unwrap();
    assert_eq!(out.changed, 3);
    assert_eq!(
        store.get_item(ids[0]).await.unwrap().unwrap().tags,
        vec!["press", "urgent"]
    );
    assert_eq!(
        store.get_item(ids[1]).await.unwrap().unwrap().tags,
        vec!["urgent"]
    );
    assert!(matches!(
        store
            .triage(&ids, &TriageChange::Tag { tag: " ".into() }, now())
            .await,
        Err(StoreError::Invalid(_))
    ));

    let n1 = store
        .add_note(ids[0], ana.id, "Called the journalist back", now())
        .await
        .unwrap();
    let n2 = store
        .add_note(
            ids[0],
            ana.id,
            "Follow-up tomorrow",
            now() + Duration::minutes(1),
        )
        .await
        .unwrap();
    assert_eq!(store.list_notes(ids[0]).await.unwrap(), vec![n1, n2]);
    assert!(matches!(
        store.add_note(unknown, ana.id, "x", now()).await,
        Err(StoreError::NotFound(_))
    ));
    assert!(matches!(
        store.add_note(ids[0], ana.id, "  ", now()).await,
        Err(StoreError::Invalid(_))
    ));
}

#[tokio::test]
async fn a_triage_and_its_audit_entry_are_stored_together() {
    let (_dir, store) = open().await;
    let w = world(&store).await;
    store
        .ingest_page(
            w.x_paris.id,
            SyncStream::XMentions,
            &[x("1", "one", 1), x("2", "two", 2)],
            None,
            now(),
        )
        .await
        .unwrap();
    let ids = [item_id(w.x_paris.id, "1"), item_id(w.x_paris.id, "2")];
    let done = TriageChange::SetStatus {
        status: TriageStatus::Done,
    };
    let record = |changed: u32| chancery_store::AuditRecord {
        at: now(),
        actor_id: None,
        actor_name: "Olivia".into(),
        action: "triage.status".into(),
        subject_kind: "item".into(),
        subject_id: "2 items".into(),
        content_hash: None,
        details: serde_json::json!({ "changed": changed }),
    };
    let out = store
        .triage_audited(&ids, &done, now(), |o| {
            (o.changed > 0).then(|| record(o.changed))
        })
        .await
        .unwrap();
    assert_eq!(out.changed, 2);
    let log = store.audit_entries(0, 10).await.unwrap();
    assert_eq!(log.len(), 1);
    assert_eq!(log[0].details, r#"{"changed":2}"#);
    // Nothing changes the second time, so nothing is recorded.
    let out = store
        .triage_audited(&ids, &done, now(), |o| {
            (o.changed > 0).then(|| record(o.changed))
        })
        .await
        .unwrap();
    assert_eq!(out.changed, 0);
    assert_eq!(store.audit_entries(0, 10).await.unwrap().len(), 1);
    // A change whose record cannot be stored is not stored either (the log refuses details
    // that are not a JSON object): the status stays as it was.
    let reopen = TriageChange::SetStatus {
        status: TriageStatus::Open,
    };
    let bad = store
        .triage_audited(&ids, &reopen, now(), |o| {
            let mut r = record(o.changed);
            r.details = serde_json::json!("not an object");
            Some(r)
        })
        .await;
    assert!(bad.is_err(), "{bad:?}");
    let item = store.get_item(ids[0]).await.unwrap().unwrap();
    assert_eq!(item.status, TriageStatus::Done);
    assert_eq!(store.audit_entries(0, 10).await.unwrap().len(), 1);
}

#[tokio::test]
async fn a_registry_import_is_stored_whole_or_not_at_all() {
    let (_dir, store) = open().await;
    let w = world(&store).await;
    let groups_before = store.list_groups().await.unwrap().len();
    let accounts_before = store.list_accounts().await.unwrap().len();
    let africa = Group {
        id: chancery_model::accounts::GroupId::new_v7(now()),
        name: "Africa".into(),
        kind: GroupKind::Region,
        parent_id: None,
    };
    let nairobi = Group {
        id: chancery_model::accounts::GroupId::new_v7(now()),
        name: "Embassy Nairobi".into(),
        kind: GroupKind::Post,
        parent_id: Some(africa.id),
    };
    let input = |handle: &str, group| AccountInput {
        network: Network::X,
        external_id: None,
        handle: handle.into(),
        display_name: handle.into(),
        avatar_path: None,
        time_zone: "Africa/Nairobi".into(),
        language: "sw".into(),
        group_id: group,
        kind: AccountKind::Institutional,
    };
    // The last row names a group that does not exist: nothing of the import is kept.
    let bad = store
        .import_registry(
            &[africa.clone(), nairobi.clone()],
            &[
                input("EmbNairobi", nairobi.id),
                input("EmbParisNew", w.paris.id),
                input("Lost", chancery_model::accounts::GroupId::new_v7(now())),
            ],
            now(),
        )
        .await;
    assert!(matches!(bad, Err(StoreError::NotFound(_))), "{bad:?}");
    assert_eq!(store.list_groups().await.unwrap().len(), groups_before);
    assert_eq!(store.list_accounts().await.unwrap().len(), accounts_before);
    // The same import without the bad row: all of it, and a second run only updates.
    let rows = [
        input("EmbNairobi", nairobi.id),
        input("EmbParisNew", w.paris.id),
    ];
    let done = store
        .import_registry(&[africa.clone(), nairobi.clone()], &rows, now())
        .await
        .unwrap();
    assert!(done.iter().all(|(_, created)| *created));
    assert_eq!(store.list_groups().await.unwrap().len(), groups_before + 2);
    assert_eq!(
        store.list_accounts().await.unwrap().len(),
        accounts_before + 2
    );
    let again = store.import_registry(&[], &rows, now()).await.unwrap();
    assert!(again.iter().all(|(_, created)| !*created));
    assert_eq!(
        store.list_accounts().await.unwrap().len(),
        accounts_before + 2
    );
}

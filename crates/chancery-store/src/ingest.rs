//! Ingest: a page of items from the sync engine, with its cursor, in one transaction.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, OnceLock};

use chancery_model::accounts::{AccountId, Network};
use chancery_model::items::{
    CursorUpdate, IngestReport, ItemRejection, MalformedPayload, NewItem, SyncStream,
};
use chrono::{DateTime, Utc};
use sqlx::{Sqlite, Transaction};
use uuid::Uuid;

use crate::columns::{parse_enum, placeholders, to_ms};
use crate::error::{StoreError, StoreResult};
use crate::{item_id, raw_payload, search_text, Store};

/// Longest text accepted (Facebook allows ~63k characters in a post).
pub const MAX_TEXT_CHARS: usize = 70_000;
/// Largest raw payload accepted for an item (1 MiB).
pub const MAX_RAW_BYTES: usize = 1 << 20;
/// Longest network id accepted (ids, conversation ids, author ids).
pub const MAX_EXTERNAL_ID_BYTES: usize = 128;
/// Longest handle, display name, permalink or language tag accepted.
const MAX_SHORT_FIELD_BYTES: usize = 2048;
/// The earliest creation time accepted (2000-01-01T00:00:00Z) and the furthest ahead of `now`.
const EARLIEST_MS: i64 = 946_684_800_000;
const MAX_FUTURE_MS: i64 = 24 * 3600 * 1000;

/// Bits of `seq` below the creation millisecond (see the items table in the migration).
pub(crate) const SEQ_SHIFT: u32 = 10;

/// Parameters per body row and per item row.
const BODY_COLUMNS: usize = 11;
const ITEM_COLUMNS: usize = 13;
/// Most rows per multi-row INSERT (a power of two; well under SQLite's 32766 parameters).
const ROWS_PER_INSERT: usize = 256;
/// Parameters per `IN (...)` lookup.
const KEYS_PER_LOOKUP: usize = 500;

/// A new item validated and encoded for its row (CPU work done before taking the write lock).
struct PreparedItem<'a> {
    index: usize,
    id: Uuid,
    kind: &'static str,
    network: Network,
    external_id: &'a str,
    author_external_id: &'a str,
    author_handle: Option<&'a str>,
    author_name: Option<&'a str>,
    text: &'a str,
    lang: Option<String>,
    created_ms: i64,
    edited_ms: Option<i64>,
    conversation_id: Option<&'a str>,
    in_reply_to: Option<&'a str>,
    permalink: Option<&'a str>,
    entities: String,
    raw_format: i64,
    raw: Vec<u8>,
    deleted: bool,
    search_body: Option<String>,
}

/// Everything a page holds, as accepted by [`Store::ingest_page_with`].
#[derive(Debug, Clone, Copy)]
pub struct IngestPage<'a> {
    pub account_id: AccountId,
    pub stream: SyncStream,
    pub items: &'a [NewItem],
    /// Payloads the sync engine could not parse; quarantined in the same transaction.
    pub malformed: &'a [MalformedPayload],
    /// The stream's new cursor; `None` leaves it as it is.
    pub cursor: Option<&'a CursorUpdate>,
    pub received_at: DateTime<Utc>,
}

fn id_field<'a>(what: &str, v: &'a str) -> Result<&'a str, String> {
    if v.is_empty() {
        return Err(format!("{what} is empty"));
    }
    if v.len() > MAX_EXTERNAL_ID_BYTES {
        return Err(format!(
            "{what} is longer than {MAX_EXTERNAL_ID_BYTES} bytes"
        ));
    }
    if v.chars().any(char::is_control) {
        return Err(format!("{what} contains control characters"));
    }
    Ok(v)
}

fn opt_id_field<'a>(what: &str, v: &'a Option<String>) -> Result<Option<&'a str>, String> {
    match v.as_deref() {
        None | Some("") => Ok(None),
        Some(s) => id_field(what, s).map(Some),
    }
}

fn short_field<'a>(what: &str, v: &'a Option<String>) -> Result<Option<&'a str>, String> {
    match v.as_deref() {
        None | Some("") => Ok(None),
        Some(s) if s.len() > MAX_SHORT_FIELD_BYTES => Err(format!(
            "{what} is longer than {MAX_SHORT_FIELD_BYTES} bytes"
        )),
        Some(s) => Ok(Some(s)),
    }
}

/// The primary language subtag, lower case; `None` for unknown (`und`, X's `qme`/`zxx`...).
fn primary_language(tag: Option<&str>) -> Option<String> {
    let primary = tag?.split(['-', '_']).next()?.trim();
    if !(2..=3).contains(&primary.len()) || !primary.chars().all(|c| c.is_ascii_alphabetic()) {
        return None;
    }
    let p = primary.to_ascii_lowercase();
    if matches!(
        p.as_str(),
        "und" | "zxx" | "qme" | "qht" | "qam" | "qct" | "qst"
    ) {
        return None;
    }
    Some(p)
}

fn prepare(
    index: usize,
    account: AccountId,
    item: &NewItem,
    now_ms: i64,
) -> Result<PreparedItem<'_>, String> {
    let external_id = id_field("the item id", &item.external_id)?;
    let author_external_id = id_field("the author id", &item.author.external_id)?;
    let chars = item.text.chars().count();
    if chars > MAX_TEXT_CHARS {
        return Err(format!(
            "the text has {chars} characters, more than {MAX_TEXT_CHARS}"
        ));
    }
    if item.raw.len() > MAX_RAW_BYTES {
        return Err(format!(
            "the raw payload has {} bytes, more than {MAX_RAW_BYTES}",
            item.raw.len()
        ));
    }
    let created_ms = to_ms(item.created_at);
    if !(EARLIEST_MS..=now_ms + MAX_FUTURE_MS).contains(&created_ms) {
        return Err(format!(
            "the creation time {} is not plausible",
            item.created_at.to_rfc3339()
        ));
    }
    let (raw_format, raw) = raw_payload::encode(&item.raw);
    Ok(PreparedItem {
        index,
        id: item_id(account, external_id).0,
        kind: item.kind.as_str(),
        network: item.kind.network(),
        external_id,
        author_external_id,
        author_handle: short_field("the author handle", &item.author.handle)?,
        author_name: short_field("the author name", &item.author.display_name)?,
        text: &item.text,
        lang: primary_language(item.language.as_deref()),
        created_ms,
        edited_ms: item.edited_at.map(to_ms),
        conversation_id: opt_id_field("the conversation id", &item.conversation_id)?,
        in_reply_to: opt_id_field("the in-reply-to id", &item.in_reply_to)?,
        permalink: short_field("the permalink", &item.permalink)?,
        entities: serde_json::to_string(&item.entities).map_err(|e| format!("entities: {e}"))?,
        raw_format,
        raw,
        deleted: item.deleted,
        search_body: search_text::search_body(&item.text),
    })
}

/// Generated SQL texts by (table, row count).
type SqlCache = Mutex<HashMap<(&'static str, usize), Arc<str>>>;

/// A multi-row INSERT, built once per (table, row count).
fn cached_sql(key: (&'static str, usize), build: impl FnOnce() -> String) -> Arc<str> {
    static CACHE: OnceLock<SqlCache> = OnceLock::new();
    let cache = CACHE.get_or_init(|| Mutex::new(HashMap::new()));
    if let Ok(map) = cache.lock() {
        if let Some(sql) = map.get(&key) {
            return sql.clone();
        }
    }
    let sql: Arc<str> = build().into();
    if let Ok(mut map) = cache.lock() {
        map.insert(key, sql.clone());
    }
    sql
}

/// `(?, ?, ...), (...)`: `rows` groups of `columns` anonymous parameters. (Not `?NNN`: sqlx
/// asks SQLite for every parameter's name, a linear search per numbered parameter, which
/// made binding quadratic in the statement size.)
fn values_list(sql: &mut String, rows: usize, columns: usize) {
    for r in 0..rows {
        sql.push_str(if r > 0 { ",(" } else { "(" });
        for c in 0..columns {
            sql.push_str(if c > 0 { ",?" } else { "?" });
        }
        sql.push(')');
    }
}

/// `INSERT INTO item_bodies` for `rows` rows.
fn bodies_sql(rows: usize) -> Arc<str> {
    cached_sql(("bodies", rows), || {
        let mut sql = String::from(
            "INSERT INTO item_bodies (id, author_external_id, author_handle, author_name, text, \
             search_body, in_reply_to, permalink, entities, raw, raw_format) VALUES ",
        );
        values_list(&mut sql, rows, BODY_COLUMNS);
        sql
    })
}

/// `INSERT INTO items` for `rows` rows.
fn items_sql(rows: usize) -> Arc<str> {
    cached_sql(("items", rows), || {
        let mut sql = String::from(
            "INSERT INTO items (account_id, ingested_ms, updated_ms, seq, id, kind, external_id, \
             lang, created_ms, edited_ms, conversation_id, deleted, body_id) VALUES ",
        );
        values_list(&mut sql, rows, ITEM_COLUMNS);
        sql
    })
}

fn bind_body<'q>(
    q: sqlx::query::Query<'q, Sqlite, sqlx::sqlite::SqliteArguments>,
    body_id: i64,
    p: &'q PreparedItem<'_>,
) -> sqlx::query::Query<'q, Sqlite, sqlx::sqlite::SqliteArguments> {
    q.bind(body_id)
        .bind(p.author_external_id)
        .bind(p.author_handle)
        .bind(p.author_name)
        .bind(p.text)
        .bind(p.search_body.as_deref())
        .bind(p.in_reply_to)
        .bind(p.permalink)
        .bind(p.entities.as_str())
        .bind(p.raw.as_slice())
        .bind(p.raw_format)
}

/// A stored item as far as deduplication needs it.
struct Existing {
    text: String,
    deleted: bool,
    edited_ms: Option<i64>,
}

impl Store {
    /// Store a page of items for `account`'s `stream` and move the stream's cursor, in one
    /// transaction. See [`Store::ingest_page_with`].
    pub async fn ingest_page(
        &self,
        account_id: AccountId,
        stream: SyncStream,
        items: &[NewItem],
        cursor: Option<&CursorUpdate>,
        now: DateTime<Utc>,
    ) -> StoreResult<IngestReport> {
        self.ingest_page_with(IngestPage {
            account_id,
            stream,
            items,
            malformed: &[],
            cursor,
            received_at: now,
        })
        .await
    }

    /// Store a page: new items are inserted; items already stored are left alone unless the
    /// network reports them edited (text or edit time changed) or deleted, in which case they
    /// are updated in place (triage state kept); repeats within the page count as duplicates;
    /// invalid items (empty or oversized ids, oversized text or payload, implausible time, an
    /// item of the other network) and `malformed` payloads go to the quarantine with the
    /// reason. The cursor moves in the same transaction, so a crash leaves either the whole
    /// page and its cursor or neither.
    ///
    /// Errors (nothing stored): the account does not exist, or the stream is of the other
    /// network.
    pub async fn ingest_page_with(&self, page: IngestPage<'_>) -> StoreResult<IngestReport> {
        let now_ms = to_ms(page.received_at);
        let mut report = IngestReport::default();
        let mut quarantine: Vec<(Option<&str>, &str, String)> = Vec::new();
        let mut prepared: Vec<PreparedItem<'_>> = Vec::with_capacity(page.items.len());
        let mut seen: HashSet<&str> = HashSet::with_capacity(page.items.len());
        for (index, item) in page.items.iter().enumerate() {
            match prepare(index, page.account_id, item, now_ms) {
                Ok(p) => {
                    if seen.insert(p.external_id) {
                        prepared.push(p);
                    } else {
                        report.duplicates += 1;
                    }
                }
                Err(reason) => {
                    let ext = (!item.external_id.is_empty()).then_some(item.external_id.as_str());
                    quarantine.push((ext, item.raw.as_str(), reason));
                }
            }
        }
        for m in page.malformed {
            quarantine.push((m.external_id.as_deref(), m.raw.as_str(), m.reason.clone()));
        }

        let account = page.account_id.0.as_bytes().to_vec();
        let mut tx = self.write.begin_with("BEGIN IMMEDIATE").await?;
        let network: Option<String> =
            sqlx::query_scalar("SELECT network FROM accounts WHERE id = ?")
                .bind(account.as_slice())
                .fetch_optional(&mut *tx)
                .await?;
        let Some(network) = network else {
            return Err(StoreError::NotFound(format!("account {}", page.account_id)));
        };
        let network = parse_enum("network", &network, Network::parse)?;
        if page.stream.network() != network {
            return Err(StoreError::Invalid(format!(
                "the stream {} is not a {} stream",
                page.stream.as_str(),
                network.as_str()
            )));
        }
        prepared.retain(|p| {
            if p.network == network {
                return true;
            }
            let item = &page.items[p.index];
            quarantine.push((
                Some(p.external_id),
                item.raw.as_str(),
                format!(
                    "a {} item cannot belong to a {} account",
                    p.kind,
                    network.as_str()
                ),
            ));
            false
        });

        let existing = load_existing(&mut tx, &account, &prepared).await?;
        let mut new_items: Vec<PreparedItem<'_>> = Vec::with_capacity(prepared.len());
        let mut updates: Vec<PreparedItem<'_>> = Vec::new();
        for p in prepared {
            match existing.get(p.external_id) {
                None => new_items.push(p),
                Some(old) => {
                    let edited = p.edited_ms.is_some() && p.edited_ms > old.edited_ms;
                    if old.text != p.text || old.deleted != p.deleted || edited {
                        updates.push(p);
                    } else {
                        report.duplicates += 1;
                    }
                }
            }
        }

        let seqs = assign_seqs(&mut tx, &new_items).await?;
        // Insert in ascending seq: FTS5 flushes its pending terms to a new segment whenever a
        // rowid is lower than the previous one in the transaction (and the b-trees prefer it).
        let mut order: Vec<usize> = (0..new_items.len()).collect();
        order.sort_unstable_by_key(|&i| seqs[i]);
        let mut slots: Vec<Option<PreparedItem<'_>>> = new_items.into_iter().map(Some).collect();
        let new_items: Vec<PreparedItem<'_>> =
            order.iter().filter_map(|&i| slots[i].take()).collect();
        let seqs: Vec<i64> = order.iter().map(|&i| seqs[i]).collect();
        // Body ids: appended after the highest (we hold the write lock).
        let max_body: i64 = sqlx::query_scalar("SELECT coalesce(max(id), 0) FROM item_bodies")
            .fetch_one(&mut *tx)
            .await?;
        let mut next_body = max_body + 1;
        // Statements of 256, 128, ... 1 rows: few distinct statements to prepare and cache,
        // whatever the page size.
        let mut chunks: Vec<(&[PreparedItem<'_>], &[i64])> = Vec::new();
        let (mut rest, mut rest_seqs) = (new_items.as_slice(), seqs.as_slice());
        while !rest.is_empty() {
            let n = if rest.len() >= ROWS_PER_INSERT {
                ROWS_PER_INSERT
            } else {
                1 << rest.len().ilog2()
            };
            chunks.push((&rest[..n], &rest_seqs[..n]));
            rest = &rest[n..];
            rest_seqs = &rest_seqs[n..];
        }
        for (chunk, seq_chunk) in chunks {
            let first_body = next_body;
            let mut q = sqlx::query(sqlx::AssertSqlSafe(bodies_sql(chunk.len())));
            for p in chunk {
                q = bind_body(q, next_body, p);
                next_body += 1;
            }
            q.execute(&mut *tx).await?;
            let mut q = sqlx::query(sqlx::AssertSqlSafe(items_sql(chunk.len())));
            for (k, (p, seq)) in chunk.iter().zip(seq_chunk).enumerate() {
                q = q
                    .bind(account.as_slice())
                    .bind(now_ms)
                    .bind(now_ms)
                    .bind(*seq)
                    .bind(p.id.as_bytes().as_slice())
                    .bind(p.kind)
                    .bind(p.external_id)
                    .bind(p.lang.as_deref())
                    .bind(p.created_ms)
                    .bind(p.edited_ms)
                    .bind(p.conversation_id)
                    .bind(p.deleted)
                    .bind(first_body + k as i64);
            }
            q.execute(&mut *tx).await?;
        }
        report.inserted = u32::try_from(new_items.len()).unwrap_or(u32::MAX);
        report.inserted_ids = new_items
            .iter()
            .map(|p| chancery_model::items::ItemId(p.id))
            .collect();

        for p in &updates {
            // A new body; the item's trigger re-indexes it and drops the old one.
            bind_body(
                sqlx::query(sqlx::AssertSqlSafe(bodies_sql(1))),
                next_body,
                p,
            )
            .execute(&mut *tx)
            .await?;
            sqlx::query(
                "UPDATE items SET body_id = ?, deleted = ?, edited_ms = coalesce(?, edited_ms),
                     lang = coalesce(?, lang), updated_ms = ?
                 WHERE account_id = ? AND external_id = ?",
            )
            .bind(next_body)
            .bind(p.deleted)
            .bind(p.edited_ms)
            .bind(p.lang.as_deref())
            .bind(now_ms)
            .bind(account.as_slice())
            .bind(p.external_id)
            .execute(&mut *tx)
            .await?;
            next_body += 1;
        }
        report.updated = u32::try_from(updates.len()).unwrap_or(u32::MAX);

        for (external_id, raw, reason) in &quarantine {
            insert_quarantine(
                &mut tx,
                page.account_id,
                page.stream,
                *external_id,
                raw,
                reason,
                page.received_at,
            )
            .await?;
            report.rejections.push(ItemRejection {
                external_id: external_id.map(str::to_string),
                reason: reason.clone(),
            });
        }
        report.quarantined = u32::try_from(quarantine.len()).unwrap_or(u32::MAX);

        if let Some(cursor) = page.cursor {
            crate::sync_state::write_cursor(&mut tx, page.account_id, page.stream, cursor, now_ms)
                .await?;
        }
        tx.commit().await?;
        Ok(report)
    }
}

async fn load_existing(
    tx: &mut Transaction<'static, Sqlite>,
    account: &[u8],
    prepared: &[PreparedItem<'_>],
) -> StoreResult<HashMap<String, Existing>> {
    let mut out = HashMap::new();
    for chunk in prepared.chunks(KEYS_PER_LOOKUP) {
        let sql = format!(
            "SELECT i.external_id, b.text, i.deleted, i.edited_ms
             FROM items i JOIN item_bodies b ON b.id = i.body_id
             WHERE i.account_id = ? AND i.external_id IN ({})",
            placeholders(chunk.len())
        );
        let mut q =
            sqlx::query_as::<_, (String, String, bool, Option<i64>)>(sqlx::AssertSqlSafe(sql))
                .bind(account);
        for p in chunk {
            q = q.bind(p.external_id);
        }
        for (ext, text, deleted, edited_ms) in q.fetch_all(&mut **tx).await? {
            out.insert(
                ext,
                Existing {
                    text,
                    deleted,
                    edited_ms,
                },
            );
        }
    }
    Ok(out)
}

/// `seq` for each new item: its creation millisecond shifted left, plus 10 bits of its id,
/// moved up to the next free value on a clash (with stored items or within the page).
async fn assign_seqs(
    tx: &mut Transaction<'static, Sqlite>,
    items: &[PreparedItem<'_>],
) -> StoreResult<Vec<i64>> {
    let low_mask = (1i64 << SEQ_SHIFT) - 1;
    let wanted: Vec<i64> = items
        .iter()
        .map(|p| {
            let b = p.id.as_bytes();
            (p.created_ms << SEQ_SHIFT) | (i64::from(u16::from_be_bytes([b[14], b[15]])) & low_mask)
        })
        .collect();
    let mut stored: HashSet<i64> = HashSet::new();
    for chunk in wanted.chunks(KEYS_PER_LOOKUP) {
        let sql = format!(
            "SELECT seq FROM items WHERE seq IN ({})",
            placeholders(chunk.len())
        );
        let mut q = sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(sql));
        for s in chunk {
            q = q.bind(*s);
        }
        stored.extend(q.fetch_all(&mut **tx).await?);
    }
    let mut taken: HashSet<i64> = HashSet::with_capacity(wanted.len());
    let mut out = Vec::with_capacity(wanted.len());
    for &w in &wanted {
        let mut s = w;
        loop {
            if taken.contains(&s) || stored.contains(&s) {
                s += 1;
                continue;
            }
            if s != w {
                // Probed past the looked-up value: ask the table about this one.
                let hit: Option<i64> = sqlx::query_scalar("SELECT seq FROM items WHERE seq = ?")
                    .bind(s)
                    .fetch_optional(&mut **tx)
                    .await?;
                if hit.is_some() {
                    stored.insert(s);
                    s += 1;
                    continue;
                }
            }
            break;
        }
        taken.insert(s);
        out.push(s);
    }
    Ok(out)
}

pub(crate) async fn insert_quarantine(
    tx: &mut Transaction<'static, Sqlite>,
    account: AccountId,
    stream: SyncStream,
    external_id: Option<&str>,
    raw: &str,
    reason: &str,
    received_at: DateTime<Utc>,
) -> StoreResult<()> {
    // Keep at most 4 MiB of a payload (it is evidence, not data).
    let mut cut = raw.len().min(4 * MAX_RAW_BYTES);
    while !raw.is_char_boundary(cut) {
        cut -= 1;
    }
    let (format, bytes) = raw_payload::encode(&raw[..cut]);
    let external_id = external_id.map(|e| {
        let mut end = e.len().min(MAX_EXTERNAL_ID_BYTES * 4);
        while !e.is_char_boundary(end) {
            end -= 1;
        }
        &e[..end]
    });
    sqlx::query(
        "INSERT INTO quarantine (id, account_id, stream, external_id, reason, raw, raw_format, received_ms)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(Uuid::new_v7(uuid::Timestamp::from_unix(
        uuid::NoContext,
        u64::try_from(received_at.timestamp()).unwrap_or(0),
        received_at.timestamp_subsec_nanos(),
    ))
    .as_bytes()
    .as_slice())
    .bind(account.0.as_bytes().as_slice())
    .bind(stream.as_str())
    .bind(external_id)
    .bind(reason)
    .bind(bytes)
    .bind(format)
    .bind(to_ms(received_at))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn primary_language_subtags() {
        assert_eq!(primary_language(Some("en")).as_deref(), Some("en"));
        assert_eq!(primary_language(Some("zh-Hant")).as_deref(), Some("zh"));
        assert_eq!(primary_language(Some("pt_BR")).as_deref(), Some("pt"));
        assert_eq!(primary_language(Some("und")), None);
        assert_eq!(primary_language(Some("qme")), None);
        assert_eq!(primary_language(Some("e")), None);
        assert_eq!(primary_language(Some("12")), None);
        assert_eq!(primary_language(None), None);
    }

    #[test]
    fn insert_sql_numbers_parameters() {
        let sql = items_sql(2);
        assert_eq!(sql.matches('?').count(), 26);
        assert!(sql.ends_with("VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?),(?,?,?,?,?,?,?,?,?,?,?,?,?)"));
        assert_eq!(bodies_sql(3).matches('?').count(), 33);
    }
}

//! Inbox queries: filtered pages (newest first, keyset pagination), unread counts, threads.
//!
//! Query planning. Every index on `items` ends (implicitly) in `seq`, and `seq` orders by
//! creation time, so any equality prefix of an index yields items newest first. A page is
//! read from one *driver*, a union of such ordered ranges ("arms") merged by SQLite
//! (`MERGE (UNION ALL)`, no sort), with the remaining filters checked row by row and a LIMIT:
//! - full-text search: the FTS5 index in descending rowid order;
//! - an assignee: `items_by_assignee (assignee_id, status)`;
//! - tags: `item_tags (tag, item_seq)`;
//! - accounts (from accounts, groups, networks) and statuses: `items_by_account_status`,
//!   or `items_by_status`, or the table itself in `seq` order, whichever the per-account
//!   counters say reads the fewest rows;
//! - languages: `items_by_lang (lang)`.
//!
//! The driver is forced (`INDEXED BY` / `NOT INDEXED`) so the plan does not depend on stats.

use std::collections::{HashMap, HashSet};

use chancery_model::accounts::{AccountId, GroupId, PersonId};
use chancery_model::inbox::{
    AccountCounts, AssigneeFilter, GroupCounts, InboxFilter, InboxPage, Thread, ThreadEntry,
    UnreadCounts,
};
use chancery_model::items::{Entities, InboxItem, ItemAuthor, ItemId, ItemKind, TriageStatus};
use sqlx::sqlite::{SqliteArguments, SqliteRow};
use sqlx::{Arguments, Row};

use crate::columns::{
    count_u32, from_ms, opt_from_ms, opt_uuid_from_blob, parse_enum, placeholders, to_ms,
    uuid_from_blob,
};
use crate::error::{StoreError, StoreResult};
use crate::ingest::SEQ_SHIFT;
use crate::registry::{account_keys_on, groups_on, GroupTree};
use crate::{raw_payload, search_text, Store};
use sqlx::SqliteConnection;

pub const DEFAULT_PAGE_SIZE: u32 = 50;
pub const MAX_PAGE_SIZE: u32 = 500;
/// Most arms one query merges (SQLite allows 500 compound terms; long compounds are slow to
/// prepare).
const MAX_ARMS: usize = 64;
/// Cost of one arm, in rows read (its share of preparing the statement, its seek).
const ARM_COST: f64 = 25.0;

/// The columns of an item; the query joins `item_bodies b ON b.id = i.body_id`.
pub(crate) const ITEM_COLUMNS: &str = "i.seq, i.id, i.account_id, i.kind, i.external_id, \
    b.author_external_id, b.author_handle, b.author_name, b.text, i.lang, i.created_ms, \
    i.edited_ms, i.conversation_id, b.in_reply_to, b.permalink, b.entities, i.deleted, i.status, \
    i.assignee_id";
const BODY_JOIN: &str = " CROSS JOIN item_bodies b ON b.id = i.body_id";

/// A row of [`ITEM_COLUMNS`]: `(seq, item)` with the tags still empty.
pub(crate) fn item_from_row(row: &SqliteRow) -> StoreResult<(i64, InboxItem)> {
    let kind = parse_enum("item kind", row.try_get(3)?, ItemKind::parse)?;
    let entities: &str = row.try_get(15)?;
    let entities: Entities = serde_json::from_str(entities)
        .map_err(|e| StoreError::Corrupt(format!("entities: {e}")))?;
    Ok((
        row.try_get(0)?,
        InboxItem {
            id: ItemId(uuid_from_blob(row.try_get::<&[u8], _>(1)?)?),
            account_id: AccountId(uuid_from_blob(row.try_get::<&[u8], _>(2)?)?),
            network: kind.network(),
            kind,
            external_id: row.try_get(4)?,
            author: ItemAuthor {
                external_id: row.try_get(5)?,
                handle: row.try_get(6)?,
                display_name: row.try_get(7)?,
            },
            text: row.try_get(8)?,
            language: row.try_get(9)?,
            created_at: from_ms(row.try_get(10)?)?,
            edited_at: opt_from_ms(row.try_get(11)?)?,
            conversation_id: row.try_get(12)?,
            in_reply_to: row.try_get(13)?,
            permalink: row.try_get(14)?,
            entities,
            deleted: row.try_get(16)?,
            status: parse_enum("status", row.try_get(17)?, TriageStatus::parse)?,
            assignee_id: opt_uuid_from_blob(row.try_get(18)?)?.map(PersonId),
            tags: Vec::new(),
        },
    ))
}

/// The opaque page cursor: the last item's creation time and public id.
fn encode_cursor(item: &InboxItem) -> String {
    let mut bytes = Vec::with_capacity(24);
    bytes.extend_from_slice(&to_ms(item.created_at).to_be_bytes());
    bytes.extend_from_slice(item.id.0.as_bytes());
    format!("c1{}", hex::encode(bytes))
}

fn decode_cursor(cursor: &str) -> StoreResult<(i64, [u8; 16])> {
    let bad =
        || StoreError::Invalid("the page cursor is not valid; start from the first page".into());
    let hex_part = cursor.strip_prefix("c1").ok_or_else(bad)?;
    let bytes = hex::decode(hex_part).map_err(|_| bad())?;
    if bytes.len() != 24 {
        return Err(bad());
    }
    let mut ms = [0u8; 8];
    ms.copy_from_slice(&bytes[..8]);
    let mut id = [0u8; 16];
    id.copy_from_slice(&bytes[8..]);
    Ok((i64::from_be_bytes(ms), id))
}

/// SQL text with its bind values, built together so they cannot drift apart.
#[derive(Default)]
struct SqlBuf {
    sql: String,
    args: SqliteArguments,
}

impl SqlBuf {
    fn push(&mut self, s: &str) -> &mut Self {
        self.sql.push_str(s);
        self
    }

    fn bind<T>(&mut self, v: T) -> StoreResult<&mut Self>
    where
        T: for<'q> sqlx::Encode<'q, sqlx::Sqlite> + sqlx::Type<sqlx::Sqlite>,
    {
        self.sql.push('?');
        self.args
            .add(v)
            .map_err(|e| StoreError::Invalid(format!("query value: {e}")))?;
        Ok(self)
    }

    fn bind_list<T>(&mut self, values: impl IntoIterator<Item = T>) -> StoreResult<&mut Self>
    where
        T: for<'q> sqlx::Encode<'q, sqlx::Sqlite> + sqlx::Type<sqlx::Sqlite>,
    {
        self.sql.push('(');
        for (i, v) in values.into_iter().enumerate() {
            if i > 0 {
                self.sql.push_str(", ");
            }
            self.bind(v)?;
        }
        self.sql.push(')');
        Ok(self)
    }
}

/// Which filters the driver already applies (so they are not checked again per row).
#[derive(Default, Clone, Copy)]
struct Covered {
    scope: bool,
    statuses: bool,
    assignee: bool,
    tags: bool,
    languages: bool,
    search: bool,
}

/// The filter, resolved against the registry.
struct Resolved {
    /// `None`: all accounts.
    scope: Option<Vec<AccountId>>,
    /// `None`: all statuses.
    statuses: Option<Vec<TriageStatus>>,
    kinds: Vec<ItemKind>,
    languages: Vec<String>,
    assignee: Option<AssigneeFilter>,
    tags: Vec<String>,
    search: Option<String>,
    since_ms: Option<i64>,
    until_ms: Option<i64>,
    include_deleted: bool,
    /// Exclusive upper bound on seq (cursor and `until`), inclusive lower bound (`since`).
    seq_hi: i64,
    seq_lo: i64,
}

enum Driver {
    Search,
    Assignee(PersonId),
    Tags,
    AccountStatus(Vec<(AccountId, TriageStatus)>),
    Status(Vec<TriageStatus>),
    Languages,
    Table,
}

impl Resolved {
    /// Append the per-row checks not covered by the driver, each preceded by ` AND `.
    fn residual(&self, b: &mut SqlBuf, covered: Covered) -> StoreResult<()> {
        if let (Some(scope), false) = (&self.scope, covered.scope) {
            b.push(" AND i.account_id IN ");
            b.bind_list(scope.iter().map(|a| a.0.as_bytes().to_vec()))?;
        }
        if let (Some(statuses), false) = (&self.statuses, covered.statuses) {
            b.push(" AND i.status IN ");
            b.bind_list(statuses.iter().map(|s| s.as_str()))?;
        }
        if !self.kinds.is_empty() {
            b.push(" AND i.kind IN ");
            b.bind_list(self.kinds.iter().map(|k| k.as_str()))?;
        }
        if !self.languages.is_empty() && !covered.languages {
            b.push(" AND i.lang IN ");
            b.bind_list(
                self.languages
                    .iter()
                    .map(String::as_str)
                    .map(str::to_string),
            )?;
        }
        match (self.assignee, covered.assignee) {
            (Some(AssigneeFilter::Person { id }), false) => {
                b.push(" AND i.assignee_id = ");
                b.bind(id.0.as_bytes().to_vec())?;
            }
            (Some(AssigneeFilter::Unassigned), _) => {
                b.push(" AND i.assignee_id IS NULL");
            }
            _ => {}
        }
        if !self.tags.is_empty() && !covered.tags {
            b.push(
                " AND EXISTS (SELECT 1 FROM item_tags t2 WHERE t2.item_seq = i.seq AND t2.tag IN ",
            );
            b.bind_list(self.tags.iter().cloned())?;
            b.push(")");
        }
        if let Some(ms) = self.since_ms {
            b.push(" AND i.created_ms >= ");
            b.bind(ms)?;
        }
        if let Some(ms) = self.until_ms {
            b.push(" AND i.created_ms < ");
            b.bind(ms)?;
        }
        if !self.include_deleted {
            b.push(" AND i.deleted = 0");
        }
        if let (Some(q), false) = (&self.search, covered.search) {
            b.push(" AND i.seq IN (SELECT rowid FROM items_fts WHERE items_fts MATCH ");
            b.bind(q.clone())?;
            b.push(")");
        }
        Ok(())
    }

    fn seq_bounds(&self, b: &mut SqlBuf, column: &str) -> StoreResult<()> {
        b.push(" AND ").push(column).push(" < ");
        b.bind(self.seq_hi)?;
        b.push(" AND ").push(column).push(" >= ");
        b.bind(self.seq_lo)?;
        Ok(())
    }
}

/// Live item counts per account and status (the trigger-maintained counters).
async fn item_counts_on(
    conn: &mut SqliteConnection,
) -> StoreResult<HashMap<(AccountId, TriageStatus), i64>> {
    let rows: Vec<(Vec<u8>, String, i64)> =
        sqlx::query_as("SELECT account_id, status, n FROM item_counts")
            .fetch_all(&mut *conn)
            .await?;
    rows.into_iter()
        .map(|(a, s, n)| {
            Ok((
                (
                    AccountId(uuid_from_blob(&a)?),
                    parse_enum("status", &s, TriageStatus::parse)?,
                ),
                n,
            ))
        })
        .collect()
}

async fn attach_tags_on(
    conn: &mut SqliteConnection,
    items: &mut [(i64, InboxItem)],
) -> StoreResult<()> {
    if items.is_empty() {
        return Ok(());
    }
    let sql = format!(
        "SELECT item_seq, tag FROM item_tags WHERE item_seq IN ({}) ORDER BY tag",
        placeholders(items.len())
    );
    let mut q = sqlx::query_as::<_, (i64, String)>(sqlx::AssertSqlSafe(sql));
    for (seq, _) in items.iter() {
        q = q.bind(*seq);
    }
    let mut tags: HashMap<i64, Vec<String>> = HashMap::new();
    for (seq, tag) in q.fetch_all(&mut *conn).await? {
        tags.entry(seq).or_default().push(tag);
    }
    for (seq, item) in items.iter_mut() {
        item.tags = tags.remove(seq).unwrap_or_default();
    }
    Ok(())
}

impl Store {
    /// A page of the inbox, newest first. `cursor` is the `next_cursor` of the previous page
    /// (`None` for the first); `limit` is clamped to 1..=[`MAX_PAGE_SIZE`].
    pub async fn inbox_page(
        &self,
        filter: &InboxFilter,
        cursor: Option<&str>,
        limit: u32,
    ) -> StoreResult<InboxPage> {
        let limit = limit.clamp(1, MAX_PAGE_SIZE);
        // One reader connection for the whole page (one acquisition; the planning reads and
        // the page query need not be one snapshot: a stale count only changes the plan).
        let mut conn = self.read.acquire().await?;
        Self::inbox_page_on(&mut conn, filter, cursor, limit).await
    }

    /// Those of `ids` that match `filter`, newest first (at most [`MAX_PAGE_SIZE`] ids are
    /// looked at). For a list that is already showing: items sync stored late, older than the
    /// top of the list, go into it where they belong.
    pub async fn inbox_items_among(
        &self,
        filter: &InboxFilter,
        ids: &[ItemId],
    ) -> StoreResult<Vec<InboxItem>> {
        let ids = &ids[..ids.len().min(MAX_PAGE_SIZE as usize)];
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut conn = self.read.acquire().await?;
        let Some(resolved) = Self::resolve(&mut conn, filter, None).await? else {
            return Ok(Vec::new());
        };
        let mut b = SqlBuf::default();
        b.push("SELECT ")
            .push(ITEM_COLUMNS)
            .push(" FROM items i")
            .push(BODY_JOIN)
            .push(" WHERE i.id IN ");
        b.bind_list(ids.iter().map(|id| id.0.as_bytes().to_vec()))?;
        resolved.residual(&mut b, Covered::default())?;
        b.push(" ORDER BY i.seq DESC");
        let rows = sqlx::query_with(sqlx::AssertSqlSafe(b.sql), b.args)
            .fetch_all(&mut *conn)
            .await?;
        let mut items = rows
            .iter()
            .map(item_from_row)
            .collect::<StoreResult<Vec<_>>>()?;
        attach_tags_on(&mut conn, &mut items).await?;
        Ok(items.into_iter().map(|(_, i)| i).collect())
    }

    async fn inbox_page_on(
        conn: &mut SqliteConnection,
        filter: &InboxFilter,
        cursor: Option<&str>,
        limit: u32,
    ) -> StoreResult<InboxPage> {
        let Some(resolved) = Self::resolve(conn, filter, cursor).await? else {
            return Ok(InboxPage {
                items: Vec::new(),
                next_cursor: None,
            });
        };
        let driver = Self::choose_driver(conn, &resolved, limit).await?;
        let mut b = SqlBuf::default();
        let fetch = i64::from(limit) + 1;
        match &driver {
            Driver::Search => {
                b.push("SELECT ").push(ITEM_COLUMNS).push(
                    " FROM items_fts CROSS JOIN items i ON i.seq = items_fts.rowid \
                     CROSS JOIN item_bodies b ON b.id = i.body_id WHERE items_fts MATCH ",
                );
                b.bind(resolved.search.clone().unwrap_or_default())?;
                resolved.seq_bounds(&mut b, "items_fts.rowid")?;
                resolved.residual(
                    &mut b,
                    Covered {
                        search: true,
                        ..Covered::default()
                    },
                )?;
                b.push(" ORDER BY items_fts.rowid DESC LIMIT ");
                b.bind(fetch)?;
            }
            Driver::Table => {
                b.push("SELECT ")
                    .push(ITEM_COLUMNS)
                    .push(" FROM items i NOT INDEXED")
                    .push(BODY_JOIN)
                    .push(" WHERE 1");
                resolved.seq_bounds(&mut b, "i.seq")?;
                resolved.residual(&mut b, Covered::default())?;
                b.push(" ORDER BY i.seq DESC LIMIT ");
                b.bind(fetch)?;
            }
            arms => {
                b.push("SELECT ")
                    .push(ITEM_COLUMNS)
                    .push(" FROM items i")
                    .push(BODY_JOIN)
                    .push(" WHERE i.seq IN (SELECT seq FROM (");
                let mut first = true;
                let mut arm = |b: &mut SqlBuf, head: &str| {
                    if !first {
                        b.push(" UNION ALL ");
                    }
                    first = false;
                    b.push(head);
                };
                match arms {
                    Driver::Assignee(person) => {
                        let statuses = resolved
                            .statuses
                            .clone()
                            .unwrap_or_else(|| TriageStatus::ALL.to_vec());
                        for s in statuses {
                            arm(&mut b, "SELECT i.seq AS seq FROM items i INDEXED BY items_by_assignee WHERE i.assignee_id = ");
                            b.bind(person.0.as_bytes().to_vec())?;
                            b.push(" AND i.status = ");
                            b.bind(s.as_str())?;
                            resolved.seq_bounds(&mut b, "i.seq")?;
                            resolved.residual(
                                &mut b,
                                Covered {
                                    assignee: true,
                                    statuses: true,
                                    ..Covered::default()
                                },
                            )?;
                        }
                    }
                    Driver::Tags => {
                        for t in &resolved.tags {
                            arm(&mut b, "SELECT t.item_seq AS seq FROM item_tags t CROSS JOIN items i ON i.seq = t.item_seq WHERE t.tag = ");
                            b.bind(t.clone())?;
                            resolved.seq_bounds(&mut b, "t.item_seq")?;
                            resolved.residual(
                                &mut b,
                                Covered {
                                    tags: true,
                                    ..Covered::default()
                                },
                            )?;
                        }
                    }
                    Driver::AccountStatus(pairs) => {
                        for (a, s) in pairs {
                            arm(&mut b, "SELECT i.seq AS seq FROM items i INDEXED BY items_by_account_status WHERE i.account_id = ");
                            b.bind(a.0.as_bytes().to_vec())?;
                            b.push(" AND i.status = ");
                            b.bind(s.as_str())?;
                            resolved.seq_bounds(&mut b, "i.seq")?;
                            resolved.residual(
                                &mut b,
                                Covered {
                                    scope: true,
                                    statuses: true,
                                    ..Covered::default()
                                },
                            )?;
                        }
                    }
                    Driver::Status(statuses) => {
                        for s in statuses {
                            arm(&mut b, "SELECT i.seq AS seq FROM items i INDEXED BY items_by_status WHERE i.status = ");
                            b.bind(s.as_str())?;
                            resolved.seq_bounds(&mut b, "i.seq")?;
                            resolved.residual(
                                &mut b,
                                Covered {
                                    statuses: true,
                                    ..Covered::default()
                                },
                            )?;
                        }
                    }
                    Driver::Languages => {
                        for l in &resolved.languages {
                            arm(&mut b, "SELECT i.seq AS seq FROM items i INDEXED BY items_by_lang WHERE i.lang = ");
                            b.bind(l.clone())?;
                            resolved.seq_bounds(&mut b, "i.seq")?;
                            resolved.residual(
                                &mut b,
                                Covered {
                                    languages: true,
                                    ..Covered::default()
                                },
                            )?;
                        }
                    }
                    Driver::Search | Driver::Table => {}
                }
                b.push(" ORDER BY 1 DESC LIMIT ");
                b.bind(fetch)?;
                b.push(")) ORDER BY i.seq DESC");
            }
        }
        let rows = sqlx::query_with(sqlx::AssertSqlSafe(b.sql), b.args)
            .fetch_all(&mut *conn)
            .await?;
        let mut items = rows
            .iter()
            .map(item_from_row)
            .collect::<StoreResult<Vec<_>>>()?;
        let more = items.len() > limit as usize;
        items.truncate(limit as usize);
        attach_tags_on(conn, &mut items).await?;
        let next_cursor = if more {
            items.last().map(|(_, i)| encode_cursor(i))
        } else {
            None
        };
        Ok(InboxPage {
            items: items.into_iter().map(|(_, i)| i).collect(),
            next_cursor,
        })
    }

    /// Resolve accounts, groups and networks to a set of accounts; `None` when nothing can
    /// match.
    async fn resolve(
        conn: &mut SqliteConnection,
        filter: &InboxFilter,
        cursor: Option<&str>,
    ) -> StoreResult<Option<Resolved>> {
        let mut scope = None;
        if !filter.networks.is_empty()
            || !filter.account_ids.is_empty()
            || !filter.group_ids.is_empty()
        {
            let accounts = account_keys_on(conn).await?;
            let groups: Option<HashSet<GroupId>> = if filter.group_ids.is_empty() {
                None
            } else {
                Some(Store::descendants(
                    &groups_on(conn).await?,
                    &filter.group_ids,
                ))
            };
            let wanted: HashSet<AccountId> = filter.account_ids.iter().copied().collect();
            let selected: Vec<AccountId> = accounts
                .iter()
                .filter(|(id, network, group, _)| {
                    (filter.networks.is_empty() || filter.networks.contains(network))
                        && (wanted.is_empty() || wanted.contains(id))
                        && groups.as_ref().is_none_or(|g| g.contains(group))
                })
                .map(|(id, ..)| *id)
                .collect();
            if selected.is_empty() {
                return Ok(None);
            }
            if selected.len() < accounts.len() {
                scope = Some(selected);
            }
        }
        let mut statuses: Vec<TriageStatus> = filter.statuses.clone();
        statuses.sort();
        statuses.dedup();
        let statuses =
            (!statuses.is_empty() && statuses.len() < TriageStatus::ALL.len()).then_some(statuses);
        let mut languages: Vec<String> = filter
            .languages
            .iter()
            .map(|l| l.trim().to_ascii_lowercase())
            .collect();
        languages.sort();
        languages.dedup();
        let mut tags: Vec<String> = filter
            .tags
            .iter()
            .filter_map(|t| crate::triage::normalise_tag(t).ok())
            .collect();
        tags.sort();
        tags.dedup();
        if !filter.tags.is_empty() && tags.is_empty() {
            return Ok(None);
        }
        let search = match filter.search.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(q) => Some(search_text::match_expression(q).ok_or_else(|| {
                StoreError::Invalid("the search has no words to look for".into())
            })?),
        };
        let since_ms = filter.since.map(to_ms);
        let until_ms = filter.until.map(to_ms);
        let mut seq_hi = i64::MAX;
        if let Some(until) = until_ms {
            // seq may sit a little above created_ms << SHIFT after a clash; the per-row
            // created_ms check is exact.
            seq_hi = seq_hi.min(until.saturating_add(1).saturating_mul(1 << SEQ_SHIFT));
        }
        if let Some(c) = cursor {
            let (ms, id) = decode_cursor(c)?;
            let seq: Option<i64> = sqlx::query_scalar("SELECT seq FROM items WHERE id = ?")
                .bind(id.as_slice())
                .fetch_optional(&mut *conn)
                .await?;
            // If the item is gone, continue from its creation time.
            seq_hi = seq_hi.min(seq.unwrap_or(ms.saturating_mul(1 << SEQ_SHIFT)));
        }
        let seq_lo = since_ms
            .map(|s| s.saturating_mul(1 << SEQ_SHIFT))
            .unwrap_or(i64::MIN);
        Ok(Some(Resolved {
            scope,
            statuses,
            kinds: filter.kinds.clone(),
            languages,
            assignee: filter.assignee,
            tags,
            search,
            since_ms,
            until_ms,
            include_deleted: filter.include_deleted,
            seq_hi,
            seq_lo,
        }))
    }

    async fn choose_driver(
        conn: &mut SqliteConnection,
        r: &Resolved,
        limit: u32,
    ) -> StoreResult<Driver> {
        if let Some(AssigneeFilter::Person { id }) = r.assignee {
            return Ok(Driver::Assignee(id));
        }
        if !r.tags.is_empty() {
            return Ok(Driver::Tags);
        }
        if r.search.is_some() {
            return Ok(Driver::Search);
        }
        if r.scope.is_none() && r.statuses.is_none() {
            return Ok(if r.languages.is_empty() {
                Driver::Table
            } else {
                Driver::Languages
            });
        }
        // Rows each candidate reads to find `limit` matches, from the per-account counters
        // (other filters are assumed independent, so they scale all candidates alike).
        let counts = item_counts_on(conn).await?;
        let statuses = r
            .statuses
            .clone()
            .unwrap_or_else(|| TriageStatus::ALL.to_vec());
        let in_scope = |a: &AccountId| r.scope.as_ref().is_none_or(|s| s.contains(a));
        let mut total = 0f64;
        let mut matching = 0f64;
        let mut by_status: HashMap<TriageStatus, f64> = HashMap::new();
        for ((a, s), n) in &counts {
            let n = *n as f64;
            total += n;
            if statuses.contains(s) {
                *by_status.entry(*s).or_default() += n;
                if in_scope(a) {
                    matching += n;
                }
            }
        }
        let want = f64::from(limit) + 1.0;
        let read = |rows: f64, hits: f64| {
            if hits <= 0.0 {
                rows
            } else {
                rows.min(want * rows / hits)
            }
        };
        let table_cost = read(total, matching);
        let status_rows: f64 = statuses
            .iter()
            .map(|s| by_status.get(s).copied().unwrap_or(0.0))
            .sum();
        let status_cost = if r.statuses.is_some() {
            read(status_rows, matching) + ARM_COST * statuses.len() as f64
        } else {
            f64::INFINITY
        };
        let pairs: Vec<(AccountId, TriageStatus)> = match &r.scope {
            Some(scope) => scope
                .iter()
                .flat_map(|a| statuses.iter().map(move |s| (*a, *s)))
                .filter(|(a, s)| counts.get(&(*a, *s)).copied().unwrap_or(0) > 0)
                .collect(),
            None => Vec::new(),
        };
        let pair_cost = if r.scope.is_some() && pairs.len() <= MAX_ARMS {
            matching.min(want) + ARM_COST * pairs.len() as f64
        } else {
            f64::INFINITY
        };
        let best = table_cost.min(status_cost).min(pair_cost);
        if !r.languages.is_empty() && best > 20.0 * want {
            return Ok(Driver::Languages);
        }
        if r.scope.is_some() && pairs.is_empty() {
            // Nothing live in scope; the (cheap) pair driver with no arms would be empty SQL.
            return Ok(Driver::Table);
        }
        Ok(if best == pair_cost {
            Driver::AccountStatus(pairs)
        } else if best == status_cost {
            Driver::Status(statuses)
        } else {
            Driver::Table
        })
    }

    /// One item by id.
    pub async fn get_item(&self, id: ItemId) -> StoreResult<Option<InboxItem>> {
        let sql = format!("SELECT {ITEM_COLUMNS} FROM items i{BODY_JOIN} WHERE i.id = ?");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(id.0.as_bytes().as_slice())
            .fetch_optional(&self.read)
            .await?;
        let Some(row) = row else { return Ok(None) };
        let mut items = vec![item_from_row(&row)?];
        attach_tags_on(&mut *self.read.acquire().await?, &mut items).await?;
        Ok(items.pop().map(|(_, i)| i))
    }

    /// The network's payload of an item, as received.
    pub async fn raw_payload(&self, id: ItemId) -> StoreResult<Option<String>> {
        let row: Option<(i64, Vec<u8>)> = sqlx::query_as(
            "SELECT b.raw_format, b.raw FROM items i JOIN item_bodies b ON b.id = i.body_id WHERE i.id = ?",
        )
            .bind(id.0.as_bytes().as_slice())
            .fetch_optional(&self.read)
            .await?;
        row.map(|(format, bytes)| raw_payload::decode(format, bytes))
            .transpose()
    }

    /// Unread (`new`) and `open` counts of every account and every group (a group's counts
    /// include its descendants). Reads the counters: O(accounts + groups), not O(items).
    pub async fn unread_counts(&self) -> StoreResult<UnreadCounts> {
        let mut conn = self.read.acquire().await?;
        // Every account with its counters, in one statement (one consistent read).
        let rows: Vec<(Vec<u8>, Vec<u8>, i64, i64)> = sqlx::query_as(
            "SELECT a.id, a.group_id,
                 coalesce((SELECT n FROM item_counts c WHERE c.account_id = a.id AND c.status = 'new'), 0),
                 coalesce((SELECT n FROM item_counts c WHERE c.account_id = a.id AND c.status = 'open'), 0)
             FROM accounts a",
        )
        .fetch_all(&mut *conn)
        .await?;
        let groups = groups_on(&mut conn).await?;
        let tree = GroupTree::new(&groups);
        let mut per_group: HashMap<GroupId, (i64, i64)> =
            groups.iter().map(|g| (g.id, (0, 0))).collect();
        let mut out_accounts = Vec::with_capacity(rows.len());
        for (id, group, unread, open) in rows {
            let id = AccountId(uuid_from_blob(&id)?);
            let group = GroupId(uuid_from_blob(&group)?);
            out_accounts.push(AccountCounts {
                account_id: id,
                unread: count_u32(unread),
                open: count_u32(open),
            });
            for g in tree.lineage(group) {
                if let Some(c) = per_group.get_mut(&g) {
                    c.0 += unread;
                    c.1 += open;
                }
            }
        }
        let out_groups = groups
            .iter()
            .map(|g| {
                let (unread, open) = per_group.get(&g.id).copied().unwrap_or((0, 0));
                GroupCounts {
                    group_id: g.id,
                    unread: count_u32(unread),
                    open: count_u32(open),
                }
            })
            .collect();
        Ok(UnreadCounts {
            accounts: out_accounts,
            groups: out_groups,
        })
    }

    /// The conversation of an item, oldest first: every cached item of the same network with
    /// the same conversation id (an item seen by two of our accounts appears once), each
    /// marked whether one of our accounts wrote it.
    pub async fn thread(&self, id: ItemId) -> StoreResult<Thread> {
        let item = self
            .get_item(id)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("item {id}")))?;
        let network = item.network;
        let ours: HashSet<String> = self
            .account_keys()
            .await?
            .into_iter()
            .filter(|(_, n, _, _)| *n == network)
            .filter_map(|(_, _, _, ext)| ext)
            .collect();
        let Some(conversation) = item.conversation_id.clone() else {
            let is_ours = ours.contains(&item.author.external_id);
            return Ok(Thread {
                network,
                conversation_id: None,
                entries: vec![ThreadEntry { item, is_ours }],
            });
        };
        let sql = format!(
            "SELECT {ITEM_COLUMNS} FROM items i INDEXED BY items_by_conversation{BODY_JOIN}
             WHERE i.conversation_id = ? ORDER BY i.seq LIMIT 5000"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(&conversation)
            .fetch_all(&self.read)
            .await?;
        let mut seen = HashSet::new();
        let mut items = Vec::new();
        for row in &rows {
            let (seq, it) = item_from_row(row)?;
            if it.network == network && seen.insert(it.external_id.clone()) {
                items.push((seq, it));
            }
        }
        attach_tags_on(&mut *self.read.acquire().await?, &mut items).await?;
        let entries = items
            .into_iter()
            .map(|(_, item)| ThreadEntry {
                is_ours: ours.contains(&item.author.external_id),
                item,
            })
            .collect();
        Ok(Thread {
            network,
            conversation_id: Some(conversation),
            entries,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_reject_garbage() {
        let id = [7u8; 16];
        let mut bytes = 1_700_000_000_123i64.to_be_bytes().to_vec();
        bytes.extend_from_slice(&id);
        let c = format!("c1{}", hex::encode(bytes));
        assert_eq!(decode_cursor(&c).unwrap(), (1_700_000_000_123, id));
        assert!(decode_cursor("nonsense").is_err());
        assert!(decode_cursor("c1abcd").is_err());
    }
}

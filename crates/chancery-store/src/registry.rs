//! People, roles, the group tree and the account registry.

use std::collections::{HashMap, HashSet};

use chancery_model::accounts::{
    Account, AccountId, AccountInput, AccountKind, AccountListing, EffectiveRole, Group, GroupId,
    GroupKind, GroupNode, Network, Person, PersonId, Role, RoleGrant, TokenHealth, TokenStatus,
};
use chrono::{DateTime, Utc};
use sqlx::sqlite::SqliteRow;
use sqlx::Row;

use crate::columns::{from_ms, opt_from_ms, parse_enum, to_ms, uuid_from_blob};
use crate::error::{StoreError, StoreResult};
use crate::Store;

const ACCOUNT_COLUMNS: &str = "id, network, external_id, handle, display_name, avatar_path, \
     time_zone, language, group_id, kind, token_status, token_expires_ms, token_refreshed_ms, \
     token_error, created_ms, updated_ms";

fn account_from_row(row: &SqliteRow) -> StoreResult<Account> {
    Ok(Account {
        id: AccountId(uuid_from_blob(row.try_get::<&[u8], _>(0)?)?),
        network: parse_enum("network", row.try_get(1)?, Network::parse)?,
        external_id: row.try_get(2)?,
        handle: row.try_get(3)?,
        display_name: row.try_get(4)?,
        avatar_path: row.try_get(5)?,
        time_zone: row.try_get(6)?,
        language: row.try_get(7)?,
        group_id: GroupId(uuid_from_blob(row.try_get::<&[u8], _>(8)?)?),
        kind: parse_enum("account kind", row.try_get(9)?, AccountKind::parse)?,
        token: TokenHealth {
            status: parse_enum("token status", row.try_get(10)?, TokenStatus::parse)?,
            access_expires_at: opt_from_ms(row.try_get(11)?)?,
            last_refresh_at: opt_from_ms(row.try_get(12)?)?,
            last_error: row.try_get(13)?,
        },
        created_at: from_ms(row.try_get(14)?)?,
        updated_at: from_ms(row.try_get(15)?)?,
    })
}

fn group_from_row(row: &SqliteRow) -> StoreResult<Group> {
    let parent: Option<&[u8]> = row.try_get(3)?;
    Ok(Group {
        id: GroupId(uuid_from_blob(row.try_get::<&[u8], _>(0)?)?),
        name: row.try_get(1)?,
        kind: parse_enum("group kind", row.try_get(2)?, GroupKind::parse)?,
        parent_id: parent.map(uuid_from_blob).transpose()?.map(GroupId),
    })
}

fn person_from_row(row: &SqliteRow) -> StoreResult<Person> {
    Ok(Person {
        id: PersonId(uuid_from_blob(row.try_get::<&[u8], _>(0)?)?),
        display_name: row.try_get(1)?,
        email: row.try_get(2)?,
        active: row.try_get(3)?,
    })
}

fn non_empty(what: &str, value: &str) -> StoreResult<String> {
    let v = value.trim();
    if v.is_empty() {
        return Err(StoreError::Invalid(format!("{what} must not be empty")));
    }
    if v.chars().count() > 200 {
        return Err(StoreError::Invalid(format!(
            "{what} is longer than 200 characters"
        )));
    }
    Ok(v.to_string())
}

/// The constraint error SQLite reports, if this is one.
fn is_unique_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(d) if d.is_unique_violation())
}

/// A foreign key refusal (`ON DELETE RESTRICT` reports as a trigger constraint, code 1811).
pub(crate) fn is_foreign_key_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(d)
        if d.is_foreign_key_violation() || d.message().contains("FOREIGN KEY constraint failed"))
}

/// Ancestors of each group, nearest first, from a full group list.
pub(crate) struct GroupTree {
    parent: HashMap<GroupId, Option<GroupId>>,
}

impl GroupTree {
    pub(crate) fn new(groups: &[Group]) -> Self {
        GroupTree {
            parent: groups.iter().map(|g| (g.id, g.parent_id)).collect(),
        }
    }

    /// `group` and its ancestors, nearest first (bounded, so a damaged tree cannot loop).
    pub(crate) fn lineage(&self, group: GroupId) -> Vec<GroupId> {
        let mut out = vec![group];
        let mut cur = group;
        while let Some(Some(p)) = self.parent.get(&cur) {
            if out.contains(p) || out.len() > 64 {
                break;
            }
            out.push(*p);
            cur = *p;
        }
        out
    }

    /// Is `group` equal to or below `ancestor`?
    pub(crate) fn is_within(&self, group: GroupId, ancestor: GroupId) -> bool {
        self.lineage(group).contains(&ancestor)
    }
}

impl Store {
    // ---------------------------------------------------------------- people

    /// Add a person. Emails are unique (case-insensitive).
    pub async fn create_person(
        &self,
        display_name: &str,
        email: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<Person> {
        let person = Person {
            id: PersonId::new_v7(now),
            display_name: non_empty("the name", display_name)?,
            email: validate_email(email)?,
            active: true,
        };
        self.insert_person(&person, now).await?;
        Ok(person)
    }

    /// Add a person with a given id (import).
    pub async fn insert_person(&self, person: &Person, now: DateTime<Utc>) -> StoreResult<()> {
        let name = non_empty("the name", &person.display_name)?;
        let email = validate_email(&person.email)?;
        sqlx::query(
            "INSERT INTO people (id, display_name, email, active, created_ms, updated_ms)
             VALUES (?, ?, ?, ?, ?, ?)",
        )
        .bind(person.id.0.as_bytes().as_slice())
        .bind(name)
        .bind(email)
        .bind(person.active)
        .bind(to_ms(now))
        .bind(to_ms(now))
        .execute(&self.write)
        .await
        .map_err(|e| {
            if is_unique_violation(&e) {
                StoreError::Conflict(format!(
                    "someone with the email {} or the same id already exists",
                    person.email
                ))
            } else {
                e.into()
            }
        })?;
        Ok(())
    }

    /// Change a person's name, email or active flag.
    pub async fn update_person(&self, person: &Person, now: DateTime<Utc>) -> StoreResult<()> {
        let name = non_empty("the name", &person.display_name)?;
        let email = validate_email(&person.email)?;
        let done = sqlx::query(
            "UPDATE people SET display_name = ?, email = ?, active = ?, updated_ms = ? WHERE id = ?",
        )
        .bind(name)
        .bind(email)
        .bind(person.active)
        .bind(to_ms(now))
        .bind(person.id.0.as_bytes().as_slice())
        .execute(&self.write)
        .await
        .map_err(|e| {
            if is_unique_violation(&e) {
                StoreError::Conflict(format!("someone else already has the email {}", person.email))
            } else {
                e.into()
            }
        })?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound(format!("person {}", person.id)));
        }
        Ok(())
    }

    pub async fn get_person(&self, id: PersonId) -> StoreResult<Option<Person>> {
        let row = sqlx::query("SELECT id, display_name, email, active FROM people WHERE id = ?")
            .bind(id.0.as_bytes().as_slice())
            .fetch_optional(&self.read)
            .await?;
        row.as_ref().map(person_from_row).transpose()
    }

    /// Everyone, by name.
    pub async fn list_people(&self) -> StoreResult<Vec<Person>> {
        let rows = sqlx::query(
            "SELECT id, display_name, email, active FROM people ORDER BY display_name, email",
        )
        .fetch_all(&self.read)
        .await?;
        rows.iter().map(person_from_row).collect()
    }

    // ---------------------------------------------------------------- groups

    /// Add a group under `parent` (or at the top).
    pub async fn create_group(
        &self,
        name: &str,
        kind: GroupKind,
        parent_id: Option<GroupId>,
        now: DateTime<Utc>,
    ) -> StoreResult<Group> {
        let group = Group {
            id: GroupId::new_v7(now),
            name: non_empty("the group name", name)?,
            kind,
            parent_id,
        };
        let mut conn = self.write.acquire().await?;
        insert_group_on(&mut conn, &group, now).await?;
        Ok(group)
    }

    /// An import of the registry in one transaction: `groups` (parents before children) are
    /// added, then every account is created or updated as [`Store::upsert_account`] does.
    /// Either all of it is stored or, on any error, none of it.
    pub async fn import_registry(
        &self,
        groups: &[Group],
        accounts: &[AccountInput],
        now: DateTime<Utc>,
    ) -> StoreResult<Vec<(Account, bool)>> {
        let mut tx = self.write.begin_with("BEGIN IMMEDIATE").await?;
        for g in groups {
            insert_group_on(&mut tx, g, now).await?;
        }
        let mut out = Vec::with_capacity(accounts.len());
        for a in accounts {
            out.push(upsert_account_on(&mut tx, a, now).await?);
        }
        tx.commit().await?;
        Ok(out)
    }

    /// Rename, re-kind or move a group. Moving a group under itself or one of its descendants
    /// is refused.
    pub async fn update_group(&self, group: &Group, now: DateTime<Utc>) -> StoreResult<()> {
        let name = non_empty("the group name", &group.name)?;
        let mut tx = self.write.begin_with("BEGIN IMMEDIATE").await?;
        if let Some(parent) = group.parent_id {
            let rows = sqlx::query("SELECT id, name, kind, parent_id FROM groups")
                .fetch_all(&mut *tx)
                .await?;
            let groups = rows
                .iter()
                .map(group_from_row)
                .collect::<StoreResult<Vec<_>>>()?;
            if !groups.iter().any(|g| g.id == parent) {
                return Err(StoreError::NotFound("the parent group".into()));
            }
            if GroupTree::new(&groups).is_within(parent, group.id) {
                return Err(StoreError::Invalid(
                    "a group cannot be moved under itself or one of its own subgroups".into(),
                ));
            }
        }
        let done = sqlx::query(
            "UPDATE groups SET name = ?, kind = ?, parent_id = ?, updated_ms = ? WHERE id = ?",
        )
        .bind(name)
        .bind(group.kind.as_str())
        .bind(group.parent_id.map(|p| p.0.as_bytes().to_vec()))
        .bind(to_ms(now))
        .bind(group.id.0.as_bytes().as_slice())
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound(format!("group {}", group.id)));
        }
        tx.commit().await?;
        Ok(())
    }

    /// Delete an empty group (no subgroups, no accounts).
    pub async fn delete_group(&self, id: GroupId) -> StoreResult<()> {
        let done = sqlx::query("DELETE FROM groups WHERE id = ?")
            .bind(id.0.as_bytes().as_slice())
            .execute(&self.write)
            .await
            .map_err(|e| {
                if is_foreign_key_violation(&e) {
                    StoreError::Conflict(
                        "the group still has subgroups or accounts; move them first".into(),
                    )
                } else {
                    e.into()
                }
            })?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound(format!("group {id}")));
        }
        Ok(())
    }

    /// Every group, by name.
    pub async fn list_groups(&self) -> StoreResult<Vec<Group>> {
        let mut conn = self.read.acquire().await?;
        groups_on(&mut conn).await
    }

    /// The group tree: top-level groups with their children, each level by name.
    pub async fn group_tree(&self) -> StoreResult<Vec<GroupNode>> {
        let groups = self.list_groups().await?;
        let mut children: HashMap<Option<GroupId>, Vec<Group>> = HashMap::new();
        for g in groups {
            children.entry(g.parent_id).or_default().push(g);
        }
        fn build(
            parent: Option<GroupId>,
            children: &mut HashMap<Option<GroupId>, Vec<Group>>,
            depth: usize,
        ) -> Vec<GroupNode> {
            let Some(list) = children.remove(&parent) else {
                return Vec::new();
            };
            list.into_iter()
                .map(|g| {
                    let kids = if depth < 64 {
                        build(Some(g.id), children, depth + 1)
                    } else {
                        Vec::new()
                    };
                    GroupNode {
                        group: g,
                        children: kids,
                    }
                })
                .collect()
        }
        Ok(build(None, &mut children, 0))
    }

    // ---------------------------------------------------------------- roles

    /// Give `person` `role` on `group` (and so on its descendants). Idempotent.
    pub async fn grant_role(
        &self,
        person: PersonId,
        group: GroupId,
        role: Role,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO role_grants (person_id, group_id, role, created_ms) VALUES (?, ?, ?, ?)
             ON CONFLICT DO NOTHING",
        )
        .bind(person.0.as_bytes().as_slice())
        .bind(group.0.as_bytes().as_slice())
        .bind(role.as_str())
        .bind(to_ms(now))
        .execute(&self.write)
        .await
        .map_err(|e| {
            if is_foreign_key_violation(&e) {
                StoreError::NotFound("the person or the group".into())
            } else {
                e.into()
            }
        })?;
        Ok(())
    }

    /// Take a role grant away. Returns whether there was one.
    pub async fn revoke_role(
        &self,
        person: PersonId,
        group: GroupId,
        role: Role,
    ) -> StoreResult<bool> {
        let done = sqlx::query(
            "DELETE FROM role_grants WHERE person_id = ? AND group_id = ? AND role = ?",
        )
        .bind(person.0.as_bytes().as_slice())
        .bind(group.0.as_bytes().as_slice())
        .bind(role.as_str())
        .execute(&self.write)
        .await?;
        Ok(done.rows_affected() > 0)
    }

    /// Every grant as made (not inherited), for export and the admin screen.
    pub async fn list_role_grants(&self) -> StoreResult<Vec<RoleGrant>> {
        let rows = sqlx::query(
            "SELECT person_id, group_id, role FROM role_grants ORDER BY person_id, group_id, role",
        )
        .fetch_all(&self.read)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(RoleGrant {
                    person_id: PersonId(uuid_from_blob(r.try_get::<&[u8], _>(0)?)?),
                    group_id: GroupId(uuid_from_blob(r.try_get::<&[u8], _>(1)?)?),
                    role: parse_enum("role", r.try_get(2)?, Role::parse)?,
                })
            })
            .collect()
    }

    /// The roles `person` holds on `group`, granted on it or inherited from an ancestor.
    pub async fn effective_roles(
        &self,
        person: PersonId,
        group: GroupId,
    ) -> StoreResult<Vec<EffectiveRole>> {
        let tree = GroupTree::new(&self.list_groups().await?);
        let lineage = tree.lineage(group);
        let grants: Vec<RoleGrant> = self
            .list_role_grants()
            .await?
            .into_iter()
            .filter(|g| g.person_id == person)
            .collect();
        let mut out: Vec<EffectiveRole> = Vec::new();
        // Nearest grant first, so `granted_on` names the closest group.
        for g in &lineage {
            for grant in grants.iter().filter(|x| x.group_id == *g) {
                if !out.iter().any(|e| e.role == grant.role) {
                    out.push(EffectiveRole {
                        role: grant.role,
                        granted_on: *g,
                    });
                }
            }
        }
        out.sort_by_key(|e| e.role);
        Ok(out)
    }

    // ---------------------------------------------------------------- accounts

    /// Create or update an account. It is matched by `(network, external_id)` when the
    /// external id is given, else (or when that finds nothing) by `(network, handle)`,
    /// case-insensitive. Returns the stored account and whether it was created.
    /// Token health is not changed by this (see [`Store::set_token_health`]).
    pub async fn upsert_account(
        &self,
        input: &AccountInput,
        now: DateTime<Utc>,
    ) -> StoreResult<(Account, bool)> {
        let mut tx = self.write.begin_with("BEGIN IMMEDIATE").await?;
        let out = upsert_account_on(&mut tx, input, now).await?;
        tx.commit().await?;
        Ok(out)
    }

    pub async fn get_account(&self, id: AccountId) -> StoreResult<Option<Account>> {
        let sql = format!("SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE id = ?");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(id.0.as_bytes().as_slice())
            .fetch_optional(&self.read)
            .await?;
        row.as_ref().map(account_from_row).transpose()
    }

    /// Every account with its group path (root first), ordered by group path then handle.
    pub async fn list_accounts(&self) -> StoreResult<Vec<AccountListing>> {
        let groups = self.list_groups().await?;
        let names: HashMap<GroupId, String> =
            groups.iter().map(|g| (g.id, g.name.clone())).collect();
        let tree = GroupTree::new(&groups);
        let sql = format!("SELECT {ACCOUNT_COLUMNS} FROM accounts");
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .fetch_all(&self.read)
            .await?;
        let mut out = rows
            .iter()
            .map(|r| {
                let account = account_from_row(r)?;
                let mut path: Vec<String> = tree
                    .lineage(account.group_id)
                    .into_iter()
                    .filter_map(|g| names.get(&g).cloned())
                    .collect();
                path.reverse();
                Ok(AccountListing {
                    account,
                    group_path: path,
                })
            })
            .collect::<StoreResult<Vec<_>>>()?;
        out.sort_by(|a, b| {
            a.group_path.cmp(&b.group_path).then_with(|| {
                a.account
                    .handle
                    .to_lowercase()
                    .cmp(&b.account.handle.to_lowercase())
            })
        });
        Ok(out)
    }

    /// Record the health of an account's token (the token itself lives in the keyring).
    pub async fn set_token_health(
        &self,
        id: AccountId,
        health: &TokenHealth,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        let done = sqlx::query(
            "UPDATE accounts SET token_status = ?, token_expires_ms = ?, token_refreshed_ms = ?,
                 token_error = ?, updated_ms = ? WHERE id = ?",
        )
        .bind(health.status.as_str())
        .bind(health.access_expires_at.map(to_ms))
        .bind(health.last_refresh_at.map(to_ms))
        .bind(&health.last_error)
        .bind(to_ms(now))
        .bind(id.0.as_bytes().as_slice())
        .execute(&self.write)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound(format!("account {id}")));
        }
        Ok(())
    }

    /// Remove an account and everything cached for it (items, cursors, quarantine).
    pub async fn delete_account(&self, id: AccountId) -> StoreResult<()> {
        let mut tx = self.write.begin_with("BEGIN IMMEDIATE").await?;
        let done = sqlx::query("DELETE FROM accounts WHERE id = ?")
            .bind(id.0.as_bytes().as_slice())
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound(format!("account {id}")));
        }
        sqlx::query("DELETE FROM item_counts WHERE account_id = ?")
            .bind(id.0.as_bytes().as_slice())
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// `(id, network, group, external id)` of every account, for query planning.
    pub(crate) async fn account_keys(&self) -> StoreResult<Vec<AccountKey>> {
        let mut conn = self.read.acquire().await?;
        account_keys_on(&mut conn).await
    }

    /// Ids of the groups given and all their descendants.
    pub(crate) fn descendants(groups: &[Group], roots: &[GroupId]) -> HashSet<GroupId> {
        let tree = GroupTree::new(groups);
        groups
            .iter()
            .filter(|g| roots.iter().any(|r| tree.is_within(g.id, *r)))
            .map(|g| g.id)
            .collect()
    }
}

/// `(id, network, group, external id)` of an account.
pub(crate) type AccountKey = (AccountId, Network, GroupId, Option<String>);

pub(crate) async fn account_keys_on(
    conn: &mut sqlx::SqliteConnection,
) -> StoreResult<Vec<AccountKey>> {
    let rows = sqlx::query("SELECT id, network, group_id, external_id FROM accounts")
        .fetch_all(&mut *conn)
        .await?;
    rows.iter()
        .map(|r| {
            Ok((
                AccountId(uuid_from_blob(r.try_get::<&[u8], _>(0)?)?),
                parse_enum("network", r.try_get(1)?, Network::parse)?,
                GroupId(uuid_from_blob(r.try_get::<&[u8], _>(2)?)?),
                r.try_get(3)?,
            ))
        })
        .collect()
}

pub(crate) async fn groups_on(conn: &mut sqlx::SqliteConnection) -> StoreResult<Vec<Group>> {
    let rows = sqlx::query("SELECT id, name, kind, parent_id FROM groups ORDER BY name, id")
        .fetch_all(&mut *conn)
        .await?;
    rows.iter().map(group_from_row).collect()
}

fn validate_email(email: &str) -> StoreResult<String> {
    let e = email.trim();
    let ok = e.len() <= 254
        && e.split_once('@')
            .is_some_and(|(local, domain)| !local.is_empty() && domain.contains('.'))
        && !e.chars().any(char::is_whitespace);
    if !ok {
        return Err(StoreError::Invalid(format!(
            "{email:?} is not an email address"
        )));
    }
    Ok(e.to_string())
}

/// Insert `group` on `conn` (inside the caller's transaction, if any).
async fn insert_group_on(
    conn: &mut sqlx::SqliteConnection,
    group: &Group,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    let name = non_empty("the group name", &group.name)?;
    sqlx::query(
        "INSERT INTO groups (id, name, kind, parent_id, created_ms, updated_ms)
         VALUES (?, ?, ?, ?, ?, ?)",
    )
    .bind(group.id.0.as_bytes().as_slice())
    .bind(name)
    .bind(group.kind.as_str())
    .bind(group.parent_id.map(|p| p.0.as_bytes().to_vec()))
    .bind(to_ms(now))
    .bind(to_ms(now))
    .execute(&mut *conn)
    .await
    .map_err(|e| {
        if is_foreign_key_violation(&e) {
            StoreError::NotFound("the parent group".into())
        } else if is_unique_violation(&e) {
            StoreError::Conflict(format!("a group with the id {} already exists", group.id))
        } else {
            e.into()
        }
    })?;
    Ok(())
}

/// [`Store::upsert_account`] on `conn` (inside the caller's transaction).
async fn upsert_account_on(
    conn: &mut sqlx::SqliteConnection,
    input: &AccountInput,
    now: DateTime<Utc>,
) -> StoreResult<(Account, bool)> {
    let handle = non_empty("the handle", input.handle.trim_start_matches('@'))?;
    let display_name = non_empty("the display name", &input.display_name)?;
    let time_zone = non_empty("the time zone", &input.time_zone)?;
    let language = non_empty("the language", &input.language)?;
    let external_id = match input.external_id.as_deref().map(str::trim) {
        Some("") | None => None,
        Some(s) => Some(s.to_string()),
    };
    let network = input.network.as_str();
    let mut existing: Option<Account> = None;
    if let Some(ext) = &external_id {
        let sql =
            format!("SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE network = ? AND external_id = ?");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(network)
            .bind(ext)
            .fetch_optional(&mut *conn)
            .await?;
        existing = row.as_ref().map(account_from_row).transpose()?;
    }
    if existing.is_none() {
        let sql = format!(
            "SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE network = ? AND handle = ? COLLATE NOCASE"
        );
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(network)
            .bind(&handle)
            .fetch_optional(&mut *conn)
            .await?;
        let by_handle = row.as_ref().map(account_from_row).transpose()?;
        if let (Some(found), Some(ext)) = (&by_handle, &external_id) {
            if found.external_id.as_ref().is_some_and(|e| e != ext) {
                return Err(StoreError::Conflict(format!(
                    "the {} handle @{handle} is registered for another account (id {}); \
                     update or remove that one first",
                    input.network.as_str(),
                    found.external_id.as_deref().unwrap_or("")
                )));
            }
        }
        existing = by_handle;
    }
    let created = existing.is_none();
    let id = existing
        .as_ref()
        .map(|a| a.id)
        .unwrap_or_else(|| AccountId::new_v7(now));
    let external_id = external_id.or_else(|| existing.as_ref().and_then(|a| a.external_id.clone()));
    // One statement for both: a new account starts disconnected; an update keeps its token
    // health and creation time.
    let result = sqlx::query(
        "INSERT INTO accounts (id, network, external_id, handle, display_name, avatar_path,
             time_zone, language, group_id, kind, token_status, created_ms, updated_ms)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'disconnected', ?, ?)
         ON CONFLICT (id) DO UPDATE SET external_id = excluded.external_id,
             handle = excluded.handle, display_name = excluded.display_name,
             avatar_path = excluded.avatar_path, time_zone = excluded.time_zone,
             language = excluded.language, group_id = excluded.group_id, kind = excluded.kind,
             updated_ms = excluded.updated_ms",
    )
    .bind(id.0.as_bytes().as_slice())
    .bind(network)
    .bind(&external_id)
    .bind(&handle)
    .bind(&display_name)
    .bind(&input.avatar_path)
    .bind(&time_zone)
    .bind(&language)
    .bind(input.group_id.0.as_bytes().as_slice())
    .bind(input.kind.as_str())
    .bind(to_ms(now))
    .bind(to_ms(now))
    .execute(&mut *conn)
    .await;
    result.map_err(|e| {
        if is_foreign_key_violation(&e) {
            StoreError::NotFound(format!("group {}", input.group_id))
        } else if is_unique_violation(&e) {
            StoreError::Conflict(format!(
                "another {} account already has the handle @{handle} or that external id",
                input.network.as_str()
            ))
        } else {
            e.into()
        }
    })?;
    let sql = format!("SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE id = ?");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id.0.as_bytes().as_slice())
        .fetch_one(&mut *conn)
        .await?;
    let account = account_from_row(&row)?;
    Ok((account, created))
}

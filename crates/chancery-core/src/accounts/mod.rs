//! The account registry as the app uses it: listing and filtering, token health, bulk import
//! and export (see [`transfer`]), cached avatars (see [`avatars`]), and the rehearsal
//! workspace bootstrap (see [`bootstrap`]). Connecting accounts is in [`crate::connect`],
//! tokens in [`crate::tokens`].

pub mod avatars;
pub mod bootstrap;
pub mod transfer;

use std::collections::HashMap;

use chancery_model::accounts::{
    Account, AccountId, AccountInput, AccountListing, Group, GroupId, GroupKind, Network,
    TokenStatus,
};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use specta::Type;

use crate::secrets::CredentialKind;
use crate::tokens::key;
use crate::{App, CoreError, CoreEvent};
use transfer::{AccountRow, Existing, FileFormat, ImportProblem, ValidRow};

/// What an import did (or, when `problems` is not empty, why it did nothing).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ImportReport {
    /// The file was valid and was imported.
    pub applied: bool,
    pub rows: u32,
    pub created: u32,
    pub updated: u32,
    pub groups_created: u32,
    pub avatars_cached: u32,
    /// Every problem of an invalid file (nothing was imported).
    pub problems: Vec<ImportProblem>,
    /// Avatars that could not be fetched (the accounts were imported without them).
    pub avatar_problems: Vec<ImportProblem>,
}

/// One account's token health, for the health screen and `chancery accounts health`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct AccountHealth {
    pub account_id: AccountId,
    pub network: Network,
    pub handle: String,
    pub display_name: String,
    pub group_path: Vec<String>,
    pub status: TokenStatus,
    pub access_expires_at: Option<DateTime<Utc>>,
    pub last_refresh_at: Option<DateTime<Utc>>,
    pub needs_reauth: bool,
    pub last_error: Option<String>,
    /// The keyring holds a token for it.
    pub has_credentials: bool,
}

impl App {
    /// Every account with its group path; with `group`, only accounts in a group of that name
    /// (case-insensitive) or below it.
    pub async fn list_accounts(
        &self,
        group: Option<&str>,
    ) -> Result<Vec<AccountListing>, CoreError> {
        let all = self.store().list_accounts().await?;
        Ok(match group.map(str::trim).filter(|g| !g.is_empty()) {
            None => all,
            Some(g) => {
                let g = g.to_lowercase();
                all.into_iter()
                    .filter(|a| {
                        a.group_path.iter().any(|p| p.to_lowercase() == g)
                            || a.group_path.join(" > ").to_lowercase() == g
                    })
                    .collect()
            }
        })
    }

    /// Token health of every account, including whether the keyring holds its token. The
    /// keyring lookups (a Secret Service round trip each) run eight at a time.
    pub async fn account_health(&self) -> Result<Vec<AccountHealth>, CoreError> {
        use futures::{StreamExt, TryStreamExt};
        let accounts = self.store().list_accounts().await?;
        futures::stream::iter(accounts)
            .map(|l| async move {
                let a = l.account;
                let kind = match a.network {
                    Network::X => CredentialKind::AccessToken,
                    Network::Facebook => CredentialKind::PageToken,
                };
                let has_credentials = self.keyring().load(&key(a.id, kind)).await?.is_some();
                Ok::<_, CoreError>(AccountHealth {
                    account_id: a.id,
                    network: a.network,
                    handle: a.handle,
                    display_name: a.display_name,
                    group_path: l.group_path,
                    status: a.token.status,
                    access_expires_at: a.token.access_expires_at,
                    last_refresh_at: a.token.last_refresh_at,
                    needs_reauth: a.token.status == TokenStatus::NeedsReauth,
                    last_error: a.token.last_error,
                    has_credentials,
                })
            })
            .buffered(8)
            .try_collect()
            .await
    }

    /// The group at `path` (names, root first), creating missing groups with the given kinds.
    /// Returns the leaf's id and how many groups were created.
    pub async fn ensure_group_path(
        &self,
        path: &[(String, GroupKind)],
        now: DateTime<Utc>,
    ) -> Result<(GroupId, u32), CoreError> {
        let mut groups = self.store().list_groups().await?;
        let mut new = Vec::new();
        let leaf = plan_group_path(&mut groups, path, now, &mut new)?;
        self.store().import_registry(&new, &[], now).await?;
        Ok((leaf, new.len() as u32))
    }

    /// Imports accounts and their groups from CSV or JSON text. Validates every row first and
    /// imports nothing if any row has a problem (see [`ImportReport::problems`]). Avatars are
    /// cached locally; one that cannot be fetched does not stop the import.
    pub async fn import_accounts(
        &self,
        text: &str,
        format: FileFormat,
        now: DateTime<Utc>,
    ) -> Result<ImportReport, CoreError> {
        let rows = match transfer::parse_rows(text, format) {
            Ok(r) => r,
            Err(problems) => {
                return Ok(ImportReport {
                    problems,
                    ..ImportReport::default()
                })
            }
        };
        let mut existing = Existing::default();
        for l in self.store().list_accounts().await? {
            let a = l.account;
            existing
                .by_handle
                .insert((a.network, a.handle.to_lowercase()), a.external_id.clone());
            if let Some(id) = a.external_id {
                existing
                    .by_external_id
                    .insert((a.network, id), a.handle.to_lowercase());
            }
        }
        let valid = match transfer::validate(&rows, &existing) {
            Ok(v) => v,
            Err(problems) => {
                return Ok(ImportReport {
                    rows: rows.len() as u32,
                    problems,
                    ..ImportReport::default()
                })
            }
        };
        let mut report = ImportReport {
            applied: true,
            rows: valid.len() as u32,
            ..ImportReport::default()
        };
        // Groups and accounts are planned here and stored in one transaction below.
        let mut groups = self.store().list_groups().await?;
        let mut new_groups = Vec::new();
        let mut group_ids: HashMap<Vec<String>, GroupId> = HashMap::new();
        for path in transfer::group_paths(&valid) {
            let id = plan_group_path(&mut groups, &path, now, &mut new_groups)?;
            group_ids.insert(path.iter().map(|(n, _)| n.to_lowercase()).collect(), id);
        }
        report.groups_created = new_groups.len() as u32;
        let avatars = self.fetch_avatars(&valid).await?;
        let mut inputs = Vec::with_capacity(valid.len());
        for r in &valid {
            let group_key: Vec<String> = r.group.iter().map(|(n, _)| n.to_lowercase()).collect();
            let group_id = *group_ids
                .get(&group_key)
                .ok_or_else(|| CoreError::Internal("a group of the file was not created".into()))?;
            let avatar_path = match avatars.get(&r.row) {
                Some(Ok(p)) => {
                    report.avatars_cached += 1;
                    Some(p.clone())
                }
                Some(Err(e)) => {
                    report.avatar_problems.push(ImportProblem {
                        row: r.row,
                        field: "avatar".into(),
                        message: e.clone(),
                    });
                    None
                }
                None => None,
            };
            let input = AccountInput {
                network: r.network,
                external_id: r.external_id.clone(),
                handle: r.handle.clone(),
                display_name: r.display_name.clone(),
                avatar_path,
                time_zone: r.time_zone.clone(),
                language: r.language.clone(),
                group_id,
                kind: r.kind,
            };
            inputs.push(input);
        }
        // All of it or, on any error, none of it (a second run of the same file is then a
        // clean import, not a half-done one).
        for (_, created) in self
            .store()
            .import_registry(&new_groups, &inputs, now)
            .await?
        {
            if created {
                report.created += 1;
            } else {
                report.updated += 1;
            }
        }
        self.emit(CoreEvent::AccountsImported {
            created: report.created,
            updated: report.updated,
        });
        Ok(report)
    }

    /// Fetches the avatars of `rows` (8 at a time). Row number → local path or error.
    async fn fetch_avatars(
        &self,
        rows: &[ValidRow],
    ) -> Result<HashMap<u32, Result<String, String>>, CoreError> {
        let cache = avatars::AvatarCache::new(self.data_dir())?;
        let mut out = HashMap::new();
        let mut tasks = tokio::task::JoinSet::new();
        let mut pending = rows
            .iter()
            .filter_map(|r| r.avatar.clone().map(|a| (r.row, a)));
        loop {
            while tasks.len() < 8 {
                let Some((row, source)) = pending.next() else {
                    break;
                };
                let c = cache.clone();
                tasks.spawn(async move { (row, c.fetch(&source).await) });
            }
            let Some(done) = tasks.join_next().await else {
                break;
            };
            let (row, result) =
                done.map_err(|e| CoreError::Internal(format!("avatar task: {e}")))?;
            out.insert(
                row,
                result
                    .map(|p| p.display().to_string())
                    .map_err(|e| e.to_string()),
            );
        }
        Ok(out)
    }

    /// The registry as a file that [`App::import_accounts`] reads back to the same registry.
    pub async fn export_accounts(&self, format: FileFormat) -> Result<String, CoreError> {
        let groups = self.store().list_groups().await?;
        let by_id: HashMap<GroupId, &Group> = groups.iter().map(|g| (g.id, g)).collect();
        let mut rows = Vec::new();
        for l in self.store().list_accounts().await? {
            let a: Account = l.account;
            let mut lineage = Vec::new();
            let mut cur = Some(a.group_id);
            while let Some(id) = cur {
                let Some(g) = by_id.get(&id) else { break };
                if lineage.len() > 64 {
                    break;
                }
                lineage.push(*g);
                cur = g.parent_id;
            }
            lineage.reverse();
            rows.push(AccountRow {
                network: a.network.as_str().into(),
                handle: a.handle,
                display_name: a.display_name,
                external_id: a.external_id,
                group: lineage.iter().map(|g| g.name.clone()).collect(),
                group_kinds: lineage
                    .iter()
                    .map(|g| g.kind.as_str().to_string())
                    .collect(),
                kind: a.kind.as_str().into(),
                time_zone: a.time_zone,
                language: a.language,
                avatar: a.avatar_path,
            });
        }
        transfer::write_rows(&rows, format)
    }
}

/// Finds the group at `path` (names, root first, compared case-insensitively) among `groups`,
/// planning the missing ones with the given kinds: they are added to `groups` and to `new`,
/// parents first. Returns the leaf's id. Nothing is stored.
fn plan_group_path(
    groups: &mut Vec<Group>,
    path: &[(String, GroupKind)],
    now: DateTime<Utc>,
    new: &mut Vec<Group>,
) -> Result<GroupId, CoreError> {
    let mut parent: Option<GroupId> = None;
    for (name, kind) in path {
        let found = groups
            .iter()
            .find(|g| g.parent_id == parent && g.name.trim().eq_ignore_ascii_case(name.trim()))
            .map(|g| g.id);
        let id = match found {
            Some(id) => id,
            None => {
                let g = Group {
                    id: GroupId::new_v7(now),
                    name: name.trim().to_string(),
                    kind: *kind,
                    parent_id: parent,
                };
                let id = g.id;
                groups.push(g.clone());
                new.push(g);
                id
            }
        };
        parent = Some(id);
    }
    parent.ok_or_else(|| CoreError::Validation("an empty group path".into()))
}

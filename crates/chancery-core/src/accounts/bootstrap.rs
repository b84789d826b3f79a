//! The rehearsal workspace: created from a sandbox manifest (the embedded sandbox, or a running
//! one), with the manifest's accounts and groups, its ready credentials in the keyring
//! (namespaced to this workspace's own id), four demo people with roles, and an approval policy
//! on the officer's post (the ambassador reviews, then the digital lead approves). The desktop
//! app's first run and the tests use it.

use futures::{StreamExt, TryStreamExt};
use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use chancery_model::accounts::{
    AccountInput, AccountKind, GroupId, GroupKind, PersonId, Role, TokenHealth, TokenStatus,
};
use chancery_model::approvals::{ApprovalPolicy, ApprovalScope, ApprovalStep, StepMode};
use chancery_sandbox::{Credentials, Manifest, ManifestAccount};
use chrono::{DateTime, Utc};
use secrecy::SecretString;
use serde::Serialize;
use uuid::Uuid;

use crate::secrets::{CredentialKey, CredentialKind};
use crate::tokens::key;
use crate::workspace::{self, Endpoints, WorkspaceKind, WorkspaceSettings};
use crate::{App, AppConfig, CoreError};

/// The keyring owner of the Facebook app secret.
pub const FACEBOOK_APP_OWNER: &str = "app:facebook";

/// Where a rehearsal workspace's sandbox comes from.
#[derive(Debug, Clone)]
pub enum RehearsalSource {
    /// The sandbox inside the app, started at every launch (the desktop's first run).
    Embedded {
        seed: u64,
        x_naming: Option<String>,
        time_scale: Option<f64>,
    },
    /// A sandbox already running (tests, `chancery sandbox`).
    Running(Box<Manifest>),
}

/// The demo people of a rehearsal workspace.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DemoPeople {
    pub officer: PersonId,
    pub ambassador: PersonId,
    pub digital_lead: PersonId,
    pub admin: PersonId,
}

/// What the bootstrap did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BootstrapReport {
    pub workspace_id: String,
    pub accounts: u32,
    pub groups_created: u32,
    pub credentials_stored: u32,
    pub avatars_cached: u32,
    pub people: DemoPeople,
}

fn group_kind(name: &str, depth: usize) -> GroupKind {
    let n = name.to_lowercase();
    if n.contains("minister") {
        GroupKind::Ministers
    } else if n.contains("ambassador") {
        GroupKind::Ambassadors
    } else if depth == 0 && (n.contains("headquarters") || n.contains("ministry")) {
        GroupKind::Other
    } else if depth == 0 {
        GroupKind::Region
    } else {
        GroupKind::Post
    }
}

fn account_kind(k: chancery_sandbox::AccountKind) -> AccountKind {
    match k {
        chancery_sandbox::AccountKind::Embassy | chancery_sandbox::AccountKind::Ministry => {
            AccountKind::Institutional
        }
        chancery_sandbox::AccountKind::Minister | chancery_sandbox::AccountKind::Ambassador => {
            AccountKind::Personal
        }
    }
}

fn network(n: chancery_sandbox::Network) -> chancery_model::accounts::Network {
    match n {
        chancery_sandbox::Network::X => chancery_model::accounts::Network::X,
        chancery_sandbox::Network::Facebook => chancery_model::accounts::Network::Facebook,
    }
}

fn uuid_v7(now: DateTime<Utc>) -> Uuid {
    let secs = u64::try_from(now.timestamp()).unwrap_or(0);
    Uuid::new_v7(uuid::Timestamp::from_unix(
        uuid::NoContext,
        secs,
        now.timestamp_subsec_nanos(),
    ))
}

/// Accounts of a manifest imported at once (avatar download, row, keyring writes).
const IMPORT_CONCURRENCY: usize = 8;

impl App {
    /// Creates a rehearsal workspace in an empty data folder: settings with a fresh
    /// `rehearsal-<uuid>` id, then [`App::import_manifest`]. Fails if the folder already has a
    /// workspace.
    pub async fn create_rehearsal_workspace(
        config: AppConfig,
        source: RehearsalSource,
        now: DateTime<Utc>,
    ) -> Result<(Arc<App>, BootstrapReport), CoreError> {
        if workspace::load_settings(&config.data_dir)?.is_some() {
            return Err(CoreError::Conflict(format!(
                "{} already holds a workspace; choose an empty folder for a rehearsal",
                config.data_dir.display()
            )));
        }
        std::fs::create_dir_all(&config.data_dir).map_err(|e| {
            CoreError::io(
                format!("creating the data folder {}", config.data_dir.display()),
                e,
            )
        })?;
        let endpoints = match &source {
            RehearsalSource::Embedded {
                seed,
                x_naming,
                time_scale,
            } => Endpoints::EmbeddedSandbox {
                seed: *seed,
                x_naming: x_naming.clone(),
                time_scale: *time_scale,
            },
            RehearsalSource::Running(m) => workspace::external_endpoints(m),
        };
        let settings = WorkspaceSettings {
            id: format!("rehearsal-{}", uuid_v7(now)),
            name: "Rehearsal (sandbox)".into(),
            kind: WorkspaceKind::Rehearsal,
            endpoints,
            created_at: now,
            bootstrapped: false,
        };
        workspace::save_settings(&config.data_dir, &settings)?;
        let app = App::open(config).await?;
        let report = app.finish_rehearsal_bootstrap(source, now).await?;
        Ok((app, report))
    }

    /// The desktop's start: opens the workspace in `config.data_dir`, or creates a rehearsal
    /// workspace on the embedded sandbox with `seed` if there is none (and finishes a bootstrap
    /// that was interrupted).
    pub async fn open_or_create_rehearsal(
        config: AppConfig,
        seed: u64,
        now: DateTime<Utc>,
    ) -> Result<Arc<App>, CoreError> {
        match workspace::load_settings(&config.data_dir)? {
            None => {
                let (app, report) = App::create_rehearsal_workspace(
                    config,
                    RehearsalSource::Embedded {
                        seed,
                        x_naming: None,
                        time_scale: None,
                    },
                    now,
                )
                .await?;
                tracing::info!(workspace = %report.workspace_id, accounts = report.accounts, "rehearsal workspace created");
                Ok(app)
            }
            Some(s) if s.kind == WorkspaceKind::Rehearsal && !s.bootstrapped => {
                let app = App::open(config).await?;
                let source = match &s.endpoints {
                    Endpoints::EmbeddedSandbox { seed, x_naming, time_scale } => RehearsalSource::Embedded {
                        seed: *seed,
                        x_naming: x_naming.clone(),
                        time_scale: *time_scale,
                    },
                    _ => {
                        return Err(CoreError::Validation(
                            "this rehearsal workspace's sandbox is not embedded; finish it with the sandbox it was made from".into(),
                        ))
                    }
                };
                app.finish_rehearsal_bootstrap(source, now).await?;
                Ok(app)
            }
            Some(_) => App::open(config).await,
        }
    }

    async fn finish_rehearsal_bootstrap(
        &self,
        source: RehearsalSource,
        now: DateTime<Utc>,
    ) -> Result<BootstrapReport, CoreError> {
        let manifest = match source {
            RehearsalSource::Running(m) => *m,
            RehearsalSource::Embedded { .. } => self
                .workspace
                .sandbox
                .as_ref()
                .map(|s| s.manifest())
                .ok_or_else(|| {
                    CoreError::Internal("the rehearsal sandbox is not running".into())
                })?,
        };
        let report = self.import_manifest(&manifest, now).await?;
        if let Some(mut s) = workspace::load_settings(self.data_dir())? {
            s.bootstrapped = true;
            workspace::save_settings(self.data_dir(), &s)?;
        }
        Ok(report)
    }

    /// Imports a sandbox manifest into this (rehearsal) workspace: groups, accounts (with
    /// external ids, avatars cached), the ready credentials into the keyring, token health, the
    /// Facebook app secret, and the demo people with roles. Idempotent.
    pub async fn import_manifest(
        &self,
        manifest: &Manifest,
        now: DateTime<Utc>,
    ) -> Result<BootstrapReport, CoreError> {
        let is_rehearsal = self
            .workspace
            .settings
            .as_ref()
            .is_some_and(|s| s.kind == WorkspaceKind::Rehearsal);
        if !is_rehearsal {
            return Err(CoreError::Forbidden(
                "sandbox credentials go only into a rehearsal workspace, never a live one".into(),
            ));
        }
        let mut groups_created = 0;
        let mut group_ids: HashMap<Vec<String>, GroupId> = HashMap::new();
        let paths: BTreeSet<Vec<String>> =
            manifest.accounts.iter().map(|a| a.group.clone()).collect();
        for path in paths {
            if path.is_empty() {
                continue;
            }
            let typed: Vec<(String, GroupKind)> = path
                .iter()
                .enumerate()
                .map(|(d, n)| (n.clone(), group_kind(n, d)))
                .collect();
            let (id, created) = self.ensure_group_path(&typed, now).await?;
            groups_created += created;
            group_ids.insert(path, id);
        }
        let fallback = match group_ids.values().next() {
            Some(g) => *g,
            None => {
                self.ensure_group_path(&[("Unsorted".into(), GroupKind::Other)], now)
                    .await?
                    .0
            }
        };
        let cache = super::avatars::AvatarCache::new(self.data_dir())?;
        // Accounts are independent: several at once. Each keyring write is a D-Bus round trip
        // (a new Secret Service session), so one after another 240 accounts took ~20 s.
        let per_account = futures::stream::iter(&manifest.accounts)
            .map(|a| {
                let cache = &cache;
                let group_id = group_ids.get(&a.group).copied().unwrap_or(fallback);
                async move {
                    let avatar = match cache.fetch(&a.avatar_url).await {
                        Ok(p) => Some(p.display().to_string()),
                        Err(e) => {
                            tracing::warn!(account = %a.username, error = %e, "avatar not cached");
                            None
                        }
                    };
                    let cached = u32::from(avatar.is_some());
                    let input = AccountInput {
                        network: network(a.network),
                        external_id: Some(a.id.clone()),
                        handle: a.username.clone(),
                        display_name: a.display_name.clone(),
                        avatar_path: avatar,
                        time_zone: a.time_zone.clone(),
                        language: a.language.clone(),
                        group_id,
                        kind: account_kind(a.kind),
                    };
                    let (account, _) = self.store().upsert_account(&input, now).await?;
                    let stored = self.store_manifest_credentials(account.id, a, now).await?;
                    Ok::<_, CoreError>((cached, stored))
                }
            })
            .buffer_unordered(IMPORT_CONCURRENCY)
            .try_collect::<Vec<_>>()
            .await?;
        let avatars_cached: u32 = per_account.iter().map(|(c, _)| c).sum();
        let credentials_stored: u32 = per_account.iter().map(|(_, s)| s).sum();
        self.keyring()
            .store(
                &CredentialKey::new(FACEBOOK_APP_OWNER, CredentialKind::AppSecret),
                &SecretString::from(manifest.facebook.app_secret.clone()),
            )
            .await?;
        let people = self.demo_people(now).await?;
        Ok(BootstrapReport {
            workspace_id: self.workspace_id().to_string(),
            accounts: manifest.accounts.len() as u32,
            groups_created,
            credentials_stored,
            avatars_cached,
            people,
        })
    }

    async fn store_manifest_credentials(
        &self,
        account: chancery_model::accounts::AccountId,
        a: &ManifestAccount,
        now: DateTime<Utc>,
    ) -> Result<u32, CoreError> {
        self.token_state.forget(account);
        match &a.credentials {
            Credentials::XUser {
                access_token,
                refresh_token,
                expires_at,
                ..
            } => {
                // Refresh token first (see tokens.rs for why).
                self.keyring()
                    .store(
                        &key(account, CredentialKind::RefreshToken),
                        &SecretString::from(refresh_token.clone()),
                    )
                    .await?;
                self.keyring()
                    .store(
                        &key(account, CredentialKind::AccessToken),
                        &SecretString::from(access_token.clone()),
                    )
                    .await?;
                let expires = DateTime::parse_from_rfc3339(expires_at)
                    .ok()
                    .map(|t| t.with_timezone(&Utc));
                let health = TokenHealth {
                    status: TokenStatus::Connected,
                    access_expires_at: expires,
                    last_refresh_at: None,
                    last_error: None,
                };
                self.store().set_token_health(account, &health, now).await?;
                Ok(2)
            }
            Credentials::FacebookPage {
                page_access_token, ..
            } => {
                self.keyring()
                    .store(
                        &key(account, CredentialKind::PageToken),
                        &SecretString::from(page_access_token.clone()),
                    )
                    .await?;
                let health = TokenHealth {
                    status: TokenStatus::Connected,
                    access_expires_at: None,
                    last_refresh_at: None,
                    last_error: None,
                };
                self.store().set_token_health(account, &health, now).await?;
                Ok(1)
            }
        }
    }

    /// An officer and an ambassador (reviewer) at the embassy in Beirut (or the first post), a
    /// digital lead (approver) and an admin over every top-level group.
    async fn demo_people(&self, now: DateTime<Utc>) -> Result<DemoPeople, CoreError> {
        let groups = self.store().list_groups().await?;
        let tops: Vec<GroupId> = groups
            .iter()
            .filter(|g| g.parent_id.is_none())
            .map(|g| g.id)
            .collect();
        let post = groups
            .iter()
            .find(|g| g.kind == GroupKind::Post && g.name.to_lowercase().contains("beirut"))
            .or_else(|| groups.iter().find(|g| g.kind == GroupKind::Post))
            .or_else(|| groups.first())
            .map(|g| g.id)
            .ok_or_else(|| CoreError::Internal("no group for the demo people".into()))?;
        let existing = self.store().list_people().await?;
        let person = |name: &'static str, email: &'static str| {
            let found = existing
                .iter()
                .find(|p| p.email.eq_ignore_ascii_case(email))
                .map(|p| p.id);
            (name, email, found)
        };
        let specs = [
            person(
                "Nadia Haddad (duty officer)",
                "officer@rehearsal.chancery.invalid",
            ),
            person(
                "Ambassador Claire Moreau",
                "ambassador@rehearsal.chancery.invalid",
            ),
            person(
                "Sam Okafor (digital lead)",
                "digital.lead@rehearsal.chancery.invalid",
            ),
            person(
                "Jo Lindqvist (administrator)",
                "admin@rehearsal.chancery.invalid",
            ),
        ];
        let mut ids = Vec::new();
        for (name, email, found) in specs {
            let id = match found {
                Some(id) => id,
                None => self.store().create_person(name, email, now).await?.id,
            };
            ids.push(id);
        }
        let people = DemoPeople {
            officer: ids[0],
            ambassador: ids[1],
            digital_lead: ids[2],
            admin: ids[3],
        };
        self.store()
            .grant_role(people.officer, post, Role::Officer, now)
            .await?;
        self.store()
            .grant_role(people.ambassador, post, Role::Reviewer, now)
            .await?;
        for g in tops {
            self.store()
                .grant_role(people.digital_lead, g, Role::Approver, now)
                .await?;
            self.store()
                .grant_role(people.admin, g, Role::Admin, now)
                .await?;
        }
        self.demo_policy(post, &people, now).await?;
        Ok(people)
    }

    /// The approval policy of the officer's post, so that a trainee sees the whole workflow:
    /// the officer drafts, the ambassador reviews (step 1), the digital lead approves (step
    /// 2). Elsewhere the workspace default applies (one approver). Set once, by the demo
    /// admin (audited as `policy.set`); a policy already on the post (an admin's own change)
    /// is kept.
    async fn demo_policy(
        &self,
        post: GroupId,
        people: &DemoPeople,
        now: DateTime<Utc>,
    ) -> Result<(), CoreError> {
        let existing = self.list_approval_policies().await?;
        if existing.iter().any(|p| p.group_id == post) {
            return Ok(());
        }
        let admin = self.actor(people.admin).await?;
        let step = |role| ApprovalStep {
            role,
            mode: StepMode::Any,
        };
        self.set_approval_policy(
            &admin,
            ApprovalPolicy {
                group_id: post,
                scope: ApprovalScope::All,
                steps: vec![step(Role::Reviewer), step(Role::Approver)],
            },
            now,
        )
        .await
    }
}

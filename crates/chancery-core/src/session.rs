//! The signed-in person.
//!
//! Every action a window takes is done as the signed-in person, read here, never taken from the
//! window's arguments: a command cannot act as somebody else. The CLI names its person with
//! `--as`. (A local workspace has no passwords: people are chosen, not authenticated; a shared
//! team workspace will authenticate them.)

use std::collections::HashMap;

use chancery_model::accounts::{PersonId, Role};
use chancery_model::session::{PersonSummary, RoleOnGroup, Session, WorkspaceInfo};
use serde::{Deserialize, Serialize};

use crate::audit::store_error;
use crate::workspace::WorkspaceKind;
use crate::{App, CoreError};

/// Remembers who was signed in, so the app reopens as the same person.
const SESSION_FILE: &str = "session.json";

#[derive(Serialize, Deserialize)]
struct SavedSession {
    person_id: PersonId,
}

impl App {
    /// Everyone in the workspace with their roles, for the sign-in screen and people pickers.
    pub async fn people(&self) -> Result<Vec<PersonSummary>, CoreError> {
        let store = self.store();
        let people = store.list_people().await.map_err(store_error)?;
        let groups: HashMap<_, _> = store
            .list_groups()
            .await
            .map_err(store_error)?
            .into_iter()
            .map(|g| (g.id, g.name))
            .collect();
        let mut roles: HashMap<PersonId, Vec<RoleOnGroup>> = HashMap::new();
        for g in store.list_role_grants().await.map_err(store_error)? {
            roles.entry(g.person_id).or_default().push(RoleOnGroup {
                role: g.role,
                group_id: g.group_id,
                group_name: groups.get(&g.group_id).cloned().unwrap_or_default(),
            });
        }
        Ok(people
            .into_iter()
            .map(|person| {
                let mut roles = roles.remove(&person.id).unwrap_or_default();
                roles.sort_by(|a, b| (a.role, &a.group_name).cmp(&(b.role, &b.group_name)));
                PersonSummary { person, roles }
            })
            .collect())
    }

    /// Sign in as `person` (must exist and be active). Remembered for the next launch.
    pub async fn sign_in(&self, person: PersonId) -> Result<Session, CoreError> {
        let session = self.session_for(person).await?;
        if !session.person.active {
            return Err(CoreError::Forbidden(format!(
                "{} is deactivated and cannot sign in",
                session.person.display_name
            )));
        }
        *self.session_slot() = Some(person);
        let json = serde_json::to_vec(&SavedSession { person_id: person })
            .map_err(|e| CoreError::Internal(format!("session: {e}")))?;
        let path = self.data_dir().join(SESSION_FILE);
        if let Err(e) = std::fs::write(&path, json) {
            tracing::warn!(error = %e, "could not remember the signed-in person");
        }
        tracing::info!(person = %session.person.display_name, "signed in");
        Ok(session)
    }

    /// Sign out (and forget the remembered person).
    pub fn sign_out(&self) {
        *self.session_slot() = None;
        let _ = std::fs::remove_file(self.data_dir().join(SESSION_FILE));
    }

    /// Sign back in as the person remembered from the last launch, if they can still sign in.
    pub async fn restore_session(&self) -> Option<Session> {
        let bytes = std::fs::read(self.data_dir().join(SESSION_FILE)).ok()?;
        let saved: SavedSession = serde_json::from_slice(&bytes).ok()?;
        self.sign_in(saved.person_id).await.ok()
    }

    /// The signed-in person with their roles, if anyone is signed in.
    pub async fn session(&self) -> Result<Option<Session>, CoreError> {
        match self.signed_in() {
            Some(p) => self.session_for(p).await.map(Some),
            None => Ok(None),
        }
    }

    /// Who is signed in.
    pub fn signed_in(&self) -> Option<PersonId> {
        *self.session_slot()
    }

    /// Who is signed in, or a `Forbidden` error telling the window to sign in first.
    pub fn require_signed_in(&self) -> Result<PersonId, CoreError> {
        self.signed_in()
            .ok_or_else(|| CoreError::Forbidden("sign in first: choose who you are".into()))
    }

    /// The group tree (regions > posts, ministers, ambassadors).
    pub async fn group_tree(&self) -> Result<Vec<chancery_model::accounts::GroupNode>, CoreError> {
        self.store().group_tree().await.map_err(store_error)
    }

    /// What this workspace is and where its API calls go.
    pub fn workspace_info(&self) -> WorkspaceInfo {
        let settings = self.workspace_settings();
        WorkspaceInfo {
            id: self.workspace_id().to_string(),
            name: settings.map_or_else(|| "Chancery".to_string(), |s| s.name.clone()),
            rehearsal: settings.is_some_and(|s| s.kind == WorkspaceKind::Rehearsal),
            x_api_base: self.net_config().x_api_base.to_string(),
            graph_api_base: self.net_config().graph_base.to_string(),
        }
    }

    async fn session_for(&self, person: PersonId) -> Result<Session, CoreError> {
        let summary = self
            .people()
            .await?
            .into_iter()
            .find(|p| p.person.id == person)
            .ok_or_else(|| {
                CoreError::NotFound("that person is not part of this workspace".into())
            })?;
        let has = |r: Role| summary.roles.iter().any(|g| g.role == r);
        Ok(Session {
            can_review: has(Role::Reviewer) || has(Role::Approver),
            is_admin: has(Role::Admin),
            person: summary.person,
            roles: summary.roles,
        })
    }

    fn session_slot(&self) -> std::sync::MutexGuard<'_, Option<PersonId>> {
        // A poisoned lock only means a panic elsewhere while holding it; the value is still valid.
        self.session.lock().unwrap_or_else(|p| p.into_inner())
    }
}

//! What is waiting for the signed-in person: drafts they can approve now, and their own drafts.

use std::collections::HashMap;

use chancery_model::drafts::{DraftState, DraftSummary};
use chancery_model::session::QueueEntry;
use chancery_store::DraftFilter;

use crate::{App, CoreError};

impl App {
    /// Submitted drafts the signed-in person can move forward now (eligible for a current
    /// step and not yet approved by them), oldest first.
    pub async fn approval_queue(&self) -> Result<Vec<QueueEntry>, CoreError> {
        let me = self.require_signed_in()?;
        let submitted = self
            .list_drafts(&DraftFilter {
                states: vec![DraftState::InReview],
                author: None,
                limit: None,
            })
            .await?;
        let names: HashMap<_, _> = self
            .people()
            .await?
            .into_iter()
            .map(|p| (p.person.id, p.person.display_name))
            .collect();
        let mut out = Vec::new();
        for draft in submitted {
            let status = self.approval_status(draft.id).await?;
            if status.waiting_on.contains(&me) {
                out.push(QueueEntry {
                    author_name: names.get(&draft.author_id).cloned().unwrap_or_default(),
                    draft,
                    status,
                });
            }
        }
        out.sort_by_key(|e| e.draft.updated_at);
        Ok(out)
    }

    /// The signed-in person's own drafts, newest first.
    pub async fn my_drafts(&self) -> Result<Vec<DraftSummary>, CoreError> {
        let me = self.require_signed_in()?;
        let mut drafts = self
            .list_drafts(&DraftFilter {
                states: vec![],
                author: Some(me),
                limit: Some(500),
            })
            .await?;
        drafts.sort_by_key(|d| std::cmp::Reverse(d.updated_at));
        Ok(drafts)
    }

    /// The signed-in person as the audit trail records them.
    pub async fn session_actor(&self) -> Result<crate::audit::Actor, CoreError> {
        self.actor(self.require_signed_in()?).await
    }
}

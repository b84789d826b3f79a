//! Drafts as the app sees them: create, edit (every save is a version), read, compare
//! versions, resolve targets, and the context validation needs.

use std::collections::{BTreeMap, HashSet};
use std::path::Path;

use chancery_model::accounts::{AccountId, Network, Role};
use chancery_model::drafts::{
    Draft, DraftContent, DraftId, DraftKind, DraftState, DraftSummary, DraftVersion,
    MediaAttachment, Problem, ProblemCode, ResolvedTarget, Severity, TargetRef, ValidationReport,
    VersionDiff,
};
use chancery_store::DraftChange;
pub use chancery_store::DraftFilter;
use chrono::{DateTime, Utc};

use super::content_hash::content_hash;
use super::diff::diff_versions;
use super::media;
use super::validate::{validate, ReplyContext, TargetContext, ValidationContext};
use crate::audit::{store_error, Actor};
use crate::schedule::apply_schedule;
use crate::workflow::machine::{after_edit, may_edit};
use crate::workflow::policy::{evaluate_lanes, unstaffed_steps, waiting_on};
use crate::{App, CoreError, CoreEvent};

/// Longest text accepted in a draft (characters), far above any network's limit: a guard
/// against pasting a whole file by mistake, not a network rule.
pub const MAX_DRAFT_TEXT_CHARS: usize = 100_000;

/// Targets resolved against the registry now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolution {
    pub targets: Vec<TargetContext>,
    /// Targets that no longer exist, in words.
    pub missing: Vec<String>,
}

fn check_sizes(content: &DraftContent) -> Result<(), CoreError> {
    let too_long = |t: &str| t.chars().count() > MAX_DRAFT_TEXT_CHARS;
    if too_long(&content.text)
        || content.variants.x.as_deref().is_some_and(too_long)
        || content.variants.facebook.as_deref().is_some_and(too_long)
    {
        return Err(CoreError::Validation(format!(
            "a draft's text is limited to {MAX_DRAFT_TEXT_CHARS} characters"
        )));
    }
    Ok(())
}

fn kind_of(content: &DraftContent) -> DraftKind {
    if content.reply_to.is_some() {
        DraftKind::Reply
    } else {
        DraftKind::Post
    }
}

fn handles(targets: &[ResolvedTarget]) -> Vec<String> {
    targets
        .iter()
        .map(|t| format!("{}:@{}", t.network.as_str(), t.handle))
        .collect()
}

impl App {
    /// The accounts `content`'s targets mean now (a group = every account in it and its
    /// descendants), with the schedule applied in each account's zone.
    pub async fn resolve_targets(&self, content: &DraftContent) -> Result<Resolution, CoreError> {
        let accounts = self.store().list_accounts().await.map_err(store_error)?;
        let lineages = self.store().account_lineages().await.map_err(store_error)?;
        let groups: HashSet<_> = self
            .store()
            .list_groups()
            .await
            .map_err(store_error)?
            .into_iter()
            .map(|g| g.id)
            .collect();
        let mut picked: BTreeMap<AccountId, TargetContext> = BTreeMap::new();
        let mut missing = Vec::new();
        let mut add = |a: &chancery_model::accounts::Account| {
            picked.entry(a.id).or_insert_with(|| TargetContext {
                target: ResolvedTarget {
                    account_id: a.id,
                    network: a.network,
                    handle: a.handle.clone(),
                    group_id: a.group_id,
                    time_zone: a.time_zone.clone(),
                    send_at: None,
                    schedule_note: None,
                    schedule_problem: None,
                },
                display_name: a.display_name.clone(),
                token: a.token.status,
            });
        };
        for t in &content.targets {
            match t {
                TargetRef::Account(id) => match accounts.iter().find(|l| l.account.id == *id) {
                    Some(l) => add(&l.account),
                    None => missing.push(format!("account {id} is no longer in the registry")),
                },
                TargetRef::Group(g) => {
                    if !groups.contains(g) {
                        missing.push(format!("group {g} no longer exists"));
                        continue;
                    }
                    for l in &accounts {
                        if lineages
                            .get(&l.account.id)
                            .is_some_and(|lin| lin.contains(g))
                        {
                            add(&l.account);
                        }
                    }
                }
            }
        }
        let mut targets: Vec<TargetContext> = picked.into_values().collect();
        targets.sort_by(|a, b| {
            (a.target.network, a.target.handle.to_lowercase())
                .cmp(&(b.target.network, b.target.handle.to_lowercase()))
        });
        let mut resolved: Vec<ResolvedTarget> = targets.iter().map(|t| t.target.clone()).collect();
        apply_schedule(&content.schedule, &mut resolved);
        for (t, r) in targets.iter_mut().zip(resolved) {
            t.target = r;
        }
        Ok(Resolution { targets, missing })
    }

    /// Everything validation needs besides the text: fetch once per editing session, then
    /// call [`crate::compose::validate`] on every keystroke.
    pub async fn validation_context(
        &self,
        content: &DraftContent,
    ) -> Result<ValidationContext, CoreError> {
        let res = self.resolve_targets(content).await?;
        let mut media_files = std::collections::HashMap::new();
        for m in &content.media {
            media_files.insert(m.sha256.clone(), media::check(m).await);
        }
        let reply = match &content.reply_to {
            None => None,
            Some(r) => {
                let item = self
                    .store()
                    .get_item(r.item_id)
                    .await
                    .map_err(store_error)?;
                let account = self
                    .store()
                    .get_account(r.account_id)
                    .await
                    .map_err(store_error)?;
                match (item, account) {
                    (Some(item), Some(account)) => Some(ReplyContext {
                        author_handle: item.author.handle.clone(),
                        mentions: item.entities.mentions.clone(),
                        text: item.text.clone(),
                        replying_handle: account.handle,
                    }),
                    _ => None,
                }
            }
        };
        Ok(ValidationContext {
            kind: Some(kind_of(content)),
            targets: res.targets,
            missing_targets: res.missing,
            targets_changed: None,
            media_files,
            reply,
        })
    }

    /// Validate content that may not be saved yet (fetches the context; for the editor, keep
    /// the context and call [`crate::compose::validate`] directly).
    pub async fn validate_content(
        &self,
        content: &DraftContent,
        now: DateTime<Utc>,
    ) -> Result<ValidationReport, CoreError> {
        let ctx = self.validation_context(content).await?;
        Ok(validate(content, &ctx, now))
    }

    /// Everything that would stop a saved draft from being submitted now, per target: the
    /// content checks, accounts that changed since it was saved, the author's roles on the
    /// targets, and approval steps nobody may approve.
    pub async fn check_draft(
        &self,
        id: DraftId,
        now: DateTime<Utc>,
    ) -> Result<ValidationReport, CoreError> {
        let draft = self.draft(id).await?;
        let mut ctx = self.validation_context(&draft.content).await?;
        let now_ids: Vec<AccountId> = ctx.targets.iter().map(|t| t.target.account_id).collect();
        let saved_ids: Vec<AccountId> = draft.targets.iter().map(|t| t.account_id).collect();
        let (mut a, mut b) = (now_ids.clone(), saved_ids.clone());
        a.sort();
        b.sort();
        if a != b {
            let added: Vec<String> = ctx
                .targets
                .iter()
                .filter(|t| !saved_ids.contains(&t.target.account_id))
                .map(|t| format!("@{}", t.target.handle))
                .collect();
            let removed: Vec<String> = draft
                .targets
                .iter()
                .filter(|t| !now_ids.contains(&t.account_id))
                .map(|t| format!("@{}", t.handle))
                .collect();
            ctx.targets_changed = Some(format!(
                "the target groups changed since the draft was saved (now also: {}; no longer: {}); save the draft again",
                if added.is_empty() { "none".into() } else { added.join(", ") },
                if removed.is_empty() { "none".into() } else { removed.join(", ") },
            ));
        }
        let mut report = validate(&draft.content, &ctx, now);
        let policy = self.policy_context().await?;
        for t in &draft.targets {
            if !policy.has_any_role(draft.author_id, t.group_id) {
                report.problems.push(Problem {
                    severity: Severity::Error,
                    code: ProblemCode::NoRoleOnTarget,
                    account_id: Some(t.account_id),
                    message: format!(
                        "@{}: the author has no role on this account's group",
                        t.handle
                    ),
                    range: None,
                });
            }
        }
        let contributors = self.contributors(&draft).await?;
        let lanes = evaluate_lanes(
            &policy,
            draft.kind,
            &draft.targets,
            &contributors,
            &[],
            draft.round + 1,
            &draft.content_hash,
        );
        for m in unstaffed_steps(&lanes) {
            report.problems.push(Problem {
                severity: Severity::Error,
                code: ProblemCode::NoApproverAvailable,
                account_id: None,
                message: m,
                range: None,
            });
        }
        Ok(report)
    }

    /// The author and everyone who saved a version of `draft`.
    pub(crate) async fn contributors(
        &self,
        draft: &Draft,
    ) -> Result<Vec<chancery_model::accounts::PersonId>, CoreError> {
        let mut out = vec![draft.author_id];
        for v in self
            .store()
            .draft_versions(draft.id)
            .await
            .map_err(store_error)?
        {
            if !out.contains(&v.saved_by) {
                out.push(v.saved_by);
            }
        }
        Ok(out)
    }

    /// Describe a local image for attaching (hash, type, size). The file stays where it is;
    /// it is uploaded at publish time.
    pub async fn attach_media(
        &self,
        path: &Path,
        alt_text: Option<String>,
    ) -> Result<MediaAttachment, CoreError> {
        media::inspect(path, alt_text).await
    }

    /// Create a draft (version 1) written by `actor`. A reply with no targets gets the account
    /// its inbox item arrived on.
    pub async fn create_draft(
        &self,
        actor: &Actor,
        mut content: DraftContent,
        now: DateTime<Utc>,
    ) -> Result<Draft, CoreError> {
        let Some(author) = actor.id else {
            return Err(CoreError::Forbidden("drafts are written by people".into()));
        };
        check_sizes(&content)?;
        if let Some(r) = &content.reply_to {
            if content.targets.is_empty() {
                content.targets.push(TargetRef::Account(r.account_id));
            }
        }
        let res = self.resolve_targets(&content).await?;
        let targets: Vec<ResolvedTarget> = res.targets.into_iter().map(|t| t.target).collect();
        let hash = content_hash(&content, &targets);
        let id = DraftId::new_v7(now);
        let draft = Draft {
            id,
            kind: kind_of(&content),
            author_id: author,
            state: DraftState::Editing,
            version: 1,
            round: 0,
            content: content.clone(),
            targets: targets.clone(),
            content_hash: hash.clone(),
            approved_hash: None,
            state_note: None,
            created_at: now,
            updated_at: now,
            rev: 1,
        };
        let version = DraftVersion {
            draft_id: id,
            version: 1,
            content,
            targets,
            content_hash: hash.clone(),
            saved_by: author,
            saved_at: now,
        };
        let rec = actor.record(
            now,
            "draft.created",
            "draft",
            id,
            Some(&hash),
            serde_json::json!({ "version": 1, "kind": draft.kind.as_str(), "targets": handles(&draft.targets) }),
        );
        self.store()
            .commit_draft_change(DraftChange {
                draft: &draft,
                expected_rev: None,
                new_version: Some(&version),
                decision: None,
                enqueue: &[],
                cancel_pending_outbox: false,
                audit: std::slice::from_ref(&rec),
            })
            .await
            .map_err(store_error)?;
        Ok(draft)
    }

    /// Save a new version of a draft. `expected_rev` guards against overwriting a change made
    /// meanwhile (`None`: the current one). Saving identical content makes no version. Any
    /// change to a submitted or approved draft voids its approvals: it goes back to editing
    /// (its queued posts are cancelled) and must be submitted again. Refused once any of its
    /// posts went out.
    pub async fn edit_draft(
        &self,
        actor: &Actor,
        id: DraftId,
        expected_rev: Option<u32>,
        content: DraftContent,
        now: DateTime<Utc>,
    ) -> Result<Draft, CoreError> {
        let Some(editor) = actor.id else {
            return Err(CoreError::Forbidden("drafts are edited by people".into()));
        };
        check_sizes(&content)?;
        let old = self.draft(id).await?;
        if let Some(rev) = expected_rev {
            if rev != old.rev {
                return Err(CoreError::Conflict(
                    "the draft was changed meanwhile (in another window or by someone else); reload it and try again".into(),
                ));
            }
        }
        if kind_of(&content) != old.kind {
            return Err(CoreError::Validation(
                "a post cannot become a reply (or a reply a post): start a new draft".into(),
            ));
        }
        let policy = self.policy_context().await?;
        may_edit(&policy, &old, editor).map_err(CoreError::from)?;
        let res = self.resolve_targets(&content).await?;
        let targets: Vec<ResolvedTarget> = res.targets.into_iter().map(|t| t.target).collect();
        let hash = content_hash(&content, &targets);
        if hash == old.content_hash && content == old.content {
            return Ok(old);
        }
        let (state, voided, cancel) = after_edit(old.state);
        let version_no = old.version + 1;
        let version = DraftVersion {
            draft_id: id,
            version: version_no,
            content: content.clone(),
            targets: targets.clone(),
            content_hash: hash.clone(),
            saved_by: editor,
            saved_at: now,
        };
        let prev_version = DraftVersion {
            draft_id: id,
            version: old.version,
            content: old.content.clone(),
            targets: old.targets.clone(),
            content_hash: old.content_hash.clone(),
            saved_by: old.author_id,
            saved_at: old.updated_at,
        };
        let changed: Vec<String> = diff_versions(&prev_version, &version)
            .changes
            .into_iter()
            .map(|c| c.field)
            .collect();
        let mut draft = old.clone();
        draft.state = state;
        draft.version = version_no;
        draft.content = content;
        draft.targets = targets;
        draft.content_hash = hash.clone();
        draft.updated_at = now;
        draft.rev = old.rev + 1;
        if voided {
            draft.approved_hash = None;
        }
        let mut audit = vec![actor.record(
            now,
            "draft.edited",
            "draft",
            id,
            Some(&hash),
            serde_json::json!({
                "version": version_no,
                "previousHash": old.content_hash,
                "changed": changed,
                "targets": handles(&draft.targets),
                "state": state.as_str(),
            }),
        )];
        // Who had approved or was asked to: they must hear the draft changed.
        let mut notify = Vec::new();
        if voided {
            let decisions = self.store().list_decisions(id).await.map_err(store_error)?;
            let contributors = self.contributors(&old).await?;
            let lanes = evaluate_lanes(
                &policy,
                old.kind,
                &old.targets,
                &contributors,
                &decisions,
                old.round,
                &old.content_hash,
            );
            notify = waiting_on(&lanes);
            for l in &lanes {
                for s in &l.steps {
                    notify.extend(s.approved_by.iter().copied());
                }
            }
            notify.sort();
            notify.dedup();
            let pending = self
                .store()
                .list_outbox(&chancery_store::OutboxFilter {
                    draft: Some(id),
                    ..Default::default()
                })
                .await
                .map_err(store_error)?
                .into_iter()
                .filter(|e| {
                    matches!(
                        e.state,
                        chancery_model::outbox::OutboxState::Queued
                            | chancery_model::outbox::OutboxState::Held
                    )
                })
                .map(|e| e.id.to_string())
                .collect::<Vec<_>>();
            audit.push(actor.record(
                now,
                "draft.approvals_voided",
                "draft",
                id,
                Some(&old.content_hash),
                serde_json::json!({
                    "round": old.round,
                    "wasState": old.state.as_str(),
                    "newHash": hash,
                    "cancelledOutboxIds": pending,
                }),
            ));
        }
        self.store()
            .commit_draft_change(DraftChange {
                draft: &draft,
                expected_rev: Some(old.rev),
                new_version: Some(&version),
                decision: None,
                enqueue: &[],
                cancel_pending_outbox: cancel,
                audit: &audit,
            })
            .await
            .map_err(store_error)?;
        if voided {
            self.emit(CoreEvent::ApprovalsVoided {
                draft_id: id,
                author_id: draft.author_id,
                edited_by: editor,
                notify,
            });
        }
        Ok(draft)
    }

    /// A draft as it is now.
    pub async fn draft(&self, id: DraftId) -> Result<Draft, CoreError> {
        self.store()
            .get_draft(id)
            .await
            .map_err(store_error)?
            .ok_or_else(|| CoreError::NotFound(format!("draft {id} not found")))
    }

    pub async fn list_drafts(&self, filter: &DraftFilter) -> Result<Vec<DraftSummary>, CoreError> {
        self.store().list_drafts(filter).await.map_err(store_error)
    }

    /// Every version of a draft, oldest first.
    pub async fn draft_versions(&self, id: DraftId) -> Result<Vec<DraftVersion>, CoreError> {
        let v = self.store().draft_versions(id).await.map_err(store_error)?;
        if v.is_empty() {
            return Err(CoreError::NotFound(format!("draft {id} not found")));
        }
        Ok(v)
    }

    /// What changed from version `from` to version `to`.
    pub async fn diff_draft_versions(
        &self,
        id: DraftId,
        from: u32,
        to: u32,
    ) -> Result<VersionDiff, CoreError> {
        let get = |v: u32| async move {
            self.store()
                .draft_version(id, v)
                .await
                .map_err(store_error)?
                .ok_or_else(|| CoreError::NotFound(format!("version {v} of draft {id}")))
        };
        Ok(diff_versions(&get(from).await?, &get(to).await?))
    }

    /// Does `person` hold any role on the group of every account in `content`'s targets?
    pub async fn may_draft_for(
        &self,
        person: chancery_model::accounts::PersonId,
        content: &DraftContent,
    ) -> Result<bool, CoreError> {
        let res = self.resolve_targets(content).await?;
        let ctx = self.policy_context().await?;
        Ok(res.targets.iter().all(|t| {
            Role::ALL
                .iter()
                .any(|r| ctx.holds(person, *r, t.target.group_id))
        }))
    }

    /// The networks a draft goes to.
    pub fn networks_of(draft: &Draft) -> Vec<Network> {
        let mut n: Vec<Network> = draft.targets.iter().map(|t| t.network).collect();
        n.sort();
        n.dedup();
        n
    }
}

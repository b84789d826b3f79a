//! Approval policies and lanes (pure).
//!
//! # How a draft's approvals are decided
//!
//! - Each target account is governed by the policy of its **nearest** group that has one
//!   (its own group, else the parent, and so on up). An account with none anywhere above it is
//!   governed by the **workspace default**, one step "approver, any", as if it were set on the
//!   top group of its tree: a missing policy never means "no approval". Only a policy an admin
//!   sets explicitly replaces it (scope `none` is how an admin says "no approval here").
//! - Every distinct policy-owning group among a draft's accounts forms a **lane**. A lane's
//!   steps are its policy's steps if the policy's scope covers the draft's kind (posts,
//!   replies, all), else none.
//! - A step is approved by people holding the step's role **on the lane's group** (granted on
//!   it or on an ancestor; roles are exact: an admin is not implicitly an approver). With
//!   `any`, one such approval completes the step; with `all`, every such person must approve
//!   (if nobody holds the role there, the step cannot complete, and submission says so).
//! - Steps go in order: an approval counts for the first incomplete step of each lane where
//!   the person is eligible. One person counts **once per lane** (the reviewer of step 1
//!   cannot also be the approver of step 2), but the same approval may count in several lanes
//!   (a digital lead holding the approver role at the top approves step 2 of every region).
//! - People who wrote any version of the draft (its author and anyone who edited it) are
//!   never eligible: nobody approves their own words.
//! - Only approvals of the current submission round, on the current content hash, count.
//! - The draft is approved when every lane is complete.

use std::collections::{BTreeSet, HashMap, HashSet};

use chancery_model::accounts::{Group, GroupId, PersonId, Role, RoleGrant};
use chancery_model::approvals::{
    ApprovalPolicy, ApprovalScope, ApprovalStep, Decision, DecisionKind, LaneStatus, LaneStep,
    StepMode, StepStatus,
};
use chancery_model::drafts::{DraftKind, ResolvedTarget};

/// The registry facts policy evaluation needs, loaded once per action.
#[derive(Debug, Clone, Default)]
pub struct PolicyContext {
    pub parents: HashMap<GroupId, Option<GroupId>>,
    pub group_names: HashMap<GroupId, String>,
    pub policies: HashMap<GroupId, ApprovalPolicy>,
    pub grants: Vec<RoleGrant>,
    pub active_people: HashSet<PersonId>,
}

impl PolicyContext {
    pub fn new(
        groups: &[Group],
        policies: Vec<ApprovalPolicy>,
        grants: Vec<RoleGrant>,
        active_people: HashSet<PersonId>,
    ) -> Self {
        PolicyContext {
            parents: groups.iter().map(|g| (g.id, g.parent_id)).collect(),
            group_names: groups.iter().map(|g| (g.id, g.name.clone())).collect(),
            policies: policies.into_iter().map(|p| (p.group_id, p)).collect(),
            grants,
            active_people,
        }
    }

    /// `group` and its ancestors, nearest first (bounded against a damaged tree).
    pub fn lineage(&self, group: GroupId) -> Vec<GroupId> {
        let mut out = vec![group];
        let mut cur = group;
        while let Some(Some(p)) = self.parents.get(&cur) {
            if out.contains(p) || out.len() > 64 {
                break;
            }
            out.push(*p);
            cur = *p;
        }
        out
    }

    /// Does `person` hold `role` on `group` (granted there or on an ancestor)?
    pub fn holds(&self, person: PersonId, role: Role, group: GroupId) -> bool {
        let lineage = self.lineage(group);
        self.grants
            .iter()
            .any(|g| g.person_id == person && g.role == role && lineage.contains(&g.group_id))
    }

    /// Does `person` hold any role on `group`?
    pub fn has_any_role(&self, person: PersonId, group: GroupId) -> bool {
        Role::ALL.into_iter().any(|r| self.holds(person, r, group))
    }

    /// Active people holding `role` on `group`, sorted.
    pub fn people_with(&self, role: Role, group: GroupId) -> Vec<PersonId> {
        let lineage = self.lineage(group);
        let set: BTreeSet<PersonId> = self
            .grants
            .iter()
            .filter(|g| {
                g.role == role
                    && lineage.contains(&g.group_id)
                    && self.active_people.contains(&g.person_id)
            })
            .map(|g| g.person_id)
            .collect();
        set.into_iter().collect()
    }

    /// The group whose own policy governs accounts of `group`, if any.
    pub fn governing_group(&self, group: GroupId) -> Option<GroupId> {
        self.lineage(group)
            .into_iter()
            .find(|g| self.policies.contains_key(g))
    }

    /// The lane of accounts of `group`: the nearest group with a policy, else the top of the
    /// tree (where the workspace default applies).
    pub fn lane_for(&self, group: GroupId) -> GroupId {
        match self.governing_group(group) {
            Some(g) => g,
            None => self.lineage(group).last().copied().unwrap_or(group),
        }
    }

    /// The policy of lane `lane`: its own, or the workspace default.
    pub fn lane_policy(&self, lane: GroupId) -> (ApprovalPolicy, bool) {
        match self.policies.get(&lane) {
            Some(p) => (p.clone(), false),
            None => (workspace_default_policy(lane), true),
        }
    }

    pub fn group_name(&self, group: GroupId) -> String {
        self.group_names
            .get(&group)
            .cloned()
            .unwrap_or_else(|| group.to_string())
    }
}

/// The policy that applies where no group up the tree has one: one approver (any), for posts
/// and replies. Nothing leaves unapproved unless an admin explicitly sets a policy (scope
/// `none` to require no approval).
pub fn workspace_default_policy(group: GroupId) -> ApprovalPolicy {
    ApprovalPolicy {
        group_id: group,
        scope: ApprovalScope::All,
        steps: vec![ApprovalStep {
            role: Role::Approver,
            mode: StepMode::Any,
        }],
    }
}

/// "a reviewer", "an approver"...
pub fn with_article(role: Role) -> String {
    let name = role.as_str();
    let article = if name.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    };
    format!("{article} {name}")
}

fn scope_covers(scope: ApprovalScope, kind: DraftKind) -> bool {
    match scope {
        ApprovalScope::None => false,
        ApprovalScope::All => true,
        ApprovalScope::Posts => kind == DraftKind::Post,
        ApprovalScope::Replies => kind == DraftKind::Reply,
    }
}

/// The lanes of a draft and where each stands.
///
/// `contributors` are never eligible; `decisions` are all of the draft's decisions (only
/// approvals of `round` on `content_hash` count).
pub fn evaluate_lanes(
    ctx: &PolicyContext,
    kind: DraftKind,
    targets: &[ResolvedTarget],
    contributors: &[PersonId],
    decisions: &[Decision],
    round: u32,
    content_hash: &str,
) -> Vec<LaneStatus> {
    // Lane key -> accounts, in first-seen order for stable output.
    let mut order: Vec<GroupId> = Vec::new();
    let mut accounts: HashMap<GroupId, Vec<_>> = HashMap::new();
    for t in targets {
        let key = ctx.lane_for(t.group_id);
        if !accounts.contains_key(&key) {
            order.push(key);
        }
        accounts.entry(key).or_default().push(t.account_id);
    }
    let approvals: Vec<&Decision> = decisions
        .iter()
        .filter(|d| {
            d.kind == DecisionKind::Approved && d.round == round && d.content_hash == content_hash
        })
        .collect();
    order
        .into_iter()
        .map(|group| {
            let accts = accounts.remove(&group).unwrap_or_default();
            let (policy, workspace_default) = ctx.lane_policy(group);
            let steps_def = if scope_covers(policy.scope, kind) {
                policy.steps.clone()
            } else {
                Vec::new()
            };
            let mut steps = Vec::with_capacity(steps_def.len());
            let mut current_step = None;
            for (i, step) in steps_def.iter().enumerate() {
                let idx = u32::try_from(i).unwrap_or(u32::MAX);
                let eligible: Vec<PersonId> = ctx
                    .people_with(step.role, group)
                    .into_iter()
                    .filter(|p| !contributors.contains(p))
                    .collect();
                let mut approved_by: Vec<PersonId> = approvals
                    .iter()
                    .filter(|d| {
                        d.counted_for.contains(&LaneStep {
                            lane: group,
                            step: idx,
                        })
                    })
                    .filter_map(|d| d.person_id)
                    .collect();
                approved_by.sort();
                approved_by.dedup();
                let complete = match step.mode {
                    StepMode::Any => !approved_by.is_empty(),
                    StepMode::All => {
                        !eligible.is_empty() && eligible.iter().all(|p| approved_by.contains(p))
                    }
                };
                if !complete && current_step.is_none() {
                    current_step = Some(idx);
                }
                steps.push(StepStatus {
                    role: step.role,
                    mode: step.mode,
                    eligible,
                    approved_by,
                    complete,
                });
            }
            LaneStatus {
                group_id: Some(group),
                group_name: ctx.group_name(group),
                scope: policy.scope,
                workspace_default,
                accounts: accts,
                complete: current_step.is_none(),
                current_step,
                steps,
            }
        })
        .collect()
}

/// The lane steps an approval by `person` would count for now: the current step of every
/// lane where the person is eligible for it and has not approved any step of that lane.
pub fn approval_counts_for(lanes: &[LaneStatus], person: PersonId) -> Vec<LaneStep> {
    lanes
        .iter()
        .filter_map(|lane| {
            let group = lane.group_id?;
            let s = lane.current_step?;
            let step = lane.steps.get(s as usize)?;
            let already = lane.steps.iter().any(|st| st.approved_by.contains(&person));
            (step.eligible.contains(&person) && !already).then_some(LaneStep {
                lane: group,
                step: s,
            })
        })
        .collect()
}

/// People who can move the draft forward now.
pub fn waiting_on(lanes: &[LaneStatus]) -> Vec<PersonId> {
    let mut out: BTreeSet<PersonId> = BTreeSet::new();
    for lane in lanes {
        if let Some(s) = lane.current_step {
            if let Some(step) = lane.steps.get(s as usize) {
                let in_lane: HashSet<&PersonId> = lane
                    .steps
                    .iter()
                    .flat_map(|st| st.approved_by.iter())
                    .collect();
                out.extend(
                    step.eligible
                        .iter()
                        .filter(|p| !in_lane.contains(p))
                        .copied(),
                );
            }
        }
    }
    out.into_iter().collect()
}

/// Steps nobody may approve as things stand (no active holder of the role on the lane's
/// group other than the draft's authors), in words.
pub fn unstaffed_steps(lanes: &[LaneStatus]) -> Vec<String> {
    let mut out = Vec::new();
    for lane in lanes {
        for (i, step) in lane.steps.iter().enumerate() {
            if step.eligible.is_empty() && !step.complete {
                out.push(format!(
                    "step {} of {}'s approval needs {} on {} other than the draft's authors, and there is none",
                    i + 1,
                    lane.group_name,
                    with_article(step.role),
                    lane.group_name
                ));
            }
        }
    }
    out
}

//! A small ministry in a temporary folder: a real `App` over a real SQLite file, seeded
//! through the store's registry API.
//!
//! Ministry (Dana: approver + admin)
//! ├── Europe (Rita: reviewer; Alan, Bea: approvers) — policy: posts, reviewer any → approver <mode>
//! │   ├── Embassy Paris: X @EmbassyParis, Facebook page "embassyparis" (Europe/Paris)
//! │   └── Embassy Rome: X @EmbassyRome (Europe/Rome)
//! └── Asia — policy: all, approver any (Dana at the top is the only approver)
//!     └── Embassy Tokyo: X @EmbassyTokyo (Asia/Tokyo)
//! Olivia: officer on the Ministry (writes drafts). Tom: officer on Embassy Tokyo only.

use std::collections::HashMap;
use std::sync::Arc;

use chancery_core::audit::Actor;
use chancery_core::{App, AppConfig};
use chancery_model::accounts::{
    Account, AccountInput, AccountKind, Group, GroupKind, Network, Person, Role, TokenHealth,
    TokenStatus,
};
use chancery_model::approvals::{ApprovalPolicy, ApprovalScope, ApprovalStep, StepMode};
use chancery_model::drafts::{DraftContent, Schedule, TargetRef, Variants};
use chrono::{DateTime, Duration, TimeZone, Utc};

pub struct World {
    pub app: Arc<App>,
    pub dir: tempfile::TempDir,
    pub people: HashMap<&'static str, Person>,
    pub groups: HashMap<&'static str, Group>,
    pub accounts: HashMap<&'static str, Account>,
}

/// 2026-06-01 08:00 UTC, a Monday.
pub fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 6, 1, 8, 0, 0).unwrap()
}

pub fn mins(n: i64) -> Duration {
    Duration::minutes(n)
}

impl World {
    pub async fn new(europe_step2: StepMode) -> World {
        let dir = tempfile::tempdir().unwrap();
        let app = App::open(AppConfig {
            data_dir: dir.path().to_path_buf(),
            workspace_id: "test".into(),
        })
        .await
        .unwrap();
        let s = app.store();
        let now = t0() - Duration::days(1);
        let mut groups = HashMap::new();
        let ministry = s
            .create_group("Ministry", GroupKind::Other, None, now)
            .await
            .unwrap();
        let europe = s
            .create_group("Europe", GroupKind::Region, Some(ministry.id), now)
            .await
            .unwrap();
        let asia = s
            .create_group("Asia", GroupKind::Region, Some(ministry.id), now)
            .await
            .unwrap();
        let paris = s
            .create_group("Embassy Paris", GroupKind::Post, Some(europe.id), now)
            .await
            .unwrap();
        let rome = s
            .create_group("Embassy Rome", GroupKind::Post, Some(europe.id), now)
            .await
            .unwrap();
        let tokyo = s
            .create_group("Embassy Tokyo", GroupKind::Post, Some(asia.id), now)
            .await
            .unwrap();
        for (k, g) in [
            ("ministry", ministry),
            ("europe", europe),
            ("asia", asia),
            ("paris", paris),
            ("rome", rome),
            ("tokyo", tokyo),
        ] {
            groups.insert(k, g);
        }
        let mut people = HashMap::new();
        for (k, name) in [
            ("olivia", "Olivia Officer"),
            ("rita", "Rita Reviewer"),
            ("alan", "Alan Approver"),
            ("bea", "Bea Approver"),
            ("dana", "Dana Lead"),
            ("tom", "Tom Tokyo"),
        ] {
            let p = s
                .create_person(name, &format!("{k}@ministry.example"), now)
                .await
                .unwrap();
            people.insert(k, p);
        }
        let grants = [
            ("olivia", "ministry", Role::Officer),
            ("rita", "europe", Role::Reviewer),
            ("alan", "europe", Role::Approver),
            ("bea", "europe", Role::Approver),
            ("dana", "ministry", Role::Approver),
            ("dana", "ministry", Role::Admin),
            ("tom", "tokyo", Role::Officer),
        ];
        for (p, g, r) in grants {
            s.grant_role(people[p].id, groups[g].id, r, now)
                .await
                .unwrap();
        }
        let mut accounts = HashMap::new();
        for (k, network, handle, group, tz) in [
            (
                "paris_x",
                Network::X,
                "EmbassyParis",
                "paris",
                "Europe/Paris",
            ),
            (
                "paris_fb",
                Network::Facebook,
                "embassyparis",
                "paris",
                "Europe/Paris",
            ),
            ("rome_x", Network::X, "EmbassyRome", "rome", "Europe/Rome"),
            ("tokyo_x", Network::X, "EmbassyTokyo", "tokyo", "Asia/Tokyo"),
        ] {
            let (a, _) = s
                .upsert_account(
                    &AccountInput {
                        network,
                        external_id: Some(format!("ext-{handle}-{}", network.as_str())),
                        handle: handle.into(),
                        display_name: format!("{handle} ({})", network.as_str()),
                        avatar_path: None,
                        time_zone: tz.into(),
                        language: "en".into(),
                        group_id: groups[group].id,
                        kind: AccountKind::Institutional,
                    },
                    now,
                )
                .await
                .unwrap();
            let health = TokenHealth {
                status: TokenStatus::Connected,
                access_expires_at: None,
                last_refresh_at: Some(now),
                last_error: None,
            };
            s.set_token_health(a.id, &health, now).await.unwrap();
            accounts.insert(k, s.get_account(a.id).await.unwrap().unwrap());
        }
        let w = World {
            app,
            dir,
            people,
            groups,
            accounts,
        };
        let dana = w.actor("dana").await;
        w.app
            .set_approval_policy(
                &dana,
                ApprovalPolicy {
                    group_id: w.groups["europe"].id,
                    scope: ApprovalScope::Posts,
                    steps: vec![
                        ApprovalStep {
                            role: Role::Reviewer,
                            mode: StepMode::Any,
                        },
                        ApprovalStep {
                            role: Role::Approver,
                            mode: europe_step2,
                        },
                    ],
                },
                now,
            )
            .await
            .unwrap();
        w.app
            .set_approval_policy(
                &dana,
                ApprovalPolicy {
                    group_id: w.groups["asia"].id,
                    scope: ApprovalScope::All,
                    steps: vec![ApprovalStep {
                        role: Role::Approver,
                        mode: StepMode::Any,
                    }],
                },
                now,
            )
            .await
            .unwrap();
        w
    }

    pub async fn actor(&self, who: &str) -> Actor {
        self.app.actor(self.people[who].id).await.unwrap()
    }

    pub fn group_target(&self, g: &str) -> TargetRef {
        TargetRef::Group(self.groups[g].id)
    }

    pub fn account_target(&self, a: &str) -> TargetRef {
        TargetRef::Account(self.accounts[a].id)
    }

    pub fn content(&self, text: &str, targets: Vec<TargetRef>, schedule: Schedule) -> DraftContent {
        DraftContent {
            text: text.into(),
            variants: Variants::default(),
            media: vec![],
            targets,
            schedule,
            reply_to: None,
        }
    }

    /// Path of the SQLite file.
    pub fn db_path(&self) -> std::path::PathBuf {
        self.dir.path().join("chancery.db")
    }
}

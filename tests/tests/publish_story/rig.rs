//! A sandbox over loopback and a rehearsal workspace bootstrapped from its manifest (a real
//! SQLite file in a temp dir, the real keyring): accounts, groups, the demo people. Policies
//! and roles for the stories are set through the core's APIs.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use chancery_core::accounts::bootstrap::{DemoPeople, RehearsalSource};
use chancery_core::audit::Actor;
use chancery_core::publish::{PublishReport, Publisher, PublisherConfig};
use chancery_core::{App, AppConfig, CoreEvent};
use chancery_model::accounts::{Account, GroupId, Network, Role};
use chancery_model::approvals::{ApprovalPolicy, ApprovalScope, ApprovalStep, StepMode};
use chancery_model::drafts::{Draft, DraftContent, DraftState, Schedule, TargetRef, Variants};
use chancery_model::outbox::OutboxEntry;
use chancery_net::{Auth, ListQuery, TimelineQuery};
use chancery_sandbox::{Manifest, RecordedRequest, RequestQuery, Sandbox, SandboxConfig};
use chrono::Utc;

/// The endpoints that create something visible on a network.
pub const CREATE_ENDPOINTS: [&str; 4] = [
    "x.create_tweet",
    "graph.create_post",
    "graph.create_photo",
    "graph.create_comment",
];

pub struct Rig {
    pub sandbox: Sandbox,
    pub manifest: Manifest,
    pub app: Arc<App>,
    pub people: DemoPeople,
    pub dir: tempfile::TempDir,
}

/// A small, quiet sandbox: 20 X accounts and 16 Pages, little generated traffic.
pub fn quiet_sandbox() -> SandboxConfig {
    SandboxConfig::default()
        .x_accounts(20)
        .fb_pages(16)
        .crisis(None)
        .volume(0.02)
        .history_days(2)
}

impl Rig {
    pub async fn start(config: SandboxConfig) -> Rig {
        let sandbox = Sandbox::start(config, "127.0.0.1:0".parse().unwrap())
            .await
            .unwrap();
        let manifest = sandbox.manifest();
        let dir = tempfile::tempdir().unwrap();
        let (app, report) = App::create_rehearsal_workspace(
            AppConfig {
                data_dir: dir.path().to_path_buf(),
                workspace_id: "publish-story".into(),
            },
            RehearsalSource::Running(Box::new(manifest.clone())),
            Utc::now(),
        )
        .await
        .unwrap();
        assert_eq!(report.accounts as usize, manifest.accounts.len());
        let rig = Rig {
            sandbox,
            manifest,
            app,
            people: report.people,
            dir,
        };
        rig.staff_and_policies().await;
        rig
    }

    pub async fn actor(&self, who: chancery_model::accounts::PersonId) -> Actor {
        self.app.actor(who).await.unwrap()
    }

    pub async fn officer(&self) -> Actor {
        self.actor(self.people.officer).await
    }
    pub async fn ambassador(&self) -> Actor {
        self.actor(self.people.ambassador).await
    }
    pub async fn digital_lead(&self) -> Actor {
        self.actor(self.people.digital_lead).await
    }
    pub async fn admin(&self) -> Actor {
        self.actor(self.people.admin).await
    }

    pub async fn top_groups(&self) -> Vec<GroupId> {
        self.app
            .store()
            .list_groups()
            .await
            .unwrap()
            .into_iter()
            .filter(|g| g.parent_id.is_none())
            .map(|g| g.id)
            .collect()
    }

    /// The officer writes for every account, the ambassador reviews everywhere; the admin sets
    /// one policy on every top-level group: posts and replies need a reviewer, then an
    /// approver.
    async fn staff_and_policies(&self) {
        let now = Utc::now();
        let admin = self.admin().await;
        for g in self.top_groups().await {
            self.app
                .store()
                .grant_role(self.people.officer, g, Role::Officer, now)
                .await
                .unwrap();
            self.app
                .store()
                .grant_role(self.people.ambassador, g, Role::Reviewer, now)
                .await
                .unwrap();
            self.app
                .set_approval_policy(
                    &admin,
                    ApprovalPolicy {
                        group_id: g,
                        scope: ApprovalScope::All,
                        steps: vec![
                            ApprovalStep {
                                role: Role::Reviewer,
                                mode: StepMode::Any,
                            },
                            ApprovalStep {
                                role: Role::Approver,
                                mode: StepMode::Any,
                            },
                        ],
                    },
                    now,
                )
                .await
                .unwrap();
        }
    }

    /// Every account of the workspace, X first, by handle.
    pub async fn accounts(&self) -> Vec<Account> {
        let mut v: Vec<Account> = self
            .app
            .store()
            .list_accounts()
            .await
            .unwrap()
            .into_iter()
            .map(|l| l.account)
            .collect();
        v.sort_by(|a, b| {
            (a.network, a.handle.to_lowercase()).cmp(&(b.network, b.handle.to_lowercase()))
        });
        v
    }

    pub async fn accounts_of(&self, network: Network) -> Vec<Account> {
        self.accounts()
            .await
            .into_iter()
            .filter(|a| a.network == network)
            .collect()
    }

    pub fn content(&self, text: &str, targets: Vec<TargetRef>) -> DraftContent {
        DraftContent {
            text: text.into(),
            variants: Variants::default(),
            media: vec![],
            targets,
            schedule: Schedule::Now,
            reply_to: None,
        }
    }

    /// The officer writes `content` and submits it; the ambassador, then the digital lead,
    /// approve it.
    pub async fn approved(&self, content: DraftContent) -> Draft {
        let now = Utc::now();
        let officer = self.officer().await;
        let d = self.app.create_draft(&officer, content, now).await.unwrap();
        let report = self.app.check_draft(d.id, now).await.unwrap();
        assert!(report.ok(), "{:?}", report.problems);
        let d = self.app.submit(&officer, d.id, now).await.unwrap();
        assert_eq!(d.state, DraftState::InReview);
        let d = self
            .app
            .approve(&self.ambassador().await, d.id, &d.content_hash, now)
            .await
            .unwrap();
        assert_eq!(d.state, DraftState::InReview, "one lane step left");
        let d = self
            .app
            .approve(&self.digital_lead().await, d.id, &d.content_hash, now)
            .await
            .unwrap();
        assert_eq!(d.state, DraftState::Approved);
        d
    }

    /// A publisher configured for tests: quick polls, a short settle.
    pub fn publisher_config() -> PublisherConfig {
        PublisherConfig {
            concurrency: 16,
            poll_interval: Duration::from_millis(100),
            reconcile_settle: Duration::from_millis(200),
            recheck_after: Duration::from_millis(500),
            retry_backoff: Duration::from_millis(300),
            once_limit: Duration::from_secs(120),
            ..PublisherConfig::default()
        }
    }

    pub async fn publish_once(&self) -> PublishReport {
        let p = Publisher::new(self.app.clone(), Rig::publisher_config()).unwrap();
        p.run_once().await.unwrap()
    }

    pub async fn outbox_of(&self, draft: &Draft) -> Vec<OutboxEntry> {
        self.app
            .list_outbox(&chancery_core::outbox::OutboxFilter {
                draft: Some(draft.id),
                ..Default::default()
            })
            .await
            .unwrap()
    }

    /// Every create request the sandbox received (whatever its answer).
    pub fn create_requests(&self) -> Vec<RecordedRequest> {
        self.sandbox
            .requests_matching(&RequestQuery {
                writes_only: Some(true),
                ..Default::default()
            })
            .into_iter()
            .filter(|r| CREATE_ENDPOINTS.contains(&r.endpoint.as_str()))
            .collect()
    }

    /// Successful creates per network account id (X user id / Page id).
    pub fn created_per_account(&self) -> HashMap<String, Vec<RecordedRequest>> {
        let mut out: HashMap<String, Vec<RecordedRequest>> = HashMap::new();
        for r in self.create_requests() {
            // A fault that answers instead of the network (a reset, a timeout, an injected
            // error) means the request was never handled; a cut-off or garbled answer comes
            // after the network handled it.
            let handled = r
                .fault
                .as_deref()
                .is_none_or(|f| f.starts_with("latency") || f == "truncate" || f == "malformed");
            if handled && (200..300).contains(&r.status) {
                out.entry(r.account_id.clone().unwrap_or_default())
                    .or_default()
                    .push(r);
            }
        }
        out
    }

    /// How many of the account's own recent posts (X timeline, Page feed) have exactly
    /// `text`, read through the network API with the account's own token.
    pub async fn posts_with_text(&self, a: &Account, text: &str) -> usize {
        let token = self.app.access_token(a.id, Utc::now()).await.unwrap();
        let auth = Auth::new(&token, "test");
        let ext = a.external_id.as_deref().unwrap();
        match a.network {
            Network::X => {
                let page = self
                    .app
                    .x_client()
                    .user_posts(
                        &auth,
                        ext,
                        &TimelineQuery {
                            max_results: Some(100),
                            ..Default::default()
                        },
                    )
                    .await
                    .unwrap();
                page.data.posts.iter().filter(|p| p.text == text).count()
            }
            Network::Facebook => {
                let feed = self
                    .app
                    .graph_client()
                    .feed(
                        &auth,
                        ext,
                        &ListQuery {
                            limit: Some(100),
                            ..Default::default()
                        },
                    )
                    .await
                    .unwrap();
                feed.data
                    .items
                    .iter()
                    .filter(|p| p.message.as_deref() == Some(text))
                    .count()
            }
        }
    }
}

/// The events received so far.
pub fn drain(rx: &mut tokio::sync::broadcast::Receiver<CoreEvent>) -> Vec<CoreEvent> {
    std::iter::from_fn(|| rx.try_recv().ok()).collect()
}

/// A text unique to this run (the sandbox refuses duplicates per account).
pub fn unique(text: &str) -> String {
    format!("{text} [{}]", uuid_short())
}

fn uuid_short() -> String {
    let n = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    format!("{:x}", n % 0xffff_ffff)
}

/// A 1×1 PNG.
pub const PNG_1X1: [u8; 67] = [
    0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1F, 0x15, 0xC4,
    0x89, 0x00, 0x00, 0x00, 0x0A, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9C, 0x63, 0x00, 0x01, 0x00, 0x00,
    0x05, 0x00, 0x01, 0x0D, 0x0A, 0x2D, 0xB4, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4E, 0x44, 0xAE,
    0x42, 0x60, 0x82,
];

/// A 1×1 GIF (X uploads GIFs in chunks).
pub const GIF_1X1: &[u8] = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;";

impl Rig {
    /// Writes `bytes` to a file in the workspace's temp folder and attaches it.
    pub async fn attach(
        &self,
        name: &str,
        bytes: &[u8],
    ) -> chancery_model::drafts::MediaAttachment {
        let path = self.dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        self.app
            .attach_media(&path, Some(format!("{name} (alt text)")))
            .await
            .unwrap()
    }
}

pub use chancery_tests::chancery_bin;

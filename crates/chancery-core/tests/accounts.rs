//! Accounts against the real sandbox and the real OS keyring (run inside a D-Bus session with
//! gnome-keyring, as `scripts/test` does): the rehearsal bootstrap, the embedded sandbox on a
//! new port at every launch, token refresh with rotation (one refresh at a time), a refused
//! refresh marking only that account, the connect flows, and bulk import/export.

use std::sync::Arc;
use std::time::Duration;

use chancery_core::accounts::bootstrap::RehearsalSource;
use chancery_core::accounts::transfer::FileFormat;
use chancery_core::connect::ConnectOptions;
use chancery_core::secrets::{CredentialKey, CredentialKind};
use chancery_core::{App, AppConfig, CoreError, CoreEvent};
use chancery_model::accounts::{Network, Role, TokenHealth, TokenStatus};
use chancery_net::oauth::{TokenHint, XOAuth, XOAuthConfig};
use chancery_net::Auth;
use chancery_sandbox::{
    Credentials, FaultKind, FaultRule, Manifest, RequestQuery, Sandbox, SandboxConfig,
};
use chrono::Utc;
use secrecy::ExposeSecret;

async fn sandbox(x: usize, fb: usize) -> (Sandbox, Manifest) {
    let sb = Sandbox::start(
        SandboxConfig::default()
            .seed(21)
            .x_accounts(x)
            .fb_pages(fb)
            .history_days(2),
        "127.0.0.1:0".parse().unwrap(),
    )
    .await
    .unwrap();
    let m = sb.manifest();
    (sb, m)
}

async fn rehearsal(dir: &std::path::Path, m: &Manifest) -> Arc<App> {
    let config = AppConfig {
        data_dir: dir.to_path_buf(),
        workspace_id: "unused".into(),
    };
    let (app, report) = App::create_rehearsal_workspace(
        config,
        RehearsalSource::Running(Box::new(m.clone())),
        Utc::now(),
    )
    .await
    .unwrap();
    assert_eq!(report.accounts as usize, m.accounts.len());
    app
}

async fn account_id(app: &App, handle: &str) -> chancery_model::accounts::AccountId {
    app.list_accounts(None)
        .await
        .unwrap()
        .into_iter()
        .find(|l| l.account.handle == handle)
        .unwrap()
        .account
        .id
}

fn oauth(m: &Manifest, app: &App) -> XOAuth {
    XOAuth::new(
        XOAuthConfig::new(
            &m.x.client_id,
            &m.x.authorize_url,
            &m.x.token_url,
            &m.x.revoke_url,
        )
        .unwrap(),
        app.net_config(),
    )
    .unwrap()
}

async fn expire_soon(app: &App, id: chancery_model::accounts::AccountId) {
    let a = app.store().get_account(id).await.unwrap().unwrap();
    let h = TokenHealth {
        access_expires_at: Some(Utc::now() + chrono::Duration::minutes(1)),
        ..a.token
    };
    app.store()
        .set_token_health(id, &h, Utc::now())
        .await
        .unwrap();
}

#[tokio::test]
async fn rehearsal_bootstrap_stores_credentials_people_and_avatars() {
    let (_sb, m) = sandbox(8, 8).await;
    let dir = tempfile::tempdir().unwrap();
    let app = rehearsal(dir.path(), &m).await;
    assert!(app.workspace_id().starts_with("rehearsal-"));
    assert_eq!(
        app.keyring().service(),
        format!("chancery/{}", app.workspace_id())
    );
    let listed = app.list_accounts(None).await.unwrap();
    assert_eq!(listed.len(), 16);
    for l in &listed {
        let a = &l.account;
        assert_eq!(a.token.status, TokenStatus::Connected, "{}", a.handle);
        assert!(a.external_id.is_some());
        let avatar = a.avatar_path.as_deref().expect("avatar cached");
        assert!(
            std::path::Path::new(avatar).starts_with(dir.path()),
            "{avatar}"
        );
        let src = m.accounts.iter().find(|x| x.username == a.handle).unwrap();
        assert_eq!(l.group_path, src.group);
        let token = app.access_token(a.id, Utc::now()).await.unwrap();
        let expected = match &src.credentials {
            Credentials::XUser { access_token, .. } => access_token,
            Credentials::FacebookPage {
                page_access_token, ..
            } => page_access_token,
        };
        assert_eq!(token.expose_secret(), expected);
    }
    // Tokens only in the keyring under this workspace's namespace.
    let x = listed
        .iter()
        .find(|l| l.account.network == Network::X)
        .unwrap();
    let stored = app
        .keyring()
        .load(&CredentialKey::new(
            x.account.id.to_string(),
            CredentialKind::RefreshToken,
        ))
        .await
        .unwrap();
    assert!(stored.is_some());
    let other = chancery_core::secrets::Keyring::for_workspace("default");
    assert!(other
        .load(&CredentialKey::new(
            x.account.id.to_string(),
            CredentialKind::RefreshToken
        ))
        .await
        .unwrap()
        .is_none());
    // Group filter.
    let paris = app.list_accounts(Some("Headquarters")).await.unwrap();
    assert!(!paris.is_empty() && paris.iter().all(|l| l.group_path[0] == "Headquarters"));
    // Demo people with roles.
    let people = app.store().list_people().await.unwrap();
    assert_eq!(people.len(), 4);
    let grants = app.store().list_role_grants().await.unwrap();
    for role in Role::ALL {
        assert!(grants.iter().any(|g| g.role == role), "{role:?}");
    }
    // The officer's post has the demo policy: a reviewer, then an approver.
    let officer_post = grants
        .iter()
        .find(|g| g.role == Role::Officer)
        .unwrap()
        .group_id;
    let policies = app.list_approval_policies().await.unwrap();
    assert_eq!(policies.len(), 1);
    assert_eq!(policies[0].group_id, officer_post);
    let roles: Vec<Role> = policies[0].steps.iter().map(|s| s.role).collect();
    assert_eq!(roles, vec![Role::Reviewer, Role::Approver]);
    // Importing the manifest again changes nothing.
    app.import_manifest(&m, Utc::now()).await.unwrap();
    assert_eq!(app.list_approval_policies().await.unwrap().len(), 1);
    assert_eq!(app.list_accounts(None).await.unwrap().len(), 16);
    assert_eq!(app.store().list_people().await.unwrap().len(), 4);
    // A live workspace refuses sandbox credentials.
    let live_dir = tempfile::tempdir().unwrap();
    let live = App::open(AppConfig {
        data_dir: live_dir.path().into(),
        workspace_id: format!("live-{}", uuid_suffix()),
    })
    .await
    .unwrap();
    assert!(matches!(
        live.import_manifest(&m, Utc::now()).await,
        Err(CoreError::Forbidden(_))
    ));
}

fn uuid_suffix() -> String {
    format!("{}", std::process::id()) + &Utc::now().timestamp_nanos_opt().unwrap_or(0).to_string()
}

#[tokio::test]
async fn embedded_sandbox_gets_a_new_port_each_launch_and_tokens_still_work() {
    let dir = tempfile::tempdir().unwrap();
    let config = AppConfig {
        data_dir: dir.path().into(),
        workspace_id: "default".into(),
    };
    let app = App::open_or_create_rehearsal(config.clone(), 5, Utc::now())
        .await
        .unwrap();
    let first_port = app.sandbox().unwrap().local_addr().port();
    let n = app.list_accounts(None).await.unwrap().len();
    assert!(n >= 240, "{n}");
    let id = app
        .list_accounts(None)
        .await
        .unwrap()
        .into_iter()
        .find(|l| l.account.network == Network::X)
        .unwrap()
        .account
        .id;
    let ext = app
        .store()
        .get_account(id)
        .await
        .unwrap()
        .unwrap()
        .external_id
        .unwrap();
    drop(app);
    let app = App::open_or_create_rehearsal(config, 5, Utc::now())
        .await
        .unwrap();
    let second_port = app.sandbox().unwrap().local_addr().port();
    assert_ne!(first_port, second_port);
    assert_eq!(app.list_accounts(None).await.unwrap().len(), n);
    let settings = app.workspace_settings().unwrap();
    assert!(settings.bootstrapped);
    let token = app.access_token(id, Utc::now()).await.unwrap();
    let me = app
        .x_client()
        .users_me(&Auth::new(&token, "test"))
        .await
        .unwrap();
    assert_eq!(me.data.id, ext);
}

#[tokio::test]
async fn refresh_rotates_once_for_concurrent_callers_and_stores_the_new_token() {
    let (sb, m) = sandbox(4, 2).await;
    let dir = tempfile::tempdir().unwrap();
    let app = rehearsal(dir.path(), &m).await;
    let handle = &m.accounts[0].username;
    let id = account_id(&app, handle).await;
    let key = |k| CredentialKey::new(id.to_string(), k);
    let old_refresh = app
        .keyring()
        .load(&key(CredentialKind::RefreshToken))
        .await
        .unwrap()
        .unwrap();
    let old_access = app.access_token(id, Utc::now()).await.unwrap();
    expire_soon(&app, id).await;
    let before = sb
        .requests_matching(&RequestQuery {
            endpoint: Some("x.oauth_token".into()),
            ..Default::default()
        })
        .len();
    let mut tasks = Vec::new();
    for _ in 0..5 {
        let app = app.clone();
        tasks.push(tokio::spawn(async move {
            app.access_token(id, Utc::now()).await.unwrap()
        }));
    }
    let mut tokens = Vec::new();
    for t in tasks {
        tokens.push(t.await.unwrap());
    }
    let after = sb
        .requests_matching(&RequestQuery {
            endpoint: Some("x.oauth_token".into()),
            ..Default::default()
        })
        .len();
    assert_eq!(after - before, 1, "exactly one refresh");
    assert!(tokens
        .iter()
        .all(|t| t.expose_secret() == tokens[0].expose_secret()));
    assert_ne!(tokens[0].expose_secret(), old_access.expose_secret());
    let new_refresh = app
        .keyring()
        .load(&key(CredentialKind::RefreshToken))
        .await
        .unwrap()
        .unwrap();
    assert_ne!(
        new_refresh.expose_secret(),
        old_refresh.expose_secret(),
        "the rotated refresh token was stored"
    );
    assert!(app
        .keyring()
        .load(&key(CredentialKind::RefreshPending))
        .await
        .unwrap()
        .is_none());
    let health = app.store().get_account(id).await.unwrap().unwrap().token;
    assert_eq!(health.status, TokenStatus::Connected);
    assert!(health.access_expires_at.unwrap() > Utc::now() + chrono::Duration::minutes(30));
    assert!(health.last_refresh_at.is_some());
    // The old refresh token is dead at X; the new access token works.
    assert!(oauth(&m, &app)
        .refresh(&old_refresh)
        .await
        .unwrap_err()
        .error
        .needs_reauth());
    app.x_client()
        .users_me(&Auth::new(&tokens[0], "t"))
        .await
        .unwrap();
    // After a 401 with the current token, one forced refresh; with an old token, the current one.
    let again = app
        .after_unauthorized(id, &old_access, Utc::now())
        .await
        .unwrap();
    assert_eq!(again.expose_secret(), tokens[0].expose_secret());
    let forced = app
        .after_unauthorized(id, &tokens[0], Utc::now())
        .await
        .unwrap();
    assert_ne!(forced.expose_secret(), tokens[0].expose_secret());
}

#[tokio::test]
async fn refused_refresh_marks_only_that_account_and_transient_failures_do_not() {
    let (sb, m) = sandbox(4, 2).await;
    let dir = tempfile::tempdir().unwrap();
    let app = rehearsal(dir.path(), &m).await;
    let mut events = app.subscribe();
    let a = account_id(&app, &m.accounts[0].username).await;
    let b = account_id(&app, &m.accounts[1].username).await;
    // A 503 from the token endpoint: retryable, the account stays connected.
    expire_soon(&app, b).await;
    sb.add_fault(FaultRule::new("x.oauth_token", FaultKind::Status { status: 503 }).count(1))
        .unwrap();
    let e = app.access_token(b, Utc::now()).await.unwrap_err();
    assert!(matches!(e, CoreError::Network(_)), "{e:?}");
    let hb = app.store().get_account(b).await.unwrap().unwrap().token;
    assert_eq!(hb.status, TokenStatus::Connected);
    assert!(hb.last_error.is_some());
    app.access_token(b, Utc::now()).await.unwrap();
    // Revoke A's refresh token at X: the refresh is refused, A needs re-authorisation.
    let refresh = app
        .keyring()
        .load(&CredentialKey::new(
            a.to_string(),
            CredentialKind::RefreshToken,
        ))
        .await
        .unwrap()
        .unwrap();
    oauth(&m, &app)
        .revoke(&refresh, TokenHint::RefreshToken)
        .await
        .unwrap();
    expire_soon(&app, a).await;
    let e = app.access_token(a, Utc::now()).await.unwrap_err();
    assert!(matches!(e, CoreError::NeedsReauth(_)), "{e:?}");
    let ha = app.store().get_account(a).await.unwrap().unwrap().token;
    assert_eq!(ha.status, TokenStatus::NeedsReauth);
    assert!(ha.last_error.unwrap().contains("reconnect"));
    let mut saw = false;
    for _ in 0..100 {
        match tokio::time::timeout(Duration::from_secs(2), events.recv()).await {
            Ok(Ok(CoreEvent::AccountNeedsReauth { account_id, .. })) if account_id == a => {
                saw = true;
                break;
            }
            Ok(Ok(_)) => continue,
            _ => break,
        }
    }
    assert!(saw, "AccountNeedsReauth was emitted");
    // Others carry on.
    app.access_token(b, Utc::now()).await.unwrap();
    let health = app.account_health().await.unwrap();
    assert!(health.iter().any(|h| h.account_id == a && h.needs_reauth));
    assert!(health
        .iter()
        .filter(|h| h.account_id != a)
        .all(|h| !h.needs_reauth && h.has_credentials));
    // A Page token refused: needs re-authorisation too.
    let page = app
        .list_accounts(None)
        .await
        .unwrap()
        .into_iter()
        .find(|l| l.account.network == Network::Facebook)
        .unwrap()
        .account
        .id;
    let t = app.access_token(page, Utc::now()).await.unwrap();
    assert!(matches!(
        app.after_unauthorized(page, &t, Utc::now()).await,
        Err(CoreError::NeedsReauth(_))
    ));
}

#[tokio::test]
async fn connect_x_and_facebook_through_the_browser_flows() {
    let (_sb, m) = sandbox(4, 3).await;
    let dir = tempfile::tempdir().unwrap();
    let app = rehearsal(dir.path(), &m).await;
    let x = m
        .accounts
        .iter()
        .find(|a| a.network == chancery_sandbox::Network::X)
        .unwrap();
    let id = account_id(&app, &x.username).await;
    app.disconnect_account(id, Utc::now()).await.unwrap();
    assert_eq!(
        app.store()
            .get_account(id)
            .await
            .unwrap()
            .unwrap()
            .token
            .status,
        TokenStatus::Disconnected
    );
    assert!(app.access_token(id, Utc::now()).await.is_err());

    let username = x.username.clone();
    let browser = move |url: &url::Url| {
        let mut u = url.clone();
        u.query_pairs_mut().append_pair("sandbox_login", &username);
        tokio::spawn(async move {
            let c = reqwest::Client::builder().no_proxy().build().unwrap();
            let _ = c.get(u).send().await;
        });
    };
    let opts = ConnectOptions {
        timeout: Duration::from_secs(20),
        ..ConnectOptions::default()
    };
    let account = app.connect_x(browser, &opts).await.unwrap();
    assert_eq!(account.id, id, "matched the registered account");
    assert_eq!(account.external_id.as_deref(), Some(x.id.as_str()));
    assert_eq!(account.token.status, TokenStatus::Connected);
    let token = app.access_token(id, Utc::now()).await.unwrap();
    assert_eq!(
        app.x_client()
            .users_me(&Auth::new(&token, "t"))
            .await
            .unwrap()
            .data
            .id,
        x.id
    );

    let fb_browser = |url: &url::Url| {
        let mut u = url.clone();
        u.query_pairs_mut().append_pair("sandbox_login", "officer");
        tokio::spawn(async move {
            let c = reqwest::Client::builder().no_proxy().build().unwrap();
            let _ = c.get(u).send().await;
        });
    };
    let pages = app.connect_facebook(fb_browser, &opts).await.unwrap();
    assert_eq!(pages.len(), 3);
    for p in &pages {
        let t = app.access_token(p.id, Utc::now()).await.unwrap();
        let ext = p.external_id.clone().unwrap();
        app.graph_client()
            .page(&Auth::new(&t, &ext), &ext)
            .await
            .unwrap();
    }
    // Cancelled sign-in: nobody comes back.
    let short = ConnectOptions {
        timeout: Duration::from_millis(300),
        ..ConnectOptions::default()
    };
    assert!(matches!(
        app.connect_x(|_| {}, &short).await,
        Err(CoreError::Rejected(_))
    ));
}

#[tokio::test]
async fn bulk_import_export_round_trip_and_all_problems_reported() {
    let (_sb, m) = sandbox(120, 120).await;
    let dir = tempfile::tempdir().unwrap();
    let app = rehearsal(dir.path(), &m).await;
    for format in [FileFormat::Csv, FileFormat::Json] {
        let exported = app.export_accounts(format).await.unwrap();
        let target_dir = tempfile::tempdir().unwrap();
        let target = App::open(AppConfig {
            data_dir: target_dir.path().into(),
            workspace_id: format!("import-{}", uuid_suffix()),
        })
        .await
        .unwrap();
        let report = target
            .import_accounts(&exported, format, Utc::now())
            .await
            .unwrap();
        assert!(report.applied, "{:?}", report.problems);
        let no_avatar: Vec<_> = chancery_core::accounts::transfer::parse_rows(&exported, format)
            .unwrap()
            .into_iter()
            .filter(|(_, r)| r.avatar.is_none())
            .map(|(_, r)| r.handle)
            .collect();
        assert!(
            no_avatar.is_empty(),
            "exported without avatar: {no_avatar:?}"
        );
        assert_eq!(report.created, 240);
        assert_eq!(report.avatars_cached, 240);
        assert!(
            report.avatar_problems.is_empty(),
            "{:?}",
            report.avatar_problems
        );
        let listed = target.list_accounts(None).await.unwrap();
        assert_eq!(listed.len(), 240);
        // Avatars were copied into this workspace's own folder.
        assert!(listed.iter().all(|l| l
            .account
            .avatar_path
            .as_deref()
            .unwrap()
            .starts_with(&*target_dir.path().to_string_lossy())));
        // Imported accounts are not connected: no tokens travel in files.
        assert!(listed
            .iter()
            .all(|l| l.account.token.status == TokenStatus::Disconnected));
        let again = target.export_accounts(format).await.unwrap();
        let strip = |s: &str| -> Vec<String> {
            let rows: Vec<_> = chancery_core::accounts::transfer::parse_rows(s, format).unwrap();
            rows.into_iter()
                .map(|(_, mut r)| {
                    r.avatar = None;
                    serde_json::to_string(&r).unwrap()
                })
                .collect()
        };
        assert_eq!(
            strip(&again),
            strip(&exported),
            "{format:?} export round-trips"
        );
        // Importing the same file again updates, creates nothing.
        let second = target
            .import_accounts(&again, format, Utc::now())
            .await
            .unwrap();
        assert_eq!((second.created, second.updated), (0, 240));
    }
    // A broken file: every problem with its row, nothing imported.
    let mut csv = app.export_accounts(FileFormat::Csv).await.unwrap();
    let mut lines: Vec<String> = csv.lines().map(str::to_string).collect();
    lines[3] = lines[3]
        .replace("Europe/", "Europa/")
        .replace("Asia/", "Asya/")
        .replace("America/", "Amerika/")
        .replace("Africa/", "Afrika/");
    let dup = lines[2].clone();
    lines.push(dup);
    csv = lines.join("\n");
    let target_dir = tempfile::tempdir().unwrap();
    let target = App::open(AppConfig {
        data_dir: target_dir.path().into(),
        workspace_id: format!("bad-{}", uuid_suffix()),
    })
    .await
    .unwrap();
    let report = target
        .import_accounts(&csv, FileFormat::Csv, Utc::now())
        .await
        .unwrap();
    assert!(!report.applied);
    let rows: Vec<(u32, String)> = report
        .problems
        .iter()
        .map(|p| (p.row, p.field.clone()))
        .collect();
    assert!(rows.contains(&(4, "time_zone".into())), "{rows:?}");
    assert!(
        rows.iter()
            .any(|(r, f)| *r == lines.len() as u32 && f == "handle"),
        "{rows:?}"
    );
    assert!(target.list_accounts(None).await.unwrap().is_empty());
}

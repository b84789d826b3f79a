//! No token reaches SQLite (including the WAL), the log file or any other file of the data
//! folder: after a rehearsal bootstrap, X PKCE and Facebook Login connects, token refreshes,
//! an import/export and API calls (some failing on purpose with bodies that carry tokens), every
//! token the sandbox issued (from the manifest, the keyring and the OAuth answers) is looked
//! for in every file. The scan is `chancery_tests::secret_scan`, reusable after a full sync.

use std::time::Duration;

use chancery_core::accounts::bootstrap::RehearsalSource;
use chancery_core::accounts::transfer::FileFormat;
use chancery_core::connect::ConnectOptions;
use chancery_core::secrets::{CredentialKey, CredentialKind};
use chancery_core::{App, AppConfig};
use chancery_model::accounts::{Network, TokenHealth};
use chancery_net::{Auth, ListQuery, TimelineQuery};
use chancery_sandbox::{FaultKind, FaultRule, Sandbox, SandboxConfig};
use chancery_tests::secret_scan::{manifest_secrets, scan, KnownSecret};
use chrono::Utc;
use secrecy::ExposeSecret;

fn follow(username: String) -> impl FnOnce(&url::Url) {
    move |url: &url::Url| {
        let mut u = url.clone();
        u.query_pairs_mut().append_pair("sandbox_login", &username);
        tokio::spawn(async move {
            let c = reqwest::Client::builder().no_proxy().build().unwrap();
            let _ = c.get(u).send().await;
        });
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_token_in_the_database_wal_or_logs_after_connect_import_and_api_calls() {
    let root = tempfile::tempdir().unwrap();
    let data_dir = root.path().join("data");
    let log_dir = root.path().join("logs");
    let guard = chancery_core::logging::init_with_default(
        Some(&log_dir),
        "debug,hyper=info,hyper_util=info,reqwest=info,h2=info,sqlx=info,rustls=info",
    )
    .unwrap();

    let sb = Sandbox::start(
        SandboxConfig::default()
            .seed(31)
            .x_accounts(10)
            .fb_pages(10)
            .history_days(2),
        "127.0.0.1:0".parse().unwrap(),
    )
    .await
    .unwrap();
    let m = sb.manifest();
    let mut secrets: Vec<KnownSecret> = manifest_secrets(&m);

    let config = AppConfig {
        data_dir: data_dir.clone(),
        workspace_id: "unused".into(),
    };
    let (app, _) = App::create_rehearsal_workspace(
        config,
        RehearsalSource::Running(Box::new(m.clone())),
        Utc::now(),
    )
    .await
    .unwrap();
    let accounts = app.list_accounts(None).await.unwrap();

    // Connect: X (PKCE) and Facebook (Login, Page tokens).
    let opts = ConnectOptions {
        timeout: Duration::from_secs(20),
        ..ConnectOptions::default()
    };
    let x_user = m
        .accounts
        .iter()
        .find(|a| a.network == chancery_sandbox::Network::X)
        .unwrap();
    let x_account = app
        .connect_x(follow(x_user.username.clone()), &opts)
        .await
        .unwrap();
    app.connect_facebook(follow("officer".into()), &opts)
        .await
        .unwrap();

    // Refresh a few X tokens (rotation), and make API calls with every account.
    for l in accounts
        .iter()
        .filter(|l| l.account.network == Network::X)
        .take(4)
    {
        let a = app
            .store()
            .get_account(l.account.id)
            .await
            .unwrap()
            .unwrap();
        let h = TokenHealth {
            access_expires_at: Some(Utc::now()),
            ..a.token
        };
        app.store()
            .set_token_health(a.id, &h, Utc::now())
            .await
            .unwrap();
    }
    sb.add_fault(FaultRule::new("x.mentions", FaultKind::Malformed).count(1))
        .unwrap();
    sb.add_fault(FaultRule::new("x.users_me", FaultKind::Truncate).count(1))
        .unwrap();
    sb.add_fault(FaultRule::new("graph.feed", FaultKind::Truncate).count(1))
        .unwrap();
    sb.add_fault(FaultRule::new("graph.me_accounts", FaultKind::Malformed).count(1))
        .unwrap();
    for l in &accounts {
        let id = l.account.id;
        let token = app.access_token(id, Utc::now()).await.unwrap();
        secrets.push(KnownSecret {
            label: format!("{} current token", l.account.handle),
            value: token.expose_secret().to_string(),
        });
        let ext = l.account.external_id.clone().unwrap();
        let auth = Auth::new(&token, &ext);
        match l.account.network {
            Network::X => {
                let _ = app.x_client().users_me(&auth).await;
                let _ = app
                    .x_client()
                    .mentions(
                        &auth,
                        &ext,
                        &TimelineQuery {
                            max_results: Some(20),
                            ..Default::default()
                        },
                    )
                    .await;
            }
            Network::Facebook => {
                let q = ListQuery {
                    limit: Some(10),
                    ..Default::default()
                };
                if let Ok(first) = app.graph_client().feed(&auth, &ext, &q).await {
                    let _ = app
                        .graph_client()
                        .next_page("graph.feed", &auth, &first.data)
                        .await;
                }
            }
        }
    }
    let user = secrecy::SecretString::from(m.facebook.user_access_token.clone());
    let _ = app
        .graph_client()
        .me_accounts(&Auth::new(&user, "officer"), &ListQuery::default())
        .await;
    let _ = app
        .graph_client()
        .me_accounts(&Auth::new(&user, "officer"), &ListQuery::default())
        .await;
    // A refused refresh (revoked at X) on the account connected through PKCE.
    let refresh_key = CredentialKey::new(x_account.id.to_string(), CredentialKind::RefreshToken);
    let _ = app.refresh_x_token(x_account.id, Utc::now()).await;

    // Every token the keyring holds now (including those issued by the connects and refreshes).
    for l in app.list_accounts(None).await.unwrap() {
        for kind in [
            CredentialKind::AccessToken,
            CredentialKind::RefreshToken,
            CredentialKind::PageToken,
        ] {
            if let Some(t) = app
                .keyring()
                .load(&CredentialKey::new(l.account.id.to_string(), kind))
                .await
                .unwrap()
            {
                secrets.push(KnownSecret {
                    label: format!("{} {kind:?} (keyring)", l.account.handle),
                    value: t.expose_secret().to_string(),
                });
            }
        }
    }
    assert!(app.keyring().load(&refresh_key).await.unwrap().is_some());
    let exported = app.export_accounts(FileFormat::Json).await.unwrap();
    assert!(
        secrets.iter().all(|s| !exported.contains(&s.value)),
        "an export holds a token"
    );
    let report = app
        .import_accounts(&exported, FileFormat::Json, Utc::now())
        .await
        .unwrap();
    assert!(report.applied);
    assert!(secrets.len() > 40, "{} secrets", secrets.len());

    // While the app is open the WAL holds the newest pages: scan it too.
    let open_names: Vec<String> = std::fs::read_dir(&data_dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        open_names.iter().any(|n| n.ends_with("-wal")),
        "{open_names:?}"
    );
    let leaks = scan(&[data_dir.as_path(), log_dir.as_path()], &secrets).await;
    assert!(leaks.is_empty(), "tokens found while open: {leaks:#?}");
    app.store().close().await;
    drop(app);
    drop(guard);
    tokio::time::sleep(Duration::from_millis(200)).await;

    // The scan sees the database, its WAL and the logs.
    let names: Vec<String> = std::fs::read_dir(&data_dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert!(names.iter().any(|n| n.ends_with(".db")), "{names:?}");
    let logs: Vec<_> = std::fs::read_dir(&log_dir).unwrap().flatten().collect();
    assert!(!logs.is_empty());
    let log_text: String = logs
        .iter()
        .map(|e| std::fs::read_to_string(e.path()).unwrap_or_default())
        .collect();
    assert!(
        log_text.contains("net_request"),
        "the request spans were logged"
    );
    assert!(log_text.contains("x.mentions") && log_text.contains("graph.feed"));

    let leaks = scan(&[data_dir.as_path(), log_dir.as_path()], &secrets).await;
    assert!(leaks.is_empty(), "tokens found: {leaks:#?}");

    // The scan itself finds a planted token (so this test can fail).
    let planted = root.path().join("planted");
    std::fs::create_dir_all(&planted).unwrap();
    std::fs::write(planted.join("x.log"), format!("oops {}", secrets[5].value)).unwrap();
    let found = scan(&[planted.as_path()], &secrets).await;
    assert_eq!(found.len(), 1, "{found:?}");
    let mut enc =
        zstd::stream::encode_all(format!("{{\"t\":\"{}\"}}", secrets[6].value).as_bytes(), 3)
            .unwrap();
    enc.splice(0..0, b"junk before".iter().copied());
    std::fs::write(planted.join("blob.bin"), enc).unwrap();
    let found = scan(&[planted.as_path()], &secrets).await;
    assert!(
        found.iter().any(|l| l.place.starts_with("zstd frame")),
        "{found:?}"
    );
}

//! OAuth 2.0 with PKCE against the X authorize page and token endpoint; Facebook Login.

use base64::Engine;
use serde_json::Value;
use sha2::Digest;

use super::common::*;

const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk-sandbox-verifier";

fn challenge(v: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(v.as_bytes()))
}

fn query_param(url: &str, k: &str) -> Option<String> {
    let u = url::Url::parse(url).ok()?;
    u.query_pairs()
        .find(|(n, _)| n == k)
        .map(|(_, v)| v.into_owned())
}

async fn authorize(
    c: &reqwest::Client,
    m: &chancery_sandbox::Manifest,
    scope: &str,
    account: &str,
) -> String {
    let redirect = "http://127.0.0.1:53682/callback";
    let url = format!(
        "{}?response_type=code&client_id={}&redirect_uri={}&scope={}&state=st-123&code_challenge={}&code_challenge_method=S256",
        m.x.authorize_url, m.x.client_id, urlencode(redirect), urlencode(scope), challenge(VERIFIER)
    );
    // The consent page lists the accounts; the "user" picks one and approves.
    let page = c.get(&url).send().await.unwrap();
    assert_eq!(page.status().as_u16(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains(account) && html.contains("Authorize app"));
    let form: Vec<(String, String)> = url::Url::parse(&url)
        .unwrap()
        .query_pairs()
        .into_owned()
        .chain([
            ("sandbox_account".to_string(), account.to_string()),
            ("decision".to_string(), "approve".to_string()),
        ])
        .collect();
    let r = c.post(&m.x.authorize_url).form(&form).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 302);
    let loc = r.headers()["location"].to_str().unwrap().to_string();
    assert!(loc.starts_with(redirect));
    assert_eq!(query_param(&loc, "state").as_deref(), Some("st-123"));
    query_param(&loc, "code").expect("code")
}

fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

async fn exchange(
    c: &reqwest::Client,
    m: &chancery_sandbox::Manifest,
    code: &str,
    verifier: &str,
) -> (u16, Value) {
    let r = c
        .post(&m.x.token_url)
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", "http://127.0.0.1:53682/callback"),
            ("code_verifier", verifier),
            ("client_id", &m.x.client_id),
        ])
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.json().await.unwrap())
}

async fn refresh(c: &reqwest::Client, m: &chancery_sandbox::Manifest, rt: &str) -> (u16, Value) {
    let r = c
        .post(&m.x.token_url)
        .form(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", rt),
            ("client_id", &m.x.client_id),
        ])
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.json().await.unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn authorization_code_with_pkce_refresh_rotation_and_revoke() {
    let (sb, m, c) = start(small_config()).await;
    let b = base(&m);
    let acct = x_accounts(&m)[4].username.clone();

    // Good verifier.
    let code = authorize(
        &c,
        &m,
        "tweet.read tweet.write users.read offline.access",
        &acct,
    )
    .await;
    let (st, tok) = exchange(&c, &m, &code, VERIFIER).await;
    assert_eq!(st, 200, "{tok}");
    assert_eq!(tok["token_type"], "bearer");
    assert_eq!(tok["expires_in"], 7200);
    let access = tok["access_token"].as_str().unwrap().to_string();
    let rt = tok["refresh_token"]
        .as_str()
        .expect("offline.access gives a refresh token")
        .to_string();
    let (st, _, me) = get_json(&c, &format!("{b}/2/users/me"), &access).await;
    assert_eq!(st, 200);
    assert_eq!(me["data"]["username"].as_str(), Some(acct.as_str()));
    // A code works once.
    let (st, e) = exchange(&c, &m, &code, VERIFIER).await;
    assert_eq!((st, e["error"].as_str()), (400, Some("invalid_request")));

    // Bad verifier.
    let code = authorize(&c, &m, "tweet.read users.read offline.access", &acct).await;
    let (st, e) = exchange(
        &c,
        &m,
        &code,
        "wrong-verifier-wrong-verifier-wrong-verifier-000",
    )
    .await;
    assert_eq!(st, 400);
    assert_eq!(e["error"], "invalid_request");

    // Rotation: the new refresh token works, the old one no longer does.
    let (st, t2) = refresh(&c, &m, &rt).await;
    assert_eq!(st, 200, "{t2}");
    let rt2 = t2["refresh_token"].as_str().unwrap().to_string();
    assert_ne!(rt, rt2);
    let (st, _) = refresh(&c, &m, &rt).await;
    assert_eq!(st, 400, "a used refresh token is rejected");
    let (st, t3) = refresh(&c, &m, &rt2).await;
    assert_eq!(st, 200);

    // No offline.access → no refresh token.
    let code = authorize(&c, &m, "tweet.read users.read", &acct).await;
    let (st, t) = exchange(&c, &m, &code, VERIFIER).await;
    assert_eq!(st, 200);
    assert!(t.get("refresh_token").is_none(), "{t}");

    // Revoke an access token; then revoke a refresh token, which ends its grant.
    let a3 = t3["access_token"].as_str().unwrap().to_string();
    let r = c
        .post(&m.x.revoke_url)
        .form(&[
            ("token", a3.as_str()),
            ("token_type_hint", "access_token"),
            ("client_id", &m.x.client_id),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.json::<Value>().await.unwrap()["revoked"], true);
    let (st, _, _) = get_json(&c, &format!("{b}/2/users/me"), &a3).await;
    assert_eq!(st, 401);
    let rt3 = t3["refresh_token"].as_str().unwrap().to_string();
    c.post(&m.x.revoke_url)
        .form(&[
            ("token", rt3.as_str()),
            ("client_id", m.x.client_id.as_str()),
        ])
        .send()
        .await
        .unwrap();
    let (st, _) = refresh(&c, &m, &rt3).await;
    assert_eq!(st, 400);

    // Deny sends the user back with access_denied; non-loopback redirects are refused outright.
    let url = format!("{}?response_type=code&client_id={}&redirect_uri={}&scope=tweet.read&state=s&code_challenge=abc&code_challenge_method=plain",
        m.x.authorize_url, m.x.client_id, urlencode("http://127.0.0.1:9/cb"));
    let form: Vec<(String, String)> = url::Url::parse(&url)
        .unwrap()
        .query_pairs()
        .into_owned()
        .chain([("decision".to_string(), "deny".to_string())])
        .collect();
    let r = c.post(&m.x.authorize_url).form(&form).send().await.unwrap();
    assert!(r.headers()["location"]
        .to_str()
        .unwrap()
        .contains("error=access_denied"));
    let bad = url.replace(
        &urlencode("http://127.0.0.1:9/cb"),
        &urlencode("https://evil.example/cb"),
    );
    assert_eq!(c.get(&bad).send().await.unwrap().status().as_u16(), 400);

    // Automation: sandbox_login approves at once.
    let auto = format!("{url}&sandbox_login={acct}");
    let r = c.get(&auto).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 302);
    assert!(query_param(r.headers()["location"].to_str().unwrap(), "code").is_some());
    sb.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokens_expire_on_the_compressed_clock_and_survive_restart() {
    // 2 h of virtual time = 1 s of real time.
    let (sb, m, c) = start(small_config().time_scale(7200.0)).await;
    let b = base(&m);
    let (_, access, rt) = x_user(&m, 2);
    let (st, _, _) = get_json(&c, &format!("{b}/2/users/me"), &access).await;
    assert_eq!(st, 200);
    tokio::time::sleep(std::time::Duration::from_millis(1300)).await;
    let (st, _, v) = get_json(&c, &format!("{b}/2/users/me"), &access).await;
    assert_eq!(st, 401, "{v}");
    let (st, t) = refresh(&c, &m, &rt).await;
    assert_eq!(st, 200);
    assert_eq!(t["expires_in"], 1, "expires_in is real seconds");
    sb.shutdown().await;

    // A restart with the same seed accepts the same tokens.
    let (sb2, m2, c2) = start(small_config()).await;
    let (_, _, rt_again) = x_user(&m2, 2);
    assert_eq!(rt, rt_again, "ready refresh tokens are stable per seed");
    let (st, t) = refresh(&c2, &m2, &rt).await;
    assert_eq!(
        st, 200,
        "a refresh token from the previous run still works: {t}"
    );
    let (st, _, _) = get_json(
        &c2,
        &format!("{}/2/users/me", base(&m2)),
        t["access_token"].as_str().unwrap(),
    )
    .await;
    assert_eq!(st, 200);
    sb2.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn facebook_login_and_token_exchange() {
    let (sb, m, c) = start(small_config()).await;
    let redirect = "http://127.0.0.1:53999/fb";
    let url = format!(
        "{}?client_id={}&redirect_uri={}&state=abc&scope=pages_show_list,pages_manage_posts",
        m.facebook.login_dialog_url,
        m.facebook.app_id,
        urlencode(redirect)
    );
    let r = c.get(&url).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let form: Vec<(String, String)> = url::Url::parse(&url)
        .unwrap()
        .query_pairs()
        .into_owned()
        .chain([("decision".to_string(), "approve".to_string())])
        .collect();
    let r = c
        .post(&m.facebook.login_dialog_url)
        .form(&form)
        .send()
        .await
        .unwrap();
    let loc = r.headers()["location"].to_str().unwrap().to_string();
    let code = query_param(&loc, "code").unwrap();
    let r = c
        .get(format!(
            "{}?client_id={}&client_secret={}&redirect_uri={}&code={code}",
            m.facebook.access_token_url,
            m.facebook.app_id,
            m.facebook.app_secret,
            urlencode(redirect)
        ))
        .send()
        .await
        .unwrap();
    let short: Value = r.json().await.unwrap();
    let st = short["access_token"].as_str().unwrap().to_string();
    let r = c
        .get(format!(
            "{}?grant_type=fb_exchange_token&client_id={}&client_secret={}&fb_exchange_token={st}",
            m.facebook.access_token_url, m.facebook.app_id, m.facebook.app_secret
        ))
        .send()
        .await
        .unwrap();
    let long: Value = r.json().await.unwrap();
    assert!(long["expires_in"].as_i64().unwrap() > 5_000_000);
    let lt = long["access_token"].as_str().unwrap();
    let (status, _, v) = get_json(
        &c,
        &format!("{}/me/accounts?limit=3", m.facebook.graph_api_base),
        lt,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(v["data"].as_array().unwrap().len(), 3);
    // Without the app secret the exchange fails.
    let r = c.get(format!("{}?grant_type=fb_exchange_token&client_id={}&client_secret=nope&fb_exchange_token={st}", m.facebook.access_token_url, m.facebook.app_id)).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 400);
    sb.shutdown().await;
}

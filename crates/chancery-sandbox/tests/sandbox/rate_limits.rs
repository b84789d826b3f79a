//! Rate limits on a compressed clock: X 15-minute windows and Graph hourly windows in ~1 s.

use std::time::{Duration, Instant};

use super::common::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn x_window_fills_then_recovers_after_reset() {
    // 15 virtual minutes = 4 real seconds.
    let (sb, m, c) = start(small_config().time_scale(225.0)).await;
    let b = base(&m);
    let (id, tok, _) = x_user(&m, 6);
    let url = format!("{b}/2/users/{id}/mentions?max_results=5");
    let started = Instant::now();
    let mut last_remaining = u64::MAX;
    let mut limited = None;
    for i in 0..400 {
        let r = c.get(&url).bearer_auth(&tok).send().await.unwrap();
        let h = r.headers().clone();
        let limit: u64 = header(&h, "x-rate-limit-limit").unwrap().parse().unwrap();
        let remaining: u64 = header(&h, "x-rate-limit-remaining")
            .unwrap()
            .parse()
            .unwrap();
        let reset: i64 = header(&h, "x-rate-limit-reset").unwrap().parse().unwrap();
        assert_eq!(limit, 300);
        if r.status().as_u16() == 429 {
            assert_eq!(remaining, 0);
            let body: serde_json::Value = r.json().await.unwrap();
            assert_eq!(body["title"], "Too Many Requests");
            limited = Some((i, reset));
            break;
        }
        assert!(remaining < last_remaining);
        last_remaining = remaining;
        if started.elapsed() > Duration::from_millis(3800) {
            break;
        }
    }
    let (count, reset) = limited.expect("the window filled within the loop");
    assert_eq!(count, 300, "300 calls per user per window");
    // The reset header is real time: within the 4 s window from now.
    let now = chrono::Utc::now().timestamp();
    assert!(
        reset >= now && reset <= now + 5,
        "reset {reset} vs now {now}"
    );
    // Wait for the reset (bounded), then calls succeed again.
    let deadline = Instant::now() + Duration::from_secs(8);
    loop {
        tokio::time::sleep(Duration::from_millis(250)).await;
        let r = c.get(&url).bearer_auth(&tok).send().await.unwrap();
        if r.status().as_u16() == 200 {
            assert_eq!(
                header(r.headers(), "x-rate-limit-remaining").as_deref(),
                Some("299")
            );
            break;
        }
        assert!(Instant::now() < deadline, "window never reset");
    }
    // The app-only bearer has its own, larger window.
    let r = c
        .get(&url)
        .bearer_auth(&m.x.app_bearer_token)
        .send()
        .await
        .unwrap();
    assert_eq!(
        header(r.headers(), "x-rate-limit-limit").as_deref(),
        Some("450")
    );
    sb.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn x_post_limits_carry_the_24_hour_app_headers() {
    let (sb, m, c) = start(small_config()).await;
    let (_, tok, _) = x_user(&m, 7);
    let r = c
        .post(format!("{}/2/tweets", base(&m)))
        .bearer_auth(&tok)
        .json(&serde_json::json!({"text": "Rate limit headers"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 201);
    assert_eq!(
        header(r.headers(), "x-rate-limit-limit").as_deref(),
        Some("100")
    );
    assert_eq!(
        header(r.headers(), "x-app-limit-24hour-limit").as_deref(),
        Some("10000")
    );
    assert_eq!(
        header(r.headers(), "x-app-limit-24hour-remaining").as_deref(),
        Some("9999")
    );
    sb.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn graph_throttles_pages_and_users_with_usage_headers() {
    // One virtual hour = 1.5 real seconds; 5 calls per Page, 4 per user per hour.
    let cfg = small_config()
        .time_scale(2400.0)
        .graph_page_hourly_limit(Some(5))
        .graph_user_hourly_limit(Some(4));
    let (sb, m, c) = start(cfg).await;
    let g = m.facebook.graph_api_base.clone();
    let (pid, ptok) = page(&m, 2);
    for i in 0..5 {
        let (st, h, _) = get_json(&c, &format!("{g}/{pid}/feed?limit=2"), &ptok).await;
        assert_eq!(st, 200);
        let buc: serde_json::Value =
            serde_json::from_str(&header(&h, "x-business-use-case-usage").unwrap()).unwrap();
        let entry = &buc[&pid][0];
        assert_eq!(entry["type"], "pages");
        assert_eq!(entry["call_count"], (i + 1) * 20);
        assert!(header(&h, "x-page-usage").is_some());
    }
    let (st, h, v) = get_json(&c, &format!("{g}/{pid}/feed?limit=2"), &ptok).await;
    assert_eq!(st, 400);
    assert_eq!(v["error"]["code"], 80001);
    let buc: serde_json::Value =
        serde_json::from_str(&header(&h, "x-business-use-case-usage").unwrap()).unwrap();
    assert!(
        buc[&pid][0]["estimated_time_to_regain_access"]
            .as_u64()
            .unwrap()
            >= 1
    );
    // Another Page is not affected.
    let (pid3, ptok3) = page(&m, 3);
    let (st, _, _) = get_json(&c, &format!("{g}/{pid3}/feed?limit=2"), &ptok3).await;
    assert_eq!(st, 200);

    // The user token: X-App-Usage, then code 17.
    let ut = m.facebook.user_access_token.clone();
    for _ in 0..4 {
        let (st, h, _) = get_json(&c, &format!("{g}/me/accounts?limit=2"), &ut).await;
        assert_eq!(st, 200);
        assert!(header(&h, "x-app-usage").unwrap().contains("call_count"));
    }
    let (st, _, v) = get_json(&c, &format!("{g}/me/accounts?limit=2"), &ut).await;
    assert_eq!(st, 400);
    assert_eq!(v["error"]["code"], 17);
    assert_eq!(v["error"]["is_transient"], true);

    // After the (compressed) hour, the Page can call again.
    let deadline = Instant::now() + Duration::from_secs(6);
    loop {
        tokio::time::sleep(Duration::from_millis(300)).await;
        let (st, _, _) = get_json(&c, &format!("{g}/{pid}/feed?limit=2"), &ptok).await;
        if st == 200 {
            break;
        }
        assert!(Instant::now() < deadline, "page window never reset");
    }
    sb.shutdown().await;
}

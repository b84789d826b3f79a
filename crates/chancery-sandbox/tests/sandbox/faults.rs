//! Every fault kind is observable from a client; the request log keeps writes.

use std::time::{Duration, Instant};

use chancery_sandbox::{FaultKind, FaultRule, Latency, RequestQuery};
use serde_json::{json, Value};

use super::common::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_fault_kind_is_visible_to_a_client() {
    let (sb, m, c) = start(small_config()).await;
    let b = base(&m);
    let (id, tok, _) = x_user(&m, 0);
    let me = format!("{b}/2/users/me");

    // Latency.
    sb.add_fault(
        FaultRule::new(
            "x.users_me",
            FaultKind::Latency {
                latency: Latency::Fixed { ms: 300 },
            },
        )
        .count(1),
    )
    .unwrap();
    let t0 = Instant::now();
    assert_eq!(
        c.get(&me)
            .bearer_auth(&tok)
            .send()
            .await
            .unwrap()
            .status()
            .as_u16(),
        200
    );
    assert!(t0.elapsed() >= Duration::from_millis(300));

    // 5xx.
    sb.add_fault(FaultRule::new("x.users_me", FaultKind::Status { status: 503 }).count(1))
        .unwrap();
    let r = c.get(&me).bearer_auth(&tok).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 503);
    assert_eq!(r.headers()["content-type"], "application/problem+json");

    // Timeout: the sandbox never answers; the client gives up.
    sb.add_fault(FaultRule::new("x.users_me", FaultKind::Timeout).count(1))
        .unwrap();
    let e = c
        .get(&me)
        .bearer_auth(&tok)
        .timeout(Duration::from_millis(400))
        .send()
        .await
        .unwrap_err();
    assert!(e.is_timeout(), "{e}");

    // Connection reset.
    sb.add_fault(FaultRule::new("x.users_me", FaultKind::Reset).count(1))
        .unwrap();
    let fresh = reqwest::Client::new();
    let e = fresh.get(&me).bearer_auth(&tok).send().await.unwrap_err();
    assert!(e.is_request() || e.is_connect() || e.is_body(), "{e:?}");

    // Truncated body: headers promise more than arrives.
    sb.add_fault(FaultRule::new("x.mentions", FaultKind::Truncate).count(1))
        .unwrap();
    let r = fresh
        .get(format!("{b}/2/users/{id}/mentions?max_results=100"))
        .bearer_auth(&tok)
        .send()
        .await;
    match r {
        Ok(resp) => assert!(
            resp.bytes().await.is_err(),
            "a truncated body fails to read"
        ),
        Err(e) => panic!("headers should arrive: {e}"),
    }

    // Malformed JSON: a complete response that does not parse.
    sb.add_fault(FaultRule::new("x.mentions", FaultKind::Malformed).count(1))
        .unwrap();
    let r = c
        .get(format!("{b}/2/users/{id}/mentions"))
        .bearer_auth(&tok)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let text = r.text().await.unwrap();
    assert!(serde_json::from_str::<Value>(&text).is_err());

    // 429 storm, limited to 3 hits.
    sb.add_fault(FaultRule::new("x.*", FaultKind::RateLimit).count(3))
        .unwrap();
    for _ in 0..3 {
        let r = c.get(&me).bearer_auth(&tok).send().await.unwrap();
        assert_eq!(r.status().as_u16(), 429);
        assert!(r.headers().contains_key("x-rate-limit-reset"));
    }
    assert_eq!(
        c.get(&me)
            .bearer_auth(&tok)
            .send()
            .await
            .unwrap()
            .status()
            .as_u16(),
        200
    );

    // Per-account faults hit only that account.
    let (_, tok1, _) = x_user(&m, 1);
    let name1 = x_accounts(&m)[1].username.clone();
    sb.add_fault(FaultRule::new("x.users_me", FaultKind::Status { status: 500 }).account(name1))
        .unwrap();
    assert_eq!(
        c.get(&me)
            .bearer_auth(&tok1)
            .send()
            .await
            .unwrap()
            .status()
            .as_u16(),
        500
    );
    assert_eq!(
        c.get(&me)
            .bearer_auth(&tok)
            .send()
            .await
            .unwrap()
            .status()
            .as_u16(),
        200
    );
    sb.clear_faults();

    // Revoked token: 401 now and afterwards.
    let (_, tok2, _) = x_user(&m, 2);
    sb.add_fault(FaultRule::new("x.users_me", FaultKind::RevokeToken).count(1))
        .unwrap();
    assert_eq!(
        c.get(&me)
            .bearer_auth(&tok2)
            .send()
            .await
            .unwrap()
            .status()
            .as_u16(),
        401
    );
    assert_eq!(
        c.get(&me)
            .bearer_auth(&tok2)
            .send()
            .await
            .unwrap()
            .status()
            .as_u16(),
        401
    );

    // Graph: policy block on posting, throttling, and a revoked Page token (190/460).
    let (pid, ptok) = page(&m, 1);
    sb.add_fault(
        FaultRule::new(
            "graph.create_post",
            FaultKind::GraphError {
                code: 368,
                subcode: Some(1390008),
            },
        )
        .count(1),
    )
    .unwrap();
    let r = c
        .post(format!("{}/{pid}/feed", m.facebook.graph_api_base))
        .bearer_auth(&ptok)
        .form(&[("message", "Blocked?")])
        .send()
        .await
        .unwrap();
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["error"]["code"], 368);
    sb.add_fault(FaultRule::new("graph.feed", FaultKind::RateLimit).count(1))
        .unwrap();
    let (st, h, v) = get_json(
        &c,
        &format!("{}/{pid}/feed", m.facebook.graph_api_base),
        &ptok,
    )
    .await;
    assert_eq!((st, v["error"]["code"].as_u64()), (400, Some(80001)));
    assert!(header(&h, "x-business-use-case-usage").is_some());
    sb.add_fault(FaultRule::new("graph.*", FaultKind::RevokeToken).count(1))
        .unwrap();
    let (_, _, v) = get_json(&c, &format!("{}/{pid}", m.facebook.graph_api_base), &ptok).await;
    assert_eq!(
        (
            v["error"]["code"].as_u64(),
            v["error"]["error_subcode"].as_u64()
        ),
        (Some(190), Some(460))
    );
    sb.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn faults_admin_api_and_request_log() {
    let (sb, m, c) = start(small_config().request_log_capacity(5)).await;
    let b = base(&m);
    let admin = m.sandbox.admin_url.clone();
    let (id, tok, _) = x_user(&m, 3);

    // Install via the admin API with the CLI syntax, list, delete.
    let r = c
        .post(format!("{admin}faults"))
        .json(&json!({"spec": "endpoint=x.tweet_lookup,kind=status:502,p=1,count=1"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 201);
    let list: Value = c
        .get(format!("{admin}faults"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list["faults"][0]["endpoint"], "x.tweet_lookup");
    assert_eq!(list["faults"][0]["kind"]["type"], "status");
    let r = c.post(format!("{admin}faults")).json(&json!({"endpoint": "graph.feed", "kind": {"type": "latency", "latency": {"dist": "log_normal", "median_ms": 5.0, "sigma": 0.3}}, "probability": 0.5})).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 201);
    let r = c
        .post(format!("{admin}faults"))
        .json(&json!({"spec": "endpoint=nowhere,kind=reset"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 400);
    c.delete(format!("{admin}faults")).send().await.unwrap();
    assert!(sb.faults().is_empty());

    // Writes are all kept; GETs only in a ring of 5.
    for i in 0..3 {
        let r = c
            .post(format!("{b}/2/tweets"))
            .bearer_auth(&tok)
            .json(&json!({"text": format!("Statement number {i}")}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 201);
    }
    for _ in 0..20 {
        c.get(format!("{b}/2/users/{id}/mentions"))
            .bearer_auth(&tok)
            .send()
            .await
            .unwrap();
    }
    let log = sb.requests();
    let writes: Vec<_> = log.iter().filter(|r| r.is_write()).collect();
    assert_eq!(writes.len(), 3);
    assert_eq!(log.len(), 3 + 5);
    // No post was sent twice.
    let mut bodies: Vec<&str> = writes.iter().map(|r| r.body.as_deref().unwrap()).collect();
    bodies.sort();
    bodies.dedup();
    assert_eq!(bodies.len(), 3);
    assert!(writes.iter().all(|r| r.endpoint == "x.create_tweet"
        && r.status == 201
        && r.account_id.as_deref() == Some(id.as_str())));
    let only_writes = sb.requests_matching(&RequestQuery {
        writes_only: Some(true),
        ..Default::default()
    });
    assert_eq!(only_writes.len(), 3);
    let over_http: Value = c
        .get(format!("{admin}requests?endpoint=x.create_tweet"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(over_http["requests"].as_array().unwrap().len(), 3);
    let stats: Value = c
        .get(format!("{admin}stats"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(stats["by_endpoint"]["x.create_tweet"]["201"], 3);
    assert_eq!(stats["by_endpoint"]["x.mentions"]["200"], 20);
    sb.shutdown().await;
}

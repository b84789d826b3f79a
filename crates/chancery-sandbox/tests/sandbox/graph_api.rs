//! Graph behaviour: cursors, comments (threads, filters, hiding), publishing, permissions.

use std::collections::HashSet;

use serde_json::{json, Value};

use super::common::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn feed_cursors_yield_each_post_once_newest_first() {
    let (sb, m, c) = start(small_config().history_days(60)).await;
    let g = m.facebook.graph_api_base.clone();
    let (pid, tok) = page(&m, 0);
    let mut seen = HashSet::new();
    let mut times = Vec::new();
    let mut url = format!("{g}/{pid}/feed?limit=25&fields=id,created_time,message,from");
    for _ in 0..200 {
        let (st, _, v) = get_json(&c, &url, &tok).await;
        assert_eq!(st, 200, "{v}");
        for p in v["data"].as_array().unwrap() {
            assert!(
                seen.insert(p["id"].as_str().unwrap().to_string()),
                "duplicate {}",
                p["id"]
            );
            times.push(p["created_time"].as_str().unwrap().to_string());
        }
        match v["paging"]["next"].as_str() {
            Some(next) => url = next.to_string(),
            None => break,
        }
    }
    assert!(seen.len() > 50, "{} posts", seen.len());
    assert!(times.windows(2).all(|w| w[0] >= w[1]), "newest first");
    // Walking back with `before` from the second page returns the first page.
    let (_, _, p1) = get_json(&c, &format!("{g}/{pid}/feed?limit=10"), &tok).await;
    let after = p1["paging"]["cursors"]["after"].as_str().unwrap();
    let (_, _, p2) = get_json(&c, &format!("{g}/{pid}/feed?limit=10&after={after}"), &tok).await;
    let prev = p2["paging"]["previous"].as_str().expect("previous link");
    let (_, _, back) = get_json(&c, prev, &tok).await;
    assert_eq!(back["data"], p1["data"]);
    sb.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn comments_threads_filters_and_moderation() {
    let (sb, m, c) = start(small_config()).await;
    let g = m.facebook.graph_api_base.clone();
    let (pid, tok) = page(&m, 0);
    // A busy post of the Page.
    let (_, _, posts) = get_json(
        &c,
        &format!("{g}/{pid}/posts?limit=50&fields=id,comments.summary(true).limit(0)"),
        &tok,
    )
    .await;
    let post = posts["data"]
        .as_array()
        .unwrap()
        .iter()
        .max_by_key(|p| p["comments"]["summary"]["total_count"].as_u64().unwrap())
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let (_, _, stream) = get_json(&c, &format!("{g}/{post}/comments?filter=stream&summary=true&limit=100&fields=id,message,created_time,parent,from,comment_count"), &tok).await;
    let (_, _, top) = get_json(
        &c,
        &format!("{g}/{post}/comments?summary=true&limit=100"),
        &tok,
    )
    .await;
    let total_stream = stream["summary"]["total_count"].as_u64().unwrap();
    let total_top = top["summary"]["total_count"].as_u64().unwrap();
    assert!(
        total_stream > total_top,
        "stream ({total_stream}) includes replies, toplevel ({total_top}) does not"
    );
    let reply = stream["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c.get("parent").is_some())
        .expect("a threaded reply");
    let parent_id = reply["parent"]["id"].as_str().unwrap().to_string();
    let (_, _, replies) = get_json(&c, &format!("{g}/{parent_id}/comments"), &tok).await;
    assert!(replies["data"]
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r["id"] == reply["id"]));
    // Page token sees `from`; the user token does not.
    assert!(stream["data"][0].get("from").is_some());
    let (_, _, as_user) = get_json(
        &c,
        &format!("{g}/{post}/comments?filter=stream&limit=5&fields=id,from,message"),
        &m.facebook.user_access_token,
    )
    .await;
    assert!(as_user["data"][0].get("from").is_none());
    // Reverse order.
    let (_, _, rev) = get_json(&c, &format!("{g}/{post}/comments?filter=stream&order=reverse_chronological&limit=3&fields=created_time"), &tok).await;
    let t: Vec<&str> = rev["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["created_time"].as_str().unwrap())
        .collect();
    assert!(t.windows(2).all(|w| w[0] >= w[1]));

    // Reply, hide, delete.
    let public_comment = top["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["from"]["id"] != json!(pid))
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let r = c
        .post(format!("{g}/{public_comment}/comments"))
        .bearer_auth(&tok)
        .form(&[(
            "message",
            "Thank you for your message; please write to consular@veldoria.example.",
        )])
        .send()
        .await
        .unwrap();
    let created: Value = r.json().await.unwrap();
    let my_reply = created["id"].as_str().unwrap().to_string();
    let (_, _, node) = get_json(
        &c,
        &format!("{g}/{my_reply}?fields=id,message,parent,from"),
        &tok,
    )
    .await;
    assert_eq!(node["parent"]["id"], json!(public_comment));
    assert_eq!(node["from"]["id"], json!(pid));
    let r = c
        .post(format!("{g}/{public_comment}"))
        .bearer_auth(&tok)
        .form(&[("is_hidden", "true")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.json::<Value>().await.unwrap(), json!({"success": true}));
    let (_, _, node) = get_json(&c, &format!("{g}/{public_comment}?fields=is_hidden"), &tok).await;
    assert_eq!(node["is_hidden"], true);
    let r = c
        .delete(format!("{g}/{my_reply}"))
        .bearer_auth(&tok)
        .send()
        .await
        .unwrap();
    assert_eq!(r.json::<Value>().await.unwrap(), json!({"success": true}));
    let (st, _, v) = get_json(&c, &format!("{g}/{my_reply}"), &tok).await;
    assert_eq!(
        (
            st,
            v["error"]["code"].as_u64(),
            v["error"]["error_subcode"].as_u64()
        ),
        (400, Some(100), Some(33))
    );
    sb.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn publishing_and_permissions() {
    let (sb, m, c) = start(small_config()).await;
    let g = m.facebook.graph_api_base.clone();
    let (pid, tok) = page(&m, 4);
    let (other, _) = page(&m, 5);
    let r = c
        .post(format!("{g}/{pid}/feed"))
        .bearer_auth(&tok)
        .form(&[
            ("message", "Our embassy is open as usual."),
            ("link", "https://www.veldoria.example/news"),
        ])
        .send()
        .await
        .unwrap();
    let v: Value = r.json().await.unwrap();
    let post_id = v["id"].as_str().unwrap().to_string();
    assert!(post_id.starts_with(&format!("{pid}_")));
    let (_, _, feed) = get_json(&c, &format!("{g}/{pid}/feed?limit=3"), &tok).await;
    assert_eq!(feed["data"][0]["id"], json!(post_id));
    // Duplicate: code 506.
    let r = c
        .post(format!("{g}/{pid}/feed"))
        .bearer_auth(&tok)
        .form(&[("message", "Our embassy is open as usual.")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.json::<Value>().await.unwrap()["error"]["code"], 506);
    // Scheduled: not in the feed yet.
    let when = (chrono::Utc::now() + chrono::Duration::hours(2))
        .timestamp()
        .to_string();
    let r = c
        .post(format!("{g}/{pid}/feed"))
        .bearer_auth(&tok)
        .form(&[
            ("message", "Later"),
            ("published", "false"),
            ("scheduled_publish_time", when.as_str()),
        ])
        .send()
        .await
        .unwrap();
    let sched: Value = r.json().await.unwrap();
    let (_, _, feed) = get_json(&c, &format!("{g}/{pid}/feed?limit=5"), &tok).await;
    assert!(!feed["data"]
        .as_array()
        .unwrap()
        .iter()
        .any(|p| p["id"] == sched["id"]));
    // Photos.
    let r = c
        .post(format!("{g}/{pid}/photos"))
        .bearer_auth(&tok)
        .form(&[
            ("url", "https://www.veldoria.example/a.jpg"),
            ("caption", "Reception"),
        ])
        .send()
        .await
        .unwrap();
    let ph: Value = r.json().await.unwrap();
    assert!(ph["post_id"].as_str().unwrap().starts_with(&pid));
    // Another Page's token cannot post here; a user token cannot read conversations.
    let r = c
        .post(format!("{g}/{other}/feed"))
        .bearer_auth(&tok)
        .form(&[("message", "x")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.json::<Value>().await.unwrap()["error"]["code"], 100);
    let (_, _, v) = get_json(
        &c,
        &format!("{g}/{pid}/conversations"),
        &m.facebook.user_access_token,
    )
    .await;
    assert_eq!(v["error"]["code"], 210);
    // A Page token on /me/accounts: Graph says the field does not exist on a Page.
    let (_, _, v) = get_json(&c, &format!("{g}/me/accounts"), &tok).await;
    assert_eq!(v["error"]["code"], 100);
    // Unversioned paths work too; expired/garbage tokens give 190.
    let (st, _, v) = get_json(
        &c,
        &format!("{}/me?fields=id,name", base(&m)),
        &m.facebook.user_access_token,
    )
    .await;
    assert_eq!(st, 200, "{v}");
    let (_, h, v) = get_json(&c, &format!("{g}/me"), "EAABgarbage").await;
    assert_eq!(v["error"]["code"], 190);
    assert!(header(&h, "www-authenticate").is_some());
    // Conversations and messages with a Page token.
    let (_, _, convs) = get_json(&c, &format!("{g}/{pid}/conversations?fields=id,updated_time,messages.limit(3){{id,message,from,created_time}}"), &tok).await;
    let conv = &convs["data"][0];
    let cid = conv["id"].as_str().unwrap();
    assert!(cid.starts_with("t_"));
    let (_, _, msgs) = get_json(
        &c,
        &format!("{g}/{cid}/messages?fields=id,message,from,to,created_time"),
        &tok,
    )
    .await;
    let first = &msgs["data"][0];
    assert!(first["id"].as_str().unwrap().starts_with("m_"));
    assert_eq!(conv["messages"]["data"][0]["id"], first["id"]);
    let t = first["created_time"].as_str().unwrap();
    assert!(t.ends_with("+0000") && t.len() == 24, "{t}");
    sb.shutdown().await;
}

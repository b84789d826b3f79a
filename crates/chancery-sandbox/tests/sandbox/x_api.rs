//! X behaviour: posting, replies (the summoned-reply rule), deletion, media, and pagination.

use std::collections::HashSet;

use serde_json::{json, Value};

use super::common::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn posts_show_up_and_follow_x_rules() {
    let (sb, m, c) = start(small_config()).await;
    let b = base(&m);
    let (id0, tok0, _) = x_user(&m, 0);
    let (id1, tok1, _) = x_user(&m, 1);
    let other = x_accounts(&m)[2].username.clone();

    // A post that mentions another sandbox account shows up in its mentions and our timeline.
    let text = format!("Meeting today with @{other} on consular cooperation 🤝");
    let r = c
        .post(format!("{b}/2/tweets"))
        .bearer_auth(&tok0)
        .json(&json!({"text": text}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 201);
    let created: Value = r.json().await.unwrap();
    let pid = created["data"]["id"].as_str().unwrap().to_string();
    assert_eq!(pid.len(), 19);
    let (_, _, v) = get_json(
        &c,
        &format!("{b}/2/users/{id0}/tweets?max_results=5"),
        &tok0,
    )
    .await;
    assert_eq!(
        v["data"][0]["id"],
        json!(pid),
        "own timeline starts with the new post"
    );
    let id2 = x_accounts(&m)[2].id.clone();
    let (_, _, v) = get_json(
        &c,
        &format!("{b}/2/users/{id2}/mentions?max_results=5&tweet.fields=author_id"),
        &tok1,
    )
    .await;
    assert_eq!(v["data"][0]["id"], json!(pid));
    assert_eq!(v["data"][0]["author_id"], json!(id0));

    // Replies: allowed to a mention of us, refused to a post that did not summon us.
    let (_, _, mentions) = get_json(
        &c,
        &format!("{b}/2/users/{id1}/mentions?max_results=5&tweet.fields=author_id"),
        &tok1,
    )
    .await;
    let summoning = mentions["data"][0]["id"].as_str().unwrap().to_string();
    let r = c.post(format!("{b}/2/tweets")).bearer_auth(&tok1)
        .json(&json!({"text": "Thank you, we will look into it.", "reply": {"in_reply_to_tweet_id": summoning}}))
        .send().await.unwrap();
    assert_eq!(r.status().as_u16(), 201);
    let reply: Value = r.json().await.unwrap();
    let rid = reply["data"]["id"].as_str().unwrap().to_string();
    let (_, _, v) = get_json(
        &c,
        &format!(
            "{b}/2/tweets/{rid}?tweet.fields=conversation_id,in_reply_to_user_id,referenced_tweets"
        ),
        &tok1,
    )
    .await;
    assert_eq!(v["data"]["referenced_tweets"][0]["id"], json!(summoning));
    assert_eq!(
        v["data"]["in_reply_to_user_id"],
        mentions["data"][0]["author_id"]
    );
    let (_, _, others) = get_json(
        &c,
        &format!("{b}/2/users/{id0}/mentions?max_results=20&tweet.fields=entities"),
        &tok0,
    )
    .await;
    let not_summoning = others["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| {
            !t["text"]
                .as_str()
                .unwrap()
                .contains(&format!("@{}", x_accounts(&m)[1].username))
        })
        .expect("a mention of account 0 that does not mention account 1")["id"]
        .as_str()
        .unwrap()
        .to_string();
    let r = c
        .post(format!("{b}/2/tweets"))
        .bearer_auth(&tok1)
        .json(
            &json!({"text": "Unsolicited reply", "reply": {"in_reply_to_tweet_id": not_summoning}}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 403);
    let p: Value = r.json().await.unwrap();
    assert!(
        p["detail"].as_str().unwrap().contains("not been mentioned"),
        "{p}"
    );

    // Deleting: only our own posts; afterwards lookups report not found.
    let r = c
        .delete(format!("{b}/2/tweets/{pid}"))
        .bearer_auth(&tok1)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 403);
    let r = c
        .delete(format!("{b}/2/tweets/{pid}"))
        .bearer_auth(&tok0)
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.json::<Value>().await.unwrap(),
        json!({"data": {"deleted": true}})
    );
    let (st, _, v) = get_json(&c, &format!("{b}/2/tweets/{pid}"), &tok0).await;
    assert_eq!(st, 200);
    assert!(v["errors"][0]["detail"].as_str().unwrap().contains(&pid));

    // Over-long text is refused (weighted length: CJK counts 2).
    let long = "外".repeat(141);
    let r = c
        .post(format!("{b}/2/tweets"))
        .bearer_auth(&tok0)
        .json(&json!({"text": long}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 403);
    sb.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chunked_media_upload_then_post() {
    let (sb, m, c) = start(small_config()).await;
    let b = base(&m);
    let (_, tok, _) = x_user(&m, 3);
    let data = vec![7u8; 300_000];
    let r = c.post(format!("{b}/2/media/upload/initialize")).bearer_auth(&tok)
        .json(&json!({"media_type": "video/mp4", "total_bytes": data.len(), "media_category": "tweet_video"}))
        .send().await.unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let v: Value = r.json().await.unwrap();
    let mid = v["data"]["id"].as_str().unwrap().to_string();
    for (i, chunk) in data.chunks(128 * 1024).enumerate() {
        let form = reqwest::multipart::Form::new()
            .text("segment_index", i.to_string())
            .part(
                "media",
                reqwest::multipart::Part::bytes(chunk.to_vec()).file_name("chunk"),
            );
        let r = c
            .post(format!("{b}/2/media/upload/{mid}/append"))
            .bearer_auth(&tok)
            .multipart(form)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 200, "{}", r.text().await.unwrap());
    }
    // Posting before finalize fails; after finalize it works.
    let r = c
        .post(format!("{b}/2/tweets"))
        .bearer_auth(&tok)
        .json(&json!({"text": "video", "media": {"media_ids": [mid]}}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 400);
    let r = c
        .post(format!("{b}/2/media/upload/{mid}/finalize"))
        .bearer_auth(&tok)
        .send()
        .await
        .unwrap();
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["data"]["processing_info"]["state"], json!("succeeded"));
    let r = c
        .post(format!("{b}/2/tweets"))
        .bearer_auth(&tok)
        .json(&json!({"text": "video", "media": {"media_ids": [mid]}}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 201);
    let pid = r.json::<Value>().await.unwrap()["data"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let (_, _, v) = get_json(
        &c,
        &format!("{b}/2/tweets/{pid}?tweet.fields=attachments&expansions=attachments.media_keys"),
        &tok,
    )
    .await;
    assert_eq!(v["includes"]["media"][0]["type"], json!("video"));
    // Simple upload (multipart image).
    let form = reqwest::multipart::Form::new()
        .text("media_category", "tweet_image")
        .part(
            "media",
            reqwest::multipart::Part::bytes(b"\x89PNG....".to_vec()).file_name("a.png"),
        );
    let r = c
        .post(format!("{b}/2/media/upload"))
        .bearer_auth(&tok)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let v: Value = r.json().await.unwrap();
    assert!(v["data"]["media_key"].as_str().unwrap().starts_with("3_"));
    sb.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mention_pagination_yields_each_item_once_newest_first() {
    // Time runs 60× faster, so new mentions arrive while we page.
    let (sb, m, c) = start(small_config().time_scale(60.0)).await;
    let b = base(&m);
    let (id, tok, _) = x_user(&m, 1);
    let mut seen = HashSet::new();
    let mut all: Vec<u64> = Vec::new();
    let mut token: Option<String> = None;
    let started = std::time::Instant::now();
    for _ in 0..40 {
        let mut url = format!("{b}/2/users/{id}/mentions?max_results=100");
        if let Some(t) = &token {
            url.push_str(&format!("&pagination_token={t}"));
        }
        let (st, _, v) = get_json(&c, &url, &tok).await;
        assert_eq!(st, 200);
        for t in v["data"].as_array().unwrap() {
            let id: u64 = t["id"].as_str().unwrap().parse().unwrap();
            assert!(seen.insert(id), "duplicate {id}");
            all.push(id);
        }
        token = v["meta"]["next_token"].as_str().map(str::to_string);
        if token.is_none() || started.elapsed().as_secs() > 60 {
            break;
        }
    }
    assert!(all.len() > 1000, "walked {} items", all.len());
    assert!(all.windows(2).all(|w| w[0] > w[1]), "newest first");

    // The same range walked with until_id gives exactly the same items.
    let newest = all[0];
    let oldest = *all.last().unwrap();
    let mut again = Vec::new();
    let mut until = newest + 1;
    for _ in 0..100 {
        let (_, _, v) = get_json(
            &c,
            &format!(
                "{b}/2/users/{id}/mentions?max_results=100&until_id={until}&since_id={}",
                oldest - 1
            ),
            &tok,
        )
        .await;
        let Some(data) = v["data"].as_array() else {
            break;
        };
        for t in data {
            again.push(t["id"].as_str().unwrap().parse::<u64>().unwrap());
        }
        until = *again.last().unwrap();
        if v["meta"]["next_token"].is_null() {
            break;
        }
    }
    assert_eq!(again, all);

    // Polling with since_id returns only what arrived since, newest first, without repeats.
    // Arrivals are random in time: poll every 0.5 s (30 virtual seconds) for at most 20 s
    // (20 virtual minutes) until some have come; one fixed 1.5 s wait failed now and then.
    let mut fresh: Vec<u64> = Vec::new();
    for _ in 0..40 {
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        let (_, _, v) = get_json(
            &c,
            &format!("{b}/2/users/{id}/mentions?max_results=100&since_id={newest}"),
            &tok,
        )
        .await;
        fresh = v["data"]
            .as_array()
            .map(|d| {
                d.iter()
                    .map(|t| t["id"].as_str().unwrap().parse().unwrap())
                    .collect()
            })
            .unwrap_or_default();
        if !fresh.is_empty() {
            break;
        }
    }
    assert!(
        !fresh.is_empty(),
        "new mentions arrive on the virtual clock"
    );
    assert!(fresh.iter().all(|i| *i > newest && !seen.contains(i)));
    assert!(fresh.windows(2).all(|w| w[0] > w[1]));
    sb.shutdown().await;
}

//! Graph responses have the shapes of the recorded payloads in the shared conformance folder
//! (`graph-api/`), loaded at test time: same keys, same JSON types, nested objects and list items
//! compared recursively. Known, documented differences are listed where they apply.

use serde_json::Value;

use super::common::*;

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// Keys of `ours` must be keys of `recorded` (unless `extra` allows them), every recorded key
/// must be in `ours` (unless `optional`), and types must match, recursively. List items are
/// compared against the union of the recorded items.
fn compare(
    path: &str,
    recorded: &Value,
    ours: &Value,
    optional: &[&str],
    extra: &[&str],
    errs: &mut Vec<String>,
) {
    if kind(recorded) != kind(ours) {
        errs.push(format!(
            "{path}: recorded {} vs ours {}",
            kind(recorded),
            kind(ours)
        ));
        return;
    }
    match (recorded, ours) {
        (Value::Object(r), Value::Object(o)) => {
            for (k, rv) in r {
                let p = format!("{path}.{k}");
                match o.get(k) {
                    Some(ov) => compare(&p, rv, ov, optional, extra, errs),
                    None if optional.contains(&p.as_str()) => {}
                    None => errs.push(format!("{p}: missing")),
                }
            }
            for k in o.keys() {
                let p = format!("{path}.{k}");
                if !r.contains_key(k) && !extra.contains(&p.as_str()) {
                    errs.push(format!("{p}: not in the recorded payload"));
                }
            }
        }
        (Value::Array(r), Value::Array(o)) => {
            // Merge recorded items into one exemplar.
            let mut exemplar = serde_json::Map::new();
            for item in r {
                if let Value::Object(m) = item {
                    for (k, v) in m {
                        exemplar.entry(k.clone()).or_insert(v.clone());
                    }
                }
            }
            if exemplar.is_empty() {
                if let (Some(rf), Some(of)) = (r.first(), o.first()) {
                    compare(&format!("{path}[]"), rf, of, optional, extra, errs);
                }
                return;
            }
            let ex = Value::Object(exemplar);
            for item in o {
                compare(&format!("{path}[]"), &ex, item, optional, extra, errs);
            }
        }
        _ => {}
    }
}

fn assert_shape(name: &str, recorded: &Value, ours: &Value, optional: &[&str], extra: &[&str]) {
    let mut errs = Vec::new();
    compare("$", recorded, ours, optional, extra, &mut errs);
    assert!(errs.is_empty(), "{name}: {errs:#?}\nours: {ours}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn graph_shapes_match_recorded_payloads() {
    let (sb, m, c) = start(small_config()).await;
    let g = m.facebook.graph_api_base.clone();
    let ut = m.facebook.user_access_token.clone();
    let (pid, ptok) = page(&m, 0);

    // me/accounts?summary=1&limit=4 (page 1 has `next`, the last page has `previous`).
    let (_, _, v) = get_json(&c, &format!("{g}/me/accounts?summary=1&limit=4"), &ut).await;
    assert_shape(
        "me_accounts_p1",
        &load_json("graph-api/accounts/me_accounts_p1.json"),
        &v,
        &[],
        &["$.paging.previous"],
    );
    let after = v["paging"]["cursors"]["after"]
        .as_str()
        .unwrap()
        .to_string();
    let (_, _, v2) = get_json(
        &c,
        &format!("{g}/me/accounts?summary=1&limit=4&after={after}"),
        &ut,
    )
    .await;
    assert_shape(
        "me_accounts_p2",
        &load_json("graph-api/accounts/me_accounts_p2.json"),
        &v2,
        &[],
        &["$.paging.next"],
    );

    // feed?limit=5 with default fields.
    let (_, _, v) = get_json(&c, &format!("{g}/{pid}/feed?limit=5"), &ptok).await;
    assert_shape(
        "feed_full_connections_p1",
        &load_json("graph-api/page-posts/feed_full_connections_p1.json"),
        &v,
        &[],
        &[],
    );

    // posts?fields=id,message,created_time. The recording used time-based paging
    // (since/until/__paging_token) without `cursors`; the sandbox pages every edge by cursor,
    // which Graph also documents for these edges.
    let (_, _, v) = get_json(
        &c,
        &format!(
            "{g}/{pid}/posts?fields=id,message,created_time&limit=5&after={}",
            v["paging"]["cursors"]["after"].as_str().unwrap()
        ),
        &ptok,
    )
    .await;
    assert_shape(
        "posts_fields_p1",
        &load_json("graph-api/page-posts/posts_fields_p1.json"),
        &v,
        &[],
        &["$.paging.cursors"],
    );

    // The rich feed fields, on a photo post of the Page.
    let rich = "id,attachments,created_time,full_picture,icon,message,message_tags,permalink_url,picture,shares,status_type,updated_time,comments.summary(true).limit(0),reactions.summary(true).limit(0),reactions.type(LIKE).limit(0).summary(total_count).as(like),reactions.type(LOVE).limit(0).summary(total_count).as(love),reactions.type(WOW).limit(0).summary(total_count).as(wow),reactions.type(HAHA).limit(0).summary(total_count).as(haha),reactions.type(SAD).limit(0).summary(total_count).as(sad),reactions.type(ANGRY).limit(0).summary(total_count).as(angry)";
    let (_, _, v) = get_json(
        &c,
        &format!("{g}/{pid}/posts?limit=40&fields={rich}"),
        &ptok,
    )
    .await;
    let photo = v["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p.get("full_picture").is_some())
        .expect("a photo post")
        .clone();
    let recorded = load_json("graph-api/page-posts/feed_default_fields_p1.json");
    let rec_item = recorded["data"][0].clone();
    // Attachments of generated photos carry no description (optional in Graph).
    assert_shape(
        "feed_default_fields item",
        &rec_item,
        &photo,
        &[
            "$.attachments.data[].description",
            "$.attachments.data[].description_tags",
            "$.attachments.data[].unshimmed_url",
            "$.shares",
            "$.message_tags[].id",
            "$.message_tags[].name",
            "$.message_tags[].type",
            "$.message_tags[].offset",
            "$.message_tags[].length",
        ],
        &[],
    );

    // A single post with reactions and comments summaries.
    let single = "id,created_time,updated_time,message,permalink_url,status_type,comments.summary(true).limit(0),reactions.summary(true).limit(0),reactions.type(LIKE).limit(0).summary(total_count).as(like),reactions.type(LOVE).limit(0).summary(total_count).as(love),reactions.type(WOW).limit(0).summary(total_count).as(wow),reactions.type(HAHA).limit(0).summary(total_count).as(haha),reactions.type(SAD).limit(0).summary(total_count).as(sad),reactions.type(ANGRY).limit(0).summary(total_count).as(angry)";
    let post_id = photo["id"].as_str().unwrap().to_string();
    let (_, _, v) = get_json(&c, &format!("{g}/{post_id}?fields={single}"), &ptok).await;
    assert_shape(
        "single_post_reactions",
        &load_json("graph-api/page-posts/single_post_reactions.json"),
        &v,
        &[],
        &[],
    );

    // Comments with summary, as recorded (filter=stream, limit=10). The recording lacks `id`
    // although it was requested (a quirk noted in the README); the sandbox returns it.
    let (_, _, posts) = get_json(
        &c,
        &format!("{g}/{pid}/posts?limit=50&fields=id,comments.summary(true).limit(0)"),
        &ptok,
    )
    .await;
    let busy = posts["data"]
        .as_array()
        .unwrap()
        .iter()
        .max_by_key(|p| p["comments"]["summary"]["total_count"].as_u64().unwrap())
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let (_, _, v) = get_json(&c, &format!("{g}/{busy}/comments?fields=id,comment_count,created_time,like_count,message,permalink_url&summary=1&filter=stream&limit=10"), &ptok).await;
    assert_shape(
        "comments_p1",
        &load_json("graph-api/comments/comments_p1.json"),
        &v,
        &[],
        &["$.data[].id"],
    );
    let cid = v["data"][0]["id"].as_str().unwrap().to_string();
    let (_, _, node) = get_json(
        &c,
        &format!("{g}/{cid}?fields=id,comment_count,created_time,like_count,message,permalink_url"),
        &ptok,
    )
    .await;
    assert_shape(
        "comment_node",
        &load_json("graph-api/comments/comment_node.json"),
        &node,
        &[],
        &[],
    );

    // Create comment with fields=... returns the recorded response shape.
    let r = c
        .post(format!("{g}/{busy}/comments"))
        .bearer_auth(&ptok)
        .form(&[
            ("message", "Message from api"),
            ("fields", "id,message,permalink_url,created_time"),
        ])
        .send()
        .await
        .unwrap();
    let created: Value = r.json().await.unwrap();
    assert_shape(
        "create_comment_response",
        &load_json("graph-api/comments/create_comment_response.json"),
        &created,
        &[],
        &[],
    );

    // Conversations and a message node.
    let (_, _, v) = get_json(&c, &format!("{g}/{pid}/conversations?fields=id,link,message_count,snippet,unread_count,updated_time&limit=3"), &ptok).await;
    let node_rec = load_json("graph-api/conversations/conversation_node.json");
    for conv in v["data"].as_array().unwrap() {
        assert_shape("conversation_node", &node_rec, conv, &[], &[]);
    }
    assert!(v["paging"]["cursors"]["after"].is_string());
    let conv = v["data"][0]["id"].as_str().unwrap().to_string();
    let (_, _, msgs) = get_json(&c, &format!("{g}/{conv}/messages?limit=1"), &ptok).await;
    let mid = msgs["data"][0]["id"].as_str().unwrap().to_string();
    let (_, _, msg) = get_json(
        &c,
        &format!("{g}/{mid}?fields=id,created_time,from,to,tags,attachments"),
        &ptok,
    )
    .await;
    // Generated messages carry no attachments (Graph omits the field then).
    assert_shape(
        "message_node",
        &load_json("graph-api/conversations/message_node.json"),
        &msg,
        &["$.attachments"],
        &[],
    );

    // Errors: the envelope of the recorded code-100 errors.
    let (st, _, e) = get_json(&c, &format!("{g}/{pid}?fields=no_such_field"), &ptok).await;
    assert_eq!(st, 400);
    assert_eq!(e["error"]["code"], 100);
    assert_shape(
        "error_100",
        &load_json("graph-api/errors/error_100_missing_permission.json"),
        &e,
        &[],
        &[],
    );
    let (_, _, e) = get_json(&c, &format!("{g}/999999999999"), &ptok).await;
    assert_shape(
        "error_100_33",
        &load_json("graph-api/errors/error_100_app_secret_proof.json"),
        &e,
        &[],
        &["$.error.error_subcode"],
    );
    sb.shutdown().await;
}

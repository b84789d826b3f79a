//! X responses validate against X's own OpenAPI specs, loaded at test time from the shared
//! conformance folder: 2.166 (`openapi-2.166.json`) with classic naming, 2.167 (`openapi.json`)
//! with current naming.
//!
//! Adaptations made here (OpenAPI 3.0 schema objects are not plain JSON Schema):
//! - `nullable: true` becomes `type: [<type>, "null"]`;
//! - the component schemas are bundled under `components/schemas` and validated with a
//!   `$ref` root as JSON Schema 2020-12, with `format` validation on (date-time, uri);
//! - OpenAPI's `discriminator` is not a JSON Schema keyword: a problem body is validated against
//!   the variant its `type` maps to (as a client using the discriminator would);
//! - 2.167's `Problem` is a closed `oneOf` of 9 variants that omits types X's error docs still
//!   list (`about:blank` for 401/403/429, `unsupported-authentication`, `usage-capped`). For
//!   those, the 2.167 check uses a variant built here with the common problem fields (`type`,
//!   `title`, `detail` required; `status` integer), and the 2.166 check uses the spec's own
//!   `GenericProblem` / `UnsupportedAuthenticationProblem` / `UsageCapExceededProblem`.

use chancery_sandbox::{FaultKind, FaultRule, SandboxConfig, XNaming};
use serde_json::{json, Value};

use super::common::*;

struct Spec {
    components: Value,
    paths: Value,
    mapping: Value,
    current: bool,
}

fn adapt(v: &mut Value) {
    match v {
        Value::Object(o) => {
            if o.get("nullable").and_then(Value::as_bool) == Some(true) {
                if let Some(t) = o.get("type").cloned() {
                    o.insert("type".into(), json!([t, "null"]));
                }
            }
            o.remove("nullable");
            for (_, x) in o.iter_mut() {
                adapt(x);
            }
        }
        Value::Array(a) => a.iter_mut().for_each(adapt),
        _ => {}
    }
}

impl Spec {
    fn load(file: &str, current: bool) -> Spec {
        let mut spec = load_json(&format!("x-api/{file}"));
        let mut components = spec["components"].take();
        adapt(&mut components);
        let mapping = components["schemas"]["Problem"]["discriminator"]["mapping"].clone();
        if current {
            // The adaptation described above.
            components["schemas"]["SandboxDocumentedProblem"] = json!({
                "type": "object",
                "required": ["type", "title", "detail"],
                "properties": {
                    "type": {"enum": ["about:blank", "https://api.x.com/2/problems/unsupported-authentication", "https://api.x.com/2/problems/usage-capped"]},
                    "title": {"type": "string"}, "detail": {"type": "string"}, "status": {"type": "integer"}
                }
            });
            if let Some(one_of) = components["schemas"]["Problem"]["oneOf"].as_array_mut() {
                one_of.push(json!({"$ref": "#/components/schemas/SandboxDocumentedProblem"}));
            }
        }
        Spec {
            paths: spec["paths"].take(),
            components,
            mapping,
            current,
        }
    }

    fn response_schema(&self, path: &str, method: &str, status: &str) -> String {
        let r = &self.paths[path][method]["responses"][status]["content"]["application/json"]
            ["schema"]["$ref"];
        r.as_str()
            .unwrap_or_else(|| panic!("no schema for {method} {path} {status}"))
            .to_string()
    }

    fn validate_ref(&self, reference: &str, instance: &Value) -> Vec<String> {
        let root = json!({
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "$ref": reference,
            "components": self.components,
        });
        let v = jsonschema::options()
            .with_draft(jsonschema::Draft::Draft202012)
            .should_validate_formats(true)
            .build(&root)
            .expect("schema compiles");
        v.iter_errors(instance)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect()
    }

    fn assert_response(&self, path: &str, method: &str, status: &str, body: &Value) {
        let r = self.response_schema(path, method, status);
        let errs = self.validate_ref(&r, body);
        assert!(
            errs.is_empty(),
            "{method} {path} {status} vs {r}: {errs:#?}\nbody: {body}"
        );
    }

    fn assert_problem(&self, body: &Value) {
        let ty = body["type"].as_str().expect("problem has a type");
        let reference = match self.mapping.get(ty).and_then(Value::as_str) {
            Some(r) => r.to_string(),
            None if self.current => "#/components/schemas/SandboxDocumentedProblem".to_string(),
            None => panic!("type {ty} is not a 2.166 problem type"),
        };
        let errs = self.validate_ref(&reference, body);
        assert!(
            errs.is_empty(),
            "problem vs {reference}: {errs:#?}\nbody: {body}"
        );
        // Every problem also satisfies the generic Problem schema of its spec.
        let errs = self.validate_ref("#/components/schemas/Problem", body);
        assert!(
            errs.is_empty(),
            "problem vs Problem: {errs:#?}\nbody: {body}"
        );
    }
}

const ALL_TWEET_FIELDS: &str = "attachments,author_id,conversation_id,created_at,edit_controls,entities,in_reply_to_user_id,lang,possibly_sensitive,public_metrics,referenced_tweets,reply_settings";
const ALL_USER_FIELDS: &str = "created_at,description,location,profile_image_url,protected,public_metrics,url,verified,verified_type";
const EXPANSIONS: &str = "author_id,referenced_tweets.id,in_reply_to_user_id,entities.mentions.username,referenced_tweets.id.author_id";

async fn run_conformance(naming: XNaming, spec: &Spec) {
    let cfg = small_config().x_naming(naming).start_at(fixed_start());
    let (sb, m, c) = start(cfg).await;
    let b = base(&m);
    let (id0, tok0, _) = x_user(&m, 0);
    let (id5, tok5, _) = x_user(&m, 5);
    let app = m.x.app_bearer_token.clone();
    let classic = naming == XNaming::Classic;

    // users/me, by-username (found and not found), users/{id}.
    let (st, _, v) = get_json(
        &c,
        &format!("{b}/2/users/me?user.fields={ALL_USER_FIELDS}"),
        &tok0,
    )
    .await;
    assert_eq!(st, 200);
    spec.assert_response("/2/users/me", "get", "200", &v);
    let uname = x_accounts(&m)[3].username.clone();
    let (st, _, v) = get_json(
        &c,
        &format!("{b}/2/users/by/username/{uname}?user.fields={ALL_USER_FIELDS}"),
        &app,
    )
    .await;
    assert_eq!(st, 200);
    assert_eq!(v["data"]["username"], json!(uname));
    spec.assert_response("/2/users/by/username/{username}", "get", "200", &v);
    let (st, _, v) = get_json(&c, &format!("{b}/2/users/by/username/nobody_here_1"), &app).await;
    assert_eq!(st, 200, "X answers an unknown username with 200 + errors");
    assert!(v["errors"][0]["type"]
        .as_str()
        .unwrap()
        .ends_with("/resource-not-found"));
    spec.assert_response("/2/users/by/username/{username}", "get", "200", &v);
    spec.assert_problem(&v["errors"][0]);

    // Mentions with every field and expansion, several pages deep, until a page carries a
    // partial error (a referenced post that was deleted) — it must exist within the bound.
    let mut token: Option<String> = None;
    let mut saw_partial = false;
    let mut saw_tweets = false;
    for _ in 0..60 {
        let mut url = format!(
            "{b}/2/users/{id0}/mentions?max_results=100&tweet.fields={ALL_TWEET_FIELDS}&expansions={EXPANSIONS}&user.fields={ALL_USER_FIELDS}"
        );
        if !classic {
            url = url.replace("referenced_tweets", "referenced_posts");
        }
        if let Some(t) = &token {
            url.push_str(&format!("&pagination_token={t}"));
        }
        let (st, h, v) = get_json(&c, &url, &tok0).await;
        assert_eq!(st, 200, "{v}");
        assert!(header(&h, "x-rate-limit-remaining").is_some());
        spec.assert_response("/2/users/{id}/mentions", "get", "200", &v);
        let inc_key = if classic { "tweets" } else { "posts" };
        saw_tweets |= v["includes"][inc_key].is_array();
        if let Some(errs) = v["errors"].as_array() {
            saw_partial = true;
            for e in errs {
                spec.assert_problem(e);
            }
        }
        let first = &v["data"][0];
        assert!(
            first["edit_history_tweet_ids"].is_array() == classic
                && first["edit_history_post_ids"].is_array() != classic
        );
        token = v["meta"]["next_token"].as_str().map(str::to_string);
        if token.is_none() || (saw_partial && saw_tweets) {
            break;
        }
    }
    assert!(saw_tweets, "includes carried referenced posts");
    assert!(saw_partial, "a 200 with partial errors was seen");

    // Default fields only: id, text, edit history.
    let (_, _, v) = get_json(
        &c,
        &format!("{b}/2/users/{id0}/mentions?max_results=5"),
        &tok0,
    )
    .await;
    let keys: Vec<&String> = v["data"][0].as_object().unwrap().keys().collect();
    assert_eq!(keys.len(), 3, "default fields only: {keys:?}");

    // Own posts timeline.
    let (st, _, v) = get_json(
        &c,
        &format!("{b}/2/users/{id0}/tweets?max_results=10&tweet.fields=created_at"),
        &tok0,
    )
    .await;
    assert_eq!(st, 200);
    spec.assert_response("/2/users/{id}/tweets", "get", "200", &v);

    // Post lookup: found, and deleted/unknown (200 + errors).
    let tid = v["data"][0]["id"].as_str().unwrap().to_string();
    let (st, _, v) = get_json(
        &c,
        &format!("{b}/2/tweets/{tid}?tweet.fields={ALL_TWEET_FIELDS}&expansions=author_id"),
        &app,
    )
    .await;
    assert_eq!(st, 200);
    spec.assert_response("/2/tweets/{id}", "get", "200", &v);
    let (st, _, v) = get_json(&c, &format!("{b}/2/tweets/1999999999999999999"), &app).await;
    assert_eq!(st, 200);
    spec.assert_response("/2/tweets/{id}", "get", "200", &v);
    spec.assert_problem(&v["errors"][0]);

    // Create: 201, then the problem family of writes.
    let r = c
        .post(format!("{b}/2/tweets"))
        .bearer_auth(&tok5)
        .json(&json!({"text": "Consular hours change on Monday."}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 201);
    let v: Value = r.json().await.unwrap();
    spec.assert_response("/2/tweets", "post", "201", &v);
    let new_id = v["data"]["id"].as_str().unwrap().to_string();
    let r = c
        .post(format!("{b}/2/tweets"))
        .bearer_auth(&tok5)
        .json(&json!({"text": "Consular hours change on Monday."}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 403, "duplicate content");
    assert_eq!(r.headers()["content-type"], "application/problem+json");
    spec.assert_problem(&r.json().await.unwrap());
    let r = c
        .post(format!("{b}/2/tweets"))
        .bearer_auth(&app)
        .json(&json!({"text": "app-only"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 403, "app-only cannot post");
    spec.assert_problem(&r.json().await.unwrap());
    let r = c
        .post(format!("{b}/2/tweets"))
        .bearer_auth(&tok5)
        .json(&json!({"text": "x", "bogus": 1}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 400);
    spec.assert_problem(&r.json().await.unwrap());
    // Delete.
    let r = c
        .delete(format!("{b}/2/tweets/{new_id}"))
        .bearer_auth(&tok5)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    spec.assert_response("/2/tweets/{id}", "delete", "200", &r.json().await.unwrap());

    // Error families: 400 (mentions), 401 (users), 403 (users/me with an app token), 429, usage cap.
    let (st, _, v) = get_json(
        &c,
        &format!("{b}/2/users/{id5}/mentions?max_results=1000"),
        &tok5,
    )
    .await;
    assert_eq!(st, 400);
    spec.assert_problem(&v);
    let (st, _, v) = get_json(&c, &format!("{b}/2/users/by/username/bad-name!"), &app).await;
    assert_eq!(st, 400);
    spec.assert_problem(&v);
    let (st, _, v) = get_json(&c, &format!("{b}/2/users/me"), "not-a-token").await;
    assert_eq!(st, 401);
    spec.assert_problem(&v);
    let (st, _, v) = get_json(&c, &format!("{b}/2/tweets/123"), "not-a-token").await;
    assert_eq!(st, 401);
    spec.assert_problem(&v);
    let (st, _, v) = get_json(&c, &format!("{b}/2/users/me"), &app).await;
    assert_eq!(st, 403);
    spec.assert_problem(&v);
    sb.add_fault(FaultRule::new("x.mentions", FaultKind::RateLimit).count(1))
        .unwrap();
    let (st, h, v) = get_json(&c, &format!("{b}/2/users/{id5}/mentions"), &tok5).await;
    assert_eq!(st, 429);
    assert_eq!(header(&h, "x-rate-limit-remaining").as_deref(), Some("0"));
    spec.assert_problem(&v);
    sb.add_fault(FaultRule::new("x.tweet_lookup", FaultKind::UsageCap).count(1))
        .unwrap();
    let (st, _, v) = get_json(&c, &format!("{b}/2/tweets/{tid}"), &tok5).await;
    assert_eq!(st, 429);
    assert!(v["type"].as_str().unwrap().ends_with("/usage-capped"));
    spec.assert_problem(&v);
    sb.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn classic_naming_matches_openapi_2_166() {
    let spec = Spec::load("openapi-2.166.json", false);
    run_conformance(XNaming::Classic, &spec).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn current_naming_matches_openapi_2_167() {
    let spec = Spec::load("openapi.json", true);
    run_conformance(XNaming::Current, &spec).await;
    let _ = SandboxConfig::default();
}

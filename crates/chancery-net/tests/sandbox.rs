//! chancery-net against the real sandbox over loopback (no mocks): every wrapped endpoint,
//! paging to the end exactly once, both X naming schemes, the budget headers, every error class
//! (from the sandbox's real limits or its fault injection), and the OAuth flows.
//!
//! Every loop is bounded by a count and a deadline.

use std::collections::HashSet;
use std::time::Duration;

use chancery_model::items::ItemKind;
use chancery_net::graph::wire::GraphList;
use chancery_net::oauth::{FacebookLoginConfig, LoopbackOptions, TokenHint, XOAuth, XOAuthConfig};
use chancery_net::*;
use chancery_sandbox::{
    Credentials, FaultKind, FaultRule, Manifest, ManifestAccount, Sandbox, SandboxConfig, XNaming,
};
use secrecy::{ExposeSecret, SecretString};

async fn sandbox(config: SandboxConfig) -> (Sandbox, Manifest, NetConfig) {
    let sb = Sandbox::start(config, "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let m = sb.manifest();
    let cfg = NetConfig::with_bases(&m.x.api_base, &m.facebook.graph_api_base).unwrap();
    (sb, m, cfg)
}

fn small() -> SandboxConfig {
    SandboxConfig::default()
        .seed(11)
        .x_accounts(6)
        .fb_pages(6)
        .history_days(3)
}

fn x_accounts(m: &Manifest) -> Vec<&ManifestAccount> {
    m.accounts
        .iter()
        .filter(|a| matches!(a.credentials, Credentials::XUser { .. }))
        .collect()
}

fn fb_pages(m: &Manifest) -> Vec<&ManifestAccount> {
    m.accounts
        .iter()
        .filter(|a| matches!(a.credentials, Credentials::FacebookPage { .. }))
        .collect()
}

fn x_token(a: &ManifestAccount) -> SecretString {
    match &a.credentials {
        Credentials::XUser { access_token, .. } => SecretString::from(access_token.clone()),
        _ => panic!("not an X account"),
    }
}

fn x_refresh(a: &ManifestAccount) -> SecretString {
    match &a.credentials {
        Credentials::XUser { refresh_token, .. } => SecretString::from(refresh_token.clone()),
        _ => panic!("not an X account"),
    }
}

fn page_token(a: &ManifestAccount) -> SecretString {
    match &a.credentials {
        Credentials::FacebookPage {
            page_access_token, ..
        } => SecretString::from(page_access_token.clone()),
        _ => panic!("not a Page"),
    }
}

const DEADLINE: Duration = Duration::from_secs(90);

/// Does an error have the expected class?
type IsClass = fn(&NetError) -> bool;

/// Reads a mentions timeline to its end, checking that no post comes twice and that it ends.
async fn all_mentions(
    x: &XClient,
    auth: &Auth<'_>,
    user: &str,
) -> Vec<chancery_net::x::wire::XPostsPage> {
    let started = std::time::Instant::now();
    let mut query = TimelineQuery {
        max_results: Some(100),
        ..Default::default()
    };
    let mut pages = Vec::new();
    let mut seen = HashSet::new();
    for _ in 0..200 {
        assert!(started.elapsed() < DEADLINE, "paging took too long");
        let reply = x.mentions(auth, user, &query).await.unwrap();
        assert!(
            reply.budget.x_rate.is_some(),
            "every X answer carries x-rate-limit headers"
        );
        for p in &reply.data.posts {
            assert!(seen.insert(p.id.clone()), "post {} came twice", p.id);
        }
        let next = query.next(&reply.data);
        pages.push(reply.data);
        match next {
            Some(n) => query = n,
            None => return pages,
        }
    }
    panic!("the timeline did not end within 200 pages");
}

async fn check_naming(naming: XNaming) {
    let (_sb, m, cfg) = sandbox(small().x_naming(naming)).await;
    let x = XClient::new(&cfg).unwrap();
    let a = x_accounts(&m)[0];
    let tok = x_token(a);
    let auth = Auth::new(&tok, &a.id);
    let me = x.users_me(&auth).await.unwrap();
    assert_eq!(me.data.id, a.id);
    assert_eq!(me.data.username, a.username);
    let by_name = x
        .user_by_username(&auth, &format!("@{}", a.username))
        .await
        .unwrap();
    assert_eq!(by_name.data.id, a.id);

    let pages = all_mentions(&x, &auth, &a.id).await;
    assert!(
        pages.len() >= 2,
        "expected several pages, got {}",
        pages.len()
    );
    let mut kinds = HashSet::new();
    let mut total = 0;
    let mut last_id: Option<u128> = None;
    for page in &pages {
        assert!(page.malformed.is_empty(), "{:?}", page.malformed);
        let mapped = mapping::x_page(page, &a.id);
        assert!(mapped.malformed.is_empty(), "{:?}", mapped.malformed);
        for item in &mapped.items {
            kinds.insert(item.kind);
            let id: u128 = item.external_id.parse().unwrap();
            if let Some(prev) = last_id {
                assert!(id < prev, "timeline not newest first across pages");
            }
            last_id = Some(id);
            assert!(item
                .permalink
                .as_deref()
                .unwrap()
                .starts_with("https://x.com/"));
            assert!(!item.raw.is_empty());
        }
        total += mapped.items.len();
    }
    assert!(total > 50, "only {total} mentions");
    assert!(
        kinds.contains(&ItemKind::XMention) && kinds.contains(&ItemKind::XReply),
        "{kinds:?}"
    );
    // Referenced posts arrive under includes.tweets or includes.posts depending on the naming.
    assert!(
        pages.iter().any(|p| !p.includes.posts.is_empty()),
        "no expanded posts read"
    );
    assert!(pages
        .iter()
        .flat_map(|p| &p.posts)
        .any(|p| !p.referenced_tweets.is_empty()));
    assert!(pages
        .iter()
        .flat_map(|p| &p.posts)
        .all(|p| !p.edit_history_tweet_ids.is_empty()));

    // since_id: only newer than the newest seen, so nothing (or only brand-new posts).
    let newest = pages[0].meta.newest_id.clone().unwrap();
    let again = x
        .mentions(
            &auth,
            &a.id,
            &TimelineQuery {
                since_id: Some(newest.clone()),
                max_results: Some(5),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert!(again
        .data
        .posts
        .iter()
        .all(|p| p.id.parse::<u128>().unwrap() > newest.parse::<u128>().unwrap()));
}

#[tokio::test]
async fn x_classic_names_users_and_mentions_paged_to_the_end_once() {
    check_naming(XNaming::Classic).await;
}

#[tokio::test]
async fn x_current_names_users_and_mentions_paged_to_the_end_once() {
    check_naming(XNaming::Current).await;
}

#[tokio::test]
async fn x_posting_lookup_delete_media_and_write_errors() {
    for naming in [XNaming::Classic, XNaming::Current] {
        let (_sb, m, cfg) = sandbox(small().x_naming(naming)).await;
        let x = XClient::new(&cfg).unwrap();
        let accts = x_accounts(&m);
        let a = accts[0];
        let tok = x_token(a);
        let auth = Auth::new(&tok, &a.id);

        let own = x
            .user_posts(
                &auth,
                &a.id,
                &TimelineQuery {
                    max_results: Some(5),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        assert!(own
            .data
            .posts
            .iter()
            .all(|p| p.author_id.as_deref() == Some(a.id.as_str())));

        let text = format!("Consular hours change on Monday ({naming:?})");
        let created = x.create_post(&auth, &NewPost::text(&text)).await.unwrap();
        assert_eq!(created.status, 201);
        assert_eq!(created.data.text, text);
        assert_eq!(
            created.data.edit_history_tweet_ids,
            vec![created.data.id.clone()]
        );
        let looked = x.post(&auth, &created.data.id).await.unwrap();
        assert_eq!(looked.data.post.text, text);

        // The same text again: X's duplicate-content rule.
        let dup = x
            .create_post(&auth, &NewPost::text(&text))
            .await
            .unwrap_err();
        assert!(
            matches!(dup.error, NetError::DuplicatePost { .. }),
            "{dup:?}"
        );
        assert!(dup
            .error
            .plain_words()
            .contains("already posted exactly this text"));
        assert!(!dup.error.retryable());

        // A reply to a mention of the account is allowed; a quote too.
        let mentions = x
            .mentions(
                &auth,
                &a.id,
                &TimelineQuery {
                    max_results: Some(20),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        let mention = mentions
            .data
            .posts
            .iter()
            .find(|p| p.author_id.as_deref() != Some(a.id.as_str()))
            .unwrap();
        let reply = x
            .create_post(
                &auth,
                &NewPost::text("Thank you, we will look into it.").in_reply_to(&mention.id),
            )
            .await
            .unwrap();
        let reply_post = x.post(&auth, &reply.data.id).await.unwrap();
        assert_eq!(reply_post.data.post.replied_to(), Some(mention.id.as_str()));
        let quote = x
            .create_post(&auth, &NewPost::text("Worth reading.").quoting(&mention.id))
            .await
            .unwrap();
        assert_eq!(
            x.post(&auth, &quote.data.id)
                .await
                .unwrap()
                .data
                .post
                .quoted(),
            Some(mention.id.as_str())
        );

        // A reply to someone who did not mention the account: the Feb-2026 rule.
        let b = accts[1];
        let btok = x_token(b);
        let bauth = Auth::new(&btok, &b.id);
        let theirs = x
            .create_post(
                &bauth,
                &NewPost::text(format!("Unrelated announcement {naming:?}")),
            )
            .await
            .unwrap();
        let refused = x
            .create_post(
                &auth,
                &NewPost::text("Unsolicited reply").in_reply_to(&theirs.data.id),
            )
            .await
            .unwrap_err();
        assert!(
            matches!(refused.error, NetError::ReplyNotAllowed { .. }),
            "{refused:?}"
        );

        // Media: one simple upload, one chunked in several segments, attached to a post.
        let png = std::iter::repeat_n(0x89u8, 3000).collect::<Vec<u8>>();
        let simple = x.upload_media(&auth, &png, "image/png").await.unwrap();
        assert!(simple.data.is_ready());
        let video = vec![7u8; 2500];
        let chunked = x
            .upload_media_chunked(&auth, &video, "video/mp4", MediaCategory::TweetVideo, 1000)
            .await
            .unwrap();
        assert!(chunked.data.is_ready(), "{:?}", chunked.data);
        let with_media = x
            .create_post(
                &auth,
                &NewPost::text(format!("Photos from the reception {naming:?}"))
                    .with_media(vec![simple.data.id.clone(), chunked.data.id.clone()]),
            )
            .await
            .unwrap();

        // Delete; then it is gone.
        for id in [&created.data.id, &with_media.data.id] {
            let deleted = x.delete_post(&auth, id).await.unwrap();
            assert!(deleted.data);
        }
        let gone = x.post(&auth, &created.data.id).await.unwrap_err();
        assert!(matches!(gone.error, NetError::NotFound { .. }), "{gone:?}");
        let invalid = x
            .user_by_username(&auth, "not a handle!")
            .await
            .unwrap_err();
        assert!(matches!(invalid.error, NetError::InvalidRequest { .. }));
    }
}

#[tokio::test]
async fn x_rate_limit_429_at_a_compressed_window_then_recovers() {
    // 15 virtual minutes last 6 real seconds.
    let (_sb, m, cfg) = sandbox(small().time_scale(150.0)).await;
    let x = XClient::new(&cfg).unwrap();
    let a = x_accounts(&m)[2];
    let tok = x_token(a);
    let auth = Auth::new(&tok, &a.id);
    let started = std::time::Instant::now();
    let mut limited = None;
    let mut last_remaining = None;
    for _ in 0..2000 {
        assert!(started.elapsed() < DEADLINE);
        match x.users_me(&auth).await {
            Ok(r) => last_remaining = r.budget.x_rate.map(|w| w.remaining),
            Err(f) => {
                limited = Some(f);
                break;
            }
        }
    }
    let f = limited.expect("no 429 within 2000 calls");
    let NetError::RateLimited { reset_at, .. } = &f.error else {
        panic!("{f:?}")
    };
    let reset_at = reset_at.expect("the reset time comes from x-rate-limit-reset");
    assert_eq!(f.budget.x_rate.unwrap().remaining, 0);
    assert_eq!(last_remaining, Some(0));
    assert!(f.error.retryable());
    let now = chrono::Utc::now();
    assert_eq!(f.error.retry_at(now), Some(reset_at));
    assert!(f
        .budget
        .blocked_until(now - chrono::Duration::seconds(1))
        .is_some());
    // Wait until the reset (bounded), then it works again.
    let wait =
        (reset_at - chrono::Utc::now()).to_std().unwrap_or_default() + Duration::from_millis(1100);
    assert!(wait < Duration::from_secs(30), "{wait:?}");
    tokio::time::sleep(wait).await;
    x.users_me(&auth).await.unwrap();
}

#[tokio::test]
async fn x_faults_are_classified() {
    let (sb, m, mut cfg) = sandbox(small()).await;
    cfg.timeout = Duration::from_millis(1500);
    let x = XClient::new(&cfg).unwrap();
    let a = x_accounts(&m)[3];
    let tok = x_token(a);
    let auth = Auth::new(&tok, &a.id);
    let q = TimelineQuery {
        max_results: Some(10),
        ..Default::default()
    };
    let cases: Vec<(FaultKind, IsClass)> = vec![
        (FaultKind::Status { status: 503 }, |e| {
            matches!(e, NetError::Server { status: 503, .. })
        }),
        (FaultKind::Timeout, |e| {
            matches!(e, NetError::Timeout { .. })
        }),
        (FaultKind::Reset, |e| {
            matches!(e, NetError::ConnectionReset { .. })
        }),
        (FaultKind::Truncate, |e| {
            matches!(
                e,
                NetError::Malformed {
                    truncated: true,
                    ..
                }
            )
        }),
        (FaultKind::Malformed, |e| {
            matches!(e, NetError::Malformed { .. })
        }),
        (FaultKind::UsageCap, |e| {
            matches!(e, NetError::UsageCapped { .. })
        }),
        (FaultKind::RateLimit, |e| {
            matches!(e, NetError::RateLimited { .. })
        }),
    ];
    for (kind, ok) in cases {
        sb.clear_faults();
        sb.add_fault(FaultRule::new("x.mentions", kind.clone()).count(1))
            .unwrap();
        let f = x.mentions(&auth, &a.id, &q).await.unwrap_err();
        assert!(ok(&f.error), "{kind:?} gave {:?}", f.error);
        assert!(!f.error.plain_words().is_empty());
        if let NetError::Malformed { snippet, .. } = &f.error {
            assert!(snippet.chars().count() <= 201, "{snippet}");
        }
        // The fault was used up: the next call works.
        x.mentions(&auth, &a.id, &q).await.unwrap();
    }
    // A revoked token: 401, and it stays revoked.
    sb.add_fault(FaultRule::new("x.users_me", FaultKind::RevokeToken).count(1))
        .unwrap();
    let f = x.users_me(&auth).await.unwrap_err();
    assert!(f.error.needs_reauth(), "{f:?}");
    assert!(!f.error.retryable());
    let again = x.users_me(&auth).await.unwrap_err();
    assert!(
        matches!(again.error, NetError::Unauthorized { .. }),
        "{again:?}"
    );
}

async fn all_pages<T: chancery_net::graph::wire::FromGraph>(
    g: &GraphClient,
    endpoint: &'static str,
    auth: &Auth<'_>,
    first: GraphList<T>,
) -> Vec<GraphList<T>> {
    let started = std::time::Instant::now();
    let mut pages = vec![first];
    for _ in 0..500 {
        assert!(started.elapsed() < DEADLINE);
        let last = pages.last().unwrap();
        match g.next_page(endpoint, auth, last).await.unwrap() {
            Some(next) => pages.push(next.data),
            None => return pages,
        }
    }
    panic!("{endpoint} did not end within 500 pages");
}

#[tokio::test]
async fn graph_reads_paged_to_the_end_once_with_usage_headers() {
    let (_sb, m, cfg) = sandbox(small()).await;
    let g = GraphClient::new(&cfg).unwrap();
    assert_eq!(g.version(), "v24.0");
    let user = SecretString::from(m.facebook.user_access_token.clone());
    let uauth = Auth::new(&user, "officer");
    let me = g.me(&uauth).await.unwrap();
    assert_eq!(me.data.id, m.facebook.user_id);
    let accounts = g.me_accounts_all(&uauth, 10).await.unwrap();
    assert_eq!(accounts.data.len(), fb_pages(&m).len());
    assert!(
        accounts.budget.app_usage.is_some(),
        "user-token calls report X-App-Usage"
    );
    let p = fb_pages(&m)[0];
    let listed = accounts.data.iter().find(|a| a.id == p.id).unwrap();
    assert_eq!(
        listed.access_token.expose_secret(),
        page_token(p).expose_secret()
    );

    let tok = page_token(p);
    let auth = Auth::new(&tok, &p.id);
    let info = g.page(&auth, &p.id).await.unwrap();
    assert_eq!(info.data.id, p.id);
    assert!(
        info.budget
            .business_use_case
            .iter()
            .any(|b| b.business_id == p.id),
        "{:?}",
        info.budget
    );

    // Feed: every page once, each post once, time-ordered.
    let first = g
        .feed(
            &auth,
            &p.id,
            &ListQuery {
                limit: Some(25),
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .data;
    let feed = all_pages(&g, "graph.feed", &auth, first).await;
    let mut seen = HashSet::new();
    let mut visitor = 0;
    for page in &feed {
        assert!(page.malformed.is_empty());
        for post in &page.items {
            assert!(seen.insert(post.id.clone()), "{} twice", post.id);
        }
        let mapped = mapping::graph_posts(page, &p.id, ItemKind::FbVisitorPost);
        assert!(mapped.malformed.is_empty(), "{:?}", mapped.malformed);
        visitor += mapped.items.len();
    }
    assert!(
        feed.len() >= 2 && visitor > 0,
        "{} pages, {visitor} visitor posts",
        feed.len()
    );
    // The cursor way gives the same posts as following `next`.
    let mut q = ListQuery {
        limit: Some(25),
        ..Default::default()
    };
    let mut by_cursor = HashSet::new();
    for _ in 0..500 {
        let r = g.feed(&auth, &p.id, &q).await.unwrap().data;
        by_cursor.extend(r.items.iter().map(|i| i.id.clone()));
        match q.next(&r) {
            Some(n) => q = n,
            None => break,
        }
    }
    assert_eq!(by_cursor, seen);

    let tagged = g.tagged(&auth, &p.id, &ListQuery::default()).await.unwrap();
    let mapped = mapping::graph_posts(&tagged.data, &p.id, ItemKind::FbTaggedPost);
    assert!(mapped
        .items
        .iter()
        .all(|i| i.kind == ItemKind::FbTaggedPost));

    // Comments of the first post with comments: filter=stream, summary.
    let mut commented = None;
    for page in &feed {
        for post in &page.items {
            let c = g
                .comments(&auth, &post.id, &CommentsQuery::default())
                .await
                .unwrap();
            if !c.data.items.is_empty() {
                commented = Some((post.id.clone(), c.data));
                break;
            }
        }
        if commented.is_some() {
            break;
        }
    }
    let (post_id, comments) = commented.expect("some post has comments");
    let total = comments
        .summary
        .as_ref()
        .and_then(|s| s.total_count)
        .expect("summary.total_count");
    let all = all_pages(&g, "graph.comments", &auth, comments).await;
    let count: usize = all.iter().map(|p| p.items.len()).sum();
    assert_eq!(count as u64, total);
    let mapped = mapping::graph_comments(&all[0], &p.id, &post_id);
    assert!(mapped.malformed.is_empty());

    // Messenger.
    let convs = g
        .conversations(&auth, &p.id, &ListQuery::default())
        .await
        .unwrap()
        .data;
    let conv = convs.items.first().expect("a conversation");
    let msgs = g
        .messages(&auth, &conv.id, &ListQuery::default())
        .await
        .unwrap()
        .data;
    let mapped = mapping::graph_messages(&msgs, &p.id, &conv.id);
    assert!(!mapped.items.is_empty() || mapped.own > 0);
    assert!(mapped.items.iter().all(|i| i.kind == ItemKind::FbMessage));
}

#[tokio::test]
async fn graph_writes_and_errors() {
    let (sb, m, mut cfg) = sandbox(small().graph_page_hourly_limit(Some(40))).await;
    cfg.timeout = Duration::from_millis(1500);
    let g = GraphClient::new(&cfg).unwrap();
    let p = fb_pages(&m)[1];
    let tok = page_token(p);
    let auth = Auth::new(&tok, &p.id);

    let post = g
        .create_post(
            &auth,
            &p.id,
            &NewPagePost {
                message: Some("National day reception tonight".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let dup = g
        .create_post(
            &auth,
            &p.id,
            &NewPagePost {
                message: Some("National day reception tonight".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap_err();
    assert!(
        matches!(dup.error, NetError::DuplicatePost { .. }),
        "{dup:?}"
    );
    let photo = g
        .create_photo(
            &auth,
            &p.id,
            PhotoSource::Url("https://example.org/a.jpg".into()),
            Some("Reception"),
            true,
        )
        .await
        .unwrap();
    assert!(!photo.data.id.is_empty());
    let photo2 = g
        .create_photo(
            &auth,
            &p.id,
            PhotoSource::Bytes {
                bytes: vec![1, 2, 3, 4],
                media_type: "image/jpeg".into(),
            },
            None,
            true,
        )
        .await
        .unwrap();
    assert!(!photo2.data.id.is_empty());
    let comment = g
        .create_comment(&auth, &post.data.id, "First comment with the programme")
        .await
        .unwrap();
    // A Page hides visitors' comments (not its own): find one on its feed.
    let feed = g
        .feed(
            &auth,
            &p.id,
            &ListQuery {
                limit: Some(25),
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .data;
    let mut visitor_comment = None;
    for post in &feed.items {
        let c = g
            .comments(&auth, &post.id, &CommentsQuery::default())
            .await
            .unwrap()
            .data;
        if let Some(v) = c
            .items
            .iter()
            .find(|c| c.from.as_ref().is_some_and(|f| f.id != p.id))
        {
            visitor_comment = Some(v.id.clone());
            break;
        }
    }
    let visitor_comment = visitor_comment.expect("a visitor comment");
    assert!(
        g.set_comment_hidden(&auth, &visitor_comment, true)
            .await
            .unwrap()
            .data
    );
    assert!(
        g.set_comment_hidden(&auth, &visitor_comment, false)
            .await
            .unwrap()
            .data
    );
    let own_hidden = g
        .set_comment_hidden(&auth, &comment.data.id, true)
        .await
        .unwrap_err();
    assert!(
        matches!(own_hidden.error, NetError::InvalidRequest { .. }),
        "{own_hidden:?}"
    );
    assert!(g.delete(&auth, &comment.data.id).await.unwrap().data);
    assert!(g.delete(&auth, &post.data.id).await.unwrap().data);

    let q = ListQuery {
        limit: Some(5),
        ..Default::default()
    };
    let cases: Vec<(FaultKind, IsClass)> = vec![
        (
            FaultKind::GraphError {
                code: 368,
                subcode: None,
            },
            |e| matches!(e, NetError::PolicyBlock { .. }),
        ),
        (
            FaultKind::GraphError {
                code: 506,
                subcode: None,
            },
            |e| matches!(e, NetError::DuplicatePost { .. }),
        ),
        (
            FaultKind::GraphError {
                code: 190,
                subcode: Some(463),
            },
            |e| {
                matches!(
                    e,
                    NetError::Unauthorized {
                        problem: AuthProblem::Expired,
                        ..
                    }
                )
            },
        ),
        (
            FaultKind::GraphError {
                code: 200,
                subcode: None,
            },
            |e| matches!(e, NetError::Permission { .. }),
        ),
        (
            FaultKind::GraphError {
                code: 4,
                subcode: None,
            },
            |e| {
                matches!(
                    e,
                    NetError::Throttled {
                        scope: ThrottleScope::App,
                        ..
                    }
                )
            },
        ),
        (
            FaultKind::GraphError {
                code: 32,
                subcode: None,
            },
            |e| {
                matches!(
                    e,
                    NetError::Throttled {
                        scope: ThrottleScope::Page,
                        ..
                    }
                )
            },
        ),
        (
            FaultKind::GraphError {
                code: 80001,
                subcode: None,
            },
            |e| {
                matches!(
                    e,
                    NetError::Throttled {
                        scope: ThrottleScope::BusinessUseCase,
                        ..
                    }
                )
            },
        ),
        (FaultKind::Status { status: 500 }, |e| {
            matches!(e, NetError::Server { .. })
        }),
        (FaultKind::Timeout, |e| {
            matches!(e, NetError::Timeout { .. })
        }),
        (FaultKind::Reset, |e| {
            matches!(e, NetError::ConnectionReset { .. })
        }),
        (FaultKind::Truncate, |e| {
            matches!(
                e,
                NetError::Malformed {
                    truncated: true,
                    ..
                }
            )
        }),
        (FaultKind::Malformed, |e| {
            matches!(e, NetError::Malformed { .. })
        }),
    ];
    for (kind, ok) in cases {
        sb.clear_faults();
        sb.add_fault(FaultRule::new("graph.feed", kind.clone()).count(1))
            .unwrap();
        let f = g.feed(&auth, &p.id, &q).await.unwrap_err();
        assert!(ok(&f.error), "{kind:?} gave {:?}", f.error);
        if let NetError::Malformed { snippet, .. } = &f.error {
            assert!(!snippet.contains(tok.expose_secret()));
        }
    }
    sb.clear_faults();
    // Policy block in plain words.
    sb.add_fault(
        FaultRule::new(
            "graph.create_post",
            FaultKind::GraphError {
                code: 368,
                subcode: None,
            },
        )
        .count(1),
    )
    .unwrap();
    let blocked = g
        .create_post(
            &auth,
            &p.id,
            &NewPagePost {
                message: Some("x".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap_err();
    assert!(blocked
        .error
        .plain_words()
        .starts_with("Facebook has temporarily blocked posting from this Page"));

    // A revoked Page token: 190/460 and it stays revoked.
    sb.add_fault(FaultRule::new("graph.node", FaultKind::RevokeToken).count(1))
        .unwrap();
    let f = g.page(&auth, &p.id).await.unwrap_err();
    assert!(
        matches!(
            f.error,
            NetError::Unauthorized {
                subcode: Some(460),
                ..
            }
        ),
        "{f:?}"
    );
    assert!(g.page(&auth, &p.id).await.unwrap_err().error.needs_reauth());

    // The Page's real hourly limit (40 calls): code 32 or a BUC code, with usage headers.
    let other = fb_pages(&m)[2];
    let otok = page_token(other);
    let oauth = Auth::new(&otok, &other.id);
    let started = std::time::Instant::now();
    let mut throttled = None;
    for _ in 0..200 {
        assert!(started.elapsed() < DEADLINE);
        if let Err(f) = g.page(&oauth, &other.id).await {
            throttled = Some(f);
            break;
        }
    }
    let f = throttled.expect("the Page limit was never reached");
    assert!(matches!(f.error, NetError::Throttled { .. }), "{f:?}");
    assert!(f.budget.graph_max_percent() >= 100.0, "{:?}", f.budget);
    assert!(f.error.retryable());
}

#[tokio::test]
async fn x_pkce_flow_refresh_rotation_and_revoke() {
    let (_sb, m, cfg) = sandbox(small()).await;
    let a = x_accounts(&m)[4];
    let oauth = XOAuth::new(
        XOAuthConfig::new(
            &m.x.client_id,
            &m.x.authorize_url,
            &m.x.token_url,
            &m.x.revoke_url,
        )
        .unwrap(),
        &cfg,
    )
    .unwrap();
    let pending = oauth.start(&LoopbackOptions::default()).await.unwrap();
    let url = pending.authorize_url().clone();
    let pairs: std::collections::HashMap<_, _> = url.query_pairs().into_owned().collect();
    assert_eq!(
        pairs.get("code_challenge_method").map(String::as_str),
        Some("S256")
    );
    assert_eq!(pairs.get("response_type").map(String::as_str), Some("code"));
    assert!(pairs.get("scope").unwrap().contains("offline.access"));
    assert!(pairs
        .get("redirect_uri")
        .unwrap()
        .starts_with("http://127.0.0.1:"));
    // The browser: the sandbox's automation option approves at once and redirects to us.
    let mut auto = url.clone();
    auto.query_pairs_mut()
        .append_pair("sandbox_login", &a.username);
    let browser = tokio::spawn(async move {
        let client = reqwest::Client::builder().no_proxy().build().unwrap();
        let page = client.get(auto).send().await.unwrap();
        (page.status().as_u16(), page.text().await.unwrap())
    });
    let tokens = pending.finish(Duration::from_secs(20)).await.unwrap();
    let (status, body) = browser.await.unwrap();
    assert_eq!(status, 200);
    assert!(body.contains("close this window"), "{body}");
    assert!(
        tokens.scopes.iter().any(|s| s == "tweet.write"),
        "{:?}",
        tokens.scopes
    );
    assert!(tokens.expires_in.is_some());
    let refresh = tokens
        .refresh_token
        .clone()
        .expect("offline.access gives a refresh token");

    let x = XClient::new(&cfg).unwrap();
    let me = x
        .users_me(&Auth::new(&tokens.access_token, "new"))
        .await
        .unwrap();
    assert_eq!(me.data.id, a.id);

    // Refresh rotates: the new refresh token works, the old one no longer does.
    let second = oauth.refresh(&refresh).await.unwrap();
    let new_refresh = second.refresh_token.clone().unwrap();
    assert_ne!(new_refresh.expose_secret(), refresh.expose_secret());
    let reused = oauth.refresh(&refresh).await.unwrap_err();
    assert!(reused.error.needs_reauth(), "{reused:?}");
    let third = oauth.refresh(&new_refresh).await.unwrap();
    x.users_me(&Auth::new(&third.access_token, "new"))
        .await
        .unwrap();

    // The manifest's ready refresh token works too.
    let b = x_accounts(&m)[5];
    oauth.refresh(&x_refresh(b)).await.unwrap();

    // Revoke the access token: calls with it are refused.
    oauth
        .revoke(&third.access_token, TokenHint::AccessToken)
        .await
        .unwrap();
    let f = x
        .users_me(&Auth::new(&third.access_token, "new"))
        .await
        .unwrap_err();
    assert!(f.error.needs_reauth(), "{f:?}");
    // Revoke the refresh token: refreshing fails for good.
    let r = third.refresh_token.unwrap();
    oauth.revoke(&r, TokenHint::RefreshToken).await.unwrap();
    assert!(oauth.refresh(&r).await.unwrap_err().error.needs_reauth());
}

#[tokio::test]
async fn x_pkce_denied_and_wrong_state() {
    let (_sb, m, cfg) = sandbox(small()).await;
    let oauth = XOAuth::new(
        XOAuthConfig::new(
            &m.x.client_id,
            &m.x.authorize_url,
            &m.x.token_url,
            &m.x.revoke_url,
        )
        .unwrap(),
        &cfg,
    )
    .unwrap();
    let pending = oauth.start(&LoopbackOptions::default()).await.unwrap();
    let redirect = pending.redirect_uri().clone();
    let browser = tokio::spawn(async move {
        let client = reqwest::Client::builder().no_proxy().build().unwrap();
        client
            .get(format!("{redirect}?code=stolen&state=not-ours"))
            .send()
            .await
            .unwrap()
            .status()
            .as_u16()
    });
    let f = pending.finish(Duration::from_secs(10)).await.unwrap_err();
    assert!(
        matches!(
            f.error,
            NetError::OAuth {
                cancelled: false,
                ..
            }
        ),
        "{f:?}"
    );
    assert_eq!(browser.await.unwrap(), 400);
    // Nobody comes back: the wait ends.
    let pending = oauth.start(&LoopbackOptions::default()).await.unwrap();
    let f = pending
        .finish(Duration::from_millis(300))
        .await
        .unwrap_err();
    assert!(matches!(
        f.error,
        NetError::OAuth {
            cancelled: true,
            ..
        }
    ));
}

#[tokio::test]
async fn facebook_login_code_exchange_long_lived_and_page_tokens() {
    let (_sb, m, cfg) = sandbox(small()).await;
    let g = GraphClient::new(&cfg).unwrap();
    let login = FacebookLoginConfig::new(&m.facebook.app_id, &m.facebook.login_dialog_url).unwrap();
    let pending = login.start(&LoopbackOptions::default()).await.unwrap();
    let mut auto = pending.authorize_url().clone();
    assert!(auto
        .query_pairs()
        .any(|(k, v)| k == "scope" && v.contains("pages_show_list")));
    auto.query_pairs_mut()
        .append_pair("sandbox_login", "officer");
    let browser = tokio::spawn(async move {
        let client = reqwest::Client::builder().no_proxy().build().unwrap();
        client.get(auto).send().await.unwrap().status().as_u16()
    });
    let code = pending
        .wait_for_code(Duration::from_secs(20))
        .await
        .unwrap();
    assert_eq!(browser.await.unwrap(), 200);
    let secret = SecretString::from(m.facebook.app_secret.clone());
    let short = g
        .exchange_code(
            &m.facebook.app_id,
            &secret,
            code.redirect_uri.as_str(),
            &code.code,
        )
        .await
        .unwrap();
    let long = g
        .exchange_for_long_lived(&m.facebook.app_id, &secret, &short.data.access_token)
        .await
        .unwrap();
    assert!(long.data.expires_in.unwrap_or(u64::MAX) > short.data.expires_in.unwrap_or(0));
    let pages = g
        .me_accounts_all(&Auth::new(&long.data.access_token, "login"), 10)
        .await
        .unwrap();
    assert_eq!(pages.data.len(), fb_pages(&m).len());
    let p = &pages.data[0];
    g.page(&Auth::new(&p.access_token, &p.id), &p.id)
        .await
        .unwrap();
    // A used code cannot be exchanged again.
    let again = g
        .exchange_code(
            &m.facebook.app_id,
            &secret,
            code.redirect_uri.as_str(),
            &code.code,
        )
        .await
        .unwrap_err();
    assert!(!again.error.retryable(), "{again:?}");
    if let NetError::Malformed { snippet, .. } = &again.error {
        assert!(snippet.contains("withheld"));
    }
}

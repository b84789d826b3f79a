//! Carrying out one [`RequestSpec`] with chancery-net, and reading the answer into
//! network-independent [`PageFacts`], items and budget observations.

use chancery_model::items::{ItemKind, MalformedPayload, NewItem};
use chancery_net::graph::wire::{GraphList, GraphPost};
use chancery_net::mapping::{self, parse_graph_time, parse_x_time};
use chancery_net::{
    Auth, CommentOrder, CommentsQuery, GraphClient, ListQuery, NetFailure, TimelineQuery, XClient,
};
use chrono::{DateTime, Utc};
use secrecy::SecretString;

use crate::budget::{BudgetKey, Observation, Window};
use crate::stream::{FbEdge, PageFacts, RequestSpec, StreamState, SyncAccount};

/// The clients of both networks.
#[derive(Clone)]
pub struct Clients {
    pub x: XClient,
    pub graph: GraphClient,
}

/// One page read.
#[derive(Debug, Default)]
pub struct Fetched {
    pub facts: PageFacts,
    pub items: Vec<NewItem>,
    pub malformed: Vec<MalformedPayload>,
    pub budget: chancery_net::Budget,
    /// X post ids and user ids read (for the cost estimate).
    pub post_ids: Vec<String>,
    pub user_ids: Vec<String>,
}

fn graph_next<T>(list: &GraphList<T>) -> Option<String> {
    if list.paging.has_next() {
        list.paging.after.clone()
    } else {
        None
    }
}

fn times<'a>(
    it: impl Iterator<Item = Option<&'a str>>,
    graph: bool,
) -> (Option<DateTime<Utc>>, Option<DateTime<Utc>>) {
    let mut newest: Option<DateTime<Utc>> = None;
    let mut oldest: Option<DateTime<Utc>> = None;
    for t in it.flatten() {
        let parsed = if graph {
            parse_graph_time(t)
        } else {
            parse_x_time(t)
        };
        if let Some(t) = parsed {
            newest = Some(newest.map_or(t, |n| n.max(t)));
            oldest = Some(oldest.map_or(t, |o| o.min(t)));
        }
    }
    (newest, oldest)
}

/// Sends `spec` for `account` with `token`.
pub async fn fetch(
    clients: &Clients,
    account: &SyncAccount,
    stream: &StreamState,
    spec: &RequestSpec,
    token: &SecretString,
    page_size: u8,
    floor: DateTime<Utc>,
) -> Result<Fetched, NetFailure> {
    let label = account.id.to_string();
    let auth = Auth::new(token, &label);
    let id = account.external_id.as_str();
    let limit = Some(u32::from(page_size.clamp(1, 100)));
    match spec {
        RequestSpec::XMentions {
            since_id,
            until_id,
            pagination_token,
        } => {
            let q = TimelineQuery {
                since_id: since_id.clone(),
                until_id: until_id.clone(),
                pagination_token: pagination_token.clone(),
                max_results: Some(page_size.clamp(5, 100)),
                ..TimelineQuery::default()
            };
            let reply = clients.x.mentions(&auth, id, &q).await?;
            let page = reply.data;
            let mapped = mapping::x_page(&page, id);
            let (newest_time, oldest_time) =
                times(page.posts.iter().map(|p| p.created_at.as_deref()), false);
            let ids: Vec<&str> = page.posts.iter().map(|p| p.id.as_str()).collect();
            let newest_id = page
                .meta
                .newest_id
                .clone()
                .or_else(|| ids.first().map(|s| s.to_string()));
            let oldest_id = page
                .meta
                .oldest_id
                .clone()
                .or_else(|| ids.last().map(|s| s.to_string()));
            Ok(Fetched {
                facts: PageFacts {
                    entries: page.posts.len() + page.malformed.len(),
                    items: mapped.items.len(),
                    newest_id,
                    oldest_id,
                    newest_time,
                    oldest_time,
                    next: page.meta.next_token.clone(),
                    ..PageFacts::default()
                },
                post_ids: page.posts.iter().map(|p| p.id.clone()).collect(),
                user_ids: page.includes.users.iter().map(|u| u.id.clone()).collect(),
                items: mapped.items,
                malformed: mapped.malformed,
                budget: reply.budget,
            })
        }
        RequestSpec::FbPosts {
            edge,
            since,
            until,
            after,
        } => {
            let q = ListQuery {
                limit,
                after: after.clone(),
                since: *since,
                until: *until,
            };
            let reply = match edge {
                FbEdge::Feed => clients.graph.feed(&auth, id, &q).await?,
                FbEdge::Tagged => clients.graph.tagged(&auth, id, &q).await?,
            };
            let mut list = reply.data;
            let (newest_time, oldest_time) =
                times(list.items.iter().map(|p| p.created_time.as_deref()), true);
            let entries = list.items.len() + list.malformed.len();
            let next = graph_next(&list);
            let kind = match edge {
                FbEdge::Feed => {
                    // Posts tagging the Page also show in its feed; they are read as tagged posts.
                    let own_prefix = format!("{id}_");
                    list.items.retain(|p| p.id.starts_with(&own_prefix));
                    ItemKind::FbVisitorPost
                }
                FbEdge::Tagged => ItemKind::FbTaggedPost,
            };
            let mapped = mapping::graph_posts(&list, id, kind);
            Ok(Fetched {
                facts: PageFacts {
                    entries,
                    items: mapped.items.len(),
                    newest_time,
                    oldest_time,
                    next,
                    ..PageFacts::default()
                },
                items: mapped.items,
                malformed: mapped.malformed,
                budget: reply.budget,
                ..Fetched::default()
            })
        }
        RequestSpec::FbRecentPosts { since, after } => {
            let q = ListQuery {
                limit,
                after: after.clone(),
                since: Some(*since),
                until: None,
            };
            let reply = clients.graph.feed(&auth, id, &q).await?;
            let list: GraphList<GraphPost> = reply.data;
            let watermark = stream.position.since;
            let mut max_updated: Option<DateTime<Utc>> = None;
            let mut listed = Vec::new();
            for p in &list.items {
                let updated = p
                    .updated_time
                    .as_deref()
                    .and_then(parse_graph_time)
                    .or_else(|| p.created_time.as_deref().and_then(parse_graph_time));
                if let Some(u) = updated {
                    max_updated = Some(max_updated.map_or(u, |m| m.max(u)));
                }
                let own = p.from.as_ref().is_some_and(|f| f.id == id);
                let active = match (updated, watermark) {
                    (Some(u), Some(w)) => u >= w,
                    _ => true,
                };
                if own && active {
                    listed.push(p.id.clone());
                }
            }
            Ok(Fetched {
                facts: PageFacts {
                    entries: list.items.len(),
                    next: graph_next(&list),
                    listed,
                    max_updated,
                    ..PageFacts::default()
                },
                budget: reply.budget,
                ..Fetched::default()
            })
        }
        RequestSpec::FbComments {
            post_id,
            since,
            after,
        } => {
            let q = CommentsQuery {
                list: ListQuery {
                    limit,
                    after: after.clone(),
                    since: *since,
                    until: None,
                },
                order: CommentOrder::ReverseChronological,
                stream: true,
                summary: false,
            };
            let reply = clients.graph.comments(&auth, post_id, &q).await?;
            let list = reply.data;
            let (newest_time, oldest_time) =
                times(list.items.iter().map(|c| c.created_time.as_deref()), true);
            let mapped = mapping::graph_comments(&list, id, post_id);
            Ok(Fetched {
                facts: PageFacts {
                    entries: list.items.len() + list.malformed.len(),
                    items: mapped.items.len(),
                    newest_time,
                    oldest_time,
                    next: graph_next(&list),
                    ..PageFacts::default()
                },
                items: mapped.items,
                malformed: mapped.malformed,
                budget: reply.budget,
                ..Fetched::default()
            })
        }
        RequestSpec::FbConversations { after } => {
            let q = ListQuery {
                limit: Some(25),
                after: after.clone(),
                since: None,
                until: None,
            };
            let reply = clients.graph.conversations(&auth, id, &q).await?;
            let list = reply.data;
            // Never read before: conversations active within the horizon.
            let watermark = stream.position.since.or(Some(floor));
            let mut max_updated: Option<DateTime<Utc>> = None;
            let mut listed = Vec::new();
            let mut exhausted = false;
            for c in &list.items {
                let updated = c.updated_time.as_deref().and_then(parse_graph_time);
                if let Some(u) = updated {
                    max_updated = Some(max_updated.map_or(u, |m| m.max(u)));
                }
                match (updated, watermark) {
                    (Some(u), Some(w)) if u < w => exhausted = true,
                    _ => listed.push(c.id.clone()),
                }
            }
            Ok(Fetched {
                facts: PageFacts {
                    entries: list.items.len(),
                    next: graph_next(&list),
                    listed,
                    max_updated,
                    listing_exhausted: exhausted,
                    ..PageFacts::default()
                },
                budget: reply.budget,
                ..Fetched::default()
            })
        }
        RequestSpec::FbMessages {
            conversation_id,
            after,
        } => {
            let q = ListQuery {
                limit,
                after: after.clone(),
                since: None,
                until: None,
            };
            let reply = clients.graph.messages(&auth, conversation_id, &q).await?;
            let list = reply.data;
            let (newest_time, oldest_time) =
                times(list.items.iter().map(|m| m.created_time.as_deref()), true);
            let mapped = mapping::graph_messages(&list, id, conversation_id);
            Ok(Fetched {
                facts: PageFacts {
                    entries: list.items.len() + list.malformed.len(),
                    items: mapped.items.len(),
                    newest_time,
                    oldest_time,
                    next: graph_next(&list),
                    ..PageFacts::default()
                },
                items: mapped.items,
                malformed: mapped.malformed,
                budget: reply.budget,
                ..Fetched::default()
            })
        }
    }
}

/// What the headers of an answer (success or failure) said about `account`'s budgets.
pub fn observations(
    account: &SyncAccount,
    budget: &chancery_net::Budget,
) -> Vec<(BudgetKey, Observation)> {
    let mut out = Vec::new();
    if let Some(w) = budget.x_rate {
        out.push((
            BudgetKey::XUser(account.id),
            Observation::Window(Window {
                limit: w.limit,
                remaining: w.remaining,
                reset_at: w.reset_at,
            }),
        ));
    }
    let mut page_pct: Option<f64> = budget.page_usage.map(|u| u.max_percent());
    for b in &budget.business_use_case {
        if b.business_id == account.external_id || budget.business_use_case.len() == 1 {
            page_pct = Some(page_pct.map_or(b.max_percent(), |p| p.max(b.max_percent())));
        }
    }
    if let Some(p) = page_pct {
        out.push((BudgetKey::FbPage(account.id), Observation::Percent(p)));
    }
    if let Some(u) = budget.app_usage {
        out.push((BudgetKey::FbApp, Observation::Percent(u.max_percent())));
    }
    out
}

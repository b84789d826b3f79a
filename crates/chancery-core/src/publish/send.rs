//! One post to one network: upload the images, then the one request that creates the post.
//!
//! - X: each image through the v2 media upload (`chancery_net` picks the one-request upload
//!   for small images and the chunked one for larger files and GIFs), then `POST /2/tweets`
//!   with the text, `reply.in_reply_to_tweet_id` for replies and the media ids.
//! - Facebook: a Page post is `POST /{page}/feed`, or `POST /{page}/photos` (caption = text)
//!   with an image; a reply is `POST /{comment or post}/comments`.
//!
//! What matters for exactly-once is how the creating request ended: the network created the
//! post ([`Attempt::Posted`]), it answered with an error so nothing was created
//! ([`Attempt::Refused`]), or the answer never arrived whole so nobody knows
//! ([`Attempt::Unknown`]: the account's posts must be checked before anything is sent again).

use chancery_model::accounts::Network;
use chancery_net::x::wire::XCreatedPost;
use chancery_net::{Auth, Budget, NetError, NetFailure, NewPagePost, NewPost, PhotoSource};
use secrecy::SecretString;

use super::failpoint;
use crate::outbox::SendPayload;
use crate::App;

/// An image read from disk and checked against its approved SHA-256.
#[derive(Debug, Clone)]
pub(crate) struct Media {
    pub bytes: Vec<u8>,
    pub mime: String,
}

/// How the creating request ended.
#[derive(Debug)]
pub(crate) enum Attempt {
    /// The network created the post and gave its id.
    Posted { id: String, budget: Budget },
    /// The network answered with an error: nothing was created (an image upload that failed
    /// is also here: the post was never requested).
    Refused(NetFailure),
    /// The creating request failed without a clear answer (no answer in time, the connection
    /// broke, an unreadable answer, a server error): the post may exist.
    Unknown(NetFailure),
}

/// Could the post have been created although the request failed?
pub(crate) fn may_have_been_created(e: &NetError) -> bool {
    match e {
        NetError::Timeout { .. }
        | NetError::ConnectionReset { .. }
        | NetError::Malformed { .. }
        | NetError::Server { .. } => true,
        NetError::Unexpected { status, .. } => *status >= 500,
        _ => false,
    }
}

fn created(result: Result<chancery_net::Reply<String>, NetFailure>) -> Attempt {
    match result {
        Ok(r) => Attempt::Posted {
            id: r.data,
            budget: r.budget,
        },
        Err(f) if may_have_been_created(&f.error) => Attempt::Unknown(f),
        Err(f) => Attempt::Refused(f),
    }
}

/// Everything but the token, to send one prepared post.
pub(crate) struct Outgoing<'a> {
    pub network: Network,
    /// The X user id or the Page id.
    pub external_id: &'a str,
    /// The account label the network layer logs (its id, never a handle or a token).
    pub label: &'a str,
    pub payload: &'a SendPayload,
    pub media: &'a [Media],
}

/// Send `out` with `token`. Image uploads report their budgets to `on_budget`.
pub(crate) async fn send(
    app: &App,
    out: &Outgoing<'_>,
    token: &SecretString,
    on_budget: &(dyn Fn(&Budget) + Send + Sync),
) -> Attempt {
    let auth = Auth::new(token, out.label);
    let p = out.payload;
    match out.network {
        Network::X => {
            let mut media_ids = Vec::with_capacity(out.media.len());
            for m in out.media {
                match app.x_client().upload_media(&auth, &m.bytes, &m.mime).await {
                    Ok(r) => {
                        on_budget(&r.budget);
                        media_ids.push(r.data.id);
                    }
                    Err(f) => return Attempt::Refused(f),
                }
            }
            let mut post = NewPost::default();
            if !p.text.trim().is_empty() {
                post.text = Some(p.text.clone());
            }
            if let Some(r) = &p.reply_to_external_id {
                post = post.in_reply_to(r.clone());
            }
            if !media_ids.is_empty() {
                post = post.with_media(media_ids);
            }
            failpoint::hit(failpoint::BEFORE_REQUEST);
            let r = app.x_client().create_post(&auth, &post).await;
            created(r.map(|r| r.map(|c: XCreatedPost| c.id)))
        }
        Network::Facebook => {
            let graph = app.graph_client();
            if let Some(target) = &p.reply_to_external_id {
                if !out.media.is_empty() {
                    return Attempt::Refused(NetFailure::new(NetError::InvalidRequest {
                        network: Network::Facebook,
                        detail: "Chancery cannot attach an image to a Facebook comment reply yet; \
                                 send the reply without the image"
                            .into(),
                    }));
                }
                failpoint::hit(failpoint::BEFORE_REQUEST);
                let r = graph.create_comment(&auth, target, &p.text).await;
                return created(r.map(|r| r.map(|c| c.id)));
            }
            match out.media {
                [] => {
                    let post = NewPagePost {
                        message: Some(p.text.clone()),
                        ..NewPagePost::default()
                    };
                    failpoint::hit(failpoint::BEFORE_REQUEST);
                    let r = graph.create_post(&auth, out.external_id, &post).await;
                    created(r.map(|r| r.map(|c| c.id)))
                }
                [one] => {
                    let caption = (!p.text.trim().is_empty()).then_some(p.text.as_str());
                    failpoint::hit(failpoint::BEFORE_REQUEST);
                    let r = graph
                        .create_photo(
                            &auth,
                            out.external_id,
                            PhotoSource::Bytes {
                                bytes: one.bytes.clone(),
                                media_type: one.mime.clone(),
                            },
                            caption,
                            true,
                        )
                        .await;
                    // The photo's post (in the Page's feed) is what the post is.
                    created(r.map(|r| r.map(|c| c.post_id.unwrap_or(c.id))))
                }
                _ => Attempt::Refused(NetFailure::new(NetError::InvalidRequest {
                    network: Network::Facebook,
                    detail: "Chancery can post only one image per Facebook post for now; \
                             split the images into several posts"
                        .into(),
                })),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn which_failures_may_have_created_the_post() {
        let maybe = [
            NetError::Timeout {
                endpoint: "x.create_tweet".into(),
            },
            NetError::ConnectionReset {
                endpoint: "x.create_tweet".into(),
                detail: "reset".into(),
            },
            NetError::Malformed {
                endpoint: "x.create_tweet".into(),
                status: 201,
                truncated: true,
                reason: "cut".into(),
                snippet: String::new(),
            },
            NetError::Server {
                network: Network::X,
                status: 503,
                detail: "down".into(),
            },
        ];
        assert!(maybe.iter().all(may_have_been_created));
        let not = [
            NetError::Connect {
                endpoint: "x.create_tweet".into(),
                detail: "refused".into(),
            },
            NetError::DuplicatePost {
                network: Network::X,
                detail: "dup".into(),
            },
            NetError::RateLimited {
                network: Network::X,
                reset_at: None,
                detail: "429".into(),
            },
            NetError::PolicyBlock {
                detail: "368".into(),
            },
        ];
        assert!(!not.iter().any(may_have_been_created));
    }
}

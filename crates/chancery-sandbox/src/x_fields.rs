//! X field selection (`tweet.fields`, `user.fields`, `expansions`, `media.fields`) and problem
//! bodies.

use serde_json::{json, Value};

use crate::config::XNaming;

pub(crate) mod tf {
    pub(crate) const ATTACHMENTS: u32 = 1;
    pub(crate) const AUTHOR_ID: u32 = 1 << 1;
    pub(crate) const CONVERSATION_ID: u32 = 1 << 2;
    pub(crate) const CREATED_AT: u32 = 1 << 3;
    pub(crate) const EDIT_CONTROLS: u32 = 1 << 4;
    pub(crate) const ENTITIES: u32 = 1 << 5;
    pub(crate) const IN_REPLY_TO: u32 = 1 << 6;
    pub(crate) const LANG: u32 = 1 << 7;
    pub(crate) const PUBLIC_METRICS: u32 = 1 << 8;
    pub(crate) const POSSIBLY_SENSITIVE: u32 = 1 << 9;
    pub(crate) const REFERENCED: u32 = 1 << 10;
    pub(crate) const REPLY_SETTINGS: u32 = 1 << 11;
}

pub(crate) mod uf {
    pub(crate) const CREATED_AT: u32 = 1;
    pub(crate) const DESCRIPTION: u32 = 1 << 1;
    pub(crate) const LOCATION: u32 = 1 << 2;
    pub(crate) const PROFILE_IMAGE: u32 = 1 << 3;
    pub(crate) const PROTECTED: u32 = 1 << 4;
    pub(crate) const PUBLIC_METRICS: u32 = 1 << 5;
    pub(crate) const URL: u32 = 1 << 6;
    pub(crate) const VERIFIED: u32 = 1 << 7;
    pub(crate) const VERIFIED_TYPE: u32 = 1 << 8;
}

pub(crate) mod ex {
    pub(crate) const AUTHOR: u32 = 1;
    pub(crate) const REPLY_USER: u32 = 1 << 1;
    pub(crate) const MENTIONS: u32 = 1 << 2;
    pub(crate) const REFERENCED: u32 = 1 << 3;
    pub(crate) const REFERENCED_AUTHOR: u32 = 1 << 4;
    pub(crate) const MEDIA: u32 = 1 << 5;
}

pub(crate) mod mf {
    pub(crate) const URL: u32 = 1;
    pub(crate) const WIDTH: u32 = 1 << 1;
    pub(crate) const HEIGHT: u32 = 1 << 2;
    pub(crate) const PREVIEW: u32 = 1 << 3;
    pub(crate) const ALT: u32 = 1 << 4;
}

const TWEET_FIELDS: &[(&str, u32)] = &[
    ("attachments", tf::ATTACHMENTS),
    ("author_id", tf::AUTHOR_ID),
    ("card_uri", 0),
    ("community_id", 0),
    ("context_annotations", 0),
    ("conversation_id", tf::CONVERSATION_ID),
    ("created_at", tf::CREATED_AT),
    ("display_text_range", 0),
    ("edit_controls", tf::EDIT_CONTROLS),
    ("edit_history_tweet_ids", 0),
    ("edit_history_post_ids", 0),
    ("entities", tf::ENTITIES),
    ("geo", 0),
    ("id", 0),
    ("in_reply_to_user_id", tf::IN_REPLY_TO),
    ("lang", tf::LANG),
    ("media_metadata", 0),
    ("non_public_metrics", 0),
    ("note_tweet", 0),
    ("organic_metrics", 0),
    ("possibly_sensitive", tf::POSSIBLY_SENSITIVE),
    ("promoted_metrics", 0),
    ("public_metrics", tf::PUBLIC_METRICS),
    ("referenced_tweets", tf::REFERENCED),
    ("referenced_posts", tf::REFERENCED),
    ("reply_settings", tf::REPLY_SETTINGS),
    ("scopes", 0),
    ("source", 0),
    ("text", 0),
    ("withheld", 0),
];

const USER_FIELDS: &[(&str, u32)] = &[
    ("affiliation", 0),
    ("connection_status", 0),
    ("created_at", uf::CREATED_AT),
    ("description", uf::DESCRIPTION),
    ("entities", 0),
    ("id", 0),
    ("is_identity_verified", 0),
    ("location", uf::LOCATION),
    ("most_recent_tweet_id", 0),
    ("name", 0),
    ("parody", 0),
    ("pinned_tweet_id", 0),
    ("profile_banner_url", 0),
    ("profile_image_url", uf::PROFILE_IMAGE),
    ("protected", uf::PROTECTED),
    ("public_metrics", uf::PUBLIC_METRICS),
    ("receives_your_dm", 0),
    ("subscription_type", 0),
    ("url", uf::URL),
    ("username", 0),
    ("verified", uf::VERIFIED),
    ("verified_type", uf::VERIFIED_TYPE),
    ("withheld", 0),
];

const TWEET_EXPANSIONS: &[(&str, u32)] = &[
    ("article.cover_media", 0),
    ("article.media_entities", 0),
    ("attachments.media_keys", ex::MEDIA),
    ("attachments.media_source_tweet", 0),
    ("attachments.poll_ids", 0),
    ("author_id", ex::AUTHOR),
    ("edit_history_tweet_ids", 0),
    ("edit_history_post_ids", 0),
    ("entities.mentions.username", ex::MENTIONS),
    ("geo.place_id", 0),
    ("in_reply_to_user_id", ex::REPLY_USER),
    ("entities.note.mentions.username", 0),
    ("referenced_tweets.id", ex::REFERENCED),
    ("referenced_tweets.id.author_id", ex::REFERENCED_AUTHOR),
    ("referenced_posts.id", ex::REFERENCED),
    ("referenced_posts.id.author_id", ex::REFERENCED_AUTHOR),
];

const USER_EXPANSIONS: &[(&str, u32)] = &[
    ("affiliation.user_id", 0),
    ("most_recent_tweet_id", 0),
    ("pinned_tweet_id", 0),
];

const MEDIA_FIELDS: &[(&str, u32)] = &[
    ("alt_text", mf::ALT),
    ("duration_ms", 0),
    ("height", mf::HEIGHT),
    ("media_key", 0),
    ("non_public_metrics", 0),
    ("organic_metrics", 0),
    ("preview_image_url", mf::PREVIEW),
    ("promoted_metrics", 0),
    ("public_metrics", 0),
    ("type", 0),
    ("url", mf::URL),
    ("variants", 0),
    ("width", mf::WIDTH),
];

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Fields {
    pub(crate) tweet: u32,
    pub(crate) user: u32,
    pub(crate) exp: u32,
    pub(crate) media: u32,
}

/// A query parameter error, turned into an invalid-request problem.
#[derive(Debug)]
pub(crate) struct ParamError {
    pub(crate) parameter: String,
    pub(crate) value: String,
    pub(crate) message: String,
}

impl ParamError {
    pub(crate) fn new(parameter: &str, value: &str, message: String) -> Self {
        ParamError {
            parameter: parameter.into(),
            value: value.into(),
            message,
        }
    }
}

fn parse_set(param: &str, value: &str, table: &[(&str, u32)]) -> Result<u32, ParamError> {
    let mut bits = 0;
    for v in value.split(',').map(str::trim) {
        match table.iter().find(|(n, _)| *n == v) {
            Some((_, b)) => bits |= b,
            None => {
                let names: Vec<&str> = table.iter().map(|(n, _)| *n).collect();
                return Err(ParamError::new(
                    param,
                    v,
                    format!(
                        "The `{param}` query parameter value [{v}] is not one of [{}]",
                        names.join(",")
                    ),
                ));
            }
        }
    }
    Ok(bits)
}

/// Which kind of primary object the endpoint returns (decides which expansions are valid).
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Primary {
    Tweet,
    User,
}

impl Fields {
    /// Reads one query parameter if it is a field selector. `Ok(false)` means "not mine".
    pub(crate) fn take(&mut self, primary: Primary, k: &str, v: &str) -> Result<bool, ParamError> {
        match k {
            "tweet.fields" | "post.fields" => self.tweet |= parse_set(k, v, TWEET_FIELDS)?,
            "user.fields" => self.user |= parse_set(k, v, USER_FIELDS)?,
            "media.fields" => self.media |= parse_set(k, v, MEDIA_FIELDS)?,
            "poll.fields" | "place.fields" => {}
            "expansions" => {
                self.exp |= match primary {
                    Primary::Tweet => parse_set(k, v, TWEET_EXPANSIONS)?,
                    Primary::User => parse_set(k, v, USER_EXPANSIONS)?,
                }
            }
            _ => return Ok(false),
        }
        Ok(true)
    }
}

pub(crate) fn problem_base(naming: XNaming) -> &'static str {
    match naming {
        XNaming::Classic => "https://api.twitter.com/2/problems/",
        XNaming::Current => "https://api.x.com/2/problems/",
    }
}

pub(crate) fn invalid_request(naming: XNaming, errs: &[ParamError]) -> Value {
    let errors: Vec<Value> = errs
        .iter()
        .map(|e| json!({"parameters": {e.parameter.clone(): [e.value.clone()]}, "message": e.message}))
        .collect();
    let mut v = json!({
        "errors": errors,
        "title": "Invalid Request",
        "detail": "One or more parameters to your request was invalid.",
        "type": format!("{}invalid-request", problem_base(naming)),
    });
    if naming == XNaming::Current {
        if let (Some(obj), Some(first)) = (v.as_object_mut(), errs.first()) {
            obj.insert("parameter".into(), json!(first.parameter));
            obj.insert("value".into(), json!(first.value));
        }
    }
    v
}

/// `resource-not-found` (as a partial error or as the body of a 404).
pub(crate) fn not_found(
    naming: XNaming,
    resource_type: &str,
    parameter: &str,
    value: &str,
    detail: String,
) -> Value {
    json!({
        "value": value,
        "detail": detail,
        "title": "Not Found Error",
        "resource_type": resource_type,
        "parameter": parameter,
        "resource_id": value,
        "type": format!("{}resource-not-found", problem_base(naming)),
    })
}

pub(crate) fn generic(status: u16, title: &str, detail: &str) -> Value {
    json!({"title": title, "detail": detail, "type": "about:blank", "status": status})
}

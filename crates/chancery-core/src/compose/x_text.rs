//! X's text rules: the weighted character count (twitter-text v3, what X uses for its
//! 280-character limit) and the entities (mentions, URLs, hashtags) in a post.
//!
//! The counting and parsing are the `twitter-text` crate's; this module is the one place the
//! rest of Chancery touches it, so that every caller gets the same numbers and the same
//! index convention. All indices here are **UTF-16 code units of the text as typed** (the
//! unit JavaScript strings use, so the UI can highlight with them directly); ranges over the
//! whole text are inclusive (`display`/`valid`, as in twitter-text), entity ranges are
//! half-open `[start, end)`.

pub use chancery_model::drafts::{Utf16Span, XCount};
use serde::Serialize;
use specta::Type;
use twitter_text::extractor::{Extract, Extractor};
use twitter_text_config::Configuration;

/// Which counting rules to apply. Chancery counts with [`XRules::V3`]; the other versions are
/// here for the conformance suite (which checks each).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum XRules {
    /// Weighted (CJK etc. count 2), emoji are not grouped.
    V2,
    /// V2 plus every emoji sequence counts as one unit of weight 2. What X uses today.
    V3,
}

impl XRules {
    fn config(self) -> &'static Configuration {
        match self {
            XRules::V2 => twitter_text_config::config_v2(),
            XRules::V3 => twitter_text_config::config_v3(),
        }
    }
}

/// Count `text` by X's rules (v3).
pub fn count(text: &str) -> XCount {
    count_with(text, XRules::V3)
}

/// Count `text` by the given rules.
pub fn count_with(text: &str, rules: XRules) -> XCount {
    let config = rules.config();
    let max = u32::try_from(config.max_weighted_tweet_length).unwrap_or(280);
    if text.is_empty() {
        return XCount {
            weighted_length: 0,
            max_weighted_length: max,
            permillage: 0,
            valid: false,
            display_range: None,
            valid_range: None,
            over_limit: None,
        };
    }
    let r = twitter_text::parse(text, config, true);
    let to_u32 = |v: i32| u32::try_from(v).unwrap_or(0);
    let display = Utf16Span {
        start: to_u32(r.display_text_range.start()),
        end: to_u32(r.display_text_range.end()),
    };
    let valid = Utf16Span {
        start: to_u32(r.valid_text_range.start()),
        end: to_u32(r.valid_text_range.end()),
    };
    let over_limit = (valid.end < display.end).then(|| Utf16Span {
        start: valid.end + 1,
        end: display.end,
    });
    XCount {
        weighted_length: to_u32(r.weighted_length),
        max_weighted_length: max,
        permillage: to_u32(r.permillage),
        valid: r.is_valid,
        display_range: Some(display),
        valid_range: Some(valid),
        over_limit,
    }
}

/// What kind of entity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum XEntityKind {
    Mention,
    Url,
    Hashtag,
    Cashtag,
}

/// A mention, URL, hashtag or cashtag found in a text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct XEntity {
    pub kind: XEntityKind,
    /// Without the `@`, `#` or `$`; URLs as written.
    pub value: String,
    /// `/slug` for `@user/list` mentions, else empty.
    pub list_slug: String,
    /// Half-open UTF-16 range `[start, end)` in the text.
    pub start: u32,
    pub end: u32,
}

fn convert(kind: XEntityKind, e: &twitter_text::entity::Entity<'_>) -> XEntity {
    XEntity {
        kind,
        value: e.get_value().to_string(),
        list_slug: e.get_list_slug().to_string(),
        start: u32::try_from(e.get_start()).unwrap_or(0),
        end: u32::try_from(e.get_end()).unwrap_or(0),
    }
}

/// @mentions (screen names only, not lists), in order.
pub fn mentions(text: &str) -> Vec<XEntity> {
    Extractor::new()
        .extract_mentioned_screennames_with_indices(text)
        .iter()
        .map(|e| convert(XEntityKind::Mention, e))
        .collect()
}

/// @mentions and @user/list references, in order.
pub fn mentions_or_lists(text: &str) -> Vec<XEntity> {
    Extractor::new()
        .extract_mentions_or_lists_with_indices(text)
        .iter()
        .map(|e| convert(XEntityKind::Mention, e))
        .collect()
}

/// The screen name a text replies to (a mention at its very start), if any.
pub fn reply_to(text: &str) -> Option<String> {
    Extractor::new()
        .extract_reply_username(text)
        .map(|e| e.get_value().to_string())
}

/// URLs (with or without a protocol), in order.
pub fn urls(text: &str) -> Vec<XEntity> {
    Extractor::new()
        .extract_urls_with_indices(text)
        .iter()
        .map(|e| convert(XEntityKind::Url, e))
        .collect()
}

/// Hashtags, in order.
pub fn hashtags(text: &str) -> Vec<XEntity> {
    Extractor::new()
        .extract_hashtags_with_indices(text)
        .iter()
        .map(|e| convert(XEntityKind::Hashtag, e))
        .collect()
}

/// Cashtags, in order.
pub fn cashtags(text: &str) -> Vec<XEntity> {
    Extractor::new()
        .extract_cashtags_with_indices(text)
        .iter()
        .map(|e| convert(XEntityKind::Cashtag, e))
        .collect()
}

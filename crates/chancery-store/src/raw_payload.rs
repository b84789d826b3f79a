//! The network payloads kept with each item (and in the quarantine), zstd-compressed.
//!
//! `raw_format` 0: the UTF-8 JSON as received (short payloads, or when compression does not
//! shrink it); 1: zstd frame of that JSON; 2: zstd frame compressed with [`DICTIONARY_V1`].
//!
//! A payload of a single post or comment is ~0.5–2 KB, too short for zstd to learn much from:
//! most of it is field names and structure that every payload repeats. A raw-content
//! dictionary made of the shape of X API v2 and Graph API objects gives zstd those strings up
//! front. The dictionary is part of the storage format: never change it; add a new one with a
//! new `raw_format` instead.

use std::cell::RefCell;

use crate::error::{StoreError, StoreResult};

pub(crate) const FORMAT_PLAIN: i64 = 0;
pub(crate) const FORMAT_ZSTD: i64 = 1;
pub(crate) const FORMAT_ZSTD_DICT_V1: i64 = 2;

/// Raw-content zstd dictionary v1: the shape of X API v2 posts and users and of Graph API
/// comments, posts and messages (field names, common values). Frozen.
pub(crate) const DICTIONARY_V1: &[u8] = br#"{"id":"","message":"","created_time":"+0000","from":{"name":"","id":""},"permalink_url":"https://www.facebook.com/","like_count":0,"comment_count":0,"can_hide":true,"can_remove":true,"is_hidden":false,"can_reply_privately":true,"message_tags":[{"id":"","name":"","type":"page","offset":0,"length":0}],"parent":{"id":""},"attachment":{"type":"photo","url":"https://scontent.xx.fbcdn.net/v/","media":{"image":{"height":720,"width":960,"src":"https://scontent.xx.fbcdn.net/v/"}},"target":{"id":"","url":"https://www.facebook.com/photo.php?fbid="}},"story":"","status_type":"mobile_status_update","is_published":true,"to":{"data":[{"name":"","id":""}]},"messages":{"data":[{"id":"m_","message":"","created_time":"","from":{"name":"","email":"@facebook.com","id":""},"to":{"data":[{"name":"","id":""}]}}]},"paging":{"cursors":{"before":"","after":""},"next":"https://graph.facebook.com/v21.0/"}}
{"data":{"id":"","text":"","author_id":"","conversation_id":"","created_at":"T00:00:00.000Z","lang":"en","edit_history_tweet_ids":[""],"in_reply_to_user_id":"","referenced_tweets":[{"type":"replied_to","id":""}],"entities":{"mentions":[{"start":0,"end":0,"username":"","id":""}],"hashtags":[{"start":0,"end":0,"tag":""}],"urls":[{"start":0,"end":0,"url":"https://t.co/","expanded_url":"https://","display_url":"","status":200,"unwound_url":"https://"}],"annotations":[{"start":0,"end":0,"probability":0.9,"type":"Place","normalized_text":""}],"cashtags":[{"start":0,"end":0,"tag":""}]},"public_metrics":{"retweet_count":0,"reply_count":0,"like_count":0,"quote_count":0,"bookmark_count":0,"impression_count":0},"possibly_sensitive":false,"reply_settings":"everyone","source":"Twitter for iPhone","context_annotations":[{"domain":{"id":"","name":"","description":""},"entity":{"id":"","name":""}}],"attachments":{"media_keys":["3_"]},"geo":{"place_id":""}},"includes":{"users":[{"id":"","name":"","username":"","verified":false,"verified_type":"none","protected":false,"profile_image_url":"https://pbs.twimg.com/profile_images/_normal.jpg","created_at":"T00:00:00.000Z","description":"","location":"","url":"https://t.co/","public_metrics":{"followers_count":0,"following_count":0,"tweet_count":0,"listed_count":0,"like_count":0,"media_count":0}}],"media":[{"media_key":"3_","type":"photo","url":"https://pbs.twimg.com/media/.jpg","width":1200,"height":675}],"tweets":[{"id":"","text":"","author_id":"","created_at":"","conversation_id":""}]},"meta":{"newest_id":"","oldest_id":"","result_count":0,"next_token":""}}"#;

/// zstd level: 3 is zstd's default; at these sizes (0.3–5 KB) it is as fast as level 1 and
/// smaller.
const LEVEL: i32 = 3;
/// Below this, the zstd frame overhead is not worth it.
const MIN_COMPRESS: usize = 96;

thread_local! {
    static COMPRESSOR: RefCell<Option<zstd::bulk::Compressor<'static>>> = const { RefCell::new(None) };
    static DECOMPRESSOR: RefCell<Option<zstd::bulk::Decompressor<'static>>> = const { RefCell::new(None) };
}

/// Longest payload decoded (the store accepts at most 4 MiB into the quarantine).
const MAX_DECODED: usize = 8 << 20;

/// Encode a payload for storage: `(format, bytes)`.
pub(crate) fn encode(raw: &str) -> (i64, Vec<u8>) {
    if raw.len() < MIN_COMPRESS {
        return (FORMAT_PLAIN, raw.as_bytes().to_vec());
    }
    let compressed = COMPRESSOR.with(|cell| {
        let mut slot = cell.borrow_mut();
        if slot.is_none() {
            *slot = zstd::bulk::Compressor::with_dictionary(LEVEL, DICTIONARY_V1).ok();
        }
        slot.as_mut().and_then(|c| c.compress(raw.as_bytes()).ok())
    });
    match compressed {
        Some(bytes) if bytes.len() < raw.len() => (FORMAT_ZSTD_DICT_V1, bytes),
        _ => (FORMAT_PLAIN, raw.as_bytes().to_vec()),
    }
}

/// Decode a stored payload back to the JSON text.
pub(crate) fn decode(format: i64, bytes: Vec<u8>) -> StoreResult<String> {
    let plain = match format {
        FORMAT_PLAIN => bytes,
        FORMAT_ZSTD => zstd::stream::decode_all(bytes.as_slice())
            .map_err(|e| StoreError::Corrupt(format!("raw payload does not decompress: {e}")))?,
        FORMAT_ZSTD_DICT_V1 => DECOMPRESSOR
            .with(|cell| {
                let mut slot = cell.borrow_mut();
                if slot.is_none() {
                    *slot = zstd::bulk::Decompressor::with_dictionary(DICTIONARY_V1).ok();
                }
                slot.as_mut().map(|d| d.decompress(&bytes, MAX_DECODED))
            })
            .ok_or_else(|| StoreError::Corrupt("zstd is not usable".into()))?
            .map_err(|e| StoreError::Corrupt(format!("raw payload does not decompress: {e}")))?,
        other => {
            return Err(StoreError::Corrupt(format!(
                "unknown raw payload format {other}"
            )))
        }
    };
    String::from_utf8(plain).map_err(|_| StoreError::Corrupt("raw payload is not UTF-8".into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_short_and_long_payloads() {
        let short = r#"{"id":"1"}"#;
        assert_eq!(encode(short).0, FORMAT_PLAIN);
        let long = format!(
            r#"{{"data":[{}]}}"#,
            vec![r#"{"id":"123","text":"hello"}"#; 50].join(",")
        );
        let (format, bytes) = encode(&long);
        assert_eq!(format, FORMAT_ZSTD_DICT_V1);
        assert!(bytes.len() < long.len() / 4);
        assert_eq!(decode(format, bytes).unwrap(), long);
        // Frames without the dictionary (format 1) still decode.
        let plain_frame = zstd::bulk::compress(long.as_bytes(), 3).unwrap();
        assert_eq!(decode(FORMAT_ZSTD, plain_frame).unwrap(), long);
        assert_eq!(
            decode(FORMAT_PLAIN, short.as_bytes().to_vec()).unwrap(),
            short
        );
        assert!(decode(7, vec![]).is_err());
        assert!(decode(FORMAT_ZSTD, b"not zstd".to_vec()).is_err());
        assert!(decode(FORMAT_ZSTD_DICT_V1, b"not zstd".to_vec()).is_err());
    }

    #[test]
    fn the_dictionary_shrinks_a_typical_post() {
        let post = r#"{"data":{"id":"1851234567890123456","text":"@MFA_Acc1 thank you for the visa help","author_id":"123456","conversation_id":"1851234567890123456","created_at":"2026-03-01T12:00:00.000Z","lang":"en","edit_history_tweet_ids":["1851234567890123456"],"entities":{"mentions":[{"start":0,"end":9,"username":"MFA_Acc1","id":"1000000001"}]},"public_metrics":{"retweet_count":0,"reply_count":1,"like_count":3,"quote_count":0,"bookmark_count":0,"impression_count":120}},"includes":{"users":[{"id":"123456","name":"Some One","username":"someone","verified":false,"profile_image_url":"https://pbs.twimg.com/profile_images/1/photo_normal.jpg","created_at":"2015-04-02T10:11:12.000Z","description":"","public_metrics":{"followers_count":10,"following_count":20,"tweet_count":30,"listed_count":0}}]}}"#;
        let with_dict = encode(post).1.len();
        let without = zstd::bulk::compress(post.as_bytes(), LEVEL).unwrap().len();
        assert!(with_dict * 10 < without * 7, "{with_dict} vs {without}");
    }
}

//! What clients wrote to the X side: posts, deletions, media uploads. In memory only.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, RwLock};

use crate::xgen::UserRef;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum EntityKind {
    Mention(UserRef),
    Hashtag,
    Url,
}

#[derive(Debug, Clone)]
pub(crate) struct StoredEntity {
    pub(crate) kind: EntityKind,
    /// Code-point offsets, end exclusive.
    pub(crate) start: u32,
    pub(crate) end: u32,
    /// The entity's text (username without `@`, tag without `#`, or the URL).
    pub(crate) text: String,
}

#[derive(Debug)]
pub(crate) struct StoredTweet {
    pub(crate) id: u64,
    pub(crate) account: usize,
    pub(crate) text_esc: String,
    pub(crate) ts_ms: i64,
    pub(crate) reply_to: Option<(u64, UserRef)>,
    pub(crate) conv: u64,
    pub(crate) quote: Option<u64>,
    pub(crate) media_keys: Vec<String>,
    pub(crate) lang: &'static str,
    pub(crate) entities: Vec<StoredEntity>,
}

#[derive(Debug, Clone)]
pub(crate) struct MediaUpload {
    pub(crate) id: u64,
    pub(crate) owner: usize,
    pub(crate) media_type: String,
    pub(crate) total_bytes: u64,
    pub(crate) received: u64,
    pub(crate) segments: u32,
    pub(crate) finalized: bool,
    /// Real Unix ms when the upload expires.
    pub(crate) expires_ms: i64,
}

impl MediaUpload {
    pub(crate) fn key(&self) -> String {
        let prefix = if self.media_type.starts_with("video") {
            7
        } else if self.media_type == "image/gif" {
            16
        } else {
            3
        };
        format!("{prefix}_{}", self.id)
    }
    pub(crate) fn kind(&self) -> &'static str {
        if self.media_type.starts_with("video") {
            "video"
        } else if self.media_type == "image/gif" {
            "animated_gif"
        } else {
            "photo"
        }
    }
}

#[derive(Default)]
pub(crate) struct XStore {
    pub(crate) tweets: RwLock<HashMap<u64, Arc<StoredTweet>>>,
    /// Posted ids per authoring account.
    pub(crate) by_author: RwLock<HashMap<usize, BTreeSet<u64>>>,
    /// Posted ids that mention a sandbox account, per mentioned account.
    pub(crate) mentioning: RwLock<HashMap<usize, BTreeSet<u64>>>,
    /// Deleted ids (generated or posted).
    pub(crate) deleted: RwLock<HashSet<u64>>,
    /// Hashes of texts each account posted (duplicate-content check).
    pub(crate) texts: Mutex<HashMap<usize, HashSet<u64>>>,
    pub(crate) media: Mutex<HashMap<u64, MediaUpload>>,
    pub(crate) post_seq: Mutex<u64>,
    /// Whether `deleted` / `tweets` ever held anything: the hot read paths (every post of every
    /// page) skip the locks while nothing was deleted or posted.
    any_deleted: AtomicBool,
    any_stored: AtomicBool,
}

impl XStore {
    pub(crate) fn mark_deleted(&self, id: u64) {
        if let Ok(mut d) = self.deleted.write() {
            d.insert(id);
        }
        self.any_deleted.store(true, Ordering::Release);
    }

    pub(crate) fn is_deleted(&self, id: u64) -> bool {
        if !self.any_deleted.load(Ordering::Acquire) {
            return false;
        }
        self.deleted
            .read()
            .map(|d| !d.is_empty() && d.contains(&id))
            .unwrap_or(false)
    }

    pub(crate) fn get(&self, id: u64) -> Option<Arc<StoredTweet>> {
        if !self.any_stored.load(Ordering::Acquire) {
            return None;
        }
        self.tweets.read().ok().and_then(|t| t.get(&id).cloned())
    }

    /// Posted ids in `(lower, upper)` from `index[a]`, newest first.
    pub(crate) fn range_desc(
        index: &RwLock<HashMap<usize, BTreeSet<u64>>>,
        a: usize,
        lower: u64,
        upper: u64,
        limit: usize,
    ) -> Vec<u64> {
        if upper <= lower.saturating_add(1) {
            return Vec::new();
        }
        index
            .read()
            .ok()
            .and_then(|m| {
                m.get(&a).map(|set| {
                    set.range(lower + 1..upper)
                        .rev()
                        .take(limit)
                        .copied()
                        .collect()
                })
            })
            .unwrap_or_default()
    }

    pub(crate) fn insert(&self, t: StoredTweet) {
        self.any_stored.store(true, Ordering::Release);
        let id = t.id;
        let author = t.account;
        let mentioned: Vec<usize> = t
            .entities
            .iter()
            .filter_map(|e| match e.kind {
                EntityKind::Mention(UserRef::Account(a)) if a != author => Some(a),
                _ => None,
            })
            .collect();
        if let Ok(mut m) = self.by_author.write() {
            m.entry(author).or_default().insert(id);
        }
        if let Ok(mut m) = self.mentioning.write() {
            for a in mentioned {
                m.entry(a).or_default().insert(id);
            }
        }
        if let Ok(mut m) = self.tweets.write() {
            m.insert(id, Arc::new(t));
        }
    }
}

/// Finds @mentions, #hashtags and URLs in posted text, with code-point offsets.
pub(crate) fn scan_entities(
    text: &str,
    resolve: impl Fn(&str) -> Option<UserRef>,
) -> Vec<StoredEntity> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let boundary = i == 0 || !(chars[i - 1].is_alphanumeric() || chars[i - 1] == '_');
        if (c == '@' || c == '#') && boundary {
            let mut j = i + 1;
            while j < chars.len() && (chars[j].is_alphanumeric() || chars[j] == '_') {
                j += 1;
            }
            if j > i + 1 {
                let word: String = chars[i + 1..j].iter().collect();
                if c == '@' {
                    if let Some(u) = resolve(&word) {
                        out.push(StoredEntity {
                            kind: EntityKind::Mention(u),
                            start: i as u32,
                            end: j as u32,
                            text: word,
                        });
                    }
                } else if !word.chars().all(|c| c.is_ascii_digit()) {
                    out.push(StoredEntity {
                        kind: EntityKind::Hashtag,
                        start: i as u32,
                        end: j as u32,
                        text: word,
                    });
                }
                i = j;
                continue;
            }
        }
        if boundary && (starts_with(&chars[i..], "https://") || starts_with(&chars[i..], "http://"))
        {
            let mut j = i;
            while j < chars.len() && !chars[j].is_whitespace() {
                j += 1;
            }
            out.push(StoredEntity {
                kind: EntityKind::Url,
                start: i as u32,
                end: j as u32,
                text: chars[i..j].iter().collect(),
            });
            i = j;
            continue;
        }
        i += 1;
    }
    out
}

fn starts_with(chars: &[char], p: &str) -> bool {
    let mut it = chars.iter();
    p.chars().all(|c| it.next() == Some(&c))
}

/// X's weighted length (twitter-text v3: code points 0-4351 and some punctuation count 1, the
/// rest 2, URLs 23).
pub(crate) fn weighted_length(text: &str, entities: &[StoredEntity]) -> u32 {
    let chars: Vec<char> = text.chars().collect();
    let mut total = 0u32;
    let mut i = 0usize;
    while i < chars.len() {
        if let Some(e) = entities
            .iter()
            .find(|e| e.kind == EntityKind::Url && e.start as usize == i)
        {
            total += 23;
            i = e.end as usize;
            continue;
        }
        let cp = chars[i] as u32;
        let light = cp <= 4351
            || (8192..=8205).contains(&cp)
            || (8208..=8223).contains(&cp)
            || (8242..=8247).contains(&cp);
        // Variation selectors and ZWJ inside emoji sequences add nothing more.
        if cp == 0xFE0F || cp == 0x200D {
            i += 1;
            continue;
        }
        total += if light { 1 } else { 2 };
        i += 1;
    }
    total
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scans_entities_with_code_point_offsets() {
        let e = scan_entities(
            "Привет @VLDinFrance #visa https://example.org/x ok",
            |u| (u == "VLDinFrance").then_some(UserRef::Account(3)),
        );
        assert_eq!(e.len(), 3);
        assert_eq!((e[0].start, e[0].end), (7, 19));
        assert_eq!(e[1].text, "visa");
        assert_eq!(e[2].kind, EntityKind::Url);
    }

    #[test]
    fn weights_like_twitter_text() {
        assert_eq!(weighted_length("hello", &[]), 5);
        assert_eq!(weighted_length("你好", &[]), 4);
        let t = "see https://example.org/a/very/long/path/that/is/long";
        let e = scan_entities(t, |_| None);
        assert_eq!(weighted_length(t, &e), 4 + 23);
    }
}

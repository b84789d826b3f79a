//! What clients wrote to the Graph side: posts, photos, comments, hidden flags, deletions.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Arc, Mutex, RwLock};

use crate::graph_gen::PostKey;

#[derive(Debug)]
pub(crate) struct StoredPost {
    pub(crate) key: PostKey,
    pub(crate) message: String,
    pub(crate) link: Option<String>,
    pub(crate) photo_url: Option<String>,
    pub(crate) published: bool,
    /// Virtual ms when it goes live (scheduled posts), else the creation time.
    pub(crate) live_at_ms: i64,
}

#[derive(Debug, Clone)]
pub(crate) struct StoredComment {
    /// Full id `{post_num}_{m}`.
    pub(crate) id: String,
    /// The post it belongs to.
    pub(crate) post: PostKey,
    /// Parent comment id for replies.
    pub(crate) parent_comment: Option<String>,
    pub(crate) page: usize,
    pub(crate) message: String,
    pub(crate) ts_ms: i64,
}

#[derive(Default)]
pub(crate) struct FbStore {
    pub(crate) posts: RwLock<HashMap<String, Arc<StoredPost>>>,
    /// sort key → num, per page.
    pub(crate) by_page: RwLock<HashMap<usize, BTreeMap<u128, String>>>,
    /// Comments created through the API, by post num.
    pub(crate) comments: RwLock<HashMap<String, Vec<StoredComment>>>,
    pub(crate) hidden: RwLock<HashMap<String, bool>>,
    pub(crate) deleted: RwLock<HashSet<String>>,
    /// Last message posted per page (duplicate check, code 506).
    pub(crate) last_message: Mutex<HashMap<usize, String>>,
    pub(crate) seq: Mutex<u64>,
}

impl FbStore {
    pub(crate) fn next_seq(&self) -> u64 {
        match self.seq.lock() {
            Ok(mut g) => {
                *g += 1;
                *g
            }
            Err(_) => 0,
        }
    }

    pub(crate) fn is_deleted(&self, id: &str) -> bool {
        self.deleted
            .read()
            .map(|d| !d.is_empty() && d.contains(id))
            .unwrap_or(false)
    }

    pub(crate) fn is_hidden(&self, id: &str) -> bool {
        self.hidden
            .read()
            .ok()
            .and_then(|h| h.get(id).copied())
            .unwrap_or(false)
    }

    pub(crate) fn post(&self, num: &str) -> Option<Arc<StoredPost>> {
        self.posts.read().ok().and_then(|p| p.get(num).cloned())
    }

    pub(crate) fn insert_post(&self, p: StoredPost) {
        let num = p.key.num();
        let page = p.key.page;
        let sk = p.key.sort_key();
        if let Ok(mut m) = self.by_page.write() {
            m.entry(page).or_default().insert(sk, num.clone());
        }
        if let Ok(mut m) = self.posts.write() {
            m.insert(num, Arc::new(p));
        }
    }

    /// Stored posts of a page with `lower < key < upper`, newest first.
    pub(crate) fn posts_desc(
        &self,
        page: usize,
        upper: u128,
        lower: u128,
        limit: usize,
    ) -> Vec<Arc<StoredPost>> {
        if upper <= lower.saturating_add(1) {
            return Vec::new();
        }
        let nums: Vec<String> = self
            .by_page
            .read()
            .ok()
            .and_then(|m| {
                m.get(&page).map(|t| {
                    t.range(lower + 1..upper)
                        .rev()
                        .take(limit)
                        .map(|(_, n)| n.clone())
                        .collect()
                })
            })
            .unwrap_or_default();
        nums.iter().filter_map(|n| self.post(n)).collect()
    }

    pub(crate) fn comments_of(&self, post_num: &str) -> Vec<StoredComment> {
        self.comments
            .read()
            .ok()
            .and_then(|m| m.get(post_num).cloned())
            .unwrap_or_default()
    }

    pub(crate) fn comment(&self, id: &str) -> Option<StoredComment> {
        let (post, _) = id.split_once('_')?;
        self.comments_of(post).into_iter().find(|c| c.id == id)
    }

    pub(crate) fn add_comment(&self, c: StoredComment) {
        if let Ok(mut m) = self.comments.write() {
            m.entry(c.post.num()).or_default().push(c);
        }
    }
}

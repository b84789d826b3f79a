//! Lazy X traffic. Mention `n` of account `a` in time bucket `b` is a pure function of
//! (seed, a, b, n); ids are snowflakes, so they sort by time and since_id/until_id work.
//!
//! Snowflake layout: 41 bits of ms since the Twitter epoch, 10 bits of worker, 12 of sequence.
//! Worker = stream << 9 | account: stream 0 carries generated mentions (sequence = n), stream 1
//! the account's own posts (sequence < 2048: generated; ≥ 2048: posted through the API).

use crate::hash::{h, pick, poisson, unit};
use crate::world::{Frag, Persona, World};

pub(crate) const TWEPOCH_MS: i64 = 1_288_834_974_657;

/// A generated mention found by a walk: (id, bucket, n, bucket count).
pub(crate) type GenHit = (u64, i64, u32, u32);
const TAG_COUNT: u64 = 0xC0;
const TAG_ITEM: u64 = 0x17;
const TAG_OWN: u64 = 0x0E;
const MAX_PER_BUCKET: u32 = 4000;

pub(crate) fn snowflake(ts_ms: i64, worker: u64, seq: u64) -> u64 {
    (((ts_ms - TWEPOCH_MS).max(0) as u64) << 22) | ((worker & 0x3ff) << 12) | (seq & 0xfff)
}

pub(crate) fn snowflake_parts(id: u64) -> (i64, u64, u64) {
    (
        ((id >> 22) as i64) + TWEPOCH_MS,
        (id >> 12) & 0x3ff,
        id & 0xfff,
    )
}

/// Someone who can author or be mentioned: one of the sandbox's accounts or a member of the
/// public.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum UserRef {
    Account(usize),
    Public(usize),
}

impl UserRef {
    pub(crate) fn id(self, w: &World) -> u64 {
        match self {
            UserRef::Account(a) => w.x[a].id,
            UserRef::Public(i) => World::x_public_id(i),
        }
    }
    pub(crate) fn username(self, w: &World) -> &str {
        match self {
            UserRef::Account(a) => &w.x[a].username,
            UserRef::Public(i) => &w.users[i].username,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum MentionKind {
    /// A post that @mentions the account.
    Mention,
    /// A reply to one of the account's own posts.
    Reply { to: u64, conv: u64 },
    /// A reply, in a conversation the account is part of, to another member of the public.
    Thread {
        to: u64,
        to_author: usize,
        conv: u64,
    },
    /// A quote of one of the account's own posts that also @mentions it.
    Quote { quoted: u64 },
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct Mention {
    pub(crate) id: u64,
    pub(crate) ts_ms: i64,
    pub(crate) account: usize,
    pub(crate) author: usize,
    pub(crate) lang: usize,
    pub(crate) sentence: usize,
    pub(crate) hashtag: Option<usize>,
    pub(crate) url: Option<u64>,
    pub(crate) emoji: Option<usize>,
    pub(crate) other: Option<usize>,
    pub(crate) prefix: bool,
    pub(crate) kind: MentionKind,
    pub(crate) hv: u64,
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct OwnPost {
    pub(crate) id: u64,
    pub(crate) ts_ms: i64,
    pub(crate) account: usize,
    pub(crate) k: i64,
    pub(crate) lang: usize,
    pub(crate) sentence: usize,
    pub(crate) hashtag: Option<usize>,
    pub(crate) url: Option<u64>,
    pub(crate) hv: u64,
}

/// Base kind from the item hash alone (no parent resolution): 0 mention, 1 reply, 2 thread,
/// 3 quote.
fn base_kind(hv: u64) -> u8 {
    let u = unit(crate::hash::mix(hv ^ 0x4B));
    if u < 0.42 {
        0
    } else if u < 0.74 {
        1
    } else if u < 0.92 {
        2
    } else {
        3
    }
}

pub(crate) fn is_deleted_hash(hv: u64) -> bool {
    unit(crate::hash::mix(hv ^ 0xDE1)) < 0.02
}

impl World {
    /// How many mentions account `a` receives in bucket `b`.
    pub(crate) fn mention_count(&self, a: usize, b: i64) -> u32 {
        let p = &self.x[a];
        let start = b * p.bucket_ms;
        let mu = p.inbound_per_day / 86_400_000.0
            * p.bucket_ms as f64
            * self.activity(p, start + p.bucket_ms / 2);
        poisson(mu, unit(h(self.seed, &[TAG_COUNT, a as u64, b as u64]))).min(MAX_PER_BUCKET)
    }

    /// Time of item `n` of `count` in bucket `b` (strictly increasing in n).
    #[inline]
    pub(crate) fn mention_ts(&self, p: &Persona, b: i64, n: u32, count: u32) -> i64 {
        let q = (p.bucket_ms / i64::from(count.max(1))).max(2);
        let jitter = (unit(h(
            self.seed,
            &[0x7177, p.idx as u64, b as u64, u64::from(n)],
        )) * (q - 1) as f64) as i64;
        b * p.bucket_ms + i64::from(n) * q + jitter
    }

    #[inline]
    pub(crate) fn mention_hash(&self, a: usize, b: i64, n: u32) -> u64 {
        h(self.seed, &[TAG_ITEM, a as u64, b as u64, u64::from(n)])
    }

    pub(crate) fn mention_id(&self, a: usize, ts_ms: i64, n: u32) -> u64 {
        snowflake(ts_ms, a as u64 & 0x1ff, u64::from(n))
    }

    /// Everything about mention (a, b, n).
    pub(crate) fn mention(&self, a: usize, b: i64, n: u32, count: u32) -> Mention {
        let p = &self.x[a];
        let ts_ms = self.mention_ts(p, b, n, count);
        let hv = self.mention_hash(a, b, n);
        let lang = self.lang_for(p, crate::hash::mix(hv ^ 1));
        let l = &self.langs[lang];
        let author = self.author_for(lang, crate::hash::mix(hv ^ 2));
        let r = |salt: u64| unit(crate::hash::mix(hv ^ salt));
        let kind = match base_kind(hv) {
            0 => MentionKind::Mention,
            1 => self.reply_kind(a, ts_ms, hv),
            2 => self
                .thread_kind(a, b, hv)
                .unwrap_or_else(|| self.reply_kind(a, ts_ms, hv)),
            _ => {
                let own = self.own_post_before(a, ts_ms - 1);
                MentionKind::Quote { quoted: own.id }
            }
        };
        Mention {
            id: self.mention_id(a, ts_ms, n),
            ts_ms,
            account: a,
            author,
            lang,
            sentence: pick(crate::hash::mix(hv ^ 3), l.public.len()),
            hashtag: (r(4) < 0.3 || self.in_crisis(p, ts_ms) && r(4) < 0.6)
                .then(|| pick(crate::hash::mix(hv ^ 5), l.hashtags.len())),
            url: (r(6) < 0.15).then(|| crate::hash::mix(hv ^ 7)),
            emoji: (r(8) < 0.35)
                .then(|| pick(crate::hash::mix(hv ^ 9), crate::lexicon::EMOJI.len())),
            other: (r(10) < 0.12 && self.x.len() > 1)
                .then(|| pick(crate::hash::mix(hv ^ 11), self.x.len()))
                .filter(|&o| o != a),
            prefix: r(12) < 0.6,
            kind,
            hv,
        }
    }

    fn reply_kind(&self, a: usize, ts_ms: i64, hv: u64) -> MentionKind {
        let latest = self.own_post_before(a, ts_ms - 1);
        let back = pick(crate::hash::mix(hv ^ 0x88), 3) as i64;
        let own = if back > 0 {
            self.own_post(a, latest.k - back)
        } else {
            latest
        };
        MentionKind::Reply {
            to: own.id,
            conv: own.id,
        }
    }

    /// A reply to a member of the public's mention in the previous bucket.
    fn thread_kind(&self, a: usize, b: i64, hv: u64) -> Option<MentionKind> {
        let pb = b - 1;
        let pcount = self.mention_count(a, pb);
        if pcount == 0 {
            return None;
        }
        let start = pick(crate::hash::mix(hv ^ 0x99), pcount as usize) as u32;
        for t in 0..8u32 {
            let n = (start + t) % pcount;
            let phv = self.mention_hash(a, pb, n);
            let pk = base_kind(phv);
            if pk == 2 {
                continue;
            }
            let parent = self.mention_base(a, pb, n, pcount, phv, pk);
            let conv = match parent.1 {
                MentionKind::Reply { conv, .. } => conv,
                _ => parent.0,
            };
            return Some(MentionKind::Thread {
                to: parent.0,
                to_author: parent.2,
                conv,
            });
        }
        None
    }

    /// (id, kind, author) of a non-thread mention, without building the whole item.
    fn mention_base(
        &self,
        a: usize,
        b: i64,
        n: u32,
        count: u32,
        hv: u64,
        kind: u8,
    ) -> (u64, MentionKind, usize) {
        let p = &self.x[a];
        let ts = self.mention_ts(p, b, n, count);
        let lang = self.lang_for(p, crate::hash::mix(hv ^ 1));
        let author = self.author_for(lang, crate::hash::mix(hv ^ 2));
        let k = match kind {
            1 => self.reply_kind(a, ts, hv),
            3 => MentionKind::Quote {
                quoted: self.own_post_before(a, ts - 1).id,
            },
            _ => MentionKind::Mention,
        };
        (self.mention_id(a, ts, n), k, author)
    }

    /// The mention with this id, if the id is one (whether or not it is visible yet).
    pub(crate) fn mention_from_id(&self, id: u64) -> Option<Mention> {
        let (ts, worker, seq) = snowflake_parts(id);
        if worker >> 9 != 0 {
            return None;
        }
        let a = (worker & 0x1ff) as usize;
        let p = self.x.get(a)?;
        let b = ts.div_euclid(p.bucket_ms);
        let count = self.mention_count(a, b);
        let n = seq as u32;
        if n >= count || self.mention_ts(p, b, n, count) != ts {
            return None;
        }
        Some(self.mention(a, b, n, count))
    }

    // --- own posts -------------------------------------------------------------------------

    fn own_ts(&self, p: &Persona, k: i64) -> i64 {
        let jitter = (unit(h(self.seed, &[TAG_OWN, p.idx as u64, k as u64]))
            * (p.own_period_ms / 2) as f64) as i64;
        p.own_phase_ms + k * p.own_period_ms + jitter
    }

    pub(crate) fn own_post(&self, a: usize, k: i64) -> OwnPost {
        let p = &self.x[a];
        let ts_ms = self.own_ts(p, k);
        let hv = h(self.seed, &[TAG_OWN, 1, a as u64, k as u64]);
        let lang = if unit(hv) < 0.6 { p.lang_idx } else { 0 };
        let l = &self.langs[lang];
        OwnPost {
            id: snowflake(ts_ms, 0x200 | (a as u64 & 0x1ff), (k as u64) & 0x7ff),
            ts_ms,
            account: a,
            k,
            lang,
            sentence: pick(crate::hash::mix(hv ^ 3), l.official.len()),
            hashtag: (unit(crate::hash::mix(hv ^ 4)) < 0.6)
                .then(|| pick(crate::hash::mix(hv ^ 5), l.hashtags.len())),
            url: (unit(crate::hash::mix(hv ^ 6)) < 0.4).then(|| crate::hash::mix(hv ^ 7)),
            hv,
        }
    }

    /// The latest own post at or before `ts_ms`.
    pub(crate) fn own_post_before(&self, a: usize, ts_ms: i64) -> OwnPost {
        let p = &self.x[a];
        let mut k = (ts_ms - p.own_phase_ms).div_euclid(p.own_period_ms);
        let mut post = self.own_post(a, k);
        while post.ts_ms > ts_ms {
            k -= 1;
            post = self.own_post(a, k);
        }
        post
    }

    pub(crate) fn own_post_from_id(&self, id: u64) -> Option<OwnPost> {
        let (ts, worker, seq) = snowflake_parts(id);
        if worker >> 9 != 1 || seq >= 2048 {
            return None;
        }
        let a = (worker & 0x1ff) as usize;
        let p = self.x.get(a)?;
        let k0 = (ts - p.own_phase_ms).div_euclid(p.own_period_ms);
        for k in [k0, k0 - 1] {
            let post = self.own_post(a, k);
            if post.id == id {
                return Some(post);
            }
        }
        None
    }

    // --- walking backwards ---------------------------------------------------------------

    /// Generated, non-deleted mention ids of account `a` with `lower < id < upper`, newest
    /// first, at most `limit`. `ts_floor` bounds the walk (history start, start_time).
    pub(crate) fn mentions_desc(
        &self,
        a: usize,
        upper: u64,
        lower: u64,
        ts_floor: i64,
        limit: usize,
        out: &mut Vec<GenHit>,
    ) {
        let p = &self.x[a];
        if upper == 0 {
            return;
        }
        let (upper_ts, _, _) = snowflake_parts(upper);
        let (lower_ts, _, _) = snowflake_parts(lower);
        let floor = ts_floor.max(lower_ts).max(self.history_start_ms);
        let mut b = upper_ts.div_euclid(p.bucket_ms);
        while out.len() < limit {
            let bstart = b * p.bucket_ms;
            if bstart + p.bucket_ms <= floor {
                break;
            }
            let count = self.mention_count(a, b);
            let mut n = count;
            while n > 0 && out.len() < limit {
                n -= 1;
                let ts = self.mention_ts(p, b, n, count);
                let id = self.mention_id(a, ts, n);
                if id >= upper {
                    continue;
                }
                if id <= lower || ts < floor {
                    return;
                }
                if is_deleted_hash(self.mention_hash(a, b, n)) {
                    continue;
                }
                out.push((id, b, n, count));
            }
            b -= 1;
        }
    }

    /// Own generated posts of account `a` with `lower < id < upper`, newest first.
    pub(crate) fn own_posts_desc(
        &self,
        a: usize,
        upper: u64,
        lower: u64,
        ts_floor: i64,
        limit: usize,
        out: &mut Vec<OwnPost>,
    ) {
        if upper == 0 {
            return;
        }
        let (upper_ts, _, _) = snowflake_parts(upper);
        let mut post = self.own_post_before(a, upper_ts);
        let floor = ts_floor.max(self.history_start_ms - 7 * 86_400_000);
        while out.len() < limit {
            if post.ts_ms < floor || post.id <= lower {
                break;
            }
            if post.id < upper && !is_deleted_hash(post.hv) {
                out.push(post);
            }
            post = self.own_post(a, post.k - 1);
        }
    }
}

/// One piece of a post's text.
#[derive(Clone, Copy)]
pub(crate) enum Seg<'a> {
    Lit(&'static str),
    Frag(&'a Frag),
    Hashtag(&'a Frag),
    At(UserRef),
    Url(u64),
    Emoji(&'static str),
}

/// Text plan of a post: up to 12 pieces.
pub(crate) struct TextPlan<'a> {
    pub(crate) segs: [Seg<'a>; 12],
    pub(crate) n: usize,
}

impl<'a> TextPlan<'a> {
    pub(crate) fn new() -> Self {
        TextPlan {
            segs: [Seg::Lit(""); 12],
            n: 0,
        }
    }
    pub(crate) fn push(&mut self, s: Seg<'a>) {
        if self.n < self.segs.len() {
            self.segs[self.n] = s;
            self.n += 1;
        }
    }
    pub(crate) fn iter(&self) -> impl Iterator<Item = &Seg<'a>> {
        self.segs[..self.n].iter()
    }
}

const URL_ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const NEWS: &[&str] = &[
    "https://www.reuters.com/world/",
    "https://www.bbc.com/news/world-",
    "https://www.lemonde.fr/international/article/",
    "https://elpais.com/internacional/",
    "https://www.aljazeera.net/news/",
    "https://www.dw.com/en/",
    "https://www.nhk.or.jp/news/",
    "https://www.theguardian.com/world/",
];

/// `https://t.co/XXXXXXXXXX` for a url code.
pub(crate) fn tco(code: u64, out: &mut [u8; 23]) -> &str {
    out[..13].copy_from_slice(b"https://t.co/");
    let mut c = code;
    for slot in out[13..].iter_mut() {
        *slot = URL_ALPHABET[(c % 62) as usize];
        c /= 62;
    }
    std::str::from_utf8(&out[..]).unwrap_or("https://t.co/")
}

pub(crate) fn expanded_url(code: u64) -> String {
    format!(
        "{}{}",
        NEWS[(code % NEWS.len() as u64) as usize],
        (code >> 8) % 90_000_000 + 10_000_000
    )
}

pub(crate) fn display_url(code: u64) -> String {
    let full = expanded_url(code);
    let bare = full
        .trim_start_matches("https://")
        .trim_start_matches("www.");
    let cut: String = bare.chars().take(24).collect();
    format!("{cut}…")
}

impl World {
    pub(crate) fn mention_text<'a>(&'a self, m: &Mention) -> TextPlan<'a> {
        let l = &self.langs[m.lang];
        let me = UserRef::Account(m.account);
        let mut t = TextPlan::new();
        match m.kind {
            MentionKind::Thread { to_author, .. } => {
                t.push(Seg::At(UserRef::Public(to_author)));
                t.push(Seg::Lit(" "));
                t.push(Seg::At(me));
                t.push(Seg::Lit(" "));
            }
            MentionKind::Reply { .. } => {
                t.push(Seg::At(me));
                t.push(Seg::Lit(" "));
            }
            MentionKind::Mention if m.prefix => {
                t.push(Seg::At(me));
                t.push(Seg::Lit(" "));
            }
            _ => {}
        }
        t.push(Seg::Frag(&l.public[m.sentence]));
        if let Some(o) = m.other {
            t.push(Seg::Lit(" "));
            t.push(Seg::At(UserRef::Account(o)));
        }
        if let Some(hsh) = m.hashtag {
            t.push(Seg::Lit(" "));
            t.push(Seg::Hashtag(&l.hashtags[hsh]));
        }
        if matches!(m.kind, MentionKind::Quote { .. })
            || (matches!(m.kind, MentionKind::Mention) && !m.prefix)
        {
            t.push(Seg::Lit(" "));
            t.push(Seg::At(me));
        }
        if let Some(u) = m.url {
            t.push(Seg::Lit(" "));
            t.push(Seg::Url(u));
        }
        if let Some(e) = m.emoji {
            t.push(Seg::Lit(" "));
            t.push(Seg::Emoji(crate::lexicon::EMOJI[e]));
        }
        t
    }

    pub(crate) fn own_text<'a>(&'a self, o: &OwnPost) -> TextPlan<'a> {
        let l = &self.langs[o.lang];
        let mut t = TextPlan::new();
        t.push(Seg::Frag(&l.official[o.sentence]));
        if let Some(hsh) = o.hashtag {
            t.push(Seg::Lit(" "));
            t.push(Seg::Hashtag(&l.hashtags[hsh]));
        }
        if let Some(u) = o.url {
            t.push(Seg::Lit(" "));
            t.push(Seg::Url(u));
        }
        t
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::world::WorldParams;

    fn world() -> World {
        World::build(&WorldParams {
            seed: 3,
            x_accounts: 20,
            fb_pages: 5,
            virtual_start_ms: 1_790_000_000_000,
            history_days: 30,
            volume: 1.0,
            crisis: None,
        })
    }

    #[test]
    fn ids_decode_back_to_items() {
        let w = world();
        let mut out = Vec::new();
        w.mentions_desc(1, snowflake(1_790_000_000_000, 0, 0), 0, 0, 200, &mut out);
        assert_eq!(out.len(), 200);
        assert!(out.windows(2).all(|x| x[0].0 > x[1].0));
        for &(id, b, n, count) in &out {
            let m = w.mention_from_id(id).expect("decodes");
            assert_eq!(m.id, id);
            assert_eq!(w.mention(1, b, n, count).id, id);
            assert_eq!(id.to_string().len(), 19);
        }
        let own = w.own_post_before(1, 1_790_000_000_000);
        assert_eq!(w.own_post_from_id(own.id).unwrap().ts_ms, own.ts_ms);
        assert!(w.mention_from_id(own.id).is_none());
    }

    #[test]
    fn threads_point_backwards() {
        let w = world();
        let mut out = Vec::new();
        w.mentions_desc(0, snowflake(1_790_000_000_000, 0, 0), 0, 0, 500, &mut out);
        let mut threads = 0;
        for &(id, b, n, c) in &out {
            let m = w.mention(0, b, n, c);
            match m.kind {
                MentionKind::Thread { to, conv, .. } => {
                    threads += 1;
                    assert!(to < id && conv <= to);
                }
                MentionKind::Reply { to, .. } | MentionKind::Quote { quoted: to } => {
                    assert!(to < id)
                }
                MentionKind::Mention => {}
            }
        }
        assert!(threads > 10);
    }
}

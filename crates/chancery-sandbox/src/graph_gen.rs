//! Lazy Facebook traffic: Page posts, visitor and tagged posts, threaded comments, Messenger
//! conversations. Every item is a pure function of (seed, page, stream, bucket, n).

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;

use crate::hash::{h, mix, pick, poisson, unit};
use crate::world::{Persona, World};

pub(crate) const KIND_OWN: u8 = 1;
pub(crate) const KIND_VISITOR: u8 = 2;
pub(crate) const KIND_TAGGED: u8 = 3;
pub(crate) const KIND_APP: u8 = 4;
pub(crate) const KIND_PHOTO: u8 = 5;
const STREAM_BUCKET_MS: i64 = 6 * 3_600_000;
const TAG_FB: u64 = 0xFB00;

/// A post's identity: (kind, page, ts, seq). Its Graph id is `{owner}_{num}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct PostKey {
    pub(crate) ts_ms: i64,
    pub(crate) kind: u8,
    pub(crate) page: usize,
    pub(crate) seq: u32,
}

impl PostKey {
    pub(crate) fn num(&self) -> String {
        format!(
            "{}{:03}{:013}{:03}",
            self.kind,
            self.page,
            self.ts_ms.max(0),
            self.seq
        )
    }

    pub(crate) fn parse_num(num: &str) -> Option<PostKey> {
        if num.len() != 20 || !num.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        Some(PostKey {
            kind: num[0..1].parse().ok()?,
            page: num[1..4].parse().ok()?,
            ts_ms: num[4..17].parse().ok()?,
            seq: num[17..20].parse().ok()?,
        })
    }

    /// Sort key (newest last when ascending).
    pub(crate) fn sort_key(&self) -> u128 {
        ((self.ts_ms.max(0) as u128) << 32) | (u128::from(self.kind) << 16) | u128::from(self.seq)
    }
}

/// Who wrote a Graph object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FbAuthor {
    Page(usize),
    Public(usize),
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct GenPost {
    pub(crate) key: PostKey,
    pub(crate) author: FbAuthor,
    pub(crate) lang: usize,
    pub(crate) sentence: usize,
    pub(crate) hashtag: Option<usize>,
    pub(crate) link: Option<u64>,
    pub(crate) photo: bool,
    pub(crate) comments: u32,
    pub(crate) hv: u64,
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct GenComment {
    pub(crate) post: PostKey,
    pub(crate) j: u32,
    pub(crate) ts_ms: i64,
    pub(crate) author: FbAuthor,
    pub(crate) parent: Option<u32>,
    pub(crate) lang: usize,
    pub(crate) sentence: usize,
    pub(crate) emoji: Option<usize>,
    pub(crate) hv: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ConvKey {
    pub(crate) page: usize,
    pub(crate) ts_ms: i64,
    pub(crate) n: u32,
}

impl ConvKey {
    pub(crate) fn id(&self) -> String {
        format!("t_{:03}{:013}{:03}", self.page, self.ts_ms.max(0), self.n)
    }
    pub(crate) fn parse(id: &str) -> Option<ConvKey> {
        let d = id.strip_prefix("t_")?;
        if d.len() != 19 || !d.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        Some(ConvKey {
            page: d[0..3].parse().ok()?,
            ts_ms: d[3..16].parse().ok()?,
            n: d[16..19].parse().ok()?,
        })
    }
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct GenConversation {
    pub(crate) key: ConvKey,
    pub(crate) user: usize,
    pub(crate) lang: usize,
    pub(crate) messages: u32,
    pub(crate) hv: u64,
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct GenMessage {
    pub(crate) conv: ConvKey,
    pub(crate) i: u32,
    pub(crate) ts_ms: i64,
    pub(crate) from_page: bool,
    pub(crate) sentence: usize,
    pub(crate) official: bool,
}

impl World {
    fn fb_stream_count(&self, page: usize, stream: u64, b: i64, per_day: f64) -> u32 {
        let p = &self.fb[page];
        let mu = per_day / 4.0 * self.activity(p, b * STREAM_BUCKET_MS + STREAM_BUCKET_MS / 2);
        poisson(
            mu,
            unit(h(self.seed, &[TAG_FB, stream, page as u64, b as u64])),
        )
        .min(999)
    }

    fn stream_rate(p: &Persona, kind: u8) -> f64 {
        match kind {
            KIND_VISITOR => p.inbound_per_day * 0.25,
            KIND_TAGGED => p.inbound_per_day * 0.10,
            _ => p.inbound_per_day * 0.30, // conversations
        }
    }

    fn stream_ts(&self, page: usize, stream: u64, b: i64, n: u32, count: u32) -> i64 {
        let q = (STREAM_BUCKET_MS / i64::from(count.max(1))).max(2);
        let jitter = (unit(h(
            self.seed,
            &[TAG_FB + 1, stream, page as u64, b as u64, u64::from(n)],
        )) * (q - 1) as f64) as i64;
        b * STREAM_BUCKET_MS + i64::from(n) * q + jitter
    }

    /// The generated post behind a key, if the key names one.
    pub(crate) fn fb_post(&self, key: PostKey) -> Option<GenPost> {
        let p = self.fb.get(key.page)?;
        match key.kind {
            KIND_OWN => {
                let k = (key.ts_ms - p.own_phase_ms).div_euclid(p.own_period_ms);
                [k, k - 1]
                    .into_iter()
                    .map(|k| self.fb_own_post(key.page, k))
                    .find(|g| g.key == key)
            }
            KIND_VISITOR | KIND_TAGGED => {
                let b = key.ts_ms.div_euclid(STREAM_BUCKET_MS);
                let count = self.fb_stream_count(
                    key.page,
                    u64::from(key.kind),
                    b,
                    Self::stream_rate(p, key.kind),
                );
                (key.seq < count
                    && self.stream_ts(key.page, u64::from(key.kind), b, key.seq, count)
                        == key.ts_ms)
                    .then(|| self.fb_stream_post(key.page, key.kind, b, key.seq, count))
            }
            _ => None,
        }
    }

    pub(crate) fn fb_own_post(&self, page: usize, k: i64) -> GenPost {
        let p = &self.fb[page];
        let jitter = (unit(h(self.seed, &[TAG_FB + 2, page as u64, k as u64]))
            * (p.own_period_ms / 2) as f64) as i64;
        let ts = p.own_phase_ms + k * p.own_period_ms + jitter;
        let hv = h(self.seed, &[TAG_FB + 3, page as u64, k as u64]);
        let lang = if unit(hv) < 0.6 { p.lang_idx } else { 0 };
        let busy = p.inbound_per_day * 0.6 * (0.2 + 1.6 * unit(mix(hv ^ 8)).powi(2));
        GenPost {
            key: PostKey {
                ts_ms: ts,
                kind: KIND_OWN,
                page,
                seq: (k.rem_euclid(1000)) as u32,
            },
            author: FbAuthor::Page(page),
            lang,
            sentence: pick(mix(hv ^ 3), self.langs[lang].official.len()),
            hashtag: (unit(mix(hv ^ 4)) < 0.5)
                .then(|| pick(mix(hv ^ 5), self.langs[lang].hashtags.len())),
            link: (unit(mix(hv ^ 6)) < 0.3).then(|| mix(hv ^ 7)),
            photo: unit(mix(hv ^ 9)) < 0.4,
            comments: (busy as u32).min(1500),
            hv,
        }
    }

    fn fb_stream_post(&self, page: usize, kind: u8, b: i64, n: u32, count: u32) -> GenPost {
        let p = &self.fb[page];
        let ts = self.stream_ts(page, u64::from(kind), b, n, count);
        let hv = h(
            self.seed,
            &[
                TAG_FB + 4,
                u64::from(kind),
                page as u64,
                b as u64,
                u64::from(n),
            ],
        );
        let lang = self.lang_for(p, mix(hv ^ 1));
        GenPost {
            key: PostKey {
                ts_ms: ts,
                kind,
                page,
                seq: n,
            },
            author: FbAuthor::Public(self.author_for(lang, mix(hv ^ 2))),
            lang,
            sentence: pick(mix(hv ^ 3), self.langs[lang].public.len()),
            hashtag: (unit(mix(hv ^ 4)) < 0.2)
                .then(|| pick(mix(hv ^ 5), self.langs[lang].hashtags.len())),
            link: (unit(mix(hv ^ 6)) < 0.1).then(|| mix(hv ^ 7)),
            photo: unit(mix(hv ^ 9)) < 0.15,
            comments: pick(mix(hv ^ 10), 4) as u32,
            hv,
        }
    }

    /// Generated posts of one kind on a page with `lower < sort_key < upper`, newest first.
    pub(crate) fn fb_posts_desc(
        &self,
        page: usize,
        kind: u8,
        upper: u128,
        lower: u128,
        limit: usize,
        out: &mut Vec<GenPost>,
    ) {
        let p = &self.fb[page];
        let upper_ts = (upper >> 32) as i64;
        let floor = self.history_start_ms.max((lower >> 32) as i64);
        match kind {
            KIND_OWN => {
                let mut k = (upper_ts - p.own_phase_ms).div_euclid(p.own_period_ms) + 1;
                while out.len() < limit {
                    let g = self.fb_own_post(page, k);
                    k -= 1;
                    let sk = g.key.sort_key();
                    if sk >= upper {
                        continue;
                    }
                    if sk <= lower || g.key.ts_ms < floor {
                        break;
                    }
                    out.push(g);
                }
            }
            KIND_VISITOR | KIND_TAGGED => {
                let rate = Self::stream_rate(p, kind);
                let mut b = upper_ts.div_euclid(STREAM_BUCKET_MS);
                while out.len() < limit && (b + 1) * STREAM_BUCKET_MS > floor {
                    let count = self.fb_stream_count(page, u64::from(kind), b, rate);
                    let mut n = count;
                    while n > 0 && out.len() < limit {
                        n -= 1;
                        let g = self.fb_stream_post(page, kind, b, n, count);
                        let sk = g.key.sort_key();
                        if sk >= upper {
                            continue;
                        }
                        if sk <= lower || g.key.ts_ms < floor {
                            return;
                        }
                        out.push(g);
                    }
                    b -= 1;
                }
            }
            _ => {}
        }
    }

    // --- comments -----------------------------------------------------------------------------

    /// Comment `j` of a generated post (`j < post.comments`).
    pub(crate) fn fb_comment(&self, post: &GenPost, j: u32) -> GenComment {
        let hv = h(
            self.seed,
            &[
                TAG_FB + 5,
                post.key.sort_key() as u64,
                post.key.page as u64,
                u64::from(j),
            ],
        );
        let c = f64::from(post.comments.max(1));
        let u = unit(mix(hv ^ 1));
        let frac = (f64::from(j) + u) / c;
        let ts = post.key.ts_ms + 20_000 + (frac * frac * 48.0 * 3_600_000.0) as i64;
        let is_reply = j > 0 && unit(mix(hv ^ 2)) < 0.3;
        let parent = if is_reply {
            // The nearest earlier top-level comment at or below a random index.
            let mut i = pick(mix(hv ^ 3), j as usize) as u32;
            loop {
                let phv = h(
                    self.seed,
                    &[
                        TAG_FB + 5,
                        post.key.sort_key() as u64,
                        post.key.page as u64,
                        u64::from(i),
                    ],
                );
                if i == 0 || unit(mix(phv ^ 2)) >= 0.3 {
                    break Some(i);
                }
                i -= 1;
            }
        } else {
            None
        };
        let p = &self.fb[post.key.page];
        let by_page = parent.is_some() && unit(mix(hv ^ 4)) < 0.2;
        let lang = if by_page {
            p.lang_idx
        } else {
            self.lang_for(p, mix(hv ^ 5))
        };
        GenComment {
            post: post.key,
            j,
            ts_ms: ts,
            author: if by_page {
                FbAuthor::Page(post.key.page)
            } else {
                FbAuthor::Public(self.author_for(lang, mix(hv ^ 6)))
            },
            parent,
            lang,
            sentence: if by_page {
                pick(mix(hv ^ 7), self.langs[lang].official.len())
            } else {
                pick(mix(hv ^ 7), self.langs[lang].public.len())
            },
            emoji: (unit(mix(hv ^ 8)) < 0.3)
                .then(|| pick(mix(hv ^ 9), crate::lexicon::EMOJI.len())),
            hv,
        }
    }

    pub(crate) fn fb_comment_suffix(&self, c: &GenComment) -> String {
        format!("1{:06}{:010}", c.j, c.hv % 10_000_000_000)
    }

    /// Parses the comment part of `{post}_{m}`: generated comment index.
    pub(crate) fn fb_comment_from_suffix(&self, post: &GenPost, m: &str) -> Option<GenComment> {
        if m.len() != 17 || !m.starts_with('1') {
            return None;
        }
        let j: u32 = m[1..7].parse().ok()?;
        if j >= post.comments {
            return None;
        }
        let c = self.fb_comment(post, j);
        (self.fb_comment_suffix(&c) == m).then_some(c)
    }

    // --- conversations ----------------------------------------------------------------------

    pub(crate) fn fb_conversation(&self, key: ConvKey) -> Option<GenConversation> {
        let p = self.fb.get(key.page)?;
        let b = key.ts_ms.div_euclid(STREAM_BUCKET_MS);
        let count = self.fb_stream_count(key.page, 9, b, Self::stream_rate(p, 9));
        if key.n >= count || self.stream_ts(key.page, 9, b, key.n, count) != key.ts_ms {
            return None;
        }
        Some(self.fb_conv_at(key.page, b, key.n, count))
    }

    fn fb_conv_at(&self, page: usize, b: i64, n: u32, count: u32) -> GenConversation {
        let p = &self.fb[page];
        let ts = self.stream_ts(page, 9, b, n, count);
        let hv = h(
            self.seed,
            &[TAG_FB + 6, page as u64, b as u64, u64::from(n)],
        );
        let lang = self.lang_for(p, mix(hv ^ 1));
        GenConversation {
            key: ConvKey { page, ts_ms: ts, n },
            user: self.author_for(lang, mix(hv ^ 2)),
            lang,
            messages: 1 + pick(mix(hv ^ 3), 12) as u32,
            hv,
        }
    }

    /// Every conversation of a page that has started by `now_ms`, within the history.
    pub(crate) fn fb_conversations(&self, page: usize, now_ms: i64) -> Vec<GenConversation> {
        let p = &self.fb[page];
        let rate = Self::stream_rate(p, 9);
        let mut out = Vec::new();
        let first = self.history_start_ms.div_euclid(STREAM_BUCKET_MS);
        let last = now_ms.div_euclid(STREAM_BUCKET_MS);
        for b in first..=last {
            let count = self.fb_stream_count(page, 9, b, rate);
            for n in 0..count {
                let c = self.fb_conv_at(page, b, n, count);
                if c.key.ts_ms <= now_ms && c.key.ts_ms >= self.history_start_ms {
                    out.push(c);
                }
            }
        }
        out
    }

    pub(crate) fn fb_message(&self, c: &GenConversation, i: u32) -> GenMessage {
        let mut ts = c.key.ts_ms;
        for k in 1..=i {
            ts += 60_000 + (unit(mix(c.hv ^ (0x100 + u64::from(k)))) * 40.0 * 60_000.0) as i64;
        }
        let from_page = i % 2 == 1;
        let hv = mix(c.hv ^ (0x200 + u64::from(i)));
        GenMessage {
            conv: c.key,
            i,
            ts_ms: ts,
            from_page,
            sentence: if from_page {
                pick(hv, self.langs[c.lang].official.len())
            } else {
                pick(hv, self.langs[c.lang].public.len())
            },
            official: from_page,
        }
    }

    /// Messages visible at `now_ms`.
    pub(crate) fn fb_messages_visible(&self, c: &GenConversation, now_ms: i64) -> Vec<GenMessage> {
        (0..c.messages)
            .map(|i| self.fb_message(c, i))
            .take_while(|m| m.ts_ms <= now_ms)
            .collect()
    }

    pub(crate) fn fb_message_id(&self, m: &GenMessage) -> String {
        let mut b = [0u8; 18];
        b[0..2].copy_from_slice(&(m.conv.page as u16).to_be_bytes());
        b[2..10].copy_from_slice(&m.conv.ts_ms.to_be_bytes());
        b[10..12].copy_from_slice(&(m.conv.n as u16).to_be_bytes());
        b[12..14].copy_from_slice(&(m.i as u16).to_be_bytes());
        let chk = h(
            self.seed,
            &[
                TAG_FB + 7,
                u64::from_be_bytes([b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9]]),
                u64::from(m.i),
            ],
        );
        b[14..18].copy_from_slice(&(chk as u32).to_be_bytes());
        format!("m_{}", URL_SAFE_NO_PAD.encode(b))
    }

    pub(crate) fn fb_message_from_id(&self, id: &str) -> Option<(GenConversation, GenMessage)> {
        let raw = URL_SAFE_NO_PAD.decode(id.strip_prefix("m_")?).ok()?;
        if raw.len() != 18 {
            return None;
        }
        let page = u16::from_be_bytes([raw[0], raw[1]]) as usize;
        let mut tsb = [0u8; 8];
        tsb.copy_from_slice(&raw[2..10]);
        let key = ConvKey {
            page,
            ts_ms: i64::from_be_bytes(tsb),
            n: u32::from(u16::from_be_bytes([raw[10], raw[11]])),
        };
        let i = u32::from(u16::from_be_bytes([raw[12], raw[13]]));
        let c = self.fb_conversation(key)?;
        if i >= c.messages {
            return None;
        }
        let m = self.fb_message(&c, i);
        (self.fb_message_id(&m) == id).then_some((c, m))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::world::WorldParams;

    fn world() -> World {
        World::build(&WorldParams {
            seed: 5,
            x_accounts: 3,
            fb_pages: 12,
            virtual_start_ms: 1_790_000_000_000,
            history_days: 30,
            volume: 1.0,
            crisis: None,
        })
    }

    #[test]
    fn post_keys_round_trip() {
        let w = world();
        let mut out = Vec::new();
        w.fb_posts_desc(
            0,
            KIND_OWN,
            PostKey {
                ts_ms: 1_790_000_000_000,
                kind: 9,
                page: 0,
                seq: 0,
            }
            .sort_key(),
            0,
            20,
            &mut out,
        );
        assert_eq!(out.len(), 20);
        for g in &out {
            let k = PostKey::parse_num(&g.key.num()).unwrap();
            assert_eq!(k, g.key);
            assert_eq!(w.fb_post(k).unwrap().key, g.key);
        }
        let mut vis = Vec::new();
        w.fb_posts_desc(
            0,
            KIND_VISITOR,
            PostKey {
                ts_ms: 1_790_000_000_000,
                kind: 9,
                page: 0,
                seq: 0,
            }
            .sort_key(),
            0,
            20,
            &mut vis,
        );
        assert!(!vis.is_empty());
        for g in &vis {
            assert_eq!(w.fb_post(g.key).unwrap().key, g.key);
        }
    }

    #[test]
    fn comments_and_messages_decode() {
        let w = world();
        let post = (0..50)
            .map(|k| w.fb_own_post(0, 20_000 + k))
            .find(|p| p.comments > 5)
            .unwrap();
        let c = w.fb_comment(&post, 3);
        let m = w.fb_comment_suffix(&c);
        assert_eq!(w.fb_comment_from_suffix(&post, &m).unwrap().j, 3);
        let convs = w.fb_conversations(0, 1_790_000_000_000);
        assert!(!convs.is_empty());
        let c0 = convs[0];
        assert_eq!(ConvKey::parse(&c0.key.id()), Some(c0.key));
        let msg = w.fb_message(&c0, 0);
        let id = w.fb_message_id(&msg);
        assert_eq!(w.fb_message_from_id(&id).unwrap().1.i, 0);
    }
}

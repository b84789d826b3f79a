//! Writes X posts and users as JSON, honouring field selection and expansions.

use std::collections::HashSet;
use std::hash::BuildHasherDefault;
use std::sync::Arc;

use crate::config::XNaming;
use crate::hash::{mix, unit};
use crate::json::JsonBuf;
use crate::state::Shared;
use crate::world::World;
use crate::x_cache::{Frag, MixHasher};
use crate::x_fields::{ex, mf, tf, uf, Fields};
use crate::x_store::{EntityKind, StoredTweet};
use crate::xgen::{
    display_url, expanded_url, tco, Mention, MentionKind, OwnPost, Seg, TextPlan, UserRef,
};

/// Any post the sandbox can show.
#[derive(Clone)]
pub(crate) enum TweetRef {
    Gen(Mention),
    Own(OwnPost),
    Stored(Arc<StoredTweet>),
}

impl TweetRef {
    pub(crate) fn id(&self) -> u64 {
        match self {
            TweetRef::Gen(m) => m.id,
            TweetRef::Own(o) => o.id,
            TweetRef::Stored(s) => s.id,
        }
    }
    pub(crate) fn ts(&self) -> i64 {
        match self {
            TweetRef::Gen(m) => m.ts_ms,
            TweetRef::Own(o) => o.ts_ms,
            TweetRef::Stored(s) => s.ts_ms,
        }
    }
    pub(crate) fn author(&self) -> UserRef {
        match self {
            TweetRef::Gen(m) => UserRef::Public(m.author),
            TweetRef::Own(o) => UserRef::Account(o.account),
            TweetRef::Stored(s) => UserRef::Account(s.account),
        }
    }
    pub(crate) fn conversation(&self) -> u64 {
        match self {
            TweetRef::Gen(m) => match m.kind {
                MentionKind::Reply { conv, .. } | MentionKind::Thread { conv, .. } => conv,
                _ => m.id,
            },
            TweetRef::Own(o) => o.id,
            TweetRef::Stored(s) => s.conv,
        }
    }
    /// (replied-to post, its author)
    pub(crate) fn reply_to(&self, w: &World) -> Option<(u64, UserRef)> {
        match self {
            TweetRef::Gen(m) => match m.kind {
                MentionKind::Reply { to, .. } => Some((to, UserRef::Account(m.account))),
                MentionKind::Thread { to, to_author, .. } => Some((to, UserRef::Public(to_author))),
                _ => None,
            },
            TweetRef::Own(_) => None,
            TweetRef::Stored(s) => {
                let _ = w;
                s.reply_to
            }
        }
    }
    pub(crate) fn quoted(&self) -> Option<u64> {
        match self {
            TweetRef::Gen(m) => match m.kind {
                MentionKind::Quote { quoted } => Some(quoted),
                _ => None,
            },
            TweetRef::Own(_) => None,
            TweetRef::Stored(s) => s.quote,
        }
    }
    fn hv(&self) -> u64 {
        match self {
            TweetRef::Gen(m) => m.hv,
            TweetRef::Own(o) => o.hv,
            TweetRef::Stored(s) => mix(s.id),
        }
    }
    fn lang<'a>(&self, w: &'a World) -> &'a str {
        match self {
            TweetRef::Gen(m) => w.langs[m.lang].code,
            TweetRef::Own(o) => w.langs[o.lang].code,
            TweetRef::Stored(s) => s.lang,
        }
    }
}

/// What a page of posts pulls into `includes`, and partial errors.
#[derive(Default)]
pub(crate) struct Includes {
    pub(crate) users: Vec<UserRef>,
    /// The same users, for deduplication (a page can pull in 100 and more).
    seen_users: HashSet<UserRef, BuildHasherDefault<MixHasher>>,
    pub(crate) tweets: Vec<u64>,
    pub(crate) media: Vec<String>,
}

impl Includes {
    pub(crate) fn clear(&mut self) {
        self.users.clear();
        self.seen_users.clear();
        self.tweets.clear();
        self.media.clear();
    }
    fn user(&mut self, u: UserRef) {
        if self.seen_users.insert(u) {
            self.users.push(u);
        }
    }
    fn tweet(&mut self, id: u64) {
        if !self.tweets.contains(&id) {
            self.tweets.push(id);
        }
    }
}

pub(crate) fn write_iso_ms(j: &mut JsonBuf, ts_ms: i64) {
    // 2026-11-24T10:00:00.000Z
    j.begin_str();
    let milli = crate::json::push_datetime(&mut j.buf, ts_ms);
    j.buf.push(b'.');
    j.buf.push(b'0' + (milli / 100) as u8);
    j.buf.push(b'0' + (milli / 10 % 10) as u8);
    j.buf.push(b'0' + (milli % 10) as u8);
    j.buf.push(b'Z');
    j.end_str();
}

/// Entity positions gathered while writing the text.
struct EntityMark {
    kind: u8, // 0 mention, 1 hashtag, 2 url
    start: u32,
    end: u32,
    seg: usize,
}

impl Shared {
    fn edit_key(&self) -> &'static str {
        match self.naming {
            XNaming::Classic => "edit_history_tweet_ids",
            XNaming::Current => "edit_history_post_ids",
        }
    }

    pub(crate) fn referenced_key(&self) -> &'static str {
        match self.naming {
            XNaming::Classic => "referenced_tweets",
            XNaming::Current => "referenced_posts",
        }
    }

    /// Writes one post object like [`Shared::write_tweet`], from the fragment cache when the post
    /// and the fields allow it.
    pub(crate) fn write_tweet_cached(
        &self,
        j: &mut JsonBuf,
        t: &TweetRef,
        f: &Fields,
        inc: &mut Includes,
    ) {
        match t {
            TweetRef::Stored(_) => self.write_tweet(j, t, f, inc),
            _ => self.write_generated_cached(j, t.id(), f, inc, || t.clone()),
        }
    }

    /// Writes the generated (or own, generated) post `id`; `make` builds it on a cache miss.
    pub(crate) fn write_generated_cached(
        &self,
        j: &mut JsonBuf,
        id: u64,
        f: &Fields,
        inc: &mut Includes,
        make: impl FnOnce() -> TweetRef,
    ) {
        // Post metrics move with the clock: never cached.
        if f.tweet & tf::PUBLIC_METRICS != 0 || self.caches_off() {
            let t = make();
            self.write_tweet(j, &t, f, inc);
            return;
        }
        let bits = f.tweet | (f.exp << 16);
        self.post_cache.with(
            (id, bits),
            || {
                let t = make();
                debug_assert!(!matches!(t, TweetRef::Stored(_)));
                let mut one = JsonBuf::with_capacity(1024);
                let mut one_inc = Includes::default();
                self.write_tweet(&mut one, &t, f, &mut one_inc);
                debug_assert!(one_inc.media.is_empty());
                Frag::new(&one.buf, &one_inc.users, &one_inc.tweets)
            },
            |frag| {
                j.raw_value(frag.json());
                for u in frag.users() {
                    inc.user(u);
                }
                for t in frag.tweets() {
                    inc.tweet(t);
                }
            },
        );
    }

    /// Writes one user object like [`Shared::write_user`], from the fragment cache.
    pub(crate) fn write_user_cached(&self, j: &mut JsonBuf, u: UserRef, fields: u32) {
        if self.caches_off() {
            self.write_user(j, u, fields);
            return;
        }
        self.user_cache.with(
            u,
            fields,
            || {
                let mut one = JsonBuf::with_capacity(512);
                self.write_user(&mut one, u, fields);
                one.buf
            },
            |json| j.raw_value(json),
        );
    }

    /// Writes one post object.
    pub(crate) fn write_tweet(
        &self,
        j: &mut JsonBuf,
        t: &TweetRef,
        f: &Fields,
        inc: &mut Includes,
    ) {
        let w = &self.world;
        let id = t.id();
        j.buf.reserve(1024);
        j.begin_obj();
        j.key("id");
        j.id_str(id);
        j.key("text");
        let plan: TextPlan<'_>;
        let stored_marks: Option<&Arc<StoredTweet>>;
        let mut marks: [Option<EntityMark>; 12] = Default::default();
        let mut nmarks = 0usize;
        match t {
            TweetRef::Stored(s) => {
                j.raw_str(&s.text_esc);
                stored_marks = Some(s);
                plan = TextPlan::new();
            }
            TweetRef::Gen(m) => {
                plan = w.mention_text(m);
                stored_marks = None;
            }
            TweetRef::Own(o) => {
                plan = w.own_text(o);
                stored_marks = None;
            }
        }
        if stored_marks.is_none() {
            j.begin_str();
            let mut pos = 0u32;
            let mut tbuf = [0u8; 23];
            for (i, seg) in plan.iter().enumerate() {
                let (len, kind) = match *seg {
                    Seg::Lit(s) => {
                        j.push_raw(s);
                        (s.len() as u32, None)
                    }
                    Seg::Frag(fr) => {
                        j.push_raw(&fr.esc);
                        (fr.chars, None)
                    }
                    Seg::Hashtag(fr) => {
                        j.push_raw(&fr.esc);
                        (fr.chars, Some(1))
                    }
                    Seg::At(u) => {
                        j.push_raw("@");
                        let name = u.username(w);
                        j.push_raw(name);
                        (name.len() as u32 + 1, Some(0))
                    }
                    Seg::Url(code) => {
                        j.push_raw(tco(code, &mut tbuf));
                        (23, Some(2))
                    }
                    Seg::Emoji(e) => {
                        j.push_raw(e);
                        (e.chars().count() as u32, None)
                    }
                };
                if let Some(k) = kind {
                    if nmarks < marks.len() {
                        marks[nmarks] = Some(EntityMark {
                            kind: k,
                            start: pos,
                            end: pos + len,
                            seg: i,
                        });
                        nmarks += 1;
                    }
                }
                pos += len;
            }
            j.end_str();
        }
        j.key(self.edit_key());
        j.begin_arr();
        j.id_str(id);
        j.end_arr();

        let author = t.author();
        if f.exp & ex::AUTHOR != 0 {
            inc.user(author);
        }
        if f.tweet & tf::AUTHOR_ID != 0 {
            j.key("author_id");
            j.id_str(author.id(w));
        }
        if f.tweet & tf::CREATED_AT != 0 {
            j.key("created_at");
            write_iso_ms(j, t.ts());
        }
        if f.tweet & tf::CONVERSATION_ID != 0 {
            j.key("conversation_id");
            j.id_str(t.conversation());
        }
        let reply = t.reply_to(w);
        if let Some((_, to_user)) = reply {
            if f.tweet & tf::IN_REPLY_TO != 0 {
                j.key("in_reply_to_user_id");
                j.id_str(to_user.id(w));
            }
            if f.exp & ex::REPLY_USER != 0 {
                inc.user(to_user);
            }
        }
        let quoted = t.quoted();
        if f.tweet & tf::REFERENCED != 0 && (reply.is_some() || quoted.is_some()) {
            j.key(self.referenced_key());
            j.begin_arr();
            if let Some((to, _)) = reply {
                j.begin_obj();
                j.key("type");
                j.raw_str("replied_to");
                j.key("id");
                j.id_str(to);
                j.end_obj();
            }
            if let Some(q) = quoted {
                j.begin_obj();
                j.key("type");
                j.raw_str("quoted");
                j.key("id");
                j.id_str(q);
                j.end_obj();
            }
            j.end_arr();
        }
        if f.exp & ex::REFERENCED != 0 {
            if let Some((to, _)) = reply {
                inc.tweet(to);
            }
            if let Some(q) = quoted {
                inc.tweet(q);
            }
        }
        if f.tweet & tf::LANG != 0 {
            j.key("lang");
            j.raw_str(t.lang(w));
        }
        if f.tweet & tf::POSSIBLY_SENSITIVE != 0 {
            j.key("possibly_sensitive");
            j.bool(false);
        }
        if f.tweet & tf::REPLY_SETTINGS != 0 {
            j.key("reply_settings");
            j.raw_str("everyone");
        }
        if let TweetRef::Stored(s) = t {
            if !s.media_keys.is_empty() {
                if f.tweet & tf::ATTACHMENTS != 0 {
                    j.key("attachments");
                    j.begin_obj();
                    j.key("media_keys");
                    j.begin_arr();
                    for k in &s.media_keys {
                        j.str(k);
                    }
                    j.end_arr();
                    j.end_obj();
                }
                if f.exp & ex::MEDIA != 0 {
                    for k in &s.media_keys {
                        if !inc.media.contains(k) {
                            inc.media.push(k.clone());
                        }
                    }
                }
            }
        }
        if f.tweet & tf::PUBLIC_METRICS != 0 {
            let hv = t.hv();
            let age_h =
                ((self.clock.virtual_now_ms() - t.ts()) as f64 / 3_600_000.0).clamp(0.0, 72.0);
            let base = unit(mix(hv ^ 0x50)).powi(3) * (1.0 + age_h).ln() * 40.0;
            j.key("public_metrics");
            j.begin_obj();
            j.key(match self.naming {
                XNaming::Classic => "retweet_count",
                XNaming::Current => "repost_count",
            });
            j.u64((base * 0.3) as u64);
            j.key("reply_count");
            j.u64((base * 0.2) as u64);
            j.key("like_count");
            j.u64(base as u64);
            j.key("quote_count");
            j.u64((base * 0.05) as u64);
            j.key("bookmark_count");
            j.u64((base * 0.1) as u64);
            j.key("impression_count");
            j.u64((base * 60.0) as u64 + 3);
            j.end_obj();
        }
        if f.tweet & tf::EDIT_CONTROLS != 0 {
            j.key("edit_controls");
            j.begin_obj();
            j.key("edits_remaining");
            j.u64(5);
            j.key("is_edit_eligible");
            j.bool(matches!(t, TweetRef::Stored(_)));
            j.key("editable_until");
            write_iso_ms(j, t.ts() + 3_600_000);
            j.end_obj();
        }
        let want_entities = f.tweet & tf::ENTITIES != 0;
        let want_mentions = f.exp & ex::MENTIONS != 0;
        if want_entities || want_mentions {
            // Collect (kind, start, end, payload) uniformly, without allocating for generated
            // posts.
            let mut fixed: [Option<(u8, u32, u32, EntityPayload<'_>)>; 12] = [None; 12];
            let mut extra: Vec<(u8, u32, u32, EntityPayload<'_>)> = Vec::new();
            let mut n = 0usize;
            let mut push = |e| {
                if n < fixed.len() {
                    fixed[n] = Some(e);
                    n += 1;
                } else {
                    extra.push(e);
                }
            };
            if let Some(s) = stored_marks {
                for e in &s.entities {
                    let p = match e.kind {
                        EntityKind::Mention(u) => (0, EntityPayload::User(u)),
                        EntityKind::Hashtag => (1, EntityPayload::Tag(&e.text)),
                        EntityKind::Url => (2, EntityPayload::Link(&e.text)),
                    };
                    push((p.0, e.start, e.end, p.1));
                }
            } else {
                for m in marks.iter().take(nmarks).flatten() {
                    let payload = match plan.segs[m.seg] {
                        Seg::At(u) => EntityPayload::User(u),
                        Seg::Hashtag(fr) => EntityPayload::Tag(fr.esc.trim_start_matches('#')),
                        Seg::Url(code) => EntityPayload::Code(code),
                        _ => continue,
                    };
                    push((m.kind, m.start, m.end, payload));
                }
            }
            let list = || fixed.iter().flatten().chain(extra.iter());
            if want_mentions {
                for (_, _, _, p) in list() {
                    if let EntityPayload::User(u) = p {
                        inc.user(*u);
                    }
                }
            }
            if want_entities && list().next().is_some() {
                j.key("entities");
                j.begin_obj();
                for (kind, key) in [(0u8, "mentions"), (1, "hashtags"), (2, "urls")] {
                    if !list().any(|e| e.0 == kind) {
                        continue;
                    }
                    j.key(key);
                    j.begin_arr();
                    for (k, start, end, p) in list() {
                        if *k != kind {
                            continue;
                        }
                        j.begin_obj();
                        j.key("start");
                        j.u64(u64::from(*start));
                        j.key("end");
                        j.u64(u64::from(*end));
                        match p {
                            EntityPayload::User(u) => {
                                j.key("username");
                                j.raw_str(u.username(w));
                                j.key("id");
                                j.id_str(u.id(w));
                            }
                            EntityPayload::Tag(tag) => {
                                j.key("tag");
                                j.str(tag);
                            }
                            EntityPayload::Code(code) => {
                                let mut tb = [0u8; 23];
                                j.key("url");
                                j.raw_str(tco(*code, &mut tb));
                                j.key("expanded_url");
                                j.str(&expanded_url(*code));
                                j.key("display_url");
                                j.str(&display_url(*code));
                            }
                            EntityPayload::Link(url) => {
                                j.key("url");
                                j.str(url);
                                j.key("expanded_url");
                                j.str(url);
                                j.key("display_url");
                                let d: String = url
                                    .trim_start_matches("https://")
                                    .trim_start_matches("http://")
                                    .chars()
                                    .take(25)
                                    .collect();
                                j.str(&d);
                            }
                        }
                        j.end_obj();
                    }
                    j.end_arr();
                }
                j.end_obj();
            }
        }
        j.end_obj();
    }

    /// Writes one user object.
    pub(crate) fn write_user(&self, j: &mut JsonBuf, u: UserRef, fields: u32) {
        let w = &self.world;
        j.begin_obj();
        match u {
            UserRef::Account(a) => {
                let p = &w.x[a];
                j.raw_members(&p.json_head);
                if fields & uf::CREATED_AT != 0 {
                    j.key("created_at");
                    write_iso_ms(j, p.created_ms);
                }
                if fields & uf::DESCRIPTION != 0 {
                    j.key("description");
                    j.str(&p.description);
                }
                if fields & uf::LOCATION != 0 {
                    j.key("location");
                    j.str(&format!("{}, {}", p.city, p.country));
                }
                if fields & uf::PROFILE_IMAGE != 0 {
                    j.key("profile_image_url");
                    j.begin_str();
                    j.push_raw(&self.base);
                    j.push_raw("/__sandbox/avatars/x/");
                    j.push_u64(p.id);
                    j.push_raw(".svg");
                    j.end_str();
                }
                if fields & uf::PROTECTED != 0 {
                    j.key("protected");
                    j.bool(false);
                }
                if fields & uf::PUBLIC_METRICS != 0 {
                    self.write_user_metrics(j, p.followers, 800, 5_000 + p.followers / 50);
                }
                if fields & uf::URL != 0 {
                    j.key("url");
                    j.str("https://www.veldoria.example/mfa");
                }
                if fields & uf::VERIFIED != 0 {
                    j.key("verified");
                    j.bool(true);
                }
                if fields & uf::VERIFIED_TYPE != 0 {
                    j.key("verified_type");
                    j.raw_str("government");
                }
            }
            UserRef::Public(i) => {
                let p = &w.users[i];
                j.raw_members(&p.json_head);
                if fields & uf::CREATED_AT != 0 {
                    j.key("created_at");
                    write_iso_ms(j, p.created_ms);
                }
                if fields & uf::DESCRIPTION != 0 {
                    j.key("description");
                    j.raw_str("");
                }
                if fields & uf::PROFILE_IMAGE != 0 {
                    j.key("profile_image_url");
                    j.begin_str();
                    j.push_raw(&self.base);
                    j.push_raw("/__sandbox/avatars/u/");
                    j.push_u64(World::x_public_id(i));
                    j.push_raw(".svg");
                    j.end_str();
                }
                if fields & uf::PROTECTED != 0 {
                    j.key("protected");
                    j.bool(false);
                }
                if fields & uf::PUBLIC_METRICS != 0 {
                    self.write_user_metrics(
                        j,
                        p.followers,
                        100 + p.followers / 3,
                        200 + p.followers,
                    );
                }
                if fields & uf::VERIFIED != 0 {
                    j.key("verified");
                    j.bool(p.verified);
                }
                if fields & uf::VERIFIED_TYPE != 0 {
                    j.key("verified_type");
                    j.raw_str(if p.verified { "blue" } else { "none" });
                }
            }
        }
        j.end_obj();
    }

    fn write_user_metrics(&self, j: &mut JsonBuf, followers: u64, following: u64, tweets: u64) {
        j.key("public_metrics");
        j.begin_obj();
        j.key("followers_count");
        j.u64(followers);
        j.key("following_count");
        j.u64(following);
        j.key(match self.naming {
            XNaming::Classic => "tweet_count",
            XNaming::Current => "post_count",
        });
        j.u64(tweets);
        j.key("listed_count");
        j.u64(followers / 200);
        j.key("like_count");
        j.u64(tweets / 2);
        j.key("media_count");
        j.u64(tweets / 10);
        j.end_obj();
    }

    /// Writes `includes` (and partial `errors` for referenced posts that are gone). Returns
    /// nothing; keys appear only when non-empty (the schemas require minItems 1).
    pub(crate) fn write_includes(
        &self,
        j: &mut JsonBuf,
        f: &Fields,
        inc: &mut Includes,
        now_ms: i64,
    ) {
        // Referenced posts first: their authors may join the users.
        let mut found: Vec<TweetRef> = Vec::new();
        let mut missing: Vec<u64> = Vec::new();
        for &id in &inc.tweets {
            match self.lookup_tweet(id, now_ms) {
                Some(t) => found.push(t),
                None => missing.push(id),
            }
        }
        let sub = Fields {
            tweet: f.tweet,
            user: f.user,
            exp: 0,
            media: f.media,
        };
        let mut sub_inc = Includes::default();
        if f.exp & ex::REFERENCED_AUTHOR != 0 {
            for t in &found {
                inc.user(t.author());
            }
        }
        let any = !inc.users.is_empty() || !found.is_empty() || !inc.media.is_empty();
        if any {
            j.key("includes");
            j.begin_obj();
            if !inc.users.is_empty() {
                j.key("users");
                j.begin_arr();
                for &u in &inc.users {
                    self.write_user_cached(j, u, f.user);
                }
                j.end_arr();
            }
            if !found.is_empty() {
                j.key(match self.naming {
                    XNaming::Classic => "tweets",
                    XNaming::Current => "posts",
                });
                j.begin_arr();
                for t in &found {
                    self.write_tweet_cached(j, t, &sub, &mut sub_inc);
                }
                j.end_arr();
            }
            if !inc.media.is_empty() {
                let media: Vec<_> = match self.x_store.media.lock() {
                    Ok(m) => inc
                        .media
                        .iter()
                        .filter_map(|k| {
                            let id = k.split('_').nth(1)?.parse::<u64>().ok()?;
                            m.get(&id).cloned()
                        })
                        .collect(),
                    Err(_) => Vec::new(),
                };
                j.key("media");
                j.begin_arr();
                for m in &media {
                    j.begin_obj();
                    j.key("media_key");
                    j.str(&m.key());
                    j.key("type");
                    j.raw_str(m.kind());
                    if f.media & mf::URL != 0 && m.kind() == "photo" {
                        j.key("url");
                        j.str(&format!("{}/__sandbox/media/{}.png", self.base, m.id));
                    }
                    if f.media & mf::PREVIEW != 0 && m.kind() != "photo" {
                        j.key("preview_image_url");
                        j.str(&format!("{}/__sandbox/media/{}.png", self.base, m.id));
                    }
                    if f.media & mf::WIDTH != 0 {
                        j.key("width");
                        j.u64(1200);
                    }
                    if f.media & mf::HEIGHT != 0 {
                        j.key("height");
                        j.u64(675);
                    }
                    if f.media & mf::ALT != 0 {
                        j.key("alt_text");
                        j.raw_str("");
                    }
                    j.end_obj();
                }
                j.end_arr();
            }
            j.end_obj();
        }
        if !missing.is_empty() {
            let param = format!("{}.id", self.referenced_key());
            j.key("errors");
            j.begin_arr();
            for id in missing {
                let v = crate::x_fields::not_found(
                    self.naming,
                    "tweet",
                    &param,
                    &id.to_string(),
                    format!("Could not find tweet with {param}: [{id}]."),
                );
                if let Ok(bytes) = serde_json::to_vec(&v) {
                    j.raw_value(&bytes);
                }
            }
            j.end_arr();
        }
    }

    /// Any visible, non-deleted post by id.
    pub(crate) fn lookup_tweet(&self, id: u64, now_ms: i64) -> Option<TweetRef> {
        if self.x_store.is_deleted(id) {
            return None;
        }
        if let Some(s) = self.x_store.get(id) {
            return Some(TweetRef::Stored(s));
        }
        let w = &self.world;
        if let Some(m) = w.mention_from_id(id) {
            if m.ts_ms <= now_ms
                && m.ts_ms >= w.history_start_ms
                && !crate::xgen::is_deleted_hash(m.hv)
            {
                return Some(TweetRef::Gen(m));
            }
            return None;
        }
        if let Some(o) = w.own_post_from_id(id) {
            if o.ts_ms <= now_ms && !crate::xgen::is_deleted_hash(o.hv) {
                return Some(TweetRef::Own(o));
            }
        }
        None
    }
}

#[derive(Clone, Copy)]
enum EntityPayload<'a> {
    User(UserRef),
    Tag(&'a str),
    Code(u64),
    Link(&'a str),
}

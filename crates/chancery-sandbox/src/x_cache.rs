//! Rendered JSON of generated X posts and of users, kept per field selection so that a page of
//! 100 posts is mostly a concatenation of ready fragments.
//!
//! What is cached never changes for a given key: generated posts and own posts are pure functions
//! of the seed and their id, users of the seed and their index, and the key carries everything
//! else the bytes depend on (the field bits and the expansions). Fields that move with the clock
//! (`public_metrics` of a post) are never cached, and neither are posts created through the API.
//! Deletions are checked before a post is rendered, so a deleted post never reaches the cache's
//! readers. Memory is bounded: each shard holds at most its share of the byte budget and, when
//! full, drops the fragments not read since its previous sweep (a CLOCK approximation of LRU).

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hash, Hasher};
use std::sync::{Mutex, OnceLock};

use bytes::Bytes;

use crate::hash::mix;
use crate::x_fields::Fields;
use crate::xgen::UserRef;

/// A rendered object and what it adds to the page's `includes`, in the order the renderer added
/// them (replaying them into a page's includes gives the same, deduplicated order). One
/// allocation: the JSON, then the users and the referenced posts as little-endian u64s.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Frag {
    buf: Box<[u8]>,
    json_len: u32,
    n_users: u32,
}

const ACCOUNT_BIT: u64 = 1 << 63;

fn user_code(u: UserRef) -> u64 {
    match u {
        UserRef::Account(a) => a as u64 | ACCOUNT_BIT,
        UserRef::Public(i) => i as u64,
    }
}

fn user_from_code(c: u64) -> UserRef {
    if c & ACCOUNT_BIT != 0 {
        UserRef::Account((c & !ACCOUNT_BIT) as usize)
    } else {
        UserRef::Public(c as usize)
    }
}

impl Frag {
    pub(crate) fn new(json: &[u8], users: &[UserRef], tweets: &[u64]) -> Frag {
        let mut buf = Vec::with_capacity(json.len() + 8 * (users.len() + tweets.len()));
        buf.extend_from_slice(json);
        for &u in users {
            buf.extend_from_slice(&user_code(u).to_le_bytes());
        }
        for &t in tweets {
            buf.extend_from_slice(&t.to_le_bytes());
        }
        Frag {
            buf: buf.into_boxed_slice(),
            json_len: json.len() as u32,
            n_users: users.len() as u32,
        }
    }

    pub(crate) fn json(&self) -> &[u8] {
        &self.buf[..self.json_len as usize]
    }

    fn codes(&self) -> impl Iterator<Item = u64> + '_ {
        self.buf[self.json_len as usize..]
            .chunks_exact(8)
            .map(|c| u64::from_le_bytes(c.try_into().unwrap_or_default()))
    }

    pub(crate) fn users(&self) -> impl Iterator<Item = UserRef> + '_ {
        self.codes().take(self.n_users as usize).map(user_from_code)
    }

    pub(crate) fn tweets(&self) -> impl Iterator<Item = u64> + '_ {
        self.codes().skip(self.n_users as usize)
    }

    fn cost(&self) -> usize {
        // The bytes, and roughly what a map slot and the allocation take.
        self.buf.len() + 64
    }
}

/// (object id, field/expansion bits).
pub(crate) type Key = (u64, u32);

/// A fast hasher for the integer keys (SplitMix64 folding).
#[derive(Default)]
pub(crate) struct MixHasher(u64);

impl Hasher for MixHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = mix(self.0 ^ u64::from(b));
        }
    }
    fn write_u64(&mut self, v: u64) {
        self.0 = mix(self.0 ^ v);
    }
    fn write_u32(&mut self, v: u32) {
        self.0 = mix(self.0 ^ u64::from(v).rotate_left(32));
    }
    fn write_usize(&mut self, v: usize) {
        self.write_u64(v as u64);
    }
}

/// What an entry weighs against a cache's budget.
pub(crate) trait Cost {
    fn cost(&self) -> usize;
}

impl Cost for Frag {
    fn cost(&self) -> usize {
        Frag::cost(self)
    }
}

struct Slot<V> {
    value: V,
    used: bool,
}

struct Shard<K, V> {
    map: HashMap<K, Slot<V>, BuildHasherDefault<MixHasher>>,
    bytes: usize,
}

const SHARDS: usize = 16;

/// A sharded map with a byte budget: when a shard is full, it drops the entries not read since
/// its previous sweep (a CLOCK approximation of LRU).
pub(crate) struct ClockCache<K, V> {
    shards: Box<[Mutex<Shard<K, V>>]>,
    shard_budget: usize,
}

impl<K: Hash + Eq + Copy, V: Cost> ClockCache<K, V> {
    /// A cache holding at most about `budget_bytes`.
    pub(crate) fn new(budget_bytes: usize) -> Self {
        ClockCache {
            shards: (0..SHARDS)
                .map(|_| {
                    Mutex::new(Shard {
                        map: HashMap::default(),
                        bytes: 0,
                    })
                })
                .collect(),
            shard_budget: budget_bytes / SHARDS,
        }
    }

    fn shard(&self, key: &K) -> &Mutex<Shard<K, V>> {
        let mut h = MixHasher::default();
        key.hash(&mut h);
        &self.shards[(mix(h.finish()) >> 59) as usize % SHARDS]
    }

    /// `read(value)` if `key` is cached.
    pub(crate) fn get<R>(&self, key: &K, read: impl FnOnce(&V) -> R) -> Option<R> {
        let mut s = self.shard(key).lock().ok()?;
        let slot = s.map.get_mut(key)?;
        slot.used = true;
        Some(read(&slot.value))
    }

    /// Caches `value` (replacing any entry for `key`); values larger than a shard's budget are
    /// not kept.
    pub(crate) fn insert(&self, key: K, value: V) {
        let cost = value.cost();
        if cost > self.shard_budget {
            return;
        }
        if let Ok(mut s) = self.shard(&key).lock() {
            if s.bytes + cost > self.shard_budget {
                s.evict(self.shard_budget * 3 / 4);
            }
            s.bytes += cost;
            if let Some(old) = s.map.insert(key, Slot { value, used: false }) {
                s.bytes -= old.value.cost();
            }
        }
    }

    /// Bytes held (approximate), for tests and diagnostics.
    #[cfg(test)]
    pub(crate) fn bytes(&self) -> usize {
        self.shards
            .iter()
            .map(|s| s.lock().map(|s| s.bytes).unwrap_or(0))
            .sum()
    }

    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.shards
            .iter()
            .map(|s| s.lock().map(|s| s.map.len()).unwrap_or(0))
            .sum()
    }
}

/// Rendered generated posts: (post id, field and expansion bits) → fragment.
pub(crate) type FragCache = ClockCache<Key, Frag>;

impl FragCache {
    /// Calls `use_frag` with the fragment for `key`, rendering it with `render` first if it is
    /// not cached.
    pub(crate) fn with<R>(
        &self,
        key: Key,
        render: impl FnOnce() -> Frag,
        use_frag: impl FnOnce(&Frag) -> R,
    ) -> R {
        // Fragments are read under the shard's lock (a copy of a few hundred bytes).
        let mut use_frag = Some(use_frag);
        if let Some(r) = self.get(&key, |f| use_frag.take().map(|u| u(f))).flatten() {
            return r;
        }
        // Rendered outside the lock; a concurrent miss on the same key renders the same bytes.
        let frag = render();
        let out = use_frag.take().map(|u| u(&frag));
        self.insert(key, frag);
        out.unwrap_or_else(|| unreachable!("`use_frag` runs once"))
    }
}

impl<K: Hash + Eq, V: Cost> Shard<K, V> {
    /// Drops entries not read since the last sweep (clearing the marks of those kept) until at
    /// most `target` bytes remain; if every entry was read, a second sweep drops the rest as
    /// needed.
    fn evict(&mut self, target: usize) {
        for _ in 0..2 {
            let mut bytes = self.bytes;
            self.map.retain(|_, slot| {
                if bytes <= target {
                    return true;
                }
                if slot.used {
                    slot.used = false;
                    true
                } else {
                    bytes -= slot.value.cost();
                    false
                }
            });
            self.bytes = bytes;
            if bytes <= target {
                break;
            }
        }
    }
}

/// A whole timeline page as served, and what it was made of.
pub(crate) struct CachedPage {
    pub(crate) shape: PageShape,
    /// The posts of `data`, in order.
    pub(crate) ids: Box<[u64]>,
    /// The referenced posts looked up for `includes` (a deletion makes the page stale).
    pub(crate) refs: Box<[u64]>,
    pub(crate) body: Bytes,
}

/// What a timeline page depends on besides its posts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct PageShape {
    pub(crate) account: u32,
    pub(crate) own: bool,
    pub(crate) more: bool,
    pub(crate) token_dir: Option<bool>,
    pub(crate) fields: Fields,
}

impl Cost for CachedPage {
    fn cost(&self) -> usize {
        self.body.len() + 8 * (self.ids.len() + self.refs.len()) + 128
    }
}

/// Whole pages, keyed by a hash of their shape and posts (checked on a hit).
pub(crate) type PageCache = ClockCache<u64, CachedPage>;

/// Rendered users, indexed directly by user (accounts first, then the public), for up to
/// [`USER_FIELD_SETS`] distinct `user.fields` selections; others are rendered each time. The
/// world's users never change, so nothing is evicted: the size is bounded by the world.
pub(crate) struct UserFrags {
    accounts: usize,
    publics: usize,
    tables: [OnceLock<UserTable>; USER_FIELD_SETS],
}

const USER_FIELD_SETS: usize = 4;

struct UserTable {
    fields: u32,
    slots: Box<[OnceLock<Box<[u8]>>]>,
}

impl UserFrags {
    pub(crate) fn new(accounts: usize, publics: usize) -> Self {
        UserFrags {
            accounts,
            publics,
            tables: Default::default(),
        }
    }

    fn index(&self, u: UserRef) -> Option<usize> {
        match u {
            UserRef::Account(a) if a < self.accounts => Some(a),
            UserRef::Public(i) if i < self.publics => Some(self.accounts + i),
            _ => None,
        }
    }

    /// The table for `fields`, claiming a free one if needed; `None` once all are taken.
    fn table(&self, fields: u32) -> Option<&UserTable> {
        for t in &self.tables {
            let t = t.get_or_init(|| UserTable {
                fields,
                slots: (0..self.accounts + self.publics)
                    .map(|_| OnceLock::new())
                    .collect(),
            });
            if t.fields == fields {
                return Some(t);
            }
        }
        None
    }

    /// Calls `use_json` with the JSON of user `u` for `fields`, rendering it with `render` when
    /// it is not cached.
    pub(crate) fn with<R>(
        &self,
        u: UserRef,
        fields: u32,
        render: impl FnOnce() -> Vec<u8>,
        use_json: impl FnOnce(&[u8]) -> R,
    ) -> R {
        match (self.index(u), self.table(fields)) {
            (Some(i), Some(t)) => use_json(t.slots[i].get_or_init(|| render().into_boxed_slice())),
            _ => use_json(&render()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frag(n: usize) -> Frag {
        Frag::new(&vec![b'x'; n], &[UserRef::Public(1)], &[])
    }

    #[test]
    fn a_fragment_keeps_its_includes_in_order() {
        let users = [
            UserRef::Account(3),
            UserRef::Public(19_999),
            UserRef::Account(0),
        ];
        let f = Frag::new(b"{\"id\":\"1\"}", &users, &[42, u64::MAX]);
        assert_eq!(f.json(), b"{\"id\":\"1\"}");
        assert_eq!(f.users().collect::<Vec<_>>(), users);
        assert_eq!(f.tweets().collect::<Vec<_>>(), [42, u64::MAX]);
    }

    #[test]
    fn renders_once_then_serves_the_cached_fragment() {
        let c = FragCache::new(1 << 20);
        let mut renders = 0;
        for _ in 0..3 {
            let len = c.with(
                (7, 1),
                || {
                    renders += 1;
                    frag(10)
                },
                |f| f.json().len(),
            );
            assert_eq!(len, 10);
        }
        assert_eq!(renders, 1);
        // Another field selection is another fragment.
        c.with((7, 2), || frag(20), |f| assert_eq!(f.json().len(), 20));
        assert_eq!(c.len(), 2);
    }

    #[test]
    fn stays_within_its_budget_and_keeps_what_is_read() {
        let budget = 64 * 1024;
        let c = FragCache::new(budget);
        for id in 0..10_000u64 {
            c.with((id, 0), || frag(200), |_| ());
            // A hot key read all along.
            c.with((u64::MAX, 0), || frag(200), |_| ());
            assert!(c.bytes() <= budget, "{} > {budget}", c.bytes());
        }
        let mut rendered = false;
        c.with(
            (u64::MAX, 0),
            || {
                rendered = true;
                frag(200)
            },
            |_| (),
        );
        assert!(!rendered, "the hot fragment was evicted");
    }

    #[test]
    fn users_are_rendered_once_per_field_set() {
        let c = UserFrags::new(2, 10);
        let mut renders = 0;
        for fields in [0u32, 1, 2, 3, 4, 5, 0, 5] {
            for u in [UserRef::Account(1), UserRef::Public(9), UserRef::Public(10)] {
                let got = c.with(
                    u,
                    fields,
                    || {
                        renders += 1;
                        format!("{u:?}/{fields}").into_bytes()
                    },
                    |j| j.to_vec(),
                );
                assert_eq!(got, format!("{u:?}/{fields}").into_bytes());
            }
        }
        // Four field sets cached (two known users each, once); the fifth and sixth field sets
        // (three passes) and the unknown user (eight) are rendered every time.
        assert_eq!(renders, 4 * 2 + 3 * 2 + 8);
    }
}

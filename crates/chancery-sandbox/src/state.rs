//! The shared state behind every handler.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock};

use axum::http::HeaderMap;

use crate::clock::Clock;
use crate::config::XNaming;
use crate::faults::FaultEngine;
use crate::graph_store::FbStore;
use crate::manifest::Manifest;
use crate::ratelimit::RateLimiter;
use crate::reqlog::RequestLog;
use crate::tokens::TokenAuthority;
use crate::world::World;
use crate::x_cache::{FragCache, PageCache, UserFrags};
use crate::x_store::XStore;

/// A pending OAuth authorisation code (X or Facebook).
#[derive(Debug, Clone)]
pub(crate) struct PendingCode {
    pub(crate) account: u16,
    pub(crate) scopes: u16,
    pub(crate) redirect_uri: String,
    pub(crate) client_id: String,
    pub(crate) challenge: String,
    pub(crate) method: String,
    /// Real Unix ms.
    pub(crate) expires_ms: i64,
}

pub(crate) struct Shared {
    pub(crate) world: World,
    pub(crate) clock: Clock,
    pub(crate) tokens: TokenAuthority,
    pub(crate) limits: RateLimiter,
    pub(crate) faults: FaultEngine,
    pub(crate) log: RequestLog,
    pub(crate) naming: XNaming,
    pub(crate) graph_version: String,
    pub(crate) history_days: u32,
    /// `http://127.0.0.1:PORT` (no trailing slash).
    pub(crate) base: String,
    pub(crate) x_client_id: String,
    pub(crate) x_client_secret: String,
    pub(crate) fb_app_id: String,
    pub(crate) fb_app_secret: String,
    pub(crate) fb_user_id: u64,
    pub(crate) x_store: XStore,
    /// Rendered generated posts, per field selection.
    pub(crate) post_cache: FragCache,
    /// Rendered users, per field selection.
    pub(crate) user_cache: UserFrags,
    /// Timeline pages as served (the same page asked again is not rendered again).
    pub(crate) page_cache: PageCache,
    /// Tests compare cached output with output rendered afresh.
    #[cfg(test)]
    pub(crate) caches_off: AtomicBool,
    pub(crate) fb_store: FbStore,
    pub(crate) codes: Mutex<HashMap<String, PendingCode>>,
    pub(crate) auto_x: Mutex<Option<String>>,
    pub(crate) auto_fb: AtomicBool,
    pub(crate) graph_page_limit: Option<u64>,
    pub(crate) graph_user_limit: Option<u64>,
    pub(crate) counter: AtomicU64,
    pub(crate) shutdown: tokio::sync::watch::Receiver<bool>,
    pub(crate) manifest: OnceLock<Manifest>,
}

impl Shared {
    /// Whether the render caches are bypassed (tests only).
    #[inline]
    pub(crate) fn caches_off(&self) -> bool {
        #[cfg(test)]
        {
            self.caches_off.load(Ordering::Relaxed)
        }
        #[cfg(not(test))]
        {
            false
        }
    }

    /// A fresh number, unique within this run (token nonces, codes, posted ids).
    pub(crate) fn next_counter(&self) -> u64 {
        self.counter.fetch_add(1, Ordering::Relaxed) + 1
    }

    /// A nonce unique across runs with the same seed (mixes in real time).
    pub(crate) fn fresh_nonce(&self) -> u64 {
        crate::hash::h(
            self.world.seed,
            &[0x0CE, self.next_counter(), self.clock.real_now_ms() as u64],
        )
    }

    /// Resolves when the sandbox shuts down.
    pub(crate) async fn until_shutdown(&self) {
        let mut rx = self.shutdown.clone();
        while !*rx.borrow() {
            if rx.changed().await.is_err() {
                break;
            }
        }
    }
}

/// The bearer token of a request: `Authorization: Bearer|OAuth <t>`, else `access_token=`.
pub(crate) fn request_token(headers: &HeaderMap, query: Option<&str>) -> Option<String> {
    if let Some(v) = headers.get(axum::http::header::AUTHORIZATION) {
        if let Ok(s) = v.to_str() {
            let s = s.trim();
            for p in ["Bearer ", "bearer ", "OAuth ", "oauth "] {
                if let Some(t) = s.strip_prefix(p) {
                    return Some(t.trim().to_string());
                }
            }
        }
    }
    query.and_then(|q| {
        url::form_urlencoded::parse(q.as_bytes())
            .find(|(k, _)| k == "access_token")
            .map(|(_, v)| v.into_owned())
    })
}

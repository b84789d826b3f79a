//! `chancery bench ingest` and `chancery bench inbox`: the local cache's speed, as JSON.
//!
//! Both generate realistic multilingual traffic (X mentions and replies, Facebook comments,
//! visitor posts, tagged posts and messages in English, Arabic, French, Spanish, Russian,
//! Chinese, Japanese, German, Portuguese and Hindi, with X- and Graph-shaped raw payloads)
//! from a fixed seed, so runs are comparable.
//!
//! - `ingest`: times the real `Store::ingest_page` path (one transaction per page, FTS and
//!   counters maintained by the schema's triggers) for several page sizes, then has the
//!   `sqlite3` CLI import exactly the same rows into the same schema (an SQL script of
//!   multi-row INSERTs, one transaction per page, as our path does) and reports both and
//!   the ratio.
//! - `inbox`: builds (or reuses) a database of 1M items over 240 accounts with a realistic
//!   triage state, then times first pages of every filter alone and in combinations, second
//!   pages, full-text searches, unread counts and thread views (p50/p99/max, warm cache).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::{Duration as StdDuration, Instant};

use anyhow::{bail, Context};
use chancery_model::accounts::{
    AccountId, AccountInput, AccountKind, GroupId, GroupKind, Network, PersonId,
};
use chancery_model::inbox::{AssigneeFilter, InboxFilter, TriageChange};
use chancery_model::items::{
    CursorUpdate, Entities, ItemAuthor, ItemId, ItemKind, NewItem, SyncStream, TriageStatus,
};
use chancery_store::{item_id, Store};
use chrono::{DateTime, Duration, TimeZone, Utc};
use serde_json::{json, Value};

#[derive(clap::Args, Debug, Clone)]
pub struct IngestArgs {
    /// Items to generate and ingest.
    #[arg(long, default_value_t = 200_000)]
    pub items: usize,
    /// Accounts the items are spread over.
    #[arg(long, default_value_t = 240)]
    pub accounts: usize,
    /// Page sizes to time (items per `ingest_page`, one transaction each).
    #[arg(long, value_delimiter = ',', default_values_t = vec![100usize, 500, 5000])]
    pub page_sizes: Vec<usize>,
    /// Arrival order: `backfill` (each account's history newest first, accounts interleaved:
    /// the first sync, the worst case for a time-ordered table) or `live` (pages in time
    /// order, as incremental syncs deliver them).
    #[arg(long, default_value = "backfill", value_parser = ["backfill", "live"])]
    pub arrival: String,
    /// The sqlite3 CLI to compare against.
    #[arg(long, default_value = "sqlite3")]
    pub sqlite3: String,
    /// Working directory (a temporary one by default, removed afterwards).
    #[arg(long)]
    pub dir: Option<PathBuf>,
    #[arg(long, default_value_t = 7)]
    pub seed: u64,
}

#[derive(clap::Args, Debug, Clone)]
pub struct InboxArgs {
    /// Items in the database.
    #[arg(long, default_value_t = 1_000_000)]
    pub items: usize,
    #[arg(long, default_value_t = 240)]
    pub accounts: usize,
    /// Timed runs of each query kind (with varying parameters).
    #[arg(long, default_value_t = 200)]
    pub iterations: usize,
    /// Database to use: built there if missing, reused if present (it must have been built
    /// by this benchmark with the same --items/--accounts/--seed).
    #[arg(long)]
    pub db: Option<PathBuf>,
    #[arg(long, default_value_t = 7)]
    pub seed: u64,
}

// ----------------------------------------------------------------------------- generator

/// splitmix64: deterministic and good enough for test data.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
    fn pick<'a, T>(&mut self, v: &'a [T]) -> &'a T {
        &v[self.below(v.len())]
    }
}

/// Words per language; Chinese and Japanese are written without spaces.
const LANGS: &[(&str, bool, &[&str])] = &[
    (
        "en",
        true,
        &[
            "embassy",
            "visa",
            "consulate",
            "minister",
            "foreign",
            "affairs",
            "statement",
            "meeting",
            "summit",
            "trade",
            "climate",
            "security",
            "cooperation",
            "citizens",
            "travel",
            "advisory",
            "passport",
            "support",
            "thanks",
            "congratulations",
            "bilateral",
            "partnership",
            "agreement",
            "crisis",
            "humanitarian",
            "aid",
            "election",
            "press",
            "conference",
            "today",
            "tomorrow",
            "week",
            "ambassador",
            "diplomacy",
            "diplomatic",
            "relations",
            "please",
            "help",
            "urgent",
            "appointment",
            "office",
            "closed",
            "open",
            "the",
            "and",
            "for",
            "with",
            "our",
            "your",
            "about",
        ],
    ),
    (
        "ar",
        true,
        &[
            "السفارة",
            "التأشيرة",
            "وزير",
            "الخارجية",
            "الْخَارِجِيَّة",
            "بيان",
            "اجتماع",
            "قمة",
            "التجارة",
            "المناخ",
            "الأمن",
            "التعاون",
            "المواطنين",
            "السفر",
            "جواز",
            "شكرا",
            "تهانينا",
            "اتفاقية",
            "أزمة",
            "مساعدات",
            "إنسانية",
            "انتخابات",
            "مؤتمر",
            "صحفي",
            "اليوم",
            "غدا",
            "الأسبوع",
            "السفير",
            "الدبلوماسية",
            "العلاقات",
            "إعلان",
            "آمال",
            "مدرسة",
            "كَتَبَ",
            "في",
            "من",
            "على",
            "إلى",
        ],
    ),
    (
        "fr",
        true,
        &[
            "ambassade",
            "visa",
            "consulat",
            "ministre",
            "affaires",
            "étrangères",
            "déclaration",
            "réunion",
            "sommet",
            "commerce",
            "climat",
            "sécurité",
            "coopération",
            "citoyens",
            "voyage",
            "passeport",
            "merci",
            "félicitations",
            "accord",
            "crise",
            "aide",
            "élection",
            "presse",
            "aujourd'hui",
            "demain",
            "semaine",
            "ambassadeur",
            "diplomatie",
            "relations",
            "le",
            "la",
            "et",
            "pour",
            "avec",
        ],
    ),
    (
        "es",
        true,
        &[
            "embajada",
            "visado",
            "consulado",
            "ministro",
            "exteriores",
            "declaración",
            "reunión",
            "cumbre",
            "comercio",
            "clima",
            "seguridad",
            "cooperación",
            "ciudadanos",
            "viaje",
            "pasaporte",
            "gracias",
            "felicidades",
            "acuerdo",
            "crisis",
            "ayuda",
            "elecciones",
            "prensa",
            "hoy",
            "mañana",
            "semana",
            "embajador",
            "diplomacia",
            "el",
            "la",
            "y",
            "para",
            "con",
        ],
    ),
    (
        "ru",
        true,
        &[
            "посольство",
            "виза",
            "консульство",
            "министр",
            "иностранных",
            "дел",
            "заявление",
            "встреча",
            "саммит",
            "торговля",
            "климат",
            "безопасность",
            "сотрудничество",
            "граждане",
            "поездка",
            "паспорт",
            "спасибо",
            "поздравляем",
            "соглашение",
            "кризис",
            "помощь",
            "выборы",
            "пресса",
            "сегодня",
            "завтра",
            "неделя",
            "посол",
            "дипломатия",
            "и",
            "в",
            "на",
            "для",
        ],
    ),
    (
        "zh",
        false,
        &[
            "大使馆",
            "签证",
            "领事馆",
            "部长",
            "外交部",
            "声明",
            "会议",
            "峰会",
            "贸易",
            "气候",
            "安全",
            "合作",
            "公民",
            "旅行",
            "护照",
            "感谢",
            "祝贺",
            "协议",
            "危机",
            "援助",
            "选举",
            "记者会",
            "今天",
            "明天",
            "中国",
            "大使",
            "外交",
            "关系",
            "的",
            "在",
            "和",
            "我们",
        ],
    ),
    (
        "ja",
        false,
        &[
            "大使館",
            "ビザ",
            "領事館",
            "大臣",
            "外務省",
            "声明",
            "会議",
            "サミット",
            "貿易",
            "気候",
            "安全",
            "協力",
            "市民",
            "旅行",
            "パスポート",
            "ありがとう",
            "おめでとう",
            "協定",
            "危機",
            "支援",
            "選挙",
            "記者会見",
            "今日",
            "明日",
            "東京",
            "大使",
            "外交",
            "の",
            "で",
            "は",
            "を",
            "と",
        ],
    ),
    (
        "de",
        true,
        &[
            "Botschaft",
            "Visum",
            "Konsulat",
            "Minister",
            "Außenministerium",
            "Erklärung",
            "Treffen",
            "Gipfel",
            "Handel",
            "Klima",
            "Sicherheit",
            "Zusammenarbeit",
            "Bürger",
            "Reise",
            "Reisepass",
            "danke",
            "Glückwunsch",
            "Abkommen",
            "Krise",
            "Hilfe",
            "Wahl",
            "Presse",
            "heute",
            "morgen",
            "Woche",
            "Botschafter",
            "Diplomatie",
            "und",
            "für",
            "mit",
        ],
    ),
    (
        "pt",
        true,
        &[
            "embaixada",
            "visto",
            "consulado",
            "ministro",
            "exteriores",
            "declaração",
            "reunião",
            "cúpula",
            "comércio",
            "clima",
            "segurança",
            "cooperação",
            "cidadãos",
            "viagem",
            "passaporte",
            "obrigado",
            "parabéns",
            "acordo",
            "crise",
            "ajuda",
            "eleições",
            "imprensa",
            "hoje",
            "amanhã",
            "semana",
            "embaixador",
            "diplomacia",
            "e",
            "para",
            "com",
        ],
    ),
    (
        "hi",
        true,
        &[
            "दूतावास",
            "वीज़ा",
            "मंत्री",
            "विदेश",
            "बयान",
            "बैठक",
            "शिखर",
            "व्यापार",
            "जलवायु",
            "सुरक्षा",
            "सहयोग",
            "नागरिक",
            "यात्रा",
            "पासपोर्ट",
            "धन्यवाद",
            "बधाई",
            "समझौता",
            "संकट",
            "सहायता",
            "चुनाव",
            "आज",
            "कल",
            "राजदूत",
            "और",
            "के",
            "लिए",
        ],
    ),
];
const HASHTAGS: &[&str] = &[
    "ClimateAction",
    "Diplomacy",
    "G20",
    "UNGA",
    "TravelAdvice",
    "Visa",
    "Trade",
    "HumanRights",
    "COP",
    "Sahel",
    "中国",
    "السفارة",
    "Посольство",
];
const MAIN_LANG_WEIGHTS: &[usize] = &[30, 15, 12, 10, 6, 6, 5, 6, 6, 4];

struct BenchAccount {
    id: AccountId,
    network: Network,
    external_id: String,
    handle: String,
    lang: usize,
}

/// A generated item with the account it belongs to.
struct GenItem {
    account: usize,
    item: NewItem,
}

fn now_fixed() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 10, 1, 0, 0, 0)
        .single()
        .unwrap_or_default()
}

fn weighted(rng: &mut Rng, weights: &[usize]) -> usize {
    let total: usize = weights.iter().sum();
    let mut r = rng.below(total);
    for (i, w) in weights.iter().enumerate() {
        if r < *w {
            return i;
        }
        r -= w;
    }
    weights.len() - 1
}

fn sentence(rng: &mut Rng, lang: usize, words: usize) -> String {
    let (_, spaced, pool) = LANGS[lang];
    let mut out = String::new();
    for i in 0..words {
        if i > 0 && spaced {
            out.push(' ');
        }
        out.push_str(pool[rng.below(pool.len())]);
    }
    out
}

/// Items per account: Zipf-like (ministers' accounts get far more than a small post's).
fn account_weights(n: usize) -> Vec<f64> {
    let w: Vec<f64> = (0..n).map(|i| 1.0 / ((i + 1) as f64).powf(0.8)).collect();
    let s: f64 = w.iter().sum();
    w.into_iter().map(|x| x / s).collect()
}

/// Generate `n` items over `accounts`, in sync order: each account's items newest first in
/// pages, pages of all accounts interleaved (as a sync round over all accounts delivers them).
fn generate(rng: &mut Rng, accounts: &[BenchAccount], n: usize, run: usize) -> Vec<GenItem> {
    let weights = account_weights(accounts.len());
    let mut counts: Vec<usize> = weights
        .iter()
        .map(|w| (w * n as f64).floor() as usize)
        .collect();
    let mut assigned: usize = counts.iter().sum();
    let mut i = 0;
    let len = counts.len();
    while assigned < n {
        counts[i % len] += 1;
        assigned += 1;
        i += 1;
    }
    let end = now_fixed();
    let span_ms: i64 = 365 * 24 * 3600 * 1000;
    let mut per_account: Vec<Vec<NewItem>> = Vec::with_capacity(accounts.len());
    for (ai, acc) in accounts.iter().enumerate() {
        let count = counts[ai];
        // Newest first: times decrease with the index.
        let mut times: Vec<i64> = (0..count)
            .map(|_| end.timestamp_millis() - (rng.next() % span_ms as u64) as i64)
            .collect();
        times.sort_unstable_by(|a, b| b.cmp(a));
        let mut items = Vec::with_capacity(count);
        let mut recent_conversations: Vec<String> = Vec::new();
        for (k, ms) in times.into_iter().enumerate() {
            let created = Utc.timestamp_millis_opt(ms).single().unwrap_or(end);
            let lang = if rng.chance(60) {
                acc.lang
            } else if rng.chance(60) {
                0
            } else {
                rng.below(LANGS.len())
            };
            let kind = match acc.network {
                Network::X => {
                    if rng.chance(70) {
                        ItemKind::XMention
                    } else {
                        ItemKind::XReply
                    }
                }
                Network::Facebook => match rng.below(100) {
                    0..=59 => ItemKind::FbComment,
                    60..=74 => ItemKind::FbVisitorPost,
                    75..=84 => ItemKind::FbTaggedPost,
                    _ => ItemKind::FbMessage,
                },
            };
            let words = 6 + rng.below(25);
            let mut text = String::new();
            if acc.network == Network::X {
                text.push('@');
                text.push_str(&acc.handle);
                text.push(' ');
            }
            text.push_str(&sentence(rng, lang, words));
            let mut entities = Entities::default();
            if acc.network == Network::X {
                entities.mentions.push(acc.handle.clone());
            }
            if rng.chance(30) {
                let tag = *rng.pick(HASHTAGS);
                text.push_str(" #");
                text.push_str(tag);
                entities.hashtags.push(tag.to_string());
            }
            if rng.chance(10) {
                let url = format!("https://example.org/news/{}", rng.next() % 1_000_000);
                text.push(' ');
                text.push_str(&url);
                entities.urls.push(url);
            }
            let author_id = format!("{}", 10_000_000 + rng.next() % 5_000_000);
            let handle = format!("user_{}", rng.next() % 5_000_000);
            let name = sentence(rng, lang, 2);
            let external_id = match acc.network {
                // Snowflake-like: time in the high bits.
                Network::X => format!(
                    "{}",
                    (((ms - 1_288_834_974_657) as u64) << 22) | (rng.next() & 0x3F_FFFF)
                ),
                Network::Facebook => format!(
                    "{}_{}",
                    acc.external_id,
                    100_000_000_000 + ms as u64 * 10 + (k as u64 % 10)
                ),
            };
            let conversation_id = if !recent_conversations.is_empty() && rng.chance(30) {
                Some(rng.pick(&recent_conversations).clone())
            } else {
                Some(external_id.clone())
            };
            if recent_conversations.len() < 50 {
                recent_conversations.push(external_id.clone());
            } else {
                let slot = rng.below(50);
                recent_conversations[slot] = external_id.clone();
            }
            let in_reply_to = (conversation_id.as_deref() != Some(external_id.as_str()))
                .then(|| conversation_id.clone())
                .flatten();
            let lang_code = LANGS[lang].0;
            let raw = match acc.network {
                Network::X => json!({
                    "data": {
                        "id": external_id, "text": text, "author_id": author_id, "conversation_id": conversation_id,
                        "created_at": created.to_rfc3339(), "lang": lang_code,
                        "edit_history_tweet_ids": [external_id],
                        "in_reply_to_user_id": in_reply_to.as_ref().map(|_| acc.external_id.clone()),
                        "referenced_tweets": in_reply_to.as_ref().map(|r| json!([{"type": "replied_to", "id": r}])),
                        "entities": {
                            "mentions": entities.mentions.iter().map(|m| json!({"start": 0, "end": m.len() + 1, "username": m, "id": acc.external_id})).collect::<Vec<_>>(),
                            "hashtags": entities.hashtags.iter().map(|h| json!({"start": 10, "end": 10 + h.len(), "tag": h})).collect::<Vec<_>>(),
                            "urls": entities.urls.iter().map(|u| json!({"start": 20, "end": 43, "url": "https://t.co/abc123", "expanded_url": u, "display_url": u})).collect::<Vec<_>>(),
                        },
                        "public_metrics": {"retweet_count": rng.below(50), "reply_count": rng.below(20), "like_count": rng.below(500), "quote_count": rng.below(5), "bookmark_count": 0, "impression_count": rng.below(100_000)},
                        "possibly_sensitive": false, "reply_settings": "everyone"
                    },
                    "includes": {"users": [{
                        "id": author_id, "name": name, "username": handle, "verified": rng.chance(5),
                        "profile_image_url": format!("https://pbs.twimg.com/profile_images/{}/photo_normal.jpg", rng.next() % 1_000_000_000),
                        "created_at": "2015-04-02T10:11:12.000Z", "description": sentence(rng, lang, 8),
                        "public_metrics": {"followers_count": rng.below(10_000), "following_count": rng.below(2_000), "tweet_count": rng.below(50_000), "listed_count": rng.below(50)}
                    }]}
                }),
                Network::Facebook => json!({
                    "id": external_id, "message": text, "created_time": created.format("%Y-%m-%dT%H:%M:%S+0000").to_string(),
                    "from": {"name": name, "id": author_id},
                    "permalink_url": format!("https://www.facebook.com/{}/posts/{}", acc.external_id, external_id),
                    "like_count": rng.below(200), "comment_count": rng.below(30), "can_hide": true, "can_remove": true, "is_hidden": false,
                    "parent": in_reply_to.as_ref().map(|p| json!({"id": p})),
                    "attachment": if rng.chance(15) { json!({"type": "photo", "url": "https://scontent.xx.fbcdn.net/v/t1.0-9/p.jpg", "media": {"image": {"height": 720, "width": 960}}}) } else { Value::Null }
                }),
            };
            items.push(NewItem {
                kind,
                external_id: external_id.clone(),
                author: ItemAuthor {
                    external_id: author_id,
                    handle: (acc.network == Network::X).then_some(handle),
                    display_name: Some(name),
                },
                text,
                language: Some(lang_code.to_string()),
                created_at: created,
                edited_at: None,
                conversation_id,
                in_reply_to,
                permalink: Some(match acc.network {
                    Network::X => format!("https://x.com/i/web/status/{external_id}"),
                    Network::Facebook => format!("https://www.facebook.com/{external_id}"),
                }),
                entities,
                raw: raw.to_string(),
                deleted: rng.chance(1),
            });
        }
        per_account.push(items);
    }
    // Interleave: `run` items of each account in turn.
    let mut out = Vec::with_capacity(n);
    let mut iters: Vec<std::vec::IntoIter<NewItem>> =
        per_account.into_iter().map(Vec::into_iter).collect();
    loop {
        let mut any = false;
        for (ai, it) in iters.iter_mut().enumerate() {
            for item in it.by_ref().take(run) {
                out.push(GenItem { account: ai, item });
                any = true;
            }
        }
        if !any {
            break;
        }
    }
    out
}

/// Groups (6 regions with posts, "Ministers", "Ambassadors") and `n` accounts, half X, half
/// Facebook.
async fn build_registry(
    store: &Store,
    n: usize,
    rng: &mut Rng,
) -> anyhow::Result<(Vec<BenchAccount>, Vec<GroupId>, Vec<GroupId>)> {
    let now = now_fixed();
    let regions = [
        "Africa",
        "Americas",
        "Asia",
        "Europe",
        "Middle East",
        "Oceania",
    ];
    let mut region_ids = Vec::new();
    for r in regions {
        region_ids.push(
            store
                .create_group(r, GroupKind::Region, None, now)
                .await?
                .id,
        );
    }
    let ministers = store
        .create_group("Ministers", GroupKind::Ministers, None, now)
        .await?
        .id;
    let ambassadors = store
        .create_group("Ambassadors", GroupKind::Ambassadors, None, now)
        .await?
        .id;
    let mut post_ids = Vec::new();
    let mut accounts = Vec::with_capacity(n);
    for i in 0..n {
        let network = if i % 2 == 0 {
            Network::X
        } else {
            Network::Facebook
        };
        let group = if i < 4 {
            ministers
        } else if i < 20 {
            ambassadors
        } else {
            // A post per X/Facebook pair.
            let post_index = (i - 20) / 2;
            if post_index >= post_ids.len() {
                let region = region_ids[post_index % region_ids.len()];
                let post = store
                    .create_group(
                        &format!("Post {post_index}"),
                        GroupKind::Post,
                        Some(region),
                        now,
                    )
                    .await?;
                post_ids.push(post.id);
            }
            post_ids[post_index]
        };
        let lang = weighted(rng, MAIN_LANG_WEIGHTS);
        let handle = format!("MFA_Acc{i}");
        let external_id = match network {
            Network::X => format!("{}", 1_000_000_000 + i),
            Network::Facebook => format!("{}", 100_000_000_000_000u64 + i as u64),
        };
        let (acc, _) = store
            .upsert_account(
                &AccountInput {
                    network,
                    external_id: Some(external_id.clone()),
                    handle: handle.clone(),
                    display_name: format!("Account {i}"),
                    avatar_path: None,
                    time_zone: "Europe/Brussels".into(),
                    language: LANGS[lang].0.into(),
                    group_id: group,
                    kind: if i < 20 {
                        AccountKind::Personal
                    } else {
                        AccountKind::Institutional
                    },
                },
                now,
            )
            .await?;
        accounts.push(BenchAccount {
            id: acc.id,
            network,
            external_id,
            handle,
            lang,
        });
    }
    Ok((accounts, region_ids, post_ids))
}

fn stream_of(network: Network) -> SyncStream {
    match network {
        Network::X => SyncStream::XMentions,
        Network::Facebook => SyncStream::FbComments,
    }
}

/// Ingest `items` page by page (each page = consecutive items of one account). Page `p` is
/// received at `base + p` ms, which lets the sqlite3 script regroup the same pages.
async fn ingest_all(
    store: &Store,
    accounts: &[BenchAccount],
    items: &[GenItem],
    page_size: usize,
    live: bool,
) -> anyhow::Result<(StdDuration, f64, u64)> {
    let base = now_fixed();
    let mut page_no: i64 = 0;
    let mut inserted = 0u64;
    let mut pages: Vec<(usize, Vec<NewItem>)> = Vec::new();
    if live {
        // Each account's items oldest first, in pages; all pages in time order.
        let mut per_account: Vec<Vec<NewItem>> = (0..accounts.len()).map(|_| Vec::new()).collect();
        for g in items {
            per_account[g.account].push(g.item.clone());
        }
        for (acc, mut list) in per_account.into_iter().enumerate() {
            list.sort_by_key(|i| i.created_at);
            for chunk in list.chunks(page_size) {
                pages.push((acc, chunk.to_vec()));
            }
        }
        pages.sort_by_key(|(_, p)| p.last().map(|i| i.created_at));
    } else {
        let mut start = 0;
        while start < items.len() {
            let acc = items[start].account;
            let mut end = start;
            while end < items.len() && items[end].account == acc && end - start < page_size {
                end += 1;
            }
            pages.push((
                acc,
                items[start..end].iter().map(|g| g.item.clone()).collect(),
            ));
            start = end;
        }
    }
    let cpu = cpu_seconds();
    let t = Instant::now();
    for (acc, page) in &pages {
        let a = &accounts[*acc];
        let cursor = CursorUpdate {
            newest_id: page.first().map(|i| i.external_id.clone()),
            since: None,
            backfill_position: page.last().map(|i| i.external_id.clone()),
            horizon_reached: false,
        };
        let report = store
            .ingest_page(
                a.id,
                stream_of(a.network),
                page,
                Some(&cursor),
                base + Duration::milliseconds(page_no),
            )
            .await?;
        inserted += u64::from(report.inserted);
        page_no += 1;
    }
    Ok((t.elapsed(), cpu_seconds().0 - cpu.0, inserted))
}

/// CPU seconds (user + system) of this process and of its waited-for children, from
/// /proc/self/stat (Linux; zeros elsewhere). The machine may be shared, so CPU time is a
/// steadier measure than wall time.
fn cpu_seconds() -> (f64, f64) {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
        return (0.0, 0.0);
    };
    let Some(after) = stat.rfind(')').map(|i| &stat[i + 2..]) else {
        return (0.0, 0.0);
    };
    let f: Vec<f64> = after
        .split_whitespace()
        .map(|x| x.parse().unwrap_or(0.0))
        .collect();
    // Fields 14-17 of the full line (utime, stime, cutime, cstime) are 11-14 here; 100 ticks/s.
    if f.len() < 15 {
        return (0.0, 0.0);
    }
    ((f[11] + f[12]) / 100.0, (f[13] + f[14]) / 100.0)
}

fn file_size(path: &Path) -> u64 {
    let wal = PathBuf::from(format!("{}-wal", path.display()));
    std::fs::metadata(path).map(|m| m.len()).unwrap_or(0)
        + std::fs::metadata(wal).map(|m| m.len()).unwrap_or(0)
}

/// Run a script with the CLI: (wall time, CPU seconds of the CLI process).
fn run_sqlite3(cli: &str, db: &Path, script: &Path) -> anyhow::Result<(StdDuration, f64)> {
    let input = std::fs::File::open(script)?;
    let cpu = cpu_seconds().1;
    let t = Instant::now();
    let out = std::process::Command::new(cli)
        .arg("-bail")
        .arg(db)
        .stdin(input)
        .output()
        .with_context(|| format!("running {cli}"))?;
    let elapsed = t.elapsed();
    if !out.status.success() {
        bail!("{cli} failed: {}", String::from_utf8_lossy(&out.stderr));
    }
    Ok((elapsed, cpu_seconds().1 - cpu))
}

fn sqlite3_query(cli: &str, db: &Path, sql: &str) -> anyhow::Result<String> {
    let out = std::process::Command::new(cli)
        .arg(db)
        .arg(sql)
        .output()
        .with_context(|| format!("running {cli}"))?;
    if !out.status.success() {
        bail!("{cli} failed: {}", String::from_utf8_lossy(&out.stderr));
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// The store's connection settings (see `Store::open`).
const PRAGMAS: &str = "PRAGMA journal_mode = WAL;\nPRAGMA synchronous = NORMAL;\nPRAGMA foreign_keys = ON;\nPRAGMA cache_size = -65536;\nPRAGMA temp_store = memory;\nPRAGMA wal_autocheckpoint = 8192;\n";

/// Columns the script inserts: every column our INSERTs write, with the values we stored.
const BODY_COLUMNS: &str = "id, author_external_id, author_handle, author_name, text, search_body, in_reply_to, permalink, entities, raw, raw_format";
const ITEM_COLUMNS: &str = "seq, id, account_id, kind, external_id, lang, created_ms, edited_ms, conversation_id, deleted, body_id, ingested_ms, updated_ms";

pub async fn ingest(args: IngestArgs) -> anyhow::Result<Value> {
    let tmp;
    let dir = match &args.dir {
        Some(d) => {
            std::fs::create_dir_all(d)?;
            d.clone()
        }
        None => {
            tmp = tempfile::tempdir()?;
            tmp.path().to_path_buf()
        }
    };
    let cli_version = std::process::Command::new(&args.sqlite3)
        .arg("--version")
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string());
    let mut runs = Vec::new();
    let mut generated: Option<Vec<GenItem>> = None;
    let mut raw_bytes = 0usize;
    let mut text_bytes = 0usize;
    for &page_size in &args.page_sizes {
        let ours_db = dir.join(format!("ours-{page_size}.db"));
        let cli_db = dir.join(format!("cli-{page_size}.db"));
        for p in [&ours_db, &cli_db] {
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", p.display()));
            }
        }
        let store = Store::open(&ours_db).await?;
        let mut rng = Rng(args.seed);
        let (accounts, _, _) = build_registry(&store, args.accounts, &mut rng).await?;
        let items = match generated.take() {
            Some(g) => g,
            None => {
                let g = generate(
                    &mut rng,
                    &accounts,
                    args.items,
                    args.page_sizes.iter().copied().max().unwrap_or(500),
                );
                raw_bytes = g.iter().map(|i| i.item.raw.len()).sum();
                text_bytes = g.iter().map(|i| i.item.text.len()).sum();
                g
            }
        };
        let (ours, ours_cpu, inserted) =
            ingest_all(&store, &accounts, &items, page_size, args.arrival == "live").await?;
        generated = Some(items);
        store.close().await;
        let ours_size = file_size(&ours_db);

        // The same rows, as the sqlite3 CLI would import them: one transaction per page,
        // one multi-row INSERT per page (triggers fill the FTS index and the counters), and
        // the cursor upsert.
        let setup = dir.join(format!("setup-{page_size}.sql"));
        std::fs::write(
            &setup,
            format!(
                "{PRAGMAS}{}\nATTACH '{}' AS src;\nINSERT INTO groups SELECT * FROM src.groups;\nINSERT INTO accounts SELECT * FROM src.accounts;\nINSERT INTO store_meta SELECT * FROM src.store_meta;\nDETACH src;\n",
                chancery_store::schema_sql(),
                ours_db.display()
            ),
        )?;
        run_sqlite3(&args.sqlite3, &cli_db, &setup)?;
        let script = dir.join(format!("items-{page_size}.sql"));
        let quote = |cols: &str, alias: &str| -> String {
            cols.split(", ")
                .map(|c| format!("quote({alias}.{c})"))
                .collect::<Vec<_>>()
                .join(" || ',' || ")
        };
        let generator = format!(
            "CREATE TEMP TABLE pi AS SELECT ingested_ms AS page, seq, body_id, account_id FROM items;\n\
             CREATE INDEX temp.pi_page ON pi (page, seq);\n\
             .output {script}\nSELECT '{PRAGMAS_ONE_LINE}';\n\
             SELECT 'BEGIN IMMEDIATE;' || char(10) \
             || 'INSERT INTO item_bodies ({BODY_COLUMNS}) VALUES ' || (SELECT group_concat(v, ',') FROM (SELECT '(' || {body_values} || ')' AS v FROM pi JOIN item_bodies b ON b.id = pi.body_id WHERE pi.page = p.page ORDER BY b.id)) || ';' || char(10) \
             || 'INSERT INTO items ({ITEM_COLUMNS}) VALUES ' || (SELECT group_concat(v, ',') FROM (SELECT '(' || {item_values} || ')' AS v FROM pi JOIN items i ON i.seq = pi.seq WHERE pi.page = p.page ORDER BY pi.seq)) || ';' || char(10) \
             || 'INSERT INTO sync_cursors (account_id, stream, newest_id, since_ms, backfill_position, horizon_reached, updated_ms) VALUES (' || quote(p.account_id) || ', ''x_mentions'', ''1'', NULL, ''2'', 0, ' || p.page || ') ON CONFLICT (account_id, stream) DO UPDATE SET newest_id = excluded.newest_id, since_ms = excluded.since_ms, backfill_position = excluded.backfill_position, horizon_reached = excluded.horizon_reached, updated_ms = excluded.updated_ms;' || char(10) || 'COMMIT;' \
             FROM (SELECT page, min(account_id) AS account_id FROM pi GROUP BY page) p ORDER BY p.page;\n",
            body_values = quote(BODY_COLUMNS, "b"),
            item_values = quote(ITEM_COLUMNS, "i"),
            script = script.display(),
            PRAGMAS_ONE_LINE = PRAGMAS.replace('\n', " ").replace('\'', "''"),
        );
        let gen_path = dir.join(format!("generate-{page_size}.sql"));
        std::fs::write(&gen_path, generator)?;
        run_sqlite3(&args.sqlite3, &ours_db, &gen_path)?;
        let script_bytes = std::fs::metadata(&script)?.len();
        let (cli, cli_cpu) = run_sqlite3(&args.sqlite3, &cli_db, &script)?;
        let cli_count: u64 =
            sqlite3_query(&args.sqlite3, &cli_db, "SELECT count(*) FROM items")?.parse()?;
        sqlite3_query(
            &args.sqlite3,
            &cli_db,
            "INSERT INTO items_fts (items_fts) VALUES ('integrity-check')",
        )?;
        let cli_size = file_size(&cli_db);
        let ours_rate = inserted as f64 / ours.as_secs_f64();
        let cli_rate = cli_count as f64 / cli.as_secs_f64();
        runs.push(json!({
            "page_size": page_size,
            "ours": {"seconds": round3(ours.as_secs_f64()), "cpu_seconds": round3(ours_cpu), "items": inserted, "items_per_s": ours_rate.round(), "items_per_cpu_s": (inserted as f64 / ours_cpu.max(0.001)).round(), "db_bytes": ours_size},
            "sqlite3_cli": {"seconds": round3(cli.as_secs_f64()), "cpu_seconds": round3(cli_cpu), "items": cli_count, "items_per_s": cli_rate.round(), "items_per_cpu_s": (cli_count as f64 / cli_cpu.max(0.001)).round(), "db_bytes": cli_size, "script_bytes": script_bytes},
            "ratio_ours_over_cli_wall": round3(ours.as_secs_f64() / cli.as_secs_f64()),
            "ratio_ours_over_cli_cpu": round3(ours_cpu / cli_cpu.max(0.001)),
        }));
        for p in [&script, &setup, &gen_path] {
            let _ = std::fs::remove_file(p);
        }
    }
    Ok(json!({
        "benchmark": "ingest",
        "items": args.items,
        "accounts": args.accounts,
        "arrival": args.arrival,
        "avg_text_bytes": text_bytes / args.items.max(1),
        "avg_raw_payload_bytes": raw_bytes / args.items.max(1),
        "sqlite3_cli_version": cli_version,
        "fts": "maintained (triggers, same schema on both sides)",
        "runs": runs,
    }))
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

// ----------------------------------------------------------------------------- inbox

fn summary(mut ms: Vec<f64>) -> Value {
    ms.sort_by(|a, b| a.total_cmp(b));
    let n = ms.len();
    if n == 0 {
        return json!(null);
    }
    let at = |q: f64| ms[((q * n as f64).ceil() as usize).clamp(1, n) - 1];
    json!({"runs": n, "p50_ms": round3(at(0.50)), "p99_ms": round3(at(0.99)), "max_ms": round3(ms[n - 1])})
}

/// Set a realistic triage state: recent items mostly unread, older mostly done; some
/// assigned, some tagged.
async fn triage_state(
    store: &Store,
    accounts: &[BenchAccount],
    items: &[GenItem],
    people: &[PersonId],
    rng: &mut Rng,
) -> anyhow::Result<()> {
    let recent = now_fixed() - Duration::days(14);
    let mut by_change: HashMap<String, (TriageChange, Vec<ItemId>)> = HashMap::new();
    let mut add = |change: TriageChange, id: ItemId| {
        let key = format!("{change:?}");
        by_change
            .entry(key)
            .or_insert_with(|| (change, Vec::new()))
            .1
            .push(id);
    };
    for g in items {
        let id = item_id(accounts[g.account].id, &g.item.external_id);
        let roll = rng.below(100);
        let status = if g.item.created_at >= recent {
            match roll {
                0..=69 => TriageStatus::New,
                70..=89 => TriageStatus::Open,
                _ => TriageStatus::Done,
            }
        } else {
            match roll {
                0..=14 => TriageStatus::New,
                15..=19 => TriageStatus::Open,
                _ => TriageStatus::Done,
            }
        };
        if status != TriageStatus::New {
            add(TriageChange::SetStatus { status }, id);
        }
        if rng.chance(8) {
            add(
                TriageChange::Assign {
                    person_id: Some(*rng.pick(people)),
                },
                id,
            );
        }
        if rng.chance(3) {
            add(
                TriageChange::Tag {
                    tag: format!("tag{}", rng.below(10)),
                },
                id,
            );
        }
    }
    for (_, (change, ids)) in by_change {
        for chunk in ids.chunks(5000) {
            store.triage(chunk, &change, now_fixed()).await?;
        }
    }
    Ok(())
}

struct Timer {
    results: Vec<(String, Value)>,
}

impl Timer {
    async fn run<F, Fut>(&mut self, name: &str, iterations: usize, mut f: F) -> anyhow::Result<()>
    where
        F: FnMut(usize) -> Fut,
        Fut: std::future::Future<Output = anyhow::Result<usize>>,
    {
        // Warm-up (the app keeps its cache warm), then timed runs.
        for i in 0..3 {
            f(i).await?;
        }
        let mut ms = Vec::with_capacity(iterations);
        let mut rows = 0usize;
        for i in 0..iterations {
            let t = Instant::now();
            rows += f(i).await?;
            ms.push(t.elapsed().as_secs_f64() * 1000.0);
        }
        let mut s = summary(ms);
        s["avg_rows"] = json!(rows / iterations.max(1));
        self.results.push((name.to_string(), s));
        Ok(())
    }
}

pub async fn inbox(args: InboxArgs) -> anyhow::Result<Value> {
    let tmp;
    let db = match &args.db {
        Some(p) => p.clone(),
        None => {
            tmp = tempfile::tempdir()?;
            tmp.path().join("inbox.db")
        }
    };
    let existed = db.exists();
    let mut rng = Rng(args.seed);
    let store = Store::open(&db).await?;
    let mut build = Value::Null;
    let (accounts, regions, posts, items) = if existed {
        // Recreate the registry view and the generated items without writing.
        let scratch = tempfile::tempdir()?;
        let s2 = Store::open(scratch.path().join("registry.db")).await?;
        let (accounts, _, posts) = build_registry(&s2, args.accounts, &mut rng).await?;
        s2.close().await;
        let items = generate(&mut rng, &accounts, args.items, 500);
        // Ids are UUIDv7 (time + random): map by handle to the stored accounts.
        let stored = store.list_accounts().await?;
        let by_handle: HashMap<String, AccountId> = stored
            .iter()
            .map(|l| (l.account.handle.clone(), l.account.id))
            .collect();
        let accounts: Vec<BenchAccount> = accounts
            .into_iter()
            .map(|a| BenchAccount {
                id: by_handle.get(&a.handle).copied().unwrap_or(a.id),
                ..a
            })
            .collect();
        let groups = store.list_groups().await?;
        let by_name: HashMap<String, GroupId> =
            groups.iter().map(|g| (g.name.clone(), g.id)).collect();
        let regions: Vec<GroupId> = [
            "Africa",
            "Americas",
            "Asia",
            "Europe",
            "Middle East",
            "Oceania",
        ]
        .iter()
        .filter_map(|r| by_name.get(*r).copied())
        .collect();
        let posts: Vec<GroupId> = (0..posts.len())
            .filter_map(|i| by_name.get(&format!("Post {i}")).copied())
            .collect();
        (accounts, regions, posts, items)
    } else {
        let (accounts, regions, posts) = build_registry(&store, args.accounts, &mut rng).await?;
        let items = generate(&mut rng, &accounts, args.items, 500);
        let (took, _, inserted) = ingest_all(&store, &accounts, &items, 500, false).await?;
        let mut people = Vec::new();
        for i in 0..40 {
            people.push(
                store
                    .create_person(
                        &format!("Officer {i}"),
                        &format!("officer{i}@mfa.example"),
                        now_fixed(),
                    )
                    .await?
                    .id,
            );
        }
        let t = Instant::now();
        triage_state(&store, &accounts, &items, &people, &mut rng).await?;
        store.optimize().await?;
        build = json!({"ingest_seconds": round3(took.as_secs_f64()), "inserted": inserted, "triage_seconds": round3(t.elapsed().as_secs_f64())});
        (accounts, regions, posts, items)
    };
    let people: Vec<PersonId> = store
        .list_people()
        .await?
        .into_iter()
        .map(|p| p.id)
        .collect();
    let groups = store.list_groups().await?;
    let ministers = groups.iter().find(|g| g.name == "Ministers").map(|g| g.id);
    let langs: Vec<&str> = LANGS.iter().map(|l| l.0).collect();
    let words_common = ["embassy", "visa", "السفارة", "посольство", "minister"];
    let words_rare = [
        "appointment",
        "Glückwunsch",
        "félicitations",
        "समझौता",
        "passaporte",
    ];
    let words_cjk = ["外交", "大使館", "签证", "ビザ", "记者会"];
    let arabic = ["الخارجية", "اعلان", "امال", "مدرسه", "كتب"];
    let prefixes = ["diplom*", "ambassad*", "coop*", "secur*", "clim*"];
    let day_ms = 24 * 3600 * 1000i64;
    let end = now_fixed();
    let sample_ids: Vec<ItemId> = (0..args.iterations.max(10))
        .map(|i| {
            let g = &items[(i * 7919) % items.len()];
            item_id(accounts[g.account].id, &g.item.external_id)
        })
        .collect();
    let n_acc = accounts.len();
    let mut timer = Timer {
        results: Vec::new(),
    };
    let it = args.iterations;
    let s = &store;
    macro_rules! page {
        ($name:expr, |$i:ident| $filter:expr) => {
            timer
                .run($name, it, |$i| {
                    let f: InboxFilter = $filter;
                    async move { Ok(s.inbox_page(&f, None, 50).await?.items.len()) }
                })
                .await?;
        };
    }
    let acc = |i: usize| accounts[(i * 37) % n_acc].id;
    let x_acc = |i: usize| accounts[((i * 37) % (n_acc / 2)) * 2].id;
    page!("all", |_i| InboxFilter::default());
    page!("network", |i| InboxFilter {
        networks: vec![Network::ALL[i % 2]],
        ..Default::default()
    });
    page!("account", |i| InboxFilter {
        account_ids: vec![acc(i)],
        ..Default::default()
    });
    page!("accounts_3", |i| InboxFilter {
        account_ids: vec![acc(i), acc(i + 1), acc(i + 2)],
        ..Default::default()
    });
    page!("group_region", |i| InboxFilter {
        group_ids: vec![regions[i % regions.len()]],
        ..Default::default()
    });
    page!("group_post", |i| InboxFilter {
        group_ids: vec![posts[i % posts.len()]],
        ..Default::default()
    });
    page!("group_ministers", |_i| InboxFilter {
        group_ids: ministers.into_iter().collect(),
        ..Default::default()
    });
    page!("status_new", |_i| InboxFilter {
        statuses: vec![TriageStatus::New],
        ..Default::default()
    });
    page!("status_open", |_i| InboxFilter {
        statuses: vec![TriageStatus::Open],
        ..Default::default()
    });
    page!("status_done", |_i| InboxFilter {
        statuses: vec![TriageStatus::Done],
        ..Default::default()
    });
    page!("assignee", |i| InboxFilter {
        assignee: Some(AssigneeFilter::Person {
            id: people[i % people.len()]
        }),
        ..Default::default()
    });
    page!("unassigned", |_i| InboxFilter {
        assignee: Some(AssigneeFilter::Unassigned),
        ..Default::default()
    });
    page!("tag", |i| InboxFilter {
        tags: vec![format!("tag{}", i % 10)],
        ..Default::default()
    });
    page!("language", |i| InboxFilter {
        languages: vec![langs[i % langs.len()].to_string()],
        ..Default::default()
    });
    page!("kind", |i| InboxFilter {
        kinds: vec![ItemKind::ALL[i % 6]],
        ..Default::default()
    });
    page!("time_range_1_day", |i| InboxFilter {
        since: Some(end - Duration::milliseconds(day_ms * (2 + (i % 300) as i64))),
        until: Some(end - Duration::milliseconds(day_ms * (1 + (i % 300) as i64))),
        ..Default::default()
    });
    page!("combo_group_region+new", |i| InboxFilter {
        group_ids: vec![regions[i % regions.len()]],
        statuses: vec![TriageStatus::New],
        ..Default::default()
    });
    page!("combo_account+open", |i| InboxFilter {
        account_ids: vec![acc(i)],
        statuses: vec![TriageStatus::Open],
        ..Default::default()
    });
    page!("combo_network+language+new", |i| InboxFilter {
        networks: vec![Network::ALL[i % 2]],
        languages: vec![langs[i % langs.len()].to_string()],
        statuses: vec![TriageStatus::New],
        ..Default::default()
    });
    page!("combo_assignee+open", |i| InboxFilter {
        assignee: Some(AssigneeFilter::Person {
            id: people[i % people.len()]
        }),
        statuses: vec![TriageStatus::Open],
        ..Default::default()
    });
    page!("combo_tag+group_region", |i| InboxFilter {
        tags: vec![format!("tag{}", i % 10)],
        group_ids: vec![regions[i % regions.len()]],
        ..Default::default()
    });
    page!("combo_language+time_range_7_days", |i| InboxFilter {
        languages: vec![langs[i % langs.len()].to_string()],
        since: Some(end - Duration::days(7 + (i % 100) as i64)),
        until: Some(end - Duration::days((i % 100) as i64)),
        ..Default::default()
    });
    page!("combo_group_post+language+done", |i| InboxFilter {
        group_ids: vec![posts[i % posts.len()]],
        languages: vec![langs[i % langs.len()].to_string()],
        statuses: vec![TriageStatus::Done],
        ..Default::default()
    });
    page!("combo_x_account+kind_reply+unassigned+new", |i| {
        InboxFilter {
            account_ids: vec![x_acc(i)],
            kinds: vec![ItemKind::XReply],
            assignee: Some(AssigneeFilter::Unassigned),
            statuses: vec![TriageStatus::New],
            ..Default::default()
        }
    });
    // First and second page together (the second uses the keyset cursor).
    timer
        .run("first_plus_second_page_group_region+new", it, |i| {
            let f = InboxFilter {
                group_ids: vec![regions[i % regions.len()]],
                statuses: vec![TriageStatus::New],
                ..Default::default()
            };
            async move {
                let p1 = s.inbox_page(&f, None, 50).await?;
                let p2 = s.inbox_page(&f, p1.next_cursor.as_deref(), 50).await?;
                Ok(p1.items.len() + p2.items.len())
            }
        })
        .await?;
    // Full-text search.
    page!("search_common_word", |i| InboxFilter {
        search: Some(words_common[i % 5].into()),
        ..Default::default()
    });
    page!("search_rare_word", |i| InboxFilter {
        search: Some(words_rare[i % 5].into()),
        ..Default::default()
    });
    page!("search_arabic_folded", |i| InboxFilter {
        search: Some(arabic[i % 5].into()),
        ..Default::default()
    });
    page!("search_cjk_word", |i| InboxFilter {
        search: Some(words_cjk[i % 5].into()),
        ..Default::default()
    });
    page!("search_prefix", |i| InboxFilter {
        search: Some(prefixes[i % 5].into()),
        ..Default::default()
    });
    page!("search_two_words", |i| InboxFilter {
        search: Some(format!(
            "{} {}",
            words_common[i % 5],
            words_common[(i + 1) % 5]
        )),
        ..Default::default()
    });
    page!("search_hashtag", |i| InboxFilter {
        search: Some(format!("#{}", HASHTAGS[i % HASHTAGS.len()])),
        ..Default::default()
    });
    page!("search+account", |i| InboxFilter {
        search: Some(words_common[i % 5].into()),
        account_ids: vec![acc(i)],
        ..Default::default()
    });
    page!("search+group_region+new", |i| InboxFilter {
        search: Some(words_common[i % 5].into()),
        group_ids: vec![regions[i % regions.len()]],
        statuses: vec![TriageStatus::New],
        ..Default::default()
    });
    timer
        .run("unread_counts_all_accounts", it, |_i| async move {
            Ok(s.unread_counts().await?.accounts.len())
        })
        .await?;
    timer
        .run("thread_view", it, |i| {
            let id = sample_ids[i % sample_ids.len()];
            async move { Ok(s.thread(id).await?.entries.len()) }
        })
        .await?;
    store.close().await;
    let size = file_size(&db);
    let results: serde_json::Map<String, Value> = timer.results.into_iter().collect();
    Ok(json!({
        "benchmark": "inbox",
        "items": args.items,
        "accounts": args.accounts,
        "page_size": 50,
        "reused_database": existed,
        "build": build,
        "db_bytes": size,
        "db_bytes_per_million_items": (size as f64 * 1_000_000.0 / args.items.max(1) as f64).round(),
        "queries": results,
    }))
}

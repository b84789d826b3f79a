//! The sandbox world: the ministry's accounts and Pages, the public who write to them, and the
//! per-account traffic profile. Built once at start from the seed; everything else is derived
//! lazily from it.

use std::collections::HashMap;

use chrono::{Offset, TimeZone, Utc};

use crate::hash::{h, mix, pick, unit};
use crate::json::escape;
use crate::lexicon::{lexicon_index, Lexicon, LEXICONS};
use crate::manifest::{AccountKind, Network};
use crate::places::{Place, CAPITALS, CONSULATES, HOME_CITY_TZ, HOME_CODE, HOME_COUNTRY};

/// Number of generated members of the public (authors of mentions, comments, messages).
pub(crate) const PUBLIC_USERS: usize = 20_000;
const X_PUBLIC_ID_BASE: u64 = 1_600_000_000_000_000_000;
const X_PUBLIC_ID_STEP: u64 = 104_729;
const FB_PUBLIC_ID_BASE: u64 = 100_000_000_000_000;
const FB_PUBLIC_ID_STEP: u64 = 7_919;

/// Most accounts per network: ids encode the account index in 9 bits (X) / 3 digits (Graph).
pub(crate) const MAX_ACCOUNTS: usize = 500;

/// One text fragment, with its JSON-escaped form and length in code points precomputed.
pub(crate) struct Frag {
    pub(crate) text: &'static str,
    pub(crate) esc: Box<str>,
    pub(crate) chars: u32,
}

impl Frag {
    fn new(text: &'static str) -> Self {
        Frag {
            text,
            esc: escape(text).into_boxed_str(),
            chars: text.chars().count() as u32,
        }
    }
}

pub(crate) struct Lang {
    pub(crate) code: &'static str,
    pub(crate) public: Vec<Frag>,
    pub(crate) official: Vec<Frag>,
    pub(crate) hashtags: Vec<Frag>,
}

pub(crate) struct Persona {
    /// `"id":"…","name":"…","username":"…"`, ready to write.
    pub(crate) json_head: Box<str>,
    pub(crate) idx: usize,
    pub(crate) network: Network,
    pub(crate) id: u64,
    pub(crate) username: String,
    pub(crate) name: String,
    pub(crate) description: String,
    pub(crate) kind: AccountKind,
    pub(crate) group: Vec<String>,
    pub(crate) tz: &'static str,
    pub(crate) lang: &'static str,
    pub(crate) lang_idx: usize,
    pub(crate) utc_offset_s: i64,
    pub(crate) city: &'static str,
    pub(crate) country: &'static str,
    pub(crate) created_ms: i64,
    pub(crate) followers: u64,
    /// Inbound items (X mentions, Graph visitor posts + comments scale) per virtual day.
    pub(crate) inbound_per_day: f64,
    /// Length of one traffic bucket (virtual ms).
    pub(crate) bucket_ms: i64,
    /// The account's own posts: one every `own_period_ms`, offset by `own_phase_ms`.
    pub(crate) own_period_ms: i64,
    pub(crate) own_phase_ms: i64,
    /// Graph: Page category and engaged users (drives the BUC limit).
    pub(crate) category: &'static str,
    pub(crate) category_id: &'static str,
    pub(crate) engaged_users: u64,
}

pub(crate) struct PublicUser {
    /// `"id":"…","name":"…","username":"…"`, ready to write.
    pub(crate) json_head: Box<str>,
    pub(crate) name: String,
    pub(crate) username: String,
    pub(crate) created_ms: i64,
    pub(crate) followers: u64,
    pub(crate) verified: bool,
}

/// A crisis: one account receives `factor` times its usual inbound traffic for a while.
#[derive(Debug, Clone)]
pub(crate) struct CrisisWindow {
    pub(crate) x_account: Option<usize>,
    pub(crate) fb_page: Option<usize>,
    pub(crate) start_ms: i64,
    pub(crate) end_ms: i64,
    pub(crate) factor: f64,
}

pub(crate) struct World {
    pub(crate) seed: u64,
    pub(crate) x: Vec<Persona>,
    pub(crate) fb: Vec<Persona>,
    pub(crate) x_by_id: HashMap<u64, usize>,
    pub(crate) x_by_username: HashMap<String, usize>,
    pub(crate) fb_by_id: HashMap<u64, usize>,
    pub(crate) users: Vec<PublicUser>,
    pub(crate) users_by_username: HashMap<String, usize>,
    pub(crate) users_by_lang: Vec<Vec<u32>>,
    pub(crate) langs: Vec<Lang>,
    pub(crate) history_start_ms: i64,
    pub(crate) crisis: Option<CrisisWindow>,
    pub(crate) volume: f64,
    diurnal_norm: f64,
}

struct Slot {
    kind: AccountKind,
    username: String,
    fb_username: String,
    name: String,
    description: String,
    group: Vec<String>,
    tz: &'static str,
    lang: &'static str,
    city: &'static str,
    country: &'static str,
    per_day: f64,
    own_per_day: f64,
    category: (&'static str, &'static str),
}

const HOME_FIRST: &[&str] = &[
    "Aurelia", "Tomas", "Helena", "Viktor", "Ines", "Marek", "Sofia", "Anton", "Lidia", "Petra",
    "Oskar", "Mira", "Jonas", "Elena", "Radu", "Klara", "Stefan", "Nadia", "Pavel", "Irena",
];
const HOME_LAST: &[&str] = &[
    "Kestrel", "Varga", "Lind", "Moravec", "Aldous", "Brenner", "Castell", "Dorn", "Ebner", "Falk",
    "Grau", "Halden", "Ivers", "Jansky", "Kovar", "Lorenz", "Marin", "Novak",
];

const CAT_EMBASSY: (&str, &str) = ("Embassy", "2233");
const CAT_GOV: (&str, &str) = ("Government Organization", "2235");
const CAT_POLITICIAN: (&str, &str) = ("Politician", "2213");
const CAT_PUBLIC_FIGURE: (&str, &str) = ("Public Figure", "1602");

fn person_name(seed: u64, salt: u64) -> String {
    let f = HOME_FIRST[pick(h(seed, &[0xF1, salt]), HOME_FIRST.len())];
    let l = HOME_LAST[pick(h(seed, &[0xF2, salt]), HOME_LAST.len())];
    format!("{f} {l}")
}

fn hq_slots(seed: u64) -> Vec<Slot> {
    let hq = |kind, user: &str, fb: &str, name: String, desc: &str, lang, per_day, own, cat| Slot {
        kind,
        username: user.to_string(),
        fb_username: fb.to_string(),
        name,
        description: desc.to_string(),
        group: match kind {
            AccountKind::Minister => vec!["Headquarters".into(), "Ministers".into()],
            _ => vec!["Headquarters".into()],
        },
        tz: HOME_CITY_TZ,
        lang,
        city: "Veldhaven",
        country: HOME_COUNTRY,
        per_day,
        own_per_day: own,
        category: cat,
    };
    let fm = person_name(seed, 1);
    let dep = person_name(seed, 2);
    let sec = person_name(seed, 3);
    vec![
        hq(
            AccountKind::Ministry,
            &format!("{HOME_CODE}_MFA"),
            &format!("{HOME_COUNTRY}MFA"),
            format!("Ministry of Foreign Affairs of {HOME_COUNTRY}"),
            "Official account of the Ministry of Foreign Affairs.",
            "en",
            1500.0,
            8.0,
            CAT_GOV,
        ),
        hq(
            AccountKind::Minister,
            &format!("{HOME_CODE}_FM"),
            &format!("{HOME_COUNTRY}ForeignMinister"),
            fm.clone(),
            "Minister of Foreign Affairs. Personal account of the Minister.",
            "en",
            2400.0,
            4.0,
            CAT_POLITICIAN,
        ),
        hq(
            AccountKind::Ministry,
            &format!("{HOME_CODE}_MFA_Spox"),
            &format!("{HOME_COUNTRY}MFASpokesperson"),
            format!("{HOME_COUNTRY} MFA Spokesperson"),
            "Spokesperson of the Ministry of Foreign Affairs.",
            "en",
            700.0,
            6.0,
            CAT_GOV,
        ),
        hq(
            AccountKind::Minister,
            &format!("{HOME_CODE}_DepFM"),
            &format!("{HOME_COUNTRY}DeputyFM"),
            dep.clone(),
            "Deputy Minister of Foreign Affairs.",
            "en",
            300.0,
            2.0,
            CAT_POLITICIAN,
        ),
        hq(
            AccountKind::Minister,
            &format!("{HOME_CODE}_StateSec"),
            &format!("{HOME_COUNTRY}StateSecretary"),
            sec.clone(),
            "State Secretary for European and Global Affairs.",
            "en",
            250.0,
            2.0,
            CAT_POLITICIAN,
        ),
        hq(
            AccountKind::Ministry,
            &format!("{HOME_CODE}_Consular"),
            &format!("{HOME_COUNTRY}Consular"),
            format!("{HOME_COUNTRY} Consular Service"),
            "Help for citizens abroad, 24/7.",
            "en",
            500.0,
            3.0,
            CAT_GOV,
        ),
        hq(
            AccountKind::Ministry,
            &format!("{HOME_CODE}_MFA_fr"),
            &format!("{HOME_COUNTRY}MFAfr"),
            format!("{HOME_COUNTRY} Diplomatie"),
            "Compte officiel du ministère des Affaires étrangères.",
            "fr",
            150.0,
            3.0,
            CAT_GOV,
        ),
        hq(
            AccountKind::Ministry,
            &format!("{HOME_CODE}_MFA_ar"),
            &format!("{HOME_COUNTRY}MFAar"),
            format!("{HOME_COUNTRY} بالعربية"),
            "الحساب الرسمي لوزارة الخارجية.",
            "ar",
            150.0,
            3.0,
            CAT_GOV,
        ),
        hq(
            AccountKind::Ministry,
            &format!("{HOME_CODE}_MFA_es"),
            &format!("{HOME_COUNTRY}MFAes"),
            format!("{HOME_COUNTRY} en español"),
            "Cuenta oficial del Ministerio de Asuntos Exteriores.",
            "es",
            150.0,
            3.0,
            CAT_GOV,
        ),
    ]
}

fn mission_slot(place: &Place, rank: usize, consulate: bool, n: usize) -> Slot {
    let (city, country, short, _iso, region, tz, lang) = *place;
    let (username, fb_username, name, label) = if consulate {
        if n == 0 {
            (
                format!("{HOME_CODE}cg{short}"),
                format!("{HOME_COUNTRY}CG{short}"),
                format!("Consulate General of {HOME_COUNTRY} in {city}"),
                format!("Consulate General in {city}"),
            )
        } else {
            (
                format!("{HOME_CODE}hc{rank:04}"),
                format!("{HOME_COUNTRY}HC{short}{n}"),
                format!("Honorary Consulate of {HOME_COUNTRY} in {city} ({n})"),
                format!("Honorary Consulate in {city} ({n})"),
            )
        }
    } else {
        (
            format!("{HOME_CODE}in{short}"),
            format!("{HOME_COUNTRY}In{short}"),
            format!("Embassy of {HOME_COUNTRY} in {country}"),
            format!("Embassy in {city}"),
        )
    };
    let base = if consulate { 25.0 } else { 600.0 };
    let per_day = base / (1.0 + rank as f64).powf(1.1) + 1.5;
    Slot {
        kind: AccountKind::Embassy,
        username,
        fb_username,
        description: format!("Official account of the {label} of {HOME_COUNTRY}."),
        name,
        group: vec![region.to_string(), label],
        tz,
        lang,
        city,
        country,
        per_day,
        own_per_day: if consulate { 0.7 } else { 1.5 },
        category: CAT_EMBASSY,
    }
}

fn ambassador_slot(seed: u64, place: &Place, rank: usize) -> Slot {
    let (city, country, _short, iso, region, tz, lang) = *place;
    let person = person_name(seed, 100 + rank as u64);
    Slot {
        kind: AccountKind::Ambassador,
        username: format!("Amb{HOME_CODE}_{iso}"),
        fb_username: format!("Ambassador{HOME_COUNTRY}{iso}"),
        name: format!("Amb. {person}"),
        description: format!("Ambassador of {HOME_COUNTRY} to {country}. Views my own."),
        group: vec![region.to_string(), format!("Embassy in {city}")],
        tz,
        lang,
        city,
        country,
        per_day: 150.0 / (1.0 + rank as f64).powf(0.9) + 2.0,
        own_per_day: 1.0,
        category: CAT_PUBLIC_FIGURE,
    }
}

/// The ordered list of X accounts: headquarters, then missions in order of how busy they are,
/// with an ambassador's personal account after each of the 24 busiest embassies.
fn x_slots(seed: u64, n: usize) -> Vec<Slot> {
    let mut out = hq_slots(seed);
    let mut rank = 0;
    while out.len() < n {
        if rank < CAPITALS.len() {
            out.push(mission_slot(&CAPITALS[rank], rank, false, 0));
            if rank < 24 && out.len() < n {
                out.push(ambassador_slot(seed, &CAPITALS[rank], rank));
            }
        } else {
            let k = rank - CAPITALS.len();
            let place = &CONSULATES[k % CONSULATES.len()];
            out.push(mission_slot(place, k, true, k / CONSULATES.len()));
        }
        rank += 1;
    }
    out.truncate(n);
    out
}

/// The ordered list of Facebook Pages: headquarters, then every mission; ambassadors of the ten
/// busiest posts have public-figure Pages too.
fn fb_slots(seed: u64, n: usize) -> Vec<Slot> {
    let mut out: Vec<Slot> = hq_slots(seed)
        .into_iter()
        .filter(|s| !s.username.ends_with("_StateSec"))
        .collect();
    let mut rank = 0;
    while out.len() < n {
        if rank < CAPITALS.len() {
            out.push(mission_slot(&CAPITALS[rank], rank, false, 0));
            if rank < 10 && out.len() < n {
                out.push(ambassador_slot(seed, &CAPITALS[rank], rank));
            }
        } else {
            let k = rank - CAPITALS.len();
            let place = &CONSULATES[k % CONSULATES.len()];
            out.push(mission_slot(place, k, true, k / CONSULATES.len()));
        }
        rank += 1;
    }
    out.truncate(n);
    // Pages get fewer inbound items than X accounts.
    for s in &mut out {
        s.per_day = (s.per_day * 0.25).max(0.8);
    }
    out
}

fn utc_offset_s(tz: &str, at_ms: i64) -> i64 {
    match tz.parse::<chrono_tz::Tz>() {
        Ok(zone) => match Utc.timestamp_millis_opt(at_ms).single() {
            Some(t) => i64::from(
                zone.offset_from_utc_datetime(&t.naive_utc())
                    .fix()
                    .local_minus_utc(),
            ),
            None => 0,
        },
        Err(_) => 0,
    }
}

/// Relative activity by local hour (people write in the day, little at night).
fn diurnal_raw(local_hour: f64) -> f64 {
    let d = (local_hour - 14.0) / 5.0;
    0.25 + 1.4 * (-d * d).exp()
}

/// Parameters of [`World::build`].
pub(crate) struct WorldParams {
    pub(crate) seed: u64,
    pub(crate) x_accounts: usize,
    pub(crate) fb_pages: usize,
    pub(crate) virtual_start_ms: i64,
    pub(crate) history_days: u32,
    pub(crate) volume: f64,
    pub(crate) crisis: Option<crate::config::Crisis>,
}

impl World {
    pub(crate) fn build(p: &WorldParams) -> World {
        let seed = p.seed;
        let langs: Vec<Lang> = LEXICONS
            .iter()
            .map(|l: &Lexicon| Lang {
                code: l.lang,
                public: l.public.iter().map(|t| Frag::new(t)).collect(),
                official: l.official.iter().map(|t| Frag::new(t)).collect(),
                hashtags: l.hashtags.iter().map(|t| Frag::new(t)).collect(),
            })
            .collect();

        let make = |network: Network, slots: Vec<Slot>| -> Vec<Persona> {
            slots
                .into_iter()
                .enumerate()
                .map(|(idx, s)| {
                    let salt = match network {
                        Network::X => 1u64,
                        Network::Facebook => 2u64,
                    };
                    let hv = h(seed, &[0xACC, salt, idx as u64]);
                    let id = match network {
                        Network::X => 1_180_000_000 + idx as u64 * 7_919_113 + (hv % 7_919_000),
                        Network::Facebook => {
                            104_000_000_000_000 + idx as u64 * 97_003_001 + (hv % 97_000_000)
                        }
                    };
                    let jitter = 0.7 + 0.7 * unit(mix(hv));
                    let per_day = s.per_day * jitter;
                    let per_ms = per_day / 86_400_000.0;
                    let bucket_ms = ((8.0 / per_ms).clamp(10_000.0, 21_600_000.0) / 1000.0).round()
                        as i64
                        * 1000;
                    let own_period_ms = (86_400_000.0 / s.own_per_day) as i64;
                    let own_phase_ms = (hv >> 20) as i64 % own_period_ms.max(1);
                    let followers = (per_day * 900.0 * (0.5 + unit(mix(hv ^ 3)))) as u64 + 150;
                    let created_ms = 1_230_000_000_000 + (hv % 400_000_000_000) as i64;
                    let username = match network {
                        Network::X => s.username.clone(),
                        Network::Facebook => s.fb_username.clone(),
                    };
                    Persona {
                        json_head: format!(
                            "\"id\":\"{id}\",\"name\":\"{}\",\"username\":\"{username}\"",
                            escape(&s.name)
                        )
                        .into_boxed_str(),
                        idx,
                        network,
                        id,
                        username,
                        name: s.name,
                        description: s.description,
                        kind: s.kind,
                        group: s.group,
                        tz: s.tz,
                        lang: s.lang,
                        lang_idx: lexicon_index(s.lang),
                        utc_offset_s: utc_offset_s(s.tz, p.virtual_start_ms),
                        city: s.city,
                        country: s.country,
                        created_ms,
                        followers,
                        inbound_per_day: per_day,
                        bucket_ms,
                        own_period_ms,
                        own_phase_ms,
                        category: s.category.0,
                        category_id: s.category.1,
                        engaged_users: (per_day * 4.0) as u64 + 10,
                    }
                })
                .collect()
        };
        let x = make(Network::X, x_slots(seed, p.x_accounts.min(MAX_ACCOUNTS)));
        let fb = make(
            Network::Facebook,
            fb_slots(seed, p.fb_pages.min(MAX_ACCOUNTS)),
        );
        let x_by_id = x.iter().map(|a| (a.id, a.idx)).collect();
        let x_by_username = x
            .iter()
            .map(|a| (a.username.to_ascii_lowercase(), a.idx))
            .collect();
        let fb_by_id = fb.iter().map(|a| (a.id, a.idx)).collect();

        // The public.
        let weights: Vec<f64> = LEXICONS
            .iter()
            .map(|l| match l.lang {
                "en" => 30.0,
                "ar" | "es" | "fr" => 9.0,
                "zh" | "ru" | "pt" | "hi" => 6.0,
                "de" | "ja" | "tr" | "sw" => 4.0,
                _ => 2.0,
            })
            .collect();
        let total_w: f64 = weights.iter().sum();
        let mut users = Vec::with_capacity(PUBLIC_USERS);
        let mut users_by_lang = vec![Vec::new(); LEXICONS.len()];
        let mut users_by_username = HashMap::with_capacity(PUBLIC_USERS);
        for i in 0..PUBLIC_USERS {
            let hv = h(seed, &[0x05E4, i as u64]);
            let mut r = unit(hv) * total_w;
            let mut lang_idx = 0;
            for (k, w) in weights.iter().enumerate() {
                if r < *w {
                    lang_idx = k;
                    break;
                }
                r -= w;
            }
            let lex = &LEXICONS[lang_idx];
            let first = lex.first_names[pick(mix(hv ^ 1), lex.first_names.len())];
            let last = lex.last_names[pick(mix(hv ^ 2), lex.last_names.len())];
            let stem = lex.handle_stems[pick(mix(hv ^ 1), lex.handle_stems.len())];
            let name = if matches!(lex.lang, "zh" | "ja" | "ko") {
                format!("{last}{first}")
            } else {
                format!("{first} {last}")
            };
            let username = format!("{stem}_{}", base36(i as u64 * 37 + 1296));
            users_by_username.insert(username.to_ascii_lowercase(), i);
            users_by_lang[lang_idx].push(i as u32);
            let followers = (10f64.powf(1.0 + 4.0 * unit(mix(hv ^ 4)).powi(3))) as u64;
            users.push(PublicUser {
                json_head: format!(
                    "\"id\":\"{}\",\"name\":\"{}\",\"username\":\"{}\"",
                    World::x_public_id(i),
                    escape(&name),
                    username
                )
                .into_boxed_str(),
                name,
                username,
                created_ms: 1_200_000_000_000 + (mix(hv ^ 5) % 550_000_000_000) as i64,
                followers,
                verified: followers > 8_000,
            });
        }
        for (k, list) in users_by_lang.iter_mut().enumerate() {
            if list.is_empty() {
                list.push(k as u32 % PUBLIC_USERS as u32);
            }
        }

        let history_start_ms = p.virtual_start_ms - i64::from(p.history_days) * 86_400_000;
        let crisis = p.crisis.as_ref().map(|c| {
            let find = |list: &Vec<Persona>| -> Option<usize> {
                match &c.account {
                    Some(name) => list
                        .iter()
                        .find(|a| a.username.eq_ignore_ascii_case(name))
                        .map(|a| a.idx),
                    None => list
                        .iter()
                        .find(|a| a.city == "Beirut" && a.kind == AccountKind::Embassy)
                        .or_else(|| list.iter().find(|a| a.kind == AccountKind::Embassy))
                        .map(|a| a.idx),
                }
            };
            let start_ms = p.virtual_start_ms - (c.started_hours_before_start * 3_600_000.0) as i64;
            CrisisWindow {
                x_account: find(&x),
                fb_page: find(&fb),
                start_ms,
                end_ms: start_ms + (c.duration_hours * 3_600_000.0) as i64,
                factor: c.factor.max(1.0),
            }
        });
        let diurnal_norm = (0..24).map(|hr| diurnal_raw(f64::from(hr))).sum::<f64>() / 24.0;
        World {
            seed,
            x,
            fb,
            x_by_id,
            x_by_username,
            fb_by_id,
            users,
            users_by_username,
            users_by_lang,
            langs,
            history_start_ms,
            crisis,
            volume: p.volume,
            diurnal_norm,
        }
    }

    /// Activity multiplier for an account at a virtual time: time of day where it is, and any
    /// crisis around it.
    pub(crate) fn activity(&self, p: &Persona, at_ms: i64) -> f64 {
        let local_ms = at_ms + p.utc_offset_s * 1000;
        let hour = (local_ms.rem_euclid(86_400_000)) as f64 / 3_600_000.0;
        let mut f = diurnal_raw(hour) / self.diurnal_norm;
        if let Some(c) = &self.crisis {
            let hit = match p.network {
                Network::X => c.x_account == Some(p.idx),
                Network::Facebook => c.fb_page == Some(p.idx),
            };
            if hit && at_ms >= c.start_ms && at_ms < c.end_ms {
                f *= c.factor;
            }
        }
        f * self.volume
    }

    pub(crate) fn in_crisis(&self, p: &Persona, at_ms: i64) -> bool {
        match &self.crisis {
            Some(c) => {
                let hit = match p.network {
                    Network::X => c.x_account == Some(p.idx),
                    Network::Facebook => c.fb_page == Some(p.idx),
                };
                hit && at_ms >= c.start_ms && at_ms < c.end_ms
            }
            None => false,
        }
    }

    pub(crate) fn x_public_id(i: usize) -> u64 {
        X_PUBLIC_ID_BASE + i as u64 * X_PUBLIC_ID_STEP
    }

    pub(crate) fn x_public_index(id: u64) -> Option<usize> {
        let off = id.checked_sub(X_PUBLIC_ID_BASE)?;
        if off % X_PUBLIC_ID_STEP != 0 {
            return None;
        }
        let i = (off / X_PUBLIC_ID_STEP) as usize;
        (i < PUBLIC_USERS).then_some(i)
    }

    pub(crate) fn fb_public_id(i: usize) -> u64 {
        FB_PUBLIC_ID_BASE + i as u64 * FB_PUBLIC_ID_STEP
    }

    pub(crate) fn fb_public_index(id: u64) -> Option<usize> {
        let off = id.checked_sub(FB_PUBLIC_ID_BASE)?;
        if off % FB_PUBLIC_ID_STEP != 0 {
            return None;
        }
        let i = (off / FB_PUBLIC_ID_STEP) as usize;
        (i < PUBLIC_USERS).then_some(i)
    }

    /// A member of the public who writes in `lang_idx`, chosen by the hash `hv`.
    pub(crate) fn author_for(&self, lang_idx: usize, hv: u64) -> usize {
        let list = &self.users_by_lang[lang_idx.min(self.users_by_lang.len() - 1)];
        list[pick(hv, list.len())] as usize
    }

    /// The language a member of the public writes to account `p` in.
    pub(crate) fn lang_for(&self, p: &Persona, hv: u64) -> usize {
        let u = unit(hv);
        if u < 0.55 {
            p.lang_idx
        } else if u < 0.85 {
            0
        } else {
            pick(mix(hv), self.langs.len())
        }
    }
}

pub(crate) fn base36(mut v: u64) -> String {
    const DIGITS: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyz";
    let mut out = Vec::new();
    loop {
        out.push(DIGITS[(v % 36) as usize]);
        v /= 36;
        if v == 0 {
            break;
        }
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn world(n: usize) -> World {
        World::build(&WorldParams {
            seed: 7,
            x_accounts: n,
            fb_pages: n,
            virtual_start_ms: 1_790_000_000_000,
            history_days: 30,
            volume: 1.0,
            crisis: Some(crate::config::Crisis::default()),
        })
    }

    #[test]
    fn accounts_look_like_a_ministry() {
        let w = world(120);
        assert_eq!(w.x.len(), 120);
        assert_eq!(w.fb.len(), 120);
        let amb =
            w.x.iter()
                .filter(|a| a.kind == AccountKind::Ambassador)
                .count();
        assert!(amb >= 20, "{amb} ambassadors");
        assert!(w.x.iter().any(|a| a.kind == AccountKind::Minister));
        for region in [
            "Europe",
            "Africa",
            "Americas",
            "Asia-Pacific",
            "Middle East",
        ] {
            assert!(w.x.iter().any(|a| a.group[0] == region), "{region}");
        }
        let mut names = std::collections::HashSet::new();
        for a in &w.x {
            assert!(
                a.username.len() <= 15 && !a.username.is_empty(),
                "{}",
                a.username
            );
            assert!(a
                .username
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_'));
            assert!(
                names.insert(a.username.to_ascii_lowercase()),
                "dup {}",
                a.username
            );
            assert!(a.tz.parse::<chrono_tz::Tz>().is_ok(), "{}", a.tz);
        }
        let paris = w.x.iter().find(|a| a.city == "Paris").unwrap();
        assert_eq!(paris.tz, "Europe/Paris");
        assert_eq!(paris.lang, "fr");
        assert!(w.crisis.as_ref().unwrap().x_account.is_some());
    }

    #[test]
    fn many_accounts_stay_unique() {
        let w = world(500);
        let mut names = std::collections::HashSet::new();
        for a in w.x.iter().chain(w.fb.iter()) {
            assert!(names.insert((a.network, a.username.to_ascii_lowercase())));
        }
        assert_eq!(w.x_by_id.len(), 500);
        assert_eq!(w.fb_by_id.len(), 500);
    }

    #[test]
    fn public_ids_round_trip() {
        for i in [0usize, 1, 999, PUBLIC_USERS - 1] {
            assert_eq!(World::x_public_index(World::x_public_id(i)), Some(i));
            assert_eq!(World::fb_public_index(World::fb_public_id(i)), Some(i));
        }
        assert_eq!(World::x_public_index(5), None);
    }
}

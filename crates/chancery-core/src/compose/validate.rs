//! Validation as you type: a pure function of the draft's content and a context the UI
//! fetches once per editing session (the resolved target accounts, their token health, the
//! state of the attached files, the inbox item being answered). No I/O, no clock: `now` is
//! passed in. It is cheap enough to run on every keystroke (one twitter-text parse per
//! distinct X text, one length per Facebook text, a few comparisons per target).
//!
//! # Limits and where they come from
//!
//! - **X text: 280 weighted characters**, counted by twitter-text v3 (the `twitter-text`
//!   crate, checked against twitter-text's own conformance suite): URLs count 23, CJK and
//!   emoji 2, Latin/Arabic/Cyrillic/Devanagari 1. Source: X's "Counting characters" page and
//!   `twitter-text` `config/v3.json` (see `shared/notes/field-and-apis.md` §3.5).
//! - **X images: up to 4 per post, 5 MB each (GIF 15 MB); JPEG, PNG, GIF or WEBP.** Source:
//!   `POST /2/tweets` takes `media.media_ids[1..4]`; X's media upload page gives image 5 MB,
//!   GIF 15 MB (`field-and-apis.md` §3.4 and §3.7).
//! - **Facebook Page post: 63,206 characters; comment (a reply): 8,000 characters.** Meta's
//!   Graph API reference gives no limit for `message`; these are the long-standing values
//!   Facebook's composer enforces, as published by third-party references (e.g. the
//!   character-limit tables of typecount.com and socialk.it, 2026; one other source says
//!   10,000 for posts, which we do not follow). They are counted here in UTF-16 code units,
//!   which is never less than the number of characters, so a text we accept is never too long.
//! - **Facebook images: up to 10 per post (1 per comment), 10 MB each; JPEG, PNG, GIF, WEBP.**
//!   Chancery's own conservative limits for the multi-photo Page post flow (Meta recommends
//!   photos under 4 MB; a warning says so above that).
//! - **X replies (since 23 Feb 2026, self-serve API tiers):** a programmatic reply is allowed
//!   only if the author of the post being answered mentioned or quoted the replying account
//!   (`field-and-apis.md` §3.3). Chancery warns before such a reply; it cannot see quotes in
//!   every case, so this is a warning, not an error.

use std::collections::HashMap;

use chancery_model::accounts::{Network, TokenStatus};
use chancery_model::drafts::{
    DraftContent, DraftKind, FacebookCount, MediaAttachment, Problem, ProblemCode, ResolvedTarget,
    Severity, Utf16Span, ValidationReport, XCount,
};
use chrono::{DateTime, Utc};

use super::media::MediaFileState;
use super::x_text;
use crate::schedule::apply_schedule;

pub const X_MAX_IMAGES: usize = 4;
pub const X_MAX_IMAGE_BYTES: u64 = 5_000_000;
pub const X_MAX_GIF_BYTES: u64 = 15_000_000;
pub const X_IMAGE_TYPES: [&str; 4] = ["image/jpeg", "image/png", "image/gif", "image/webp"];
pub const FACEBOOK_MAX_POST_CHARS: u32 = 63_206;
pub const FACEBOOK_MAX_COMMENT_CHARS: u32 = 8_000;
pub const FACEBOOK_MAX_IMAGES: usize = 10;
pub const FACEBOOK_MAX_COMMENT_IMAGES: usize = 1;
pub const FACEBOOK_MAX_IMAGE_BYTES: u64 = 10_000_000;
pub const FACEBOOK_RECOMMENDED_IMAGE_BYTES: u64 = 4_000_000;
pub const FACEBOOK_IMAGE_TYPES: [&str; 4] = ["image/jpeg", "image/png", "image/gif", "image/webp"];

/// One target account as validation needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetContext {
    pub target: ResolvedTarget,
    pub display_name: String,
    pub token: TokenStatus,
}

/// The inbox item a reply answers, as validation needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplyContext {
    /// The @handle of the item's author (X), if known.
    pub author_handle: Option<String>,
    /// Handles the item mentions (from the network's entities), without `@`.
    pub mentions: Vec<String>,
    /// The item's text (mentions are also looked for in it).
    pub text: String,
    /// The handle of the account the reply is sent from.
    pub replying_handle: String,
}

/// Everything validation looks at besides the content. Fetch once per editing session.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ValidationContext {
    pub kind: Option<DraftKind>,
    /// The accounts the draft's targets resolve to now.
    pub targets: Vec<TargetContext>,
    /// Targets that no longer exist (messages naming them).
    pub missing_targets: Vec<String>,
    /// Set when the saved resolution differs from the registry now (a group gained or lost
    /// accounts since the draft was saved).
    pub targets_changed: Option<String>,
    /// The state of each attached file, by its SHA-256; absent means not checked.
    pub media_files: HashMap<String, MediaFileState>,
    pub reply: Option<ReplyContext>,
}

/// How a target is named in messages: `@handle` on X, the Page's name on Facebook.
pub fn target_label(t: &TargetContext) -> String {
    match t.target.network {
        Network::X => format!("@{}", t.target.handle),
        Network::Facebook => format!("Facebook page {}", t.display_name),
    }
}

fn problem(
    severity: Severity,
    code: ProblemCode,
    t: Option<&TargetContext>,
    message: String,
) -> Problem {
    Problem {
        severity,
        code,
        account_id: t.map(|t| t.target.account_id),
        message,
        range: None,
    }
}

/// Facebook's count of a text (UTF-16 code units), with the part over `max`.
pub fn facebook_count(text: &str, max: u32) -> FacebookCount {
    let length = u32::try_from(text.encode_utf16().count()).unwrap_or(u32::MAX);
    let over_limit = (length > max).then(|| Utf16Span {
        start: max,
        end: length - 1,
    });
    FacebookCount {
        length,
        max_length: max,
        over_limit,
    }
}

fn mb(bytes: u64) -> String {
    format!("{:.1} MB", bytes as f64 / 1_000_000.0)
}

fn check_media(
    media: &[MediaAttachment],
    t: &TargetContext,
    kind: DraftKind,
    files: &HashMap<String, MediaFileState>,
    out: &mut Vec<Problem>,
) {
    let label = target_label(t);
    let (max_n, types): (usize, &[&str]) = match (t.target.network, kind) {
        (Network::X, _) => (X_MAX_IMAGES, &X_IMAGE_TYPES),
        (Network::Facebook, DraftKind::Post) => (FACEBOOK_MAX_IMAGES, &FACEBOOK_IMAGE_TYPES),
        (Network::Facebook, DraftKind::Reply) => {
            (FACEBOOK_MAX_COMMENT_IMAGES, &FACEBOOK_IMAGE_TYPES)
        }
    };
    if media.len() > max_n {
        out.push(problem(
            Severity::Error,
            ProblemCode::TooManyImages,
            Some(t),
            format!(
                "{label}: {} images attached; at most {max_n} can go with this {}",
                media.len(),
                if kind == DraftKind::Reply {
                    "reply"
                } else {
                    "post"
                }
            ),
        ));
    }
    for m in media {
        let name = std::path::Path::new(&m.path)
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_else(|| m.path.clone());
        match files.get(&m.sha256) {
            Some(MediaFileState::Missing) => out.push(problem(
                Severity::Error,
                ProblemCode::ImageMissing,
                Some(t),
                format!("{label}: image missing ({} is no longer there)", m.path),
            )),
            Some(MediaFileState::Changed) => out.push(problem(
                Severity::Error,
                ProblemCode::ImageChanged,
                Some(t),
                format!("{label}: the image {name} changed on disk since it was attached; attach it again"),
            )),
            _ => {}
        }
        if !types.contains(&m.mime_type.as_str()) {
            out.push(problem(
                Severity::Error,
                ProblemCode::ImageType,
                Some(t),
                format!(
                    "{label}: {name} is {}, which cannot be posted (use JPEG, PNG, GIF or WEBP)",
                    m.mime_type
                ),
            ));
            continue;
        }
        let limit = match t.target.network {
            Network::X if m.mime_type == "image/gif" => X_MAX_GIF_BYTES,
            Network::X => X_MAX_IMAGE_BYTES,
            Network::Facebook => FACEBOOK_MAX_IMAGE_BYTES,
        };
        if m.size_bytes > limit {
            out.push(problem(
                Severity::Error,
                ProblemCode::ImageTooLarge,
                Some(t),
                format!(
                    "{label}: {name} is {}; the limit is {}",
                    mb(m.size_bytes),
                    mb(limit)
                ),
            ));
        } else if t.target.network == Network::Facebook
            && m.size_bytes > FACEBOOK_RECOMMENDED_IMAGE_BYTES
        {
            out.push(problem(
                Severity::Warning,
                ProblemCode::ImageTooLarge,
                Some(t),
                format!(
                    "{label}: {name} is {}; Meta recommends images under 4 MB",
                    mb(m.size_bytes)
                ),
            ));
        }
    }
}

/// Does the item being answered mention `handle`?
pub fn is_summoned(reply: &ReplyContext) -> bool {
    let me = reply.replying_handle.trim_start_matches('@').to_lowercase();
    reply
        .mentions
        .iter()
        .any(|m| m.trim_start_matches('@').to_lowercase() == me)
        || x_text::mentions(&reply.text)
            .iter()
            .any(|m| m.value.to_lowercase() == me)
}

/// Check `content` against `ctx` at `now`.
pub fn validate(
    content: &DraftContent,
    ctx: &ValidationContext,
    now: DateTime<Utc>,
) -> ValidationReport {
    let kind = ctx.kind.unwrap_or(if content.reply_to.is_some() {
        DraftKind::Reply
    } else {
        DraftKind::Post
    });
    let mut problems = Vec::new();
    let has = |n: Network| ctx.targets.iter().any(|t| t.target.network == n);
    let no_targets = ctx.targets.is_empty();

    // Counts for the editor's meters: for the networks targeted (both when none yet).
    let x: Option<XCount> =
        (no_targets || has(Network::X)).then(|| x_text::count(content.text_for(Network::X)));
    let fb_max = if kind == DraftKind::Reply {
        FACEBOOK_MAX_COMMENT_CHARS
    } else {
        FACEBOOK_MAX_POST_CHARS
    };
    let facebook = (no_targets || has(Network::Facebook))
        .then(|| facebook_count(content.text_for(Network::Facebook), fb_max));

    if content.targets.is_empty() {
        problems.push(problem(
            Severity::Error,
            ProblemCode::NoTargets,
            None,
            "choose at least one account or group to post to".into(),
        ));
    } else if no_targets && ctx.missing_targets.is_empty() {
        problems.push(problem(
            Severity::Error,
            ProblemCode::NoTargets,
            None,
            "the chosen groups have no accounts".into(),
        ));
    }
    for m in &ctx.missing_targets {
        problems.push(problem(
            Severity::Error,
            ProblemCode::TargetMissing,
            None,
            m.clone(),
        ));
    }
    if let Some(m) = &ctx.targets_changed {
        problems.push(problem(
            Severity::Error,
            ProblemCode::TargetsChanged,
            None,
            m.clone(),
        ));
    }

    // Schedules are re-resolved from the content being typed (cheap, pure).
    let mut resolved: Vec<ResolvedTarget> = ctx.targets.iter().map(|t| t.target.clone()).collect();
    apply_schedule(&content.schedule, &mut resolved);

    for (t, r) in ctx.targets.iter().zip(&resolved) {
        let label = target_label(t);
        match t.token {
            TokenStatus::Connected => {}
            TokenStatus::NeedsReauth => problems.push(problem(
                Severity::Error,
                ProblemCode::NeedsReauth,
                Some(t),
                format!(
                    "{label}: account needs re-authorisation before anything can be posted from it"
                ),
            )),
            TokenStatus::Disconnected => problems.push(problem(
                Severity::Error,
                ProblemCode::NotConnected,
                Some(t),
                format!("{label}: account is not connected"),
            )),
        }
        let text = content.text_for(t.target.network);
        match t.target.network {
            Network::X => {
                let c = x.clone().unwrap_or_else(|| x_text::count(text));
                if text.trim().is_empty() {
                    if content.media.is_empty() {
                        problems.push(problem(
                            Severity::Error,
                            ProblemCode::TextEmpty,
                            Some(t),
                            format!("{label}: the text is empty"),
                        ));
                    }
                } else if c.weighted_length > c.max_weighted_length {
                    let mut p = problem(
                        Severity::Error,
                        ProblemCode::TextTooLong,
                        Some(t),
                        format!("{label}: {}/{}", c.weighted_length, c.max_weighted_length),
                    );
                    p.range = c.over_limit;
                    problems.push(p);
                } else if !c.valid {
                    problems.push(problem(
                        Severity::Error,
                        ProblemCode::InvalidCharacters,
                        Some(t),
                        format!("{label}: the text contains characters X does not accept"),
                    ));
                }
            }
            Network::Facebook => {
                if text.trim().is_empty() && content.media.is_empty() {
                    problems.push(problem(
                        Severity::Error,
                        ProblemCode::TextEmpty,
                        Some(t),
                        format!("{label}: the text is empty"),
                    ));
                }
                let c = facebook_count(text, fb_max);
                if let Some(over) = c.over_limit {
                    let mut p = problem(
                        Severity::Error,
                        ProblemCode::TextTooLong,
                        Some(t),
                        format!("{label}: {}/{} characters", c.length, c.max_length),
                    );
                    p.range = Some(over);
                    problems.push(p);
                }
            }
        }
        check_media(&content.media, t, kind, &ctx.media_files, &mut problems);
        if let Some(p) = &r.schedule_problem {
            let code = if p.contains("time zone") {
                ProblemCode::UnknownTimeZone
            } else {
                ProblemCode::LocalTimeDoesNotExist
            };
            problems.push(problem(
                Severity::Error,
                code,
                Some(t),
                format!("{label}: {p}"),
            ));
        }
        if let Some(n) = &r.schedule_note {
            problems.push(problem(
                Severity::Warning,
                ProblemCode::LocalTimeAmbiguous,
                Some(t),
                format!("{label}: {n}"),
            ));
        }
        if let Some(at) = r.send_at {
            if at <= now {
                problems.push(problem(
                    Severity::Error,
                    ProblemCode::ScheduleInPast,
                    Some(t),
                    format!(
                        "{label}: the scheduled time {} has already passed",
                        at.to_rfc3339()
                    ),
                ));
            }
        }
    }

    if let Some(reply_to) = &content.reply_to {
        let only_right_account =
            ctx.targets.len() == 1 && ctx.targets[0].target.account_id == reply_to.account_id;
        if !only_right_account && !no_targets {
            problems.push(problem(
                Severity::Error,
                ProblemCode::ReplyTargetMismatch,
                None,
                "a reply goes out from the account the message arrived on, and only from it".into(),
            ));
        }
        if reply_to.network == Network::X {
            if let Some(r) = &ctx.reply {
                if !is_summoned(r) {
                    let who = r
                        .author_handle
                        .as_deref()
                        .map(|h| format!("@{h}"))
                        .unwrap_or_else(|| "its author".into());
                    problems.push(problem(
                        Severity::Warning,
                        ProblemCode::ReplyNotSummoned,
                        ctx.targets.first(),
                        format!(
                            "X will probably refuse this reply: since 23 Feb 2026 an app may only reply to a post whose \
                             author mentioned or quoted the replying account, and {who} did not mention @{} \
                             (unless they quoted one of its posts). Consider replying from the X app instead.",
                            r.replying_handle
                        ),
                    ));
                }
            }
        }
    }

    ValidationReport {
        x,
        facebook,
        problems,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chancery_model::accounts::{AccountId, GroupId};
    use chancery_model::drafts::{ReplyTo, Schedule, TargetRef, Variants};
    use chancery_model::items::ItemId;
    use chrono::{NaiveDate, TimeZone};
    use uuid::Uuid;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap()
    }

    fn target(n: u128, network: Network, handle: &str, tz: &str) -> TargetContext {
        TargetContext {
            target: ResolvedTarget {
                account_id: AccountId(Uuid::from_u128(n)),
                network,
                handle: handle.into(),
                group_id: GroupId(Uuid::nil()),
                time_zone: tz.into(),
                send_at: None,
                schedule_note: None,
                schedule_problem: None,
            },
            display_name: format!("{handle} page"),
            token: TokenStatus::Connected,
        }
    }

    fn content(text: &str) -> DraftContent {
        DraftContent {
            text: text.into(),
            variants: Variants::default(),
            media: vec![],
            targets: vec![TargetRef::Account(AccountId(Uuid::from_u128(1)))],
            schedule: Schedule::Now,
            reply_to: None,
        }
    }

    fn ctx(targets: Vec<TargetContext>) -> ValidationContext {
        ValidationContext {
            targets,
            ..Default::default()
        }
    }

    fn codes(r: &ValidationReport) -> Vec<ProblemCode> {
        r.problems.iter().map(|p| p.code).collect()
    }

    #[test]
    fn x_over_limit_names_the_account_and_the_range() {
        let text = "a".repeat(297);
        let r = validate(
            &content(&text),
            &ctx(vec![target(1, Network::X, "EmbassyParis", "Europe/Paris")]),
            now(),
        );
        assert!(!r.ok());
        let p = &r.problems[0];
        assert_eq!(p.code, ProblemCode::TextTooLong);
        assert_eq!(p.message, "@EmbassyParis: 297/280");
        assert_eq!(
            p.range,
            Some(Utf16Span {
                start: 280,
                end: 296
            })
        );
        assert_eq!(r.x.as_ref().unwrap().weighted_length, 297);
    }

    #[test]
    fn x_counts_urls_as_23_and_cjk_as_2_and_the_variant_is_what_counts() {
        let r = validate(
            &content("See https://example.org/a/very/long/path/that/is/long"),
            &ctx(vec![target(1, Network::X, "a", "UTC")]),
            now(),
        );
        assert_eq!(r.x.unwrap().weighted_length, 4 + 23);
        let r = validate(
            &content("日本"),
            &ctx(vec![target(1, Network::X, "a", "UTC")]),
            now(),
        );
        assert_eq!(r.x.unwrap().weighted_length, 4);
        let mut c = content(&"a".repeat(400));
        c.variants.x = Some("short for X".into());
        let r = validate(
            &c,
            &ctx(vec![
                target(1, Network::X, "a", "UTC"),
                target(2, Network::Facebook, "fb", "UTC"),
            ]),
            now(),
        );
        assert!(r.ok(), "{:?}", r.problems);
        assert_eq!(r.facebook.unwrap().length, 400);
    }

    #[test]
    fn facebook_limits_for_posts_and_comments() {
        let fb = || ctx(vec![target(1, Network::Facebook, "embassy", "UTC")]);
        assert!(validate(&content(&"a".repeat(63_206)), &fb(), now()).ok());
        let r = validate(&content(&"a".repeat(63_207)), &fb(), now());
        assert_eq!(codes(&r), vec![ProblemCode::TextTooLong]);
        assert_eq!(
            r.problems[0].message,
            "Facebook page embassy page: 63207/63206 characters"
        );
        let mut reply = content(&"a".repeat(8_001));
        reply.reply_to = Some(ReplyTo {
            item_id: ItemId(Uuid::nil()),
            account_id: AccountId(Uuid::from_u128(1)),
            network: Network::Facebook,
            external_id: "1_2".into(),
        });
        let r = validate(&reply, &fb(), now());
        assert_eq!(codes(&r), vec![ProblemCode::TextTooLong]);
        reply.text.pop();
        assert!(validate(&reply, &fb(), now()).ok());
    }

    #[test]
    fn per_target_account_and_image_problems() {
        let mut t = target(1, Network::X, "EmbassyRome", "UTC");
        t.token = TokenStatus::NeedsReauth;
        let mut f = target(2, Network::Facebook, "rome", "UTC");
        f.display_name = "Embassy Rome".into();
        let mut c = content("Hello");
        for i in 0..5u8 {
            c.media.push(MediaAttachment {
                path: format!("/tmp/{i}.png"),
                sha256: format!("{i:064}"),
                mime_type: "image/png".into(),
                size_bytes: if i == 0 { 6_000_000 } else { 1000 },
                alt_text: None,
            });
        }
        c.media.push(MediaAttachment {
            path: "/tmp/doc.pdf".into(),
            sha256: "f".repeat(64),
            mime_type: "application/pdf".into(),
            size_bytes: 10,
            alt_text: None,
        });
        let mut cx = ctx(vec![t, f]);
        cx.media_files
            .insert(format!("{:064}", 1), MediaFileState::Missing);
        let r = validate(&c, &cx, now());
        let msgs: Vec<&str> = r.problems.iter().map(|p| p.message.as_str()).collect();
        assert!(msgs.contains(&"@EmbassyRome: account needs re-authorisation before anything can be posted from it"), "{msgs:?}");
        assert!(
            msgs.iter()
                .any(|m| m.starts_with("@EmbassyRome: 6 images attached; at most 4")),
            "{msgs:?}"
        );
        assert!(
            msgs.iter()
                .any(|m| m.starts_with("@EmbassyRome: 0.png is 6.0 MB; the limit is 5.0 MB")),
            "{msgs:?}"
        );
        assert!(
            msgs.iter()
                .any(|m| m.starts_with("Facebook page Embassy Rome: image missing")),
            "{msgs:?}"
        );
        assert!(
            msgs.iter()
                .any(|m| m.contains("doc.pdf is application/pdf")),
            "{msgs:?}"
        );
        assert!(
            msgs.iter()
                .any(|m| m
                    .starts_with("Facebook page Embassy Rome: 0.png is 6.0 MB; Meta recommends")),
            "{msgs:?}"
        );
        // The Facebook page can take 6 images in a post; X cannot.
        assert!(
            !msgs
                .iter()
                .any(|m| m.starts_with("Facebook page Embassy Rome: 6 images")),
            "{msgs:?}"
        );
    }

    #[test]
    fn schedules_in_each_zone_are_checked() {
        let mut c = content("Bonjour");
        c.schedule = Schedule::LocalTime {
            local: NaiveDate::from_ymd_opt(2026, 3, 29)
                .unwrap()
                .and_hms_opt(2, 30, 0)
                .unwrap(),
        };
        let r = validate(
            &c,
            &ctx(vec![
                target(1, Network::X, "EmbassyParis", "Europe/Paris"),
                target(2, Network::X, "EmbassyTokyo", "Asia/Tokyo"),
            ]),
            now(),
        );
        assert_eq!(codes(&r), vec![ProblemCode::LocalTimeDoesNotExist]);
        assert!(
            r.problems[0].message.starts_with(
                "@EmbassyParis: 02:30 on Sun 29 March 2026 does not exist in Europe/Paris"
            ),
            "{}",
            r.problems[0].message
        );
        c.schedule = Schedule::LocalTime {
            local: NaiveDate::from_ymd_opt(2026, 10, 25)
                .unwrap()
                .and_hms_opt(2, 30, 0)
                .unwrap(),
        };
        let r = validate(
            &c,
            &ctx(vec![target(1, Network::X, "EmbassyParis", "Europe/Paris")]),
            now(),
        );
        assert!(r.ok());
        assert_eq!(codes(&r), vec![ProblemCode::LocalTimeAmbiguous]);
        c.schedule = Schedule::At {
            instant: now() - chrono::Duration::minutes(1),
        };
        let r = validate(
            &c,
            &ctx(vec![target(1, Network::X, "EmbassyParis", "Europe/Paris")]),
            now(),
        );
        assert_eq!(codes(&r), vec![ProblemCode::ScheduleInPast]);
    }

    #[test]
    fn x_reply_to_a_post_that_did_not_mention_us_is_warned_about() {
        let mut c = content("Thank you");
        c.reply_to = Some(ReplyTo {
            item_id: ItemId(Uuid::nil()),
            account_id: AccountId(Uuid::from_u128(1)),
            network: Network::X,
            external_id: "190".into(),
        });
        let mut cx = ctx(vec![target(1, Network::X, "EmbassyParis", "Europe/Paris")]);
        cx.kind = Some(DraftKind::Reply);
        cx.reply = Some(ReplyContext {
            author_handle: Some("someone".into()),
            mentions: vec![],
            text: "What a day in Paris".into(),
            replying_handle: "EmbassyParis".into(),
        });
        let r = validate(&c, &cx, now());
        assert!(r.ok(), "a warning does not block");
        assert_eq!(codes(&r), vec![ProblemCode::ReplyNotSummoned]);
        assert!(r.problems[0]
            .message
            .contains("@someone did not mention @EmbassyParis"));
        cx.reply.as_mut().unwrap().text = "Hello @embassyparis, when are you open?".into();
        assert!(validate(&c, &cx, now()).problems.is_empty());
        cx.reply.as_mut().unwrap().text = "no mention in text".into();
        cx.reply.as_mut().unwrap().mentions = vec!["EmbassyParis".into()];
        assert!(validate(&c, &cx, now()).problems.is_empty());
        // A reply must go out from the account the item arrived on.
        cx.targets
            .push(target(2, Network::X, "EmbassyRome", "Europe/Rome"));
        assert!(codes(&validate(&c, &cx, now())).contains(&ProblemCode::ReplyTargetMismatch));
    }

    #[test]
    fn empty_text_and_no_targets() {
        let mut c = content("");
        c.targets.clear();
        let r = validate(&c, &ctx(vec![]), now());
        assert_eq!(codes(&r), vec![ProblemCode::NoTargets]);
        let r = validate(
            &content("   "),
            &ctx(vec![target(1, Network::X, "a", "UTC")]),
            now(),
        );
        assert_eq!(codes(&r), vec![ProblemCode::TextEmpty]);
    }
}

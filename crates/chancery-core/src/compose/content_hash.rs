//! The content hash an approval is bound to.
//!
//! SHA-256 over a canonical encoding of everything that decides what goes out, where and when:
//! the main text, each network variant, each image (its SHA-256, type and alt text, in order),
//! the reply target, the schedule as given, and the resolved targets (account, network and
//! instant, sorted by account id). Each field is length-prefixed (u64 big-endian), optional
//! fields carry a presence byte, and the encoding starts with a version tag, so no two
//! different contents encode the same. Where an image is stored on disk is not content; its
//! bytes are (through the hash).

use chancery_model::drafts::{DraftContent, ResolvedTarget, Schedule};
use sha2::{Digest, Sha256};

struct Encoder(Sha256);

impl Encoder {
    fn bytes(&mut self, b: &[u8]) {
        self.0.update((b.len() as u64).to_be_bytes());
        self.0.update(b);
    }
    fn str(&mut self, s: &str) {
        self.bytes(s.as_bytes());
    }
    fn opt(&mut self, s: Option<&str>) {
        match s {
            None => self.0.update([0u8]),
            Some(s) => {
                self.0.update([1u8]);
                self.str(s);
            }
        }
    }
    fn num(&mut self, n: i64) {
        self.0.update(n.to_be_bytes());
    }
}

/// The hash (lower-case hex) of `content` resolved to `targets`.
pub fn content_hash(content: &DraftContent, targets: &[ResolvedTarget]) -> String {
    let mut e = Encoder(Sha256::new());
    e.str("chancery-content-v1");
    e.str(&content.text);
    e.opt(content.variants.x.as_deref());
    e.opt(content.variants.facebook.as_deref());
    e.num(content.media.len() as i64);
    for m in &content.media {
        e.str(&m.sha256);
        e.str(&m.mime_type);
        e.opt(m.alt_text.as_deref());
    }
    match &content.reply_to {
        None => e.0.update([0u8]),
        Some(r) => {
            e.0.update([1u8]);
            e.bytes(r.item_id.0.as_bytes());
            e.bytes(r.account_id.0.as_bytes());
            e.str(r.network.as_str());
            e.str(&r.external_id);
        }
    }
    match &content.schedule {
        Schedule::Now => e.str("now"),
        Schedule::LocalTime { local } => {
            e.str("local");
            e.str(&local.format("%Y-%m-%dT%H:%M:%S%.f").to_string());
        }
        Schedule::At { instant } => {
            e.str("at");
            e.num(instant.timestamp_millis());
        }
    }
    let mut sorted: Vec<&ResolvedTarget> = targets.iter().collect();
    sorted.sort_by_key(|t| t.account_id);
    e.num(sorted.len() as i64);
    for t in sorted {
        e.bytes(t.account_id.0.as_bytes());
        e.str(t.network.as_str());
        match t.send_at {
            None => e.0.update([0u8]),
            Some(at) => {
                e.0.update([1u8]);
                e.num(at.timestamp_millis());
            }
        }
    }
    hex::encode(e.0.finalize())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chancery_model::accounts::{AccountId, GroupId, Network};
    use chancery_model::drafts::{MediaAttachment, Variants};
    use chrono::{TimeZone, Utc};
    use uuid::Uuid;

    fn target(n: u128, at: Option<i64>) -> ResolvedTarget {
        ResolvedTarget {
            account_id: AccountId(Uuid::from_u128(n)),
            network: Network::X,
            handle: format!("a{n}"),
            group_id: GroupId(Uuid::nil()),
            time_zone: "UTC".into(),
            send_at: at.map(|s| Utc.timestamp_opt(s, 0).unwrap()),
            schedule_note: None,
            schedule_problem: None,
        }
    }

    fn content() -> DraftContent {
        DraftContent {
            text: "Hello".into(),
            variants: Variants::default(),
            media: vec![],
            targets: vec![],
            schedule: Schedule::Now,
            reply_to: None,
        }
    }

    #[test]
    fn every_part_of_the_content_changes_the_hash() {
        let base = content_hash(&content(), &[target(1, None)]);
        assert_eq!(base.len(), 64);
        assert_eq!(
            base,
            content_hash(&content(), &[target(1, None)]),
            "deterministic"
        );
        let mut c = content();
        c.text.push('!');
        assert_ne!(base, content_hash(&c, &[target(1, None)]));
        let mut c = content();
        c.variants.x = Some("Hello".into());
        assert_ne!(
            base,
            content_hash(&c, &[target(1, None)]),
            "a variant equal to the text still counts"
        );
        let mut c = content();
        c.variants.facebook = Some(String::new());
        assert_ne!(base, content_hash(&c, &[target(1, None)]));
        let mut c = content();
        c.media.push(MediaAttachment {
            path: "/a.png".into(),
            sha256: "ab".repeat(32),
            mime_type: "image/png".into(),
            size_bytes: 1,
            alt_text: None,
        });
        let with_image = content_hash(&c, &[target(1, None)]);
        assert_ne!(base, with_image);
        c.media[0].path = "/elsewhere/a.png".into();
        assert_eq!(
            with_image,
            content_hash(&c, &[target(1, None)]),
            "the path is not content"
        );
        c.media[0].alt_text = Some("flag".into());
        assert_ne!(with_image, content_hash(&c, &[target(1, None)]));
        assert_ne!(
            base,
            content_hash(&content(), &[target(2, None)]),
            "another account"
        );
        assert_ne!(
            base,
            content_hash(&content(), &[target(1, None), target(2, None)])
        );
        assert_ne!(
            base,
            content_hash(&content(), &[target(1, Some(1_800_000_000))]),
            "a schedule"
        );
        let mut c = content();
        c.schedule = Schedule::At {
            instant: Utc.timestamp_opt(1_800_000_000, 0).unwrap(),
        };
        assert_ne!(base, content_hash(&c, &[target(1, None)]));
    }

    #[test]
    fn target_order_does_not_matter_and_fields_do_not_run_together() {
        assert_eq!(
            content_hash(&content(), &[target(1, None), target(2, None)]),
            content_hash(&content(), &[target(2, None), target(1, None)])
        );
        // "ab" + variant "c" vs "a" + variant "bc": length prefixes keep them apart.
        let mut a = content();
        a.text = "ab".into();
        a.variants.x = Some("c".into());
        let mut b = content();
        b.text = "a".into();
        b.variants.x = Some("bc".into());
        assert_ne!(content_hash(&a, &[]), content_hash(&b, &[]));
    }
}

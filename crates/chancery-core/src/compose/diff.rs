//! What changed between two versions of a draft (field by field, word-level for texts).

use chancery_model::drafts::{DiffOp, DiffSpan, DraftVersion, FieldChange, TargetRef, VersionDiff};
use similar::{ChangeTag, TextDiff};

fn spans(before: &str, after: &str) -> Vec<DiffSpan> {
    let diff = TextDiff::from_words(before, after);
    let mut out: Vec<DiffSpan> = Vec::new();
    for change in diff.iter_all_changes() {
        let op = match change.tag() {
            ChangeTag::Equal => DiffOp::Same,
            ChangeTag::Insert => DiffOp::Added,
            ChangeTag::Delete => DiffOp::Removed,
        };
        match out.last_mut() {
            Some(last) if last.op == op => last.text.push_str(change.value()),
            _ => out.push(DiffSpan {
                op,
                text: change.value().to_string(),
            }),
        }
    }
    out
}

fn text_change(field: &str, before: Option<&str>, after: Option<&str>) -> Option<FieldChange> {
    if before == after {
        return None;
    }
    Some(FieldChange {
        field: field.into(),
        before: before.map(str::to_string),
        after: after.map(str::to_string),
        spans: spans(before.unwrap_or(""), after.unwrap_or("")),
    })
}

fn plain_change(field: &str, before: String, after: String) -> Option<FieldChange> {
    (before != after).then(|| FieldChange {
        field: field.into(),
        before: Some(before),
        after: Some(after),
        spans: Vec::new(),
    })
}

fn describe_targets(v: &DraftVersion) -> String {
    let mut handles: Vec<String> = v
        .targets
        .iter()
        .map(|t| format!("{}:@{}", t.network.as_str(), t.handle))
        .collect();
    handles.sort();
    let refs: Vec<String> = v
        .content
        .targets
        .iter()
        .map(|t| match t {
            TargetRef::Account(a) => format!("account {a}"),
            TargetRef::Group(g) => format!("group {g}"),
        })
        .collect();
    format!("{} (from {})", handles.join(", "), refs.join(", "))
}

fn describe_media(v: &DraftVersion) -> String {
    v.content
        .media
        .iter()
        .map(|m| {
            format!(
                "{} ({}, {})",
                m.path,
                m.mime_type,
                &m.sha256[..m.sha256.len().min(12)]
            )
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// The differences from `a` to `b`.
pub fn diff_versions(a: &DraftVersion, b: &DraftVersion) -> VersionDiff {
    let mut changes = Vec::new();
    changes.extend(text_change(
        "text",
        Some(&a.content.text),
        Some(&b.content.text),
    ));
    changes.extend(text_change(
        "variants.x",
        a.content.variants.x.as_deref(),
        b.content.variants.x.as_deref(),
    ));
    changes.extend(text_change(
        "variants.facebook",
        a.content.variants.facebook.as_deref(),
        b.content.variants.facebook.as_deref(),
    ));
    changes.extend(plain_change("media", describe_media(a), describe_media(b)));
    changes.extend(plain_change(
        "targets",
        describe_targets(a),
        describe_targets(b),
    ));
    changes.extend(plain_change(
        "schedule",
        serde_json::to_string(&a.content.schedule).unwrap_or_default(),
        serde_json::to_string(&b.content.schedule).unwrap_or_default(),
    ));
    changes.extend(plain_change(
        "replyTo",
        serde_json::to_string(&a.content.reply_to).unwrap_or_default(),
        serde_json::to_string(&b.content.reply_to).unwrap_or_default(),
    ));
    VersionDiff {
        draft_id: b.draft_id,
        from: a.version,
        to: b.version,
        changes,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn word_spans_show_what_was_added_and_removed() {
        let s = spans(
            "The ambassador met the minister today",
            "The ambassador met the foreign minister",
        );
        let added: String = s
            .iter()
            .filter(|x| x.op == DiffOp::Added)
            .map(|x| x.text.as_str())
            .collect();
        let removed: String = s
            .iter()
            .filter(|x| x.op == DiffOp::Removed)
            .map(|x| x.text.as_str())
            .collect();
        assert!(added.contains("foreign"), "{s:?}");
        assert!(removed.contains("today"), "{s:?}");
        let rebuilt_after: String = s
            .iter()
            .filter(|x| x.op != DiffOp::Removed)
            .map(|x| x.text.as_str())
            .collect();
        assert_eq!(rebuilt_after, "The ambassador met the foreign minister");
    }
}

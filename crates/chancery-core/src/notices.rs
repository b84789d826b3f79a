//! Which events deserve an OS notification for the signed-in person, and what it says.
//!
//! Pure, so it is tested here; the desktop shell shows what this returns.

use chancery_model::accounts::PersonId;

use crate::CoreEvent;

/// An OS notification: a short title and one or two sentences.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub title: String,
    pub body: String,
}

fn notice(title: &str, body: impl Into<String>) -> Option<Notice> {
    Some(Notice {
        title: title.into(),
        body: body.into(),
    })
}

/// The notification `me` should see for `event`, if any. Nobody is notified of their own acts.
pub fn notice_for(event: &CoreEvent, me: PersonId) -> Option<Notice> {
    match event {
        CoreEvent::ApprovalRequested {
            to,
            excerpt,
            author_id,
            ..
        } if to.contains(&me) && *author_id != me => notice(
            "Approval requested",
            format!("A draft waits for your decision: “{excerpt}”"),
        ),
        CoreEvent::DraftDecided {
            author_id,
            by,
            approved,
            reason,
            ..
        } if *author_id == me && *by != me => {
            if *approved {
                notice(
                    "Draft approved",
                    "Your draft has every approval it needs and is queued to go out.",
                )
            } else {
                notice(
                    "Draft rejected",
                    format!("Reason: {}", reason.as_deref().unwrap_or("none given")),
                )
            }
        }
        CoreEvent::ChangesRequested {
            author_id,
            comment,
            by,
            ..
        } if *author_id == me && *by != me => notice("Changes requested", comment.clone()),
        CoreEvent::ApprovalsVoided {
            notify, edited_by, ..
        } if notify.contains(&me) && *edited_by != me => notice(
            "Approval voided",
            "A draft you approved was edited; it must be approved again.",
        ),
        CoreEvent::DraftExpired { author_id, .. } if *author_id == me => notice(
            "Draft expired",
            "Your draft was not approved by its scheduled time and did not go out.",
        ),
        CoreEvent::HeldByPause { author_ids, .. } if author_ids.contains(&me) => {
            notice("Post held", "A crisis pause is holding one of your posts.")
        }
        CoreEvent::PostPublished {
            author_id, handle, ..
        } if *author_id == me => notice("Published", format!("Your post went out on {handle}.")),
        CoreEvent::PublishFailed {
            author_id,
            handle,
            error,
            retrying,
            ..
        } if *author_id == me => notice(
            if *retrying {
                "Post delayed"
            } else {
                "Post failed"
            },
            format!("{handle}: {error}"),
        ),
        CoreEvent::PostHeld {
            author_id,
            handle,
            message,
            ..
        } if *author_id == me => notice("Post held", format!("{handle}: {message}")),
        CoreEvent::AccountNeedsReauth { handle, reason, .. } => {
            notice("Account needs reconnecting", format!("{handle}: {reason}"))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chancery_model::drafts::DraftId;

    fn person() -> PersonId {
        PersonId(uuid::Uuid::now_v7())
    }

    #[test]
    fn approvers_are_told_and_authors_are_not_told_of_their_own_request() {
        let (author, approver) = (person(), person());
        let e = CoreEvent::ApprovalRequested {
            draft_id: DraftId(uuid::Uuid::now_v7()),
            author_id: author,
            to: vec![approver],
            excerpt: "Statement on the summit".into(),
        };
        let n = notice_for(&e, approver).unwrap();
        assert_eq!(n.title, "Approval requested");
        assert!(n.body.contains("Statement on the summit"));
        assert!(notice_for(&e, author).is_none());
        assert!(notice_for(&e, person()).is_none());
    }

    #[test]
    fn a_rejection_reaches_its_author_with_the_reason() {
        let (author, approver) = (person(), person());
        let e = CoreEvent::DraftDecided {
            draft_id: DraftId(uuid::Uuid::now_v7()),
            author_id: author,
            by: approver,
            approved: false,
            reason: Some("Wrong date for the reception".into()),
        };
        assert_eq!(
            notice_for(&e, author).unwrap().body,
            "Reason: Wrong date for the reception"
        );
        assert!(notice_for(&e, approver).is_none());
    }
}

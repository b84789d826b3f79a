//! Saved inbox views: a person's named filters ("Arabic, unassigned", "Paris crisis"), kept in
//! the workspace settings under `setting.inbox_views.<person id>` (each change audited).

use chancery_model::accounts::PersonId;
use chancery_model::inbox::InboxFilter;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use specta::Type;

use crate::audit::store_error;
use crate::{App, CoreError};

/// Most views one person may keep.
pub const MAX_VIEWS: usize = 50;
/// Longest view name, in characters.
pub const MAX_VIEW_NAME_CHARS: usize = 80;

/// A named inbox filter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct InboxView {
    /// UUIDv7, as a string.
    pub id: String,
    pub name: String,
    pub filter: InboxFilter,
    /// A moving time window ("the last 24 hours"), applied as `since` when the view is opened;
    /// the filter's own `since`/`until` are fixed instants.
    pub since_hours: Option<u32>,
    pub updated_at: DateTime<Utc>,
}

fn key(person: PersonId) -> String {
    format!("setting.inbox_views.{person}")
}

fn view_id(now: DateTime<Utc>) -> String {
    let secs = u64::try_from(now.timestamp()).unwrap_or(0);
    let ts = uuid::Timestamp::from_unix(uuid::NoContext, secs, now.timestamp_subsec_nanos());
    uuid::Uuid::new_v7(ts).to_string()
}

/// The views with `name` saved (replacing a view of the same name, case-insensitively), sorted
/// by name. Pure, so it can be tested on its own.
pub fn upsert_view(
    mut views: Vec<InboxView>,
    name: &str,
    filter: InboxFilter,
    since_hours: Option<u32>,
    now: DateTime<Utc>,
) -> Result<(Vec<InboxView>, InboxView), CoreError> {
    let name = name.trim();
    if name.is_empty() {
        return Err(CoreError::Validation("give the view a name".into()));
    }
    if name.chars().count() > MAX_VIEW_NAME_CHARS {
        return Err(CoreError::Validation(format!(
            "a view name is at most {MAX_VIEW_NAME_CHARS} characters"
        )));
    }
    let lower = name.to_lowercase();
    let view = match views.iter_mut().find(|v| v.name.to_lowercase() == lower) {
        Some(v) => {
            v.name = name.to_string();
            v.filter = filter;
            v.since_hours = since_hours;
            v.updated_at = now;
            v.clone()
        }
        None => {
            if views.len() >= MAX_VIEWS {
                return Err(CoreError::Validation(format!(
                    "you can keep at most {MAX_VIEWS} views; delete one first"
                )));
            }
            let v = InboxView {
                id: view_id(now),
                name: name.to_string(),
                filter,
                since_hours,
                updated_at: now,
            };
            views.push(v.clone());
            v
        }
    };
    views.sort_by_key(|v| v.name.to_lowercase());
    Ok((views, view))
}

impl App {
    /// The signed-in person's saved views, by name.
    pub async fn inbox_views(&self) -> Result<Vec<InboxView>, CoreError> {
        let person = self.require_signed_in()?;
        self.views_of(person).await
    }

    async fn views_of(&self, person: PersonId) -> Result<Vec<InboxView>, CoreError> {
        match self
            .store()
            .setting(&key(person))
            .await
            .map_err(store_error)?
        {
            None => Ok(Vec::new()),
            Some(json) => serde_json::from_str(&json)
                .map_err(|e| CoreError::Internal(format!("saved views are damaged: {e}"))),
        }
    }

    async fn write_views(
        &self,
        person: PersonId,
        views: &[InboxView],
        action: &str,
        view: &InboxView,
        now: DateTime<Utc>,
    ) -> Result<(), CoreError> {
        let actor = self.actor(person).await?;
        let json = serde_json::to_string(views)
            .map_err(|e| CoreError::Internal(format!("saved views: {e}")))?;
        let record = actor.record(
            now,
            action,
            "inbox_view",
            &view.id,
            None,
            serde_json::json!({ "name": view.name }),
        );
        self.store()
            .set_setting(&key(person), &json, &record)
            .await
            .map_err(store_error)
    }

    /// Save `filter` as the signed-in person's view `name` (replacing one of the same name).
    pub async fn save_inbox_view(
        &self,
        name: &str,
        filter: InboxFilter,
        since_hours: Option<u32>,
        now: DateTime<Utc>,
    ) -> Result<InboxView, CoreError> {
        let person = self.require_signed_in()?;
        if since_hours.is_some_and(|h| h == 0 || h > 24 * 366) {
            return Err(CoreError::Validation(
                "a view's time window is 1 hour to a year".into(),
            ));
        }
        let (views, view) =
            upsert_view(self.views_of(person).await?, name, filter, since_hours, now)?;
        self.write_views(person, &views, "inbox.view_saved", &view, now)
            .await?;
        Ok(view)
    }

    /// Delete one of the signed-in person's views.
    pub async fn delete_inbox_view(&self, id: &str, now: DateTime<Utc>) -> Result<(), CoreError> {
        let person = self.require_signed_in()?;
        let mut views = self.views_of(person).await?;
        let Some(at) = views.iter().position(|v| v.id == id) else {
            return Err(CoreError::NotFound("that view no longer exists".into()));
        };
        let view = views.remove(at);
        self.write_views(person, &views, "inbox.view_deleted", &view, now)
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chancery_model::items::TriageStatus;
    use chrono::TimeZone;

    #[test]
    fn saving_a_name_again_replaces_that_view() {
        let now = Utc.with_ymd_and_hms(2026, 6, 1, 9, 0, 0).unwrap();
        let arabic = InboxFilter {
            languages: vec!["ar".into()],
            ..Default::default()
        };
        let (views, first) =
            upsert_view(Vec::new(), "  Arabic ", arabic.clone(), Some(24), now).unwrap();
        assert_eq!(first.name, "Arabic");
        let (views, _) = upsert_view(
            views,
            "Unread",
            InboxFilter {
                statuses: vec![TriageStatus::New],
                ..Default::default()
            },
            None,
            now,
        )
        .unwrap();
        let unread_ar = InboxFilter {
            statuses: vec![TriageStatus::New],
            ..arabic
        };
        let (views, again) = upsert_view(views, "ARABIC", unread_ar.clone(), None, now).unwrap();
        assert_eq!(views.len(), 2);
        assert_eq!(again.id, first.id, "same view, new filter");
        assert_eq!(views[0].filter, unread_ar);
        assert_eq!(views[0].since_hours, None, "the window is replaced too");
        assert!(upsert_view(views.clone(), "  ", InboxFilter::default(), None, now).is_err());
        assert!(upsert_view(views, &"x".repeat(81), InboxFilter::default(), None, now).is_err());
    }

    #[test]
    fn a_person_keeps_at_most_fifty_views() {
        let now = Utc.with_ymd_and_hms(2026, 6, 1, 9, 0, 0).unwrap();
        let mut views = Vec::new();
        for i in 0..MAX_VIEWS {
            views = upsert_view(
                views,
                &format!("view {i}"),
                InboxFilter::default(),
                None,
                now,
            )
            .unwrap()
            .0;
        }
        let err = upsert_view(views, "one more", InboxFilter::default(), None, now).unwrap_err();
        assert!(matches!(err, CoreError::Validation(_)));
    }
}

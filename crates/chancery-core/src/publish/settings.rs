//! The lateness rule's setting: how late a post may go out by itself.

use chancery_model::accounts::Role;
use chrono::{DateTime, Duration, Utc};

use crate::audit::{store_error, Actor};
use crate::{App, CoreError};

/// A post more than this past its scheduled time when the publisher gets to it is held for a
/// person to release or cancel (unless the workspace sets another value).
pub const DEFAULT_MAX_LATENESS: Duration = Duration::minutes(30);

/// Where the setting is kept (`store_meta`).
pub const MAX_LATENESS_KEY: &str = "setting.publish.max_lateness_secs";

impl App {
    /// How late a post may go out by itself: the workspace's setting, else
    /// [`DEFAULT_MAX_LATENESS`].
    pub async fn max_lateness(&self) -> Result<Duration, CoreError> {
        let stored = self
            .store()
            .setting(MAX_LATENESS_KEY)
            .await
            .map_err(store_error)?;
        Ok(stored
            .and_then(|v| v.trim().parse::<i64>().ok())
            .filter(|s| *s > 0)
            .map_or(DEFAULT_MAX_LATENESS, Duration::seconds))
    }

    /// Change how late a post may go out by itself (1 minute to 7 days). A workspace-wide
    /// safety setting: it needs the admin role on every top-level group, and is audited.
    pub async fn set_max_lateness(
        &self,
        actor: &Actor,
        value: Duration,
        now: DateTime<Utc>,
    ) -> Result<Duration, CoreError> {
        if value < Duration::minutes(1) || value > Duration::days(7) {
            return Err(CoreError::Validation(
                "the lateness limit is between 1 minute and 7 days".into(),
            ));
        }
        let Some(person) = actor.id else {
            return Err(CoreError::Forbidden(
                "the lateness limit is set by a person".into(),
            ));
        };
        let ctx = self.policy_context().await?;
        let tops: Vec<_> = self
            .store()
            .list_groups()
            .await
            .map_err(store_error)?
            .into_iter()
            .filter(|g| g.parent_id.is_none())
            .map(|g| g.id)
            .collect();
        if tops.is_empty() || !tops.iter().all(|g| ctx.holds(person, Role::Admin, *g)) {
            return Err(CoreError::Forbidden(format!(
                "{} needs the admin role on every top-level group to change the lateness limit",
                actor.name
            )));
        }
        let before = self.max_lateness().await?;
        let rec = actor.record(
            now,
            "settings.max_lateness_set",
            "setting",
            MAX_LATENESS_KEY,
            None,
            serde_json::json!({
                "fromMinutes": before.num_minutes(),
                "toMinutes": value.num_minutes(),
                "fromSeconds": before.num_seconds(),
                "toSeconds": value.num_seconds(),
            }),
        );
        self.store()
            .set_setting(MAX_LATENESS_KEY, &value.num_seconds().to_string(), &rec)
            .await
            .map_err(store_error)?;
        Ok(value)
    }
}

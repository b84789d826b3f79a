//! What the governance commands share: the opened workspace, the person acting (`--as`), and
//! finding people, groups and accounts by name.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{anyhow, bail, Context};
use chancery_core::audit::Actor;
use chancery_core::{App, AppConfig};
use chancery_model::accounts::{Account, Group, Network, Person};
use chrono::{DateTime, Utc};

/// An opened workspace and how to print.
pub struct Session {
    pub app: Arc<App>,
    pub json: bool,
    as_person: Option<String>,
}

impl Session {
    pub async fn open(
        data_dir: PathBuf,
        json: bool,
        as_person: Option<String>,
    ) -> anyhow::Result<Session> {
        let app = App::open(AppConfig {
            data_dir,
            workspace_id: "default".into(),
        })
        .await?;
        Ok(Session {
            app,
            json,
            as_person,
        })
    }

    /// The clock: the CLI is the outermost layer, the only one that reads it.
    pub fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }

    /// The person acting (`--as NAME|EMAIL|ID`, or `CHANCERY_AS`).
    pub async fn actor(&self) -> anyhow::Result<Actor> {
        let who = self
            .as_person
            .as_deref()
            .context("say who is acting: --as <person name, email or id> (or set CHANCERY_AS)")?;
        let person = self.person(who).await?;
        Ok(self.app.actor(person.id).await?)
    }

    /// A person by id, email or display name (case-insensitive).
    pub async fn person(&self, key: &str) -> anyhow::Result<Person> {
        let people = self
            .app
            .store()
            .list_people()
            .await
            .map_err(|e| anyhow!("{e}"))?;
        let k = key.trim();
        let matches: Vec<Person> = people
            .into_iter()
            .filter(|p| {
                p.id.to_string() == k
                    || p.email.eq_ignore_ascii_case(k)
                    || p.display_name.eq_ignore_ascii_case(k)
            })
            .collect();
        match matches.len() {
            0 => bail!("nobody called {k:?} in this workspace"),
            1 => Ok(matches.into_iter().next().unwrap_or_else(|| unreachable!())),
            n => bail!("{n} people match {k:?}; use their email or id"),
        }
    }

    /// A group by id or name (case-insensitive).
    pub async fn group(&self, key: &str) -> anyhow::Result<Group> {
        let groups = self
            .app
            .store()
            .list_groups()
            .await
            .map_err(|e| anyhow!("{e}"))?;
        let k = key.trim();
        let matches: Vec<Group> = groups
            .into_iter()
            .filter(|g| g.id.to_string() == k || g.name.eq_ignore_ascii_case(k))
            .collect();
        match matches.len() {
            0 => bail!("no group called {k:?}"),
            1 => Ok(matches.into_iter().next().unwrap_or_else(|| unreachable!())),
            n => bail!("{n} groups are called {k:?}; use the group's id"),
        }
    }

    /// An account by id, `@handle`, or `x:handle` / `facebook:handle`.
    pub async fn account(&self, key: &str) -> anyhow::Result<Account> {
        let accounts = self
            .app
            .store()
            .list_accounts()
            .await
            .map_err(|e| anyhow!("{e}"))?;
        let k = key.trim();
        let (network, handle) = match k.split_once(':') {
            Some((n, h)) if Network::parse(n).is_some() => (Network::parse(n), h),
            _ => (None, k),
        };
        let handle = handle.trim_start_matches('@');
        let matches: Vec<Account> = accounts
            .into_iter()
            .map(|l| l.account)
            .filter(|a| {
                a.id.to_string() == k
                    || (a.handle.eq_ignore_ascii_case(handle)
                        && network.is_none_or(|n| n == a.network))
            })
            .collect();
        match matches.len() {
            0 => bail!("no account {k:?}"),
            1 => Ok(matches.into_iter().next().unwrap_or_else(|| unreachable!())),
            _ => bail!("@{handle} exists on both networks; say x:{handle} or facebook:{handle}"),
        }
    }

    /// Print `value` as JSON (for `--json`).
    pub fn print_json<T: serde::Serialize>(&self, value: &T) -> anyhow::Result<()> {
        println!("{}", serde_json::to_string_pretty(value)?);
        Ok(())
    }

    /// A person's name for tables (the id if unknown).
    pub async fn name_of(&self, id: chancery_model::accounts::PersonId) -> String {
        match self.app.store().get_person(id).await {
            Ok(Some(p)) => p.display_name,
            _ => id.to_string(),
        }
    }
}

/// Print rows as aligned columns under a header.
pub fn table(header: &[&str], rows: &[Vec<String>]) {
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for r in rows {
        for (i, c) in r.iter().enumerate() {
            if let Some(w) = widths.get_mut(i) {
                *w = (*w).max(c.chars().count());
            }
        }
    }
    let line = |cells: Vec<String>| {
        let mut s = String::new();
        for (i, c) in cells.iter().enumerate() {
            if i + 1 == cells.len() {
                s.push_str(c);
            } else {
                s.push_str(&format!("{c:<w$}  ", w = widths[i]));
            }
        }
        println!("{}", s.trim_end());
    };
    line(header.iter().map(|h| h.to_string()).collect());
    for r in rows {
        line(r.clone());
    }
}

/// Parse an RFC 3339 instant.
pub fn parse_instant(s: &str) -> anyhow::Result<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s.trim())
        .map(|d| d.with_timezone(&Utc))
        .with_context(|| format!("{s:?} is not an RFC 3339 time like 2026-03-29T09:00:00+02:00"))
}

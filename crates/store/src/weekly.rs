//! The organisation's week: what it holds for one person, and the hourly job that sends it to
//! everyone whose Monday 08:00 has come, once per week.

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;
use concentric_core::authz::Actor;
use concentric_core::notification::Notice as Said;
use concentric_core::time::Millis;
use concentric_core::weekly::{due_week, week_key, Week, WeekMeeting, WeekPartnership, WeekPost, WeekService};
use concentric_core::PersonId;
use serde_json::json;

use crate::db::{args, Exec};
use crate::jobs::{schedule, WEEKLY};
use crate::notifications::{notify, Notice};
use crate::{Result, Store};

const DAY_MS: i64 = 86_400_000;
const HOUR_MS: i64 = 3_600_000;
/// How many of each kind a week lists.
const SHOWN: i64 = 10;
/// People told per unit of work.
const CHUNK: usize = 500;

/// A coming meeting and whom it is open to.
#[derive(Debug, Clone)]
struct Coming {
    id: i64,
    host: i64,
    team: String,
    title: String,
    starts_at: i64,
    everyone: bool,
    invited: HashSet<i64>,
}

/// What every person's week shares, and the coming meetings to pick from.
#[derive(Debug, Clone, Default)]
struct Shared {
    spotlights: Vec<WeekPost>,
    services: Vec<WeekService>,
    partnerships: Vec<WeekPartnership>,
    meetings: Vec<Coming>,
}

fn shared(exec: &mut Exec<'_>, now: i64) -> Result<Shared> {
    let since = now - 7 * DAY_MS;
    let spotlights: Vec<(i64, String, String)> = exec.reborrow().all(
        "SELECT n.id, t.name, n.title FROM news_posts n JOIN teams t ON t.id = n.team_id \
         WHERE n.spotlight AND n.removed_at IS NULL AND n.created_at >= $1 AND n.created_at <= $2 \
         ORDER BY n.created_at DESC, n.id DESC LIMIT $3",
        args![since, now, SHOWN],
    )?;
    let services: Vec<(String, String, String, String)> = exec.reborrow().all(
        "SELECT t.key, t.name, s.slug, s.name FROM services s JOIN teams t ON t.id = s.team_id \
         WHERE s.active AND t.active AND s.created_at >= $1 AND s.created_at <= $2 \
         ORDER BY s.created_at DESC, s.id DESC LIMIT $3",
        args![since, now, SHOWN],
    )?;
    let partnerships: Vec<(String, String, String, String)> = exec.reborrow().all(
        "SELECT ts.key, ts.name, tc.key, tc.name FROM relationships r \
         JOIN teams ts ON ts.id = r.supplier_id JOIN teams tc ON tc.id = r.customer_id \
         WHERE r.status = 'active' AND r.id IN (SELECT entity_id FROM events \
           WHERE entity = 'relationship' AND action = 'confirmed' AND at >= $1 AND at <= $2) \
         ORDER BY ts.name, tc.name LIMIT $3",
        args![since, now, SHOWN],
    )?;
    let meetings: Vec<(i64, i64, String, String, i64, String)> = exec.reborrow().all(
        "SELECT m.id, m.team_id, t.name, m.title, m.starts_at, m.reach FROM meetings m JOIN teams t ON t.id = m.team_id \
         WHERE m.cancelled_at IS NULL AND m.starts_at > $1 AND m.starts_at <= $2 ORDER BY m.starts_at, m.id LIMIT 200",
        args![now, now + 14 * DAY_MS],
    )?;
    // Their invited teams in one read, not one per meeting.
    let invites: Vec<(i64, i64)> = exec.reborrow().all(
        "SELECT i.meeting_id, i.team_id FROM meeting_invites i JOIN meetings m ON m.id = i.meeting_id \
         WHERE m.cancelled_at IS NULL AND m.starts_at > $1 AND m.starts_at <= $2",
        args![now, now + 14 * DAY_MS],
    )?;
    let mut invited: HashMap<i64, HashSet<i64>> = HashMap::new();
    for (meeting, team) in invites {
        invited.entry(meeting).or_default().insert(team);
    }
    let coming = meetings
        .into_iter()
        .map(|(id, host, team, title, starts_at, reach)| Coming {
            id,
            host,
            team,
            title,
            starts_at,
            everyone: reach == "everyone",
            invited: invited.remove(&id).unwrap_or_default(),
        })
        .collect();
    Ok(Shared {
        spotlights: spotlights.into_iter().map(|(post, team, title)| WeekPost { post, team, title }).collect(),
        services: services
            .into_iter()
            .map(|(team_key, team, slug, name)| WeekService { team_key, team, slug, name })
            .collect(),
        partnerships: partnerships
            .into_iter()
            .map(|(supplier_key, supplier, customer_key, customer)| WeekPartnership {
                supplier_key,
                supplier,
                customer_key,
                customer,
            })
            .collect(),
        meetings: coming,
    })
}

/// One person's week: the shared part, and the meetings of other teams open to them, at their
/// time in `zone`.
fn week_for(shared: &Shared, monday: NaiveDate, teams: &HashSet<i64>, zone: &str) -> Week {
    let meetings = shared
        .meetings
        .iter()
        .filter(|m| !teams.contains(&m.host) && (m.everyone || m.invited.iter().any(|t| teams.contains(t))))
        .take(SHOWN as usize)
        .map(|m| WeekMeeting {
            meeting: m.id,
            team: m.team.clone(),
            title: m.title.clone(),
            when: concentric_core::meeting::in_zone(Millis(m.starts_at).to_utc(), zone),
        })
        .collect();
    Week {
        monday,
        spotlights: shared.spotlights.clone(),
        meetings,
        services: shared.services.clone(),
        partnerships: shared.partnerships.clone(),
    }
}

/// The teams of each of `people`.
fn teams_of(exec: Exec<'_>, people: &[i64]) -> Result<HashMap<i64, HashSet<i64>>> {
    let within = crate::db::in_ids(exec.backend(), "person_id", "$1");
    let rows: Vec<(i64, i64)> = exec.all(
        &format!("SELECT person_id, team_id FROM team_members WHERE {within}"),
        vec![crate::db::id_list(people.iter().copied())],
    )?;
    let mut out: HashMap<i64, HashSet<i64>> = HashMap::new();
    for (person, team) in rows {
        out.entry(person).or_default().insert(team);
    }
    Ok(out)
}

impl Store {
    /// The week as `person` (in `zone`) reads it at `now`, for the Monday that starts it.
    #[tracing::instrument(skip_all)]
    pub async fn week_of(&self, person: PersonId, zone: &str, monday: NaiveDate, now: Millis) -> Result<Week> {
        let zone = zone.to_owned();
        self.db
            .read(move |mut tx| {
                let shared = shared(&mut tx.exec(), now.0)?;
                let teams = teams_of(tx.exec(), &[person.0])?.remove(&person.0).unwrap_or_default();
                Ok(week_for(&shared, monday, &teams, &zone))
            })
            .await
    }

    /// The hourly job: tells everyone whose Monday 08:00 has come about their week (once per week,
    /// by the notice's key), then runs again at the next hour.
    #[tracing::instrument(skip_all)]
    pub(crate) async fn send_weekly(&self, now: Millis) -> Result<usize> {
        let zones: Vec<String> = self
            .db
            .read(|mut tx| Ok(tx.exec().scalars("SELECT DISTINCT time_zone FROM people WHERE active", args![])?))
            .await?;
        let due: Vec<(String, NaiveDate)> = zones
            .into_iter()
            .filter_map(|z| {
                let tz: chrono_tz::Tz = z.parse().ok()?;
                Some((z, due_week(now.to_utc(), tz)?))
            })
            .collect();
        let mut told = 0;
        if !due.is_empty() {
            let shared = self.db.read(move |mut tx| shared(&mut tx.exec(), now.0)).await?;
            for (zone, monday) in due {
                let z = zone.clone();
                let people: Vec<i64> = self
                    .db
                    .read(move |mut tx| {
                        Ok(tx.exec().scalars(
                            "SELECT id FROM people WHERE active AND time_zone = $1 ORDER BY id",
                            args![z.as_str()],
                        )?)
                    })
                    .await?;
                for chunk in people.chunks(CHUNK) {
                    let chunk = chunk.to_vec();
                    let (shared, zone) = (shared.clone(), zone.clone());
                    told += self
                        .db
                        .write(move |mut tx| {
                            let teams = teams_of(tx.exec(), &chunk)?;
                            let empty = HashSet::new();
                            let notices: Vec<Notice> = chunk
                                .iter()
                                .map(|p| (p, week_for(&shared, monday, teams.get(p).unwrap_or(&empty), &zone)))
                                .filter(|(_, week)| !week.is_empty())
                                .map(|(p, week)| {
                                    Notice::personal(Said::Weekly { week }, week_key(monday), PersonId(*p))
                                })
                                .collect();
                            let n = notices.len();
                            notify(&mut tx, &Actor::system(), &notices)?;
                            Ok(n)
                        })
                        .await?;
                }
            }
        }
        let next = (now.0 / HOUR_MS + 1) * HOUR_MS;
        self.db
            .write(move |mut tx| {
                schedule(&mut tx, WEEKLY, "weekly:send", json!({}), Some(next))?;
                Ok(())
            })
            .await?;
        Ok(told)
    }
}

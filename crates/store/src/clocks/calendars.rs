//! Calendars: the organisation's and each team's working week, zone and holidays (typed or
//! imported from .ics), and the replanning of running clocks when one changes.

use std::sync::Arc;

use super::*;
use crate::memo::Memo;

/// Calendars parsed from their stored specs, shared by every connection of the process.
static PARSED: Memo<Calendar> = Memo::new();

/// The organisation's calendar, and each team's own by team id.
pub(crate) type Calendars = (Arc<Calendar>, HashMap<i64, Arc<Calendar>>);

/// The calendar of a team: its own, or else the organisation's.
pub(crate) fn calendar_of(exec: Exec<'_>, team: TeamId) -> Result<Arc<Calendar>> {
    let spec: Option<String> = exec.scalar_opt(
        "SELECT spec FROM calendars WHERE team_id = $1 OR team_id IS NULL ORDER BY team_id IS NULL LIMIT 1",
        args![team],
    )?;
    parse_calendar(spec.as_deref())
}

fn parse_calendar(spec: Option<&str>) -> Result<Arc<Calendar>> {
    let Some(spec) = spec else { return Ok(Arc::new(Calendar::always())) };
    PARSED.parsed(spec, |spec| {
        let spec: CalendarSpec =
            serde_json::from_str(spec).map_err(|e| StoreError::Corrupt(format!("calendar: {e}")))?;
        Calendar::from_spec(&spec).map_err(|e| StoreError::Corrupt(format!("calendar: {e}")))
    })
}

/// Every team's calendar, for reading the clocks of a list in one go.
pub(crate) fn calendars(exec: Exec<'_>) -> Result<Calendars> {
    let rows: Vec<(Option<i64>, String)> = exec.all("SELECT team_id, spec FROM calendars", args![])?;
    parsed_calendars(rows)
}

/// The organisation's calendar and those of the teams in `teams` (an [`crate::db::id_list`]).
pub(crate) fn calendars_of_teams(exec: Exec<'_>, teams: crate::db::Arg) -> Result<Calendars> {
    let within = crate::db::in_ids(exec.backend(), "team_id", "$1");
    let rows: Vec<(Option<i64>, String)> =
        exec.all(&format!("SELECT team_id, spec FROM calendars WHERE team_id IS NULL OR {within}"), vec![teams])?;
    parsed_calendars(rows)
}

fn parsed_calendars(rows: Vec<(Option<i64>, String)>) -> Result<Calendars> {
    let mut default = Arc::new(Calendar::always());
    let mut teams = HashMap::new();
    for (team, spec) in rows {
        let cal = parse_calendar(Some(&spec))?;
        match team {
            Some(t) => {
                teams.insert(t, cal);
            }
            None => default = cal,
        }
    }
    Ok((default, teams))
}

impl Store {
    /// The calendar a team works by, and whether it is the organisation's default.
    #[tracing::instrument(skip_all)]
    pub async fn team_calendar(&self, team: TeamId) -> Result<(CalendarSpec, bool)> {
        self.db.read(move |mut tx| {
            let row: Option<(Option<i64>, String)> = tx.exec()
                .optional(
                    "SELECT team_id, spec FROM calendars WHERE team_id = $1 OR team_id IS NULL ORDER BY team_id IS NULL LIMIT 1",
                    args![team],
                )?;
            let inherited = row.as_ref().is_none_or(|(t, _)| t.is_none());
            Ok((parse_calendar(row.as_ref().map(|(_, spec)| spec.as_str()))?.to_spec(), inherited))
        })
        .await
    }

    #[tracing::instrument(skip_all)]
    pub async fn organisation_calendar(&self) -> Result<CalendarSpec> {
        self.db
            .read(move |mut tx| {
                let spec: Option<String> =
                    tx.exec().scalar_opt("SELECT spec FROM calendars WHERE team_id IS NULL", args![])?;
                Ok(parse_calendar(spec.as_deref())?.to_spec())
            })
            .await
    }

    /// Sets a team's calendar (leads and admins) or, with `team` `None`, the organisation's
    /// (admins). Running clocks are re-planned in the new calendar.
    #[tracing::instrument(skip_all)]
    pub async fn set_calendar(&self, actor: &Actor, team: Option<TeamId>, spec: &CalendarSpec) -> Result<CalendarSpec> {
        let actor = actor.to_owned();
        let spec = spec.to_owned();
        self.db.write(move |mut tx| {
            let actor: &Actor = &actor;
            let spec: &CalendarSpec = &spec;
            match team {
                Some(t) => actor.require_team_manager(t, "change this team's calendar")?,
                None => actor.require_admin("change the organisation's calendar")?,
            }
            let cal = Calendar::from_spec(spec)?;
            let spec = cal.to_spec();
            let text = serde_json::to_string(&spec).unwrap_or_default();
            let now = Millis::now().0;
            let changed = match team {
                Some(t) => {
                    tx.exec()
                        .execute(
                            "INSERT INTO calendars (team_id, spec, updated_at) VALUES ($1, $2, $3) \
                             ON CONFLICT (team_id) DO UPDATE SET spec = excluded.spec, updated_at = excluded.updated_at",
                            args![t, &text, now],
                        )?
                }
                None => {
                    tx.exec()
                        .execute("UPDATE calendars SET spec = $1, updated_at = $2 WHERE team_id IS NULL", args![&text, now])?
                }
            };
            if changed == 0 {
                tx.exec()
                    .execute("INSERT INTO calendars (team_id, spec, updated_at) VALUES (NULL, $1, $2)", args![&text, now])?;
            }
            record(&mut tx, actor, "calendar", team.map_or(0, |t| t.0), "updated", json!({ "zone": spec.zone }))?;
            replan_running_clocks(&mut tx, team, now)?;
            Ok(spec)
        })
        .await
    }

    /// Adds the all-day events of an iCalendar file to a team's holidays (the team gets its own
    /// calendar, copied from the organisation's, if it had none).
    /// Recurring events are expanded around `now` (see [`holidays_from_ics`]).
    #[tracing::instrument(skip_all)]
    pub async fn import_holidays(
        &self,
        actor: &Actor,
        team: TeamId,
        ics: &str,
        now: Millis,
    ) -> Result<(CalendarSpec, IcsHolidays)> {
        actor.require_team_manager(team, "change this team's calendar")?;
        let today = now.to_utc().date_naive();
        let found = holidays_from_ics(ics, today).map_err(|m| Invalid::one("file", m))?;
        let (mut spec, _) = self.team_calendar(team).await?;
        spec.holidays.extend(found.dates.iter().copied());
        spec.holidays.sort();
        spec.holidays.dedup();
        // A date now a holiday is no longer a half day.
        spec.special_days.retain(|d, _| !found.dates.contains(d));
        let spec = self.set_calendar(actor, Some(team), &spec).await?;
        Ok((spec, found))
    }

    /// Makes a team follow the organisation's calendar again.
    #[tracing::instrument(skip_all)]
    pub async fn clear_team_calendar(&self, actor: &Actor, team: TeamId) -> Result<()> {
        let actor = actor.to_owned();
        self.db
            .write(move |mut tx| {
                let actor: &Actor = &actor;
                actor.require_team_manager(team, "change this team's calendar")?;
                tx.exec().execute("DELETE FROM calendars WHERE team_id = $1", args![team])?;
                record(&mut tx, actor, "calendar", team.0, "reset", json!({}))?;
                replan_running_clocks(&mut tx, Some(team), Millis::now().0)?;
                Ok(())
            })
            .await
    }
}

/// Recomputes due times and checks of the running clocks a calendar change touches.
fn replan_running_clocks(tx: &mut Tx<'_>, team: Option<TeamId>, now: i64) -> Result<()> {
    let clocks: Vec<ClockRow> = match team {
        Some(t) => {
            tx.exec().all(&format!("{CLOCK_SELECT} WHERE c.running_since IS NOT NULL AND r.team_id = $1"), args![t])?
        }
        None => tx.exec().all(
            &format!(
                "{CLOCK_SELECT} WHERE c.running_since IS NOT NULL \
                         AND r.team_id NOT IN (SELECT team_id FROM calendars WHERE team_id IS NOT NULL)"
            ),
            args![],
        )?,
    };
    let mut cals: HashMap<i64, Arc<Calendar>> = HashMap::new();
    for row in clocks {
        let team = row.team_id;
        let cal = match cals.entry(team) {
            std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
            std::collections::hash_map::Entry::Vacant(e) => e.insert(calendar_of(tx.exec(), TeamId(team))?),
        };
        save_clock(tx, &Clock::from(row), now, cal)?;
    }
    Ok(())
}

//! Calendar feeds: a person's or a team's occurrences as a subscribable iCalendar feed, opened
//! by a token of which only a hash is kept.

use super::*;
use concentric_core::feed::Feed;

crate::db::row! {
    struct FeedRow {
        id: i64,
        person_id: i64,
        team_id: Option<i64>,
        team_key: Option<String>,
        team_name: Option<String>,
        created_at: i64,
        revoked_at: Option<i64>,
    }
}

impl From<&FeedRow> for CalendarFeed {
    fn from(r: &FeedRow) -> Self {
        CalendarFeed {
            id: r.id,
            team_key: r.team_key.clone(),
            team_name: r.team_name.clone(),
            created_at: Millis(r.created_at).to_utc(),
            revoked_at: r.revoked_at.map(|t| Millis(t).to_utc()),
        }
    }
}

const FEED_SELECT: &str = "SELECT f.id, f.person_id, f.team_id, t.key AS team_key, t.name AS team_name, f.created_at, \
     f.revoked_at FROM calendar_feeds f LEFT JOIN teams t ON t.id = f.team_id";

impl Store {
    /// Makes a calendar feed for the actor, of their own occurrences or of a team's (members and
    /// admins). Only the token's hash is kept.
    #[tracing::instrument(skip_all)]
    pub async fn create_feed(&self, actor: &Actor, team: Option<TeamId>, token_hash: &str) -> Result<CalendarFeed> {
        let actor = actor.to_owned();
        let token_hash = token_hash.to_owned();
        self.db
            .write(move |mut tx| {
                let actor: &Actor = &actor;
                let token_hash: &str = &token_hash;
                let Some(me) = actor.person_id else { return Err(Forbidden("make a feed without a person").into()) };
                if let Some(t) = team {
                    if !actor.works_in(t) {
                        return Err(Forbidden("subscribe to the calendar of a team you are not in").into());
                    }
                }
                let id: i64 = tx.exec().insert_id(
                    "INSERT INTO calendar_feeds (token_hash, person_id, team_id, created_at) VALUES ($1, $2, $3, $4)",
                    args![token_hash, me, team, Millis::now().0],
                )?;
                let row: FeedRow = tx
                    .exec()
                    .optional(&format!("{FEED_SELECT} WHERE f.id = $1"), args![id])?
                    .ok_or(StoreError::NotFound("feed"))?;
                let of = row.team_name.clone().unwrap_or_else(|| String::from("own commitments"));
                crate::events::record(&mut tx, actor, "feed", id, "created", serde_json::json!({ "of": of }))?;
                Ok((&row).into())
            })
            .await
    }

    /// The actor's feeds, live ones first.
    #[tracing::instrument(skip_all)]
    pub async fn feeds(&self, actor: &Actor) -> Result<Vec<CalendarFeed>> {
        let actor = actor.to_owned();
        self.db
            .read(move |mut tx| {
                let actor: &Actor = &actor;
                let me = actor.person_id.map_or(-1, |p| p.0);
                let rows: Vec<FeedRow> = tx.exec().all(
                    &format!(
                        "{FEED_SELECT} WHERE f.person_id = $1 ORDER BY f.revoked_at IS NOT NULL, f.created_at DESC"
                    ),
                    args![me],
                )?;
                Ok(rows.iter().map(CalendarFeed::from).collect())
            })
            .await
    }

    /// Revokes one of the actor's feeds: its address stops working at once.
    #[tracing::instrument(skip_all)]
    pub async fn revoke_feed(&self, actor: &Actor, id: i64) -> Result<()> {
        let actor = actor.to_owned();
        self.db
            .write(move |mut tx| {
                let actor: &Actor = &actor;
                let me = actor.person_id.map_or(-1, |p| p.0);
                let n = tx.exec().execute(
                    "UPDATE calendar_feeds SET revoked_at = $1 WHERE id = $2 AND person_id = $3 AND revoked_at IS NULL",
                    args![Millis::now().0, id, me],
                )?;
                if n == 0 {
                    return Err(StoreError::NotFound("feed"));
                }
                crate::events::record(&mut tx, actor, "feed", id, "revoked", serde_json::json!({}))?;
                Ok(())
            })
            .await
    }

    /// The feed a token opens, with its name and occurrences from a week back to the horizon.
    /// A revoked token, or one whose owner left or lost the team, opens nothing.
    /// With the occurrences come the open action items (the person's own, or those the team owes)
    /// and the open meetings (those the person answered yes or maybe, or the team's own).
    #[tracing::instrument(skip_all)]
    pub async fn feed_by_token(&self, token_hash: &str, now: Millis) -> Result<Option<Feed>> {
        let token = token_hash.to_owned();
        let row: Option<FeedRow> = self
            .db
            .read(move |mut tx| {
                Ok(tx.exec().optional(
                    &format!("{FEED_SELECT} WHERE f.token_hash = $1 AND f.revoked_at IS NULL"),
                    args![&token],
                )?)
            })
            .await?;
        let Some(row) = row else { return Ok(None) };
        let actor = match self.actor_for(PersonId(row.person_id)).await {
            Ok(a) => a,
            Err(StoreError::NotFound(_)) => return Ok(None),
            Err(e) => return Err(e),
        };
        let mut filter = OccurrenceFilter {
            due_after: Some(Millis(now.0 - 7 * DAY_MS)),
            due_before: Some(Millis(now.0 + HORIZON_MS)),
            ..Default::default()
        };
        let mut actions = crate::reviews::ActionFilter { open: true, ..Default::default() };
        let name = match (row.team_id, row.team_name) {
            (Some(t), Some(name)) => {
                if !actor.works_in(TeamId(t)) {
                    return Ok(None);
                }
                filter.team = Some(TeamId(t));
                actions.owed_by = Some(TeamId(t));
                format!("{name}: commitments and action items")
            }
            _ => {
                filter.person = Some(PersonId(row.person_id));
                actions.owner = Some(PersonId(row.person_id));
                "My commitments and action items".to_owned()
            }
        };
        let team = filter.team;
        let actions = self.db.read(move |mut tx| crate::reviews::actions_in(tx.exec(), actions, now.0)).await?;
        Ok(Some(Feed {
            name,
            occurrences: self.occurrences(filter, now, false, 1000).await?,
            actions,
            meetings: self.feed_meetings(team, PersonId(row.person_id), now).await?,
        }))
    }
}

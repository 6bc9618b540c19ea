//! Ratings on requests, both ways, and the organisation's feedback settings. The requester's
//! rating is seen by the requester and the providing team; the providing team's rating of how a
//! request was made is seen per request only by that team, and by the requesting team's leads
//! only in aggregate.

use chrono::Datelike;
use concentric_core::authz::{Actor, Forbidden};
use concentric_core::page::{Page, PageRequest};
use concentric_core::rating::{
    may_rate, open_for, AsCustomer, Bucket, Direction, FeedbackSettings, Flag, NewRating, Rated, Rating,
    RequestRatings, Results, Scale, TeamRatings, CHANGE_WINDOW_MS,
};
use concentric_core::request::{Access, Request};
use concentric_core::time::Millis;
use concentric_core::{FieldError, TeamId};
use serde_json::json;

use crate::commitments::team_leads;
use crate::db::{args, Exec, Tx};
use crate::events::record_at;
use crate::notifications::{notify, Notice};
use crate::requests::visible;
use crate::{Result, Store, StoreError};
use concentric_core::notification::Notice as Said;
use concentric_core::webhook::WebhookEventKind as Hook;

const SCALE: &str = "rating_scale";
const MIN_GROUP: &str = "min_group";

crate::db::row! {
    struct RatingRow {
        id: i64,
        request_key: String,
        subject: String,
        direction: String,
        score: i64,
        scale_max: i64,
        comment: String,
        flags: String,
        created_at: i64,
        updated_at: i64,
    }
}

const RATING_SELECT: &str = "SELECT ra.id, r.key AS request_key, r.subject, ra.direction, ra.score, ra.scale_max, \
     ra.comment, ra.flags, ra.created_at, ra.updated_at FROM ratings ra JOIN requests r ON r.id = ra.request_id";

impl From<RatingRow> for Rating {
    fn from(r: RatingRow) -> Self {
        Rating {
            id: r.id,
            request_key: r.request_key,
            subject: r.subject,
            direction: Direction::parse(&r.direction).unwrap_or(Direction::Requester),
            score: r.score,
            scale_max: r.scale_max,
            word: Scale::of_max(r.scale_max).word(r.score).to_owned(),
            comment: r.comment,
            flags: Flag::split(&r.flags),
            created_at: Millis(r.created_at).to_utc(),
            updated_at: Millis(r.updated_at).to_utc(),
            locks_at: Millis(r.created_at + CHANGE_WINDOW_MS).to_utc(),
        }
    }
}

crate::db::row! {
    struct RatedRow {
        score: i64,
        scale_max: i64,
        flags: String,
        created_at: i64,
        service_slug: String,
        service_name: String,
        agent_email: Option<String>,
        agent_name: Option<String>,
        partner_key: Option<String>,
        partner_name: Option<String>,
    }
}

impl From<RatedRow> for Rated {
    fn from(r: RatedRow) -> Self {
        let at = Millis(r.created_at).to_utc();
        Rated {
            score: r.score,
            scale_max: r.scale_max,
            flags: Flag::split(&r.flags),
            service: (r.service_slug, r.service_name),
            agent: r.agent_email.zip(r.agent_name),
            partner: r.partner_key.zip(r.partner_name),
            month: format!("{:04}-{:02}", at.year(), at.month()),
        }
    }
}

/// Ratings with the slices they are counted in. `partner` is the team on the other side: the
/// requesting team for the requester's ratings, the providing team for the provider's.
fn rated_query(direction: Direction, team_column: &str) -> String {
    let partner = match direction {
        Direction::Requester => "r.on_behalf_team_id",
        Direction::Provider => "r.team_id",
    };
    format!(
        "SELECT ra.score, ra.scale_max, ra.flags, ra.created_at, s.slug AS service_slug, s.name AS service_name, \
         ap.email AS agent_email, ap.name AS agent_name, pt.key AS partner_key, pt.name AS partner_name \
         FROM ratings ra JOIN requests r ON r.id = ra.request_id JOIN services s ON s.id = r.service_id \
         LEFT JOIN people ap ON ap.id = r.assignee_id LEFT JOIN teams pt ON pt.id = {partner} \
         WHERE ra.direction = '{}' AND {team_column} = $1 AND ra.created_at >= $2",
        direction.as_str()
    )
}

/// Who may rate in a direction, and the right refusal otherwise.
fn require_rater(actor: &Actor, req: &Request, access: Access, direction: Direction) -> Result<()> {
    let allowed = match direction {
        Direction::Requester => actor.is_person(req.requester_id),
        Direction::Provider => access.agent,
    };
    if allowed {
        Ok(())
    } else {
        Err(Forbidden(match direction {
            Direction::Requester => "rate this request: only its requester rates the service",
            Direction::Provider => "rate how this request was made: only the providing team does",
        })
        .into())
    }
}

/// Whether the viewer may see a request's rating in a direction, per request.
fn sees(actor: &Actor, req: &Request, access: Access, direction: Direction) -> bool {
    match direction {
        Direction::Requester => access.agent || actor.is_person(req.requester_id),
        Direction::Provider => access.agent,
    }
}

pub(crate) fn rating_of(exec: Exec<'_>, request: i64, direction: Direction) -> Result<Option<Rating>> {
    let row: Option<RatingRow> = exec.optional(
        &format!("{RATING_SELECT} WHERE ra.request_id = $1 AND ra.direction = $2"),
        args![request, direction.as_str()],
    )?;
    Ok(row.map(Rating::from))
}

/// One organisation setting, if it was ever set.
pub(crate) fn setting(exec: Exec<'_>, key: &str) -> Result<Option<String>> {
    Ok(exec.scalar_opt("SELECT value FROM settings WHERE key = $1", args![key])?)
}

/// Sets one organisation setting.
pub(crate) fn put_setting(exec: Exec<'_>, key: &str, value: &str, now: Millis) -> Result<()> {
    exec.execute(
        "INSERT INTO settings (key, value, updated_at) VALUES ($1, $2, $3) \
         ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
        args![key, value, now.0],
    )?;
    Ok(())
}

pub(crate) fn settings_in(exec: Exec<'_>) -> Result<FeedbackSettings> {
    let rows: Vec<(String, String)> = exec.all("SELECT key, value FROM settings", args![])?;
    let mut s = FeedbackSettings::default();
    for (key, value) in rows {
        match key.as_str() {
            SCALE => s.scale = Scale::parse(&value).unwrap_or_default(),
            MIN_GROUP => s.min_group = value.parse().unwrap_or(s.min_group),
            _ => {}
        }
    }
    Ok(s)
}

/// Writes a rating (or changes it), with its event and notices, in the caller's transaction.
pub(crate) fn write_rating(
    tx: &mut Tx,
    actor: &Actor,
    req: &Request,
    direction: Direction,
    new: NewRating,
    now: Millis,
) -> Result<Rating> {
    let existing = rating_of(tx.exec(), req.id.0, direction)?;
    let scale = match &existing {
        Some(r) => Scale::of_max(r.scale_max),
        None => settings_in(tx.exec())?.scale,
    };
    let new = new.check(scale, direction)?;
    may_rate(req.status, existing.as_ref().map(|r| r.created_at.timestamp_millis()), now.0)
        .map_err(|e| StoreError::Conflict(FieldError::new("score", e.to_string())))?;
    let rater = actor.person_id.ok_or(Forbidden("rate a request without signing in"))?;
    tx.exec()
        .execute(
            "INSERT INTO ratings (request_id, direction, scale_max, score, comment, flags, rated_by, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) ON CONFLICT (request_id, direction) DO UPDATE SET \
             score = excluded.score, comment = excluded.comment, flags = excluded.flags, rated_by = excluded.rated_by, \
             updated_at = excluded.updated_at",
            args![req.id, direction.as_str(), scale.max(), new.score, &new.comment, Flag::join(&new.flags), rater, now.0],
        )?;
    let rating = rating_of(tx.exec(), req.id.0, direction)?.ok_or(StoreError::NotFound("rating"))?;
    let detail = json!({ "rating": rating.word });
    // The requester's rating is part of the request's history; the provider's stays out of
    // what the requester can read.
    let (entity, entity_id) = match direction {
        Direction::Requester => ("request", req.id.0),
        Direction::Provider => ("rating", rating.id),
    };
    let event = record_at(
        tx,
        actor.person_id,
        now,
        entity,
        entity_id,
        if existing.is_some() { "rating_changed" } else { "rated" },
        detail,
    )?;
    if direction == Direction::Requester {
        // Only the requester's rating: the provider's rating of its customer is never sent out.
        crate::webhooks::emit_for_request(tx, Hook::RatingReceived, req.id, req.team_id, event, |r| {
            let summary = format!("{} rated {}: {}", r.requester_name, r.subject, rating.word);
            let data = json!({ "score": rating.score, "scale_max": rating.scale_max, "word": rating.word,
                "comment": rating.comment, "changed": existing.is_some() });
            (summary, json!({ "rating": data }))
        })?;
    }
    if direction == Direction::Requester && rating.bucket() == Bucket::Poor {
        // Keyed on the request, so a rating changed back and forth notifies the leads once.
        let leads = team_leads(tx.exec(), req.team_id)?;
        let said = Said::PoorRating { request: req.reference(), requester: req.requester_name.clone() };
        notify(tx, actor, &[Notice::new(said, req.id.0).to(&leads)])?;
    }
    Ok(rating)
}

impl Store {
    #[tracing::instrument(skip_all)]
    pub async fn feedback_settings(&self) -> Result<FeedbackSettings> {
        self.db.read(move |mut tx| settings_in(tx.exec())).await
    }

    /// Changes the rating scale and the smallest group shown in aggregate (admins only).
    #[tracing::instrument(skip_all)]
    pub async fn set_feedback_settings(
        &self,
        actor: &Actor,
        settings: FeedbackSettings,
        now: Millis,
    ) -> Result<FeedbackSettings> {
        let actor = actor.to_owned();
        self.db
            .write(move |mut tx| {
                let actor: &Actor = &actor;
                actor.require_admin("change the feedback settings")?;
                let settings = settings.check()?;
                for (key, value) in
                    [(SCALE, settings.scale.as_str().to_owned()), (MIN_GROUP, settings.min_group.to_string())]
                {
                    put_setting(tx.exec(), key, &value, now)?;
                }
                let detail = json!({ "scale": settings.scale.as_str(), "min_group": settings.min_group });
                record_at(&mut tx, actor.person_id, now, "settings", 0, "feedback", detail)?;
                Ok(settings)
            })
            .await
    }

    /// A request's rating in one direction, if given and if the actor may see it.
    #[tracing::instrument(skip_all)]
    pub async fn rating(&self, actor: &Actor, key: &str, direction: Direction) -> Result<Option<Rating>> {
        self.read_visible(actor, key, move |tx, actor, req, access| {
            if !sees(actor, &req, access, direction) {
                return Err(Forbidden("see this rating").into());
            }
            rating_of(tx.exec(), req.id.0, direction)
        })
        .await
    }

    /// The ratings of one request the actor may see, for its page.
    #[tracing::instrument(skip_all)]
    pub async fn request_ratings(&self, actor: &Actor, key: &str, now: Millis) -> Result<RequestRatings> {
        self.read_visible(actor, key, move |tx, actor, req, access| {
            let mut out = RequestRatings {
                scale: settings_in(tx.exec())?.scale,
                by_requester: None,
                by_provider: None,
                requester_may_rate: false,
                provider_may_rate: false,
            };
            if sees(actor, &req, access, Direction::Requester) {
                out.by_requester = rating_of(tx.exec(), req.id.0, Direction::Requester)?;
                out.requester_may_rate =
                    actor.is_person(req.requester_id) && open_for(req.status, out.by_requester.as_ref(), now.0);
            }
            if sees(actor, &req, access, Direction::Provider) {
                out.by_provider = rating_of(tx.exec(), req.id.0, Direction::Provider)?;
                out.provider_may_rate = open_for(req.status, out.by_provider.as_ref(), now.0);
            }
            Ok(out)
        })
        .await
    }

    /// Rates a request, or changes the rating within its window: the requester rates the
    /// service; a member of the providing team rates how the request was made.
    #[tracing::instrument(skip_all, fields(request = key, direction = direction.as_str()))]
    pub async fn rate(
        &self,
        actor: &Actor,
        key: &str,
        direction: Direction,
        new: NewRating,
        now: Millis,
    ) -> Result<Rating> {
        let actor = actor.to_owned();
        let key = key.to_owned();
        self.db
            .write(move |mut tx| {
                let actor: &Actor = &actor;
                let key: &str = &key;
                let (req, access) = visible(&mut tx, actor, key)?;
                require_rater(actor, &req, access, direction)?;
                let rating = write_rating(&mut tx, actor, &req, direction, new, now)?;
                Ok(rating)
            })
            .await
    }

    /// Ratings of a team's requests, newest first, per request: the providing team (and admins)
    /// see both directions. Without a team, the ratings the actor gave as a requester.
    #[tracing::instrument(skip_all)]
    pub async fn ratings(
        &self,
        actor: &Actor,
        team: Option<TeamId>,
        direction: Direction,
        page: PageRequest,
    ) -> Result<Page<Rating>> {
        let actor = actor.to_owned();
        self.db
            .read(move |mut tx| {
                let actor: &Actor = &actor;
                let (filter, arg) = match team {
                    Some(t) => {
                        actor.require_works_in(t, "see the ratings of this team's requests")?;
                        ("r.team_id = $1", t.0)
                    }
                    None if direction == Direction::Requester => {
                        ("r.requester_id = $1", actor.person_id.ok_or(Forbidden("see ratings"))?.0)
                    }
                    None => {
                        return Err(
                            Forbidden("see the providing teams' ratings of requests without naming the team").into()
                        )
                    }
                };
                let filter = format!("{filter} AND ra.direction = $2");
                let total: i64 = tx.exec().scalar(
                    &format!("SELECT COUNT(*) FROM ratings ra JOIN requests r ON r.id = ra.request_id WHERE {filter}"),
                    args![arg, direction.as_str()],
                )?;
                let rows: Vec<RatingRow> = tx.exec().all(
                    &format!(
                        "{RATING_SELECT} WHERE {filter} ORDER BY ra.updated_at DESC, ra.id DESC LIMIT $3 OFFSET $4"
                    ),
                    args![arg, direction.as_str(), page.limit(), page.offset()],
                )?;
                Ok(Page::new(rows.into_iter().map(Rating::from).collect(), total as u64, page))
            })
            .await
    }

    /// A team's ratings since `since`, as the actor may see them.
    #[tracing::instrument(skip_all)]
    pub async fn team_ratings(&self, actor: &Actor, team: TeamId, since: Millis) -> Result<TeamRatings> {
        let actor = actor.to_owned();
        self.db
            .read(move |mut tx| {
                let actor: &Actor = &actor;
                let rated: Vec<RatedRow> =
                    tx.exec().all(&rated_query(Direction::Requester, "r.team_id"), args![team, since.0])?;
                let rated: Vec<Rated> = rated.into_iter().map(Rated::from).collect();
                let mut as_provider = Results::of(&rated, actor.can_manage_team(team));
                if !actor.works_in(team) {
                    as_provider.by_partner.clear();
                }
                let as_customer = if actor.can_manage_team(team) {
                    let min_group = settings_in(tx.exec())?.min_group;
                    let rows: Vec<RatedRow> = tx
                        .exec()
                        .all(&rated_query(Direction::Provider, "r.on_behalf_team_id"), args![team, since.0])?;
                    let rows: Vec<Rated> = rows.into_iter().map(Rated::from).collect();
                    Some(AsCustomer::of(&rows, min_group))
                } else {
                    None
                };
                Ok(TeamRatings { as_provider, as_customer })
            })
            .await
    }
}

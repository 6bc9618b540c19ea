//! Ambassador placements: proposing, answering, cancelling, the ambassador's report, action items
//! taken from it into the two teams' partnership review, and the organisation view's reads.

use chrono::NaiveDate;
use concentric_core::authz::{Actor, Forbidden};
use concentric_core::notification::Notice as Said;
use concentric_core::page::{Page, PageRequest};
use concentric_core::placement::{NewPlacement, Placement, PlacementReport, PlacementSide, PlacementStatus};
use concentric_core::review::{ActionItem, NewAction};
use concentric_core::time::Millis;
use concentric_core::{ActionId, Invalid, PersonId, PlacementId, ReviewId, TeamId};
use serde_json::json;

use crate::db::{args, Arg, Exec, Tx};
use crate::events::record;
use crate::notifications::{notify, Notice};
use crate::{Result, Store, StoreError};

crate::db::row! {
    struct PlacementRow {
        id: i64,
        ambassador_id: i64,
        ambassador_name: String,
        home_id: i64,
        home_key: String,
        home_name: String,
        host_id: i64,
        host_key: String,
        host_name: String,
        starts_on: String,
        ends_on: String,
        focus: String,
        status: String,
        proposed_side: String,
        proposed_by_name: String,
        decided_at: Option<i64>,
        learned: String,
        together: String,
        reported_at: Option<i64>,
        created_at: i64,
    }
}

const SELECT: &str = "SELECT pl.id, pl.ambassador_id, a.name AS ambassador_name, pl.home_team_id AS home_id, \
     h.key AS home_key, h.name AS home_name, pl.host_team_id AS host_id, v.key AS host_key, v.name AS host_name, \
     pl.starts_on, pl.ends_on, pl.focus, pl.status, pl.proposed_side, pb.name AS proposed_by_name, pl.decided_at, \
     pl.learned, pl.together, pl.reported_at, pl.created_at \
     FROM placements pl JOIN people a ON a.id = pl.ambassador_id JOIN teams h ON h.id = pl.home_team_id \
     JOIN teams v ON v.id = pl.host_team_id JOIN people pb ON pb.id = pl.proposed_by";

/// The placement as `actor` may read it: the report only for the two teams, the ambassador and
/// admins.
fn shown(r: PlacementRow, actor: &Actor) -> Placement {
    let day = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or_default();
    let mut p = Placement {
        id: PlacementId(r.id),
        ambassador_id: PersonId(r.ambassador_id),
        ambassador_name: r.ambassador_name,
        home_id: TeamId(r.home_id),
        home_key: r.home_key,
        home_name: r.home_name,
        host_id: TeamId(r.host_id),
        host_key: r.host_key,
        host_name: r.host_name,
        starts_on: day(&r.starts_on),
        ends_on: day(&r.ends_on),
        focus: r.focus,
        status: PlacementStatus::parse(&r.status).unwrap_or(PlacementStatus::Proposed),
        proposed_side: PlacementSide::parse(&r.proposed_side).unwrap_or(PlacementSide::Home),
        proposed_by_name: r.proposed_by_name,
        decided_at: r.decided_at.map(|t| Millis(t).to_utc()),
        reported_at: r.reported_at.map(|t| Millis(t).to_utc()),
        report: None,
        created_at: Millis(r.created_at).to_utc(),
    };
    if p.reported_at.is_some() && actor.reads_placement_report(&p) {
        p.report = Some(PlacementReport { learned: r.learned, together: r.together });
    }
    p
}

fn placement_by_id(exec: Exec<'_>, actor: &Actor, id: PlacementId) -> Result<Placement> {
    let row: Option<PlacementRow> = exec.optional(&format!("{SELECT} WHERE pl.id = $1"), args![id])?;
    row.map(|r| shown(r, actor)).ok_or(StoreError::NotFound("placement"))
}

/// The active leads of a team.
fn leads(exec: Exec<'_>, team: TeamId) -> Result<Vec<PersonId>> {
    let ids: Vec<i64> = exec.scalars(
        "SELECT m.person_id FROM team_members m JOIN people p ON p.id = m.person_id \
         WHERE m.team_id = $1 AND m.role = 'lead' AND p.active ORDER BY m.person_id",
        args![team],
    )?;
    Ok(ids.into_iter().map(PersonId).collect())
}

fn team_id(exec: Exec<'_>, key: &str, field: &str) -> Result<TeamId> {
    let id: Option<i64> = exec.scalar_opt("SELECT id FROM teams WHERE key = $1 AND active", args![key])?;
    id.map(TeamId).ok_or_else(|| Invalid::one(field, format!("there is no team {key}")).into())
}

/// "11 Jan – 22 Jan 2027".
fn span(p: &Placement) -> String {
    format!("{} – {}", p.starts_on.format("%-d %b"), p.ends_on.format("%-d %b %Y"))
}

/// The action items taken from a placement's report.
fn actions_of(exec: &mut Exec<'_>, id: PlacementId, now: Millis) -> Result<Vec<ActionItem>> {
    let ids: Vec<i64> = exec
        .reborrow()
        .scalars("SELECT action_id FROM placement_actions WHERE placement_id = $1 ORDER BY action_id", args![id])?;
    ids.into_iter().map(|a| crate::reviews::action_by_id(exec.reborrow(), ActionId(a), now.0)).collect()
}

/// A placement with the action items taken from its report.
#[derive(Debug, Clone)]
pub struct PlacementDetail {
    pub placement: Placement,
    pub actions: Vec<ActionItem>,
    /// The two teams' latest partnership review, where action items go; none yet.
    pub review: Option<ReviewId>,
}

fn latest_review(exec: Exec<'_>, p: &Placement) -> Result<Option<ReviewId>> {
    let id: Option<i64> = exec.scalar_opt(
        "SELECT id FROM reviews WHERE (supplier_id = $1 AND customer_id = $2) OR (supplier_id = $2 AND customer_id = $1) \
         ORDER BY scheduled_at DESC, id DESC LIMIT 1",
        args![p.home_id, p.host_id],
    )?;
    Ok(id.map(ReviewId))
}

fn detail(tx: &mut Tx, actor: &Actor, id: PlacementId, now: Millis) -> Result<PlacementDetail> {
    let placement = placement_by_id(tx.exec(), actor, id)?;
    let review = latest_review(tx.exec(), &placement)?;
    let actions = actions_of(&mut tx.exec(), id, now)?;
    Ok(PlacementDetail { placement, actions, review })
}

/// Which placements a list shows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PlacementFilter {
    /// Either of whose teams is this one.
    pub team: Option<TeamId>,
    /// Whose ambassador is this person.
    pub ambassador: Option<PersonId>,
    /// Only agreed ones.
    pub agreed: bool,
}

impl Store {
    /// Proposes a placement (a lead of either team); the other team's leads and the ambassador
    /// are told.
    #[tracing::instrument(skip_all)]
    pub async fn propose_placement(&self, actor: &Actor, new: NewPlacement, now: Millis) -> Result<PlacementDetail> {
        let proposer = actor.person_id.ok_or(Forbidden("propose without being a person in the directory"))?;
        let actor = actor.clone();
        self.db
            .write(move |mut tx| {
                let new = new.check()?;
                let home = team_id(tx.exec(), &new.home, "home")?;
                let host = team_id(tx.exec(), &new.host, "host")?;
                let side = if actor.can_manage_team(home) {
                    PlacementSide::Home
                } else if actor.can_manage_team(host) {
                    PlacementSide::Host
                } else {
                    return Err(Forbidden("propose a placement: a lead of either team may").into());
                };
                let ambassador: Option<i64> = tx.exec().scalar_opt(
                    "SELECT p.id FROM people p JOIN team_members m ON m.person_id = p.id \
                     WHERE p.email = $1 AND p.active AND m.team_id = $2",
                    args![new.ambassador.as_str(), home],
                )?;
                let ambassador = ambassador.ok_or_else(|| {
                    Invalid::one("ambassador", format!("{} is not a member of {}", new.ambassador, new.home))
                })?;
                let id: i64 = tx.exec().insert_id(
                    "INSERT INTO placements (ambassador_id, home_team_id, host_team_id, starts_on, ends_on, focus, status, \
                     proposed_side, proposed_by, created_at, updated_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, 'proposed', $7, $8, $9, $9)",
                    args![
                        ambassador,
                        home,
                        host,
                        new.starts_on.to_string(),
                        new.ends_on.to_string(),
                        &new.focus,
                        side.as_str(),
                        proposer,
                        now.0
                    ],
                )?;
                let id = PlacementId(id);
                let event = record(&mut tx, &actor, "placement", id.0, "proposed", json!({ "host": new.host }))?;
                let p = placement_by_id(tx.exec(), &actor, id)?;
                let mut readers = leads(tx.exec(), p.team(side.other()))?;
                readers.push(p.ambassador_id);
                let said = Said::PlacementProposed {
                    placement: id.0,
                    ambassador: p.ambassador_name.clone(),
                    host: p.host_name.clone(),
                    when: span(&p),
                };
                notify(&mut tx, &actor, &[Notice::new(said, event).to(&readers)])?;
                detail(&mut tx, &actor, id, now)
            })
            .await
    }

    /// Accepts or declines a proposed placement (a lead of the team that did not propose it).
    #[tracing::instrument(skip_all)]
    pub async fn decide_placement(
        &self,
        actor: &Actor,
        id: PlacementId,
        accept: bool,
        now: Millis,
    ) -> Result<PlacementDetail> {
        let actor = actor.clone();
        self.db
            .write(move |mut tx| {
                let p = placement_by_id(tx.exec(), &actor, id)?;
                if !actor.decides_placement(&p) {
                    return Err(
                        Forbidden("answer this placement: a lead of the team that did not propose it may").into()
                    );
                }
                if p.status != PlacementStatus::Proposed {
                    return Err(
                        Invalid::one("status", format!("this placement is {} already", p.status.as_str())).into()
                    );
                }
                let status = if accept { PlacementStatus::Accepted } else { PlacementStatus::Declined };
                tx.exec().execute(
                    "UPDATE placements SET status = $1, decided_at = $2, updated_at = $2 WHERE id = $3",
                    args![status.as_str(), now.0, id],
                )?;
                let event = record(&mut tx, &actor, "placement", id.0, status.as_str(), json!({}))?;
                let mut readers = leads(tx.exec(), p.team(p.proposed_side))?;
                readers.push(p.ambassador_id);
                let said = Said::PlacementDecided {
                    placement: id.0,
                    ambassador: p.ambassador_name.clone(),
                    host: p.host_name.clone(),
                    accepted: accept,
                };
                notify(&mut tx, &actor, &[Notice::new(said, event).to(&readers)])?;
                detail(&mut tx, &actor, id, now)
            })
            .await
    }

    /// Calls a placement off before its report (a lead of either team, or the ambassador).
    #[tracing::instrument(skip_all)]
    pub async fn cancel_placement(&self, actor: &Actor, id: PlacementId, now: Millis) -> Result<PlacementDetail> {
        let actor = actor.clone();
        self.db
            .write(move |mut tx| {
                let p = placement_by_id(tx.exec(), &actor, id)?;
                if !(actor.keeps_placement(&p) || actor.is_person(p.ambassador_id)) {
                    return Err(
                        Forbidden("call this placement off: the two teams' leads and the ambassador may").into()
                    );
                }
                if !matches!(p.status, PlacementStatus::Proposed | PlacementStatus::Accepted) || p.reported_at.is_some()
                {
                    return Err(
                        Invalid::one("status", "only a placement still to be reported can be called off").into()
                    );
                }
                tx.exec().execute(
                    "UPDATE placements SET status = 'cancelled', updated_at = $1 WHERE id = $2",
                    args![now.0, id],
                )?;
                record(&mut tx, &actor, "placement", id.0, "cancelled", json!({}))?;
                detail(&mut tx, &actor, id, now)
            })
            .await
    }

    /// The ambassador's report, once the placement has begun; both teams' leads are told the
    /// first time.
    #[tracing::instrument(skip_all)]
    pub async fn report_placement(
        &self,
        actor: &Actor,
        id: PlacementId,
        report: PlacementReport,
        now: Millis,
    ) -> Result<PlacementDetail> {
        let actor = actor.clone();
        self.db
            .write(move |mut tx| {
                let p = placement_by_id(tx.exec(), &actor, id)?;
                if !actor.is_person(p.ambassador_id) {
                    return Err(Forbidden("write this report: the ambassador may").into());
                }
                if p.status != PlacementStatus::Accepted {
                    return Err(Invalid::one("learned", "a report follows an agreed placement").into());
                }
                if now.to_utc().date_naive() < p.starts_on {
                    return Err(Invalid::one("learned", "write the report once the placement has begun").into());
                }
                let report = report.check()?;
                tx.exec().execute(
                    "UPDATE placements SET learned = $1, together = $2, reported_at = COALESCE(reported_at, $3), \
                     updated_at = $3 WHERE id = $4",
                    args![&report.learned, &report.together, now.0, id],
                )?;
                let event = record(&mut tx, &actor, "placement", id.0, "reported", json!({}))?;
                if p.reported_at.is_none() {
                    let mut readers = leads(tx.exec(), p.home_id)?;
                    readers.extend(leads(tx.exec(), p.host_id)?);
                    let said = Said::PlacementReported {
                        placement: id.0,
                        ambassador: p.ambassador_name.clone(),
                        host: p.host_name.clone(),
                    };
                    notify(&mut tx, &actor, &[Notice::new(said, event).to(&readers)])?;
                }
                detail(&mut tx, &actor, id, now)
            })
            .await
    }

    /// Turns a point of a report into an action item in the two teams' latest partnership review
    /// (a lead of either team, or an admin).
    #[tracing::instrument(skip_all)]
    pub async fn placement_action(
        &self,
        actor: &Actor,
        id: PlacementId,
        new: NewAction,
        now: Millis,
    ) -> Result<ActionItem> {
        let actor = actor.clone();
        self.db
            .write(move |mut tx| {
                let p = placement_by_id(tx.exec(), &actor, id)?;
                if !actor.keeps_placement(&p) {
                    return Err(Forbidden("take action items from this report: the two teams' leads may").into());
                }
                if p.reported_at.is_none() {
                    return Err(Invalid::one("title", "action items come from the report, once it is written").into());
                }
                let Some(review) = latest_review(tx.exec(), &p)? else {
                    return Err(Invalid::one(
                        "title",
                        format!(
                            "plan a partnership review of {} and {} first: action items are followed up there",
                            p.home_name, p.host_name
                        ),
                    )
                    .into());
                };
                let item = crate::reviews::add_action_in(&mut tx, &actor, review, new, now)?;
                tx.exec().execute(
                    "INSERT INTO placement_actions (placement_id, action_id) VALUES ($1, $2)",
                    args![id, item.id],
                )?;
                Ok(item)
            })
            .await
    }

    /// One placement with its action items.
    #[tracing::instrument(skip_all)]
    pub async fn placement(&self, actor: &Actor, id: PlacementId, now: Millis) -> Result<PlacementDetail> {
        let actor = actor.clone();
        self.db.read(move |mut tx| detail(&mut tx, &actor, id, now)).await
    }

    /// Placements, latest first.
    #[tracing::instrument(skip_all)]
    pub async fn placements(
        &self,
        actor: &Actor,
        filter: PlacementFilter,
        page: PageRequest,
    ) -> Result<Page<Placement>> {
        let actor = actor.clone();
        self.db
            .read(move |mut tx| {
                let mut conds = vec![String::from("1 = 1")];
                let mut params: Vec<Arg> = Vec::new();
                if let Some(team) = filter.team {
                    params.extend(args![team]);
                    let n = params.len();
                    conds.push(format!("(pl.home_team_id = ${n} OR pl.host_team_id = ${n})"));
                }
                if let Some(person) = filter.ambassador {
                    params.extend(args![person]);
                    conds.push(format!("pl.ambassador_id = ${}", params.len()));
                }
                if filter.agreed {
                    conds.push(String::from("pl.status = 'accepted'"));
                }
                let clause = conds.join(" AND ");
                let total: i64 =
                    tx.exec().scalar(&format!("SELECT COUNT(*) FROM placements pl WHERE {clause}"), params.clone())?;
                let (limit, offset) = (params.len() + 1, params.len() + 2);
                params.extend(args![page.limit(), page.offset()]);
                let rows: Vec<PlacementRow> = tx.exec().all(
                    &format!("{SELECT} WHERE {clause} ORDER BY pl.starts_on DESC, pl.id DESC LIMIT ${limit} OFFSET ${offset}"),
                    params,
                )?;
                let items = rows.into_iter().map(|r| shown(r, &actor)).collect();
                Ok(Page::new(items, u64::try_from(total).unwrap_or(0), page))
            })
            .await
    }

    /// Every placement proposed or agreed, for the organisation view (at most 2,000).
    #[tracing::instrument(skip_all)]
    pub async fn live_placements(&self, actor: &Actor) -> Result<Vec<Placement>> {
        let actor = actor.clone();
        self.db
            .read(move |mut tx| {
                let rows: Vec<PlacementRow> = tx.exec().all(
                    &format!(
                        "{SELECT} WHERE pl.status IN ('proposed', 'accepted') ORDER BY pl.starts_on DESC, pl.id DESC LIMIT 2000"
                    ),
                    args![],
                )?;
                Ok(rows.into_iter().map(|r| shown(r, &actor)).collect())
            })
            .await
    }
}

//! Thanks to teams and people, and the organisation's view of who serves others.

use concentric_core::authz::{Actor, Forbidden};
use concentric_core::notification::Notice as Said;
use concentric_core::page::{Page, PageRequest};
use concentric_core::thanks::{Contribution, Contributions, NewThanks, Recipient, Thanks, ThanksFilter};
use concentric_core::time::Millis;
use concentric_core::{Invalid, PersonId, TeamId, ThanksId};
use serde_json::json;

use crate::db::{args, Arg, Exec, Tx};
use crate::events::record;
use crate::notifications::{notify, Notice};
use crate::{Result, Store, StoreError};

crate::db::row! {
    struct ThanksRow {
        id: i64,
        from_id: i64,
        from_name: String,
        team_key: Option<String>,
        team_name: Option<String>,
        person_id: Option<i64>,
        person_name: Option<String>,
        message: String,
        request_key: Option<String>,
        commitment_id: Option<i64>,
        commitment_title: Option<String>,
        across: bool,
        created_at: i64,
    }
}

crate::db::row! {
    struct ContributionRow {
        key: String,
        name: String,
        thanks: i64,
        people: i64,
    }
}

const SELECT: &str = "SELECT th.id, th.from_id, f.name AS from_name, t.key AS team_key, t.name AS team_name, \
     th.person_id, p.name AS person_name, th.message, r.key AS request_key, th.commitment_id, \
     c.title AS commitment_title, th.across, th.created_at \
     FROM thanks th JOIN people f ON f.id = th.from_id LEFT JOIN teams t ON t.id = th.team_id \
     LEFT JOIN people p ON p.id = th.person_id LEFT JOIN requests r ON r.id = th.request_id \
     LEFT JOIN commitments c ON c.id = th.commitment_id";

impl From<ThanksRow> for Thanks {
    fn from(r: ThanksRow) -> Self {
        Thanks {
            id: ThanksId(r.id),
            from_id: PersonId(r.from_id),
            from_name: r.from_name,
            team_key: r.team_key,
            team_name: r.team_name,
            person_id: r.person_id.map(PersonId),
            person_name: r.person_name,
            message: r.message,
            request_key: r.request_key,
            commitment_id: r.commitment_id,
            commitment_title: r.commitment_title,
            across: r.across,
            created_at: Millis(r.created_at).to_utc(),
        }
    }
}

fn thanks_by_id(exec: Exec<'_>, id: ThanksId) -> Result<Thanks> {
    let row: Option<ThanksRow> =
        exec.optional(&format!("{SELECT} WHERE th.id = $1 AND th.removed_at IS NULL"), args![id])?;
    row.map(Thanks::from).ok_or(StoreError::NotFound("thanks"))
}

/// The active members of a team.
fn members(exec: Exec<'_>, team: TeamId) -> Result<Vec<PersonId>> {
    let ids: Vec<i64> = exec.scalars(
        "SELECT m.person_id FROM team_members m JOIN people p ON p.id = m.person_id \
         WHERE m.team_id = $1 AND p.active ORDER BY m.person_id",
        args![team],
    )?;
    Ok(ids.into_iter().map(PersonId).collect())
}

/// Whether two people share a team.
fn share_a_team(exec: Exec<'_>, a: PersonId, b: PersonId) -> Result<bool> {
    let n: i64 = exec.scalar(
        "SELECT COUNT(*) FROM team_members x JOIN team_members y ON y.team_id = x.team_id \
         WHERE x.person_id = $1 AND y.person_id = $2",
        args![a, b],
    )?;
    Ok(n > 0)
}

/// Writes checked thanks as of `at`, and tells whom it thanks unless `quiet` (the demo's old thanks).
pub(crate) fn insert(tx: &mut Tx, actor: &Actor, new: NewThanks, at: Millis, quiet: bool) -> Result<Thanks> {
    let from = actor.person_id.ok_or(Forbidden("thank without being a person in the directory"))?;
    let new = new.check()?;
    let (team, person, across, readers) = match &new.to {
        Recipient::Team(key) => {
            let team: Option<i64> =
                tx.exec().scalar_opt("SELECT id FROM teams WHERE key = $1 AND active", args![key.as_str()])?;
            let team = TeamId(team.ok_or_else(|| Invalid::one("team", format!("there is no team {key}")))?);
            (Some(team), None, !actor.is_member_of(team), members(tx.exec(), team)?)
        }
        Recipient::Person(email) => {
            let person: Option<i64> =
                tx.exec().scalar_opt("SELECT id FROM people WHERE email = $1 AND active", args![email.as_str()])?;
            let person =
                PersonId(person.ok_or_else(|| Invalid::one("person", format!("nobody in the directory has {email}")))?);
            if person == from {
                return Err(Invalid::one("person", "thank someone else: thanks to yourself does not count").into());
            }
            (None, Some(person), !share_a_team(tx.exec(), from, person)?, vec![person])
        }
    };
    let request = match &new.request {
        Some(key) => match crate::requests::visible(tx, actor, key) {
            Ok((r, _)) => Some(r.id),
            Err(StoreError::NotFound(_)) => {
                return Err(Invalid::one("request", format!("{key} is not a request you can see")).into())
            }
            Err(e) => return Err(e),
        },
        None => None,
    };
    if let Some(c) = new.commitment {
        let n: i64 = tx.exec().scalar("SELECT COUNT(*) FROM commitments WHERE id = $1", args![c])?;
        if n == 0 {
            return Err(Invalid::one("commitment", "there is no such commitment").into());
        }
    }
    let id: i64 = tx.exec().insert_id(
        "INSERT INTO thanks (from_id, team_id, person_id, message, request_id, commitment_id, across, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        args![from, team, person, &new.message, request, new.commitment, across, at.0],
    )?;
    let thanks = thanks_by_id(tx.exec(), ThanksId(id))?;
    let (entity, entity_id) = match (team, person) {
        (Some(t), _) => ("team", t.0),
        (None, Some(p)) => ("person", p.0),
        (None, None) => ("thanks", id),
    };
    let event = record(tx, actor, entity, entity_id, "thanked", json!({ "thanks": id, "from": thanks.from_name }))?;
    let said = Said::Thanked {
        thanks: id,
        from: thanks.from_name.clone(),
        team: thanks.team_name.clone(),
        message: thanks.message.clone(),
    };
    if !quiet {
        notify(tx, actor, &[Notice::new(said, event).to(&readers)])?;
    }
    Ok(thanks)
}

impl Store {
    /// Thanks a team or a person, as the actor; they are told.
    #[tracing::instrument(skip_all)]
    pub async fn thank(&self, actor: &Actor, new: NewThanks, now: Millis) -> Result<Thanks> {
        let actor = actor.clone();
        self.db.write(move |mut tx| insert(&mut tx, &actor, new, now, false)).await
    }

    /// Takes thanks back (its author or an admin).
    #[tracing::instrument(skip_all)]
    pub async fn remove_thanks(&self, actor: &Actor, id: ThanksId) -> Result<()> {
        let actor = actor.clone();
        self.db
            .write(move |mut tx| {
                let thanks = thanks_by_id(tx.exec(), id)?;
                if !actor.can_take_back_thanks(thanks.from_id) {
                    return Err(Forbidden("take back this thanks: the person who gave it may").into());
                }
                tx.exec().execute("UPDATE thanks SET removed_at = $1 WHERE id = $2", args![Millis::now().0, id])?;
                record(&mut tx, &actor, "thanks", id.0, "removed", json!({}))?;
                Ok(())
            })
            .await
    }

    /// One thanks; thanks is the organisation's to read.
    #[tracing::instrument(skip_all)]
    pub async fn thanks(&self, id: ThanksId) -> Result<Thanks> {
        self.db.read(move |mut tx| thanks_by_id(tx.exec(), id)).await
    }

    /// Thanks, newest first: everyone's, a team's (to it or its members), or a person's.
    #[tracing::instrument(skip_all)]
    pub async fn list_thanks(&self, filter: ThanksFilter, page: PageRequest) -> Result<Page<Thanks>> {
        self.db
            .read(move |mut tx| {
                let mut conds = vec![String::from("th.removed_at IS NULL")];
                let mut params: Vec<Arg> = Vec::new();
                if let Some(team) = filter.team {
                    params.extend(args![team]);
                    let n = params.len();
                    conds.push(format!(
                        "(th.team_id = ${n} OR th.person_id IN (SELECT person_id FROM team_members WHERE team_id = ${n}))"
                    ));
                }
                if let Some(person) = filter.person {
                    params.extend(args![person]);
                    conds.push(format!("th.person_id = ${}", params.len()));
                }
                let clause = conds.join(" AND ");
                let total: i64 =
                    tx.exec().scalar(&format!("SELECT COUNT(*) FROM thanks th WHERE {clause}"), params.clone())?;
                let (limit, offset) = (params.len() + 1, params.len() + 2);
                params.extend(args![page.limit(), page.offset()]);
                let rows: Vec<ThanksRow> = tx.exec().all(
                    &format!("{SELECT} WHERE {clause} ORDER BY th.created_at DESC, th.id DESC LIMIT ${limit} OFFSET ${offset}"),
                    params,
                )?;
                Ok(Page::new(rows.into_iter().map(Thanks::from).collect(), u64::try_from(total).unwrap_or(0), page))
            })
            .await
    }

    /// Who served others over the last `days`, by thanks from outside: the teams thanked (to the
    /// team, or to one of its members by someone outside it) and the people, most first.
    #[tracing::instrument(skip_all)]
    pub async fn contributions(&self, days: u32, now: Millis) -> Result<Contributions> {
        self.db
            .read(move |mut tx| {
                let since = now.0 - i64::from(days) * 86_400_000;
                let teams: Vec<ContributionRow> = tx.exec().all(
                    "SELECT t.key, t.name, COUNT(*) AS thanks, COUNT(DISTINCT x.from_id) AS people FROM ( \
                       SELECT th.team_id, th.from_id FROM thanks th \
                         WHERE th.team_id IS NOT NULL AND th.across AND th.removed_at IS NULL AND th.created_at >= $1 \
                       UNION ALL SELECT m.team_id, th.from_id FROM thanks th JOIN team_members m ON m.person_id = th.person_id \
                         WHERE th.removed_at IS NULL AND th.created_at >= $1 \
                         AND th.from_id NOT IN (SELECT person_id FROM team_members WHERE team_id = m.team_id) \
                     ) x JOIN teams t ON t.id = x.team_id WHERE t.active \
                     GROUP BY t.id, t.key, t.name ORDER BY COUNT(*) DESC, COUNT(DISTINCT x.from_id) DESC, t.name LIMIT 20",
                    args![since],
                )?;
                let people: Vec<ContributionRow> = tx.exec().all(
                    "SELECT CAST(p.id AS TEXT) AS key, p.name, COUNT(*) AS thanks, COUNT(DISTINCT th.from_id) AS people \
                     FROM thanks th JOIN people p ON p.id = th.person_id \
                     WHERE th.across AND th.removed_at IS NULL AND th.created_at >= $1 AND p.active \
                     GROUP BY p.id, p.name ORDER BY COUNT(*) DESC, COUNT(DISTINCT th.from_id) DESC, p.name LIMIT 20",
                    args![since],
                )?;
                let line = |r: ContributionRow| Contribution {
                    key: r.key,
                    name: r.name,
                    thanks: u32::try_from(r.thanks).unwrap_or(0),
                    people: u32::try_from(r.people).unwrap_or(0),
                };
                Ok(Contributions {
                    days,
                    teams: teams.into_iter().map(line).collect(),
                    people: people.into_iter().map(line).collect(),
                })
            })
            .await
    }
}

//! Relationships' responsibilities tables: rows added and edited by either side's leads, each
//! side's agreement kept apart, and the rows that need attention (nobody responsible, or the
//! person responsible left the team) found for team pages and review agendas.

use concentric_core::authz::{Actor, Forbidden};
use concentric_core::relationship::Side;
use concentric_core::responsibility::{NewResponsibility, Problem, Responsibility};
use concentric_core::time::Millis;
use concentric_core::{Invalid, TeamId};
use serde_json::json;

use crate::db::{args, Exec, Tx};
use crate::events::record_at;
use crate::{Result, Store, StoreError};

crate::db::row! {
    struct Row {
        id: i64,
        relationship_id: i64,
        supplier_key: String,
        customer_key: String,
        activity: String,
        side: String,
        team_key: String,
        responsible_name: Option<String>,
        responsible_email: Option<String>,
        still_member: i64,
        consulted: String,
        when_text: String,
        commitment_id: Option<i64>,
        service_slug: Option<String>,
        agreed_by_supplier: bool,
        agreed_by_customer: bool,
    }
}

/// Rows with their teams, the person responsible and whether they still belong to the side.
const SELECT: &str = "SELECT x.id, x.relationship_id, s.key AS supplier_key, c.key AS customer_key, x.activity, x.side, \
     CASE WHEN x.side = 'supplier' THEN s.key ELSE c.key END AS team_key, p.name AS responsible_name, \
     p.email AS responsible_email, \
     CAST(CASE WHEN EXISTS (SELECT 1 FROM team_members tm JOIN people q ON q.id = tm.person_id WHERE tm.person_id = x.responsible_id \
     AND q.active AND tm.team_id = CASE WHEN x.side = 'supplier' THEN r.supplier_id ELSE r.customer_id END) THEN 1 ELSE 0 END AS BIGINT) AS still_member, \
     x.consulted, x.when_text, x.commitment_id, sv.slug AS service_slug, x.agreed_by_supplier, x.agreed_by_customer \
     FROM responsibilities x JOIN relationships r ON r.id = x.relationship_id JOIN teams s ON s.id = r.supplier_id \
     JOIN teams c ON c.id = r.customer_id LEFT JOIN people p ON p.id = x.responsible_id LEFT JOIN services sv ON sv.id = x.service_id";

impl From<Row> for Responsibility {
    fn from(r: Row) -> Self {
        Responsibility {
            id: r.id,
            relationship_id: r.relationship_id,
            supplier_key: r.supplier_key,
            customer_key: r.customer_key,
            activity: r.activity,
            side: Side::parse(&r.side).unwrap_or(Side::Supplier),
            team_key: r.team_key,
            problem: Problem::of(r.responsible_email.is_some(), r.still_member > 0),
            responsible_name: r.responsible_name,
            responsible_email: r.responsible_email,
            consulted: r.consulted,
            when: r.when_text,
            commitment_id: r.commitment_id,
            service_slug: r.service_slug,
            agreed_by_supplier: r.agreed_by_supplier,
            agreed_by_customer: r.agreed_by_customer,
        }
    }
}

pub(crate) fn rows(exec: Exec<'_>, clause: &str, arg: i64) -> Result<Vec<Responsibility>> {
    let rows: Vec<Row> = exec.all(&format!("{SELECT} WHERE {clause} ORDER BY x.id"), args![arg])?;
    Ok(rows.into_iter().map(Responsibility::from).collect())
}

/// The relationship's two teams, and the side the actor speaks for (a lead of it, or an admin).
fn speaking(tx: &mut Tx, actor: &Actor, relationship: i64, preferred: Option<Side>) -> Result<(TeamId, TeamId, Side)> {
    let (s, c) = crate::network::relationship_teams(tx.exec(), relationship)?;
    let side = actor.speaks_for(s, c, preferred).ok_or(Forbidden("change who does what: the two teams' leads only"))?;
    Ok((s, c, side))
}

impl Store {
    /// A relationship's responsibilities table.
    #[tracing::instrument(skip_all)]
    pub async fn responsibilities(&self, relationship: i64) -> Result<Vec<Responsibility>> {
        self.db.read(move |mut tx| rows(tx.exec(), "x.relationship_id = $1", relationship)).await
    }

    /// The rows that need attention on any relationship of a team.
    #[tracing::instrument(skip_all)]
    pub async fn responsibility_problems(&self, team: TeamId) -> Result<Vec<Responsibility>> {
        self.db
            .read(move |mut tx| {
                let all = rows(tx.exec(), "(r.supplier_id = $1 OR r.customer_id = $1)", team.0)?;
                Ok(all.into_iter().filter(|r| r.problem.is_some()).collect())
            })
            .await
    }

    /// Adds a row (when `id` is `None`) or changes one; the side the actor speaks for agrees,
    /// the other is asked again.
    #[tracing::instrument(skip_all)]
    pub async fn save_responsibility(
        &self,
        actor: &Actor,
        relationship: i64,
        id: Option<i64>,
        new: NewResponsibility,
        now: Millis,
    ) -> Result<Responsibility> {
        let actor = actor.to_owned();
        self.db.write(move |mut tx| {
            let actor: &Actor = &actor;
            let checked = new.check()?;
            let (s, c, side) = speaking(&mut tx, actor, relationship, None)?;
            let responsible = match &checked.responsible {
                Some(email) => {
                    let team = if checked.side == Side::Supplier { s } else { c };
                    let id: Option<i64> = tx
                        .exec()
                        .scalar_opt(
                            "SELECT p.id FROM people p JOIN team_members tm ON tm.person_id = p.id WHERE p.email = $1 AND p.active \
                             AND tm.team_id = $2",
                            args![email, team],
                        )?;
                    Some(id.ok_or_else(|| {
                        Invalid::one("responsible", format!("{email} is not a member of the team doing it"))
                    })?)
                }
                None => None,
            };
            let service: Option<i64> = match &checked.service {
                Some(slug) => Some(
                    tx.exec()
                        .scalar_opt("SELECT id FROM services WHERE team_id = $1 AND slug = $2", args![s, slug])?
                        .ok_or_else(|| Invalid::one("service", "the supplier has no service with this name"))?,
                ),
                None => None,
            };
            if let Some(commitment) = checked.commitment {
                let found: Option<i64> = tx
                    .exec()
                    .scalar_opt(
                        "SELECT id FROM commitments WHERE id = $1 AND ((provider_id = $2 AND receiver_id = $3) OR (provider_id = $3 AND receiver_id = $2))",
                        args![commitment, s, c],
                    )?;
                found.ok_or_else(|| Invalid::one("commitment", "no commitment between these two teams has this number"))?;
            }
            let (by_supplier, by_customer) = (side == Side::Supplier, side == Side::Customer);
            let id = match id {
                Some(id) => {
                    let n = tx
                        .exec()
                        .execute(
                            "UPDATE responsibilities SET activity = $1, side = $2, responsible_id = $3, consulted = $4, when_text = $5, \
                             commitment_id = $6, service_id = $7, agreed_by_supplier = $8, agreed_by_customer = $9, updated_at = $10 \
                             WHERE id = $11 AND relationship_id = $12",
                            args![&checked.activity, checked.side.as_str(), responsible, &checked.consulted, &checked.when,
                                checked.commitment, service, by_supplier, by_customer, now.0, id, relationship],
                        )?;
                    if n == 0 {
                        return Err(StoreError::NotFound("responsibility"));
                    }
                    id
                }
                None => tx
                    .exec()
                    .insert_id(
                        "INSERT INTO responsibilities (relationship_id, activity, side, responsible_id, consulted, when_text, commitment_id, \
                         service_id, agreed_by_supplier, agreed_by_customer, created_at, updated_at) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11)",
                        args![relationship, &checked.activity, checked.side.as_str(), responsible, &checked.consulted, &checked.when,
                            checked.commitment, service, by_supplier, by_customer, now.0],
                    )?,
            };
            record_at(
                &mut tx,
                actor.person_id,
                now,
                "relationship",
                relationship,
                "responsibility",
                json!({ "activity": checked.activity, "by": side.as_str() }),
            )?;
            let row = rows(tx.exec(), "x.id = $1", id)?.pop().ok_or(StoreError::NotFound("responsibility"))?;
            Ok(row)
        })
        .await
    }

    /// The other side agrees a row as it stands.
    #[tracing::instrument(skip_all)]
    pub async fn agree_responsibility(
        &self,
        actor: &Actor,
        relationship: i64,
        id: i64,
        now: Millis,
    ) -> Result<Responsibility> {
        let actor = actor.to_owned();
        self.db
            .write(move |mut tx| {
                let actor: &Actor = &actor;
                let current = rows(tx.exec(), "x.id = $1", id)?.pop().filter(|r| r.relationship_id == relationship);
                let current = current.ok_or(StoreError::NotFound("responsibility"))?;
                let (_, _, side) = speaking(&mut tx, actor, relationship, current.waiting_for())?;
                if current.waiting_for() != Some(side) {
                    return Err(Forbidden("agree this row: it waits for the other side's leads").into());
                }
                let column = match side {
                    Side::Supplier => "agreed_by_supplier",
                    Side::Customer => "agreed_by_customer",
                };
                tx.exec().execute(
                    &format!("UPDATE responsibilities SET {column} = TRUE, updated_at = $1 WHERE id = $2"),
                    args![now.0, id],
                )?;
                record_at(
                    &mut tx,
                    actor.person_id,
                    now,
                    "relationship",
                    relationship,
                    "responsibility_agreed",
                    json!({ "activity": current.activity, "by": side.as_str() }),
                )?;
                let row = rows(tx.exec(), "x.id = $1", id)?.pop().ok_or(StoreError::NotFound("responsibility"))?;
                Ok(row)
            })
            .await
    }

    /// Removes a row (either side's leads).
    #[tracing::instrument(skip_all)]
    pub async fn remove_responsibility(&self, actor: &Actor, relationship: i64, id: i64, now: Millis) -> Result<()> {
        let actor = actor.to_owned();
        self.db
            .write(move |mut tx| {
                let actor: &Actor = &actor;
                speaking(&mut tx, actor, relationship, None)?;
                let n = tx.exec().execute(
                    "DELETE FROM responsibilities WHERE id = $1 AND relationship_id = $2",
                    args![id, relationship],
                )?;
                if n == 0 {
                    return Err(StoreError::NotFound("responsibility"));
                }
                record_at(
                    &mut tx,
                    actor.person_id,
                    now,
                    "relationship",
                    relationship,
                    "responsibility_removed",
                    json!({ "id": id }),
                )?;
                Ok(())
            })
            .await
    }
}

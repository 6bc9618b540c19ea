//! Relationships between teams, team goals, and the network of edges (declared and observed in
//! request traffic) with their health.

use std::collections::BTreeMap;

use concentric_core::authz::{Actor, Forbidden};
use concentric_core::commitment::{OccurrenceStatus, Timeliness};
use concentric_core::goal::{BusinessGoal, Goal, GoalStatus, NewGoal, SupportingGoal};
use concentric_core::network::{Edge, NetworkSummary, PartnerLoad, ServiceUse};
use concentric_core::relationship::{Contact, NewRelationship, Relationship, RelationshipStatus, Side};
use concentric_core::time::Millis;
use concentric_core::{FieldError, Invalid, PersonId, TeamId};
use serde_json::json;

use crate::db::{args, Exec, Tx};
use crate::events::record;
use crate::people::id_by_email;
use crate::teams::team_id_by_key;
use crate::{Result, Store, StoreError};

crate::db::row! {
    struct RelationshipRow {
        id: i64,
        supplier_id: i64,
        supplier_key: String,
        supplier_name: String,
        customer_id: i64,
        customer_key: String,
        customer_name: String,
        status: String,
        proposed_by: String,
        needs: String,
        success_measures: String,
        shared_goals: String,
        created_at: i64,
        updated_at: i64,
    }
}

const RELATIONSHIP_SELECT: &str = "SELECT r.id, r.supplier_id, s.key AS supplier_key, s.name AS supplier_name, \
     r.customer_id, c.key AS customer_key, c.name AS customer_name, r.status, r.proposed_by, r.needs, \
     r.success_measures, r.shared_goals, r.created_at, r.updated_at \
     FROM relationships r JOIN teams s ON s.id = r.supplier_id JOIN teams c ON c.id = r.customer_id";

/// Relationships with their contacts, read in one query for all of them.
fn hydrate(exec: Exec<'_>, rows: Vec<RelationshipRow>) -> Result<Vec<Relationship>> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let within = crate::db::in_ids(exec.backend(), "rc.relationship_id", "$1");
    let contacts: Vec<(i64, i64, String, String, String)> = exec.all(
        &format!(
            "SELECT rc.relationship_id, p.id, p.name, p.email, rc.side FROM relationship_contacts rc \
                 JOIN people p ON p.id = rc.person_id WHERE {within} ORDER BY rc.side, p.name"
        ),
        vec![crate::db::id_list(rows.iter().map(|r| r.id))],
    )?;
    rows.into_iter()
        .map(|row| {
            let corrupt = || StoreError::Corrupt(format!("relationship {}", row.id));
            Ok(Relationship {
                id: row.id,
                supplier_id: TeamId(row.supplier_id),
                supplier_key: row.supplier_key,
                supplier_name: row.supplier_name,
                customer_id: TeamId(row.customer_id),
                customer_key: row.customer_key,
                customer_name: row.customer_name,
                status: RelationshipStatus::parse(&row.status).ok_or_else(corrupt)?,
                proposed_by: Side::parse(&row.proposed_by).ok_or_else(corrupt)?,
                needs: serde_json::from_str(&row.needs).map_err(|_| corrupt())?,
                success_measures: row.success_measures,
                shared_goals: row.shared_goals,
                contacts: contacts
                    .iter()
                    .filter(|c| c.0 == row.id)
                    .map(|(_, id, name, email, side)| Contact {
                        person_id: PersonId(*id),
                        name: name.clone(),
                        email: email.clone(),
                        side: Side::parse(side).unwrap_or(Side::Customer),
                    })
                    .collect(),
                created_at: Millis(row.created_at).to_utc(),
                updated_at: Millis(row.updated_at).to_utc(),
            })
        })
        .collect()
}

fn relationship_in(tx: &mut Tx, id: i64) -> Result<Relationship> {
    let row: RelationshipRow = tx
        .exec()
        .optional(&format!("{RELATIONSHIP_SELECT} WHERE r.id = $1"), args![id])?
        .ok_or(StoreError::NotFound("relationship"))?;
    hydrate(tx.exec(), vec![row])?.pop().ok_or(StoreError::NotFound("relationship"))
}

/// Resolves contact emails: each must be a member of the team on its side.
fn contacts(tx: &mut Tx, new: &NewRelationship, supplier: TeamId, customer: TeamId) -> Result<Vec<(PersonId, Side)>> {
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for (side, team, emails, field) in [
        (Side::Supplier, supplier, &new.supplier_contacts, "supplier_contacts"),
        (Side::Customer, customer, &new.customer_contacts, "customer_contacts"),
    ] {
        for email in emails {
            let member: Option<i64> = tx.exec().scalar_opt(
                "SELECT p.id FROM people p JOIN team_members tm ON tm.person_id = p.id \
                     WHERE p.email = $1 AND tm.team_id = $2 AND p.active",
                args![email, team],
            )?;
            match member {
                Some(p) => out.push((PersonId(p), side)),
                None if id_by_email(tx.exec(), email)?.is_some() => {
                    errors.push(FieldError::new(field, format!("{email} is not in the {} team", side.as_str())))
                }
                None => errors.push(FieldError::new(field, format!("nobody in the directory has the email {email}"))),
            }
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(Invalid(errors).into())
    }
}

fn write_contacts(tx: &mut Tx, id: i64, people: &[(PersonId, Side)]) -> Result<()> {
    tx.exec().execute("DELETE FROM relationship_contacts WHERE relationship_id = $1", args![id])?;
    for (person, side) in people {
        tx.exec().execute(
            "INSERT INTO relationship_contacts (relationship_id, person_id, side) VALUES ($1, $2, $3)",
            args![id, *person, side.as_str()],
        )?;
    }
    Ok(())
}

/// The supplier and customer teams of a relationship.
pub(crate) fn relationship_teams(exec: Exec<'_>, relationship: i64) -> Result<(TeamId, TeamId)> {
    let (s, c): (i64, i64) = exec
        .optional("SELECT supplier_id, customer_id FROM relationships WHERE id = $1", args![relationship])?
        .ok_or(StoreError::NotFound("relationship"))?;
    Ok((TeamId(s), TeamId(c)))
}

crate::db::row! {
    struct TrafficRow {
        supplier_key: String,
        supplier_name: String,
        customer_key: String,
        customer_name: String,
        requests: i64,
        met: i64,
        breached: i64,
    }
}

crate::db::row! {
    struct GoalRow {
        id: i64,
        team_id: i64,
        title: String,
        description: String,
        status: String,
        period: String,
        updated_at: i64,
        business_goal_id: Option<i64>,
        business_goal_title: Option<String>,
    }
}

const GOAL_SELECT: &str = "SELECT g.id, g.team_id, g.title, g.description, g.status, g.period, g.updated_at, \
     g.business_goal_id, b.title AS business_goal_title FROM team_goals g LEFT JOIN business_goals b ON b.id = g.business_goal_id";

impl From<GoalRow> for Goal {
    fn from(r: GoalRow) -> Self {
        Goal {
            id: r.id,
            team_id: TeamId(r.team_id),
            title: r.title,
            description: r.description,
            status: GoalStatus::parse(&r.status).unwrap_or(GoalStatus::Planned),
            period: r.period,
            updated_at: Millis(r.updated_at).to_utc(),
            business_goal_id: r.business_goal_id,
            business_goal_title: r.business_goal_title,
        }
    }
}

impl Store {
    /// Proposes a relationship as a lead of either team (or an admin). Proposing one that was
    /// declined proposes it again; an existing proposed or agreed one is a conflict.
    #[tracing::instrument(skip_all)]
    pub async fn propose_relationship(&self, actor: &Actor, new: NewRelationship) -> Result<Relationship> {
        let actor = actor.to_owned();
        self.db.write(move |mut tx| {
            let actor: &Actor = &actor;
            let new = new.check()?;
            let team = |tx: &mut Tx<'_>, key: &str, field: &'static str| {
                team_id_by_key(tx.exec(), key)?
                    .ok_or_else(|| StoreError::from(Invalid::one(field, format!("there is no team with the key {key}"))))
            };
            let supplier = team(&mut tx, &new.supplier, "supplier")?;
            let customer = team(&mut tx, &new.customer, "customer")?;
            let side = actor
                .speaks_for(supplier, customer, None)
                .ok_or(Forbidden("propose a relationship for a team you do not lead"))?;
            let people = contacts(&mut tx, &new, supplier, customer)?;
            let existing: Option<(i64, String)> = tx
                .exec()
                .optional(
                    "SELECT id, status FROM relationships WHERE supplier_id = $1 AND customer_id = $2",
                    args![supplier, customer],
                )?;
            let now = Millis::now().0;
            let needs = serde_json::to_string(&new.needs).unwrap_or_default();
            let id = match existing {
                Some((_, status)) if status != "declined" => {
                    return Err(StoreError::Conflict(FieldError::new(
                        "customer",
                        format!("{} and {} already have a relationship; edit it instead", new.supplier, new.customer),
                    )))
                }
                Some((id, _)) => {
                    tx.exec()
                        .execute(
                            "UPDATE relationships SET status = 'proposed', proposed_by = $1, needs = $2, success_measures = $3, \
                             shared_goals = $4, updated_at = $5 WHERE id = $6",
                            args![side.as_str(), &needs, &new.success_measures, &new.shared_goals, now, id],
                        )?;
                    id
                }
                None => {
                    tx.exec()
                        .insert_id(
                            "INSERT INTO relationships (supplier_id, customer_id, status, proposed_by, needs, success_measures, \
                             shared_goals, created_at, updated_at) VALUES ($1, $2, 'proposed', $3, $4, $5, $6, $7, $7)",
                            args![supplier, customer, side.as_str(), &needs, &new.success_measures, &new.shared_goals, now],
                        )?
                }
            };
            write_contacts(&mut tx, id, &people)?;
            record(&mut tx, actor, "relationship", id, "proposed", json!({ "by": side.as_str(), "needs": new.needs }))?;
            let rel = relationship_in(&mut tx, id)?;
            Ok(rel)
        })
        .await
    }

    #[tracing::instrument(skip_all)]
    pub async fn relationship(&self, id: i64) -> Result<Relationship> {
        self.db.read(move |mut tx| relationship_in(&mut tx, id)).await
    }

    /// Relationships a team is on either side of (all of them with `None`), agreed ones first.
    #[tracing::instrument(skip_all)]
    pub async fn relationships(&self, team: Option<TeamId>) -> Result<Vec<Relationship>> {
        self.db
            .read(move |mut tx| {
                let rows: Vec<RelationshipRow> = tx.exec().all(
                    &format!(
                        "{RELATIONSHIP_SELECT} WHERE ($1 = 0 OR r.supplier_id = $1 OR r.customer_id = $1) \
                         ORDER BY r.status = 'declined', s.key, c.key"
                    ),
                    args![team.map_or(0, |t| t.0)],
                )?;
                hydrate(tx.exec(), rows)
            })
            .await
    }

    /// The other side answers a proposal: confirm (agreed) or decline.
    #[tracing::instrument(skip_all)]
    pub async fn answer_relationship(&self, actor: &Actor, id: i64, confirm: bool) -> Result<Relationship> {
        let actor = actor.to_owned();
        self.db
            .write(move |mut tx| {
                let actor: &Actor = &actor;
                let rel = relationship_in(&mut tx, id)?;
                // Who may answer first, so the state of another team's proposal is not theirs to probe.
                let answering = rel.proposed_by.other();
                if actor.speaks_for(rel.supplier_id, rel.customer_id, Some(answering)) != Some(answering) {
                    return Err(Forbidden("answer this proposal: only the other team's leads can").into());
                }
                if rel.status != RelationshipStatus::Proposed {
                    return Err(StoreError::IllegalTransition(format!(
                        "this relationship is {}, not awaiting an answer",
                        rel.status.label().to_lowercase()
                    )));
                }
                let status = if confirm { RelationshipStatus::Active } else { RelationshipStatus::Declined };
                tx.exec().execute(
                    "UPDATE relationships SET status = $1, updated_at = $2 WHERE id = $3",
                    args![status.as_str(), Millis::now().0, id],
                )?;
                let action = if confirm { "confirmed" } else { "declined" };
                record(&mut tx, actor, "relationship", id, action, json!({ "by": answering.as_str() }))?;
                let rel = relationship_in(&mut tx, id)?;
                Ok(rel)
            })
            .await
    }

    /// Edits what a relationship holds. An edit by the answering side of a proposal is a
    /// counter-proposal (the first side now answers); an agreed relationship stays agreed.
    #[tracing::instrument(skip_all)]
    pub async fn edit_relationship(&self, actor: &Actor, id: i64, new: NewRelationship) -> Result<Relationship> {
        let actor = actor.to_owned();
        self.db.write(move |mut tx| {
            let actor: &Actor = &actor;
            let rel = relationship_in(&mut tx, id)?;
            let new = NewRelationship { supplier: rel.supplier_key.clone(), customer: rel.customer_key.clone(), ..new }
                .check()?;
            let side = actor
                .speaks_for(rel.supplier_id, rel.customer_id, Some(rel.proposed_by.other()))
                .ok_or(Forbidden("edit a relationship of teams you do not lead"))?;
            let people = contacts(&mut tx, &new, rel.supplier_id, rel.customer_id)?;
            let (status, proposed_by) = match rel.status {
                RelationshipStatus::Active => (RelationshipStatus::Active, side),
                _ => (RelationshipStatus::Proposed, side),
            };
            tx.exec()
                .execute(
                    "UPDATE relationships SET status = $1, proposed_by = $2, needs = $3, success_measures = $4, shared_goals = $5, \
                     updated_at = $6 WHERE id = $7",
                    args![status.as_str(), proposed_by.as_str(), serde_json::to_string(&new.needs).unwrap_or_default(),
                        &new.success_measures, &new.shared_goals, Millis::now().0, id],
                )?;
            write_contacts(&mut tx, id, &people)?;
            record(&mut tx, actor, "relationship", id, "edited", json!({ "by": side.as_str(), "needs": new.needs }))?;
            let rel = relationship_in(&mut tx, id)?;
            Ok(rel)
        })
        .await
    }

    /// The organisation's weak spots, from every edge since `since`: for admins and team leads.
    #[tracing::instrument(skip_all)]
    pub async fn network_summary(
        &self,
        actor: &Actor,
        since: Millis,
        now: Millis,
    ) -> Result<(Vec<Edge>, NetworkSummary)> {
        actor.require_organisation_map()?;
        let edges = self.network_edges(since, now).await?;
        let summary = NetworkSummary::of(&edges);
        Ok((edges, summary))
    }

    /// Every edge of the network since `since`: declared relationships, request traffic (the
    /// requester's team asking the providing team) with its target compliance, and commitments
    /// with their on-time record up to `now`.
    #[tracing::instrument(skip_all)]
    pub async fn network_edges(&self, since: Millis, now: Millis) -> Result<Vec<Edge>> {
        let traffic: Vec<TrafficRow> = self.db.read(move |mut tx| Ok(tx.exec().all(
                "SELECT s.key AS supplier_key, s.name AS supplier_name, c.key AS customer_key, c.name AS customer_name, \
                 COUNT(DISTINCT r.id) AS requests, \
                 COALESCE(SUM(CASE WHEN k.stopped_at IS NOT NULL AND k.elapsed_ms <= k.target_ms AND m.request_id IS NULL THEN 1 ELSE 0 END), 0) AS met, \
                 COALESCE(SUM(CASE WHEN m.request_id IS NOT NULL OR (k.stopped_at IS NOT NULL AND k.elapsed_ms > k.target_ms) THEN 1 ELSE 0 END), 0) AS breached \
                 FROM requests r JOIN teams s ON s.id = r.team_id JOIN teams c ON c.id = r.on_behalf_team_id \
                 LEFT JOIN request_clocks k ON k.request_id = r.id \
                 LEFT JOIN clock_marks m ON m.request_id = k.request_id AND m.kind = k.kind AND m.mark = 'breached' \
                 WHERE r.created_at >= $1 AND r.team_id <> r.on_behalf_team_id \
                 GROUP BY s.key, s.name, c.key, c.name",
                args![since.0],
            )?)).await?;
        let mut edges: BTreeMap<(String, String), Edge> = BTreeMap::new();
        for t in traffic {
            let mut edge = Edge::between((&t.supplier_key, &t.supplier_name), (&t.customer_key, &t.customer_name));
            edge.requests = t.requests;
            edge.targets_met = t.met;
            edge.targets_breached = t.breached;
            edges.insert((t.supplier_key, t.customer_key), edge);
        }
        for pair in self.commitment_traffic(since, now).await? {
            let ((pk, pn), (rk, rn)) = (&pair.provider, &pair.receiver);
            let edge = edges.entry((pk.clone(), rk.clone())).or_insert_with(|| Edge::between((pk, pn), (rk, rn)));
            edge.commitments = pair.commitments;
            edge.deliveries_on_time = pair.record.on_time;
            edge.deliveries_late = pair.record.late;
        }
        // Contacts are not needed here, so the relationships are read without them.
        let declared: Vec<RelationshipRow> =
            self.db.read(move |mut tx| Ok(tx.exec().all(RELATIONSHIP_SELECT, args![])?)).await?;
        for rel in declared {
            let edge = edges.entry((rel.supplier_key.clone(), rel.customer_key.clone())).or_insert_with(|| {
                Edge::between((&rel.supplier_key, &rel.supplier_name), (&rel.customer_key, &rel.customer_name))
            });
            edge.relationship_id = Some(rel.id);
            edge.status = RelationshipStatus::parse(&rel.status);
        }
        self.add_health_inputs(&mut edges, since, now).await?;
        edges.values_mut().for_each(Edge::score);
        Ok(edges.into_values().collect())
    }

    /// The supplier's services the customer team filed requests with since `since`, most used
    /// first: (slug, name, requests).
    #[tracing::instrument(skip_all)]
    pub async fn services_used(&self, supplier: TeamId, customer: TeamId, since: Millis) -> Result<Vec<ServiceUse>> {
        self.db.read(move |mut tx| {
            let rows: Vec<(String, String, i64)> = tx.exec()
                .all(
                    "SELECT s.slug, s.name, COUNT(*) AS requests FROM requests r JOIN services s ON s.id = r.service_id \
                     WHERE r.team_id = $1 AND r.on_behalf_team_id = $2 AND r.created_at >= $3 \
                     GROUP BY s.slug, s.name ORDER BY requests DESC, s.name",
                    args![supplier, customer, since.0],
                )?;
            Ok(rows.into_iter().map(|(slug, name, requests)| ServiceUse { slug, name, requests }).collect())
        })
        .await
    }

    /// What a team owes (`owed`: open requests to it, by the team they were filed for, and
    /// occurrences it must deliver) or waits on (open requests it filed, by providing team, and
    /// occurrences due to it): late ones first, then the longest waiting.
    #[tracing::instrument(skip_all)]
    pub async fn partner_load(&self, team: TeamId, owed: bool, now: Millis) -> Result<Vec<PartnerLoad>> {
        let (ours, theirs) =
            if owed { ("r.team_id", "r.on_behalf_team_id") } else { ("r.on_behalf_team_id", "r.team_id") };
        // A request waiting on its requester is the customer's to answer, not the provider's to
        // do: it is counted apart and does not start "waiting since".
        let rows: Vec<(String, String, i64, i64, i64, Option<i64>)> = self
            .db
            .read(move |mut tx| {
                Ok(tx.exec().all(
                    &format!(
                        "SELECT p.key, p.name, \
                     SUM(CASE WHEN r.status <> 'waiting_on_requester' THEN 1 ELSE 0 END) AS open, \
                     SUM(CASE WHEN r.status = 'waiting_on_requester' THEN 1 ELSE 0 END) AS to_answer, \
                     SUM(CASE WHEN r.status <> 'waiting_on_requester' AND EXISTS (SELECT 1 FROM clock_marks m \
                     WHERE m.request_id = r.id AND m.mark = 'breached') THEN 1 ELSE 0 END) AS breached, \
                     MIN(CASE WHEN r.status <> 'waiting_on_requester' THEN r.created_at END) AS oldest \
                     FROM requests r JOIN teams p ON p.id = {theirs} \
                     WHERE {ours} = $1 AND {theirs} <> {ours} \
                     AND r.status IN ('new', 'open', 'in_progress', 'waiting_on_requester', 'waiting_on_others') \
                     GROUP BY p.key, p.name"
                    ),
                    args![team],
                )?)
            })
            .await?;
        let mut partners: BTreeMap<String, PartnerLoad> = rows
            .into_iter()
            .map(|(team_key, team_name, open, to_answer, breached, oldest)| {
                let load = PartnerLoad {
                    team_name,
                    open,
                    to_answer,
                    breached,
                    oldest_at: oldest.map(|t| Millis(t).to_utc()),
                    ..PartnerLoad::new(&team_key)
                };
                (team_key, load)
            })
            .collect();
        for o in self.commitments_due(team, owed, now).await? {
            let (key, name) =
                if owed { (&o.receiver_key, &o.receiver_name) } else { (&o.provider_key, &o.provider_name) };
            let load = partners
                .entry(key.clone())
                .or_insert_with(|| PartnerLoad { team_name: name.clone(), ..PartnerLoad::new(key) });
            // Delivered and waiting for acceptance: the receiver's to do, not a wait on the provider.
            if o.status == OccurrenceStatus::Delivered {
                load.to_accept += 1;
                continue;
            }
            load.commitments_due += 1;
            if o.late_ms > 0 || o.timeliness == Timeliness::Overdue {
                load.commitments_late += 1;
                load.oldest_at = Some(load.oldest_at.map_or(o.due_at, |t| t.min(o.due_at)));
            }
        }
        let filter = if owed {
            crate::reviews::ActionFilter { owed_by: Some(team), open: true, ..Default::default() }
        } else {
            crate::reviews::ActionFilter { awaited_by: Some(team), open: true, ..Default::default() }
        };
        for a in self.db.read(move |mut tx| crate::reviews::actions_in(tx.exec(), filter, now.0)).await? {
            let (key, name) = if owed {
                (&a.waiting_team_key, &a.waiting_team_name)
            } else {
                (&a.owner_team_key, &a.owner_team_name)
            };
            let load = partners
                .entry(key.clone())
                .or_insert_with(|| PartnerLoad { team_name: name.clone(), ..PartnerLoad::new(key) });
            load.actions_open += 1;
            if a.overdue {
                load.actions_overdue += 1;
                load.oldest_at = Some(load.oldest_at.map_or(a.due_at, |t| t.min(a.due_at)));
            }
        }
        let mut list: Vec<PartnerLoad> = partners.into_values().collect();
        list.sort_by(|a, b| {
            (b.breached + b.commitments_late + b.actions_overdue)
                .cmp(&(a.breached + a.commitments_late + a.actions_overdue))
                .then(a.oldest_at.is_none().cmp(&b.oldest_at.is_none()))
                .then(a.oldest_at.cmp(&b.oldest_at))
                .then(a.team_key.cmp(&b.team_key))
        });
        Ok(list)
    }

    /// A team's goals, current ones first.
    #[tracing::instrument(skip_all)]
    pub async fn goals(&self, team: TeamId) -> Result<Vec<Goal>> {
        self.db
            .read(move |mut tx| {
                let rows: Vec<GoalRow> = tx.exec().all(
                    &format!(
                        "{GOAL_SELECT} WHERE g.team_id = $1 ORDER BY g.status IN ('done', 'dropped'), g.period, g.id"
                    ),
                    args![team],
                )?;
                Ok(rows.into_iter().map(Goal::from).collect())
            })
            .await
    }

    /// Adds a goal (`id` `None`) or replaces one, as the team's lead or an admin.
    #[tracing::instrument(skip_all)]
    pub async fn save_goal(&self, actor: &Actor, team: TeamId, id: Option<i64>, new: NewGoal) -> Result<Goal> {
        let actor = actor.to_owned();
        self.db.write(move |mut tx| {
            let actor: &Actor = &actor;
            actor.require_team_manager(team, "change this team's goals")?;
            let new = new.check()?;
            let status = new.status.unwrap_or(GoalStatus::Planned);
            let now = Millis::now().0;
            if let Some(b) = new.business_goal_id {
                let found: Option<i64> =
                    tx.exec().scalar_opt("SELECT id FROM business_goals WHERE id = $1", args![b])?;
                if found.is_none() {
                    return Err(Invalid::one("business_goal_id", "there is no such business goal").into());
                }
            }
            let id = match id {
                Some(id) => {
                    let n = tx
                        .exec()
                        .execute(
                            "UPDATE team_goals SET title = $1, description = $2, status = $3, period = $4, updated_at = $5, \
                             business_goal_id = $8 WHERE id = $6 AND team_id = $7",
                            args![&new.title, &new.description, status.as_str(), &new.period, now, id, team, new.business_goal_id],
                        )?;
                    if n == 0 {
                        return Err(StoreError::NotFound("goal"));
                    }
                    id
                }
                None => {
                    tx.exec()
                        .insert_id(
                            "INSERT INTO team_goals (team_id, title, description, status, period, created_at, updated_at, \
                             business_goal_id) VALUES ($1, $2, $3, $4, $5, $6, $6, $7)",
                            args![
                                team,
                                &new.title,
                                &new.description,
                                status.as_str(),
                                &new.period,
                                now,
                                new.business_goal_id
                            ],
                        )?
                }
            };
            record(&mut tx, actor, "team", team.0, "goal_saved", json!({ "goal": new.title, "status": status.as_str() }))?;
            let row: GoalRow = tx
                .exec()
                .optional(&format!("{GOAL_SELECT} WHERE g.id = $1"), args![id])?
                .ok_or(StoreError::NotFound("goal"))?;
            Ok(row.into())
        })
        .await
    }

    /// The organisation's business goals, current ones first, each with the team goals under it.
    #[tracing::instrument(skip_all)]
    pub async fn business_goals(&self) -> Result<Vec<BusinessGoal>> {
        self.db.read(move |mut tx| {
            let rows: Vec<(i64, String, String, String, String, i64)> = tx.exec()
                .all(
                    "SELECT id, title, description, status, period, updated_at FROM business_goals \
                     ORDER BY status IN ('done', 'dropped'), period, id",
                    args![],
                )?;
            let support: Vec<(i64, String, String, String, String)> = tx.exec()
                .all(
                    "SELECT g.business_goal_id, t.key, t.name, g.title, g.status FROM team_goals g JOIN teams t ON t.id = g.team_id \
                     WHERE g.business_goal_id IS NOT NULL ORDER BY t.key, g.id",
                    args![],
                )?;
            Ok(rows
                .into_iter()
                .map(|(id, title, description, status, period, updated_at)| BusinessGoal {
                    id,
                    title,
                    description,
                    status: GoalStatus::parse(&status).unwrap_or(GoalStatus::Planned),
                    period,
                    updated_at: Millis(updated_at).to_utc(),
                    supported_by: support
                        .iter()
                        .filter(|s| s.0 == id)
                        .map(|(_, key, name, title, status)| SupportingGoal {
                            team_key: key.clone(),
                            team_name: name.clone(),
                            title: title.clone(),
                            status: GoalStatus::parse(status).unwrap_or(GoalStatus::Planned),
                        })
                        .collect(),
                })
                .collect())
        })
        .await
    }

    /// Adds (`id` `None`) or replaces a business goal, as an admin.
    #[tracing::instrument(skip_all)]
    pub async fn save_business_goal(&self, actor: &Actor, id: Option<i64>, new: NewGoal) -> Result<BusinessGoal> {
        actor.require_admin("change the organisation's business goals")?;
        let new = new.check()?;
        let status = new.status.unwrap_or(GoalStatus::Planned);
        let now = Millis::now().0;
        let actor_owned = actor.to_owned();
        let id = self.db.write(move |mut tx| {
            let actor: &Actor = &actor_owned;
            let id = match id {
                Some(id) => {
                    let n = tx
                        .exec()
                        .execute(
                            "UPDATE business_goals SET title = $1, description = $2, status = $3, period = $4, updated_at = $5 \
                             WHERE id = $6",
                            args![&new.title, &new.description, status.as_str(), &new.period, now, id],
                        )?;
                    if n == 0 {
                        return Err(StoreError::NotFound("business goal"));
                    }
                    id
                }
                None => {
                    tx.exec()
                        .insert_id(
                            "INSERT INTO business_goals (title, description, status, period, created_at, updated_at) \
                             VALUES ($1, $2, $3, $4, $5, $5)",
                            args![&new.title, &new.description, status.as_str(), &new.period, now],
                        )?
                }
            };
            record(&mut tx, actor, "business_goal", id, "saved", json!({ "goal": new.title, "status": status.as_str() }))?;
            Ok(id)
        })
        .await?;
        self.business_goals().await?.into_iter().find(|g| g.id == id).ok_or(StoreError::NotFound("business goal"))
    }
}

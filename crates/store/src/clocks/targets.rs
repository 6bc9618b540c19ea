//! Target policies: each service's first-response and resolution targets by priority, versioned
//! so a request keeps the policy it was filed under.

use super::*;

crate::db::row! {
    struct PolicyRow {
        id: i64,
        service_id: i64,
        version: i64,
        targets: String,
        pause_on_others: bool,
        at_risk_percent: i64,
        reassign_to: Option<i64>,
        raise_priority: bool,
        notify_person: Option<i64>,
        created_at: i64,
    }
}

impl TryFrom<PolicyRow> for TargetPolicy {
    type Error = StoreError;

    fn try_from(r: PolicyRow) -> Result<Self> {
        let targets: BTreeMap<String, PriorityTargets> = serde_json::from_str(&r.targets)
            .map_err(|e| StoreError::Corrupt(format!("target policy {}: {e}", r.id)))?;
        Ok(TargetPolicy {
            id: r.id,
            service_id: ServiceId(r.service_id),
            version: r.version,
            targets: targets.into_iter().filter_map(|(p, t)| Some((Priority::parse(&p)?, t))).collect(),
            pause_on_others: r.pause_on_others,
            at_risk_percent: u8::try_from(r.at_risk_percent).unwrap_or(75),
            escalation: EscalationRules {
                reassign_to: r.reassign_to.map(PersonId),
                raise_priority: r.raise_priority,
                notify: r.notify_person.map(PersonId),
            },
            created_at: Millis(r.created_at).to_utc(),
        })
    }
}

const POLICY_SELECT: &str = "SELECT id, service_id, version, targets, pause_on_others, at_risk_percent, reassign_to, \
     raise_priority, notify_person, created_at FROM target_policies";

pub(super) fn policy_where(exec: Exec<'_>, clause: &str, arg: crate::db::Arg) -> Result<Option<TargetPolicy>> {
    let row: Option<PolicyRow> = exec.optional(&format!("{POLICY_SELECT} WHERE {clause}"), vec![arg])?;
    row.map(TargetPolicy::try_from).transpose()
}

/// The policy new requests of a service are opened under.
pub(crate) fn current_policy(exec: Exec<'_>, service: ServiceId) -> Result<Option<TargetPolicy>> {
    policy_where(exec, "id = (SELECT MAX(id) FROM target_policies WHERE service_id = $1)", service.into())
}

impl Store {
    /// The targets new requests of a service are opened under, if it has any.
    #[tracing::instrument(skip_all)]
    pub async fn target_policy(&self, service: ServiceId) -> Result<Option<TargetPolicy>> {
        self.db.read(move |mut tx| current_policy(tx.exec(), service)).await
    }

    /// Saves new targets for a service as a new policy version (its team's leads and admins).
    /// Requests already filed keep the version they were opened under.
    #[tracing::instrument(skip_all)]
    pub async fn set_target_policy(
        &self,
        actor: &Actor,
        service: ServiceId,
        new: &NewTargetPolicy,
    ) -> Result<TargetPolicy> {
        let actor = actor.to_owned();
        let new = new.to_owned();
        self.db.write(move |mut tx| {
            let actor: &Actor = &actor;
            let new: &NewTargetPolicy = &new;
            let team: i64 = tx
                .exec()
                .scalar_opt("SELECT team_id FROM services WHERE id = $1", args![service])?
                .ok_or(StoreError::NotFound("service"))?;
            actor.require_team_manager(TeamId(team), "change this service's targets")?;
            // Every problem at once: durations and shares from `check`, people from the directory.
            let checked = new.check();
            let mut errors = checked.as_ref().err().map(|e| e.0.clone()).unwrap_or_default();
            let reassign = person_field(tx.exec(), "reassign_to", new.reassign_to.as_deref(), &mut errors)?;
            let notify_person = person_field(tx.exec(), "notify", new.notify.as_deref(), &mut errors)?;
            if let Some(r) = reassign {
                let member: i64 = tx
                    .exec()
                    .scalar("SELECT COUNT(*) FROM team_members WHERE team_id = $1 AND person_id = $2", args![team, r])?;
                if member == 0 {
                    errors.push(FieldError::new("reassign_to", "escalations can only reassign to a member of the team"));
                }
            }
            let checked = match checked {
                Ok(c) if errors.is_empty() => c,
                _ => return Err(Invalid(errors).into()),
            };
            let targets: BTreeMap<String, PriorityTargets> =
                checked.targets.iter().map(|(p, t)| (p.to_string(), *t)).collect();
            let version: i64 = tx
                .exec()
                .scalar("SELECT COALESCE(MAX(version), 0) + 1 FROM target_policies WHERE service_id = $1", args![service])?;
            let id: i64 = tx
                .exec()
                .insert_id(
                    "INSERT INTO target_policies (service_id, version, targets, pause_on_others, at_risk_percent, reassign_to, \
                     raise_priority, notify_person, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
                    args![service, version, serde_json::to_string(&targets).unwrap_or_default(), checked.pause_on_others,
                        i64::from(checked.at_risk_percent), reassign, checked.raise_priority, notify_person, actor.person_id,
                        Millis::now().0],
                )?;
            record(&mut tx, actor, "service", service.0, "targets_changed", json!({ "version": version }))?;
            let policy =
                policy_where(tx.exec(), "id = $1", id.into())?.ok_or(StoreError::NotFound("target policy"))?;
            Ok(policy)
        })
        .await
    }
}

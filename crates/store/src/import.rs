//! Bulk import of people and teams. Everything happens in one transaction: rows are checked
//! against the file and the database first, and any bad row means nothing is written.

use std::collections::{HashMap, HashSet};

use concentric_core::authz::Actor;
use concentric_core::import::{order_teams, ImportReport, Parsed, PersonRow, RowError, TeamRow};
use concentric_core::PersonId;
use serde_json::json;

use crate::db::{args, Tx};
use crate::events::record;
use crate::people::{check_manager_loop, id_by_email, insert_person, person_by_id, person_diff, update_person_row};
use crate::teams::{insert_team, team_diff, team_id_by_key, update_team_row, upsert_membership};
use crate::{Result, Store, StoreError};

/// Turns a store error on one row into that row's import error.
fn row_error(line: u64, e: StoreError) -> Result<Vec<RowError>> {
    match e {
        StoreError::Invalid(inv) => {
            Ok(inv.0.into_iter().map(|f| RowError::new(line, format!("{}: {}", f.field, f.message))).collect())
        }
        StoreError::Conflict(f) => Ok(vec![RowError::new(line, format!("{}: {}", f.field, f.message))]),
        other => Err(other),
    }
}

fn fail_if_any(errors: Vec<RowError>) -> Result<()> {
    if errors.is_empty() {
        Ok(())
    } else {
        let mut errors = errors;
        errors.sort_by_key(|e| e.line);
        Err(StoreError::Import(errors))
    }
}

pub(crate) fn import_teams_in(tx: &mut Tx, actor: &Actor, file: Parsed<TeamRow>) -> Result<ImportReport> {
    let mut errors = file.errors;
    let rows = match order_teams(file.rows) {
        Ok(rows) => rows,
        Err(loops) => {
            errors.extend(loops);
            return fail_if_any(errors).map(|()| ImportReport::default());
        }
    };
    let in_file: HashSet<&str> = rows.iter().map(|r| r.team.key.as_str()).collect();
    for r in &rows {
        if let Some(parent) = &r.team.parent_key {
            if !in_file.contains(parent.as_str()) && team_id_by_key(tx.exec(), parent)?.is_none() {
                errors.push(RowError::new(r.line, format!("parent_key: there is no team with the key {parent}")));
            }
        }
    }
    fail_if_any(errors)?;
    let mut report = ImportReport::default();
    let mut errors = Vec::new();
    for r in &rows {
        let result = match team_id_by_key(tx.exec(), &r.team.key)? {
            Some(id) => {
                let current = crate::Store::team_in(tx, id)?;
                let changes = team_diff(&current, &r.team);
                if changes.as_object().is_some_and(|c| c.is_empty()) {
                    report.unchanged += 1;
                    Ok(())
                } else {
                    report.updated += 1;
                    match update_team_row(tx, id, &r.team) {
                        Ok(()) => record(tx, actor, "team", id.0, "updated", changes).map(drop),
                        Err(e) => Err(e),
                    }
                }
            }
            None => {
                report.created += 1;
                match insert_team(tx, &r.team) {
                    Ok(id) => record(tx, actor, "team", id.0, "created", json!({ "key": r.team.key, "import": true }))
                        .map(drop),
                    Err(e) => Err(e),
                }
            }
        };
        if let Err(e) = result {
            errors.extend(row_error(r.line, e)?);
        }
    }
    fail_if_any(errors)?;
    Ok(report)
}

pub(crate) fn import_people_in(tx: &mut Tx, actor: &Actor, file: Parsed<PersonRow>) -> Result<ImportReport> {
    // First every reference is checked, so the report lists all bad rows at once, with the
    // problems the file itself had.
    let (rows, mut errors) = (file.rows, file.errors);
    let in_file: HashSet<&str> = rows.iter().map(|r| r.person.email.as_str()).collect();
    let mut team_ids = HashMap::new();
    for r in &rows {
        if let Some(m) = &r.person.manager_email {
            if !in_file.contains(m.as_str()) && id_by_email(tx.exec(), m)?.is_none() {
                errors.push(RowError::new(
                    r.line,
                    format!("manager_email: nobody in the file or the directory has the email {m}"),
                ));
            }
        }
        for (key, _) in &r.teams {
            if !team_ids.contains_key(key) {
                match team_id_by_key(tx.exec(), key)? {
                    Some(id) => {
                        team_ids.insert(key.clone(), id);
                    }
                    None => errors.push(RowError::new(r.line, format!("teams: there is no team with the key {key}"))),
                }
            }
        }
    }
    fail_if_any(errors)?;

    // Then people are written without managers, since a manager may come later in the file.
    let mut report = ImportReport::default();
    let mut ids: HashMap<&str, PersonId> = HashMap::new();
    for r in &rows {
        let id = match id_by_email(tx.exec(), &r.person.email)? {
            Some(id) => {
                let current = person_by_id(tx.exec(), id)?;
                // Import grants admin but never takes it away: that stays a deliberate act in the UI.
                let next = concentric_core::person::NewPerson {
                    is_admin: current.is_admin || r.person.is_admin,
                    ..r.person.clone()
                };
                let changes = person_diff(&current, &next);
                if changes.as_object().is_some_and(|c| c.is_empty()) {
                    report.unchanged += 1;
                } else {
                    report.updated += 1;
                    update_person_row(tx, id, &next, current.manager_id)?;
                    record(tx, actor, "person", id.0, "updated", changes)?;
                }
                id
            }
            None => {
                report.created += 1;
                let id = insert_person(tx, &r.person, None)?;
                report.created_people.push(id);
                record(tx, actor, "person", id.0, "created", json!({ "email": r.person.email, "import": true }))?;
                id
            }
        };
        ids.insert(r.person.email.as_str(), id);
    }

    // Managers last, each checked for loops against everything written so far.
    let mut errors = Vec::new();
    for r in &rows {
        let id = ids[r.person.email.as_str()];
        let manager = match &r.person.manager_email {
            Some(m) => match ids.get(m.as_str()) {
                Some(&id) => Some(id),
                None => id_by_email(tx.exec(), m)?,
            },
            None => None,
        };
        if let Err(e) = check_manager_loop(tx, id, manager) {
            errors.extend(row_error(r.line, e)?);
            continue;
        }
        tx.exec().execute("UPDATE people SET manager_id = $1 WHERE id = $2", args![manager, id])?;
        if !r.teams.is_empty() {
            let keep: Vec<i64> = r.teams.iter().map(|(k, _)| team_ids[k].0).collect();
            let current: Vec<i64> =
                tx.exec().scalars("SELECT team_id FROM team_members WHERE person_id = $1", args![id])?;
            for team in current.into_iter().filter(|t| !keep.contains(t)) {
                tx.exec().execute("DELETE FROM team_members WHERE team_id = $1 AND person_id = $2", args![team, id])?;
            }
            for (key, role) in &r.teams {
                upsert_membership(tx, team_ids[key], id, *role)?;
            }
        }
    }
    fail_if_any(errors)?;
    Ok(report)
}

impl Store {
    /// Imports teams (creating or updating by key). Admins only; all or nothing.
    #[tracing::instrument(skip_all, fields(rows = file.rows.len()))]
    pub async fn import_teams(&self, actor: &Actor, file: Parsed<TeamRow>) -> Result<ImportReport> {
        let actor = actor.to_owned();
        self.db
            .write(move |mut tx| {
                let actor: &Actor = &actor;
                actor.require_admin("import teams")?;
                let report = import_teams_in(&mut tx, actor, file)?;
                record(&mut tx, actor, "import", 0, "teams", serde_json::to_value(&report).unwrap_or_default())?;
                Ok(report)
            })
            .await
    }

    /// Imports people (creating or updating by email). Admins only; all or nothing.
    #[tracing::instrument(skip_all, fields(rows = file.rows.len()))]
    pub async fn import_people(&self, actor: &Actor, file: Parsed<PersonRow>) -> Result<ImportReport> {
        let actor = actor.to_owned();
        self.db
            .write(move |mut tx| {
                let actor: &Actor = &actor;
                actor.require_admin("import people")?;
                let report = import_people_in(&mut tx, actor, file)?;
                record(&mut tx, actor, "import", 0, "people", serde_json::to_value(&report).unwrap_or_default())?;
                Ok(report)
            })
            .await
    }
}

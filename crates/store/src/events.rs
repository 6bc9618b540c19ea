//! The append-only activity record: who changed what, when. Written in the same transaction as
//! the change it describes, so the record and the data never disagree.

use concentric_core::audit::{self, AuditQuery};
use concentric_core::authz::{Actor, Forbidden};
use concentric_core::event::Event;
use concentric_core::page::{Page, PageRequest};
use concentric_core::time::Millis;
use concentric_core::PersonId;

use crate::db::{args, like_pattern, Arg, Tx};
use crate::{Result, Store};

crate::db::row! {
    struct EventRow {
        id: i64,
        at: i64,
        actor_id: Option<i64>,
        actor_name: Option<String>,
        entity: String,
        entity_id: i64,
        action: String,
        detail: String,
        address: Option<String>,
        subject: Option<String>,
    }
}

impl From<EventRow> for Event {
    fn from(r: EventRow) -> Self {
        Event {
            id: r.id,
            at: Millis(r.at).to_utc(),
            actor_id: r.actor_id.map(PersonId),
            actor_name: r.actor_name,
            entity: r.entity,
            entity_id: r.entity_id,
            action: r.action,
            detail: serde_json::from_str(&r.detail).unwrap_or(serde_json::Value::Null),
            address: r.address,
            subject: r.subject,
        }
    }
}

/// Appends an event inside the caller's transaction; returns its id.
pub(crate) fn record(
    tx: &mut Tx,
    actor: &Actor,
    entity: &str,
    entity_id: i64,
    action: &str,
    detail: serde_json::Value,
) -> Result<i64> {
    let id = tx.exec().insert_id(
        "INSERT INTO events (at, actor_id, entity, entity_id, action, detail, address, audit) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        args![
            Millis::now().0,
            actor.person_id,
            entity,
            entity_id,
            action,
            detail.to_string(),
            actor.address.as_deref(),
            audit::is_audited(entity, action)
        ],
    )?;
    Ok(id)
}

/// [`record`] for a change that happened at `at` (generated or restored history), by `person`.
pub(crate) fn record_at(
    tx: &mut Tx,
    person: Option<PersonId>,
    at: Millis,
    entity: &str,
    entity_id: i64,
    action: &str,
    detail: serde_json::Value,
) -> Result<i64> {
    let id = tx.exec().insert_id(
        "INSERT INTO events (at, actor_id, entity, entity_id, action, detail, audit) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
        args![at.0, person, entity, entity_id, action, detail.to_string(), audit::is_audited(entity, action)],
    )?;
    Ok(id)
}

/// The audit log's filter over events `e` (with `p`, the actor), as SQL and its arguments from `$1`.
fn audit_filter(q: &AuditQuery) -> (String, Vec<Arg>) {
    let mut sql = String::from("e.audit");
    let mut params: Vec<Arg> = Vec::new();
    let mut add = |cond: &str, value: Arg| {
        params.push(value);
        sql.push_str(&format!(" AND {}", cond.replace('?', &format!("${}", params.len()))));
    };
    if let Some(actor) = q.actor {
        add("e.actor_id = ?", actor.into());
    }
    if let Some(entity) = &q.entity {
        add("e.entity = ?", entity.into());
    }
    if let Some(action) = &q.action {
        add("e.action = ?", action.into());
    }
    if let Some(since) = q.since {
        add("e.at >= ?", since.0.into());
    }
    if let Some(until) = q.until {
        add("e.at < ?", until.0.into());
    }
    if let Some(text) = &q.text {
        add(
            "(lower(e.detail) LIKE ? ESCAPE '\\' OR lower(COALESCE(e.address, '')) LIKE ? ESCAPE '\\' \
             OR lower(COALESCE(p.name, '')) LIKE ? ESCAPE '\\')",
            like_pattern(text).into(),
        );
    }
    (sql, params)
}

/// Builds `{"field": [old, new]}` for the fields that differ.
pub(crate) fn diff(pairs: &[(&str, serde_json::Value, serde_json::Value)]) -> serde_json::Value {
    let changed = pairs
        .iter()
        .filter(|(_, old, new)| old != new)
        .map(|(field, old, new)| ((*field).to_owned(), serde_json::json!([old, new])))
        .collect();
    serde_json::Value::Object(changed)
}

impl Store {
    /// The history of one thing, newest first.
    #[tracing::instrument(skip_all)]
    pub async fn events_for(&self, entity: &str, entity_id: i64, page: PageRequest) -> Result<Page<Event>> {
        let entity = entity.to_owned();
        self.db
            .read(move |mut tx| {
                let entity: &str = &entity;
                let total: i64 = tx.exec().scalar(
                    "SELECT COUNT(*) FROM events WHERE entity = $1 AND entity_id = $2",
                    args![entity, entity_id],
                )?;
                let rows: Vec<EventRow> = tx.exec().all(
                    "SELECT e.id, e.at, e.actor_id, p.name AS actor_name, e.entity, e.entity_id, e.action, e.detail, \
                     e.address, NULL AS subject FROM events e LEFT JOIN people p ON p.id = e.actor_id \
                     WHERE e.entity = $1 AND e.entity_id = $2 ORDER BY e.at DESC, e.id DESC LIMIT $3 OFFSET $4",
                    args![entity, entity_id, page.limit(), page.offset()],
                )?;
                let items = rows.into_iter().map(Event::from).collect();
                Ok(Page::new(items, u64::try_from(total).unwrap_or(0), page))
            })
            .await
    }

    /// The audit log, newest first: admins only.
    #[tracing::instrument(skip_all)]
    pub async fn audit(&self, actor: &Actor, query: &AuditQuery, page: PageRequest) -> Result<Page<Event>> {
        if !actor.is_admin {
            return Err(Forbidden("read the audit log").into());
        }
        let (filter, params) = audit_filter(query);
        self.db
            .read(move |mut tx| {
                let from = "FROM events e LEFT JOIN people p ON p.id = e.actor_id";
                let total: i64 = tx.exec().scalar(&format!("SELECT COUNT(*) {from} WHERE {filter}"), params.clone())?;
                let n = params.len();
                let mut args = params;
                args.extend(args![page.limit(), page.offset()]);
                // The thing's name, where it has one, so the log says which person or token.
                let rows: Vec<EventRow> = tx.exec().all(
                    &format!(
                        "SELECT e.id, e.at, e.actor_id, p.name AS actor_name, e.entity, e.entity_id, e.action, e.detail, \
                         e.address, CASE e.entity \
                           WHEN 'person' THEN (SELECT s.name FROM people s WHERE s.id = e.entity_id) \
                           WHEN 'session' THEN (SELECT s.name FROM people s WHERE s.id = e.entity_id) \
                           WHEN 'team' THEN (SELECT t.name FROM teams t WHERE t.id = e.entity_id) \
                           WHEN 'calendar' THEN (SELECT t.name FROM teams t WHERE t.id = e.entity_id) \
                           WHEN 'token' THEN (SELECT k.name FROM api_tokens k WHERE k.id = e.entity_id) \
                           WHEN 'webhook' THEN (SELECT w.url FROM webhooks w WHERE w.id = e.entity_id) \
                           ELSE NULL END AS subject \
                         {from} WHERE {filter} ORDER BY e.at DESC, e.id DESC LIMIT ${} OFFSET ${}",
                        n + 1,
                        n + 2
                    ),
                    args,
                )?;
                let items = rows.into_iter().map(Event::from).collect();
                Ok(Page::new(items, u64::try_from(total).unwrap_or(0), page))
            })
            .await
    }

    /// Records something the audit log must show that changes no data: a sign-in, an export.
    #[tracing::instrument(skip_all)]
    pub async fn record_audit(
        &self,
        actor: &Actor,
        entity: &'static str,
        entity_id: i64,
        action: &'static str,
        detail: serde_json::Value,
    ) -> Result<()> {
        let actor = actor.clone();
        self.db
            .write(move |mut tx| {
                record(&mut tx, &actor, entity, entity_id, action, detail)?;
                Ok(())
            })
            .await
    }

    /// Deletes audit history older than `before`; the rest of the activity record is kept.
    #[tracing::instrument(skip_all)]
    pub async fn prune_audit(&self, before: Millis) -> Result<u64> {
        self.db
            .write(move |mut tx| {
                Ok(tx.exec().execute("DELETE FROM events WHERE audit AND at < $1", args![before.0])?)
            })
            .await
    }
}

#[cfg(test)]
mod tests {
    use concentric_core::authz::Actor;
    use concentric_core::time::Millis;
    use serde_json::json;

    use crate::db::args;
    use crate::scratch::testing::{migrated, on_postgres};

    /// What was written stays as written: the database itself refuses to edit an event, while
    /// retention can still delete old audit entries.
    async fn events_cannot_be_edited(like: &str) {
        let (scratch, store) = migrated(like).await;
        let someone = Actor::system().from_address("192.0.2.7".into());
        store.record_audit(&someone, "settings", 0, "feedback", json!({"scale": [5, 4]})).await.expect("record");
        let edit = store
            .db
            .write(|mut tx| Ok(tx.exec().execute("UPDATE events SET action = 'nothing happened'", args![])?))
            .await;
        let message = edit.expect_err("the edit is refused").to_string();
        assert!(message.contains("append-only"), "{message}");
        let kept = store.audit(&Actor::system(), &Default::default(), Default::default()).await.expect("read");
        assert_eq!((kept.items[0].action.as_str(), kept.items[0].address.as_deref()), ("feedback", Some("192.0.2.7")));
        assert_eq!(store.prune_audit(Millis(i64::MAX)).await.expect("prune"), 1);
        store.close().await;
        scratch.remove().await.expect("remove");
    }

    #[tokio::test]
    async fn append_only_on_sqlite() {
        events_cannot_be_edited("sqlite:").await;
    }

    #[tokio::test]
    async fn append_only_on_postgres() {
        on_postgres(|url| async move { events_cannot_be_edited(&url).await }).await;
    }
}

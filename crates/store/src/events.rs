//! The append-only activity record: who changed what, when. Written in the same transaction as
//! the change it describes, so the record and the data never disagree.

use concentric_core::authz::Actor;
use concentric_core::event::Event;
use concentric_core::page::{Page, PageRequest};
use concentric_core::time::Millis;
use concentric_core::PersonId;

use crate::db::{args, Tx};
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
    record_at(tx, actor.person_id, Millis::now(), entity, entity_id, action, detail)
}

/// [`record`] for a change that happened at `at` (restored history), by `person`.
pub(crate) fn record_at(
    tx: &mut Tx,
    person: Option<PersonId>,
    at: Millis,
    entity: &str,
    entity_id: i64,
    action: &str,
    detail: serde_json::Value,
) -> Result<i64> {
    let id = tx
        .exec()
        .scalar(
            "INSERT INTO events (at, actor_id, entity, entity_id, action, detail) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
            args![at.0, person, entity, entity_id, action, detail.to_string()],
        )?;
    Ok(id)
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
                    "SELECT e.id, e.at, e.actor_id, p.name AS actor_name, e.entity, e.entity_id, e.action, e.detail \
                     FROM events e LEFT JOIN people p ON p.id = e.actor_id \
                     WHERE e.entity = $1 AND e.entity_id = $2 ORDER BY e.at DESC, e.id DESC LIMIT $3 OFFSET $4",
                    args![entity, entity_id, page.limit(), page.offset()],
                )?;
                let items = rows
                    .into_iter()
                    .map(|r| Event {
                        id: r.id,
                        at: Millis(r.at).to_utc(),
                        actor_id: r.actor_id.map(PersonId),
                        actor_name: r.actor_name,
                        entity: r.entity,
                        entity_id: r.entity_id,
                        action: r.action,
                        detail: serde_json::from_str(&r.detail).unwrap_or(serde_json::Value::Null),
                    })
                    .collect();
                Ok(Page::new(items, u64::try_from(total).unwrap_or(0), page))
            })
            .await
    }
}

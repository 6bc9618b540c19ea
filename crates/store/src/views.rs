//! Saved views and bulk changes to requests.

use concentric_core::authz::{Actor, Forbidden};
use concentric_core::request::{Priority, Status};
use concentric_core::time::Millis;
use concentric_core::view::{NewSavedView, SavedView};
use concentric_core::{FieldError, PersonId};

use crate::db::args;
use crate::{is_unique_violation, Result, Store, StoreError};

crate::db::row! {
    struct ViewRow {
        id: i64,
        name: String,
        query: String,
        created_at: i64,
    }
}

/// One change applied to many requests.
#[derive(Debug, Clone, Copy)]
pub enum BulkChange {
    Status(Status),
    Assign(Option<PersonId>),
    Priority(Priority),
}

/// What a bulk change did: the keys changed, and why the others were not.
#[derive(Debug, Clone, Default)]
pub struct BulkOutcome {
    pub changed: Vec<String>,
    pub refused: Vec<(String, String)>,
}

impl Store {
    #[tracing::instrument(skip_all)]
    pub async fn saved_views(&self, actor: &Actor) -> Result<Vec<SavedView>> {
        let actor = actor.to_owned();
        self.db
            .read(move |mut tx| {
                let actor: &Actor = &actor;
                let rows: Vec<ViewRow> = tx.exec().all(
                    "SELECT id, name, query, created_at FROM saved_views WHERE person_id = $1 ORDER BY name",
                    args![actor.person_id],
                )?;
                Ok(rows
                    .into_iter()
                    .map(|r| SavedView {
                        id: r.id,
                        name: r.name,
                        path: r.query,
                        created_at: Millis(r.created_at).to_utc(),
                    })
                    .collect())
            })
            .await
    }

    #[tracing::instrument(skip_all)]
    pub async fn save_view(&self, actor: &Actor, new: NewSavedView) -> Result<SavedView> {
        let actor = actor.to_owned();
        self.db
            .write(move |mut tx| {
                let actor: &Actor = &actor;
                let Some(me) = actor.person_id else { return Err(Forbidden("save views without a person").into()) };
                let new = new.validate()?;
                let now = Millis::now().0;
                let id: i64 = tx
                    .exec()
                    .insert_id(
                        "INSERT INTO saved_views (person_id, name, query, created_at) VALUES ($1, $2, $3, $4)",
                        args![me, &new.name, &new.path, now],
                    )
                    .map_err(|e| {
                        if is_unique_violation(&e) {
                            StoreError::Conflict(FieldError::new(
                                "name",
                                format!("you already have a view called {}", new.name),
                            ))
                        } else {
                            e.into()
                        }
                    })?;
                Ok(SavedView { id, name: new.name, path: new.path, created_at: Millis(now).to_utc() })
            })
            .await
    }

    /// Deletes one of the actor's own views.
    #[tracing::instrument(skip_all)]
    pub async fn delete_view(&self, actor: &Actor, id: i64) -> Result<()> {
        let actor = actor.to_owned();
        self.db
            .write(move |mut tx| {
                let actor: &Actor = &actor;
                let n = tx
                    .exec()
                    .execute("DELETE FROM saved_views WHERE id = $1 AND person_id = $2", args![id, actor.person_id])?;
                if n == 0 {
                    return Err(StoreError::NotFound("view"));
                }
                Ok(())
            })
            .await
    }

    /// Applies one change to each request, each on its own: a refusal for one (not allowed, an
    /// illegal transition) is reported and does not stop the others.
    #[tracing::instrument(skip_all)]
    pub async fn bulk_change(&self, actor: &Actor, keys: &[String], change: BulkChange) -> Result<BulkOutcome> {
        let mut outcome = BulkOutcome::default();
        for key in keys {
            let result = match change {
                BulkChange::Status(to) => self.change_status(actor, key, to).await.map(drop),
                BulkChange::Assign(who) => self.assign(actor, key, who).await.map(drop),
                BulkChange::Priority(p) => self.set_priority(actor, key, p).await.map(drop),
            };
            match result {
                Ok(()) => outcome.changed.push(key.clone()),
                Err(StoreError::Database(e)) => return Err(StoreError::Database(e)),
                Err(e) => outcome.refused.push((key.clone(), refusal_text(&e))),
            }
        }
        Ok(outcome)
    }
}

/// A user-facing reason for a refused change.
fn refusal_text(e: &StoreError) -> String {
    match e {
        StoreError::Invalid(inv) => inv.0.first().map_or_else(String::new, |f| f.message.clone()),
        other => other.to_string(),
    }
}

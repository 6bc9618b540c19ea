//! Bulk generation of requests for `concentric bench`, in multi-row inserts. Not a user path:
//! it writes requests, comments and search rows directly, as a restore would.

use std::collections::HashMap;

use concentric_core::request::Status;
use concentric_core::synthetic::Synth;
use concentric_core::time::Millis;
use concentric_core::{PersonId, ServiceId, TeamId};

use crate::db::{args, Arg, Tx};
use crate::{Result, Store, StoreError};

/// Rows per generation round (one transaction).
const ROUND: usize = 2000;
/// Parameters per statement, under SQLite's 32,766 and PostgreSQL's 65,535.
const MAX_PARAMS: usize = 30_000;

crate::db::row! {
    struct ServiceRef {
        id: i64,
        team_id: i64,
        key: String,
        form_version: i64,
    }
}

crate::db::row! {
    struct Inserted {
        id: i64,
        key: String,
    }
}

/// `head` is `INSERT INTO t (a, b, c)`; `args` holds rows of `width` values each.
fn insert_rows(tx: &mut Tx, head: &str, args: Vec<Arg>, width: usize, returning: &str) -> Result<Vec<Inserted>> {
    let mut out = Vec::new();
    for chunk in args.chunks((MAX_PARAMS / width) * width) {
        let rows = chunk.len() / width;
        let sql = format!("{head} VALUES {}{returning}", crate::db::value_rows(rows, width));
        if returning.is_empty() {
            tx.exec().execute(&sql, chunk.to_vec())?;
        } else {
            out.extend(tx.exec().all::<Inserted>(&sql, chunk.to_vec())?);
        }
    }
    Ok(out)
}

impl Store {
    /// Adds `count` synthetic requests (with comments and search rows) over the existing services
    /// and people, deterministically from `seed`.
    #[tracing::instrument(skip_all, fields(count))]
    pub async fn generate_requests(&self, count: usize, seed: u64) -> Result<usize> {
        let (services, people, numbers) = self
            .db
            .read(|mut tx| {
                let services: Vec<ServiceRef> = tx.exec().all(
                    "SELECT s.id, s.team_id, t.key, s.form_version FROM services s JOIN teams t ON t.id = s.team_id \
                     ORDER BY s.id",
                    args![],
                )?;
                let people: Vec<i64> = tx.exec().scalars("SELECT id FROM people WHERE active ORDER BY id", args![])?;
                let counters: Vec<(i64, i64)> =
                    tx.exec().all("SELECT team_id, last_number FROM request_counters", args![])?;
                Ok((services, people, counters.into_iter().collect::<HashMap<i64, i64>>()))
            })
            .await?;
        if services.is_empty() || people.is_empty() {
            return Err(StoreError::NotFound("services and people to generate requests for"));
        }
        let mut round = Round {
            synth: Synth::new(seed, services.len(), people.len(), count),
            services: std::sync::Arc::new(services),
            people: std::sync::Arc::new(people),
            numbers,
            now: Millis::now().0,
        };
        let mut written = 0;
        // One unit of work per round: the write-ahead log is checkpointed as it goes.
        while written < count {
            let n = ROUND.min(count - written);
            round = self.db.write(move |mut tx| round.write(&mut tx, n).map(|()| round)).await?;
            written += n;
        }
        crate::search::optimize(&self.db).await?;
        self.db.settle_loaded(&["requests", "comments", "request_search", "request_counters"]).await?;
        Ok(written)
    }
}

/// What generation carries from one round to the next.
struct Round {
    synth: Synth,
    services: std::sync::Arc<Vec<ServiceRef>>,
    people: std::sync::Arc<Vec<i64>>,
    numbers: HashMap<i64, i64>,
    now: i64,
}

impl Round {
    /// Writes `n` requests with their comments and search rows.
    fn write(&mut self, tx: &mut Tx<'_>, n: usize) -> Result<()> {
        let (services, people, now) = (self.services.clone(), self.people.clone(), self.now);
        let generated: Vec<_> = (0..n).map(|_| self.synth.next_request()).collect();
        let mut rows = Vec::with_capacity(generated.len() * 14);
        let mut by_key = HashMap::with_capacity(generated.len());
        for r in &generated {
            let s = &services[r.service];
            let number = self.numbers.entry(s.team_id).or_insert(0);
            *number += 1;
            let key = format!("{}-{}", s.key, number);
            let created = now - r.age_ms;
            let resolved = matches!(r.status, Status::Resolved | Status::Closed).then_some(created + 3_600_000);
            let closed = (r.status == Status::Closed).then_some(created + 7_200_000);
            rows.extend(args![
                &key,
                TeamId(s.team_id),
                *number,
                ServiceId(s.id),
                PersonId(people[r.requester]),
                &r.subject,
                &r.description,
                r.priority.as_i64(),
                r.status.as_str(),
                created,
                resolved,
                closed,
                created,
                s.form_version
            ]);
            by_key.insert(key, r);
        }
        let inserted = insert_rows(
            tx,
            "INSERT INTO requests (key, team_id, number, service_id, requester_id, subject, description, priority, \
             status, created_at, resolved_at, closed_at, updated_at, form_version)",
            rows,
            14,
            " RETURNING id, key",
        )?;
        // RETURNING order is not guaranteed, so rows are matched back by key.
        let (mut search, mut comments) = (Vec::new(), Vec::new());
        for Inserted { id, key } in inserted {
            let Some(r) = by_key.get(&key) else { continue };
            search.push((format!("{key} {}\n{}", r.subject, r.description), id, "request"));
            for (kind, body) in &r.comments {
                search.push((body.clone(), id, kind.as_str()));
                comments.extend(args![id, PersonId(people[r.requester]), kind.as_str(), body, now - r.age_ms + 60_000]);
            }
        }
        crate::search::index_many(tx, &search)?;
        insert_rows(tx, "INSERT INTO comments (request_id, author_id, kind, body, created_at)", comments, 5, "")?;
        for (team, last) in &self.numbers {
            tx.exec().execute(
                "INSERT INTO request_counters (team_id, last_number) VALUES ($1, $2) \
                 ON CONFLICT (team_id) DO UPDATE SET last_number = excluded.last_number",
                args![TeamId(*team), *last],
            )?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use crate::scratch::testing::{on_postgres, planner_rows, with_requests};

    /// PostgreSQL generation analyses the tables it loaded and leaves the rest unanalysed: the
    /// notices table analysed while empty made every foreign-key check on the open connections
    /// scan it whole, which halved the bench's creates.
    #[tokio::test]
    async fn generation_analyses_only_what_it_loaded_on_postgres() {
        on_postgres(|url| async move {
            let (scratch, store) = with_requests(&url, 20).await;
            for (table, analysed) in [("requests", true), ("request_search", true), ("notices", false)] {
                let tuples = planner_rows(&store, table).await;
                assert_eq!(tuples >= 0, analysed, "{table} has {tuples} tuples in the planner's statistics");
            }
            store.close().await;
            scratch.remove().await.expect("remove");
        })
        .await;
    }
}

//! Full-text search over requests. The one part of the request store whose SQL differs by
//! backend: SQLite matches with FTS5 (`MATCH`, bm25 `rank`, `snippet`), PostgreSQL with a GIN-indexed
//! tsvector (`@@ websearch_to_tsquery`, `ts_rank`, `ts_headline`). Both index the same rows, and
//! both apply the same visibility and filters as request lists.

use concentric_core::authz::Actor;
use concentric_core::page::{Page, PageRequest};
use concentric_core::request::Request;
use concentric_core::search::{highlight_html, SearchHit, SearchQuery, MATCH_END, MATCH_START};
use concentric_core::{RequestId, TeamId};

use crate::db::{args, Backend, DbError, FromRow, RowRef, Tx};
use crate::requests::{RequestRow, REQUEST_COLUMNS, REQUEST_JOINS};
use crate::{Result, Store};

/// Adds a searchable text of a request: its own text (`request`) or a `reply` or `note`.
pub(crate) fn index(tx: &mut Tx, request: RequestId, team: TeamId, kind: &str, body: &str) -> Result<()> {
    tx.exec().execute(
        "INSERT INTO request_search (body, request_id, team_id, kind) VALUES ($1, $2, $3, $4)",
        args![body, request, team, kind],
    )?;
    Ok(())
}

/// Rows the searcher may match on: notes only for members of the providing team (and admins).
/// `$2` is whether the searcher is an admin, `$3` their person id.
const NOTE_RULE: &str = "(kind <> 'note' OR $2 OR team_id IN (SELECT team_id FROM team_members WHERE person_id = $3))";

/// Per matching request: its best score (higher is better) and the id of its best-matching
/// row, as `(request_id, best, score)`. `$1` is the query.
/// `narrow` is an extra condition on the search rows (the team filter), applied before ranking.
fn hits_sql(backend: Backend, narrow: &str) -> String {
    match backend {
        // FTS5's rank is bm25, lower is better; with MIN, SQLite takes the bare `rowid` from that row.
        Backend::Sqlite => format!(
            "SELECT request_id, rowid AS best, -MIN(rank) AS score FROM request_search \
             WHERE request_search MATCH $1 AND {NOTE_RULE}{narrow} GROUP BY request_id"
        ),
        Backend::Postgres => format!(
            "SELECT DISTINCT ON (request_id) request_id, id AS best, ts_rank(tsv, websearch_to_tsquery('simple', $1)) AS score \
             FROM request_search WHERE tsv @@ websearch_to_tsquery('simple', $1) AND {NOTE_RULE}{narrow} \
             ORDER BY request_id, score DESC"
        ),
    }
}

/// The passage of one search row with match markers: `$1` the query, `$2` the row.
fn snippet_sql(backend: Backend) -> String {
    match backend {
        Backend::Sqlite => format!(
            "SELECT snippet(request_search, 0, char({}), char({}), '…', 24) FROM request_search \
             WHERE request_search MATCH $1 AND rowid = $2",
            MATCH_START as u32, MATCH_END as u32
        ),
        Backend::Postgres => format!(
            "SELECT ts_headline('simple', body, websearch_to_tsquery('simple', $1), \
             'StartSel=' || chr({}) || ', StopSel=' || chr({}) || ', MaxWords=30, MinWords=10, MaxFragments=1') \
             FROM request_search WHERE id = $2",
            MATCH_START as u32, MATCH_END as u32
        ),
    }
}

struct HitRow {
    request: RequestRow,
    best: i64,
    total: i64,
}

impl FromRow for HitRow {
    fn from_row(row: &RowRef<'_>) -> Result<Self, DbError> {
        Ok(Self { request: RequestRow::from_row(row)?, best: row.get("best")?, total: row.get("total")? })
    }
}

impl Store {
    /// Searches the requests the actor may see: every term must match the request's text or one
    /// of its comments the actor may read; filters narrow as in lists. Best matches first.
    #[tracing::instrument(skip_all)]
    pub async fn search_requests(
        &self,
        actor: &Actor,
        query: &SearchQuery,
        page: PageRequest,
    ) -> Result<Page<SearchHit>> {
        let (actor, query) = (actor.clone(), query.clone());
        self.db.read(move |mut tx| search_in(&mut tx, &actor, &query, page)).await
    }
}

/// Searches inside a unit of work; see [`Store::search_requests`].
fn search_in(tx: &mut Tx<'_>, actor: &Actor, query: &SearchQuery, page: PageRequest) -> Result<Page<SearchHit>> {
    if query.terms.is_empty() {
        let list = crate::requests::list_requests_in(tx, actor, &query.filters, page)?;
        return Ok(list.map(|request| SearchHit { highlight: highlight_html(&request.subject), request }));
    }
    let backend = tx.backend();
    let me = actor.person_id.map_or(-1, |p| p.0);
    // The hits' own parameters come first: the query text, admin, the searcher.
    let filter = crate::requests::request_filter(tx, actor, &query.filters, 3)?;
    let text = match backend {
        Backend::Sqlite => query.fts5_match(),
        Backend::Postgres => query.websearch(),
    };
    // Search rows carry their request's team, so a team filter cuts the matches before they are ranked.
    let narrow = filter.team_param.as_ref().map(|p| format!(" AND team_id = {p}")).unwrap_or_default();
    let hits = hits_sql(backend, &narrow);
    // MATERIALIZED (both dialects) makes the match run once; inlined, SQLite would re-run it per joined row.
    let with = format!("WITH h AS MATERIALIZED ({hits})");
    // The hits must drive the join (a primary-key lookup per hit). SQLite's planner may instead
    // walk requests by the team index and scan the unindexed hits for every row; in SQLite a
    // CROSS JOIN fixes the order. PostgreSQL plans this well and has no CROSS JOIN ... ON.
    let join = match backend {
        Backend::Sqlite => "CROSS JOIN",
        Backend::Postgres => "JOIN",
    };
    let from = format!("h {join} requests r ON r.id = h.request_id JOIN services s ON s.id = r.service_id");
    let where_ = filter.sql();
    let (limit, offset) = (filter.after(1), filter.after(2));
    let mut params = args![&text, actor.is_admin, me];
    params.extend(filter.args.iter().cloned());
    let count_params = params.clone();
    params.extend(args![page.limit(), page.offset()]);
    // The page carries the count (a window over every filtered hit), so the match runs once.
    let rows: Vec<HitRow> = tx.exec().all(
        &format!(
            "{with} SELECT {REQUEST_COLUMNS}, h.best, COUNT(*) OVER () AS total FROM h {join} requests r \
             ON r.id = h.request_id {REQUEST_JOINS} WHERE {where_} ORDER BY h.score DESC, r.id DESC \
             LIMIT {limit} OFFSET {offset}"
        ),
        params,
    )?;
    let total = match rows.first() {
        Some(row) => row.total,
        // Past the last page there is no row to carry the count.
        None if page.offset() > 0 => {
            tx.exec().scalar(&format!("{with} SELECT COUNT(*) FROM {from} WHERE {where_}"), count_params)?
        }
        None => 0,
    };
    let snippet = snippet_sql(backend);
    let best: Vec<i64> = rows.iter().map(|r| r.best).collect();
    let mut requests = rows.into_iter().map(|r| Request::try_from(r.request)).collect::<Result<Vec<_>>>()?;
    crate::clocks::attach_clocks(tx, &mut requests, concentric_core::time::Millis::now().0)?;
    let mut items = Vec::with_capacity(requests.len());
    for (request, best) in requests.into_iter().zip(best) {
        let raw: Option<String> = tx.exec().scalar_opt(&snippet, args![&text, best])?;
        items.push(SearchHit { highlight: highlight_html(raw.as_deref().unwrap_or(&request.subject)), request });
    }
    Ok(Page::new(items, u64::try_from(total).unwrap_or(0), page))
}

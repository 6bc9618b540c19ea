//! Full-text search over requests. The one part of the request store whose SQL differs by
//! backend: SQLite matches with FTS5 (`MATCH` with column filters), PostgreSQL with GIN-indexed
//! tsvectors (`@@ websearch_to_tsquery`). Both index the same rows with the same scope tokens,
//! return the newest matches, and leave ranking and highlighting to `core::search`; both apply the
//! same visibility and filters as request lists.

use concentric_core::authz::Actor;
use concentric_core::page::{Page, PageRequest};
use concentric_core::request::Request;
use std::collections::HashMap;

use concentric_core::search::{highlight_html, Ranker, SearchHit, SearchQuery};
use concentric_core::RequestId;

use crate::db::{args, id_list, in_ids, Backend, Tx};
use crate::requests::{RequestRow, REQUEST_SELECT};
use crate::{Result, Store};

/// The writer's upkeep while idle on SQLite (see the engine): merges about this many pages of
/// FTS5 segments, on levels holding `usermerge` (16) segments or more; migration 0035 turned off
/// the merging inside writes. Sixteen pages take about a millisecond at a million requests, so a
/// unit arriving meanwhile waits little.
pub(crate) const IDLE_MERGE: &str = "INSERT INTO request_search (request_search, rank) VALUES ('merge', 16)";

/// Readies SQLite's full-text index after a bulk load: merges it into one segment; left to the
/// idle writer, that backlog would run between the groups of whatever comes next. (PostgreSQL's
/// counterpart, GIN's pending list, is moved by [`crate::db::Db::settle_loaded`].)
pub(crate) async fn optimize(db: &crate::db::Db) -> Result<()> {
    if db.backend() != Backend::Sqlite {
        return Ok(());
    }
    db.write(|mut tx| {
        tx.exec().execute("INSERT INTO request_search (request_search) VALUES ('optimize')", args![])?;
        Ok(())
    })
    .await
}

/// The scope tokens of a search row, from `r` (its request) and `kind`; migration 0019 writes
/// the same. `t` the providing team, `p` the requester, `o` the team asked on behalf of, `r` the
/// request (for its watchers), `k` the kind of text.
fn scope_sql(kind: &str) -> String {
    format!("'t' || r.team_id || ' p' || r.requester_id || COALESCE(' o' || r.on_behalf_team_id, '') || ' r' || r.id || ' k' || {kind}")
}

/// Adds a searchable text of a request: its own text (`request`) or a `reply` or `note`.
/// Written at the end of the unit's group (see [`Tx::at_group_end`]), so a search sees it
/// once the unit is committed, like everything else the unit wrote.
///
/// One row of `VALUES`, not `INSERT ... SELECT`: SQLite runs a statement that may write several
/// rows inside a statement savepoint, and FTS5 writes its pending terms out as a new segment at
/// every savepoint, so each row would become a segment of its own, merged again later.
pub(crate) fn index(tx: &mut Tx, request: RequestId, kind: &str, body: &str) -> Result<()> {
    tx.at_group_end(
        &format!(
            "INSERT INTO request_search (body, scope, request_id, team_id, kind) \
             VALUES ($1, (SELECT {} FROM requests r WHERE r.id = $2), $2, \
             (SELECT team_id FROM requests WHERE id = $2), $3)",
            scope_sql("$3")
        ),
        args![body, request, kind],
    )?;
    Ok(())
}

/// Adds many search rows at once: `rows` holds `(body, request id, kind)` triples.
pub(crate) fn index_many(tx: &mut Tx, rows: &[(String, i64, &'static str)]) -> Result<()> {
    // Parameters per statement stay well under SQLite's 32,766.
    for chunk in rows.chunks(10_000) {
        let values: Vec<String> =
            (0..chunk.len()).map(|i| format!("(${}, ${}, ${})", 3 * i + 1, 3 * i + 2, 3 * i + 3)).collect();
        let mut params = Vec::with_capacity(chunk.len() * 3);
        for (body, request, kind) in chunk {
            params.extend(args![body, *request, *kind]);
        }
        // Both dialects name the columns of a VALUES list column1, column2, ...
        tx.exec().execute(
            &format!(
                "INSERT INTO request_search (body, scope, request_id, team_id, kind) \
                 SELECT v.column1, {}, r.id, r.team_id, v.column3 FROM (VALUES {}) AS v JOIN requests r ON r.id = v.column2",
                scope_sql("v.column3"),
                values.join(", ")
            ),
            params,
        )?;
    }
    Ok(())
}

/// Matches are ranked among the newest this many search rows, so a query of common words costs
/// the same at a million requests as at a thousand; the page then says its count is a lower bound.
const WINDOW: usize = 1000;

/// Words in a hit's highlighted passage.
const SNIPPET_WORDS: usize = 24;

/// Rows the searcher may match on: notes only for members of the providing team (and admins).
/// `$2` is whether the searcher is an admin, `$3` their person id. The scope expression already
/// leaves these rows out; this is the check the answer relies on.
const NOTE_RULE: &str = "(kind <> 'note' OR $2 OR team_id IN (SELECT team_id FROM team_members WHERE person_id = $3))";

/// Which search rows a searcher may match, as conditions on scope tokens: every group must
/// match one of its tokens, and notes must carry one of `note_teams` unless that is `None`.
/// Visibility is checked again on the requests found; this narrows the index walk to them.
#[derive(Debug, Default)]
struct Scope {
    all_of: Vec<Vec<String>>,
    note_teams: Option<Vec<String>>,
    /// The prefix of the block tokens to ask for on PostgreSQL: `t<team>b` within one team
    /// (only that team's rows in each block), else `b`.
    blocks: String,
}

impl Scope {
    fn of(actor: &Actor, filter: &crate::requests::RequestFilter, watched: &[i64]) -> Self {
        let mut scope = Scope { blocks: "b".into(), ..Scope::default() };
        let mine: Vec<String> = actor.teams.iter().map(|(t, _)| format!("t{}", t.0)).collect();
        if let Some(team) = filter.team {
            scope.all_of.push(vec![format!("t{}", team.0)]);
            scope.blocks = format!("t{}b", team.0);
        }
        if let Some(person) = filter.requester {
            scope.all_of.push(vec![format!("p{}", person.0)]);
        }
        if let Some(team) = filter.on_behalf {
            scope.all_of.push(vec![format!("o{}", team.0)]);
        }
        // Members see all of a team's requests, as in lists.
        let whole_team = filter.team.is_some_and(|t| actor.is_member_of(t));
        if !actor.is_admin && !whole_team {
            let mut visible = mine.clone();
            visible.extend(actor.person_id.map(|p| format!("p{}", p.0)));
            visible.extend(actor.teams.iter().map(|(t, _)| format!("o{}", t.0)));
            visible.extend(watched.iter().map(|r| format!("r{r}")));
            scope.all_of.push(visible);
            scope.note_teams = Some(mine);
        }
        scope
    }

    /// Whether no row can match (a searcher who may see nothing).
    fn is_empty(&self) -> bool {
        self.all_of.iter().any(Vec::is_empty)
    }

    /// The FTS5 query: the terms in the text column, the scope in the scope column.
    fn fts5(&self, terms: &str) -> String {
        let mut out = format!("body : ({terms})");
        for group in &self.all_of {
            out.push_str(&format!(" AND scope : ({})", group.join(" OR ")));
        }
        match &self.note_teams {
            None => {}
            Some(teams) if teams.is_empty() => out.push_str(" NOT scope : knote"),
            Some(teams) => out.push_str(&format!(" NOT (scope : knote NOT scope : ({}))", teams.join(" OR "))),
        }
        out
    }

    /// The tsquery on the scope column (PostgreSQL), or `None` when anything goes.
    fn tsquery(&self) -> Option<String> {
        let mut parts: Vec<String> = self.all_of.iter().map(|g| format!("({})", g.join(" | "))).collect();
        match &self.note_teams {
            None => {}
            Some(teams) if teams.is_empty() => parts.push("!knote".into()),
            Some(teams) => parts.push(format!("!(knote & !({}))", teams.join(" | "))),
        }
        (!parts.is_empty()).then(|| parts.join(" & "))
    }
}

/// A matching search row: `(id, request_id, body)`.
type Row = (i64, i64, String);

/// The newest matching rows, at most [`WINDOW`]. `text` is the text query (on SQLite with the
/// scope in it); on PostgreSQL `scope` gives the scope query and the block tokens. They are ranked by
/// [`Ranker`] rather than by the engines: FTS5's bm25 first counts, for every term, every row in
/// the index that holds it (tens of milliseconds at a million requests).
fn newest_matches(tx: &mut Tx, text: &str, scope: &Scope, is_admin: bool, me: i64) -> Result<Vec<Row>> {
    match tx.backend() {
        // FTS5 walks rowids newest first and stops at the window.
        Backend::Sqlite => Ok(tx.exec().all(
            &format!(
                "SELECT rowid AS id, request_id, body FROM request_search \
                 WHERE request_search MATCH $1 AND {NOTE_RULE} ORDER BY rowid DESC LIMIT {WINDOW}"
            ),
            args![text, is_admin, me],
        )?),
        Backend::Postgres => newest_by_blocks(tx, text, scope.tsquery().as_deref(), &scope.blocks, is_admin, me),
    }
}

/// Search row ids come in blocks of `1 << BLOCK_SHIFT`, and each PostgreSQL search row carries
/// its block as the scope tokens `b<block>` and `t<team>b<block>` (migration 0036).
const BLOCK_SHIFT: u32 = 14;

/// Blocks asked for first: the newest (perhaps nearly empty) and the one before it.
const FIRST_BLOCKS: i64 = 2;

/// Most block tokens in one query; a search that would need more reads the rest at once.
const MOST_BLOCKS: i64 = 64;

/// The newest matches on PostgreSQL, block by block from the newest. GIN hands matches back in
/// no order, so asking for them all reads every match from the table to keep the newest
/// [`WINDOW`]: 17,000 rows for two common words at a million requests. Each step asks for the
/// blocks just older than the last, as many as the matches found so far say will fill the window
/// (with half again to spare); the index's walk and the rows read grow with the blocks asked for,
/// not with the table. A search still short after [`MOST_BLOCKS`] blocks, or at the oldest block,
/// asks for everything older at once, as before.
fn newest_by_blocks(
    tx: &mut Tx,
    text: &str,
    scope: Option<&str>,
    prefix: &str,
    is_admin: bool,
    me: i64,
) -> Result<Vec<Row>> {
    let Some(newest) = tx.exec().scalar::<Option<i64>>("SELECT max(id) FROM request_search", args![])? else {
        return Ok(Vec::new());
    };
    let top = newest >> BLOCK_SHIFT;
    let mut rows: Vec<Row> = Vec::new();
    // The newest block not asked for yet, and how many to ask for next.
    let (mut next, mut span) = (top, FIRST_BLOCKS);
    loop {
        let wanted = (WINDOW - rows.len()) as i64;
        let oldest = next - span + 1;
        if oldest <= 0 || span > MOST_BLOCKS {
            // Everything older than the blocks asked for so far.
            let below = (next + 1) << BLOCK_SHIFT;
            rows.extend(block_query(tx, text, scope.map(str::to_owned), below, wanted, is_admin, me)?);
            return Ok(rows);
        }
        let blocks: Vec<String> = (oldest..=next).map(|b| format!("{prefix}{b}")).collect();
        let blocks = blocks.join(" | ");
        let query = match scope {
            Some(scope) => format!("({scope}) & ({blocks})"),
            None => blocks,
        };
        rows.extend(block_query(tx, text, Some(query), i64::MAX, wanted, is_admin, me)?);
        if rows.len() >= WINDOW {
            return Ok(rows);
        }
        let (found, searched) = (rows.len() as i64, top - oldest + 1);
        let short = WINDOW as i64 - found;
        span = if found == 0 {
            span * 8
        } else {
            ((short * searched * 3 + found * 2 - 1) / (found * 2)).max(FIRST_BLOCKS)
        };
        next = oldest - 1;
    }
}

/// One step of [`newest_by_blocks`]: the newest `limit` matches below the row id `below`.
/// `id + 0` keeps the planner from walking the primary key backwards and testing every row (slow
/// for a rare word); the GIN index finds the matches, a top-N sort keeps the newest.
fn block_query(
    tx: &mut Tx,
    text: &str,
    scope: Option<String>,
    below: i64,
    limit: i64,
    is_admin: bool,
    me: i64,
) -> Result<Vec<Row>> {
    let scoped = if scope.is_some() { " AND scope_tsv @@ to_tsquery('simple', $4)" } else { "" };
    Ok(tx.exec().all(
        &format!(
            "SELECT id, request_id, body FROM request_search \
             WHERE tsv @@ websearch_to_tsquery('simple', $1){scoped} AND {NOTE_RULE} AND id < $5 \
             ORDER BY id + 0 DESC LIMIT $6"
        ),
        args![text, is_admin, me, scope.unwrap_or_default(), below, limit],
    )?)
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
    // The filter's parameters follow the id list of the candidates.
    let filter = crate::requests::request_filter(tx, actor, &query.filters, 1)?;
    let watched: Vec<i64> = if actor.is_admin {
        Vec::new()
    } else {
        tx.exec().scalars("SELECT request_id FROM request_watchers WHERE person_id = $1", args![me])?
    };
    let scope = Scope::of(actor, &filter, &watched);
    if scope.is_empty() {
        return Ok(Page::new(Vec::new(), 0, page));
    }
    let text = match backend {
        Backend::Sqlite => scope.fts5(&query.fts5_match()),
        Backend::Postgres => query.websearch(),
    };
    let window = newest_matches(tx, &text, &scope, actor.is_admin, me)?;
    // A full window means older rows were not looked at: the count is a lower bound.
    let capped = window.len() >= WINDOW;
    let bodies: Vec<&str> = window.iter().map(|(_, _, body)| body.as_str()).collect();
    let ranker = Ranker::new(query);
    let scores = ranker.scores(&bodies);
    // Per request, its best-scoring row: the score orders it, the row gives its passage.
    let mut best: HashMap<i64, (f64, i64)> = HashMap::new();
    for ((row, request, _), score) in window.iter().zip(scores) {
        let entry = best.entry(*request).or_insert((score, *row));
        if score > entry.0 {
            *entry = (score, *row);
        }
    }
    // Visibility and the filters, as in lists, over the candidates only.
    let mut params = vec![id_list(best.keys().copied())];
    params.extend(filter.args.iter().cloned());
    // The candidates must drive (a primary-key lookup each): with a team filter, SQLite's
    // planner would rather walk the team's index over every request it has. A CROSS JOIN fixes
    // the order in SQLite; PostgreSQL plans the IN list well.
    let candidates = match backend {
        Backend::Sqlite => "json_each($1) AS c CROSS JOIN requests r JOIN services s ON s.id = r.service_id \
                            WHERE r.id = c.value"
            .to_owned(),
        Backend::Postgres => {
            format!("requests r JOIN services s ON s.id = r.service_id WHERE {}", in_ids(backend, "r.id", "$1"))
        }
    };
    let found: Vec<i64> = tx.exec().scalars(&format!("SELECT r.id FROM {candidates} AND {}", filter.sql()), params)?;
    let mut ranked: Vec<(f64, i64, i64)> = found.into_iter().map(|id| (best[&id].0, id, best[&id].1)).collect();
    ranked.sort_by(|a, b| b.0.total_cmp(&a.0).then(b.1.cmp(&a.1)));
    let total = ranked.len() as u64;
    let start = usize::try_from(page.offset()).unwrap_or(usize::MAX).min(ranked.len());
    let shown = &ranked[start..(start + page.limit() as usize).min(ranked.len())];
    let rows: Vec<RequestRow> = tx.exec().all(
        &format!("{REQUEST_SELECT} WHERE {}", in_ids(backend, "r.id", "$1")),
        vec![id_list(shown.iter().map(|&(_, id, _)| id))],
    )?;
    let order: HashMap<i64, usize> = shown.iter().enumerate().map(|(i, &(_, id, _))| (id, i)).collect();
    let mut requests = rows.into_iter().map(Request::try_from).collect::<Result<Vec<_>>>()?;
    requests.sort_by_key(|r| order.get(&r.id.0).copied().unwrap_or(usize::MAX));
    crate::clocks::attach_clocks(tx, &mut requests, concentric_core::time::Millis::now().0)?;
    // The passage comes from the best row's text, already read for ranking.
    let texts: HashMap<i64, &str> = window.iter().map(|(row, _, body)| (*row, body.as_str())).collect();
    let items = requests
        .into_iter()
        .zip(shown)
        .map(|(request, &(_, _, row))| {
            let passage = texts.get(&row).map(|body| ranker.snippet(body, SNIPPET_WORDS));
            SearchHit { highlight: highlight_html(passage.as_deref().unwrap_or(&request.subject)), request }
        })
        .collect();
    let mut found = Page::new(items, total, page);
    found.total_capped = capped;
    Ok(found)
}

#[cfg(test)]
mod tests {
    use concentric_core::RequestId;

    use super::{block_query, newest_by_blocks, Row, WINDOW};
    use crate::db::args;
    use crate::scratch::testing::{migrated, on_postgres, with_requests};

    /// On PostgreSQL, asking block by block from the newest finds exactly the rows that one
    /// query over the whole index finds: the newest matches, for dense, sparse and rare words,
    /// within one team and across all.
    #[tokio::test]
    async fn blocks_find_the_newest_matches_on_postgres() {
        on_postgres(|url| async move {
            let (scratch, store) = with_requests(&url, 20).await;
            // 3,000 rows spread over about 60 blocks: "common" in every row, "every" in every
            // seventh, "seldom" in three (one in the oldest block).
            store
                .db
                .write(|mut tx| {
                    tx.exec().execute(
                        "INSERT INTO request_search (id, body, scope, request_id, team_id, kind) OVERRIDING SYSTEM VALUE \
                         SELECT 100000 + g * 337, \
                                'common' || CASE WHEN g % 7 = 0 THEN ' every' ELSE '' END \
                                         || CASE WHEN g IN (0, 1500, 2990) THEN ' seldom' ELSE '' END, \
                                't' || r.team_id || ' p' || r.requester_id || ' r' || r.id || ' krequest', \
                                r.id, r.team_id, 'request' \
                         FROM generate_series(0, 2999) AS g \
                         JOIN requests r ON r.id = (SELECT min(id) FROM requests) + g % 20",
                        args![],
                    )?;
                    Ok(())
                })
                .await
                .expect("rows");
            let team: i64 = store
                .db
                .read(|mut tx| Ok(tx.exec().scalar("SELECT team_id FROM requests ORDER BY id LIMIT 1", args![])?))
                .await
                .expect("team");
            for word in ["common", "every", "seldom", "nowhere"] {
                for within in [None, Some(team)] {
                    let (scope, prefix) = match within {
                        Some(team) => (Some(format!("t{team}")), format!("t{team}b")),
                        None => (None, "b".to_owned()),
                    };
                    let (blocks, whole) = store
                        .db
                        .read(move |mut tx| {
                            let blocks = newest_by_blocks(&mut tx, word, scope.as_deref(), &prefix, true, -1)?;
                            let whole = block_query(&mut tx, word, scope, i64::MAX, WINDOW as i64, true, -1)?;
                            Ok((blocks, whole))
                        })
                        .await
                        .expect("search");
                    let ids = |rows: &[Row]| rows.iter().map(|r| r.0).collect::<Vec<_>>();
                    assert_eq!(ids(&blocks), ids(&whole), "{word} within {within:?}");
                    if word == "common" && within.is_none() {
                        assert_eq!(blocks.len(), WINDOW, "a full window of {word}");
                    }
                }
            }
            store.close().await;
            scratch.remove().await.expect("remove");
        })
        .await;
    }

    /// Texts indexed by one group of units reach FTS5 as one new segment, not one per text.
    #[tokio::test]
    async fn a_group_writes_one_full_text_segment() {
        let (scratch, store) = with_requests("sqlite:", 8).await;
        let rows = || {
            store.db.read(|mut tx| Ok(tx.exec().scalar::<i64>("SELECT COUNT(*) FROM request_search_data", args![])?))
        };
        let before = rows().await.expect("count");
        store
            .db
            .write(|mut tx| {
                let ids: Vec<i64> = tx.exec().scalars("SELECT id FROM requests", args![])?;
                for id in ids {
                    super::index(&mut tx, RequestId(id), "reply", "printer jammed again on the third floor")?;
                }
                Ok(())
            })
            .await
            .expect("index");
        let added = rows().await.expect("count") - before;
        assert!(added <= 2, "eight texts added {added} rows to the full-text index: a segment each");
        store.close().await;
        scratch.remove().await.expect("remove");
    }

    /// Writes do not merge FTS5 segments; the writer does while its queue is empty, so forty
    /// groups of one text each end up in fewer than sixteen segments, not forty.
    #[tokio::test]
    async fn the_idle_writer_merges_full_text_segments() {
        let (scratch, store) = migrated("sqlite:").await;
        for n in 0..40i64 {
            store
                .db
                .write(move |mut tx| {
                    Ok(tx.exec().execute(
                        "INSERT INTO request_search (body, scope, request_id, team_id, kind) VALUES ($1, 't1', $2, 1, 'request')",
                        args![format!("printer {n} jammed on floor {n}"), n],
                    )?)
                })
                .await
                .expect("index");
        }
        let segments = || {
            store.db.read(|mut tx| {
                Ok(tx.exec().scalar::<i64>("SELECT COUNT(DISTINCT segid) FROM request_search_idx", args![])?)
            })
        };
        let mut left = segments().await.expect("segments");
        for _ in 0..100 {
            if left < 16 {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
            left = segments().await.expect("segments");
        }
        assert!(left < 16, "forty one-text groups left {left} segments unmerged");
        let found = store
            .db
            .read(|mut tx| {
                Ok(tx.exec().scalar::<i64>(
                    "SELECT COUNT(*) FROM request_search WHERE request_search MATCH 'jammed'",
                    args![],
                )?)
            })
            .await
            .expect("search");
        assert_eq!(found, 40, "merging lost no text");
        store.close().await;
        scratch.remove().await.expect("remove");
    }
}

//! What an edge's health is made of beyond its traffic: requests as promises (one each),
//! action items from partnership reviews, ratings both ways and the last closed survey round,
//! each read for every edge at once in one grouped query.

use std::collections::BTreeMap;

use concentric_core::network::Edge;
use concentric_core::rating::{Direction, Scale, Tally};
use concentric_core::survey::Audience;
use concentric_core::time::Millis;

use crate::db::args;
use crate::{Result, Store};

type Edges = BTreeMap<(String, String), Edge>;

/// A clock is breached when a breach was recorded or it stopped past its target.
const BREACHED: &str = "m.request_id IS NOT NULL OR (k.stopped_at IS NOT NULL AND k.elapsed_ms > k.target_ms)";

impl Store {
    /// Fills in the health inputs of the edges already found (traffic, commitments, declared
    /// relationships); pairs with only ratings or action items are not new edges.
    pub(crate) async fn add_health_inputs(&self, edges: &mut Edges, since: Millis, now: Millis) -> Result<()> {
        let mut taken = std::mem::take(edges);
        *edges = self.db.read(move |mut tx| {
            let edges = &mut taken;
            let promises: Vec<(String, String, i64, i64)> = tx.exec()
                .all(
                    &format!(
                        "SELECT s.key, c.key, \
                         CAST(COALESCE(SUM(CASE WHEN b.breached = 0 AND b.running = 0 THEN 1 ELSE 0 END), 0) AS BIGINT) AS kept, \
                         CAST(COALESCE(SUM(CASE WHEN b.breached > 0 THEN 1 ELSE 0 END), 0) AS BIGINT) AS broken \
                         FROM requests r JOIN teams s ON s.id = r.team_id JOIN teams c ON c.id = r.on_behalf_team_id \
                         JOIN (SELECT k.request_id, SUM(CASE WHEN {BREACHED} THEN 1 ELSE 0 END) AS breached, \
                         SUM(CASE WHEN k.stopped_at IS NULL THEN 1 ELSE 0 END) AS running FROM request_clocks k \
                         LEFT JOIN clock_marks m ON m.request_id = k.request_id AND m.kind = k.kind AND m.mark = 'breached' \
                         GROUP BY k.request_id) b ON b.request_id = r.id \
                         WHERE r.created_at >= $1 AND r.team_id <> r.on_behalf_team_id GROUP BY s.key, c.key"
                    ),
                    args![since.0],
                )?;
            for (s, c, kept, broken) in promises {
                if let Some(e) = edges.get_mut(&(s, c)) {
                    (e.requests_kept, e.requests_broken) = (kept, broken);
                }
            }

            // Action items due in the window: kept when done by their due date; broken when done
            // late or still open past it. Dropped ones count neither way.
            let actions: Vec<(String, String, i64, i64)> = tx.exec()
                .all(
                    "SELECT s.key, c.key, \
                     CAST(COALESCE(SUM(CASE WHEN a.status = 'done' AND a.done_at <= a.due_at THEN 1 ELSE 0 END), 0) AS BIGINT), \
                     CAST(COALESCE(SUM(CASE WHEN (a.status = 'open' AND a.due_at <= $2) OR (a.status = 'done' AND a.done_at > a.due_at) \
                     THEN 1 ELSE 0 END), 0) AS BIGINT) \
                     FROM actions a JOIN reviews v ON v.id = a.review_id JOIN teams s ON s.id = v.supplier_id \
                     JOIN teams c ON c.id = v.customer_id WHERE a.due_at >= $1 AND a.due_at <= $2 GROUP BY s.key, c.key",
                    args![since.0, now.0],
                )?;
            for (s, c, kept, broken) in actions {
                if let Some(e) = edges.get_mut(&(s, c)) {
                    (e.actions_kept, e.actions_broken) = (kept, broken);
                }
            }

            // Ratings by score, bucketed here by the scale each was given on.
            let ratings: Vec<(String, String, String, i64, i64, i64)> = tx.exec()
                .all(
                    "SELECT s.key, c.key, ra.direction, ra.scale_max, ra.score, COUNT(*) FROM ratings ra \
                     JOIN requests r ON r.id = ra.request_id JOIN teams s ON s.id = r.team_id JOIN teams c ON c.id = r.on_behalf_team_id \
                     WHERE ra.created_at >= $1 GROUP BY s.key, c.key, ra.direction, ra.scale_max, ra.score",
                    args![since.0],
                )?;
            let mut quality: BTreeMap<(String, String), Tally> = BTreeMap::new();
            for (s, c, direction, max, score, n) in ratings {
                let bucket = Scale::of_max(max).bucket(score);
                let tally = match Direction::parse(&direction) {
                    Some(Direction::Requester) => match edges.get_mut(&(s, c)) {
                        Some(e) => &mut e.satisfaction,
                        None => continue,
                    },
                    _ => quality.entry((s, c)).or_default(),
                };
                for _ in 0..n {
                    tally.add(bucket);
                }
            }
            let min_group = crate::ratings::settings_in(tx.exec())?.min_group;
            for (pair, tally) in quality {
                if let Some(e) = edges.get_mut(&pair) {
                    // The customer sees these only in aggregate, for enough of them: so does health.
                    e.request_quality = concentric_core::anonymity::enough(tally.count(), min_group).then_some(tally);
                }
            }

            // The last closed round of each relationship, per audience, when enough answered.
            let surveys: Vec<(i64, String, i64, i64, i64)> = tx.exec()
                .all(
                    "SELECT sr.relationship_id, r.audience, COUNT(DISTINCT r.id), CAST(SUM(sc.score) AS BIGINT), COUNT(sc.score) \
                     FROM survey_rounds sr JOIN survey_responses r ON r.round_id = sr.id JOIN survey_scores sc ON sc.response_id = r.id \
                     WHERE sr.closed_at IS NOT NULL AND sr.id = (SELECT MAX(x.id) FROM survey_rounds x \
                     WHERE x.relationship_id = sr.relationship_id AND x.closed_at IS NOT NULL) \
                     GROUP BY sr.relationship_id, r.audience",
                    args![],
                )?;
            let by_relationship: BTreeMap<i64, (String, String)> =
                edges.iter().filter_map(|(pair, e)| e.relationship_id.map(|id| (id, pair.clone()))).collect();
            for (relationship, audience, respondents, total, answers) in surveys {
                let (Some(pair), true) =
                    (by_relationship.get(&relationship), concentric_core::anonymity::enough(respondents, min_group))
                else {
                    continue;
                };
                let Some(e) = edges.get_mut(pair) else { continue };
                let mean = (total * 10 * 2 + answers) / (2 * answers.max(1));
                match Audience::parse(&audience) {
                    Some(Audience::AboutSupplier) => e.survey_about_supplier = Some(mean),
                    Some(Audience::AboutCustomer) => e.survey_about_customer = Some(mean),
                    None => {}
                }
            }
            Ok(taken)
        })
        .await?;
        Ok(())
    }
}

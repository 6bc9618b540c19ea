//! Occurrences: each due delivery of a commitment, listed, filtered and read with its deliveries.

use super::*;

crate::db::row! {
    struct OccurrenceRow {
        id: i64,
        commitment_id: i64,
        title: String,
        provider_id: i64,
        provider_key: String,
        provider_name: String,
        receiver_id: i64,
        receiver_key: String,
        receiver_name: String,
        owner_name: String,
        due_at: i64,
        deadline_at: i64,
        status: String,
        delivered_at: Option<i64>,
        accepted_at: Option<i64>,
        sent_back: i64,
    }
}

const OCCURRENCE_SELECT: &str = "SELECT o.id, o.commitment_id, c.title, c.provider_id, pt.key AS provider_key, \
     pt.name AS provider_name, c.receiver_id, rt.key AS receiver_key, rt.name AS receiver_name, op.name AS owner_name, \
     o.due_at, o.deadline_at, o.status, o.delivered_at, o.accepted_at, o.sent_back \
     FROM occurrences o JOIN commitments c ON c.id = o.commitment_id JOIN teams pt ON pt.id = c.provider_id \
     JOIN teams rt ON rt.id = c.receiver_id JOIN people op ON op.id = c.owner_id";

crate::db::row! {
    struct DeliveryRow {
        id: i64,
        occurrence_id: i64,
        delivered_by: String,
        delivered_at: i64,
        note: String,
        link: Option<String>,
        file_name: Option<String>,
        outcome: Option<String>,
        answered_by: Option<String>,
        answered_at: Option<i64>,
        reason: String,
    }
}

/// Reads occurrences with their timing (in each side's calendar) and, if asked, their deliveries.
fn hydrate(mut exec: Exec<'_>, rows: Vec<OccurrenceRow>, now: i64, deliveries: bool) -> Result<Vec<Occurrence>> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let (default, teams) = calendars(exec.reborrow())?;
    let cal = |team: i64| -> &Calendar { teams.get(&team).unwrap_or(&default) };
    let mut by_occurrence: HashMap<i64, Vec<Delivery>> = HashMap::new();
    if deliveries {
        let within = crate::db::in_ids(exec.backend(), "d.occurrence_id", "$1");
        let found: Vec<DeliveryRow> = exec.reborrow().all(
            &format!(
                "SELECT d.id, d.occurrence_id, p.name AS delivered_by, d.delivered_at, d.note, d.link, d.file_name, \
                     d.outcome, a.name AS answered_by, d.answered_at, d.reason FROM deliveries d \
                     JOIN people p ON p.id = d.delivered_by LEFT JOIN people a ON a.id = d.answered_by \
                     WHERE {within} ORDER BY d.delivered_at, d.id"
            ),
            vec![crate::db::id_list(rows.iter().map(|r| r.id))],
        )?;
        for d in found {
            by_occurrence.entry(d.occurrence_id).or_default().push(Delivery {
                id: d.id,
                delivered_by: d.delivered_by,
                delivered_at: Millis(d.delivered_at).to_utc(),
                note: d.note,
                link: d.link,
                file_name: d.file_name,
                outcome: d.outcome,
                answered_by: d.answered_by,
                answered_at: d.answered_at.map(|t| Millis(t).to_utc()),
                reason: d.reason,
            });
        }
    }
    rows.into_iter()
        .map(|r| {
            let t = timing(r.due_at, r.deadline_at, r.delivered_at, now, cal(r.provider_id), cal(r.receiver_id));
            Ok(Occurrence {
                id: r.id,
                commitment_id: r.commitment_id,
                title: r.title,
                provider_key: r.provider_key,
                provider_name: r.provider_name,
                receiver_key: r.receiver_key,
                receiver_name: r.receiver_name,
                owner_name: r.owner_name,
                due_at: Millis(r.due_at).to_utc(),
                deadline_at: Millis(r.deadline_at).to_utc(),
                status: OccurrenceStatus::parse(&r.status)
                    .ok_or_else(|| StoreError::Corrupt(format!("occurrence {}", r.id)))?,
                delivered_at: r.delivered_at.map(|t| Millis(t).to_utc()),
                accepted_at: r.accepted_at.map(|t| Millis(t).to_utc()),
                sent_back: r.sent_back,
                timeliness: t.timeliness,
                late_ms: t.late_ms,
                waited_ms: t.waited_ms,
                deliveries: by_occurrence.remove(&r.id).unwrap_or_default(),
            })
        })
        .collect()
}

/// Which occurrences to list.
#[derive(Debug, Clone, Copy, Default)]
pub struct OccurrenceFilter {
    pub commitment: Option<i64>,
    /// Occurrences this team delivers.
    pub provider: Option<TeamId>,
    /// Occurrences this team receives.
    pub receiver: Option<TeamId>,
    /// Occurrences of either team.
    pub team: Option<TeamId>,
    /// Occurrences this person owns or backs up.
    pub person: Option<PersonId>,
    /// Not yet accepted.
    pub unfinished: bool,
    /// Read each one's deliveries too.
    pub with_deliveries: bool,
    pub due_after: Option<Millis>,
    pub due_before: Option<Millis>,
}

impl OccurrenceFilter {
    fn sql(&self) -> (String, Vec<Arg>) {
        let mut clauses = vec!["1 = 1".to_owned()];
        let mut values: Vec<Arg> = Vec::new();
        // Each clause names its one parameter `$?`, numbered here in order.
        let mut bind = |clause: &str, value: Vec<Arg>| {
            values.extend(value);
            clauses.push(clause.replace("$?", &format!("${}", values.len())));
        };
        if let Some(c) = self.commitment {
            bind("o.commitment_id = $?", args![c]);
        }
        if let Some(t) = self.provider {
            bind("c.provider_id = $?", args![t]);
        }
        if let Some(t) = self.receiver {
            bind("c.receiver_id = $?", args![t]);
        }
        if let Some(t) = self.team {
            bind("(c.provider_id = $? OR c.receiver_id = $?)", args![t]);
        }
        if let Some(p) = self.person {
            bind("(c.owner_id = $? OR c.backup_id = $?)", args![p]);
        }
        if let Some(t) = self.due_after {
            bind("o.due_at > $?", args![t.0]);
        }
        if let Some(t) = self.due_before {
            bind("o.due_at <= $?", args![t.0]);
        }
        if self.unfinished {
            clauses.push("o.status <> 'accepted'".into());
        }
        (clauses.join(" AND "), values)
    }
}

impl Store {
    /// Occurrences matching `filter`, by due time (latest first when `newest_first`).
    #[tracing::instrument(skip_all)]
    pub async fn occurrences(
        &self,
        filter: OccurrenceFilter,
        now: Millis,
        newest_first: bool,
        limit: i64,
    ) -> Result<Vec<Occurrence>> {
        self.occurrence_slice(&filter, now, newest_first, limit, 0).await
    }

    /// One page of occurrences by due time, with the total that match.
    #[tracing::instrument(skip_all)]
    pub async fn occurrence_page(
        &self,
        filter: OccurrenceFilter,
        now: Millis,
        page: PageRequest,
    ) -> Result<Page<Occurrence>> {
        let (clause, values) = filter.sql();
        let total: i64 = self
            .db
            .read(move |mut tx| {
                Ok(tx.exec().scalar(
                    &format!(
                    "SELECT COUNT(*) FROM occurrences o JOIN commitments c ON c.id = o.commitment_id WHERE {clause}"
                ),
                    values,
                )?)
            })
            .await?;
        let offset = i64::try_from(page.offset()).unwrap_or(i64::MAX);
        let items = self.occurrence_slice(&filter, now, false, page.limit().into(), offset).await?;
        Ok(Page::new(items, u64::try_from(total).unwrap_or(0), page))
    }

    async fn occurrence_slice(
        &self,
        filter: &OccurrenceFilter,
        now: Millis,
        newest_first: bool,
        limit: i64,
        offset: i64,
    ) -> Result<Vec<Occurrence>> {
        let filter = filter.to_owned();
        self.db
            .read(move |mut tx| {
                let filter: &OccurrenceFilter = &filter;
                let (clause, mut values) = filter.sql();
                let n = values.len();
                values.extend(args![limit, offset]);
                let order = if newest_first { "DESC" } else { "ASC" };
                let rows: Vec<OccurrenceRow> = tx.exec().all(
                    &format!(
                        "{OCCURRENCE_SELECT} WHERE {clause} ORDER BY o.due_at {order}, o.id LIMIT ${} OFFSET ${}",
                        n + 1,
                        n + 2
                    ),
                    values,
                )?;
                hydrate(tx.exec(), rows, now.0, filter.with_deliveries)
            })
            .await
    }

    /// One occurrence with its deliveries, and its commitment.
    #[tracing::instrument(skip_all)]
    pub async fn occurrence(&self, id: i64, now: Millis) -> Result<(Occurrence, Commitment)> {
        let row: OccurrenceRow = self
            .db
            .read(move |mut tx| Ok(tx.exec().optional(&format!("{OCCURRENCE_SELECT} WHERE o.id = $1"), args![id])?))
            .await?
            .ok_or(StoreError::NotFound("occurrence"))?;
        let commitment = self.commitment(row.commitment_id, now).await?;
        let occurrence = self
            .db
            .read(move |mut tx| hydrate(tx.exec(), vec![row], now.0, true))
            .await?
            .pop()
            .ok_or(StoreError::NotFound("occurrence"))?;
        Ok((occurrence, commitment))
    }

    /// Open occurrences a team delivers (`owed`) or receives, due within two weeks or overdue:
    /// the late ones first, then by due time.
    #[tracing::instrument(skip_all)]
    pub async fn commitments_due(&self, team: TeamId, owed: bool, now: Millis) -> Result<Vec<Occurrence>> {
        let filter = OccurrenceFilter {
            provider: owed.then_some(team),
            receiver: (!owed).then_some(team),
            unfinished: true,
            due_before: Some(Millis(now.0 + OWED_AHEAD_MS)),
            ..Default::default()
        };
        let mut list = self.occurrences(filter, now, false, 500).await?;
        list.retain(|o| o.status != OccurrenceStatus::Delivered || !owed);
        list.sort_by_key(|o| (std::cmp::Reverse(o.late_ms > 0), std::cmp::Reverse(o.waited_ms), o.due_at));
        Ok(list)
    }

    pub(super) fn occurrence_state(
        tx: &mut Tx<'_>,
        occurrence: i64,
        now: Millis,
    ) -> Result<Option<(Commitment, i64, i64, String)>> {
        let row: Option<(i64, i64, i64, String)> = tx.exec().optional(
            "SELECT commitment_id, due_at, deadline_at, status FROM occurrences WHERE id = $1",
            args![occurrence],
        )?;
        let Some((commitment, due, deadline_at, status)) = row else { return Ok(None) };
        let (c, _) = commitment_in(tx.exec(), commitment, now.0)?;
        Ok(Some((c, due, deadline_at, status)))
    }
}

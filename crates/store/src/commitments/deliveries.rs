//! Deliveries: delivering an occurrence (with a note, link or file), the receiver accepting or
//! sending it back, and the reminder and overdue notices, each once whichever node runs the job.

use super::*;

impl Store {
    /// Marks an occurrence delivered, with a note, a link or a file.
    #[tracing::instrument(skip_all)]
    pub async fn deliver(
        &self,
        actor: &Actor,
        occurrence: i64,
        new: NewDelivery,
        file: Option<(String, Vec<u8>)>,
        now: Millis,
    ) -> Result<Occurrence> {
        let Some(me) = actor.person_id else { return Err(Forbidden("deliver without a person").into()) };
        let (occ, c) = self.occurrence(occurrence, now).await?;
        if !c.deliverable_by(actor) {
            return Err(Forbidden("deliver for a team you are not in").into());
        }
        let file = match file {
            Some((name, data)) if !data.is_empty() => {
                let name = concentric_core::attachment::clean_filename(&name)?;
                let kind = concentric_core::attachment::sniff(&data);
                Some((name, kind, data))
            }
            _ => None,
        };
        let (note, link) = new.check(file.is_some())?;
        occ.status.after(Step::Deliver)?;
        let actor_owned = actor.to_owned();
        self.db.write(move |mut tx| {
            let actor: &Actor = &actor_owned;
            let changed = tx
                .exec()
                .execute(
                    "UPDATE occurrences SET status = 'delivered', delivered_at = $1 WHERE id = $2 AND status = 'open'",
                    args![now.0, occurrence],
                )?;
            if changed == 0 {
                return Err(StoreError::IllegalTransition("someone else delivered this occurrence meanwhile".into()));
            }
            let (file_name, file_type, file_data) = match file {
                Some((n, k, d)) => (Some(n), Some(k), Some(d)),
                None => (None, None, None),
            };
            tx.exec()
                .execute(
                    "INSERT INTO deliveries (occurrence_id, delivered_by, delivered_at, note, link, file_name, file_type, file_data) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                    args![occurrence, me, now.0, &note, link.clone(), file_name.clone(), file_type, file_data],
                )?;
            let event = record_at(
                &mut tx,
                actor.person_id,
                now,
                "commitment",
                c.id,
                "delivered",
                delivery_detail(occ.due_at, &note, link.as_deref(), file_name.as_deref()),
            )?;
            let recipients = receiver_contacts(tx.exec(), c.provider_id, c.receiver_id)?;
            let said = Said::CommitmentDelivered {
                commitment: c.id,
                title: c.title.clone(),
                provider: c.provider_name.clone(),
                due: occ.due_at.format("%-d %b").to_string(),
            };
            notify(&mut tx, actor, &[Notice::new(said, event).to(&recipients)])?;
            emit(&mut tx, WebhookEvent::commitment(Hook::CommitmentDelivered, &c, occ.due_at, now.to_utc()), event)?;
            Ok(())
        })
        .await?;
        Ok(self.occurrence(occurrence, now).await?.0)
    }

    /// The receiver accepts the standing delivery, or sends it back with a reason (which reopens it).
    #[tracing::instrument(skip_all)]
    pub async fn answer_delivery(
        &self,
        actor: &Actor,
        occurrence: i64,
        accept: bool,
        reason: &str,
        now: Millis,
    ) -> Result<Occurrence> {
        let (occ, c) = self.occurrence(occurrence, now).await?;
        if !c.receivable_by(actor) {
            return Err(Forbidden("answer a delivery made to a team you are not in").into());
        }
        let reason = reason.trim();
        if !accept && reason.is_empty() {
            return Err(Invalid::one("reason", "say what is missing, so the owner can complete it").into());
        }
        occ.status.after(if accept { Step::Accept } else { Step::SendBack })?;
        let actor_owned = actor.to_owned();
        let reason_owned = reason.to_owned();
        self.db.write(move |mut tx| {
            let actor: &Actor = &actor_owned;
            let reason: &str = &reason_owned;
            let (sql, values) = if accept {
                (
                    "UPDATE occurrences SET status = 'accepted', accepted_at = $1 WHERE id = $2 AND status = 'delivered'",
                    args![now.0, occurrence],
                )
            } else {
                (
                    "UPDATE occurrences SET status = 'open', delivered_at = NULL, sent_back = sent_back + 1 \
                     WHERE id = $1 AND status = 'delivered'",
                    args![occurrence],
                )
            };
            if tx.exec().execute(sql, values)? == 0 {
                return Err(StoreError::IllegalTransition("someone else answered this delivery meanwhile".into()));
            }
            let outcome = if accept { "accepted" } else { "sent_back" };
            tx.exec()
                .execute(
                    "UPDATE deliveries SET outcome = $1, answered_by = $2, answered_at = $3, reason = $4 \
                     WHERE occurrence_id = $5 AND outcome IS NULL",
                    args![outcome, actor.person_id, now.0, reason, occurrence],
                )?;
            let event = record_at(
                &mut tx,
                actor.person_id,
                now,
                "commitment",
                c.id,
                outcome,
                json!({ "due": due_text(occ.due_at), "reason": reason }),
            )?;
            let (title, receiver, due) =
                (c.title.clone(), c.receiver_name.clone(), occ.due_at.format("%-d %b").to_string());
            let said = if accept {
                Said::CommitmentAccepted { commitment: c.id, title, receiver, due }
            } else {
                Said::CommitmentSentBack { commitment: c.id, title, receiver, due, reason: reason.to_string() }
            };
            notify(&mut tx, actor, &[Notice::new(said, event).to(&owner_and_backup(&c))])?;
            if !accept {
                // Reopened after its deadline: the overdue notice, if not yet made, is due now.
                schedule(
                    &mut tx,
                    OCCURRENCE_OVERDUE,
                    &format!("occurrence:{occurrence}:overdue"),
                    json!({ "occurrence_id": occurrence }),
                    Some(occ.deadline_at.timestamp_millis().max(now.0)),
                )?;
            }
            Ok(())
        })
        .await?;
        Ok(self.occurrence(occurrence, now).await?.0)
    }

    /// A delivered file, for the two teams and admins.
    #[tracing::instrument(skip_all)]
    pub async fn delivery_file(&self, actor: &Actor, delivery: i64, now: Millis) -> Result<(String, String, Vec<u8>)> {
        crate::db::row! {
            struct FileRow {
                occurrence_id: i64,
                file_name: Option<String>,
                file_type: Option<String>,
                file_data: Option<Vec<u8>>,
            }
        }
        let row: Option<FileRow> = self
            .db
            .read(move |mut tx| {
                Ok(tx.exec().optional(
                    "SELECT occurrence_id, file_name, file_type, file_data FROM deliveries WHERE id = $1",
                    args![delivery],
                )?)
            })
            .await?;
        let Some(FileRow {
            occurrence_id: occurrence,
            file_name: Some(name),
            file_type: Some(kind),
            file_data: Some(data),
        }) = row
        else {
            return Err(StoreError::NotFound("file"));
        };
        let (_, c) = self.occurrence(occurrence, now).await?;
        if !c.deliverable_by(actor) && !c.receivable_by(actor) {
            return Err(StoreError::NotFound("file"));
        }
        Ok((name, kind, data))
    }

    /// Reminds the owner of an occurrence still open: once, whichever node runs the job.
    pub(crate) async fn remind_occurrence(&self, occurrence: i64, now: Millis) -> Result<bool> {
        self.db
            .write(move |mut tx| {
                let Some((c, due, _, status)) = Self::occurrence_state(&mut tx, occurrence, now)? else {
                    return Ok(false);
                };
                if status != "open" || !mark(&mut tx, occurrence, "reminded", now.0)? {
                    return Ok(false);
                }
                let when = concentric_core::commitment::local(Millis(due).to_utc(), &c.zone);
                let event = record_at(
                    &mut tx,
                    None,
                    now,
                    "commitment",
                    c.id,
                    "reminded",
                    json!({ "due": due_text(Millis(due).to_utc()) }),
                )?;
                let said = Said::CommitmentReminder {
                    commitment: c.id,
                    title: c.title.clone(),
                    receiver: c.receiver_name.clone(),
                    when: when.to_string(),
                };
                notify(&mut tx, &Actor::system(), &[Notice::new(said, event).to(&[PersonId(c.owner.id)])])?;
                Ok(true)
            })
            .await
    }

    /// Past its deadline and still open: tells the owner, backup and provider leads it is
    /// overdue, and the receiver's contacts that it is late. Once per occurrence.
    pub(crate) async fn occurrence_overdue(&self, occurrence: i64, now: Millis) -> Result<bool> {
        self.db
            .write(move |mut tx| {
                let Some((c, due, deadline_at, status)) = Self::occurrence_state(&mut tx, occurrence, now)? else {
                    return Ok(false);
                };
                if status != "open" || now.0 < deadline_at || !mark(&mut tx, occurrence, "overdue", now.0)? {
                    return Ok(false);
                }
                let due_day = Millis(due).to_utc().format("%-d %b").to_string();
                let event = record_at(
                    &mut tx,
                    None,
                    now,
                    "commitment",
                    c.id,
                    "overdue",
                    json!({ "due": due_text(Millis(due).to_utc()) }),
                )?;
                let mut provider = owner_and_backup(&c);
                provider.extend(team_leads(tx.exec(), c.provider_id)?);
                provider.sort_by_key(|p| p.0);
                provider.dedup();
                let receiver = receiver_contacts(tx.exec(), c.provider_id, c.receiver_id)?;
                let notices = [
                    Notice::new(
                        Said::CommitmentOverdue {
                            commitment: c.id,
                            title: c.title.clone(),
                            receiver: c.receiver_name.clone(),
                            due: due_day.clone(),
                        },
                        event,
                    )
                    .to(&provider),
                    Notice::new(
                        Said::CommitmentLate {
                            commitment: c.id,
                            title: c.title.clone(),
                            provider: c.provider_name.clone(),
                            due: due_day,
                        },
                        event,
                    )
                    .to(&receiver),
                ];
                notify(&mut tx, &Actor::system(), &notices)?;
                let late = WebhookEvent::commitment(Hook::CommitmentLate, &c, Millis(due).to_utc(), now.to_utc());
                emit(&mut tx, late, event)?;
                Ok(true)
            })
            .await
    }
}

/// A due time as the history shows it.
fn due_text(at: chrono::DateTime<chrono::Utc>) -> String {
    at.format("%-d %b %Y %H:%M UTC").to_string()
}

/// What a delivery held, for the history: only the parts it had.
fn delivery_detail(
    due: chrono::DateTime<chrono::Utc>,
    note: &str,
    link: Option<&str>,
    file: Option<&str>,
) -> serde_json::Value {
    let mut detail = json!({ "due": due_text(due) });
    for (key, value) in [("note", Some(note).filter(|n| !n.is_empty())), ("link", link), ("file", file)] {
        if let Some(v) = value {
            detail[key] = json!(v);
        }
    }
    detail
}

//! Open meetings: announcing one with the teams it invites (by ring of the network, written down
//! when it is announced), answers with guest seats, questions before, notes after, and the
//! meetings a calendar feed lists.

use concentric_core::authz::{Actor, Forbidden};
use concentric_core::meeting::{
    check_text, reschedules, rings_of, Answer, InvitedTeam, Meeting, MeetingDetail, MeetingQuestion, NewMeeting, Reach,
    Rsvp,
};
use concentric_core::notification::Notice as Said;
use concentric_core::page::{Page, PageRequest};
use concentric_core::time::Millis;
use concentric_core::{Invalid, MeetingId, PersonId, TeamId};
use serde_json::json;

use crate::clocks::calendar_of;
use crate::db::{args, Arg, Exec, Tx};
use crate::events::record;
use crate::notifications::{notify, Notice};
use crate::{Result, Store, StoreError};

crate::db::row! {
    struct MeetingRow {
        id: i64,
        team_id: i64,
        team_key: String,
        team_name: String,
        title: String,
        agenda: String,
        starts_at: i64,
        ends_at: i64,
        zone: String,
        place: String,
        link: Option<String>,
        guest_seats: Option<i64>,
        reach: String,
        notes: String,
        sequence: i64,
        cancelled_at: Option<i64>,
        cancel_reason: String,
        created_at: i64,
        updated_at: i64,
        going: i64,
        maybe: i64,
        guests_going: i64,
        my_answer: Option<String>,
        invited: bool,
    }
}

crate::db::row! {
    struct RsvpRow {
        person_id: i64,
        person_name: String,
        answer: String,
        guest: bool,
        answered_at: i64,
    }
}

crate::db::row! {
    struct QuestionRow {
        id: i64,
        person_id: i64,
        person_name: String,
        body: String,
        asked_at: i64,
    }
}

crate::db::row! {
    struct InvitedRow {
        key: String,
        name: String,
        ring: i64,
    }
}

/// Whether person `$1` may answer meeting `m`: it is open to everyone, or they are in the host
/// team or an invited one.
const INVITED: &str = "(m.reach = 'everyone' OR EXISTS (SELECT 1 FROM team_members tm WHERE tm.person_id = $1 \
     AND (tm.team_id = m.team_id OR tm.team_id IN (SELECT i.team_id FROM meeting_invites i WHERE i.meeting_id = m.id))))";

/// Meetings as read by person `$1`.
fn select() -> String {
    format!(
        "SELECT m.id, m.team_id, t.key AS team_key, t.name AS team_name, m.title, m.agenda, m.starts_at, m.ends_at, \
         m.zone, m.place, m.link, m.guest_seats, m.reach, m.notes, m.sequence, m.cancelled_at, m.cancel_reason, \
         m.created_at, m.updated_at, \
         (SELECT COUNT(*) FROM meeting_rsvps r WHERE r.meeting_id = m.id AND r.answer = 'yes') AS going, \
         (SELECT COUNT(*) FROM meeting_rsvps r WHERE r.meeting_id = m.id AND r.answer = 'maybe') AS maybe, \
         (SELECT COUNT(*) FROM meeting_rsvps r WHERE r.meeting_id = m.id AND r.answer = 'yes' AND r.guest) AS guests_going, \
         (SELECT r.answer FROM meeting_rsvps r WHERE r.meeting_id = m.id AND r.person_id = $1) AS my_answer, \
         {INVITED} AS invited \
         FROM meetings m JOIN teams t ON t.id = m.team_id"
    )
}

impl From<MeetingRow> for Meeting {
    fn from(r: MeetingRow) -> Self {
        let count = |n: i64| u32::try_from(n).unwrap_or(0);
        Meeting {
            id: MeetingId(r.id),
            team_id: TeamId(r.team_id),
            team_key: r.team_key,
            team_name: r.team_name,
            title: r.title,
            agenda: r.agenda,
            starts_at: Millis(r.starts_at).to_utc(),
            ends_at: Millis(r.ends_at).to_utc(),
            zone: r.zone,
            place: r.place,
            link: r.link,
            guest_seats: r.guest_seats.map(count),
            reach: Reach::parse(&r.reach).unwrap_or_default(),
            notes: r.notes,
            sequence: count(r.sequence),
            cancelled_at: r.cancelled_at.map(|t| Millis(t).to_utc()),
            cancel_reason: r.cancel_reason,
            created_at: Millis(r.created_at).to_utc(),
            updated_at: Millis(r.updated_at).to_utc(),
            going: count(r.going),
            maybe: count(r.maybe),
            guests_going: count(r.guests_going),
            my_answer: r.my_answer.as_deref().and_then(Answer::parse),
            invited: r.invited,
        }
    }
}

fn reader(actor: &Actor) -> i64 {
    actor.person_id.map_or(0, |p| p.0)
}

fn meeting_by_id(exec: Exec<'_>, reader: i64, id: MeetingId) -> Result<Meeting> {
    let row: Option<MeetingRow> = exec.optional(&format!("{} WHERE m.id = $2", select()), args![reader, id])?;
    row.map(Meeting::from).ok_or(StoreError::NotFound("meeting"))
}

fn detail(tx: &mut Tx, reader: i64, id: MeetingId) -> Result<MeetingDetail> {
    let meeting = meeting_by_id(tx.exec(), reader, id)?;
    let rsvps: Vec<RsvpRow> = tx.exec().all(
        "SELECT r.person_id, p.name AS person_name, r.answer, r.guest, r.answered_at FROM meeting_rsvps r \
         JOIN people p ON p.id = r.person_id WHERE r.meeting_id = $1 \
         ORDER BY CASE r.answer WHEN 'yes' THEN 0 WHEN 'maybe' THEN 1 ELSE 2 END, p.name, p.id",
        args![id],
    )?;
    let questions: Vec<QuestionRow> = tx.exec().all(
        "SELECT q.id, q.person_id, p.name AS person_name, q.body, q.asked_at FROM meeting_questions q \
         JOIN people p ON p.id = q.person_id WHERE q.meeting_id = $1 ORDER BY q.id",
        args![id],
    )?;
    let invited: Vec<InvitedRow> = tx.exec().all(
        "SELECT t.key, t.name, i.ring FROM meeting_invites i JOIN teams t ON t.id = i.team_id \
         WHERE i.meeting_id = $1 ORDER BY i.ring, t.name",
        args![id],
    )?;
    Ok(MeetingDetail {
        meeting,
        rsvps: rsvps
            .into_iter()
            .map(|r| Rsvp {
                person_id: PersonId(r.person_id),
                person_name: r.person_name,
                answer: Answer::parse(&r.answer).unwrap_or(Answer::Maybe),
                guest: r.guest,
                answered_at: Millis(r.answered_at).to_utc(),
            })
            .collect(),
        questions: questions
            .into_iter()
            .map(|q| MeetingQuestion {
                id: q.id,
                person_id: PersonId(q.person_id),
                person_name: q.person_name,
                body: q.body,
                asked_at: Millis(q.asked_at).to_utc(),
            })
            .collect(),
        invited_teams: invited
            .into_iter()
            .map(|r| InvitedTeam { key: r.key, name: r.name, ring: u32::try_from(r.ring).unwrap_or(1) })
            .collect(),
    })
}

/// Writes down the teams a meeting invites: the active teams within its reach of the host's ring,
/// from declared relationships (not declined) and active commitments.
fn invite_teams(tx: &mut Tx, id: MeetingId, host: TeamId, reach: Reach) -> Result<()> {
    tx.exec().execute("DELETE FROM meeting_invites WHERE meeting_id = $1", args![id])?;
    let Some(depth) = reach.rings() else { return Ok(()) };
    let pairs: Vec<(i64, i64)> = tx.exec().all(
        "SELECT supplier_id, customer_id FROM relationships WHERE status <> 'declined' \
         UNION SELECT provider_id, receiver_id FROM commitments WHERE active",
        args![],
    )?;
    let pairs: Vec<(TeamId, TeamId)> = pairs.into_iter().map(|(a, b)| (TeamId(a), TeamId(b))).collect();
    for (team, ring) in rings_of(host, &pairs, depth) {
        tx.exec().execute(
            "INSERT INTO meeting_invites (meeting_id, team_id, ring) SELECT $1, id, $2 FROM teams WHERE id = $3 AND active",
            args![id, ring, team],
        )?;
    }
    Ok(())
}

/// The active people in the teams a meeting invites, less the host team's own.
pub(crate) fn invitees(exec: Exec<'_>, id: MeetingId, host: TeamId) -> Result<Vec<PersonId>> {
    let ids: Vec<i64> = exec.scalars(
        "SELECT DISTINCT m.person_id FROM team_members m JOIN people p ON p.id = m.person_id \
         WHERE p.active AND m.team_id IN (SELECT team_id FROM meeting_invites WHERE meeting_id = $1) \
         AND m.person_id NOT IN (SELECT person_id FROM team_members WHERE team_id = $2) ORDER BY m.person_id",
        args![id, host],
    )?;
    Ok(ids.into_iter().map(PersonId).collect())
}

/// Who said yes or maybe.
fn attendees(exec: Exec<'_>, id: MeetingId) -> Result<Vec<PersonId>> {
    let ids: Vec<i64> = exec.scalars(
        "SELECT r.person_id FROM meeting_rsvps r JOIN people p ON p.id = r.person_id \
         WHERE r.meeting_id = $1 AND r.answer <> 'no' AND p.active ORDER BY r.person_id",
        args![id],
    )?;
    Ok(ids.into_iter().map(PersonId).collect())
}

fn require_host(actor: &Actor, meeting: &Meeting, action: &'static str) -> Result<()> {
    Ok(actor.require_works_in(meeting.team_id, action)?)
}

fn require_not_cancelled(meeting: &Meeting) -> Result<()> {
    match meeting.cancelled() {
        true => Err(Invalid::one("meeting", "this meeting was cancelled").into()),
        false => Ok(()),
    }
}

/// A meeting the actor's team hosts that is neither cancelled nor started: what may still be
/// changed or cancelled. `started` is the field and message for one that has begun.
fn still_to_come(
    tx: &mut Tx,
    actor: &Actor,
    id: MeetingId,
    now: Millis,
    action: &'static str,
    started: (&str, &str),
) -> Result<Meeting> {
    let m = meeting_by_id(tx.exec(), reader(actor), id)?;
    require_host(actor, &m, action)?;
    require_not_cancelled(&m)?;
    if m.started(now.to_utc()) {
        return Err(Invalid::one(started.0, started.1).into());
    }
    Ok(m)
}

/// Which meetings a list shows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MeetingFilter {
    /// One host team's.
    pub team: Option<TeamId>,
    /// Only those the reader is invited to (open to everyone, or to a team of theirs).
    pub invited: bool,
    /// Those still to end (soonest first) or, when false, those that ended (latest first).
    pub coming: bool,
    /// Leave out cancelled meetings.
    pub hide_cancelled: bool,
}

impl Store {
    /// Announces an open meeting of `team` (its members and admins may), invites the teams within
    /// its reach and tells their people.
    #[tracing::instrument(skip_all)]
    pub async fn announce_meeting(
        &self,
        actor: &Actor,
        team: TeamId,
        new: NewMeeting,
        now: Millis,
    ) -> Result<MeetingDetail> {
        let actor = actor.clone();
        actor.require_works_in(team, "announce a meeting for this team: its members may")?;
        self.db
            .write(move |mut tx| {
                let zone = calendar_of(tx.exec(), team)?.zone();
                let m = new.check(zone, now.to_utc())?;
                let starts = m.starts_at.timestamp_millis();
                let ends = starts + i64::from(m.minutes) * 60_000;
                let id: i64 = tx.exec().insert_id(
                    "INSERT INTO meetings (team_id, title, agenda, starts_at, ends_at, zone, place, link, guest_seats, \
                     reach, created_by, created_at, updated_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12)",
                    args![
                        team,
                        &m.title,
                        &m.agenda,
                        starts,
                        ends,
                        m.zone.name(),
                        &m.place,
                        m.link.as_deref(),
                        m.guest_seats.map(i64::from),
                        m.reach.as_str(),
                        actor.person_id,
                        now.0
                    ],
                )?;
                let id = MeetingId(id);
                invite_teams(&mut tx, id, team, m.reach)?;
                let event = record(
                    &mut tx,
                    &actor,
                    "team",
                    team.0,
                    "meeting_announced",
                    json!({ "meeting": id.0, "title": m.title }),
                )?;
                let meeting = meeting_by_id(tx.exec(), reader(&actor), id)?;
                let said = Said::MeetingInvite {
                    meeting: id.0,
                    team: meeting.team_name.clone(),
                    title: meeting.title.clone(),
                    when: meeting.host_time(),
                };
                let invited = invitees(tx.exec(), id, team)?;
                notify(&mut tx, &actor, &[Notice::new(said, event).to(&invited)])?;
                detail(&mut tx, reader(&actor), id)
            })
            .await
    }

    /// Changes a meeting still to come (the host team's members, admins). Moving it tells those who
    /// said yes or maybe and bumps its calendar sequence; a new reach invites anew.
    #[tracing::instrument(skip_all)]
    pub async fn change_meeting(
        &self,
        actor: &Actor,
        id: MeetingId,
        new: NewMeeting,
        now: Millis,
    ) -> Result<MeetingDetail> {
        let actor = actor.clone();
        self.db
            .write(move |mut tx| {
                let before = still_to_come(
                    &mut tx,
                    &actor,
                    id,
                    now,
                    "change this meeting: the host team's members may",
                    ("starts_at", "this meeting has started; it can no longer be changed"),
                )?;
                let zone = calendar_of(tx.exec(), before.team_id)?.zone();
                let m = new.check(zone, now.to_utc())?;
                let moved = reschedules(&before, &m);
                let starts = m.starts_at.timestamp_millis();
                tx.exec().execute(
                    "UPDATE meetings SET title = $1, agenda = $2, starts_at = $3, ends_at = $4, zone = $5, place = $6, \
                     link = $7, guest_seats = $8, reach = $9, sequence = sequence + $10, updated_at = $11 WHERE id = $12",
                    args![
                        &m.title,
                        &m.agenda,
                        starts,
                        starts + i64::from(m.minutes) * 60_000,
                        m.zone.name(),
                        &m.place,
                        m.link.as_deref(),
                        m.guest_seats.map(i64::from),
                        m.reach.as_str(),
                        i64::from(moved),
                        now.0,
                        id
                    ],
                )?;
                if m.reach != before.reach {
                    invite_teams(&mut tx, id, before.team_id, m.reach)?;
                }
                let event = record(&mut tx, &actor, "team", before.team_id.0, "meeting_changed", json!({ "meeting": id.0, "title": m.title }))?;
                if moved {
                    let after = meeting_by_id(tx.exec(), reader(&actor), id)?;
                    let said = Said::MeetingChanged {
                        meeting: id.0,
                        team: after.team_name.clone(),
                        title: after.title.clone(),
                        when: after.host_time(),
                        cancelled: false,
                    };
                    let going = attendees(tx.exec(), id)?;
                    notify(&mut tx, &actor, &[Notice::new(said, event).to(&going)])?;
                }
                detail(&mut tx, reader(&actor), id)
            })
            .await
    }

    /// Cancels a meeting still to come; it stays in calendar feeds marked cancelled, and those who
    /// said yes or maybe are told.
    #[tracing::instrument(skip_all)]
    pub async fn cancel_meeting(
        &self,
        actor: &Actor,
        id: MeetingId,
        reason: String,
        now: Millis,
    ) -> Result<MeetingDetail> {
        let actor = actor.clone();
        self.db
            .write(move |mut tx| {
                let before = still_to_come(
                    &mut tx,
                    &actor,
                    id,
                    now,
                    "cancel this meeting: the host team's members may",
                    ("meeting", "this meeting has started; it can no longer be cancelled"),
                )?;
                let reason = reason.trim().to_owned();
                if reason.chars().count() > 500 {
                    return Err(Invalid::one("reason", "say why in up to 500 characters").into());
                }
                concentric_core::text::check(&reason).map_err(|e| Invalid::one("reason", e))?;
                tx.exec().execute(
                    "UPDATE meetings SET cancelled_at = $1, cancel_reason = $2, sequence = sequence + 1, updated_at = $1 \
                     WHERE id = $3",
                    args![now.0, &reason, id],
                )?;
                let event = record(&mut tx, &actor, "team", before.team_id.0, "meeting_cancelled", json!({ "meeting": id.0, "title": before.title }))?;
                let said = Said::MeetingChanged {
                    meeting: id.0,
                    team: before.team_name.clone(),
                    title: before.title.clone(),
                    when: before.host_time(),
                    cancelled: true,
                };
                let going = attendees(tx.exec(), id)?;
                notify(&mut tx, &actor, &[Notice::new(said, event).to(&going)])?;
                detail(&mut tx, reader(&actor), id)
            })
            .await
    }

    /// Records the actor's answer. Only people invited may answer, before it starts; a yes from a
    /// guest needs a free guest seat.
    #[tracing::instrument(skip_all)]
    pub async fn answer_meeting(&self, actor: &Actor, id: MeetingId, answer: Answer, now: Millis) -> Result<Meeting> {
        let person = actor.person_id.ok_or(Forbidden("answer without being a person in the directory"))?;
        let actor = actor.clone();
        self.db
            .write(move |mut tx| {
                // The meeting's row lock first: one node's writer already takes units in turn, but
                // two app nodes on one PostgreSQL would not, and two guests could both take the
                // last seat.
                tx.exec().execute("UPDATE meetings SET sequence = sequence WHERE id = $1", args![id])?;
                let m = meeting_by_id(tx.exec(), person.0, id)?;
                if !m.invited {
                    return Err(Forbidden("answer this meeting: it is open to the host's partner teams").into());
                }
                require_not_cancelled(&m)?;
                if m.started(now.to_utc()) {
                    return Err(Invalid::one("answer", "this meeting has started; answers are closed").into());
                }
                let guest = !actor.is_member_of(m.team_id);
                let had_seat = m.my_answer == Some(Answer::Yes);
                if answer == Answer::Yes && guest && !had_seat && m.seats_left() == Some(0) {
                    return Err(Invalid::one(
                        "answer",
                        "every guest seat is taken; answer maybe and the host may make room",
                    )
                    .into());
                }
                tx.exec().execute("DELETE FROM meeting_rsvps WHERE meeting_id = $1 AND person_id = $2", args![id, person])?;
                tx.exec().execute(
                    "INSERT INTO meeting_rsvps (meeting_id, person_id, answer, guest, answered_at) VALUES ($1, $2, $3, $4, $5)",
                    args![id, person, answer.as_str(), guest, now.0],
                )?;
                record(&mut tx, &actor, "meeting", id.0, "answered", json!({ "answer": answer.as_str() }))?;
                meeting_by_id(tx.exec(), person.0, id)
            })
            .await
    }

    /// Leaves a question for the host, before the meeting (invited people).
    #[tracing::instrument(skip_all)]
    pub async fn ask_meeting(&self, actor: &Actor, id: MeetingId, body: String, now: Millis) -> Result<MeetingDetail> {
        let person = actor.person_id.ok_or(Forbidden("ask without being a person in the directory"))?;
        let actor = actor.clone();
        self.db
            .write(move |mut tx| {
                let m = meeting_by_id(tx.exec(), person.0, id)?;
                if !m.invited {
                    return Err(Forbidden("ask at this meeting: it is open to the host's partner teams").into());
                }
                require_not_cancelled(&m)?;
                if m.started(now.to_utc()) {
                    return Err(Invalid::one("body", "this meeting has started; ask there").into());
                }
                let body = check_text("body", &body, 2_000, "write your question")?;
                tx.exec().execute(
                    "INSERT INTO meeting_questions (meeting_id, person_id, body, asked_at) VALUES ($1, $2, $3, $4)",
                    args![id, person, &body, now.0],
                )?;
                record(&mut tx, &actor, "meeting", id.0, "asked", json!({}))?;
                detail(&mut tx, person.0, id)
            })
            .await
    }

    /// Writes the notes of a meeting once it has started (the host team); the first notes tell
    /// those who said yes or maybe.
    #[tracing::instrument(skip_all)]
    pub async fn write_meeting_notes(
        &self,
        actor: &Actor,
        id: MeetingId,
        notes: String,
        now: Millis,
    ) -> Result<MeetingDetail> {
        let actor = actor.clone();
        self.db
            .write(move |mut tx| {
                let m = meeting_by_id(tx.exec(), reader(&actor), id)?;
                require_host(&actor, &m, "write this meeting's notes: the host team's members may")?;
                require_not_cancelled(&m)?;
                if !m.started(now.to_utc()) {
                    return Err(Invalid::one("notes", "notes are written once the meeting has started").into());
                }
                let notes = check_text("notes", &notes, 20_000, "write the notes")?;
                tx.exec().execute(
                    "UPDATE meetings SET notes = $1, updated_at = $2 WHERE id = $3",
                    args![&notes, now.0, id],
                )?;
                let event = record(
                    &mut tx,
                    &actor,
                    "team",
                    m.team_id.0,
                    "meeting_notes",
                    json!({ "meeting": id.0, "title": m.title }),
                )?;
                if m.notes.is_empty() {
                    let said = Said::MeetingNotes { meeting: id.0, team: m.team_name.clone(), title: m.title.clone() };
                    let going = attendees(tx.exec(), id)?;
                    notify(&mut tx, &actor, &[Notice::new(said, event).to(&going)])?;
                }
                detail(&mut tx, reader(&actor), id)
            })
            .await
    }

    /// One meeting with its answers, questions and invited teams; meetings are the whole
    /// organisation's to read.
    #[tracing::instrument(skip_all)]
    pub async fn meeting(&self, actor: &Actor, id: MeetingId) -> Result<MeetingDetail> {
        let reader = reader(actor);
        self.db.read(move |mut tx| detail(&mut tx, reader, id)).await
    }

    /// Meetings as of `now`: those to come soonest first, or those past latest first.
    #[tracing::instrument(skip_all)]
    pub async fn meetings(
        &self,
        actor: &Actor,
        filter: MeetingFilter,
        page: PageRequest,
        now: Millis,
    ) -> Result<Page<Meeting>> {
        let reader = reader(actor);
        self.db
            .read(move |mut tx| {
                let mut params: Vec<Arg> = args![reader, now.0];
                let mut conds = vec![if filter.coming { "m.ends_at > $2" } else { "m.ends_at <= $2" }.to_owned()];
                if let Some(team) = filter.team {
                    params.extend(args![team]);
                    conds.push(format!("m.team_id = ${}", params.len()));
                }
                if filter.invited {
                    conds.push(INVITED.to_owned());
                }
                if filter.hide_cancelled {
                    conds.push("m.cancelled_at IS NULL".to_owned());
                }
                let clause = conds.join(" AND ");
                // Counted over the same select, so `$1` (the reader) is used in both.
                let total: i64 = tx
                    .exec()
                    .scalar(&format!("SELECT COUNT(*) FROM ({} WHERE {clause}) counted", select()), params.clone())?;
                let order = if filter.coming { "m.starts_at, m.id" } else { "m.starts_at DESC, m.id DESC" };
                let (limit, offset) = (params.len() + 1, params.len() + 2);
                params.extend(args![page.limit(), page.offset()]);
                let rows: Vec<MeetingRow> = tx.exec().all(
                    &format!("{} WHERE {clause} ORDER BY {order} LIMIT ${limit} OFFSET ${offset}", select()),
                    params,
                )?;
                Ok(Page::new(rows.into_iter().map(Meeting::from).collect(), u64::try_from(total).unwrap_or(0), page))
            })
            .await
    }

    /// The meetings a calendar feed lists, from 30 days back: a team's own, or a person's (those
    /// they said yes or maybe to, and their teams' own). Cancelled ones stay, marked, so calendar
    /// apps drop them.
    #[tracing::instrument(skip_all)]
    pub(crate) async fn feed_meetings(
        &self,
        team: Option<TeamId>,
        person: PersonId,
        now: Millis,
    ) -> Result<Vec<Meeting>> {
        self.db
            .read(move |mut tx| {
                let since = now.0 - 30 * 86_400_000;
                let rows: Vec<MeetingRow> = match team {
                    Some(team) => tx.exec().all(
                        &format!("{} WHERE m.team_id = $2 AND m.starts_at >= $3 ORDER BY m.starts_at, m.id", select()),
                        args![person, team, since],
                    )?,
                    None => tx.exec().all(
                        &format!(
                            "{} WHERE m.starts_at >= $2 AND (m.id IN (SELECT meeting_id FROM meeting_rsvps \
                             WHERE person_id = $1 AND answer <> 'no') \
                             OR m.team_id IN (SELECT team_id FROM team_members WHERE person_id = $1)) \
                             ORDER BY m.starts_at, m.id",
                            select()
                        ),
                        args![person, since],
                    )?,
                };
                Ok(rows.into_iter().map(Meeting::from).collect())
            })
            .await
    }
}

//! Notices: what Concentric tells a person, in one place. Each kind renders its own one-line
//! summary (the in-app bell), its mail subject and its plain-text and HTML mail body; the store
//! only decides who gets it and the server only delivers it.

use std::fmt::Write as _;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::text::escape_html;
use crate::RequestId;

/// Every kind of notice. The string form is stored and is the API's `kind`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum NoticeKind {
    /// A new request in your team's queue.
    NewRequest,
    /// A request was assigned (or escalated) to you.
    Assigned,
    /// A reply on a request you are party to.
    Reply,
    /// A request you are party to changed status.
    Status,
    TargetAtRisk,
    TargetBreached,
    /// Your request will now miss its target: other work was put ahead of it.
    Slipped,
    /// Your request is resolved: rate it.
    RateRequest,
    /// To the providing team's leads.
    PoorRating,
    CommitmentReminder,
    CommitmentOverdue,
    CommitmentLate,
    CommitmentDelivered,
    CommitmentAccepted,
    CommitmentSentBack,
    ReviewPlanned,
    ActionAssigned,
    ActionOverdue,
    SurveyOpen,
    SurveyReminder,
    SurveyClosed,
    /// A post from a team the person follows.
    TeamNews,
    /// An open meeting of another team the person is invited to.
    MeetingInvite,
    /// A meeting the person said they would attend moved or was cancelled.
    MeetingChanged,
    /// The host's notes from a meeting the person answered.
    MeetingNotes,
    /// Thanks to the person, or to a team of theirs.
    Thanked,
    /// An ambassador placement that involves the person or waits on their answer.
    PlacementProposed,
    /// A placement the person proposed or is on was accepted or declined.
    PlacementDecided,
    /// An ambassador's report on a placement with the person's team.
    PlacementReported,
    /// The organisation's week, on Monday morning.
    Weekly,
}

/// How a person wants one kind of notice by mail. The bell always has it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MailDelivery {
    /// Only in the bell.
    Off,
    /// A mail as it happens.
    Immediate,
    /// Gathered into one mail a day, in the person's own time zone.
    Digest,
}

impl MailDelivery {
    pub const ALL: [MailDelivery; 3] = [MailDelivery::Immediate, MailDelivery::Digest, MailDelivery::Off];

    pub fn as_str(self) -> &'static str {
        match self {
            MailDelivery::Off => "off",
            MailDelivery::Immediate => "immediate",
            MailDelivery::Digest => "digest",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|d| d.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            MailDelivery::Off => "Not by mail",
            MailDelivery::Immediate => "Right away",
            MailDelivery::Digest => "Daily digest",
        }
    }
}

impl NoticeKind {
    pub const ALL: [NoticeKind; 30] = [
        NoticeKind::NewRequest,
        NoticeKind::Assigned,
        NoticeKind::Reply,
        NoticeKind::Status,
        NoticeKind::TargetAtRisk,
        NoticeKind::TargetBreached,
        NoticeKind::Slipped,
        NoticeKind::RateRequest,
        NoticeKind::PoorRating,
        NoticeKind::CommitmentReminder,
        NoticeKind::CommitmentOverdue,
        NoticeKind::CommitmentLate,
        NoticeKind::CommitmentDelivered,
        NoticeKind::CommitmentAccepted,
        NoticeKind::CommitmentSentBack,
        NoticeKind::ReviewPlanned,
        NoticeKind::ActionAssigned,
        NoticeKind::ActionOverdue,
        NoticeKind::SurveyOpen,
        NoticeKind::SurveyReminder,
        NoticeKind::SurveyClosed,
        NoticeKind::TeamNews,
        NoticeKind::MeetingInvite,
        NoticeKind::MeetingChanged,
        NoticeKind::MeetingNotes,
        NoticeKind::Thanked,
        NoticeKind::PlacementProposed,
        NoticeKind::PlacementDecided,
        NoticeKind::PlacementReported,
        NoticeKind::Weekly,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            NoticeKind::NewRequest => "new_request",
            NoticeKind::Assigned => "assigned",
            NoticeKind::Reply => "reply",
            NoticeKind::Status => "status",
            NoticeKind::TargetAtRisk => "target_at_risk",
            NoticeKind::TargetBreached => "target_breached",
            NoticeKind::Slipped => "slipped",
            NoticeKind::RateRequest => "rate_request",
            NoticeKind::PoorRating => "poor_rating",
            NoticeKind::CommitmentReminder => "commitment_reminder",
            NoticeKind::CommitmentOverdue => "commitment_overdue",
            NoticeKind::CommitmentLate => "commitment_late",
            NoticeKind::CommitmentDelivered => "commitment_delivered",
            NoticeKind::CommitmentAccepted => "commitment_accepted",
            NoticeKind::CommitmentSentBack => "commitment_sent_back",
            NoticeKind::ReviewPlanned => "review_planned",
            NoticeKind::ActionAssigned => "action_assigned",
            NoticeKind::ActionOverdue => "action_overdue",
            NoticeKind::SurveyOpen => "survey_open",
            NoticeKind::SurveyReminder => "survey_reminder",
            NoticeKind::SurveyClosed => "survey_closed",
            NoticeKind::TeamNews => "team_news",
            NoticeKind::MeetingInvite => "meeting_invite",
            NoticeKind::MeetingChanged => "meeting_changed",
            NoticeKind::MeetingNotes => "meeting_notes",
            NoticeKind::Thanked => "thanked",
            NoticeKind::PlacementProposed => "placement_proposed",
            NoticeKind::PlacementDecided => "placement_decided",
            NoticeKind::PlacementReported => "placement_reported",
            NoticeKind::Weekly => "weekly",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// What the kind is, as a person choosing how to receive it reads it.
    pub fn label(self) -> &'static str {
        match self {
            NoticeKind::NewRequest => "A new request in my team's queue",
            NoticeKind::Assigned => "A request assigned or escalated to me",
            NoticeKind::Reply => "A reply on a request I am part of",
            NoticeKind::Status => "A status change on a request I am part of",
            NoticeKind::TargetAtRisk => "A target at risk",
            NoticeKind::TargetBreached => "A target breached",
            NoticeKind::Slipped => "My request will miss its target because other work came first",
            NoticeKind::RateRequest => "My request is resolved: rate it",
            NoticeKind::PoorRating => "A poor rating for my team",
            NoticeKind::CommitmentReminder => "A reminder of something I owe",
            NoticeKind::CommitmentOverdue => "Something my team owes is overdue",
            NoticeKind::CommitmentLate => "Something my team waits on is late",
            NoticeKind::CommitmentDelivered => "A delivery to my team",
            NoticeKind::CommitmentAccepted => "A delivery of mine accepted",
            NoticeKind::CommitmentSentBack => "A delivery of mine sent back",
            NoticeKind::ReviewPlanned => "A partnership review I am invited to",
            NoticeKind::ActionAssigned => "An action item given to me",
            NoticeKind::ActionOverdue => "An action item of mine overdue",
            NoticeKind::SurveyOpen => "A relationship survey to answer",
            NoticeKind::SurveyReminder => "A reminder to answer a survey",
            NoticeKind::SurveyClosed => "A survey's results are ready",
            NoticeKind::TeamNews => "News from a team I follow",
            NoticeKind::MeetingInvite => "An open meeting I am invited to",
            NoticeKind::MeetingChanged => "A meeting I answered moved or was cancelled",
            NoticeKind::MeetingNotes => "Notes from a meeting I answered",
            NoticeKind::Thanked => "Thanks to me or my team",
            NoticeKind::PlacementProposed => "An ambassador placement for me or my team to answer",
            NoticeKind::PlacementDecided => "An answer to an ambassador placement",
            NoticeKind::PlacementReported => "An ambassador's report on my team",
            NoticeKind::Weekly => "The organisation's week: spotlights, open meetings, new services, partnerships",
        }
    }

    /// The part of the product the kind belongs to, to group the choices on the account page.
    pub fn area(self) -> &'static str {
        match self {
            NoticeKind::NewRequest | NoticeKind::Assigned | NoticeKind::Reply | NoticeKind::Status => "Requests",
            NoticeKind::TargetAtRisk | NoticeKind::TargetBreached | NoticeKind::Slipped => "Targets",
            NoticeKind::RateRequest | NoticeKind::PoorRating => "Ratings",
            NoticeKind::CommitmentReminder
            | NoticeKind::CommitmentOverdue
            | NoticeKind::CommitmentLate
            | NoticeKind::CommitmentDelivered
            | NoticeKind::CommitmentAccepted
            | NoticeKind::CommitmentSentBack => "Commitments",
            NoticeKind::ReviewPlanned | NoticeKind::ActionAssigned | NoticeKind::ActionOverdue => "Partnership reviews",
            NoticeKind::SurveyOpen | NoticeKind::SurveyReminder | NoticeKind::SurveyClosed => "Surveys",
            NoticeKind::TeamNews
            | NoticeKind::MeetingInvite
            | NoticeKind::MeetingChanged
            | NoticeKind::MeetingNotes
            | NoticeKind::Thanked
            | NoticeKind::PlacementProposed
            | NoticeKind::PlacementDecided
            | NoticeKind::PlacementReported
            | NoticeKind::Weekly => "Teams",
        }
    }

    /// The mail delivery of a person who never chose: what needs them now comes at once, news
    /// comes in the digest, and the queue's every new request stays in the bell.
    pub fn default_delivery(self) -> MailDelivery {
        match self {
            NoticeKind::Assigned
            | NoticeKind::Reply
            | NoticeKind::TargetBreached
            | NoticeKind::Slipped
            | NoticeKind::RateRequest
            | NoticeKind::CommitmentReminder
            | NoticeKind::CommitmentOverdue
            | NoticeKind::CommitmentSentBack
            | NoticeKind::ActionAssigned
            | NoticeKind::SurveyOpen
            | NoticeKind::MeetingChanged
            | NoticeKind::PlacementProposed
            | NoticeKind::Weekly => MailDelivery::Immediate,
            NoticeKind::NewRequest => MailDelivery::Off,
            _ => MailDelivery::Digest,
        }
    }
}

/// The request a notice is about: enough to link to it and to thread its mail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestRef {
    pub id: RequestId,
    /// e.g. `IT-42`.
    pub key: String,
    /// The request's subject line.
    pub title: String,
}

/// One notice, with what its text needs. Dates arrive formatted for the reader (`3 Dec`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Notice {
    NewRequest {
        request: RequestRef,
    },
    Assigned {
        request: RequestRef,
        escalated: bool,
    },
    Reply {
        request: RequestRef,
        by: String,
        text: String,
    },
    Status {
        request: RequestRef,
        status: String,
    },
    TargetAtRisk {
        request: RequestRef,
        target: String,
        left: String,
    },
    TargetBreached {
        request: RequestRef,
        target: String,
        breach: String,
    },
    /// `request` (the reader's) now misses its target by about `late` because `by` went first.
    Slipped {
        request: RequestRef,
        by: String,
        late: String,
    },
    RateRequest {
        request: RequestRef,
    },
    PoorRating {
        request: RequestRef,
        requester: String,
    },
    CommitmentReminder {
        commitment: i64,
        title: String,
        receiver: String,
        when: String,
    },
    CommitmentOverdue {
        commitment: i64,
        title: String,
        receiver: String,
        due: String,
    },
    CommitmentLate {
        commitment: i64,
        title: String,
        provider: String,
        due: String,
    },
    CommitmentDelivered {
        commitment: i64,
        title: String,
        provider: String,
        due: String,
    },
    CommitmentAccepted {
        commitment: i64,
        title: String,
        receiver: String,
        due: String,
    },
    CommitmentSentBack {
        commitment: i64,
        title: String,
        receiver: String,
        due: String,
        reason: String,
    },
    ReviewPlanned {
        review: i64,
        title: String,
        supplier: String,
        customer: String,
        when: String,
    },
    ActionAssigned {
        review: i64,
        review_title: String,
        title: String,
        due: String,
    },
    ActionOverdue {
        review: i64,
        title: String,
        due: String,
        waiting: String,
    },
    SurveyOpen {
        supplier: String,
        customer: String,
    },
    SurveyReminder {
        supplier: String,
        customer: String,
    },
    SurveyClosed {
        supplier: String,
        customer: String,
    },
    TeamNews {
        post: i64,
        team: String,
        title: String,
        spotlight: bool,
    },
    MeetingInvite {
        meeting: i64,
        team: String,
        title: String,
        when: String,
    },
    MeetingChanged {
        meeting: i64,
        team: String,
        title: String,
        when: String,
        cancelled: bool,
    },
    MeetingNotes {
        meeting: i64,
        team: String,
        title: String,
    },
    Thanked {
        thanks: i64,
        from: String,
        /// The team thanked, or none when it was the reader.
        team: Option<String>,
        message: String,
    },
    PlacementProposed {
        placement: i64,
        ambassador: String,
        host: String,
        when: String,
    },
    PlacementDecided {
        placement: i64,
        ambassador: String,
        host: String,
        accepted: bool,
    },
    PlacementReported {
        placement: i64,
        ambassador: String,
        host: String,
    },
    Weekly {
        week: crate::weekly::Week,
    },
}

impl Notice {
    pub fn kind(&self) -> NoticeKind {
        match self {
            Notice::NewRequest { .. } => NoticeKind::NewRequest,
            Notice::Assigned { .. } => NoticeKind::Assigned,
            Notice::Reply { .. } => NoticeKind::Reply,
            Notice::Status { .. } => NoticeKind::Status,
            Notice::TargetAtRisk { .. } => NoticeKind::TargetAtRisk,
            Notice::TargetBreached { .. } => NoticeKind::TargetBreached,
            Notice::Slipped { .. } => NoticeKind::Slipped,
            Notice::RateRequest { .. } => NoticeKind::RateRequest,
            Notice::PoorRating { .. } => NoticeKind::PoorRating,
            Notice::CommitmentReminder { .. } => NoticeKind::CommitmentReminder,
            Notice::CommitmentOverdue { .. } => NoticeKind::CommitmentOverdue,
            Notice::CommitmentLate { .. } => NoticeKind::CommitmentLate,
            Notice::CommitmentDelivered { .. } => NoticeKind::CommitmentDelivered,
            Notice::CommitmentAccepted { .. } => NoticeKind::CommitmentAccepted,
            Notice::CommitmentSentBack { .. } => NoticeKind::CommitmentSentBack,
            Notice::ReviewPlanned { .. } => NoticeKind::ReviewPlanned,
            Notice::ActionAssigned { .. } => NoticeKind::ActionAssigned,
            Notice::ActionOverdue { .. } => NoticeKind::ActionOverdue,
            Notice::SurveyOpen { .. } => NoticeKind::SurveyOpen,
            Notice::SurveyReminder { .. } => NoticeKind::SurveyReminder,
            Notice::SurveyClosed { .. } => NoticeKind::SurveyClosed,
            Notice::TeamNews { .. } => NoticeKind::TeamNews,
            Notice::MeetingInvite { .. } => NoticeKind::MeetingInvite,
            Notice::MeetingChanged { .. } => NoticeKind::MeetingChanged,
            Notice::MeetingNotes { .. } => NoticeKind::MeetingNotes,
            Notice::Thanked { .. } => NoticeKind::Thanked,
            Notice::PlacementProposed { .. } => NoticeKind::PlacementProposed,
            Notice::PlacementDecided { .. } => NoticeKind::PlacementDecided,
            Notice::PlacementReported { .. } => NoticeKind::PlacementReported,
            Notice::Weekly { .. } => NoticeKind::Weekly,
        }
    }

    /// The request it is about, if any.
    pub fn request(&self) -> Option<&RequestRef> {
        match self {
            Notice::NewRequest { request }
            | Notice::Assigned { request, .. }
            | Notice::Reply { request, .. }
            | Notice::Status { request, .. }
            | Notice::TargetAtRisk { request, .. }
            | Notice::TargetBreached { request, .. }
            | Notice::Slipped { request, .. }
            | Notice::RateRequest { request }
            | Notice::PoorRating { request, .. } => Some(request),
            _ => None,
        }
    }

    pub fn commitment(&self) -> Option<i64> {
        match self {
            Notice::CommitmentReminder { commitment, .. }
            | Notice::CommitmentOverdue { commitment, .. }
            | Notice::CommitmentLate { commitment, .. }
            | Notice::CommitmentDelivered { commitment, .. }
            | Notice::CommitmentAccepted { commitment, .. }
            | Notice::CommitmentSentBack { commitment, .. } => Some(*commitment),
            _ => None,
        }
    }

    pub fn review(&self) -> Option<i64> {
        match self {
            Notice::ReviewPlanned { review, .. }
            | Notice::ActionAssigned { review, .. }
            | Notice::ActionOverdue { review, .. } => Some(*review),
            _ => None,
        }
    }

    /// The page the notice links to, as a path under the server's base address.
    pub fn path(&self) -> String {
        if let Some(r) = self.request() {
            return format!("/requests/{}", r.key);
        }
        if let Some(c) = self.commitment() {
            return format!("/commitments/{c}");
        }
        if let Some(v) = self.review() {
            return format!("/reviews/{v}");
        }
        match self {
            Notice::SurveyClosed { .. } => String::from("/network"),
            Notice::TeamNews { post, .. } => format!("/news/{post}"),
            Notice::MeetingInvite { meeting, .. }
            | Notice::MeetingChanged { meeting, .. }
            | Notice::MeetingNotes { meeting, .. } => format!("/meetings/{meeting}"),
            Notice::Thanked { thanks, .. } => format!("/thanks/{thanks}"),
            Notice::PlacementProposed { placement, .. }
            | Notice::PlacementDecided { placement, .. }
            | Notice::PlacementReported { placement, .. } => format!("/placements/{placement}"),
            Notice::Weekly { .. } => String::from("/week"),
            _ => String::from("/surveys"),
        }
    }

    /// The one line shown in the bell.
    pub fn summary(&self) -> String {
        match self {
            Notice::NewRequest { request } => format!("New request {}: {}", request.key, request.title),
            Notice::Assigned { request, escalated: false } => format!("{} was assigned to you", request.key),
            Notice::Assigned { request, escalated: true } => format!("{} was escalated to you", request.key),
            Notice::Reply { request, by, .. } => format!("{by} replied on {}", request.key),
            Notice::Status { request, status } => format!("{} is now {status}", request.key),
            Notice::TargetAtRisk { request, target, left } => {
                format!("{}: {target} target at risk, {left} of working time left", request.key)
            }
            Notice::TargetBreached { request, target, breach } => format!("{}: {target} target {breach}", request.key),
            Notice::Slipped { request, by, late } => {
                format!("{} will now miss its target by about {late}: {by} was put ahead of it", request.key)
            }
            Notice::RateRequest { request } => format!("{} is resolved: how did it go? Rate it", request.key),
            Notice::PoorRating { request, requester } => format!("{} was rated poor by {requester}", request.key),
            Notice::CommitmentReminder { title, receiver, when, .. } => {
                format!("Reminder: {title} for {receiver} is due {when}")
            }
            Notice::CommitmentOverdue { title, receiver, due, .. } => {
                format!("Overdue: {title} for {receiver} (due {due})")
            }
            Notice::CommitmentLate { title, provider, due, .. } => {
                format!("Late: {title} from {provider} (due {due}) has not arrived")
            }
            Notice::CommitmentDelivered { title, provider, due, .. } => {
                format!("{provider} delivered {title} (due {due})")
            }
            Notice::CommitmentAccepted { title, receiver, due, .. } => {
                format!("{receiver} accepted {title} (due {due})")
            }
            Notice::CommitmentSentBack { title, receiver, due, reason, .. } => {
                format!("{receiver} sent back {title} (due {due}): {reason}")
            }
            Notice::ReviewPlanned { title, supplier, customer, when, .. } => {
                format!("{title}: {supplier} and {customer} meet {when}")
            }
            Notice::ActionAssigned { review_title, title, due, .. } => {
                format!("Action for you from {review_title}: {title} (due {due})")
            }
            Notice::ActionOverdue { title, due, waiting, .. } => {
                format!("Overdue: {title} (due {due}, {waiting} is waiting)")
            }
            Notice::SurveyOpen { supplier, customer } => {
                format!("A short survey on {supplier} and {customer}: how is it going?")
            }
            Notice::SurveyReminder { supplier, customer } => {
                format!("A reminder: the survey on {supplier} and {customer} closes soon")
            }
            Notice::SurveyClosed { supplier, customer } => {
                format!("The survey on {supplier} and {customer} has closed: see the results")
            }
            Notice::TeamNews { team, title, spotlight: false, .. } => format!("News from {team}: {title}"),
            Notice::TeamNews { team, title, spotlight: true, .. } => format!("Spotlight on {team}: {title}"),
            Notice::MeetingInvite { team, title, when, .. } => {
                format!("{team} invites you to an open meeting: {title}, {when}")
            }
            Notice::MeetingChanged { team, title, when, cancelled: false, .. } => {
                format!("{team} moved {title}: now {when}")
            }
            Notice::MeetingChanged { team, title, when, cancelled: true, .. } => {
                format!("{team} cancelled {title} ({when})")
            }
            Notice::MeetingNotes { team, title, .. } => format!("{team} posted the notes of {title}"),
            Notice::Thanked { from, team: None, .. } => format!("{from} thanked you"),
            Notice::Thanked { from, team: Some(team), .. } => format!("{from} thanked {team}"),
            Notice::PlacementProposed { ambassador, host, when, .. } => {
                format!("Proposed: {ambassador} spends {when} with {host} as an ambassador")
            }
            Notice::PlacementDecided { ambassador, host, accepted: true, .. } => {
                format!("Agreed: {ambassador} spends time with {host} as an ambassador")
            }
            Notice::PlacementDecided { ambassador, host, accepted: false, .. } => {
                format!("Declined: {ambassador}'s time with {host}")
            }
            Notice::PlacementReported { ambassador, host, .. } => {
                format!("{ambassador} reported on their time with {host}")
            }
            Notice::Weekly { week } => format!("Your week across the organisation: {}", week.counts()),
        }
    }

    /// The mail subject. Request mail always reads `[IT-42] subject`, so mail clients and people
    /// see one conversation per request and a reply routes back by its key.
    pub fn mail_subject(&self) -> String {
        match self.request() {
            Some(r) => format!("[{}] {}", r.key, r.title),
            None => self.summary(),
        }
    }

    /// The paragraphs of the mail body, before the link.
    fn paragraphs(&self) -> Vec<String> {
        let mut out = vec![format!("{}.", self.summary().trim_end_matches('.'))];
        match self {
            Notice::Reply { text, .. } => out.push(text.clone()),
            Notice::Slipped { .. } => out.push(String::from(
                "The team works the most urgent requests first. If yours cannot wait, say so in a reply on the request.",
            )),
            Notice::Thanked { message, .. } => out.push(message.clone()),
            Notice::Weekly { week } => out.extend(week.lines()),
            Notice::RateRequest { .. } => out.push(String::from(
                "Choose an answer below, then send it from the request page, with a comment if you like.",
            )),
            Notice::SurveyOpen { .. } | Notice::SurveyReminder { .. } => out.push(String::from(
                "It takes two minutes. Answers are shown only in aggregate and are never linked to you.",
            )),
            _ => {}
        }
        out
    }

    /// Answers the mail offers as links (a rating's good, okay, poor), each opening the page with
    /// the answer marked, to send with one more click: a link never changes anything by itself,
    /// since mail scanners open links too.
    fn answers(&self) -> Vec<(&'static str, String)> {
        match self {
            Notice::RateRequest { request } => [("Good", "good"), ("Okay", "okay"), ("Poor", "poor")]
                .into_iter()
                .map(|(word, answer)| (word, format!("/requests/{}?rate={answer}#rating", request.key)))
                .collect(),
            _ => Vec::new(),
        }
    }

    /// The plain-text body, with the link to the thing.
    pub fn mail_text(&self, base_url: &str) -> String {
        let base = base_url.trim_end_matches('/');
        let mut body = self.paragraphs().join("\n\n");
        for (word, path) in self.answers() {
            let _ = write!(body, "\n\n{word}: {base}{path}");
        }
        let _ = write!(body, "\n\nOpen it: {base}{}\n", self.path());
        body
    }

    /// The HTML body: the same words, escaped, and a link.
    pub fn mail_html(&self, base_url: &str) -> String {
        let mut html = String::new();
        for p in self.paragraphs() {
            html.push_str("<p>");
            html.push_str(&escape_html(&p).replace('\n', "<br>\n"));
            html.push_str("</p>\n");
        }
        let answers: Vec<String> = self
            .answers()
            .into_iter()
            .map(|(word, path)| {
                let url = format!("{}{path}", base_url.trim_end_matches('/'));
                format!("<a href=\"{}\"><strong>{word}</strong></a>", escape_html(&url))
            })
            .collect();
        if !answers.is_empty() {
            let _ = writeln!(html, "<p>{}</p>", answers.join(" · "));
        }
        let url = format!("{}{}", base_url.trim_end_matches('/'), self.path());
        let _ = writeln!(html, "<p><a href=\"{}\">Open it in Concentric</a></p>", escape_html(&url));
        html
    }
}

/// Something a person should know about.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Notification {
    pub id: i64,
    pub kind: NoticeKind,
    pub request_key: Option<String>,
    /// The commitment it is about, for reminders, deliveries and overdue notices.
    pub commitment_id: Option<i64>,
    /// The partnership review it is about, for reviews and their action items.
    pub review_id: Option<i64>,
    pub summary: String,
    pub created_at: DateTime<Utc>,
    pub read: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request() -> RequestRef {
        RequestRef { id: RequestId(7), key: "IT-42".into(), title: "Laptop <broken>".into() }
    }

    #[test]
    fn kinds_round_trip_and_match_their_notices() {
        for k in NoticeKind::ALL {
            assert_eq!(NoticeKind::parse(k.as_str()), Some(k));
            assert_eq!(serde_json::to_value(k).ok(), Some(serde_json::Value::String(k.as_str().into())));
        }
        let n = Notice::Reply { request: request(), by: "Ann".into(), text: "Done".into() };
        assert_eq!(n.kind(), NoticeKind::Reply);
        let json = serde_json::to_value(&n).unwrap_or_default();
        assert_eq!(json["kind"], "reply");
        assert_eq!(serde_json::from_value::<Notice>(json).ok(), Some(n));
    }

    #[test]
    fn request_mail_threads_by_key_and_escapes_html() {
        let n = Notice::Reply { request: request(), by: "Ann & Bo".into(), text: "<script>x</script>".into() };
        assert_eq!(n.mail_subject(), "[IT-42] Laptop <broken>");
        assert_eq!(n.summary(), "Ann & Bo replied on IT-42");
        let text = n.mail_text("https://c.example.com/");
        assert!(text.contains("<script>x</script>"));
        assert!(text.ends_with("Open it: https://c.example.com/requests/IT-42\n"));
        let html = n.mail_html("https://c.example.com");
        assert!(html.contains("Ann &amp; Bo replied"));
        assert!(html.contains("&lt;script&gt;x&lt;/script&gt;"));
        assert!(html.contains("href=\"https://c.example.com/requests/IT-42\""));
    }

    #[test]
    fn links_go_to_the_thing() {
        let c = Notice::CommitmentLate {
            commitment: 3,
            title: "Payroll".into(),
            provider: "HR".into(),
            due: "3 Dec".into(),
        };
        assert_eq!(c.path(), "/commitments/3");
        assert_eq!(c.mail_subject(), "Late: Payroll from HR (due 3 Dec) has not arrived");
        let s = Notice::SurveyOpen { supplier: "IT".into(), customer: "HR".into() };
        assert_eq!(s.path(), "/surveys");
        assert_eq!(NoticeKind::NewRequest.default_delivery(), MailDelivery::Off);
        let n = Notice::TeamNews { post: 9, team: "IT Services".into(), title: "New laptops".into(), spotlight: true };
        assert_eq!((n.path(), n.summary()), ("/news/9".into(), "Spotlight on IT Services: New laptops".into()));
        assert_eq!(n.kind().default_delivery(), MailDelivery::Digest);
    }
}

/// How one person receives one kind of notice by mail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct MailPreference {
    pub kind: NoticeKind,
    pub delivery: MailDelivery,
}

impl MailPreference {
    /// Every kind, each at the person's choice or else its default.
    pub fn complete(chosen: &[MailPreference]) -> Vec<MailPreference> {
        NoticeKind::ALL
            .into_iter()
            .map(|kind| MailPreference {
                kind,
                delivery: chosen.iter().find(|c| c.kind == kind).map_or(kind.default_delivery(), |c| c.delivery),
            })
            .collect()
    }
}

//! Home: where each person starts their day. What a request is waiting on, in words, and the
//! getting-started checklist that guides the first admin through an empty install.

use serde::Serialize;

use crate::request::{Request, Status};
use crate::text::possessive;
use crate::PersonId;

/// What an install has so far, read in one go; the checklist ticks itself off from it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SetupProgress {
    pub has_team: bool,
    /// Someone besides the first admin.
    pub has_people: bool,
    pub has_service: bool,
    /// A service with targets.
    pub has_target: bool,
    pub has_request: bool,
    /// The first active team (by key), to point the next step at.
    pub first_team: Option<String>,
    /// The first active service, as (team key, slug).
    pub first_service: Option<(String, String)>,
}

/// One step of getting started.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct SetupStep {
    pub title: &'static str,
    /// Why the step matters, in one sentence.
    pub why: &'static str,
    pub done: bool,
    /// Where to take it.
    pub href: String,
}

/// The steps from an empty install to the first tracked request, in order; `None` once all
/// are done, so the checklist leaves home when it has nothing left to say.
pub fn getting_started(p: &SetupProgress) -> Option<Vec<SetupStep>> {
    let team_page =
        |tail: &str| p.first_team.as_ref().map_or_else(|| "/teams/new".to_owned(), |k| format!("/teams/{k}{tail}"));
    let steps = vec![
        SetupStep {
            title: "Create your teams",
            why: "Every request, service and commitment belongs to a team.",
            done: p.has_team,
            href: "/teams/new".into(),
        },
        SetupStep {
            title: "Add the people",
            why: "One by one, or a whole directory from a CSV file, with their managers and teams.",
            done: p.has_people,
            href: "/admin/import".into(),
        },
        SetupStep {
            title: "Publish a service",
            why: "A service is what a team offers, with the form that asks the right questions.",
            done: p.has_service,
            href: team_page("/services/new"),
        },
        SetupStep {
            title: "Set a target",
            why: "How fast a team answers and resolves, counted in its business hours.",
            done: p.has_target,
            href: p
                .first_service
                .as_ref()
                .map_or_else(|| team_page("/services/new"), |(t, s)| format!("/teams/{t}/services/{s}/targets")),
        },
        SetupStep {
            title: "File the first request",
            why: "Ask a team for something from its catalog and watch its clocks run.",
            done: p.has_request,
            href: "/services".into(),
        },
    ];
    (!steps.iter().all(|s| s.done)).then_some(steps)
}

/// What a request is waiting on, told to the person who asked for it: "Waiting on you", "With
/// Hugo Lind", "Waiting for IT Services to pick it up".
pub fn waiting_on(r: &Request, me: PersonId) -> String {
    let mine = r.assignee_id == Some(me);
    let name = r.assignee_name.as_deref().unwrap_or(&r.team_name);
    match r.status {
        Status::New | Status::Open if r.assignee_id.is_none() => {
            format!("Waiting for {} to pick it up", r.team_name)
        }
        Status::New | Status::Open if mine => "Assigned to you".to_owned(),
        Status::New | Status::Open => format!("With {name}"),
        Status::InProgress if mine => "You are working on it".to_owned(),
        Status::InProgress => format!("{name} is working on it"),
        Status::WaitingOnRequester if r.requester_id == me => "Waiting on your answer".to_owned(),
        Status::WaitingOnRequester => format!("Waiting on {} answer", possessive(&r.requester_name)),
        Status::WaitingOnOthers if mine => "You are waiting on someone else".to_owned(),
        Status::WaitingOnOthers => format!("{name} is waiting on someone else"),
        Status::Resolved => "Resolved: confirm it, or reply to reopen".to_owned(),
        Status::Closed => "Closed".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_checklist_ticks_itself_off_and_leaves() {
        let mut p = SetupProgress::default();
        let steps = getting_started(&p).unwrap();
        assert_eq!(steps.iter().filter(|s| s.done).count(), 0, "the admin alone is not 'the people'");
        assert_eq!(steps[2].href, "/teams/new", "no team yet: a service needs one first");
        p.has_team = true;
        p.first_team = Some("IT".into());
        let steps = getting_started(&p).unwrap();
        assert!(steps[0].done);
        assert_eq!(steps[2].href, "/teams/IT/services/new");
        p.has_people = true;
        p.has_service = true;
        p.first_service = Some(("IT".into(), "laptop".into()));
        p.has_target = true;
        assert_eq!(getting_started(&p).unwrap()[3].href, "/teams/IT/services/laptop/targets");
        p.has_request = true;
        assert_eq!(getting_started(&p), None);
    }

    #[test]
    fn waiting_on_reads_from_the_requesters_side() {
        let mut r = Request { requester_id: PersonId(7), requester_name: "Sam".into(), ..Request::example() };
        r.team_name = "IT Services".into();
        let sam = PersonId(7);
        assert_eq!(waiting_on(&r, sam), "Waiting for IT Services to pick it up");
        r.assignee_id = Some(PersonId(3));
        r.assignee_name = Some("Hugo Lind".into());
        r.status = Status::InProgress;
        assert_eq!(waiting_on(&r, sam), "Hugo Lind is working on it");
        r.status = Status::WaitingOnRequester;
        assert_eq!(waiting_on(&r, sam), "Waiting on your answer");
        assert_eq!(waiting_on(&r, PersonId(3)), "Waiting on Sam's answer");
        r.status = Status::WaitingOnOthers;
        assert_eq!(waiting_on(&r, PersonId(3)), "You are waiting on someone else");
        assert_eq!(waiting_on(&r, sam), "Hugo Lind is waiting on someone else");
    }
}

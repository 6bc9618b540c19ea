//! The demo's thanks: people thanking other teams and people for help over the past weeks, so
//! the showcases and the view of who serves others have something to show.

use super::DemoOrg;
use crate::team::MemberRole;
use crate::thanks::NewThanks;

/// Thanks, by whom and how long ago.
#[derive(Debug, Clone)]
pub struct DemoThanks {
    pub from_email: String,
    pub thanks: NewThanks,
    pub days_ago: i64,
}

pub fn thanks(org: &DemoOrg) -> Vec<DemoThanks> {
    let by = |team: &str, role: MemberRole, nth: usize| {
        org.people.iter().filter(|p| p.team_key == team && p.role == role).nth(nth).map(|p| p.person.email.clone())
    };
    use MemberRole::{Lead, Member};
    // From (team, role, nth) to a team, or to a person by (team, role, nth): what, and how long ago.
    type To = (&'static str, Option<(MemberRole, usize)>);
    type Given = (&'static str, MemberRole, usize, To, &'static str, i64);
    let given: [Given; 9] = [
        ("SAL", Member, 0, ("IT", None), "The laptop for our new account executive was ready the same afternoon. She met her first customer on day one.", 3),
        ("SAL", Lead, 0, ("ORD", None), "Thank you for turning the quarter-end orders around over the weekend.", 9),
        ("SUP", Lead, 0, ("ORD", None), "Refund approvals came back within a day all month: our customers noticed.", 11),
        ("HR", Member, 0, ("FAC", None), "The desks for the January starters were set up a day early.", 6),
        ("PAY", Lead, 0, ("IT", Some((Member, 0))), "You fixed the payroll export at 8 pm on pay day. Everyone was paid on time.", 2),
        ("FIN", Member, 1, ("PAY", None), "The December cut-off reminder saved us a week of corrections.", 4),
        ("MKT", Member, 0, ("IT", Some((Member, 2))), "The screen recording tool was installed within an hour of asking.", 8),
        ("ORD", Member, 0, ("SUP", None), "Your notes on the tickets tell us exactly which order to look at.", 13),
        ("TRN", Lead, 0, ("HR", Some((Member, 1))), "Thanks for pairing with us on the onboarding checklist.", 16),
    ];
    given
        .into_iter()
        .filter_map(|(from_team, role, nth, (to_team, to_person), message, days_ago)| {
            let (team, person) = match to_person {
                Some((r, n)) => (None, Some(by(to_team, r, n)?)),
                None => (Some(to_team.to_owned()), None),
            };
            Some(DemoThanks {
                from_email: by(from_team, role, nth)?,
                thanks: NewThanks { team, person, message: message.into(), request: None, commitment: None },
                days_ago,
            })
        })
        .collect()
}

//! The demo's team news: a few weeks of posts, two of them spotlights, each by a member of the
//! team it is for.

use super::DemoOrg;
use crate::news::NewPost;
use crate::team::MemberRole;

/// A post, by whom and how long ago.
#[derive(Debug, Clone)]
pub struct DemoPost {
    pub team: &'static str,
    pub author_email: String,
    pub post: NewPost,
    pub days_ago: i64,
    /// An image and what it shows.
    pub image: Option<(&'static [u8], &'static str)>,
}

/// The picture on IT's spotlight.
const LAPTOPS: &[u8] = include_bytes!("laptops.png");

pub fn news(org: &DemoOrg) -> Vec<DemoPost> {
    let by = |team: &str, role: MemberRole| {
        org.people.iter().find(|p| p.team_key == team && p.role == role).map(|p| p.person.email.clone())
    };
    let posts: [(&str, MemberRole, i64, bool, &str, &str); 6] = [
        (
            "IT", MemberRole::Lead, 2, true, "New laptops ready the same day",
            "Order a laptop before **11:00** and it is set up, enrolled and waiting at the service desk by **16:00**.\n\nWhy it matters: new starters in Sales and Support lost their first morning waiting for a machine. Tell us how the first weeks go — reply on your request or rate it.",
        ),
        (
            "PAY", MemberRole::Lead, 5, false, "Timesheets: Thursday cut-off in December",
            "Because of the holidays, December timesheets are due **Thursday 17:00** instead of Friday.\n\nTeam leads: the reminder goes out on Wednesday. Late timesheets mean late overtime pay for your people.",
        ),
        (
            "FAC", MemberRole::Member, 8, false, "Third floor desks move next week",
            "Sales and Marketing move to the refurbished third floor on Monday. Pack your desk on Friday; crates are by the lifts.\n\n- Monitors and docks move with IT's help\n- Plants and personal items: take them home or label them",
        ),
        (
            "SUP", MemberRole::Lead, 12, true, "Support answered 98% of customers within a day",
            "Last month Technical Support answered **98%** of customer tickets within one business day — up from 91%.\n\nThanks to Order Processing for the faster refund approvals and to IT for the new ticket routing. Next: the same for phone calls.",
        ),
        (
            "HR", MemberRole::Member, 16, false, "Onboarding checklist, now in one place",
            "Managers: the onboarding checklist is now the *New starter* service in our catalog. One request sets off IT, Facilities and Payroll together, and you see each part's progress.",
        ),
        (
            "ORD", MemberRole::Lead, 20, false, "What a complete order looks like",
            "Half of last month's delays started with an order missing its cost centre. Sales colleagues: the order form now asks for it up front, with an example.",
        ),
    ];
    posts
        .into_iter()
        .filter_map(|(team, role, days_ago, spotlight, title, body)| {
            Some(DemoPost {
                team,
                author_email: by(team, role)?,
                post: NewPost { title: title.into(), body: body.into(), spotlight },
                days_ago,
                image: (team == "IT")
                    .then_some((LAPTOPS, "Three laptops on the service desk, set up and waiting for their new owners")),
            })
        })
        .collect()
}

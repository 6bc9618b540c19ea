//! The demo's open meetings: two to come with answers and a question, and one held last week
//! with its notes, so each part of an open meeting shows.

use crate::meeting::{NewMeeting, Reach};

/// A meeting, when (days from today, at `time` in the host's zone), and what happened around it.
#[derive(Debug, Clone)]
pub struct DemoMeeting {
    pub team: &'static str,
    /// Negative: it was held that many days ago.
    pub days_ahead: i64,
    pub time: &'static str,
    pub meeting: NewMeeting,
    /// How the first invited people answered, in order (`yes`, `maybe`, `no`).
    pub answers: &'static [&'static str],
    pub question: Option<&'static str>,
    pub notes: Option<&'static str>,
}

pub fn meetings() -> Vec<DemoMeeting> {
    let meeting = |title: &str, agenda: &str, minutes, place: &str, link: Option<&str>, seats, reach| NewMeeting {
        title: title.into(),
        agenda: agenda.into(),
        starts_at: String::new(),
        zone: None,
        minutes,
        place: place.into(),
        link: link.map(str::to_owned),
        guest_seats: seats,
        reach,
    };
    vec![
        DemoMeeting {
            team: "IT",
            days_ahead: 5,
            time: "10:00",
            meeting: meeting(
                "IT weekly, open to the teams we serve",
                "1. What we shipped this week: same-day laptops\n2. The queue: what is waiting and why\n3. **Your turn:** what slows your team down when you need IT?",
                45,
                "Room 2.10, Building A",
                Some("https://meet.northwind.example.com/it-weekly"),
                Some(8),
                Reach::Partners,
            ),
            answers: &["yes", "yes", "maybe", "yes", "no", "maybe"],
            question: Some("Can you show how a laptop request moves through the queue?"),
            notes: None,
        },
        DemoMeeting {
            team: "PAY",
            days_ahead: 9,
            time: "14:00",
            meeting: meeting(
                "Payroll open house: how a pay run works",
                "Walk through one month's pay run from timesheet to payslip, and see where late timesheets hurt.\n\nBring your questions about overtime and expenses.",
                60,
                "Finance corner, 4th floor",
                None,
                Some(12),
                Reach::Everyone,
            ),
            answers: &["yes", "maybe", "yes", "yes"],
            question: Some("Why do expenses approved on the 25th miss that month's pay?"),
            notes: None,
        },
        DemoMeeting {
            team: "SUP",
            days_ahead: -6,
            time: "09:30",
            meeting: meeting(
                "Support stand-up with Order Processing and IT",
                "Fifteen minutes on the tickets that wait on other teams.",
                30,
                "",
                Some("https://meet.northwind.example.com/support-standup"),
                None,
                Reach::Partners,
            ),
            answers: &["yes", "yes", "yes"],
            question: None,
            notes: Some(
                "- Refund approvals now come back within a day; thanks, Order Processing.\n- IT will route *password reset* tickets straight to the service desk.\n- **Next:** try the same stand-up for phone calls.",
            ),
        },
    ]
}

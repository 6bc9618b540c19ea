//! The demo's ambassadors: a Sales account manager who spent a week with IT and reported back
//! (with an action item taken into the teams' partnership review), and a Support engineer's
//! placement with IT that waits for IT's answer.

/// A placement: from which team (its nth member goes), to which, when, and how far it got.
#[derive(Debug, Clone)]
pub struct DemoPlacement {
    pub home: &'static str,
    pub host: &'static str,
    /// Which of the home team's members (not its lead) goes.
    pub member: usize,
    /// Days from today to the first day; negative for the past.
    pub starts_in: i64,
    pub days: i64,
    pub focus: &'static str,
    pub accepted: bool,
    /// What they learned, and what the teams could do better together.
    pub report: Option<(&'static str, &'static str)>,
    /// An action item taken from the report: its title, and days until it is due.
    pub action: Option<(&'static str, i64)>,
}

pub fn placements() -> Vec<DemoPlacement> {
    vec![
        DemoPlacement {
            home: "SAL",
            host: "IT",
            member: 1,
            starts_in: -21,
            days: 5,
            focus: "Shadow the service desk for a week: take laptop requests with them, sit in on the IT weekly, and learn how the queue is ordered.",
            accepted: true,
            report: Some((
                "- A laptop request without a start date goes to the back of the queue: IT cannot tell it is urgent.\n- Half of the *Ask IT* requests from Sales are about the CRM, which IT does not run.\n- The desk sets up **twelve** laptops on a Monday after a hiring week.",
                "- Sales adds the start date to every laptop request.\n- IT sends CRM questions straight to the CRM owner in Operations.\n- Tell IT about hiring weeks a fortnight ahead.",
            )),
            action: Some(("Add the start date to every laptop request from Sales", 14)),
        },
        DemoPlacement {
            home: "SUP",
            host: "IT",
            member: 2,
            starts_in: 12,
            days: 3,
            focus: "Learn how IT triages incidents, so Support can tell customers what to expect when a system is down.",
            accepted: false,
            report: None,
            action: None,
        },
    ]
}

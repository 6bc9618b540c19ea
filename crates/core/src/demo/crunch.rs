//! IT's crunch before Christmas: open work large enough that the forecast and the workload
//! have something to say. Hugo Becker (a demo sign-in) carries more than his weeks hold, some of
//! it past its targets, while half of IT is away the week of 21 December.

/// One open request of the crunch: who asks (a team whose first member files it), for what, at
/// which priority, how many hours the team estimates, and who in IT has it (`None`: the queue).
#[derive(Debug, Clone)]
pub struct CrunchItem {
    pub requester_team: &'static str,
    pub slug: &'static str,
    pub subject: &'static str,
    pub description: &'static str,
    pub priority: i64,
    pub estimate_hours: f64,
    pub assignee_email: Option<&'static str>,
    /// Answers to the service's form, as `(field, value)`.
    pub fields: &'static [(&'static str, &'static str)],
}

const HUGO: Option<&str> = Some("hugo.becker@northwind.example.com");
const WANDA: Option<&str> = Some("wanda.jensen@northwind.example.com");
const JONAS: Option<&str> = Some("jonas.becker@northwind.example.com");
const VPN: &[(&str, &str)] = &[("what", "VPN drops every few minutes"), ("impact", "Several teams")];

/// What the requester wrote, by subject.
fn description(subject: &str) -> &'static str {
    match subject {
        s if s.starts_with("Network and desks") => {
            "Twenty-four desks move up on 14 December: network points, docks and phones need to work on Monday morning."
        }
        s if s.starts_with("ERP upgrade") => {
            "The vendor's new version goes live in January. We need IT in the test runs with us."
        }
        s if s.starts_with("VPN drops") => {
            "Everyone in the warehouse office loses the VPN every few minutes since Tuesday."
        }
        s if s.starts_with("Year-end laptop") => "Eight reps are due new machines before the January kick-off.",
        s if s.starts_with("Move Finance mailboxes") => "Our mailboxes should move before the year-end close starts.",
        s if s.starts_with("Accounts and laptops") => {
            "Five people start on 4 January: accounts, laptops and building badges."
        }
        s if s.starts_with("Replace the printers") => {
            "The old printers on floor 2 are out of support at the end of the year."
        }
        _ => "",
    }
}

pub fn crunch() -> Vec<CrunchItem> {
    let item = |requester_team, slug, subject, priority, estimate_hours, assignee_email, fields| CrunchItem {
        requester_team,
        slug,
        subject,
        description: description(subject),
        priority,
        estimate_hours,
        assignee_email,
        fields,
    };
    vec![
        item("FAC", "help", "Network and desks for the third-floor move", 3, 36.0, HUGO, &[]),
        item("ORD", "help", "ERP upgrade: test order entry before go-live", 3, 30.0, HUGO, &[]),
        item("OPS", "incident", "VPN drops for the warehouse office", 2, 10.0, HUGO, VPN),
        item("SAL", "help", "Year-end laptop refresh for Sales (8 machines)", 3, 24.0, WANDA, &[]),
        item("FIN", "help", "Move Finance mailboxes to the new tenant", 3, 18.0, JONAS, &[]),
        item("HR", "help", "Accounts and laptops for five January starters", 3, 20.0, None, &[]),
        item("FAC", "help", "Replace the printers on floor 2", 4, 16.0, None, &[]),
        item("MKT", "help", "Screen recording tool for the product videos", 3, 3.0, None, &[]),
        item("SUP", "help", "Headsets for the support desk night shift", 3, 4.0, None, &[]),
    ]
}

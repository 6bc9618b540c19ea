//! The demo organisation: Northwind Components, generated from a fixed seed so every start shows
//! the same company: its teams and people here, its service catalog in `catalog`, and requests
//! worked through that catalog in `requests`. Later features fill this same data.

mod catalog;
mod commitments;
mod crunch;
mod feedback;
mod helps;
mod meetings;
mod news;
mod placements;
mod requests;
mod reviews;
pub mod surveys;
mod targets;
mod thanks;

pub use catalog::{services, DemoService, IT_HELP_ADDRESS};
pub use commitments::{commitments, DemoCommitment, PastDelivery};
pub use crunch::{crunch, CrunchItem};
pub use feedback::{rating, DemoRating};
pub use helps::helps_with;
pub use meetings::{meetings, DemoMeeting};
pub use news::{news, DemoPost};
pub use placements::{placements, DemoPlacement};
pub use requests::{requests, DemoRequest, DemoStep};
pub use reviews::{reviews, DemoAction, DemoReview};
pub use targets::{business_goals, calendars, goals, history, relationships, targets, DemoHistory, CUSTOMERS};
pub use thanks::{thanks, DemoThanks};

use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::person::NewPerson;
use crate::team::{MemberRole, NewTeam};

const SEED: u64 = 0x00C0_FFEE_2026;

/// Password of the demo sign-in accounts. Printed in the log; never used outside the demo.
pub const DEMO_PASSWORD: &str = "concentric-demo";

/// Email domain of the demo organisation (reserved for examples, so no mail can go astray).
pub const DEMO_DOMAIN: &str = "northwind.example.com";

/// A generated demo organisation, in an order that can be inserted as is (parents and managers first).
#[derive(Debug, Clone)]
pub struct DemoOrg {
    pub teams: Vec<NewTeam>,
    pub people: Vec<DemoPerson>,
    /// The people who can sign in, with what each shows off.
    pub accounts: Vec<DemoAccount>,
}

#[derive(Debug, Clone)]
pub struct DemoPerson {
    pub person: NewPerson,
    pub team_key: &'static str,
    pub role: MemberRole,
}

#[derive(Debug, Clone)]
pub struct DemoAccount {
    pub email: String,
    pub role: &'static str,
}

struct TeamSpec {
    key: &'static str,
    name: &'static str,
    parent: Option<&'static str>,
    zone: &'static str,
    size: usize,
    lead_title: &'static str,
    titles: &'static [&'static str],
    capacity: f64,
    contact_info: &'static str,
    mission: &'static str,
}

const TEAMS: &[TeamSpec] = &[
    TeamSpec {
        key: "EXEC", name: "Leadership", parent: None, zone: "Europe/Berlin", size: 3,
        lead_title: "Chief Executive Officer", titles: &["Chief Operating Officer", "Chief Financial Officer"],
        capacity: 45.0, contact_info: "Executive assistant: ext. 1000",
        mission: "Sets the direction of Northwind Components and owns the **company goals** every team works towards.",
    },
    TeamSpec {
        key: "OPS", name: "Operations", parent: Some("EXEC"), zone: "Europe/Berlin", size: 4,
        lead_title: "Head of Operations", titles: &["Operations Manager", "Process Analyst", "Operations Coordinator"],
        capacity: 40.0, contact_info: "#ops on chat",
        mission: "Keeps the company running: processes, suppliers and the weekly **productivity report** to management.",
    },
    TeamSpec {
        key: "IT", name: "IT Services", parent: Some("OPS"), zone: "Europe/Berlin", size: 9,
        lead_title: "Head of IT", titles: &["Service Desk Analyst", "Systems Administrator", "Network Engineer", "Endpoint Engineer", "Identity & Access Engineer"],
        capacity: 40.0, contact_info: "#it-help on chat, ext. 4400 (08:00-18:00 CET)",
        mission: "We keep everyone who works with a computer productive.\n\n- Laptops, phones and accessories\n- Accounts and access to every system\n- Software installs and licences\n- Incidents: if it is broken, tell us\n\nUrgent outage? Call the hotline, then file an incident so we can track it.",
    },
    TeamSpec {
        key: "FAC", name: "Facilities", parent: Some("OPS"), zone: "Europe/Berlin", size: 5,
        lead_title: "Facilities Manager", titles: &["Facilities Coordinator", "Maintenance Technician", "Workplace Planner"],
        capacity: 40.0, contact_info: "Reception desk, ground floor",
        mission: "Safe, working offices: desks and moves, repairs, access badges, meeting rooms and deliveries.",
    },
    TeamSpec {
        key: "FIN", name: "Finance & Accounting", parent: Some("EXEC"), zone: "Europe/Berlin", size: 7,
        lead_title: "Head of Finance", titles: &["Accountant", "Accounts Payable Specialist", "Controller", "Financial Analyst"],
        capacity: 40.0, contact_info: "finance questions: #finance on chat",
        mission: "Closes the books every month, pays suppliers on time and gives every team the **figures** it needs to decide.",
    },
    TeamSpec {
        key: "PAY", name: "Payroll", parent: Some("FIN"), zone: "Europe/Berlin", size: 5,
        lead_title: "Payroll Lead", titles: &["Payroll Specialist", "Payroll Administrator"],
        capacity: 37.5, contact_info: "Payroll cut-off: every other Friday 17:00",
        mission: "Everyone paid correctly and on time. We depend on **timesheets** from every department by the cut-off.",
    },
    TeamSpec {
        key: "HR", name: "People & HR", parent: Some("EXEC"), zone: "Europe/London", size: 6,
        lead_title: "Head of People", titles: &["HR Business Partner", "Recruiter", "HR Administrator", "People Operations Specialist"],
        capacity: 37.5, contact_info: "people@ mailbox, answers within a working day",
        mission: "Hiring, onboarding, letters and policies: we look after the people who make the company.",
    },
    TeamSpec {
        key: "TRN", name: "Training & Development", parent: Some("HR"), zone: "Europe/London", size: 4,
        lead_title: "Learning & Development Lead", titles: &["Trainer", "Learning Designer", "Onboarding Coordinator"],
        capacity: 37.5, contact_info: "Course calendar on the intranet",
        mission: "Skills for every team: onboarding courses, tool training and quarterly **training plans** with each department.",
    },
    TeamSpec {
        key: "SAL", name: "Sales", parent: Some("EXEC"), zone: "America/New_York", size: 12,
        lead_title: "VP Sales", titles: &["Account Executive", "Sales Development Representative", "Key Account Manager", "Sales Operations Analyst"],
        capacity: 40.0, contact_info: "#sales on chat",
        mission: "Wins and keeps customers across North America and Europe. Sends **month-end figures** to Finance.",
    },
    TeamSpec {
        key: "ORD", name: "Order Processing", parent: Some("OPS"), zone: "America/New_York", size: 8,
        lead_title: "Order Processing Manager", titles: &["Order Specialist", "Billing Coordinator", "Logistics Coordinator"],
        capacity: 40.0, contact_info: "orders@ mailbox",
        mission: "Turns every signed deal into a shipped and invoiced order. Sales depends on us; we depend on Finance for credit checks.",
    },
    TeamSpec {
        key: "MKT", name: "Marketing", parent: Some("SAL"), zone: "America/New_York", size: 7,
        lead_title: "Head of Marketing", titles: &["Content Marketer", "Designer", "Campaign Manager", "Events Coordinator"],
        capacity: 40.0, contact_info: "#marketing on chat",
        mission: "Brand, campaigns and events, plus the collateral Sales needs for every pitch.",
    },
    TeamSpec {
        key: "SUP", name: "Technical Support", parent: Some("OPS"), zone: "Asia/Kolkata", size: 10,
        lead_title: "Support Manager", titles: &["Support Engineer", "Senior Support Engineer", "Support Analyst"],
        capacity: 45.0, contact_info: "Follow-the-sun: 04:30-22:30 CET",
        mission: "Answers customers' technical questions and hands product defects to engineering with everything they need.",
    },
];

const FIRST_NAMES: &[&str] = &[
    "Amelia",
    "Ben",
    "Chiara",
    "Daniel",
    "Elif",
    "Farid",
    "Greta",
    "Hannah",
    "Ines",
    "Jonas",
    "Kavya",
    "Lars",
    "Maya",
    "Noah",
    "Olga",
    "Priya",
    "Quentin",
    "Rosa",
    "Samir",
    "Tessa",
    "Umar",
    "Valentina",
    "Wei",
    "Ximena",
    "Yusuf",
    "Zoe",
    "Aditya",
    "Beatriz",
    "Carlos",
    "Dana",
    "Emil",
    "Fatima",
    "Gabriel",
    "Helena",
    "Ivan",
    "Julia",
    "Kenji",
    "Lea",
    "Marco",
    "Nadia",
    "Oscar",
    "Paula",
    "Rahul",
    "Sofia",
    "Tomás",
    "Ulla",
    "Victor",
    "Wanda",
    "Ananya",
    "Bruno",
    "Clara",
    "Deepak",
    "Eva",
    "Felix",
    "Grace",
    "Hugo",
    "Isla",
    "Jakob",
    "Leila",
    "Mateo",
];

const LAST_NAMES: &[&str] = &[
    "Schneider",
    "Okafor",
    "Rossi",
    "Nguyen",
    "Kaya",
    "Haddad",
    "Lindqvist",
    "Meyer",
    "García",
    "Weber",
    "Iyer",
    "Johansson",
    "Cohen",
    "Fischer",
    "Petrova",
    "Sharma",
    "Dubois",
    "Moreno",
    "Khan",
    "de Vries",
    "Ali",
    "Bianchi",
    "Zhang",
    "Hernández",
    "Demir",
    "Taylor",
    "Menon",
    "Costa",
    "Silva",
    "Brooks",
    "Novak",
    "Rahman",
    "Martin",
    "Wagner",
    "Ivanov",
    "Becker",
    "Tanaka",
    "Hofmann",
    "Ricci",
    "Mansour",
    "Larsen",
    "Santos",
    "Patel",
    "Kowalski",
    "Reyes",
    "Nieminen",
    "Baker",
    "Murphy",
    "Das",
    "Ferreira",
    "Klein",
    "Andersen",
    "Park",
    "Wright",
    "Jensen",
];

/// Builds the demo organisation. Deterministic: the same teams and people on every call.
pub fn organisation() -> DemoOrg {
    let mut rng = ChaCha8Rng::seed_from_u64(SEED);
    let mut names: Vec<(usize, usize)> =
        (0..FIRST_NAMES.len()).flat_map(|f| (0..LAST_NAMES.len()).map(move |l| (f, l))).collect();
    names.shuffle(&mut rng);
    // Each first and last name at most twice keeps the directory easy to tell apart.
    let mut used_first = vec![0u8; FIRST_NAMES.len()];
    let mut used_last = vec![0u8; LAST_NAMES.len()];
    let mut picks = names.into_iter().filter(move |&(f, l)| {
        if used_first[f] >= 2 || used_last[l] >= 2 {
            return false;
        }
        used_first[f] += 1;
        used_last[l] += 1;
        true
    });

    let mut teams = Vec::new();
    let mut people = Vec::new();
    let mut lead_email = std::collections::HashMap::new();
    for spec in TEAMS {
        teams.push(NewTeam {
            key: spec.key.into(),
            name: spec.name.into(),
            parent_key: spec.parent.map(Into::into),
            mission: spec.mission.into(),
            contact_email: Some(format!("{}@{DEMO_DOMAIN}", spec.key.to_lowercase())),
            contact_info: spec.contact_info.into(),
        });
        let parent_lead: Option<String> = spec.parent.and_then(|p| lead_email.get(p).cloned());
        for i in 0..spec.size {
            let Some((f, l)) = picks.next() else { break };
            let (first, last) = (FIRST_NAMES[f], LAST_NAMES[l]);
            let email = format!("{}.{}@{DEMO_DOMAIN}", ascii_slug(first), ascii_slug(last));
            let (title, role, manager) = if i == 0 {
                (spec.lead_title.to_owned(), MemberRole::Lead, parent_lead.clone())
            } else {
                // Titles cycle so a small team never has two of a one-of-a-kind role.
                let title = spec.titles[(i - 1) % spec.titles.len()];
                (title.to_owned(), MemberRole::Member, lead_email.get(spec.key).cloned())
            };
            if i == 0 {
                lead_email.insert(spec.key, email.clone());
            }
            // A few part-timers make capacity figures realistic.
            let capacity = if role == MemberRole::Member && rng.random_bool(0.12) { 20.0 } else { spec.capacity };
            people.push(DemoPerson {
                person: NewPerson {
                    email,
                    name: format!("{first} {last}"),
                    title,
                    manager_email: manager,
                    time_zone: spec.zone.into(),
                    weekly_capacity_hours: capacity,
                    // The head of IT administers Concentric, as in most companies.
                    is_admin: spec.key == "IT" && i == 0,
                },
                team_key: spec.key,
                role,
            });
        }
    }
    let email_of = |key: &str, role: MemberRole| {
        people.iter().find(|p| p.team_key == key && p.role == role).map(|p| p.person.email.clone())
    };
    let accounts = [
        ("IT", MemberRole::Lead, "admin, lead of IT Services"),
        ("PAY", MemberRole::Lead, "lead of Payroll"),
        ("IT", MemberRole::Member, "member of IT Services"),
        ("SAL", MemberRole::Member, "requester in Sales"),
    ]
    .into_iter()
    .filter_map(|(key, role, what)| email_of(key, role).map(|email| DemoAccount { email, role: what }))
    .collect();
    DemoOrg { teams, people, accounts }
}

fn ascii_slug(s: &str) -> String {
    s.chars()
        .filter_map(|c| match c {
            'á' | 'à' | 'ä' => Some('a'),
            'é' | 'è' => Some('e'),
            'í' => Some('i'),
            'ó' | 'ö' => Some('o'),
            'ú' | 'ü' => Some('u'),
            ' ' => Some('-'),
            c if c.is_ascii_alphanumeric() => Some(c.to_ascii_lowercase()),
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn same_organisation_every_time() {
        let (a, b) = (organisation(), organisation());
        let emails = |o: &DemoOrg| o.people.iter().map(|p| p.person.email.clone()).collect::<Vec<_>>();
        assert_eq!(emails(&a), emails(&b));
    }

    #[test]
    fn realistic_and_valid() {
        let org = organisation();
        assert!(org.teams.len() >= 11);
        assert!((75..=90).contains(&org.people.len()), "{}", org.people.len());
        let zones: HashSet<_> = org.people.iter().map(|p| p.person.time_zone.as_str()).collect();
        assert!(zones.len() >= 3);
        let emails: HashSet<_> = org.people.iter().map(|p| p.person.email.as_str()).collect();
        assert_eq!(emails.len(), org.people.len(), "emails are unique");
        for team in &org.teams {
            team.clone().validate().unwrap();
            assert!(org.people.iter().any(|p| p.team_key == team.key && p.role == MemberRole::Lead));
        }
        for p in &org.people {
            p.person.clone().validate().unwrap();
            // Managers come before the people they manage, so the demo inserts in order.
            if let Some(m) = &p.person.manager_email {
                let pos = |e: &str| org.people.iter().position(|q| q.person.email == e);
                assert!(pos(m) < pos(&p.person.email));
            }
        }
        assert_eq!(org.accounts.len(), 4);
        assert_eq!(org.people.iter().filter(|p| p.person.is_admin).count(), 1);
    }
}

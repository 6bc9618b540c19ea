//! The demo organisation: Northwind Components, generated from a fixed seed so every start shows
//! the same company. Later features (services, requests, commitments) fill this same data.

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

/// A service the demo organisation offers.
#[derive(Debug, Clone)]
pub struct DemoService {
    pub team_key: &'static str,
    pub service: crate::service::NewService,
}

mod catalog {
    use crate::form::{FieldDef, FieldKind};

    fn field(name: &str, label: &str, kind: FieldKind) -> FieldDef {
        FieldDef { name: name.into(), label: label.into(), kind, required: false, help: String::new() }
    }

    pub fn text(name: &str, label: &str) -> FieldDef {
        field(name, label, FieldKind::ShortText)
    }

    pub fn long(name: &str, label: &str) -> FieldDef {
        field(name, label, FieldKind::LongText)
    }

    pub fn date(name: &str, label: &str) -> FieldDef {
        field(name, label, FieldKind::Date)
    }

    pub fn person(name: &str, label: &str) -> FieldDef {
        field(name, label, FieldKind::Person)
    }

    pub fn check(name: &str, label: &str) -> FieldDef {
        field(name, label, FieldKind::Checkbox)
    }

    pub fn number(name: &str, label: &str, min: f64, max: f64) -> FieldDef {
        field(name, label, FieldKind::Number { min: Some(min), max: Some(max) })
    }

    pub fn one_of(name: &str, label: &str, options: &[&str]) -> FieldDef {
        field(name, label, FieldKind::SingleSelect { options: options.iter().map(|o| (*o).to_owned()).collect() })
    }

    pub fn any_of(name: &str, label: &str, options: &[&str]) -> FieldDef {
        field(name, label, FieldKind::MultiSelect { options: options.iter().map(|o| (*o).to_owned()).collect() })
    }

    pub trait Required {
        fn required(self) -> Self;
        fn help(self, text: &str) -> Self;
    }

    impl Required for FieldDef {
        fn required(mut self) -> Self {
            self.required = true;
            self
        }

        fn help(mut self, text: &str) -> Self {
            self.help = text.into();
            self
        }
    }
}

/// The demo catalog: 2-5 services per team, answered by each team's lead and first members.
pub fn services(org: &DemoOrg) -> Vec<DemoService> {
    use crate::request::Priority::{P2, P3, P4};
    use crate::service::{Audience, NewService};
    use catalog::{any_of, check, date, long, number, one_of, person, text, Required};

    // Round-robin services are answered by members in turn; the others by the lead and a deputy.
    let responders = |team: &str, round_robin: bool| -> Vec<String> {
        let team_people = org.people.iter().filter(|p| p.team_key == team);
        let chosen: Vec<&DemoPerson> = if round_robin {
            team_people.filter(|p| p.role == MemberRole::Member).take(4).collect()
        } else {
            team_people.take(2).collect()
        };
        chosen.into_iter().map(|p| p.person.email.clone()).collect()
    };
    let mut out = Vec::new();
    let mut add = |team_key: &'static str, slug: &str, name: &str, summary: &str, priority, effort: f64, fields| {
        let round_robin = matches!(team_key, "IT" | "SUP" | "ORD");
        out.push(DemoService {
            team_key,
            service: NewService {
                slug: slug.into(),
                name: name.into(),
                summary: summary.into(),
                description: format!(
                    "{summary}.\n\nThe team answers in its working hours; you will see every reply on the request."
                ),
                audience: Audience::Everyone,
                audience_teams: Vec::new(),
                default_priority: priority,
                default_effort_hours: effort,
                responder_emails: responders(team_key, round_robin),
                round_robin,
                fields,
            },
        });
    };
    let models = ["14-inch standard", "16-inch performance", "13-inch ultralight"];
    add(
        "IT",
        "laptop",
        "Laptop request",
        "A new or replacement laptop",
        P3,
        3.0,
        vec![
            one_of("model", "Model", &models).required(),
            person("for_whom", "Who is it for").required(),
            date("needed_by", "Needed by"),
            any_of(
                "accessories",
                "Accessories",
                &["Docking station", "Headset", "Mouse and keyboard", "Second screen"],
            ),
            check("return_old", "The old laptop will be returned").help("Needed for a replacement"),
        ],
    );
    add(
        "IT",
        "access",
        "Access request",
        "Access to a system or shared drive",
        P3,
        0.5,
        vec![
            one_of("system", "System", &["CRM", "ERP", "Payroll system", "Shared drive", "Code repository"]).required(),
            one_of("level", "Access level", &["Read", "Write", "Admin"]).required(),
            person("for_whom", "Who needs it").required(),
            long("justification", "Why is it needed").required(),
        ],
    );
    add(
        "IT",
        "software",
        "Software install",
        "Install or license software",
        P4,
        1.0,
        vec![text("software", "Software and version").required(), check("licence", "Needs a paid licence")],
    );
    add(
        "IT",
        "incident",
        "Report an incident",
        "Something is broken or not working",
        P2,
        2.0,
        vec![
            text("what", "What is broken").required(),
            one_of("impact", "Who is affected", &["Just me", "My team", "Several teams", "The whole company"])
                .required(),
            date("since", "Since when"),
        ],
    );
    add(
        "HR",
        "onboarding",
        "Onboarding a new hire",
        "Everything a new colleague needs on day one",
        P3,
        4.0,
        vec![
            text("new_hire", "New hire's name").required(),
            date("start_date", "Start date").required(),
            text("role", "Role").required(),
            person("manager", "Their manager").required(),
        ],
    );
    add(
        "HR",
        "letter",
        "Letter of employment",
        "A signed letter confirming your employment",
        P4,
        0.5,
        vec![
            one_of("purpose", "Purpose", &["Rental", "Bank or mortgage", "Visa", "Other"]).required(),
            text("addressed_to", "Addressed to"),
        ],
    );
    add(
        "HR",
        "policy",
        "Policy question",
        "Ask about leave, benefits or any HR policy",
        P4,
        0.5,
        vec![long("question", "Your question").required()],
    );
    add(
        "PAY",
        "pay-query",
        "Pay query",
        "A question about your payslip",
        P3,
        1.0,
        vec![date("pay_date", "Pay date in question").required(), long("question", "What looks wrong").required()],
    );
    add(
        "PAY",
        "bank-details",
        "Bank detail change",
        "Change the account your pay goes to",
        P2,
        0.5,
        vec![
            date("effective", "From which payroll").required(),
            check("confirm", "I confirm the new account is in my name").required(),
        ],
    );
    add(
        "PAY",
        "timesheet-correction",
        "Timesheet correction",
        "Correct hours already submitted",
        P3,
        0.5,
        vec![date("week", "Week starting").required(), number("hours", "Correct hours", 0.0, 80.0).required()],
    );
    add(
        "FIN",
        "purchase-order",
        "Purchase order",
        "Raise a purchase order for a supplier",
        P3,
        1.0,
        vec![
            text("supplier", "Supplier").required(),
            number("amount", "Amount (EUR)", 1.0, 1_000_000.0).required(),
            text("cost_centre", "Cost centre").required(),
        ],
    );
    add(
        "FIN",
        "credit-check",
        "Customer credit check",
        "Credit check before an order ships",
        P2,
        1.0,
        vec![
            text("customer", "Customer").required(),
            number("order_value", "Order value (EUR)", 1.0, 10_000_000.0).required(),
        ],
    );
    add(
        "FIN",
        "expense-question",
        "Expense question",
        "Ask about an expense claim",
        P4,
        0.5,
        vec![long("question", "Your question").required()],
    );
    add(
        "FAC",
        "desk-move",
        "Desk move",
        "Move desks within or between offices",
        P4,
        2.0,
        vec![
            text("from", "From (building, floor, desk)").required(),
            text("to", "To (building, floor, desk)").required(),
            date("move_date", "Preferred date"),
        ],
    );
    add(
        "FAC",
        "repair",
        "Repair",
        "Something in the office needs fixing",
        P3,
        1.5,
        vec![text("location", "Where").required(), long("problem", "What needs fixing").required()],
    );
    add(
        "FAC",
        "room-setup",
        "Meeting room setup",
        "Catering, seating or equipment for a meeting",
        P4,
        1.0,
        vec![
            date("day", "Day").required(),
            number("people", "Number of people", 1.0, 200.0).required(),
            any_of("needs", "Needs", &["Coffee and tea", "Lunch", "Projector", "Video call kit"]),
        ],
    );
    add(
        "SAL",
        "quote-support",
        "Quote support",
        "Help preparing a customer quote",
        P3,
        2.0,
        vec![text("customer", "Customer").required(), date("due", "Quote due")],
    );
    add(
        "SAL",
        "customer-reference",
        "Customer reference",
        "Find a customer willing to be a reference",
        P4,
        1.0,
        vec![text("industry", "Industry").required()],
    );
    add(
        "ORD",
        "order-entry",
        "Order entry",
        "Enter a signed order for delivery",
        P2,
        1.0,
        vec![
            text("customer", "Customer").required(),
            text("contract", "Contract number").required(),
            date("delivery", "Requested delivery"),
        ],
    );
    add(
        "ORD",
        "order-status",
        "Order status",
        "Where is an order?",
        P3,
        0.5,
        vec![text("order", "Order number").required()],
    );
    add(
        "OPS",
        "process-change",
        "Process change",
        "Propose a change to a company process",
        P4,
        4.0,
        vec![text("process", "Process").required(), long("change", "What should change and why").required()],
    );
    add(
        "OPS",
        "report-data",
        "Data for the productivity report",
        "Ask for figures from the weekly report",
        P4,
        1.0,
        vec![long("figures", "Which figures").required()],
    );
    add(
        "SUP",
        "escalation",
        "Escalate a customer issue",
        "A customer problem that needs engineering",
        P2,
        3.0,
        vec![
            text("customer", "Customer").required(),
            text("ticket", "Support ticket").required(),
            one_of("severity", "Severity", &["Outage", "Degraded", "Question"]).required(),
        ],
    );
    add(
        "SUP",
        "product-question",
        "Product question",
        "A technical question about the product",
        P3,
        1.0,
        vec![long("question", "Question").required()],
    );
    add(
        "TRN",
        "training",
        "Training request",
        "Training for you or your team",
        P4,
        2.0,
        vec![text("topic", "Topic").required(), number("participants", "Participants", 1.0, 100.0)],
    );
    add(
        "TRN",
        "course-booking",
        "Onboarding course booking",
        "Book a new hire onto the onboarding course",
        P3,
        0.5,
        vec![person("who", "New hire").required(), date("start", "Their start date").required()],
    );
    add(
        "MKT",
        "collateral",
        "Sales collateral",
        "A brochure, deck or one-pager",
        P3,
        4.0,
        vec![
            one_of("kind", "What", &["Slide deck", "One-pager", "Brochure", "Case study"]).required(),
            date("needed_by", "Needed by"),
        ],
    );
    add(
        "MKT",
        "event-support",
        "Event support",
        "Help running a customer event",
        P3,
        8.0,
        vec![text("event", "Event").required(), date("day", "Day").required()],
    );
    add(
        "EXEC",
        "briefing",
        "Executive briefing",
        "Brief leadership on a topic",
        P3,
        2.0,
        vec![text("topic", "Topic").required()],
    );
    add(
        "EXEC",
        "approval",
        "Approval request",
        "A decision that needs leadership sign-off",
        P2,
        1.0,
        vec![
            text("decision", "Decision needed").required(),
            number("amount", "Amount involved (EUR)", 0.0, 100_000_000.0),
        ],
    );
    out
}

#[cfg(test)]
mod catalog_tests {
    use super::*;

    #[test]
    fn demo_requests_fill_their_forms() {
        let org = organisation();
        let services = services(&org);
        let requests = requests(&org, &services);
        assert!(requests.len() >= 20);
        for r in &requests {
            let service = services.iter().find(|s| s.team_key == r.team_key && s.service.slug == r.slug).unwrap();
            let form = crate::form::Form { version: 1, fields: service.service.fields.clone() };
            form.validate(&r.fields).unwrap();
            let requester = org.people.iter().find(|p| p.person.email == r.requester_email).unwrap();
            assert_ne!(requester.team_key, r.team_key, "asked of another team");
        }
    }

    #[test]
    fn every_team_offers_two_to_five_valid_services() {
        let org = organisation();
        let services = services(&org);
        for team in &org.teams {
            let n = services.iter().filter(|s| s.team_key == team.key).count();
            assert!((2..=5).contains(&n), "{} offers {n}", team.key);
        }
        for s in &services {
            let valid = s.service.clone().validate().unwrap();
            assert!(!valid.fields.is_empty(), "{}", valid.slug);
            assert!(!valid.responder_emails.is_empty());
        }
    }
}

/// A request the demo files, and how far the providing team has worked it.
#[derive(Debug, Clone)]
pub struct DemoRequest {
    pub requester_email: String,
    pub team_key: &'static str,
    pub slug: &'static str,
    pub subject: &'static str,
    pub fields: std::collections::BTreeMap<String, serde_json::Value>,
    /// What happens after filing, in order.
    pub steps: Vec<DemoStep>,
}

#[derive(Debug, Clone)]
pub enum DemoStep {
    AgentReply(&'static str),
    AgentNote(&'static str),
    RequesterReply(&'static str),
    Status(crate::request::Status),
}

/// Demo requests across the catalog, each from someone outside the providing team.
pub fn requests(org: &DemoOrg, services: &[DemoService]) -> Vec<DemoRequest> {
    use crate::form::FieldKind;
    use crate::request::Status::{InProgress, Open, Resolved, WaitingOnRequester};
    use DemoStep::{AgentNote, AgentReply, RequesterReply, Status};

    let asks: &[(&str, &str, &str, &str, Vec<DemoStep>)] = &[
        (
            "SAL",
            "IT",
            "laptop",
            "Laptop for our new account executive",
            vec![Status(Open), AgentReply("Ordered the 14-inch; it should arrive Thursday."), Status(InProgress)],
        ),
        (
            "SUP",
            "IT",
            "incident",
            "VPN drops every few minutes",
            vec![
                Status(InProgress),
                AgentNote("Same pattern as last week's firewall change."),
                AgentReply("We found the cause and are rolling out a fix."),
                Status(Resolved),
            ],
        ),
        (
            "MKT",
            "IT",
            "software",
            "Design tool licence",
            vec![AgentReply("Which edition do you need?"), Status(WaitingOnRequester)],
        ),
        ("ORD", "IT", "access", "ERP write access for order entry", vec![]),
        ("HR", "IT", "access", "Payroll system access for the new HR administrator", vec![Status(InProgress)]),
        (
            "SAL",
            "PAY",
            "pay-query",
            "Commission missing from October payslip",
            vec![
                AgentReply("Commissions are paid one month in arrears; you will see it in November."),
                Status(Resolved),
                RequesterReply("Thanks, that explains it."),
            ],
        ),
        ("FAC", "PAY", "bank-details", "New bank account from next month", vec![Status(InProgress)]),
        ("SUP", "PAY", "timesheet-correction", "Overtime missing for week 44", vec![]),
        (
            "ORD",
            "FIN",
            "credit-check",
            "Credit check for a large new customer",
            vec![Status(InProgress), AgentNote("Needs the CFO's sign-off above 250k.")],
        ),
        ("OPS", "FIN", "purchase-order", "PO for the new label printers", vec![Status(Resolved)]),
        (
            "IT",
            "HR",
            "onboarding",
            "Onboarding a network engineer",
            vec![Status(Open), AgentReply("Welcome pack and badge are booked.")],
        ),
        ("SAL", "HR", "letter", "Employment letter for a flat rental", vec![]),
        ("IT", "FAC", "repair", "Broken blinds in meeting room 3", vec![Status(InProgress)]),
        (
            "MKT",
            "FAC",
            "room-setup",
            "Customer workshop for 20 people",
            vec![AgentReply("Room 1 is yours, catering ordered.")],
        ),
        (
            "FIN",
            "ORD",
            "order-status",
            "Where is order 4471?",
            vec![AgentReply("Shipped yesterday; tracking in the order."), Status(Resolved)],
        ),
        ("SAL", "ORD", "order-entry", "Signed order from a retail chain", vec![Status(InProgress)]),
        ("SAL", "MKT", "collateral", "One-pager for the logistics segment", vec![Status(Open)]),
        (
            "SAL",
            "SUP",
            "product-question",
            "Does the API support bulk export?",
            vec![AgentReply("Yes, since version 3.2; see the export guide.")],
        ),
        ("OPS", "TRN", "training", "Spreadsheet skills for the operations team", vec![]),
        ("HR", "TRN", "course-booking", "Book the onboarding course for two new hires", vec![Status(Resolved)]),
        ("FIN", "EXEC", "approval", "Approve the new payment terms", vec![Status(InProgress)]),
        ("MKT", "SAL", "customer-reference", "Reference customer in healthcare", vec![]),
    ];
    let mut out = Vec::new();
    for (i, (from, team_key, slug, subject, steps)) in asks.iter().enumerate() {
        let members: Vec<&DemoPerson> =
            org.people.iter().filter(|p| p.team_key == *from && p.role == crate::team::MemberRole::Member).collect();
        let Some(requester) = members.get(i % members.len().max(1)) else { continue };
        let Some(service) = services.iter().find(|s| s.team_key == *team_key && s.service.slug == *slug) else {
            continue;
        };
        let fields = service
            .service
            .fields
            .iter()
            .filter(|f| f.required)
            .map(|f| {
                let value = match &f.kind {
                    FieldKind::SingleSelect { options } => {
                        serde_json::Value::from(options.first().cloned().unwrap_or_default())
                    }
                    FieldKind::MultiSelect { options } => {
                        serde_json::Value::from(options.iter().take(1).cloned().collect::<Vec<_>>())
                    }
                    FieldKind::Number { min, .. } => serde_json::Value::from(min.unwrap_or(1.0).max(1.0)),
                    FieldKind::Date => serde_json::Value::from("2026-12-01"),
                    FieldKind::Person => serde_json::Value::from(requester.person.email.clone()),
                    FieldKind::Checkbox => serde_json::Value::Bool(true),
                    FieldKind::ShortText | FieldKind::LongText => serde_json::Value::from(*subject),
                };
                (f.name.clone(), value)
            })
            .collect();
        out.push(DemoRequest {
            requester_email: requester.person.email.clone(),
            team_key,
            slug,
            subject,
            fields,
            steps: steps.clone(),
        });
    }
    out
}

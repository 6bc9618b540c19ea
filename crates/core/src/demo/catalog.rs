//! The demo catalog: 2-5 services per team, with typed forms and responders.

use super::{DemoOrg, DemoPerson};
use crate::team::MemberRole;

/// A service the demo organisation offers.
#[derive(Debug, Clone)]
pub struct DemoService {
    pub team_key: &'static str,
    pub service: crate::service::NewService,
}

mod fields {
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
    use fields::{any_of, check, date, long, number, one_of, person, text, Required};

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
    // No form: what a mail to it-help@ files (see `IT_HELP_ADDRESS`).
    add(
        "IT",
        "help",
        "Ask IT",
        "Not sure which service fits? Ask here, or write to it-help@northwind.example.com",
        P3,
        0.5,
        Vec::new(),
    );
    out
}

/// The demo's shared mailbox for IT: new mail to it files an "Ask IT" request.
pub const IT_HELP_ADDRESS: &str = "it-help@northwind.example.com";

#[cfg(test)]
mod tests {
    use super::*;
    use crate::demo::organisation;

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
            // Every form asks something, but the one that mail to it-help@ files.
            assert_eq!(valid.fields.is_empty(), valid.slug == "help", "{}", valid.slug);
            assert!(!valid.responder_emails.is_empty());
        }
    }
}

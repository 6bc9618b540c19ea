//! Demo requests across the catalog, each with the steps the providing team took.

use super::{DemoOrg, DemoPerson, DemoService};

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
        (
            "SAL",
            "HR",
            "letter",
            "Employment letter for a flat rental",
            vec![AgentReply("Signed and sent to your inbox."), Status(Resolved)],
        ),
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::demo::{organisation, services};

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
}

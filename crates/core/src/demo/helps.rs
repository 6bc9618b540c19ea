//! What the demo's people can help with, in their own words, by team: each member takes the next
//! line of their team's list, so a team's showcase tells other teams whom to ask.

use super::DemoOrg;

const HELPS: &[(&str, &[&str])] = &[
    (
        "IT",
        &[
            "the roadmap and priorities",
            "laptops and phones",
            "VPN and remote access",
            "accounts and passwords",
            "the ERP and its access",
            "printers and meeting rooms",
            "software licences",
            "new starters' equipment",
            "the network in the warehouse",
        ],
    ),
    (
        "FAC",
        &["office moves", "desks and chairs", "building access cards", "meeting room bookings", "deliveries and post"],
    ),
    (
        "FIN",
        &[
            "budgets and forecasts",
            "supplier invoices",
            "expense rules",
            "cost centres",
            "month-end close",
            "purchase orders",
            "audit questions",
        ],
    ),
    ("PAY", &["pay runs and cut-offs", "overtime and allowances", "payslips", "timesheet questions", "tax forms"]),
    (
        "HR",
        &["hiring and job adverts", "onboarding", "leave and absence", "contracts", "performance reviews", "policies"],
    ),
    ("TRN", &["courses and bookings", "onboarding training", "coaching", "e-learning"]),
    ("SAL", &["customer accounts", "quotes and pricing", "the CRM", "sales forecasts", "trade shows", "key accounts"]),
    ("ORD", &["order status", "returns and refunds", "delivery dates", "order entry in the ERP"]),
    ("MKT", &["brochures and slides", "events", "the website", "social media"]),
    (
        "SUP",
        &["customer escalations", "product questions", "ticket routing", "known issues", "the support knowledge base"],
    ),
    ("OPS", &["cross-team priorities", "process changes", "productivity reports"]),
    ("EXEC", &["company priorities", "budget approvals"]),
];

/// (team key, member's email, what they can help with) for every demo member whose team has a list.
pub fn helps_with(org: &DemoOrg) -> Vec<(&'static str, String, &'static str)> {
    let mut out = Vec::new();
    for (team, lines) in HELPS {
        for (i, p) in org.people.iter().filter(|p| p.team_key == *team).enumerate() {
            out.push((*team, p.person.email.clone(), lines[i % lines.len()]));
        }
    }
    out
}

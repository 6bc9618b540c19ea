//! The demo's partnership reviews: IT Services and Sales meet every quarter (two held, the next
//! planned by the series), Payroll and HR held one with an action item now overdue, and Finance
//! and Sales meet in a few days with a live agenda.

use crate::relationship::Side;

/// An action item agreed at a demo review.
#[derive(Debug, Clone)]
pub struct DemoAction {
    pub title: &'static str,
    /// The side whose lead owns it.
    pub owner: Side,
    /// Days after the review it falls due.
    pub due_after_days: i64,
    pub done: bool,
}

/// A demo review, `days_ago` before now (negative: still to come), at 10:00 in the supplier's zone.
#[derive(Debug, Clone)]
pub struct DemoReview {
    pub supplier: &'static str,
    pub customer: &'static str,
    pub title: &'static str,
    pub days_ago: i64,
    pub rule: Option<&'static str>,
    pub held: bool,
    pub notes: &'static str,
    pub decisions: &'static str,
    pub actions: Vec<DemoAction>,
}

pub fn reviews() -> Vec<DemoReview> {
    use Side::{Customer, Supplier};
    vec![
        DemoReview {
            supplier: "IT",
            customer: "SAL",
            title: "Quarterly partnership review",
            days_ago: 96,
            rule: None,
            held: true,
            notes: "New reps waited up to three days for a laptop in the summer hiring wave.\n\nSales asked for CRM access to be part of the laptop request.",
            decisions: "- IT keeps two laptops ready for new reps at all times.\n- Sales files new-rep requests a week ahead.",
            actions: vec![
                DemoAction { title: "Keep two spare laptops imaged for new reps", owner: Supplier, due_after_days: 14, done: true },
                DemoAction { title: "Send new-rep start dates a week ahead", owner: Customer, due_after_days: 21, done: true },
            ],
        },
        DemoReview {
            supplier: "IT",
            customer: "SAL",
            title: "Quarterly partnership review",
            days_ago: 12,
            rule: Some("FREQ=MONTHLY;INTERVAL=3"),
            held: true,
            notes: "Laptops are on time now. Two VPN outages hit the sales floor during customer calls.",
            decisions: "- IT announces VPN maintenance in the sales channel a day ahead.",
            actions: vec![
                DemoAction { title: "Announce VPN maintenance a day ahead in #sales", owner: Supplier, due_after_days: 30, done: false },
                DemoAction { title: "Add CRM access to the laptop request form", owner: Supplier, due_after_days: 20, done: false },
            ],
        },
        DemoReview {
            supplier: "PAY",
            customer: "HR",
            title: "Payroll and HR check-in",
            days_ago: 30,
            rule: None,
            held: true,
            notes: "Two starters were paid late last month because their details reached Payroll after the cut-off.",
            decisions: "- HR sends starter details a week before the first day.",
            actions: vec![
                DemoAction { title: "Send starter details a week before day one", owner: Customer, due_after_days: 20, done: false },
                DemoAction { title: "Publish the monthly payroll cut-off dates", owner: Supplier, due_after_days: 7, done: true },
            ],
        },
        DemoReview {
            supplier: "PAY",
            customer: "HR",
            title: "Payroll and HR check-in",
            days_ago: -6,
            rule: None,
            held: false,
            notes: "",
            decisions: "",
            actions: Vec::new(),
        },
        DemoReview {
            supplier: "FIN",
            customer: "SAL",
            title: "Month-end and discounts review",
            days_ago: -3,
            rule: Some("FREQ=MONTHLY;INTERVAL=3"),
            held: false,
            notes: "",
            decisions: "",
            actions: Vec::new(),
        },
    ]
}

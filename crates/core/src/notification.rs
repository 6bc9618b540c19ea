//! In-app notifications. Each is one row per person and event; `channel` leaves room for email.

use chrono::{DateTime, Utc};
use serde::Serialize;

/// Something a person should know about.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Notification {
    pub id: i64,
    /// `new_request` (in your team's queue), `assigned` (to you), `reply` (on your request), `status` (of your request),
    /// `target_at_risk`, `target_breached`, `rate_request` (yours is resolved: rate it), `poor_rating` (to the
    /// providing team's leads), for commitments `commitment_reminder`, `commitment_overdue`, `commitment_late`,
    /// `commitment_delivered`, `commitment_accepted`, `commitment_sent_back`, and for partnership reviews
    /// `review_planned`, `action_assigned`, `action_overdue`.
    pub kind: String,
    pub request_key: Option<String>,
    /// The commitment it is about, for reminders, deliveries and overdue notices.
    pub commitment_id: Option<i64>,
    /// The partnership review it is about, for reviews and their action items.
    pub review_id: Option<i64>,
    pub summary: String,
    pub created_at: DateTime<Utc>,
    pub read: bool,
}

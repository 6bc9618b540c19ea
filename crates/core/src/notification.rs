//! In-app notifications. Each is one row per person and event; `channel` leaves room for email.

use chrono::{DateTime, Utc};
use serde::Serialize;

/// Something a person should know about.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Notification {
    pub id: i64,
    /// `new_request` (in your team's queue), `assigned` (to you), `reply` (on your request), `status` (of your request).
    pub kind: String,
    pub request_key: Option<String>,
    pub summary: String,
    pub created_at: DateTime<Utc>,
    pub read: bool,
}

//! Events: the append-only activity record of who changed what, when.

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::ids::PersonId;

/// One recorded change.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Event {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub actor_id: Option<PersonId>,
    pub actor_name: Option<String>,
    /// What kind of thing changed: `person`, `team`, `membership`, `token`, `import`.
    pub entity: String,
    pub entity_id: i64,
    /// What happened: `created`, `updated`, `deactivated`, ...
    pub action: String,
    /// Changed fields as `{"field": [old, new]}`, or other facts about the change.
    #[schema(value_type = Object)]
    pub detail: serde_json::Value,
}

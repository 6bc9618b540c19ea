//! Reads for home: how far an install has come, for the getting-started checklist.

use concentric_core::home::SetupProgress;

use crate::db::args;
use crate::{Result, Store};

impl Store {
    /// Which first steps an install has taken. Each is an existence test, so it costs the same
    /// on an empty install and on one with a million requests.
    #[tracing::instrument(skip_all)]
    pub async fn setup_progress(&self) -> Result<SetupProgress> {
        self.db
            .read(|mut tx| {
                let (has_team, has_people, has_service, has_target, has_request): (bool, bool, bool, bool, bool) = tx
                    .exec()
                    .optional(
                        "SELECT EXISTS (SELECT 1 FROM teams WHERE active), \
                             (SELECT COUNT(*) FROM (SELECT 1 FROM people WHERE active LIMIT 2) p) > 1, \
                             EXISTS (SELECT 1 FROM services WHERE active), \
                             EXISTS (SELECT 1 FROM target_policies), EXISTS (SELECT 1 FROM requests)",
                        args![],
                    )?
                    .unwrap_or_default();
                let first_team =
                    tx.exec().scalar_opt("SELECT key FROM teams WHERE active ORDER BY key LIMIT 1", args![])?;
                let first_service: Option<(String, String)> = tx.exec().optional(
                    "SELECT t.key, s.slug FROM services s JOIN teams t ON t.id = s.team_id \
                         WHERE s.active ORDER BY t.key, s.slug LIMIT 1",
                    args![],
                )?;
                Ok(SetupProgress {
                    has_team,
                    has_people,
                    has_service,
                    has_target,
                    has_request,
                    first_team,
                    first_service,
                })
            })
            .await
    }
}

//! Loads the demo organisation exactly once, even when several nodes start together.

use concentric_core::authz::Actor;
use concentric_core::demo::DemoOrg;
use concentric_core::import::{PersonRow, TeamRow};
use concentric_core::time::Millis;

use crate::db::args;
use crate::import::{import_people_in, import_teams_in};
use crate::people::id_by_email;
use crate::{Result, Store, StoreError};

const DEMO_KEY: &str = "demo_loaded_at";

impl Store {
    /// Writes the demo organisation unless it was loaded before; returns whether it was loaded now.
    /// `password_hashes` gives the sign-in accounts their (already hashed) password.
    #[tracing::instrument(skip_all)]
    pub async fn load_demo(&self, org: &DemoOrg, password_hashes: &[(String, String)]) -> Result<bool> {
        let mut tx = self.db.begin().await?;
        // Claiming the marker first makes a second node wait here, then see it taken.
        let claimed = tx
            .exec()
            .execute(
                "INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING",
                args![DEMO_KEY, Millis::now().0.to_string()],
            )
            .await?;
        if claimed == 0 {
            return Ok(false);
        }
        let actor = Actor::system();
        let teams =
            org.teams.iter().enumerate().map(|(i, t)| TeamRow { line: i as u64 + 1, team: t.clone() }).collect();
        import_teams_in(&mut tx, &actor, teams).await?;
        let people = org
            .people
            .iter()
            .enumerate()
            .map(|(i, p)| PersonRow {
                line: i as u64 + 1,
                person: p.person.clone(),
                teams: vec![(p.team_key.to_owned(), p.role)],
            })
            .collect();
        import_people_in(&mut tx, &actor, people).await?;
        let now = Millis::now().0;
        for (email, hash) in password_hashes {
            let id = id_by_email(tx.exec(), email).await?.ok_or(StoreError::NotFound("demo account"))?;
            tx.exec()
                .execute(
                    "INSERT INTO credentials (person_id, password_hash, updated_at) VALUES ($1, $2, $3) \
                     ON CONFLICT (person_id) DO NOTHING",
                    args![id, hash, now],
                )
                .await?;
        }
        tx.commit().await?;
        Ok(true)
    }
}

//! Loads the demo organisation exactly once, even when several nodes start together.

use concentric_core::authz::Actor;
use concentric_core::demo::{DemoOrg, DemoRequest, DemoService, DemoStep};
use concentric_core::import::{PersonRow, TeamRow};
use concentric_core::request::CommentKind;
use concentric_core::time::Millis;

use crate::db::args;
use crate::import::{import_people_in, import_teams_in};
use crate::people::id_by_email;
use crate::{Result, Store, StoreError};

const DEMO_KEY: &str = "demo_loaded_at";
const CATALOG_KEY: &str = "demo_catalog_loaded_at";
const REQUESTS_KEY: &str = "demo_requests_loaded_at";

impl Store {
    /// Writes the demo organisation unless it was loaded before; returns whether it was loaded now.
    /// `password_hashes` gives the sign-in accounts their (already hashed) password.
    #[tracing::instrument(skip_all)]
    pub async fn load_demo(&self, org: &DemoOrg, password_hashes: &[(String, String)]) -> Result<bool> {
        let mut tx = self.db.begin().await?;
        // Claiming the marker first makes a second node wait here, then see it taken.
        if !claim(&mut tx, DEMO_KEY).await? {
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

    /// Publishes the demo catalog once (its own marker, so older demo databases get it too).
    #[tracing::instrument(skip_all)]
    pub async fn load_demo_catalog(&self, services: &[DemoService]) -> Result<bool> {
        let mut tx = self.db.begin().await?;
        if !claim(&mut tx, CATALOG_KEY).await? {
            return Ok(false);
        }
        let actor = Actor::system();
        for s in services {
            let team =
                crate::teams::team_id_by_key(tx.exec(), s.team_key).await?.ok_or(StoreError::NotFound("demo team"))?;
            let new = s.service.clone().validate()?;
            crate::services::insert_service(&mut tx, &actor, team, &new).await?;
        }
        tx.commit().await?;
        Ok(true)
    }

    /// Files the demo requests once, through the same paths people use, and works them.
    #[tracing::instrument(skip_all)]
    pub async fn load_demo_requests(&self, requests: &[DemoRequest], reopen_window_ms: i64) -> Result<bool> {
        let mut tx = self.db.begin().await?;
        if !claim(&mut tx, REQUESTS_KEY).await? {
            return Ok(false);
        }
        tx.commit().await?;
        for r in requests {
            let requester = self.person_by_email(&r.requester_email).await?;
            let asker = self.actor_for(requester.id).await?;
            let service = self.service_by_slug(r.team_key, r.slug).await?;
            let new = concentric_core::request::NewRequest {
                subject: r.subject.to_owned(),
                fields: r.fields.clone(),
                ..Default::default()
            };
            let req = self.create_request(&asker, service.id, new).await?;
            // The assignee works it; unassigned requests are picked up by the team's lead.
            let worker = match req.assignee_id {
                Some(a) => a,
                None => self
                    .team_members(req.team_id)
                    .await?
                    .first()
                    .map(|m| m.person_id)
                    .ok_or(StoreError::NotFound("demo lead"))?,
            };
            let agent = self.actor_for(worker).await?;
            if req.assignee_id.is_none() && !r.steps.is_empty() {
                self.assign(&agent, &req.key, Some(worker)).await?;
            }
            for step in &r.steps {
                match step {
                    DemoStep::AgentReply(text) => self
                        .add_comment(&agent, &req.key, CommentKind::Reply, text, reopen_window_ms)
                        .await
                        .map(drop)?,
                    DemoStep::AgentNote(text) => {
                        self.add_comment(&agent, &req.key, CommentKind::Note, text, reopen_window_ms).await.map(drop)?
                    }
                    DemoStep::RequesterReply(text) => self
                        .add_comment(&asker, &req.key, CommentKind::Reply, text, reopen_window_ms)
                        .await
                        .map(drop)?,
                    DemoStep::Status(to) => self.change_status(&agent, &req.key, *to).await.map(drop)?,
                }
            }
        }
        Ok(true)
    }
}

/// Claims a one-time marker; false when another run (or node) already has.
async fn claim(tx: &mut crate::db::Tx, key: &str) -> Result<bool> {
    let claimed = tx
        .exec()
        .execute(
            "INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING",
            args![key, Millis::now().0.to_string()],
        )
        .await?;
    Ok(claimed > 0)
}

//! Runs a CSV import for the API, the upload form and the CLI alike.

use concentric_core::authz::Actor;
use concentric_core::import::{parse_people, parse_teams, parse_time_off, ImportKind, ImportReport};
use concentric_core::mail::LinkPurpose;
use concentric_core::Invalid;
use concentric_store::StoreError;

use crate::mail::issue_link;
use crate::state::AppState;

/// Imports a file; with `invite`, mails each person it created an invitation to set a password.
pub async fn run(
    state: &AppState,
    actor: &Actor,
    kind: ImportKind,
    data: &[u8],
    invite: bool,
) -> Result<ImportReport, StoreError> {
    // Permission first, so a non-admin learns nothing about the file's problems.
    actor.require_admin("import people, teams or time off")?;
    if invite && !state.mailer.is_configured() {
        return Err(Invalid::one(
            "invite",
            "mail is not set up, so invitations cannot be mailed: import without them, then copy each \
             person's link from their page (Signing in)",
        )
        .into());
    }
    let mut report = match kind {
        ImportKind::People => state.store.import_people(actor, parse_people(data)).await?,
        ImportKind::Teams => state.store.import_teams(actor, parse_teams(data)).await?,
        ImportKind::TimeOff => state.store.import_time_off_rows(actor, parse_time_off(data)).await?,
    };
    report.kind = Some(kind);
    if invite {
        // After the import committed: a failure here leaves the people in place, and the
        // invitations not yet sent can be sent from each person's page.
        for person in std::mem::take(&mut report.created_people) {
            issue_link(state, actor, person, LinkPurpose::Invitation, true).await?;
            report.invited += 1;
        }
    }
    Ok(report)
}

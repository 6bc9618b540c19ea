//! Runs a CSV import for the API, the upload form and the CLI alike.

use concentric_core::authz::Actor;
use concentric_core::import::{parse_people, parse_teams, ImportKind, ImportReport};
use concentric_store::{Store, StoreError};

pub async fn run(store: &Store, actor: &Actor, kind: ImportKind, data: &[u8]) -> Result<ImportReport, StoreError> {
    // Permission first, so a non-admin learns nothing about the file's problems.
    actor.require_admin("import people or teams")?;
    let mut report = match kind {
        ImportKind::People => store.import_people(actor, parse_people(data)).await?,
        ImportKind::Teams => store.import_teams(actor, parse_teams(data)).await?,
    };
    report.kind = Some(kind);
    Ok(report)
}

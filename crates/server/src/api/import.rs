//! `/api/v1/import`: a CSV file of people, teams or time off as the request body.

use axum::extract::State;
use axum::routing::post;
use axum::{Json, Router};
use concentric_core::import::{ImportKind, ImportReport};
use serde::Deserialize;

use super::{ApiBytes, ApiQuery};
use crate::auth::ApiUser;
use crate::error::{ApiError, Problem};
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route("/api/v1/import", post(import_csv))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ImportParams {
    /// `people`, `teams` or `time_off`; told from the header when absent.
    #[param(inline)]
    kind: Option<ImportKind>,
    /// Mail each person the file creates an invitation to set a password (needs mail set up).
    invite: Option<bool>,
}

/// Import people, teams or time off from CSV (admins). Every row is checked first; any bad row means
/// nothing is imported and the response lists each bad row with its line number.
#[utoipa::path(post, path = "/api/v1/import", tag = "import", params(ImportParams),
    request_body(content = String, content_type = "text/csv"),
    responses((status = 200, body = ImportReport), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn import_csv(
    State(state): State<AppState>,
    user: ApiUser,
    ApiQuery(params): ApiQuery<ImportParams>,
    ApiBytes(body): ApiBytes,
) -> Result<Json<ImportReport>, ApiError> {
    let kind = match params.kind {
        Some(kind) => kind,
        None => ImportKind::detect(&body).map_err(|e| concentric_store::StoreError::Import(vec![e]))?,
    };
    let invite = params.invite.unwrap_or(false);
    Ok(Json(crate::import::run(&state, &user.actor, kind, &body, invite).await?))
}

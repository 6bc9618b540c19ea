//! The two faces of an error: `application/problem+json` (RFC 9457) for the API and a page for
//! the web UI. Internal errors are logged with their detail and shown without it.

use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use concentric_core::import::RowError;
use concentric_core::FieldError;
use concentric_store::StoreError;
use serde::Serialize;

/// An API error body. `code` is stable and meant for programs; `detail` is for people.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Problem {
    /// A URI naming the kind of problem.
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    /// Stable snake_case code: `validation_failed`, `not_found`, `forbidden`, `conflict`, ...
    pub code: &'static str,
    /// Per-field problems, when the input was at fault.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
    /// Per-line problems of an import file.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub rows: Vec<RowError>,
}

#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    code: &'static str,
    detail: String,
    errors: Vec<FieldError>,
    rows: Vec<RowError>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, detail: impl Into<String>) -> Self {
        Self { status, code, detail: detail.into(), errors: Vec::new(), rows: Vec::new() }
    }

    /// An input problem that names the fields at fault.
    pub fn with_errors(status: StatusCode, code: &'static str, errors: Vec<FieldError>) -> Self {
        let detail = match errors.as_slice() {
            [one] => format!("{}: {}", one.field, one.message),
            _ => "some fields are not valid".to_owned(),
        };
        Self { errors, ..Self::new(status, code, detail) }
    }

    /// An error raised below the handlers (body limits, unknown methods), coded by its status.
    pub fn from_status(status: StatusCode, detail: impl Into<String>) -> Self {
        let code = match status {
            StatusCode::PAYLOAD_TOO_LARGE => "payload_too_large",
            StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported_media_type",
            StatusCode::METHOD_NOT_ALLOWED => "method_not_allowed",
            StatusCode::NOT_FOUND => "not_found",
            StatusCode::UNAUTHORIZED => "unauthorized",
            StatusCode::FORBIDDEN => "forbidden",
            StatusCode::UNPROCESSABLE_ENTITY => "invalid_body",
            s if s.is_server_error() => "internal",
            _ => "bad_request",
        };
        Self::new(status, code, detail)
    }

    pub fn bad_request(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "bad_request", detail)
    }

    pub fn unauthorized() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "send a personal API token as `Authorization: Bearer <token>`; create one under Account → API tokens",
        )
    }

    pub fn not_found(what: &str) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", format!("{what} not found"))
    }

    pub fn internal(e: &dyn std::fmt::Display) -> Self {
        tracing::error!(error = %e, "internal error");
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", "something went wrong on our side; it has been logged")
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound(what) => Self::not_found(what),
            StoreError::Forbidden(f) => Self::new(StatusCode::FORBIDDEN, "forbidden", f.to_string()),
            StoreError::IllegalTransition(t) => Self::new(StatusCode::CONFLICT, "illegal_transition", t.to_string()),
            StoreError::Invalid(inv) => Self {
                errors: inv.0,
                ..Self::new(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed", "some fields are not valid")
            },
            StoreError::Conflict(field) => Self {
                detail: field.message.clone(),
                errors: vec![field],
                ..Self::new(StatusCode::CONFLICT, "conflict", "")
            },
            StoreError::Import(rows) => Self {
                detail: format!(
                    "{} in the file; nothing was imported",
                    concentric_core::text::count(rows.len(), "problem", "problems")
                ),
                rows,
                ..Self::new(StatusCode::UNPROCESSABLE_ENTITY, "import_rejected", "")
            },
            other => Self::internal(&other),
        }
    }
}

impl From<concentric_core::Invalid> for ApiError {
    fn from(e: concentric_core::Invalid) -> Self {
        StoreError::Invalid(e).into()
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let title = self.status.canonical_reason().unwrap_or("Error").to_owned();
        let body = Problem {
            kind: format!("urn:concentric:problem:{}", self.code),
            title,
            status: self.status.as_u16(),
            detail: self.detail,
            code: self.code,
            errors: self.errors,
            rows: self.rows,
        };
        let mut response = (self.status, axum::Json(body)).into_response();
        response
            .headers_mut()
            .insert(header::CONTENT_TYPE, header::HeaderValue::from_static("application/problem+json"));
        if self.status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(header::WWW_AUTHENTICATE, header::HeaderValue::from_static("Bearer"));
        }
        response
    }
}

/// Makes every error the API answers problem+json, including those raised by layers below the
/// handlers (body limits, method routing) that know nothing of problems.
pub async fn problems_only(req: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let response = next.run(req).await;
    let status = response.status();
    let is_problem = response.headers().get(header::CONTENT_TYPE).is_some_and(|v| v == "application/problem+json");
    if status.as_u16() < 400 || is_problem {
        return response;
    }
    let detail = match axum::body::to_bytes(response.into_body(), 4096).await {
        Ok(bytes) if !bytes.is_empty() => String::from_utf8_lossy(&bytes).trim().to_owned(),
        _ => status.canonical_reason().unwrap_or("error").to_lowercase(),
    };
    ApiError::from_status(status, detail).into_response()
}

/// An error page in the web UI. Handlers that show a form catch `Invalid` themselves to show
/// the form again with its messages; anywhere else input problems still read as what they are.
#[derive(Debug)]
pub enum WebError {
    NotFound,
    Forbidden(String),
    /// The input broke rules (422): every message, listed.
    Invalid(Vec<String>),
    /// The change clashes with the current state (409): a taken name, a repeated action.
    Conflict(String),
    Internal,
}

impl From<StoreError> for WebError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound(_) => Self::NotFound,
            StoreError::Forbidden(f) => Self::Forbidden(f.to_string()),
            StoreError::Invalid(inv) => Self::Invalid(inv.0.into_iter().map(|e| e.message).collect()),
            StoreError::Import(rows) => {
                Self::Invalid(rows.into_iter().map(|r| format!("line {}: {}", r.line, r.message)).collect())
            }
            StoreError::Conflict(field) => Self::Conflict(field.message),
            StoreError::IllegalTransition(t) => Self::Conflict(t.to_string()),
            other => {
                tracing::error!(error = %other, "internal error");
                Self::Internal
            }
        }
    }
}

impl From<askama::Error> for WebError {
    fn from(e: askama::Error) -> Self {
        tracing::error!(error = %e, "template error");
        Self::Internal
    }
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        let (status, title, message) = match self {
            Self::NotFound => (
                StatusCode::NOT_FOUND,
                "Not found",
                "There is nothing at this address. It may have moved, or the link is mistyped.".to_owned(),
            ),
            Self::Forbidden(m) => (
                StatusCode::FORBIDDEN,
                "Not allowed",
                format!("Sorry, {m}. Ask an admin or the team's lead if you need this."),
            ),
            Self::Invalid(messages) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                "That could not be done",
                format!("{}. Go back, change it and try again.", messages.join("; ")),
            ),
            Self::Conflict(message) => (
                StatusCode::CONFLICT,
                "That could not be done",
                format!("{message}. Reload the page to see where things stand now."),
            ),
            Self::Internal => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "Something went wrong",
                "Something went wrong on our side. It has been logged; please try again in a moment.".to_owned(),
            ),
        };
        crate::web::error_page(status, title, &message)
    }
}

/// Path parameters of a web page: an address that does not parse (`/commitments/abc`) is the
/// normal "Not found" page, never the extractor's own text.
#[derive(Debug)]
pub struct PagePath<T>(pub T);

impl<T: serde::de::DeserializeOwned + Send, S: Send + Sync> axum::extract::FromRequestParts<S> for PagePath<T> {
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut axum::http::request::Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Path(v)| PagePath(v))
            .map_err(|_| WebError::NotFound)
    }
}

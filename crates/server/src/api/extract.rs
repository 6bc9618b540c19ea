//! Extractors whose rejections are problem+json instead of axum's plain-text defaults.

use axum::body::Bytes;
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Path, Query, Request};
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::Json;
use concentric_core::page::PageRequest;
use concentric_core::FieldError;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::error::ApiError;
use crate::guard;

/// A JSON object body. Malformed JSON, a body that is not an object, control characters in any
/// string, unknown fields and wrong types are 4xx problems, never a handler's concern.
#[derive(Debug)]
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let Json(value) = Json::<Value>::from_request(req, state).await.map_err(|rejection| match rejection {
            JsonRejection::JsonSyntaxError(e) => {
                ApiError::new(StatusCode::BAD_REQUEST, "malformed_json", e.body_text())
            }
            JsonRejection::MissingJsonContentType(_) => ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "send the body as JSON with `Content-Type: application/json`",
            ),
            other => ApiError::from_status(other.status(), other.body_text()),
        })?;
        // serde's derive reads a struct from an array too (`["in_progress"]`); we promise objects.
        if !value.is_object() {
            return Err(ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_body",
                "the body must be a JSON object (`{...}`)",
            ));
        }
        let problems = guard::json_problems(&value);
        if !problems.is_empty() {
            return Err(ApiError::with_errors(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed", problems));
        }
        serde_json::from_value(value)
            .map(ApiJson)
            .map_err(|e| ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_body", e.to_string()))
    }
}

/// Query parameters; unknown or ill-typed parameters are a 400 problem.
#[derive(Debug)]
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        Query::<T>::from_request_parts(parts, state)
            .await
            .map(|Query(v)| ApiQuery(v))
            .map_err(|e: QueryRejection| ApiError::new(StatusCode::BAD_REQUEST, "invalid_query", e.body_text()))
    }
}

/// A list's filters and its page, from one query string: `limit` and `offset` are read by the
/// one rule in `core::page` for every list, the rest into `F` (which refuses unknown names).
#[derive(Debug)]
pub struct ApiList<F>(pub F, pub PageRequest);

impl<F: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiList<F> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let invalid =
            |e: &dyn std::fmt::Display| ApiError::new(StatusCode::BAD_REQUEST, "invalid_query", e.to_string());
        let pairs: Vec<(String, String)> =
            serde_urlencoded::from_str(parts.uri.query().unwrap_or("")).map_err(|e| invalid(&e))?;
        let (paging, filters): (Vec<_>, Vec<_>) = pairs.into_iter().partition(|(k, _)| k == "limit" || k == "offset");
        let read = |pairs: &[(String, String)]| serde_urlencoded::to_string(pairs).map_err(|e| invalid(&e));
        let page = serde_urlencoded::from_str(&read(&paging)?).map_err(|e| invalid(&e))?;
        let filter = serde_urlencoded::from_str(&read(&filters)?).map_err(|e| invalid(&e))?;
        Ok(ApiList(filter, page))
    }
}

/// Path parameters; an id that is not a number is a 400 problem, not a panic or a 500.
#[derive(Debug)]
pub struct ApiPath<T>(pub T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for ApiPath<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        Path::<T>::from_request_parts(parts, state)
            .await
            .map(|Path(v)| ApiPath(v))
            .map_err(|e: PathRejection| ApiError::new(StatusCode::BAD_REQUEST, "invalid_path", e.body_text()))
    }
}

/// A raw body (a file, a CSV upload): too large a body is 413 `payload_too_large`.
#[derive(Debug)]
pub struct ApiBytes(pub Bytes);

impl<S: Send + Sync> FromRequest<S> for ApiBytes {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        Bytes::from_request(req, state)
            .await
            .map(ApiBytes)
            .map_err(|e| ApiError::from_status(e.status(), e.body_text()))
    }
}

/// A text body (an .ics file): UTF-8 with no control characters but tabs and line breaks.
#[derive(Debug)]
pub struct ApiText(pub String);

impl<S: Send + Sync> FromRequest<S> for ApiText {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let ApiBytes(bytes) = ApiBytes::from_request(req, state).await?;
        let text = String::from_utf8(bytes.to_vec()).map_err(|_| {
            ApiError::with_errors(
                StatusCode::UNPROCESSABLE_ENTITY,
                "validation_failed",
                vec![FieldError::new("body", "is not UTF-8 text")],
            )
        })?;
        concentric_core::text::check(&text).map_err(|message| {
            ApiError::with_errors(
                StatusCode::UNPROCESSABLE_ENTITY,
                "validation_failed",
                vec![FieldError::new("body", message)],
            )
        })?;
        Ok(ApiText(text))
    }
}

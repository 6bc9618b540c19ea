//! Where text from outside is checked against `core::text` before any handler sees it: the path and
//! query of every request (a middleware), JSON bodies (`ApiJson`) and form bodies (`CsrfForm`).
//! Raw bodies (CSV, .ics) are text checked by their parsers in `core`; files are bytes, not text.

use axum::extract::Request;
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use concentric_core::{text, FieldError};
use percent_encoding::percent_decode_str;
use serde_json::Value;

use crate::error::ApiError;

/// Refuses a request whose decoded path or query holds a forbidden character: 400 naming the
/// parameter (problem+json under `/api/`, an error page elsewhere).
pub async fn clean_uri(req: Request, next: Next) -> Response {
    match uri_problem(req.uri()) {
        None => next.run(req).await,
        Some((code, problem)) if req.uri().path().starts_with("/api/") => {
            ApiError::with_errors(StatusCode::BAD_REQUEST, code, vec![problem]).into_response()
        }
        Some((_, problem)) => crate::web::error_page(
            StatusCode::BAD_REQUEST,
            "This address could not be read",
            &format!("The {} {}. Check the link and try again.", problem.field, problem.message),
        ),
    }
}

fn uri_problem(uri: &axum::http::Uri) -> Option<(&'static str, FieldError)> {
    let path = percent_decode_str(uri.path()).decode_utf8_lossy();
    if let Err(message) = text::check(&path) {
        return Some(("invalid_path", FieldError::new("path", message)));
    }
    let query = uri.query()?;
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query).unwrap_or_default();
    form_problem(&pairs).map(|problem| ("invalid_query", problem))
}

/// Every forbidden character in a JSON document, named by its field path (`fields.tags[2]`).
pub fn json_problems(value: &Value) -> Vec<FieldError> {
    let mut found = Vec::new();
    walk(value, &mut String::new(), &mut found);
    found
}

fn walk(value: &Value, path: &mut String, found: &mut Vec<FieldError>) {
    match value {
        Value::String(s) => {
            if let Err(message) = text::check(s) {
                found.push(FieldError::new(field_name(path), message));
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                let len = path.len();
                path.push_str(&format!("[{i}]"));
                walk(item, path, found);
                path.truncate(len);
            }
        }
        Value::Object(map) => {
            for (key, item) in map {
                let len = path.len();
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(key);
                if let Err(message) = text::check(key) {
                    found.push(FieldError::new(field_name(path), format!("has a name that {message}")));
                } else {
                    walk(item, path, found);
                }
                path.truncate(len);
            }
        }
        Value::Null | Value::Bool(_) | Value::Number(_) => {}
    }
}

/// A field path with its forbidden characters made visible, so the name can be shown safely.
fn field_name(path: &str) -> String {
    let name: String = path.chars().map(|c| if text::is_forbidden(c) { '\u{FFFD}' } else { c }).collect();
    if name.is_empty() {
        "body".to_owned()
    } else {
        name
    }
}

/// The first forbidden character in a form's fields.
pub fn form_problem(pairs: &[(String, String)]) -> Option<FieldError> {
    pairs.iter().find_map(|(name, value)| {
        let message = text::check(name).and_then(|()| text::check(value)).err()?;
        Some(FieldError::new(field_name(name), message))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_problems_are_named_by_path() {
        let body = serde_json::json!({"subject": "ok", "fields": {"tags": ["a", "b\u{0}"]}, "x\u{1}": 1});
        let found = json_problems(&body);
        let fields: Vec<&str> = found.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["fields.tags[1]", "x\u{FFFD}"]);
        assert!(json_problems(&serde_json::json!({"a": "tab\tand\nnewline"})).is_empty());
    }

    #[test]
    fn uri_problems_name_the_parameter() {
        let uri: axum::http::Uri = "/api/v1/requests?limit=5&text=a%00b".parse().unwrap();
        let (code, problem) = uri_problem(&uri).unwrap();
        assert_eq!((code, problem.field.as_str()), ("invalid_query", "text"));
        let path: axum::http::Uri = "/api/v1/teams/I%00T".parse().unwrap();
        assert_eq!(uri_problem(&path).unwrap().0, "invalid_path");
        assert!(uri_problem(&"/api/v1/requests?text=caf%C3%A9".parse().unwrap()).is_none());
    }
}

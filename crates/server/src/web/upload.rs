//! Multipart forms (file uploads) with the same CSRF check as every other form.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{FromRequest, Multipart, Request};
use axum::http::StatusCode;
use axum::response::Response;

use crate::auth::csrf::{expected_token, rejected, verify};
use crate::auth::CurrentViewer;
use crate::state::AppState;

/// One part of an upload: its file name (for file inputs) and content.
#[derive(Debug)]
pub struct Part {
    pub filename: Option<String>,
    pub data: Bytes,
}

/// Reads every part, then checks the `csrf` part. A failed read is an error message for the form
/// (too large, cut off); a failed check is the "form expired" page.
pub async fn read(
    req: Request,
    state: &AppState,
) -> Result<Result<HashMap<String, Part>, (StatusCode, String)>, Response> {
    let expected = expected_token(req.extensions().get::<CurrentViewer>(), req.headers());
    let mut multipart = match Multipart::from_request(req, state).await {
        Ok(m) => m,
        Err(_) => return Err(rejected()),
    };
    let mut parts = HashMap::new();
    loop {
        match multipart.next_field().await {
            Ok(Some(field)) => {
                let name = field.name().unwrap_or_default().to_owned();
                let filename = field.file_name().map(str::to_owned);
                match field.bytes().await {
                    Ok(data) => {
                        parts.insert(name, Part { filename, data });
                    }
                    Err(e) => return Ok(Err((e.status(), format!("The upload failed: {}", e.body_text())))),
                }
            }
            Ok(None) => break,
            Err(e) => return Ok(Err((e.status(), format!("The upload failed: {}", e.body_text())))),
        }
    }
    let sent = parts.get("csrf").map(|p| String::from_utf8_lossy(&p.data).into_owned());
    if !verify(expected.as_deref(), sent.as_deref()) {
        return Err(rejected());
    }
    let texts: Vec<(String, String)> = parts
        .iter()
        .map(|(name, part)| match &part.filename {
            Some(file_name) => (name.clone(), file_name.clone()),
            None => (name.clone(), String::from_utf8_lossy(&part.data).into_owned()),
        })
        .collect();
    if let Some(problem) = crate::guard::form_problem(&texts) {
        return Ok(Err((StatusCode::BAD_REQUEST, format!("The field {} {}.", problem.field, problem.message))));
    }
    Ok(Ok(parts))
}

/// The text of a part, or empty.
pub fn text(parts: &HashMap<String, Part>, name: &str) -> String {
    parts.get(name).map(|p| String::from_utf8_lossy(&p.data).into_owned()).unwrap_or_default()
}

//! Serving stored files: always as a download, with the sniffed type and `nosniff`, so an
//! uploaded HTML or SVG file can never run as a page of ours.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use concentric_core::attachment::Attachment;
use percent_encoding::{utf8_percent_encode, NON_ALPHANUMERIC};

/// Types a browser would execute are served as plain bytes, whatever else protects the download.
fn served_type(stored: &str) -> &str {
    let active = [
        "text/html",
        "image/svg",
        "application/xhtml",
        "text/xml",
        "application/xml",
        "text/javascript",
        "application/javascript",
    ];
    if active.iter().any(|a| stored.starts_with(a)) {
        "application/octet-stream"
    } else {
        stored
    }
}

pub fn attachment_response(att: &Attachment, data: Vec<u8>) -> Response {
    file_response(&att.filename, &att.content_type, data)
}

/// A checked image (a post's), shown inline: its type was decided from its bytes and is one of
/// four raster formats, so a browser cannot run it.
pub fn image_response(content_type: &str, data: Vec<u8>) -> Response {
    let mut response = (StatusCode::OK, data).into_response();
    let headers = response.headers_mut();
    let kind =
        HeaderValue::from_str(content_type).unwrap_or_else(|_| HeaderValue::from_static("application/octet-stream"));
    headers.insert(header::CONTENT_TYPE, kind);
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, max-age=300"));
    headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static("default-src 'none'; sandbox"));
    response
}

/// A CSV export, as a download.
pub fn csv_response(filename: &str, body: String) -> Response {
    file_response(filename, "text/csv; charset=utf-8", body.into_bytes())
}

/// Any stored file, by name and sniffed type.
pub fn file_response(filename: &str, content_type: &str, data: Vec<u8>) -> Response {
    let ascii: String = filename.chars().map(|c| if c.is_ascii_graphic() || c == ' ' { c } else { '_' }).collect();
    let disposition = format!(
        "attachment; filename=\"{}\"; filename*=UTF-8''{}",
        ascii.replace(['"', '\\'], "_"),
        utf8_percent_encode(filename, NON_ALPHANUMERIC)
    );
    let mut response = (StatusCode::OK, data).into_response();
    let headers = response.headers_mut();
    let value =
        |s: &str| HeaderValue::from_str(s).unwrap_or_else(|_| HeaderValue::from_static("application/octet-stream"));
    headers.insert(header::CONTENT_TYPE, value(served_type(content_type)));
    headers.insert(header::CONTENT_DISPOSITION, value(&disposition));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-store"));
    headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static("default-src 'none'; sandbox"));
    response
}

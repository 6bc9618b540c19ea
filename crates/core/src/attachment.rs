//! Files attached to requests: what is kept about them, and how their type is decided.

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::error::Invalid;
use crate::ids::{PersonId, RequestId};

/// An attachment as listed on a request (the content is fetched separately).
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Attachment {
    pub id: i64,
    pub request_id: RequestId,
    pub uploader_id: PersonId,
    pub uploader_name: String,
    pub filename: String,
    /// Decided from the content, not from what the uploader claimed.
    pub content_type: String,
    pub size: i64,
    /// Hex SHA-256 of the content.
    pub sha256: String,
    /// Seen by the providing team only.
    pub internal: bool,
    pub created_at: DateTime<Utc>,
}

/// The content type of a file from its first bytes; text that is valid UTF-8 is `text/plain`,
/// anything unrecognised `application/octet-stream`. The uploader's claim is never trusted.
pub fn sniff(data: &[u8]) -> String {
    if let Some(kind) = infer::get(data) {
        return kind.mime_type().to_owned();
    }
    let head = &data[..data.len().min(8192)];
    let text = match std::str::from_utf8(head) {
        Ok(_) => true,
        // A multi-byte character cut at the sample's end is still text.
        Err(e) => e.error_len().is_none(),
    };
    if text && !head.contains(&0) {
        "text/plain; charset=utf-8".to_owned()
    } else {
        "application/octet-stream".to_owned()
    }
}

/// Hex SHA-256 of a file's content, kept to verify it later.
pub fn sha256_hex(data: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(data).iter().map(|b| format!("{b:02x}")).collect()
}

/// Cleans an uploaded file name: no paths, no control characters, at most 200 characters.
pub fn clean_filename(raw: &str) -> Result<String, Invalid> {
    let base = raw.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = base.chars().filter(|c| !c.is_control() && *c != '"').take(200).collect();
    let cleaned = cleaned.trim().trim_start_matches('.').to_owned();
    if cleaned.is_empty() {
        return Err(Invalid::one("filename", "the file needs a name"));
    }
    Ok(cleaned)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_decides_the_type() {
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"), "image/png");
        assert_eq!(sniff(b"%PDF-1.7\n"), "application/pdf");
        assert_eq!(sniff("plain text, with ümlauts".as_bytes()), "text/plain; charset=utf-8");
        assert_eq!(sniff(&[0, 159, 146, 150]), "application/octet-stream");
    }

    #[test]
    fn filenames_lose_paths_and_control_characters() {
        assert_eq!(clean_filename("C:\\Users\\me\\report.pdf").unwrap(), "report.pdf");
        assert_eq!(clean_filename("../../etc/passwd").unwrap(), "passwd");
        assert_eq!(clean_filename("a\"b\nc.txt").unwrap(), "abc.txt");
        assert!(clean_filename("..").is_err());
        assert!(clean_filename("dir/").is_err());
    }
}

//! Files attached to requests. Internal attachments follow the rule of internal notes: only the
//! providing team (and admins) see them, in lists and downloads alike.

use concentric_core::attachment::{clean_filename, sha256_hex, sniff, Attachment};
use concentric_core::authz::{Actor, Forbidden};
use concentric_core::request::{IllegalTransition, Status};
use concentric_core::time::Millis;
use concentric_core::{Invalid, PersonId, RequestId};
use serde_json::json;

use concentric_core::request::{Access, Request};

use crate::db::{args, Tx};
use crate::events::record;
use crate::requests::visible;
use crate::{Result, Store, StoreError};

const ATTACHMENT_COLUMNS: &str = "a.id, a.request_id, a.uploader_id, p.name AS uploader_name, a.filename, \
     a.content_type, a.size, a.sha256, a.internal, a.created_at";

crate::db::row! {
    struct AttachmentRow {
        id: i64,
        request_id: i64,
        uploader_id: i64,
        uploader_name: String,
        filename: String,
        content_type: String,
        size: i64,
        sha256: String,
        internal: bool,
        created_at: i64,
    }
}

impl From<AttachmentRow> for Attachment {
    fn from(r: AttachmentRow) -> Self {
        Attachment {
            id: r.id,
            request_id: RequestId(r.request_id),
            uploader_id: PersonId(r.uploader_id),
            uploader_name: r.uploader_name,
            filename: r.filename,
            content_type: r.content_type,
            size: r.size,
            sha256: r.sha256,
            internal: r.internal,
            created_at: Millis(r.created_at).to_utc(),
        }
    }
}

/// The attachments of a request that `access` may see, oldest first.
pub(crate) fn attachments_in(tx: &mut Tx, req: &Request, access: Access) -> Result<Vec<Attachment>> {
    let rows: Vec<AttachmentRow> = tx.exec().all(
        &format!(
            "SELECT {ATTACHMENT_COLUMNS} FROM attachments a JOIN people p ON p.id = a.uploader_id \
                 WHERE a.request_id = $1 AND ($2 OR NOT a.internal) ORDER BY a.created_at, a.id"
        ),
        args![req.id, access.agent],
    )?;
    Ok(rows.into_iter().map(Attachment::from).collect())
}

impl Store {
    /// Attaches a file to a request. Anyone who may see the request may attach; only agents
    /// attach internally. The content type is sniffed from the bytes.
    #[tracing::instrument(skip_all, fields(request = key, size = data.len()))]
    pub async fn add_attachment(
        &self,
        actor: &Actor,
        key: &str,
        filename: &str,
        data: Vec<u8>,
        internal: bool,
    ) -> Result<Attachment> {
        let actor = actor.to_owned();
        let key = key.to_owned();
        let filename = filename.to_owned();
        self.db.write(move |mut tx| {
            let actor: &Actor = &actor;
            let key: &str = &key;
            let filename: &str = &filename;
            let Some(me) = actor.person_id else { return Err(Forbidden("attach files without a person").into()) };
            let filename = clean_filename(filename)?;
            if data.is_empty() {
                return Err(Invalid::one("file", "the file is empty").into());
            }
            let (req, access) = visible(&mut tx, actor, key)?;
            if internal && !access.agent {
                return Err(Forbidden("attach internal files to this request").into());
            }
            if req.status == Status::Closed {
                return Err(IllegalTransition { from: Status::Closed, to: Status::InProgress }.into());
            }
            let (size, sha, content_type) = (data.len() as i64, sha256_hex(&data), sniff(&data));
            let id: i64 = tx
                .exec()
                .insert_id(
                    "INSERT INTO attachments (request_id, uploader_id, filename, content_type, size, sha256, internal, data, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                    args![req.id, me, &filename, &content_type, size, &sha, internal, data, Millis::now().0],
                )?;
            // An internal file's name stays out of the history that requesters read.
            let detail = if internal { json!({ "internal": true }) } else { json!({ "file": filename, "size": size }) };
            record(&mut tx, actor, "request", req.id.0, "attachment_added", detail)?;
            let row: AttachmentRow = tx
                .exec()
                .optional(&format!("SELECT {ATTACHMENT_COLUMNS} FROM attachments a JOIN people p ON p.id = a.uploader_id WHERE a.id = $1"), args![id])?
                .ok_or(StoreError::NotFound("attachment"))?;
            Ok(row.into())
        })
        .await
    }

    /// The attachments of a request the actor may see.
    #[tracing::instrument(skip_all)]
    pub async fn attachments(&self, actor: &Actor, key: &str) -> Result<Vec<Attachment>> {
        self.read_visible(actor, key, move |tx, _, req, access| attachments_in(tx, &req, access)).await
    }

    /// One attachment with its content, if the actor may see it (otherwise not found).
    #[tracing::instrument(skip_all)]
    pub async fn attachment_content(&self, actor: &Actor, key: &str, id: i64) -> Result<(Attachment, Vec<u8>)> {
        self.read_visible(actor, key, move |tx, _, req, access| {
            let row: AttachmentRow = tx
                .exec()
                .optional(
                    &format!(
                        "SELECT {ATTACHMENT_COLUMNS} FROM attachments a JOIN people p ON p.id = a.uploader_id \
                     WHERE a.id = $1 AND a.request_id = $2 AND ($3 OR NOT a.internal)"
                    ),
                    args![id, req.id, access.agent],
                )?
                .ok_or(StoreError::NotFound("attachment"))?;
            let data: Vec<u8> = tx.exec().scalar("SELECT data FROM attachments WHERE id = $1", args![id])?;
            Ok((row.into(), data))
        })
        .await
    }
}

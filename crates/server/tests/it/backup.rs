//! Backups and restores round-trip on both backends: a backup file (SQLite, whatever the source)
//! restored into an empty database of the same kind holds every row, and the organisation
//! answers the same through the API; a database with an organisation is never overwritten
//! without `force`.

use axum::http::{Method, StatusCode};
use concentric_server::config::ConfigLayer;
use concentric_server::{AppState, Config};
use concentric_store::scratch::Scratch;
use concentric_store::{Store, StoreError};
use serde_json::json;
use tower::ServiceExt;

use crate::both;
use crate::harness::PG_ENV;
use crate::requests::{file, world};

both!(backups_restore_every_row, |t| {
    let w = world(&t).await;
    file(&t, &w.requester, "Screen flickers after the update").await;
    t.api(
        Method::POST,
        "/api/v1/requests/IT-1/comments",
        Some(&w.agent),
        Some(json!({"kind": "note", "body": "driver rollback"})),
    )
    .await;
    let before = t.api(Method::GET, "/api/v1/requests/IT-1", Some(&w.lead), None).await;

    let dir = std::env::temp_dir().join(format!("concentric-backup-{}-{}", std::process::id(), t.url.len()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!("{}.db", if t.url.starts_with("postgres") { "pg" } else { "lite" }));
    let _ = std::fs::remove_file(&path);
    let backup = t.store.backup_to(&path).await.unwrap();
    let rows = |r: &[concentric_store::TableReport], table: &str| r.iter().find(|x| x.table == table).map(|x| x.rows);
    assert_eq!(rows(&backup, "people"), Some(5), "{backup:?}");
    assert_eq!(rows(&backup, "requests"), Some(1));
    assert!(matches!(t.store.backup_to(&path).await, Err(StoreError::Conflict(_))), "never overwrites");

    // Into a fresh database of the same kind.
    let like = if t.url.starts_with("postgres") { std::env::var(PG_ENV).unwrap() } else { "sqlite:".to_owned() };
    let scratch = Scratch::create(&like).await.unwrap();
    let restored = Store::connect(scratch.url(), Default::default()).await.unwrap();
    restored.migrate().await.unwrap();
    let report = restored.restore_from(&path, false).await.unwrap();
    for table in &backup {
        assert_eq!(rows(&report, &table.table), Some(table.rows), "{}", table.table);
    }
    assert!(
        matches!(restored.restore_from(&path, false).await, Err(StoreError::Conflict(_))),
        "not over an organisation"
    );
    restored.restore_from(&path, true).await.unwrap();

    // The restored organisation answers as the original did: the request, its note, its search.
    let config =
        Config::load(None, ConfigLayer { database_url: Some(scratch.url().to_owned()), ..Default::default() }).unwrap();
    let app = concentric_server::app(AppState::new(restored.clone(), config));
    let get = |path: &str| {
        let req = axum::http::Request::get(path)
            .header("authorization", format!("Bearer {}", w.lead))
            .body(axum::body::Body::empty())
            .unwrap();
        app.clone().oneshot(req)
    };
    let after = get("/api/v1/requests/IT-1").await.unwrap();
    assert_eq!(after.status(), StatusCode::OK, "the lead's token came along");
    let bytes = http_body_util::BodyExt::collect(after.into_body()).await.unwrap().to_bytes();
    let after: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(after["subject"], before.json["subject"]);
    assert_eq!(after["comments"], before.json["comments"]);
    let found = get("/api/v1/search?q=rollback").await.unwrap();
    let bytes = http_body_util::BodyExt::collect(found.into_body()).await.unwrap().to_bytes();
    let found: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(found["total"], 1, "the search index came along: {found}");
    // New rows continue the numbering instead of clashing with restored ids.
    restored
        .create_team(
            &concentric_core::authz::Actor::system(),
            concentric_core::team::NewTeam {
                key: "NEW".into(),
                name: "New".into(),
                parent_key: None,
                mission: String::new(),
                contact_email: None,
                contact_info: String::new(),
            },
        )
        .await
        .unwrap();
    restored.close().await;
    scratch.remove().await.unwrap();
    let _ = std::fs::remove_dir_all(dir);
});

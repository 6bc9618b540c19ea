//! Probes and metrics.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use http_body_util::BodyExt;
use tower::ServiceExt;

use crate::both;

both!(probes_answer, |t| {
    let health = t.api(Method::GET, "/healthz", None, None).await;
    assert_eq!((health.status, health.text.as_str()), (StatusCode::OK, "ok"));
    let ready = t.api(Method::GET, "/readyz", None, None).await;
    assert_eq!((ready.status, ready.text.as_str()), (StatusCode::OK, "ready"));
    t.store.close().await;
    assert_eq!(t.api(Method::GET, "/readyz", None, None).await.status, StatusCode::SERVICE_UNAVAILABLE);
});

#[tokio::test]
async fn metrics_count_requests_by_route() {
    let t = crate::harness::TestApp::new(crate::harness::Db::Sqlite).await.expect("sqlite");
    concentric_server::ops::metrics_handle().expect("recorder");
    t.api(Method::GET, "/healthz", None, None).await;
    let resp = concentric_server::ops::metrics_router()
        .oneshot(Request::get("/metrics").body(Body::empty()).unwrap())
        .await
        .unwrap();
    let text = String::from_utf8(resp.into_body().collect().await.unwrap().to_bytes().to_vec()).unwrap();
    assert!(text.contains("http_requests_total{method=\"GET\",route=\"/healthz\",status=\"200\"}"), "{text}");
    assert!(text.contains("http_request_duration_seconds_bucket"), "latency is a histogram");
    // The public listener does not serve metrics.
    assert_eq!(t.api(Method::GET, "/metrics", None, None).await.status, StatusCode::NOT_FOUND);
}

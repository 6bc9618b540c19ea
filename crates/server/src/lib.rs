//! Concentric's HTTP server: the JSON API, the server-rendered web UI, sign-in and operations.
//!
//! [`app`] builds the whole router from an [`AppState`], so tests drive it in-process;
//! [`serve`] adds the listener, the metrics listener and graceful shutdown.
#![forbid(unsafe_code)]

pub mod api;
pub mod auth;
pub mod config;
pub mod demo;
mod download;
mod error;
mod guard;
mod home;
pub mod imap;
pub mod import;
pub mod inbound;
pub mod jobs;
pub mod mail;
mod markdown;
pub mod ops;
mod queries;
mod scim;
mod state;
mod web;
pub mod webhooks;

use std::net::SocketAddr;
use std::time::Duration;

use anyhow::Context;
use axum::http::{header, HeaderName, HeaderValue, Request};
use axum::Router;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tower_http::LatencyUnit;

pub use config::Config;
pub use error::{ApiError, Problem};
pub use state::AppState;

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Content-Security-Policy: our own styles and scripts only, no framing, forms posted only to
/// us. Signing out may redirect to a single sign-on provider's end-session page, and browsers
/// hold a form's redirects to `form-action` too, so the providers' origins are allowed there.
fn csp(config: &Config) -> String {
    let mut form_action = String::from("'self'");
    for p in &config.sso {
        if let Ok(url) = url::Url::parse(&p.issuer) {
            form_action.push(' ');
            form_action.push_str(&url.origin().ascii_serialization());
        }
    }
    format!(
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; \
         frame-ancestors 'none'; form-action {form_action}; base-uri 'none'"
    )
}

/// The complete application: API, web UI and probes, with security headers and request tracing.
pub fn app(state: AppState) -> Router {
    let policy =
        HeaderValue::from_str(&csp(&state.config)).unwrap_or_else(|_| HeaderValue::from_static("default-src 'self'"));
    let headers = [
        (header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")),
        (header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")),
        (header::REFERRER_POLICY, HeaderValue::from_static("same-origin")),
        (header::CONTENT_SECURITY_POLICY, policy),
    ];
    let mut router = Router::new()
        .merge(api::router(&state))
        .merge(api::commitments::feed_router())
        .merge(scim::router())
        .merge(web::router(&state))
        .merge(ops::router())
        .route_layer(axum::middleware::from_fn(ops::track))
        .layer(axum::middleware::from_fn(guard::clean_uri))
        .with_state(state);
    for (name, value) in headers {
        router = router.layer(SetResponseHeaderLayer::if_not_present(name, value));
    }
    router
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(|req: &Request<_>| {
                    let id = req.headers().get(&REQUEST_ID).and_then(|v| v.to_str().ok()).unwrap_or("");
                    tracing::info_span!("http", method = %req.method(), path = %req.uri().path(), request_id = %id)
                })
                .on_response(DefaultOnResponse::new().level(tracing::Level::INFO).latency_unit(LatencyUnit::Micros)),
        )
        .layer(PropagateRequestIdLayer::new(REQUEST_ID))
        .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
}

/// Serves until SIGTERM or Ctrl-C, then finishes in-flight requests before returning.
pub async fn serve(state: AppState) -> anyhow::Result<()> {
    let config = state.config.clone();
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .with_context(|| format!("cannot listen on {}", config.listen))?;
    if let Some(addr) = config.metrics_addr() {
        ops::metrics_handle();
        let metrics = tokio::net::TcpListener::bind(addr).await.with_context(|| {
            format!("cannot listen for metrics on {addr} (set metrics_listen to another port, or off)")
        })?;
        tracing::info!(%addr, "metrics at http://{addr}/metrics");
        tokio::spawn(async move {
            if let Err(e) = axum::serve(metrics, ops::metrics_router()).await {
                tracing::error!(error = %e, "metrics listener stopped");
            }
        });
    }
    let pruner = state.store.clone();
    let window = i64::from(config.login_window_minutes);
    let retention = config.audit_retention_days;
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(600));
        loop {
            tick.tick().await;
            let now = concentric_core::time::Millis::now();
            if let Err(e) = pruner.prune_auth_state(now.plus_minutes(-window)).await {
                tracing::warn!(error = %e, "pruning sessions failed");
            }
            if let Some(before) = concentric_core::audit::retention_cutoff(retention, now) {
                match pruner.prune_audit(before).await {
                    Ok(0) => {}
                    Ok(n) => tracing::info!(deleted = n, "audit log entries past their retention removed"),
                    Err(e) => tracing::warn!(error = %e, "pruning the audit log failed"),
                }
            }
        }
    });
    state.store.set_mail_enabled(state.mailer.is_configured()).await.context("cannot record the mail setting")?;
    if !state.mailer.is_configured() {
        tracing::info!("mail is off: notices stay in the app until smtp_host and smtp_from are set");
    }
    let _runner = jobs::spawn_runner(state.clone(), Duration::from_secs(config.job_poll_seconds.into()));
    let mailboxes = imap::Mailbox::parse_all(&config.imap_mailboxes).map_err(anyhow::Error::msg)?;
    let _poller = imap::spawn_poller(state.clone(), mailboxes, Duration::from_secs(config.imap_poll_seconds.into()));
    tracing::info!("Concentric is listening on {}", config.public_url);
    axum::serve(listener, app(state).into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(shutdown_signal())
        .await
        .context("server error")?;
    tracing::info!("stopped");
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::warn!(error = %e, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! { () = ctrl_c => {}, () = term => {} }
    tracing::info!("shutting down: finishing requests in flight");
}

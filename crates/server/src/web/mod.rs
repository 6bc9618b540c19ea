//! The server-rendered web UI: askama templates, no JavaScript required. Handlers read the
//! signed-in [`Viewer`](crate::auth::Viewer), call the store (which checks permissions), render.

mod account;
mod admin;
mod audit;
mod auth;
mod commitments;
mod forecast;
mod home;
mod meetings;
mod network;
mod news;
mod password;
mod people;
mod placements;
mod provisioning;
mod ratings;
mod requests;
mod responsibilities;
mod reviews;
mod services;
mod sso;
mod surveys;
mod targets;
mod teams;
mod thanks;
mod time_off;
mod upload;
mod view;
mod webhooks;

use axum::extract::DefaultBodyLimit;
use axum::http::{header, StatusCode};
use axum::middleware::from_fn_with_state;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;

use crate::auth::session::load_session;
use crate::state::AppState;

pub use view::error_page;

const CSS: &str = include_str!("../../static/app.css");
const FAVICON: &str = include_str!("../../static/logo.svg");

pub fn router(state: &AppState) -> Router<AppState> {
    Router::new()
        .route("/", get(home::home_page))
        .route("/login", get(auth::login_page).post(auth::login))
        .route("/logout", post(auth::logout))
        .route("/login/sso/{provider}", get(sso::begin))
        .route("/auth/sso/{provider}/callback", get(sso::callback))
        .route("/setup", get(auth::setup_page).post(auth::setup))
        .route("/password/{token}", get(password::set_password_page).post(password::set_password))
        .route("/forgot-password", get(password::forgot_page).post(password::forgot))
        .route("/people", get(people::people_page))
        .route("/people.csv", get(people::people_csv))
        .route("/people/new", get(people::new_person_page).post(people::create_person))
        .route("/people/{id}", get(people::person_page))
        .route("/people/{id}/edit", get(people::edit_person_page).post(people::update_person))
        .route("/people/{id}/active", post(people::set_person_active))
        .route("/people/{id}/sign-in-link", post(people::sign_in_link))
        .route("/people/{id}/time-off", post(time_off::add_time_off))
        .route("/people/{id}/time-off/import", post(time_off::import_time_off))
        .route("/time-off/{id}/remove", post(time_off::remove_time_off))
        .route("/teams", get(teams::teams_page))
        .route("/teams.csv", get(teams::teams_csv))
        .route("/teams/new", get(teams::new_team_page).post(teams::create_team))
        .route("/teams/{key}", get(teams::team_page))
        .route("/teams/{key}/edit", get(teams::edit_team_page).post(teams::update_team))
        .route("/teams/{key}/members", post(teams::set_member))
        .route("/teams/{key}/members/remove", post(teams::remove_member))
        .route("/teams/{key}/active", post(teams::set_team_active))
        .route("/services", get(services::catalog_page))
        .route("/services.csv", get(services::catalog_csv))
        .route("/teams/{key}/services/new", get(services::new_service_page).post(services::create_service))
        .route("/teams/{key}/services/{slug}", get(services::service_page).post(services::file_request))
        .route("/teams/{key}/services/{slug}/edit", get(services::edit_service_page).post(services::update_service))
        .route("/teams/{key}/services/{slug}/active", post(services::set_service_active))
        .route("/network", get(network::organisation_map))
        .route("/network.csv", get(network::organisation_csv))
        .route("/goals", get(network::goals_page).post(network::save_business_goal))
        .route("/teams/{key}/network", get(network::team_network_page))
        .route("/teams/{key}/relationships", post(network::propose_relationship))
        .route("/teams/{key}/goals", post(network::save_goal))
        .route("/relationships/{id}/answer", post(network::answer_relationship))
        .route("/network/{supplier}/{customer}", get(network::edge_page_get).post(network::edge_save))
        .route("/network/{supplier}/{customer}/roles", post(responsibilities::add_role))
        .route("/network/{supplier}/{customer}/survey-schedule", post(surveys::save_schedule))
        .route("/network/{supplier}/{customer}/roles/{role}/agree", post(responsibilities::agree_role))
        .route("/network/{supplier}/{customer}/roles/{role}/remove", post(responsibilities::remove_role))
        .route("/teams/{key}/commitments", get(commitments::team_commitments_page).post(commitments::create_commitment))
        .route("/teams/{key}/commitments.csv", get(commitments::team_commitments_csv))
        .route("/teams/{key}/feeds", post(commitments::create_team_feed))
        .route("/commitments/{id}", get(commitments::commitment_page).post(commitments::edit_commitment))
        .route("/commitments/{id}/active", post(commitments::set_active))
        .route(
            "/occurrences/{id}/deliver",
            post(commitments::deliver).layer(DefaultBodyLimit::max(state.config.max_upload_mb as usize * 1024 * 1024)),
        )
        .route("/occurrences/{id}/answer", post(commitments::answer))
        .route("/deliveries/{id}/file", get(commitments::delivery_file))
        .route("/teams/{key}/calendar", get(targets::team_calendar_page).post(targets::save_team_calendar))
        .route("/teams/{key}/calendar/holidays", post(targets::import_holidays))
        .route("/teams/{key}/services/{slug}/targets", get(targets::targets_page).post(targets::save_targets))
        .route("/admin/calendar", get(targets::organisation_calendar_page).post(targets::save_organisation_calendar))
        .route("/reports/compliance", get(targets::compliance_page))
        .route("/reports/compliance.csv", get(targets::compliance_csv))
        .route("/teams/{key}/queue", get(requests::queue_page))
        .route("/teams/{key}/queue.csv", get(requests::queue_csv))
        .route("/requests/{key}/effort", post(requests::set_effort))
        .route("/teams/{key}/forecast", get(forecast::forecast_page))
        .route("/teams/{key}/forecast.csv", get(forecast::forecast_csv))
        .route("/teams/{key}/workload", get(forecast::workload_page))
        .route("/teams/{key}/workload.csv", get(forecast::workload_csv))
        .route("/workload", get(forecast::managed_workload_page))
        .route("/teams/{key}/queue/bulk", post(requests::bulk_change))
        .route("/views", post(requests::save_view))
        .route("/views/delete", post(requests::delete_view))
        .route("/requests", get(requests::my_requests_page))
        .route("/requests.csv", get(requests::my_requests_csv))
        .route("/requests/{key}", get(requests::request_page))
        .route("/requests/{key}/comments", post(requests::add_comment))
        .route("/requests/{key}/status", post(requests::change_status))
        .route("/requests/{key}/assignee", post(requests::assign))
        .route("/requests/{key}/priority", post(requests::set_priority))
        .route("/requests/{key}/watchers", post(requests::add_watcher))
        .route("/requests/{key}/rating", post(ratings::rate))
        .route("/requests/{key}/provider-rating", post(ratings::rate_request_making))
        .route("/teams/{key}/feedback", get(ratings::feedback_page))
        .route("/teams/{key}/feedback.csv", get(ratings::feedback_csv))
        .route("/teams/{key}/reviews", get(reviews::reviews_page).post(reviews::plan_review))
        .route("/reviews/{id}", get(reviews::review_page).post(reviews::record_review))
        .route("/reviews/{id}/actions", post(reviews::add_action))
        .route("/actions/{id}", post(reviews::update_action))
        .route("/surveys", get(surveys::surveys_page))
        .route("/surveys/{round}", post(surveys::answer))
        .route("/admin/surveys", get(surveys::questions_page).post(surveys::save_question))
        .route("/admin/webhooks", get(webhooks::organisation_page).post(webhooks::add_organisation_webhook))
        .route("/teams/{key}/webhooks", get(webhooks::team_page).post(webhooks::add_team_webhook))
        .route("/webhooks/{id}", get(webhooks::webhook_page).post(webhooks::update_webhook))
        .route("/webhooks/{id}/ping", post(webhooks::ping))
        .route("/webhooks/{id}/secret", post(webhooks::rotate_secret))
        .route("/webhooks/{id}/delete", post(webhooks::delete_webhook))
        .route("/webhooks/{id}/deliveries/{delivery}/redeliver", post(webhooks::redeliver))
        .route("/news", get(news::news_page))
        .route("/week", get(news::week_page))
        .route("/news/{id}", get(news::post_page))
        .route("/news/{id}/edit", get(news::edit_post_page).post(news::update_post))
        .route("/news/{id}/remove", post(news::remove_post))
        .route("/news/{id}/image", get(news::post_image))
        .route("/teams/{key}/news", post(news::create_post))
        .route("/teams/{key}/news/new", get(news::new_post_page))
        .route("/teams/{key}/follow", post(news::set_following))
        .route("/teams/{key}/members/helps-with", post(teams::set_helps_with))
        .route("/placements", get(placements::overview_page).post(placements::propose))
        .route("/placements/new", get(placements::new_page))
        .route("/placements/{id}", get(placements::placement_page))
        .route("/placements/{id}/decide", post(placements::decide))
        .route("/placements/{id}/cancel", post(placements::cancel))
        .route("/placements/{id}/report", post(placements::report))
        .route("/placements/{id}/actions", post(placements::add_action))
        .route("/thanks", get(thanks::thanks_page).post(thanks::give))
        .route("/thanks/new", get(thanks::new_page))
        .route("/thanks/{id}", get(thanks::one_page))
        .route("/thanks/{id}/remove", post(thanks::remove))
        .route("/meetings", get(meetings::meetings_page))
        .route("/meetings/{id}", get(meetings::meeting_page))
        .route("/meetings/{id}/event.ics", get(meetings::meeting_ics))
        .route("/meetings/{id}/edit", get(meetings::edit_meeting_page).post(meetings::update_meeting))
        .route("/meetings/{id}/cancel", post(meetings::cancel))
        .route("/meetings/{id}/rsvp", post(meetings::answer))
        .route("/meetings/{id}/questions", post(meetings::ask))
        .route("/meetings/{id}/notes", post(meetings::write_notes))
        .route("/teams/{key}/meetings", post(meetings::announce))
        .route("/teams/{key}/meetings/new", get(meetings::new_meeting_page))
        .route("/admin/audit", get(audit::audit_page))
        .route("/admin/provisioning", get(provisioning::page).post(provisioning::create))
        .route("/admin/provisioning/revoke", post(provisioning::revoke))
        .route("/admin/audit.csv", get(audit::audit_csv))
        .route("/admin/mail", get(admin::mail_page))
        .route("/admin/mail/routes", post(admin::add_route))
        .route("/admin/mail/routes/remove", post(admin::remove_route))
        .route("/admin/mail/strangers", post(admin::save_strangers))
        .route("/admin/mail/received/{id}", get(admin::raw_message))
        .route("/admin/feedback", get(ratings::settings_page).post(ratings::save_settings))
        .route(
            "/requests/{key}/attachments",
            post(requests::add_attachment)
                .layer(DefaultBodyLimit::max(state.config.max_upload_mb as usize * 1024 * 1024)),
        )
        .route("/requests/{key}/attachments/{id}", get(requests::download_attachment))
        .route("/search", get(requests::search_page))
        .route("/notifications", get(requests::notifications_page))
        .route("/notifications/read", post(requests::mark_read))
        .route("/account", get(account::account_page))
        .route("/account/password", post(account::change_password))
        .route("/account/mail", post(account::save_mail_preferences))
        .route("/account/tokens", post(account::create_token))
        .route("/account/tokens/revoke", post(account::revoke_token))
        .route("/account/feeds", post(account::create_feed))
        .route("/account/feeds/revoke", post(account::revoke_feed))
        .route("/account/sessions/end", post(account::end_session))
        .route("/account/sessions/end-all", post(account::end_all_sessions))
        .route(
            "/admin/import",
            get(admin::import_page)
                .post(admin::import_upload)
                .layer(DefaultBodyLimit::max(state.config.max_upload_mb as usize * 1024 * 1024)),
        )
        .route("/api/docs", get(home::api_docs_page))
        .fallback(|| async { crate::error::WebError::NotFound })
        .layer(from_fn_with_state(state.clone(), audit::record_exports))
        .layer(from_fn_with_state(state.clone(), load_session))
        // Static files sit outside the session layer: no database query per stylesheet.
        .route("/static/app.css", get(|| async { static_file("text/css; charset=utf-8", CSS) }))
        .route("/static/logo.svg", get(|| async { static_file("image/svg+xml", FAVICON) }))
}

fn static_file(content_type: &'static str, body: &'static str) -> Response {
    (StatusCode::OK, [(header::CONTENT_TYPE, content_type), (header::CACHE_CONTROL, "public, max-age=3600")], body)
        .into_response()
}

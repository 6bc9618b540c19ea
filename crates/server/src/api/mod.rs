//! The JSON API under `/api/v1`: thin handlers over the store, documented with OpenAPI.
//! Authentication is by personal API token; errors are `application/problem+json`.

mod audit;
mod capacity;
pub mod commitments;
mod doc;
use doc::Problems;
mod extract;
mod import;
mod mail;
mod meetings;
pub mod network;
mod news;
mod people;
mod placements;
mod provisioning;
mod ratings;
mod requests;
mod responsibilities;
mod reviews;
mod services;
mod surveys;
pub mod targets;
mod teams;
mod thanks;
mod tokens;
mod webhooks;

use axum::extract::DefaultBodyLimit;
use axum::routing::get;
use axum::{Json, Router};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::error::ApiError;
use crate::state::AppState;

pub use extract::{ApiBytes, ApiJson, ApiList, ApiPath, ApiQuery, ApiText};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Concentric API",
        description = "Internal service management: the organisation directory, teams, each team's service catalog, and the requests between them.\n\n\
            Authenticate with a personal API token (Account → API tokens): `Authorization: Bearer cct_...`.\n\n\
            Lists take `limit` (1-200, default 50) and `offset` (0 to 2^53 - 1); values out of range are a 400 `invalid_query`. They return `items`, `total` and `next_offset` (`null` on the last page).\n\n\
            Errors are `application/problem+json` (RFC 9457) with a stable `code` and, for bad input, per-field `errors`."
    ),
    paths(
        people::me, people::my_home, people::list_people, people::create_person, people::get_person, people::update_person,
        people::deactivate_person, people::reactivate_person, people::person_events,
        teams::list_teams, teams::create_team, teams::get_team, teams::update_team, teams::deactivate_team,
        teams::reactivate_team, teams::set_member, teams::set_helps_with, teams::remove_member, teams::team_events,
        tokens::list_tokens, tokens::create_token, tokens::revoke_token,
        audit::audit, audit::my_sessions, audit::end_session, audit::end_all_sessions,
        provisioning::list_clients, provisioning::create_client, provisioning::revoke_client,
        news::list_news, news::create_post, news::get_post, news::edit_post, news::remove_post,
        news::get_image, news::set_image, news::remove_image,
        news::list_follows, news::get_follow, news::follow, news::unfollow, news::my_week,
        meetings::list_meetings, meetings::announce_meeting, meetings::get_meeting, meetings::change_meeting,
        meetings::cancel_meeting, meetings::answer_meeting, meetings::ask_question, meetings::write_notes,
        placements::list_placements, placements::propose, placements::get_placement, placements::accept,
        placements::decline, placements::cancel, placements::report, placements::add_action, placements::overview,
        thanks::list_thanks, thanks::give_thanks, thanks::get_thanks, thanks::remove_thanks, thanks::contributions,
        mail::invite, mail::mail_preferences, mail::set_mail_preferences, mail::list_routes, mail::add_route,
        mail::remove_route, mail::mail_settings, mail::set_mail_settings,
        capacity::list_time_off, capacity::add_time_off, capacity::import_time_off, capacity::remove_time_off, capacity::record_effort,
        capacity::team_forecast, capacity::cost, capacity::team_workload, capacity::managed_workload,
        capacity::customer_load,
        webhooks::list_webhooks, webhooks::create_webhook, webhooks::get_webhook, webhooks::update_webhook,
        webhooks::delete_webhook, webhooks::rotate_secret, webhooks::ping, webhooks::deliveries, webhooks::redeliver,
        services::list_services, services::create_service, services::get_service, services::update_service,
        services::withdraw_service, services::reactivate_service, services::create_request,
        requests::list_requests, requests::search_requests, requests::get_request, requests::change_status, requests::assign,
        requests::set_priority, requests::list_comments, requests::add_comment, requests::add_watcher, requests::add_attachment, requests::list_attachments, requests::download_attachment,
        requests::request_events, requests::list_notifications, requests::mark_read,
        requests::bulk_change, requests::list_views, requests::save_view, requests::delete_view,
        import::import_csv,
        targets::get_organisation_calendar, targets::set_organisation_calendar, targets::get_team_calendar,
        targets::set_team_calendar, targets::reset_team_calendar, targets::import_holidays, targets::get_targets,
        targets::set_targets, targets::compliance,
        network::list_relationships, network::propose, network::get_relationship, network::edit, network::confirm,
        network::decline, network::list_goals, network::add_goal, network::update_goal,
        network::list_business_goals, network::add_business_goal, network::update_business_goal, network::team_network,
        network::network, network::summary, network::edge, network::owed, network::waiting,
        commitments::list_commitments, commitments::create_commitment, commitments::get_commitment,
        commitments::edit_commitment, commitments::end_commitment, commitments::resume_commitment,
        commitments::list_occurrences, commitments::get_occurrence, commitments::deliver, commitments::accept,
        commitments::send_back, commitments::delivery_file, commitments::on_time, commitments::list_feeds,
        commitments::create_feed, commitments::revoke_feed,
        ratings::get_rating, ratings::rate, ratings::get_provider_rating, ratings::rate_request_making,
        ratings::list_ratings, ratings::team_ratings, ratings::get_feedback_settings, ratings::set_feedback_settings,
        reviews::list_reviews, reviews::plan_review, reviews::get_review, reviews::record_review, reviews::add_action,
        reviews::list_actions, reviews::get_action, reviews::update_action,
        surveys::my_surveys, surveys::answer, surveys::round_results, surveys::relationship_surveys,
        surveys::list_questions, surveys::add_question, surveys::update_question, surveys::get_schedule, surveys::set_schedule,
        responsibilities::list_roles, responsibilities::add_role, responsibilities::edit_role,
        responsibilities::agree_role, responsibilities::remove_role,
    ),
    components(schemas(crate::error::Problem)),
    modifiers(&TokenAuth, &Problems),
    tags(
        (name = "people", description = "Employees: the directory, managers, time zones, capacity"),
        (name = "teams", description = "Teams: hierarchy, showcase, leads and members"),
        (name = "services", description = "The service catalog: what each team offers, with request forms"),
        (name = "requests", description = "Requests: filing, the lifecycle, assignment, replies and internal notes"),
        (name = "targets", description = "Business-time targets: calendars, per-service targets, compliance"),
        (name = "network", description = "Who serves whom: relationships, team goals, the rings around a team"),
        (name = "commitments", description = "Recurring deliverables between teams: schedules, occurrences, deliveries, on-time records, calendar feeds"),
        (name = "feedback", description = "Feedback both ways: ratings on requests by requesters and by providing teams, results, settings"),
        (name = "reviews", description = "Partnership reviews between two teams: agendas generated from the numbers, notes, decisions, action items"),
        (name = "surveys", description = "Relationship surveys both ways: questions, answers stored without the person, results only in aggregate"),
        (name = "capacity", description = "Capacity and \"what's the cost?\": time off, effort, a team's forecast and workload, and the dry run of a new request"),
        (name = "webhooks", description = "Outgoing webhooks: a team's or the organisation's events POSTed as signed JSON or chat messages, with the delivery log"),
        (name = "news", description = "Team news: posts and spotlights for the teams people work with, and who follows which team"),
        (name = "meetings", description = "Open meetings: a team opens a meeting to the teams it works with or to everyone; answers, guest seats, questions, notes, calendar entries"),
        (name = "placements", description = "Ambassador placements: time spent with another team, agreed by both teams' leads, with the ambassador's report and action items taken from it"),
        (name = "thanks", description = "Thanks to teams and people for help, and who serves others across the organisation"),
        (name = "tokens", description = "Personal API tokens"),
        (name = "audit", description = "The audit log: sign-ins, sessions, tokens, roles and memberships, settings, exports"),
        (name = "provisioning", description = "SCIM provisioning clients: the tokens an identity provider uses to keep the directory in step at /scim/v2 (RFC 7644)"),
        (name = "import", description = "CSV import of people and teams"),
    )
)]
#[derive(Debug)]
pub struct ApiDoc;

struct TokenAuth;

impl Modify for TokenAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "token",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).bearer_format("cct_...").build()),
        );
        openapi.security =
            Some(vec![utoipa::openapi::security::SecurityRequirement::new("token", Vec::<String>::new())]);
    }
}

async fn openapi_json() -> Json<serde_json::Value> {
    Json(doc::document().clone())
}

async fn not_found() -> ApiError {
    ApiError::not_found("API route")
}

pub fn router(state: &AppState) -> Router<AppState> {
    let upload_limit = state.config.max_upload_mb as usize * 1024 * 1024;
    Router::new()
        .route("/api/v1/openapi.json", get(openapi_json))
        .merge(people::router())
        .merge(teams::router())
        .merge(tokens::router())
        .merge(audit::router())
        .merge(provisioning::router())
        .merge(news::router())
        .merge(meetings::router())
        .merge(thanks::router())
        .merge(placements::router())
        .merge(mail::router())
        .merge(webhooks::router())
        .merge(capacity::router())
        .merge(services::router())
        .merge(targets::router())
        .merge(network::router())
        .merge(ratings::router())
        .merge(reviews::router())
        .merge(surveys::router())
        .merge(responsibilities::router())
        // A delivered file arrives as base64: a third larger than the upload limit.
        .merge(commitments::router().layer(DefaultBodyLimit::max(upload_limit / 3 * 4 + 4096)))
        .merge(requests::router().layer(DefaultBodyLimit::max(upload_limit)))
        .merge(import::router().layer(DefaultBodyLimit::max(upload_limit)))
        .route("/api/v1", get(not_found))
        .route("/api/v1/{*rest}", get(not_found).post(not_found).put(not_found).patch(not_found).delete(not_found))
        .layer(DefaultBodyLimit::max(1024 * 1024))
        .layer(axum::middleware::from_fn(crate::error::problems_only))
}

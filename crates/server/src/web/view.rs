//! What every page shares: the layout (navigation, signed-in person, CSRF token), notices after
//! a redirect, and small formatting helpers used by the templates.

use std::collections::HashMap;

use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use chrono::{DateTime, Utc};
use concentric_core::Invalid;
use serde::Deserialize;

use crate::auth::Viewer;
use crate::error::WebError;

/// The frame around every page.
#[derive(Debug, Clone)]
pub struct Layout {
    pub title: String,
    /// Which navigation entry is current: home, teams, people, account, admin.
    pub nav: &'static str,
    pub viewer: Option<ViewerInfo>,
    pub csrf: String,
    pub notice: Option<&'static str>,
}

#[derive(Debug, Clone)]
pub struct ViewerInfo {
    pub id: i64,
    /// Unread notifications, for the bell.
    pub unread: i64,
    pub name: String,
    pub initials: String,
    pub is_admin: bool,
    /// Admins and team leads see the organisation map.
    pub sees_map: bool,
    pub time_zone: String,
}

impl Layout {
    pub fn new(viewer: &Viewer, title: impl Into<String>, nav: &'static str) -> Self {
        let p = &viewer.person;
        Self {
            title: title.into(),
            nav,
            viewer: Some(ViewerInfo {
                id: p.id.0,
                unread: viewer.unread,
                name: p.name.clone(),
                initials: initials(&p.name),
                is_admin: viewer.actor.is_admin,
                sees_map: viewer.actor.sees_organisation_map(),
                time_zone: p.time_zone.clone(),
            }),
            csrf: viewer.csrf.clone(),
            notice: None,
        }
    }

    pub fn anonymous(title: impl Into<String>, csrf: String) -> Self {
        Self { title: title.into(), nav: "", viewer: None, csrf, notice: None }
    }

    pub fn with_notice(mut self, notice: &NoticeQuery) -> Self {
        self.notice = notice.notice.as_deref().and_then(notice_text);
        self
    }

    /// A time in the viewer's own zone, e.g. "12 Nov 2026, 14:05 CET".
    pub fn when(&self, at: &DateTime<Utc>) -> String {
        at.with_timezone(&self.zone()).format("%-d %b %Y, %H:%M %Z").to_string()
    }

    /// A time in the coming weeks, in the viewer's zone: "Wed 2 Dec, 08:48".
    pub fn when_soon(&self, at: &DateTime<Utc>) -> String {
        at.with_timezone(&self.zone()).format("%a %-d %b, %H:%M").to_string()
    }

    /// The viewer's zone by name (UTC for nobody).
    pub fn zone_name(&self) -> &str {
        self.viewer.as_ref().map_or("UTC", |v| v.time_zone.as_str())
    }

    fn zone(&self) -> chrono_tz::Tz {
        self.viewer.as_ref().and_then(|v| v.time_zone.parse().ok()).unwrap_or(chrono_tz::UTC)
    }
}

/// `?notice=...` after a redirect; only known codes show, so the query cannot inject text.
#[derive(Debug, Default, Deserialize)]
pub struct NoticeQuery {
    pub notice: Option<String>,
}

fn notice_text(code: &str) -> Option<&'static str> {
    Some(match code {
        "created" => "Created.",
        "saved" => "Your changes are saved.",
        "deactivated" => "Deactivated. Their sessions have ended and their API tokens no longer work.",
        "reactivated" => "Reactivated.",
        "member_set" => "Membership updated.",
        "member_removed" => "Removed from the team.",
        "password" => "Password changed. Your other sessions have been signed out.",
        "revoked" => "Token revoked. It no longer works.",
        "session_ended" => "That session has ended: the browser is signed out.",
        "welcome" => "Welcome to Concentric. You are the first admin.",
        "password_set" => "Your password is set and you are signed in. Welcome to Concentric.",
        "mail_saved" => "Your mail choices are saved.",
        "filed" => "Your request is filed. You will be notified of replies and status changes.",
        "replied" => "Reply sent.",
        "rated" => "Thank you: your rating is saved.",
        "answered" => "Thank you: your answers are in, without your name.",
        "attached" => "File attached.",
        "noted" => "Internal note added. Only the providing team sees it.",
        "withdrawn" => "The service is withdrawn from the catalog. Its requests stay.",
        "webhook_created" => "Webhook added. Give its signing secret to the receiver, then send a ping to check.",
        "webhook_queued" => "Queued: it is sent within a few seconds. Reload to see how the receiver answered.",
        "webhook_secret" => "A new signing secret is in force; the old one no longer verifies.",
        "webhook_deleted" => "Webhook removed with its delivery log.",
        "posted" => "Posted. The team's followers are told in their notifications.",
        "removed" => "The post is removed from every news page.",
        "followed" => "You follow this team: its news is among the teams you work with.",
        "unfollowed" => "You no longer follow this team.",
        "announced" => "Announced. The people of the invited teams are told in their notifications.",
        "meeting_saved" => "Saved. If it moved, those who answered yes or maybe are told and their calendars update.",
        "meeting_cancelled" => "Cancelled. Those who answered yes or maybe are told; calendars show it cancelled.",
        "rsvp" => "Your answer is saved.",
        "asked" => "Your question is with the host.",
        "notes_saved" => "The notes are saved.",
        "thanked" => "Thank you for saying so. They are told, and it shows on their page.",
        "thanks_removed" => "Your thanks is taken back.",
        "proposed" => "Proposed. The other team's leads and the ambassador are told.",
        "placement_accepted" => "Agreed. The ambassador and the proposing team are told.",
        "placement_declined" => "Declined. The ambassador and the proposing team are told.",
        "placement_cancelled" => "The placement is called off.",
        "reported" => "Your report is saved. Both teams' leads are told the first time.",
        "action_added" => "Action item added to the two teams' partnership review. Its owner is told.",
        _ => return None,
    })
}

fn initials(name: &str) -> String {
    name.split_whitespace().filter_map(|w| w.chars().next()).take(2).collect::<String>().to_uppercase()
}

/// Per-field messages for re-showing a form.
#[derive(Debug, Clone, Default)]
pub struct FormErrors(pub HashMap<String, String>);

impl FormErrors {
    pub fn get(&self, field: &str) -> Option<&str> {
        self.0.get(field).map(String::as_str)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn one(field: &str, message: impl Into<String>) -> Self {
        Self(HashMap::from([(field.to_owned(), message.into())]))
    }
}

impl From<Invalid> for FormErrors {
    fn from(inv: Invalid) -> Self {
        let mut map = HashMap::new();
        for e in inv.0 {
            map.entry(e.field).or_insert(e.message);
        }
        Self(map)
    }
}

/// Splits a store error into form messages (shown on the form) or an error page.
pub fn form_errors(e: concentric_store::StoreError) -> Result<FormErrors, WebError> {
    use concentric_store::StoreError;
    match e {
        StoreError::Invalid(inv) => Ok(inv.into()),
        StoreError::Conflict(f) => Ok(FormErrors::one(&f.field, f.message)),
        other => Err(other.into()),
    }
}

/// The items of a paged list, page after page, up to `cap` (a list's CSV export).
pub async fn every_page<T, F, Fut>(cap: usize, mut read: F) -> Result<Vec<T>, concentric_store::StoreError>
where
    F: FnMut(concentric_core::page::PageRequest) -> Fut,
    Fut: std::future::Future<Output = Result<concentric_core::page::Page<T>, concentric_store::StoreError>>,
{
    let mut all = Vec::new();
    loop {
        let page = concentric_core::page::PageRequest {
            limit: Some(concentric_core::page::MAX_LIMIT),
            offset: Some(all.len() as u64),
        };
        let found = read(page).await?;
        let more = found.next_offset.is_some() && !found.items.is_empty();
        all.extend(found.items);
        if !more || all.len() >= cap {
            all.truncate(cap);
            return Ok(all);
        }
    }
}

/// Every team (up to 2,000), by name: what the team pickers offer.
pub async fn all_teams(
    state: &crate::state::AppState,
) -> Result<Vec<concentric_core::team::Team>, concentric_store::StoreError> {
    let query = concentric_core::team::TeamQuery::default();
    every_page(2_000, |page| state.store.list_teams(&query, page)).await
}

/// A refused change shown as a page with the reason (`Invalid`), other errors as usual.
pub fn refused(title: &str, e: concentric_store::StoreError) -> Result<Response, WebError> {
    match e {
        concentric_store::StoreError::Invalid(inv) => {
            let reason = inv.0.first().map_or_else(String::new, |e| e.message.clone());
            Ok(error_page(StatusCode::UNPROCESSABLE_ENTITY, title, &reason))
        }
        other => Err(other.into()),
    }
}

pub fn render<T: Template>(page: &T) -> Result<Response, WebError> {
    Ok(Html(page.render()?).into_response())
}

pub fn render_status<T: Template>(status: StatusCode, page: &T) -> Result<Response, WebError> {
    Ok((status, Html(page.render()?)).into_response())
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    layout: Layout,
    message: &'a str,
}

pub fn error_page(status: StatusCode, title: &str, message: &str) -> Response {
    let page = ErrorPage { layout: Layout::anonymous(title, String::new()), message };
    match page.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(_) => (status, message.to_owned()).into_response(),
    }
}

/// Prev/next links of a paged list.
#[derive(Debug, Clone)]
pub struct Pager {
    pub total: u64,
    /// The total as shown: "1,204", or "10,000+" when counting stopped.
    pub total_label: String,
    /// More match than `total`: counting (or ranking) stopped there.
    pub capped: bool,
    pub from: u64,
    pub to: u64,
    pub prev: Option<String>,
    pub next: Option<String>,
}

impl Pager {
    /// `base` is the list URL with its filters and no offset, e.g. `/people?q=ana`.
    pub fn new<T>(page: &concentric_core::page::Page<T>, base: &str) -> Self {
        let sep = if base.contains('?') { '&' } else { '?' };
        let link = |offset: u64| format!("{base}{sep}offset={offset}");
        Self {
            total: page.total,
            capped: page.total_capped,
            total_label: format!("{}{}", thousands(page.total), if page.total_capped { "+" } else { "" }),
            from: if page.items.is_empty() { 0 } else { page.offset + 1 },
            to: page.offset + page.items.len() as u64,
            prev: (page.offset > 0).then(|| link(page.offset.saturating_sub(u64::from(page.limit)))),
            next: page.next_offset.map(link),
        }
    }
}

/// `12345` as "12,345".
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Query string for list filters, encoded safely.
pub fn query_string(pairs: &[(&str, &str)]) -> String {
    let kept: Vec<_> = pairs.iter().filter(|(_, v)| !v.is_empty()).collect();
    serde_urlencoded::to_string(kept).unwrap_or_default()
}

/// Every IANA zone name, for time zone pickers.
pub fn time_zones() -> impl Iterator<Item = &'static str> {
    chrono_tz::TZ_VARIANTS.iter().map(|tz| tz.name())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notices_are_a_closed_set() {
        assert!(notice_text("saved").is_some());
        assert!(notice_text("<script>").is_none());
        assert_eq!(initials("Ada  Lovelace King"), "AL");
        assert_eq!(
            (thousands(0), thousands(999), thousands(10_000), thousands(1_234_567)),
            ("0".into(), "999".into(), "10,000".into(), "1,234,567".into())
        );
    }
}

//! `/scim/v2`: SCIM 2.0 provisioning (RFC 7644) for the company's identity provider. Users are
//! people, Groups are teams. Requests carry a provisioning client's token (not a person's);
//! answers are `application/scim+json`, errors SCIM's own error body.

use axum::body::Bytes;
use axum::extract::{FromRequestParts, Path, Query, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use concentric_core::scim::filter::Filter;
use concentric_core::scim::resources::{group_id, group_json, group_write, user_json, user_write};
use concentric_core::scim::{discovery, etag, list_response, patch, Attributes, ListQuery, ScimError, SEARCH};
use concentric_store::{ScimClient, StoreError};
use serde::Deserialize;
use serde_json::Value;

use crate::auth::api::bearer_token;
use crate::auth::login::Client;
use crate::auth::secrets::digest;
use crate::state::AppState;

/// Prefix of provisioning tokens, apart from people's `cct_`.
pub const TOKEN_PREFIX: &str = "ccs_";
const SCIM_JSON: &str = "application/scim+json";

/// A new provisioning token: the secret, shown once, and its prefix, kept to tell tokens apart.
pub fn new_token() -> (String, String) {
    let secret = format!("{TOKEN_PREFIX}{}", crate::auth::secrets::random_secret());
    let prefix = secret.chars().take(TOKEN_PREFIX.len() + 6).collect();
    (secret, prefix)
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/scim/v2/ServiceProviderConfig", get(service_provider_config))
        .route("/scim/v2/ResourceTypes", get(resource_types))
        .route("/scim/v2/ResourceTypes/{id}", get(resource_type))
        .route("/scim/v2/Schemas", get(schemas))
        .route("/scim/v2/Schemas/{id}", get(schema))
        .route("/scim/v2/.search", post(search_all))
        .route("/scim/v2/Users", get(list::<Users>).post(create::<Users>))
        .route("/scim/v2/Users/.search", post(search::<Users>))
        .route(
            "/scim/v2/Users/{id}",
            get(get_one::<Users>).put(replace::<Users>).patch(modify::<Users>).delete(delete::<Users>),
        )
        .route("/scim/v2/Groups", get(list::<Groups>).post(create::<Groups>))
        .route("/scim/v2/Groups/.search", post(search::<Groups>))
        .route(
            "/scim/v2/Groups/{id}",
            get(get_one::<Groups>).put(replace::<Groups>).patch(modify::<Groups>).delete(delete::<Groups>),
        )
        .route("/scim/v2/{*rest}", axum::routing::any(|| async { Failure(ScimError::not_found("SCIM endpoint")) }))
}

/// An error answered in SCIM's words.
#[derive(Debug)]
pub struct Failure(pub ScimError);

impl IntoResponse for Failure {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.0.status).unwrap_or(StatusCode::BAD_REQUEST);
        let mut r = (status, self.0.body().to_string()).into_response();
        r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(SCIM_JSON));
        if status == StatusCode::UNAUTHORIZED {
            r.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer realm=\"scim\""));
        }
        r
    }
}

impl From<ScimError> for Failure {
    fn from(e: ScimError) -> Self {
        Self(e)
    }
}

impl From<StoreError> for Failure {
    fn from(e: StoreError) -> Self {
        Self(match e {
            StoreError::NotFound(what) => ScimError::not_found(what),
            StoreError::Conflict(f) => ScimError::uniqueness(f.message),
            StoreError::Invalid(inv) => {
                ScimError::invalid_value(inv.0.iter().map(|e| e.message.as_str()).collect::<Vec<_>>().join("; "))
            }
            StoreError::Forbidden(f) => ScimError::new(403, None, f.to_string()),
            other => {
                tracing::error!(error = %other, "SCIM request failed");
                ScimError::new(500, None, "the request could not be completed")
            }
        })
    }
}

type Answer = Result<Response, Failure>;

/// A provisioning client, by its bearer token, and where its request came from.
pub struct Provisioner {
    client: ScimClient,
    address: String,
}

impl FromRequestParts<AppState> for Provisioner {
    type Rejection = Failure;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let unauthorized =
            || Failure(ScimError::new(401, None, "send a provisioning token as Authorization: Bearer ccs_…"));
        let token = bearer_token(parts).filter(|t| t.starts_with(TOKEN_PREFIX)).ok_or_else(unauthorized)?;
        let client = state.store.scim_client(&digest(token)).await?.ok_or_else(unauthorized)?;
        let Ok(who) = Client::from_request_parts(parts, state).await;
        Ok(Self { client, address: who.address })
    }
}

/// The SCIM base address identity providers are given.
pub fn endpoint(state: &AppState) -> String {
    format!("{}/scim/v2", state.config.public_url)
}

fn answer(status: StatusCode, body: &Value) -> Response {
    let mut r = (status, body.to_string()).into_response();
    r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(SCIM_JSON));
    if let Some(version) = body.pointer("/meta/version").and_then(Value::as_str) {
        if let Ok(v) = HeaderValue::from_str(version) {
            r.headers_mut().insert(header::ETAG, v);
        }
        if status == StatusCode::CREATED {
            if let Some(loc) =
                body.pointer("/meta/location").and_then(Value::as_str).and_then(|l| HeaderValue::from_str(l).ok())
            {
                r.headers_mut().insert(header::LOCATION, loc);
            }
        }
    }
    r
}

fn read_json(body: &Bytes) -> Result<Value, Failure> {
    serde_json::from_slice(body).map_err(|e| Failure(ScimError::invalid_syntax(format!("the body is not JSON: {e}"))))
}

/// Refuses a change when `If-Match` names a version that is not the current one (RFC 7644 §3.14).
fn check_if_match(headers: &HeaderMap, current: &Value) -> Result<(), Failure> {
    let Some(wanted) = headers.get(header::IF_MATCH).and_then(|v| v.to_str().ok()) else { return Ok(()) };
    let now = etag(current);
    if wanted.trim() == "*" || wanted.split(',').any(|t| t.trim() == now) {
        Ok(())
    } else {
        Err(Failure(ScimError::new(412, None, "the resource changed since that version was read")))
    }
}

/// A single resource, or 304 when the client's `If-None-Match` names its current version.
fn one(headers: &HeaderMap, resource: Value, attributes: &Attributes) -> Response {
    let now = etag(&resource);
    let fresh = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.split(',').any(|t| t.trim() == now));
    if fresh {
        let mut r = StatusCode::NOT_MODIFIED.into_response();
        if let Ok(v) = HeaderValue::from_str(&now) {
            r.headers_mut().insert(header::ETAG, v);
        }
        return r;
    }
    answer(StatusCode::OK, &attributes.apply(resource))
}

#[derive(Debug, Default, Deserialize)]
pub struct ListParams {
    filter: Option<String>,
    #[serde(rename = "startIndex")]
    start_index: Option<String>,
    count: Option<String>,
    attributes: Option<String>,
    #[serde(rename = "excludedAttributes")]
    excluded_attributes: Option<String>,
}

impl ListParams {
    fn query(&self) -> Result<ListQuery, Failure> {
        let number = |v: &Option<String>, name: &str| -> Result<Option<i64>, Failure> {
            match v.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
                None => Ok(None),
                Some(n) => {
                    n.parse().map(Some).map_err(|_| Failure(ScimError::invalid_value(format!("{name} is a number"))))
                }
            }
        };
        Ok(ListQuery::parse(
            self.filter.as_deref(),
            number(&self.start_index, "startIndex")?,
            number(&self.count, "count")?,
            Attributes::parse(self.attributes.as_deref(), self.excluded_attributes.as_deref()),
        )?)
    }

    /// The POST /.search body, read as the same parameters.
    fn from_search(body: &Value) -> Result<Self, Failure> {
        let schemas = body.get("schemas").and_then(Value::as_array);
        if !schemas.is_some_and(|s| s.iter().any(|v| v.as_str() == Some(SEARCH))) {
            return Err(Failure(ScimError::invalid_syntax(format!("a search names the schema {SEARCH}"))));
        }
        let text = |k: &str| {
            body.get(k)
                .and_then(|v| v.as_str().map(str::to_owned).or_else(|| Some(v.to_string())))
                .filter(|s| s != "null")
        };
        let list = |k: &str| {
            body.get(k)
                .and_then(Value::as_array)
                .map(|a| a.iter().filter_map(Value::as_str).collect::<Vec<_>>().join(","))
        };
        Ok(Self {
            filter: body.get("filter").and_then(Value::as_str).map(str::to_owned),
            start_index: text("startIndex"),
            count: text("count"),
            attributes: list("attributes"),
            excluded_attributes: list("excludedAttributes"),
        })
    }
}

/// The one filter shape the store answers from an index.
fn indexed(filter: &Option<Filter>, allowed: &[&str]) -> Option<(String, String)> {
    let (attr, value) = filter.as_ref()?.as_equality()?;
    let value = value.as_str()?;
    allowed.iter().any(|a| a.eq_ignore_ascii_case(attr)).then(|| (attr.to_owned(), value.to_owned()))
}

/// `id` is compared with case; everything else Concentric keeps without.
fn case_exact(path: &concentric_core::scim::filter::AttrPath) -> bool {
    path.name.eq_ignore_ascii_case("id") && path.urn.is_none()
}

/// One page of Users or Groups: narrowed in the database when the filter is a plain equality,
/// otherwise matched against each resource.
async fn page<F, Fut>(q: &ListQuery, ids: Vec<i64>, exact: bool, load: F) -> Result<Value, Failure>
where
    F: Fn(Vec<i64>) -> Fut,
    Fut: std::future::Future<Output = Result<Vec<Value>, Failure>>,
{
    if q.filter.is_some() && !exact {
        return Ok(matching(q, load(ids).await?));
    }
    let chosen: Vec<i64> = ids.iter().skip(q.start_index - 1).take(q.count).copied().collect();
    let resources = load(chosen).await?.into_iter().map(|r| q.attributes.apply(r)).collect();
    Ok(list_response(ids.len(), q.start_index, resources))
}

/// The page of `all` that the query's filter keeps.
fn matching(q: &ListQuery, all: Vec<Value>) -> Value {
    let kept: Vec<Value> =
        all.into_iter().filter(|r| q.filter.as_ref().is_none_or(|f| f.matches(r, &case_exact))).collect();
    let total = kept.len();
    let resources = kept.into_iter().skip(q.start_index - 1).take(q.count).map(|r| q.attributes.apply(r)).collect();
    list_response(total, q.start_index, resources)
}

/// Users or Groups: how each is listed, read, written and deleted; the handlers below serve both.
trait Kind: Send + Sync + 'static {
    /// Filters answered from an index.
    const INDEXED: &'static [&'static str];
    async fn ids(state: &AppState, equality: Option<(String, String)>) -> Result<Vec<i64>, Failure>;
    async fn resources(state: &AppState, ids: Vec<i64>) -> Result<Vec<Value>, Failure>;
    async fn one(state: &AppState, id: &str) -> Result<Value, Failure>;
    /// Creates (`id` None) or replaces one from the resource as sent; answers its id.
    async fn write(state: &AppState, who: &Provisioner, id: Option<String>, body: &Value) -> Result<String, Failure>;
    async fn delete(state: &AppState, who: &Provisioner, id: &str) -> Result<(), Failure>;
}

struct Users;
struct Groups;

impl Kind for Users {
    const INDEXED: &'static [&'static str] = &["userName", "externalId", "emails", "id"];
    async fn ids(state: &AppState, equality: Option<(String, String)>) -> Result<Vec<i64>, Failure> {
        Ok(state.store.scim_user_ids(equality).await?)
    }
    async fn resources(state: &AppState, ids: Vec<i64>) -> Result<Vec<Value>, Failure> {
        let base = endpoint(state);
        Ok(state.store.scim_users(ids).await?.iter().map(|f| user_json(f, &base)).collect())
    }
    async fn one(state: &AppState, id: &str) -> Result<Value, Failure> {
        Ok(user_json(&state.store.scim_user(id).await?, &endpoint(state)))
    }
    async fn write(state: &AppState, who: &Provisioner, id: Option<String>, body: &Value) -> Result<String, Failure> {
        let w = user_write(body)?;
        Ok(state.store.scim_write_user(&who.client, &who.address, id, &w).await?.to_string())
    }
    async fn delete(state: &AppState, who: &Provisioner, id: &str) -> Result<(), Failure> {
        Ok(state.store.scim_delete_user(&who.client, &who.address, id).await?)
    }
}

impl Kind for Groups {
    const INDEXED: &'static [&'static str] = &["displayName", "externalId", "id"];
    async fn ids(state: &AppState, equality: Option<(String, String)>) -> Result<Vec<i64>, Failure> {
        Ok(state.store.scim_group_ids(equality).await?)
    }
    async fn resources(state: &AppState, ids: Vec<i64>) -> Result<Vec<Value>, Failure> {
        let base = endpoint(state);
        Ok(state.store.scim_groups(ids).await?.iter().map(|f| group_json(f, &base)).collect())
    }
    async fn one(state: &AppState, id: &str) -> Result<Value, Failure> {
        Ok(group_json(&state.store.scim_group(id).await?, &endpoint(state)))
    }
    async fn write(state: &AppState, who: &Provisioner, id: Option<String>, body: &Value) -> Result<String, Failure> {
        let w = group_write(body)?;
        Ok(group_id(state.store.scim_write_group(&who.client, &who.address, id, &w).await?))
    }
    async fn delete(state: &AppState, who: &Provisioner, id: &str) -> Result<(), Failure> {
        Ok(state.store.scim_delete_group(&who.client, &who.address, id).await?)
    }
}

async fn page_of<K: Kind>(state: &AppState, q: &ListQuery) -> Result<Value, Failure> {
    let eq = indexed(&q.filter, K::INDEXED);
    let exact = eq.is_some();
    let ids = K::ids(state, eq).await?;
    page(q, ids, exact, |ids| K::resources(state, ids)).await
}

async fn service_provider_config(State(state): State<AppState>, _: Provisioner) -> Answer {
    Ok(answer(StatusCode::OK, &discovery::service_provider_config(&endpoint(&state))))
}

async fn resource_types(State(state): State<AppState>, _: Provisioner) -> Answer {
    let all = discovery::resource_types(&endpoint(&state));
    Ok(answer(StatusCode::OK, &list_response(all.len(), 1, all)))
}

async fn resource_type(State(state): State<AppState>, _: Provisioner, Path(id): Path<String>) -> Answer {
    let found = discovery::resource_types(&endpoint(&state)).into_iter().find(|r| r["id"] == id.as_str());
    Ok(answer(StatusCode::OK, &found.ok_or_else(|| ScimError::not_found("resource type"))?))
}

async fn schemas(State(state): State<AppState>, _: Provisioner) -> Answer {
    let all = discovery::schemas(&endpoint(&state));
    Ok(answer(StatusCode::OK, &list_response(all.len(), 1, all)))
}

async fn schema(State(state): State<AppState>, _: Provisioner, Path(id): Path<String>) -> Answer {
    let found = discovery::schemas(&endpoint(&state)).into_iter().find(|s| s["id"] == id.as_str());
    Ok(answer(StatusCode::OK, &found.ok_or_else(|| ScimError::not_found("schema"))?))
}

/// A search across Users and Groups at the root (RFC 7644 §3.4.3).
async fn search_all(State(state): State<AppState>, _: Provisioner, body: Bytes) -> Answer {
    let q = ListParams::from_search(&read_json(&body)?)?.query()?;
    let base = endpoint(&state);
    let users = state.store.scim_users(state.store.scim_user_ids(None).await?).await?;
    let groups = state.store.scim_groups(state.store.scim_group_ids(None).await?).await?;
    // Two kinds have no common order; the newest come first, as a client checking what it just
    // made expects to find it on the first page.
    let mut all: Vec<(chrono::DateTime<chrono::Utc>, Value)> = users
        .iter()
        .map(|f| (f.created, user_json(f, &base)))
        .chain(groups.iter().map(|f| (f.created, group_json(f, &base))))
        .collect();
    all.sort_by_key(|r| std::cmp::Reverse(r.0));
    Ok(answer(StatusCode::OK, &matching(&q, all.into_iter().map(|(_, r)| r).collect())))
}

#[derive(Debug, Default, Deserialize)]
pub struct OneParams {
    attributes: Option<String>,
    #[serde(rename = "excludedAttributes")]
    excluded_attributes: Option<String>,
}

impl OneParams {
    fn attributes(&self) -> Attributes {
        Attributes::parse(self.attributes.as_deref(), self.excluded_attributes.as_deref())
    }
}

async fn list<K: Kind>(State(state): State<AppState>, _: Provisioner, Query(p): Query<ListParams>) -> Answer {
    Ok(answer(StatusCode::OK, &page_of::<K>(&state, &p.query()?).await?))
}

async fn search<K: Kind>(State(state): State<AppState>, _: Provisioner, body: Bytes) -> Answer {
    let p = ListParams::from_search(&read_json(&body)?)?;
    Ok(answer(StatusCode::OK, &page_of::<K>(&state, &p.query()?).await?))
}

async fn get_one<K: Kind>(
    State(state): State<AppState>,
    _: Provisioner,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(p): Query<OneParams>,
) -> Answer {
    Ok(one(&headers, K::one(&state, &id).await?, &p.attributes()))
}

async fn create<K: Kind>(State(state): State<AppState>, who: Provisioner, body: Bytes) -> Answer {
    let id = K::write(&state, &who, None, &read_json(&body)?).await?;
    Ok(answer(StatusCode::CREATED, &K::one(&state, &id).await?))
}

async fn replace<K: Kind>(
    State(state): State<AppState>,
    who: Provisioner,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> Answer {
    check_if_match(&headers, &K::one(&state, &id).await?)?;
    K::write(&state, &who, Some(id.clone()), &read_json(&body)?).await?;
    Ok(answer(StatusCode::OK, &K::one(&state, &id).await?))
}

/// PATCH: the operations applied to the resource as it reads now, then written like a PUT.
async fn modify<K: Kind>(
    State(state): State<AppState>,
    who: Provisioner,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> Answer {
    let mut resource = K::one(&state, &id).await?;
    check_if_match(&headers, &resource)?;
    patch::apply(&mut resource, &patch::parse(&read_json(&body)?)?)?;
    K::write(&state, &who, Some(id.clone()), &resource).await?;
    Ok(answer(StatusCode::OK, &K::one(&state, &id).await?))
}

async fn delete<K: Kind>(
    State(state): State<AppState>,
    who: Provisioner,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Answer {
    check_if_match(&headers, &K::one(&state, &id).await?)?;
    K::delete(&state, &who, &id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

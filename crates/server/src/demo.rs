//! The demo organisation, loaded part by part: `serve --demo`, `concentric demo`, and the test
//! that loads it whole on both backends.

use concentric_store::Store;

use crate::auth::secrets::hash_password;

/// Loads every part of the demo organisation not yet loaded: each part is claimed once, so a
/// second run (or a second node) changes nothing.
pub async fn load(store: &Store, reopen_window_ms: i64) -> anyhow::Result<()> {
    let org = concentric_core::demo::organisation();
    let hash = hash_password(concentric_core::demo::DEMO_PASSWORD.to_owned()).await?;
    let hashes: Vec<(String, String)> = org.accounts.iter().map(|a| (a.email.clone(), hash.clone())).collect();
    if store.load_demo(&org, &hashes).await? {
        tracing::info!(teams = org.teams.len(), people = org.people.len(), "demo organisation loaded");
    } else {
        tracing::info!("demo organisation already loaded");
    }
    let services = concentric_core::demo::services(&org);
    if store.load_demo_catalog(&services).await? {
        tracing::info!(services = services.len(), "demo catalog published");
    }
    let calendars = concentric_core::demo::calendars(&org);
    let targets = concentric_core::demo::targets(&services, &org);
    if store.load_demo_targets(&calendars, &targets).await? {
        tracing::info!(calendars = calendars.len(), targets = targets.len(), "demo calendars and targets set");
    }
    // The past weeks first, so older requests carry the lower numbers.
    let history = concentric_core::demo::history(&org, &services);
    if store.load_demo_history(&history).await? {
        tracing::info!(requests = history.len(), "demo history restored");
    }
    let relationships = concentric_core::demo::relationships();
    if store
        .load_demo_network(&relationships, &concentric_core::demo::business_goals(), &concentric_core::demo::goals())
        .await?
    {
        tracing::info!(relationships = relationships.len(), "demo relationships and goals declared");
    }
    let commitments = concentric_core::demo::commitments(&org, chrono::Utc::now().date_naive());
    if store.load_demo_commitments(&commitments).await? {
        tracing::info!(commitments = commitments.len(), "demo commitments and their history added");
    }
    let requests = concentric_core::demo::requests(&org, &services);
    if store.load_demo_requests(&requests, reopen_window_ms).await? {
        tracing::info!(requests = requests.len(), "demo requests filed");
    }
    let rated = store.load_demo_ratings().await?;
    if rated > 0 {
        tracing::info!(requests = rated, "demo ratings given");
    }
    let accounts: Vec<String> = org.accounts.iter().map(|a| a.email.clone()).collect();
    let surveyed = store.load_demo_surveys(&accounts).await?;
    if surveyed > 0 {
        tracing::info!(relationships = surveyed, "demo survey rounds answered");
    }
    let reviews = store.load_demo_reviews(&concentric_core::demo::reviews()).await?;
    if reviews > 0 {
        tracing::info!(reviews, "demo partnership reviews held and planned");
    }
    if store.load_demo_capacity(chrono::Utc::now().date_naive()).await? {
        tracing::info!("demo time off, estimates and logged time added");
    }
    let news = concentric_core::demo::news(&org);
    if store.load_demo_news(&news).await? {
        tracing::info!(posts = news.len(), "demo team news posted");
    }
    let meetings = store.load_demo_meetings(&concentric_core::demo::meetings()).await?;
    if meetings > 0 {
        tracing::info!(meetings, "demo open meetings announced and answered");
    }
    let thanked = store.load_demo_thanks(&concentric_core::demo::thanks(&org)).await?;
    if thanked > 0 {
        tracing::info!(thanks = thanked, "demo thanks given");
    }
    if store.load_demo_helps(&concentric_core::demo::helps_with(&org)).await? {
        tracing::info!("demo members say what they can help with");
    }
    let placed = store.load_demo_placements(&concentric_core::demo::placements()).await?;
    if placed > 0 {
        tracing::info!(placements = placed, "demo ambassador placements proposed, agreed and reported");
    }
    if store.load_demo_channels(&crate::auth::secrets::webhook_secret()).await? {
        tracing::info!(address = concentric_core::demo::IT_HELP_ADDRESS, "demo mail route and chat webhook added");
    }
    for a in &org.accounts {
        tracing::info!("demo sign-in: {} / {} ({})", a.email, concentric_core::demo::DEMO_PASSWORD, a.role);
    }
    Ok(())
}

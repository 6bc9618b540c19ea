//! The directory in the browser: forms that show errors and keep input, membership, deactivation.

use axum::http::StatusCode;

use crate::both;
use crate::harness::PASSWORD;

both!(person_form_shows_errors_and_keeps_input, |t| {
    t.admin().await;
    let mut b = t.browser();
    b.login("admin@example.com", PASSWORD).await;
    let csrf = b.csrf("/people/new").await;
    let bad = b
        .post(
            "/people/new",
            &[
                ("csrf", &csrf),
                ("email", "not-an-email"),
                ("name", "Grace Hopper"),
                ("title", "Rear Admiral"),
                ("time_zone", "America/New_York"),
                ("weekly_capacity_hours", "many"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("is not a number of hours"), "{}", bad.body);
    assert!(bad.body.contains("value=\"Grace Hopper\"") && bad.body.contains("value=\"Rear Admiral\""), "input kept");

    let bad = b
        .post(
            "/people/new",
            &[
                ("csrf", &csrf),
                ("email", "not-an-email"),
                ("name", "Grace Hopper"),
                ("time_zone", "America/New_York"),
                ("weekly_capacity_hours", "40"),
            ],
        )
        .await;
    assert!(bad.body.contains("is not an email address"));

    let ok = b
        .post(
            "/people/new",
            &[
                ("csrf", &csrf),
                ("email", "grace@example.com"),
                ("name", "Grace Hopper"),
                ("time_zone", "America/New_York"),
                ("weekly_capacity_hours", "40"),
                ("manager_email", "admin@example.com"),
            ],
        )
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
    let page = b.get(ok.location()).await;
    assert!(page.body.contains("Grace Hopper") && page.body.contains("Ada Admin"), "manager chain shown");
    assert!(page.body.contains("Created."));

    let dup = b
        .post(
            "/people/new",
            &[("csrf", &csrf), ("email", "GRACE@example.com"), ("name", "Again"), ("time_zone", "UTC")],
        )
        .await;
    assert_eq!(dup.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(dup.body.contains("already in the directory"));
});

both!(people_edit_themselves_in_the_browser, |t| {
    t.admin().await;
    let bob = t.person("bob@example.com", "Bob", false).await;
    let mut b = t.browser();
    b.login("bob@example.com", PASSWORD).await;
    let form = b.get(&format!("/people/{}/edit", bob.id)).await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(!form.body.contains("name=\"is_admin\""), "admin fields are not offered");
    let csrf = form.csrf();
    // Sending admin fields anyway changes nothing the person may not change.
    let r = b
        .post(
            &format!("/people/{}/edit", bob.id),
            &[
                ("csrf", &csrf),
                ("name", "Bob Builder"),
                ("title", "Builder"),
                ("time_zone", "Asia/Kolkata"),
                ("is_admin", "on"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let bob = t.store.person(bob.id).await.unwrap();
    assert_eq!((bob.name.as_str(), bob.time_zone.as_str(), bob.is_admin), ("Bob Builder", "Asia/Kolkata", false));
    let admin = t.store.person_by_email("admin@example.com").await.unwrap();
    assert_eq!(b.get(&format!("/people/{}/edit", admin.id)).await.status, StatusCode::FORBIDDEN);
    assert_eq!(b.get("/people/new").await.status, StatusCode::FORBIDDEN);
    assert_eq!(b.get("/teams/new").await.status, StatusCode::FORBIDDEN);
});

both!(team_page_is_a_showcase_leads_manage, |t| {
    let admin = t.admin().await;
    let lead = t.person("lead@example.com", "Lena Lead", false).await;
    t.person("new@example.com", "Nick New", false).await;
    let mut a = t.browser();
    a.login("admin@example.com", PASSWORD).await;
    let csrf = a.csrf("/teams/new").await;
    let created = a
        .post(
            "/teams/new",
            &[
                ("csrf", &csrf),
                ("key", "it"),
                ("name", "IT Services"),
                ("mission", "We keep you **working**.\n\n<script>alert(1)</script>"),
                ("contact_email", "it@example.com"),
                ("contact_info", "#it-help"),
            ],
        )
        .await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.body);
    assert_eq!(created.location(), "/teams/IT?notice=created");
    let taken = a.post("/teams/new", &[("csrf", &csrf), ("key", "IT"), ("name", "Again")]).await;
    assert_eq!(taken.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(taken.body.contains("taken"));

    let actor = t.store.actor_for(admin.id).await.unwrap();
    let it = t.store.team_by_key("IT").await.unwrap();
    t.store.set_membership(&actor, it.id, lead.id, concentric_core::team::MemberRole::Lead).await.unwrap();

    let mut l = t.browser();
    l.login("lead@example.com", PASSWORD).await;
    let page = l.get("/teams/IT").await;
    assert!(page.body.contains("<strong>working</strong>"), "Markdown rendered");
    assert!(!page.body.contains("<script>alert"), "and sanitised");
    assert!(page.body.contains("Lena Lead") && page.body.contains("#it-help"));
    let csrf = page.csrf();
    let unknown =
        l.post("/teams/IT/members", &[("csrf", &csrf), ("email", "ghost@example.com"), ("role", "member")]).await;
    assert_eq!(unknown.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(unknown.body.contains("nobody in the directory"));
    let added = l.post("/teams/IT/members", &[("csrf", &csrf), ("email", "new@example.com"), ("role", "member")]).await;
    assert_eq!(added.status, StatusCode::SEE_OTHER);
    assert!(l.get("/teams/IT").await.body.contains("Nick New"));
    let edit = l.get("/teams/IT/edit").await;
    assert_eq!(edit.status, StatusCode::OK);
    let saved = l
        .post(
            "/teams/IT/edit",
            &[
                ("csrf", &csrf),
                ("name", "IT Services"),
                ("mission", "New mission"),
                ("contact_email", ""),
                ("contact_info", ""),
                ("parent_key", ""),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    assert_eq!(t.store.team_by_key("IT").await.unwrap().mission, "New mission");
    // A lead cannot deactivate the team.
    let refused = l.post("/teams/IT/active", &[("csrf", &csrf), ("active", "false")]).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
});

both!(directory_search_and_deactivation, |t| {
    t.admin().await;
    let bob = t.person("bob@example.com", "Bob Marley", false).await;
    t.person("carla@example.com", "Carla Bruni", false).await;
    let mut a = t.browser();
    a.login("admin@example.com", PASSWORD).await;
    let found = a.get("/people?q=marley").await;
    assert!(found.body.contains("Bob Marley") && !found.body.contains("Carla Bruni"));
    let csrf = found.csrf();
    let r = a.post(&format!("/people/{}/active", bob.id), &[("csrf", &csrf), ("active", "false")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(!a.get("/people").await.body.contains("Bob Marley"), "deactivated people are hidden by default");
    assert!(a.get("/people?include_inactive=on").await.body.contains("Bob Marley"));
    let page = a.get(&format!("/people/{}", bob.id)).await;
    assert!(page.body.contains("deactivated"));
    assert_eq!(a.get("/people/99999").await.status, StatusCode::NOT_FOUND);
    assert_eq!(a.get("/people/abc").await.status, StatusCode::NOT_FOUND);
    assert_eq!(a.get("/teams/NOPE").await.status, StatusCode::NOT_FOUND);
});

//! Every main page renders for a signed-in person, with security headers.

use axum::http::{header, StatusCode};

use crate::both;
use crate::harness::PASSWORD;

both!(main_pages_render_on_the_demo, |t| {
    let org = concentric_core::demo::organisation();
    let hash = concentric_server::auth::secrets::hash_password(PASSWORD.into()).await.unwrap();
    let hashes: Vec<_> = org.accounts.iter().map(|a| (a.email.clone(), hash.clone())).collect();
    assert!(t.store.load_demo(&org, &hashes).await.unwrap());
    let services = concentric_core::demo::services(&org);
    assert!(t.store.load_demo_catalog(&services).await.unwrap());
    let calendars = concentric_core::demo::calendars(&org);
    let targets = concentric_core::demo::targets(&services, &org);
    assert!(t.store.load_demo_targets(&calendars, &targets).await.unwrap());
    assert!(t.store.load_demo_history(&concentric_core::demo::history(&org, &services)).await.unwrap());
    let relationships = concentric_core::demo::relationships();
    assert!(t
        .store
        .load_demo_network(&relationships, &concentric_core::demo::business_goals(), &concentric_core::demo::goals())
        .await
        .unwrap());
    let commitments = concentric_core::demo::commitments(&org, chrono::Utc::now().date_naive());
    assert!(t.store.load_demo_commitments(&commitments).await.unwrap());
    assert!(!t.store.load_demo_commitments(&commitments).await.unwrap(), "once");
    let requests = concentric_core::demo::requests(&org, &services);
    assert!(t.store.load_demo_requests(&requests, 86_400_000).await.unwrap());
    let query = concentric_core::request::RequestQuery { text: Some("VPN drops".into()), ..Default::default() };
    let first = concentric_core::page::PageRequest::first(1);
    let vpn = t.store.list_requests(&concentric_core::authz::Actor::system(), &query, first).await.unwrap();
    let vpn = format!("/requests/{}", vpn.items[0].key);
    assert!(!t.store.load_demo_requests(&requests, 86_400_000).await.unwrap(), "once");
    let admin = &org.accounts[0].email;
    let mut b = t.browser();
    assert_eq!(b.login(admin, PASSWORD).await.status, StatusCode::SEE_OTHER);
    let me = t.store.person_by_email(admin).await.unwrap();
    for (path, expect) in [
        ("/", "Your teams"),
        ("/teams", "Payroll"),
        ("/teams/IT", "Laptops, phones and accessories"),
        ("/teams/PAY", "timesheets"),
        ("/people", "Showing 1–50 of 80"),
        ("/people?offset=50", "Showing 51–80 of 80"),
        (&format!("/people/{}", me.id), "Head of IT"),
        (&format!("/people/{}/edit", me.id), "Weekly capacity"),
        ("/teams/IT/edit", "What the team does"),
        ("/teams/new", "Create a team"),
        ("/people/new", "Add a person"),
        ("/account", "API tokens"),
        ("/admin/import", "Columns"),
        ("/api/docs", "/api/v1/teams/{key}/members/{person_id}"),
        ("/services", "Laptop request"),
        ("/teams/IT/services/laptop", "name=\"f.model\""),
        ("/teams/IT/services/laptop/edit", "Request form"),
        ("/teams/IT/services/new", "Publish a service"),
        ("/teams/IT/queue", "IT-1"),
        (&vpn, "We found the cause"),
        (&vpn, "Resolution"),
        ("/teams/IT/queue?sort=due", " left"),
        ("/teams/IT/calendar", "Europe/Berlin"),
        ("/teams/SUP/calendar", "Asia/Kolkata"),
        ("/admin/calendar", "Organisation calendar"),
        ("/teams/IT/services/laptop/targets", "Save targets"),
        ("/reports/compliance", "By team"),
        ("/reports/compliance?team=IT", "Laptop request"),
        ("/teams/IT/network", "The same, as a table"),
        ("/teams/IT/network?depth=3", "class=\"circles\""),
        ("/network/IT/SAL", "Goals side by side"),
        ("/network", "Bottlenecks"),
        ("/network", "IT Services → Marketing"),
        ("/teams/PAY/network", "What we are waiting on"),
        ("/teams/PAY/commitments", "Timesheets for the pay run"),
        ("/teams/PAY/commitments", "What we receive: "),
        ("/teams/OPS", "Commitments</a>: delivers"),
        ("/commitments/1", "Due recently"),
        ("/commitments/2", "sent back"),
        ("/network/FAC/PAY", "Commitments from Facilities to Payroll"),
        ("/network", "Facilities → Payroll"),
        ("/account", "Calendar feeds"),
        ("/goals", "Grow revenue 12 %"),
        ("/teams/SAL/network", "supports <a href=\"/goals\">Grow revenue 12 %</a>"),
        ("/requests", "Your requests"),
        ("/notifications", "Notifications"),
    ] {
        let page = b.get(path).await;
        assert_eq!(page.status, StatusCode::OK, "{path}");
        assert!(page.body.contains(expect), "{path} shows {expect}");
        assert!(page.body.contains("<nav aria-label=\"Main\">"), "{path} has navigation");
    }
    let page = b.get("/teams").await;
    for (name, value) in [
        (header::CONTENT_SECURITY_POLICY, "frame-ancestors 'none'"),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::X_FRAME_OPTIONS, "DENY"),
    ] {
        assert!(page.headers[&name].to_str().unwrap().contains(value), "{name}");
    }
    assert!(page.headers.contains_key("x-request-id"));
    assert_eq!(b.get("/static/app.css").await.status, StatusCode::OK);
    assert_eq!(b.get("/no/such/page").await.status, StatusCode::NOT_FOUND);
});

both!(an_address_that_does_not_parse_is_the_normal_not_found_page, |t| {
    let admin = t.admin().await;
    let mut b = t.browser();
    b.login(&admin.email, PASSWORD).await;
    for path in [
        "/commitments/abc",
        "/relationships/x1/answer",
        "/webhooks/9z",
        "/webhooks/1/deliveries/x/redeliver",
        "/occurrences/%FF",
    ] {
        let page = if path.ends_with("answer") || path.ends_with("redeliver") {
            let csrf = b.get("/").await.csrf();
            b.post(path, &[("csrf", &csrf)]).await
        } else {
            b.get(path).await
        };
        assert_eq!(page.status, StatusCode::NOT_FOUND, "{path}: {}", page.body);
        assert!(page.body.contains("There is nothing at this address"), "{path}: {}", page.body);
        assert!(!page.body.contains("Cannot parse"), "{path}");
    }
});

both!(adding_someone_not_in_the_directory_to_a_team_offers_to_add_them, |t| {
    let admin = t.admin().await;
    let team = concentric_core::team::NewTeam {
        key: "IT".into(),
        name: "IT Services".into(),
        parent_key: None,
        mission: String::new(),
        contact_email: None,
        contact_info: String::new(),
    };
    t.store.create_team(&concentric_core::authz::Actor::system(), team).await.unwrap();
    let mut b = t.browser();
    b.login(&admin.email, PASSWORD).await;
    let csrf = b.get("/teams/IT").await.csrf();
    let page =
        b.post("/teams/IT/members", &[("csrf", &csrf), ("email", "New.Hire@example.com"), ("role", "member")]).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        page.body.contains(
            r#"<a href="/people/new?email=new.hire%40example.com">Add new.hire@example.com to the directory</a>"#
        ),
        "{}",
        page.body
    );
    let form = b.get("/people/new?email=new.hire%40example.com").await;
    assert!(form.body.contains(r#"value="new.hire@example.com""#), "{}", form.body);
});

both!(the_form_builder_takes_any_number_of_questions, |t| {
    crate::requests::world(&t).await;
    let mut b = t.browser();
    b.login("lena@example.com", PASSWORD).await;
    let csrf = b.csrf("/teams/IT/services/new").await;
    let typed = [
        ("csrf", csrf.as_str()),
        ("name", "Desk move"),
        ("slug", ""),
        ("summary", "A new desk"),
        ("audience", "everyone"),
        ("default_priority", "P3"),
        ("default_effort_hours", "1"),
        ("field.0.label", "New desk number"),
        ("field.0.kind", "short_text"),
        ("more", "1"),
    ];
    let page = b.post("/teams/IT/services/new", &typed).await;
    assert_eq!(page.status, StatusCode::OK, "nothing saved yet");
    assert!(page.body.contains("value=\"New desk number\""), "what was typed stays");
    assert!(page.body.contains("name=\"field.3.label\""), "three more rows after the typed one");
    assert!(page.body.contains("value=\"desk-move\""), "the address made from the name");
    let save: Vec<(&str, &str)> = typed.iter().copied().filter(|(k, _)| *k != "more").collect();
    let page = b.post("/teams/IT/services/new", &save).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    assert_eq!(page.location(), "/teams/IT/services/desk-move?notice=created");
    let form = b.get("/teams/IT/services/desk-move").await;
    assert!(form.body.contains("name=\"f.new_desk_number\""), "the question's address from its label");
});

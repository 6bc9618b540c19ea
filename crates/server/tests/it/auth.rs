//! Sign-in, sessions, CSRF, rate limiting, tokens and first-admin setup.

use axum::http::{Method, StatusCode};
use concentric_server::config::ConfigLayer;

use crate::both;
use crate::harness::{Db, TestApp, PASSWORD};

both!(sign_in_and_out, |t| {
    t.admin().await;
    let mut b = t.browser();
    let anonymous = b.get("/people").await;
    assert_eq!(anonymous.status, StatusCode::SEE_OTHER);
    assert_eq!(anonymous.location(), "/login?next=%2Fpeople");

    let wrong = b.login("admin@example.com", "not the password").await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert!(wrong.body.contains("do not match"));
    assert!(!b.has_session());

    let ok = b.login("ADMIN@example.com ", PASSWORD).await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
    let set_cookie =
        ok.headers.get_all("set-cookie").iter().map(|v| v.to_str().unwrap().to_owned()).collect::<Vec<_>>();
    let session = set_cookie.iter().find(|c| c.starts_with("concentric_session=")).expect("session cookie");
    assert!(session.contains("HttpOnly") && session.contains("SameSite=Lax"), "{session}");
    assert!(!session.contains("Secure"), "plain http is not marked Secure");
    assert_eq!(b.get("/people").await.status, StatusCode::OK);

    // Sign-out kills the session on the server, not only the cookie.
    let csrf = b.csrf("/").await;
    let stolen = b.get("/").await;
    assert_eq!(stolen.status, StatusCode::OK);
    let mut thief = t.browser();
    thief.login("admin@example.com", PASSWORD).await;
    let out = b.post("/logout", &[("csrf", &csrf)]).await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    assert_eq!(b.get("/people").await.status, StatusCode::SEE_OTHER);
    assert_eq!(thief.get("/people").await.status, StatusCode::OK, "other sessions stay");
});

both!(csrf_is_required_on_every_form, |t| {
    t.admin().await;
    let mut b = t.browser();
    b.login("admin@example.com", PASSWORD).await;
    let form = [("email", "x@example.com"), ("name", "X"), ("time_zone", "UTC"), ("weekly_capacity_hours", "40")];
    let missing = b.post("/people/new", &form).await;
    assert_eq!(missing.status, StatusCode::FORBIDDEN);
    assert!(missing.body.contains("expired"));
    let mut wrong = form.to_vec();
    wrong.push(("csrf", "forged-token-forged-token-forged-token"));
    assert_eq!(b.post("/people/new", &wrong).await.status, StatusCode::FORBIDDEN);
    assert_eq!(b.post("/logout", &[]).await.status, StatusCode::FORBIDDEN);
    assert!(t.store.person_by_email("x@example.com").await.is_err(), "nothing was written");

    let csrf = b.csrf("/people/new").await;
    let mut right = form.to_vec();
    right.push(("csrf", &csrf));
    let created = b.post("/people/new", &right).await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.body);

    // The login form is protected too, by its double-submit cookie.
    let mut fresh = t.browser();
    let no_token = fresh.post("/login", &[("email", "admin@example.com"), ("password", PASSWORD)]).await;
    assert_eq!(no_token.status, StatusCode::FORBIDDEN);
});

both!(a_stranger_cannot_lock_a_colleague_out, |t| {
    t.admin().await;
    // The admin signed in from this browser before: it carries the account's device cookie.
    let mut own = t.browser();
    assert_eq!(own.login("admin@example.com", PASSWORD).await.status, StatusCode::SEE_OTHER);
    assert!(own.has_cookie("concentric_device"));
    let csrf = own.csrf("/").await;
    own.post("/logout", &[("csrf", &csrf)]).await;

    // A stranger knowing the email fails again and again.
    let mut stranger = t.browser();
    for _ in 0..5 {
        assert_eq!(stranger.login("admin@example.com", "wrong password!").await.status, StatusCode::UNAUTHORIZED);
    }
    // Past the threshold the stranger's tries wait, doubling, and nothing is checked meanwhile.
    let slowed = stranger.login("admin@example.com", PASSWORD).await;
    assert_eq!(slowed.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(slowed.body.contains("Try again in 1 second"), "{}", slowed.body);
    assert_eq!(slowed.headers["retry-after"], "1");
    assert!(!stranger.has_session());

    // The colleague's own browser signs in at once, whatever the stranger did.
    assert_eq!(own.login("admin@example.com", PASSWORD).await.status, StatusCode::SEE_OTHER);
    assert!(own.has_session());

    // That success cleared the count; the stranger starts over. A new browser then waits
    // seconds, not a quarter of an hour.
    for _ in 0..6 {
        stranger.login("admin@example.com", "wrong password!").await;
        let now = concentric_core::time::TimeSource::now(t.time.as_ref());
        t.time.set(concentric_core::time::Millis(now.0 + 1_000));
    }
    let mut fresh = t.browser();
    let waiting = fresh.login("admin@example.com", PASSWORD).await;
    assert_eq!(waiting.status, StatusCode::TOO_MANY_REQUESTS, "{}", waiting.body);
    let now = concentric_core::time::TimeSource::now(t.time.as_ref());
    t.time.set(concentric_core::time::Millis(now.0 + 30_000));
    assert_eq!(fresh.login("admin@example.com", PASSWORD).await.status, StatusCode::SEE_OTHER);

    // Guessing from the trusted browser itself pauses that browser.
    let mut guesser = t.browser();
    guesser.login("admin@example.com", PASSWORD).await;
    let csrf = guesser.csrf("/").await;
    guesser.post("/logout", &[("csrf", &csrf)]).await;
    for _ in 0..5 {
        assert_eq!(guesser.login("admin@example.com", "wrong password!").await.status, StatusCode::UNAUTHORIZED);
    }
    let paused = guesser.login("admin@example.com", PASSWORD).await;
    assert_eq!(paused.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(paused.body.contains("paused"), "{}", paused.body);
    // Another account is unaffected.
    t.person("other@example.com", "Other", false).await;
    assert_eq!(t.browser().login("other@example.com", PASSWORD).await.status, StatusCode::SEE_OTHER);
});

#[tokio::test]
async fn login_is_rate_limited_per_address() {
    let layer = ConfigLayer { login_max_failures_per_ip: Some(3), ..Default::default() };
    let t = TestApp::with_config(Db::Sqlite, layer).await.expect("sqlite");
    t.person("a@example.com", "A", false).await;
    let mut b = t.browser();
    for who in ["x@example.com", "y@example.com", "z@example.com"] {
        assert_eq!(b.login(who, "wrong password!").await.status, StatusCode::UNAUTHORIZED);
    }
    assert_eq!(b.login("a@example.com", PASSWORD).await.status, StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn secure_cookies_behind_https() {
    let layer = ConfigLayer { public_url: Some("https://concentric.example.com".into()), ..Default::default() };
    let t = TestApp::with_config(Db::Sqlite, layer).await.expect("sqlite");
    t.admin().await;
    let ok = t.browser().login("admin@example.com", PASSWORD).await;
    let cookie = ok.headers.get("set-cookie").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    assert!(cookie.contains("Secure"), "{cookie}");
}

both!(api_tokens_stop_when_revoked_or_person_deactivated, |t| {
    let admin = t.admin().await;
    let bob = t.person("bob@example.com", "Bob", false).await;
    let admin_token = t.token(&admin).await;
    let bob_token = t.token(&bob).await;
    assert_eq!(t.api(Method::GET, "/api/v1/me", Some(&bob_token), None).await.status, StatusCode::OK);

    let r = t.api(Method::POST, &format!("/api/v1/people/{}/deactivate", bob.id), Some(&admin_token), None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json["active"], false);
    t.api(Method::GET, "/api/v1/me", Some(&bob_token), None)
        .await
        .assert_problem(StatusCode::UNAUTHORIZED, "unauthorized");

    // Tokens made through the API are shown once and can be revoked.
    let created =
        t.api(Method::POST, "/api/v1/tokens", Some(&admin_token), Some(serde_json::json!({"name": "script"}))).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    let secret = created.json["secret"].as_str().unwrap().to_owned();
    let id = created.json["id"].as_i64().unwrap();
    let listed = t.api(Method::GET, "/api/v1/tokens", Some(&secret), None).await;
    assert_eq!(listed.json["total"], 2);
    assert!(!listed.text.contains(&secret), "secrets are never listed");
    assert_eq!(
        t.api(Method::DELETE, &format!("/api/v1/tokens/{id}"), Some(&admin_token), None).await.status,
        StatusCode::NO_CONTENT
    );
    t.api(Method::GET, "/api/v1/me", Some(&secret), None)
        .await
        .assert_problem(StatusCode::UNAUTHORIZED, "unauthorized");
    t.api(Method::GET, "/api/v1/me", Some("cct_made_up"), None)
        .await
        .assert_problem(StatusCode::UNAUTHORIZED, "unauthorized");
    t.api(Method::GET, "/api/v1/me", None, None).await.assert_problem(StatusCode::UNAUTHORIZED, "unauthorized");
});

both!(deactivation_ends_web_sessions, |t| {
    let admin = t.admin().await;
    let bob = t.person("bob@example.com", "Bob", false).await;
    let mut b = t.browser();
    b.login("bob@example.com", PASSWORD).await;
    assert_eq!(b.get("/").await.status, StatusCode::OK);
    let actor = t.store.actor_for(admin.id).await.unwrap();
    t.store.set_person_active(&actor, bob.id, false).await.unwrap();
    assert_eq!(b.get("/").await.status, StatusCode::SEE_OTHER);
    assert_eq!(t.browser().login("bob@example.com", PASSWORD).await.status, StatusCode::UNAUTHORIZED);
});

both!(first_admin_setup_is_one_time, |t| {
    let mut b = t.browser();
    let login = b.get("/login").await;
    assert!(login.body.contains("/setup"), "login points to setup while no admin exists");
    let page = b.get("/setup").await;
    assert_eq!(page.status, StatusCode::OK);
    let csrf = page.csrf();
    let short = b
        .post(
            "/setup",
            &[
                ("csrf", &csrf),
                ("name", "Root"),
                ("email", "root@"),
                ("password", "short"),
                ("time_zone", "Mars/Olympus"),
            ],
        )
        .await;
    assert_eq!(short.status, StatusCode::UNPROCESSABLE_ENTITY);
    for field in ["password", "email", "time_zone"] {
        assert!(short.body.contains(&format!("id=\"{field}-error\"")), "every problem at once: {field}");
    }
    assert!(short.body.contains("at least 10 characters"));
    assert!(short.body.contains("value=\"root@\""), "the form keeps what was typed");
    let done = b
        .post(
            "/setup",
            &[
                ("csrf", &csrf),
                ("name", "Root"),
                ("email", "root@example.com"),
                ("password", PASSWORD),
                ("time_zone", "Europe/Berlin"),
            ],
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    assert!(b.has_session());
    assert!(b.get(done.location()).await.body.contains("first admin"));
    assert_eq!(t.browser().get("/setup").await.status, StatusCode::NOT_FOUND);
    assert!(t.store.person_by_email("root@example.com").await.unwrap().is_admin);
});

both!(password_change_signs_out_other_sessions, |t| {
    t.admin().await;
    let mut here = t.browser();
    here.login("admin@example.com", PASSWORD).await;
    let mut elsewhere = t.browser();
    elsewhere.login("admin@example.com", PASSWORD).await;
    let csrf = here.csrf("/account").await;
    let bad = here
        .post(
            "/account/password",
            &[("csrf", &csrf), ("current", "nope"), ("new", "a new passphrase"), ("confirm", "a new passphrase")],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("not your current password"));
    let ok = here
        .post(
            "/account/password",
            &[("csrf", &csrf), ("current", PASSWORD), ("new", "a new passphrase"), ("confirm", "a new passphrase")],
        )
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
    assert_eq!(here.get("/account").await.status, StatusCode::OK, "this session stays");
    assert_eq!(elsewhere.get("/account").await.status, StatusCode::SEE_OTHER, "others end");
    assert_eq!(t.browser().login("admin@example.com", "a new passphrase").await.status, StatusCode::SEE_OTHER);
});

both!(sign_in_never_redirects_off_site, |t| {
    t.admin().await;
    // Before sign-in: whatever `next` the form carried, the answer is a path on this site.
    for hostile in ["/\t/evil.example", "/\n/x", "/\r\n/x", "/\\evil.example", "//evil.example", "https://evil.example"]
    {
        let mut b = t.browser();
        let form = b.get("/login").await;
        let csrf = form.csrf();
        let ok = b
            .post(
                "/login",
                &[("csrf", &csrf), ("email", "admin@example.com"), ("password", PASSWORD), ("next", hostile)],
            )
            .await;
        assert_eq!(ok.status, StatusCode::SEE_OTHER, "{hostile:?}: {}", ok.body);
        assert_eq!(ok.location(), "/", "{hostile:?}");
        // Signed in already, the login page sends the visitor on at once: to the same place.
        for query in ["/%09/evil.example", "/%0a/x", "/%0d%0a/x", "%2F%5Cevil.example"] {
            let again = b.get(&format!("/login?next={query}")).await;
            assert_eq!(again.status, StatusCode::SEE_OTHER, "{query}");
            assert_eq!(again.location(), "/", "{query}");
        }
    }
    let mut b = t.browser();
    b.login("admin@example.com", PASSWORD).await;
    assert_eq!(b.get("/login?next=%2Frequests%3Fstatus%3Dopen").await.location(), "/requests?status=open");
});

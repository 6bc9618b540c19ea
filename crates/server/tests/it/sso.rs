//! Single sign-on against a real OpenID provider: the certified `oidc-provider` package, run by
//! Node from tests/oidc (installed there by `npm ci`), restarted by the tests to change its
//! people, rotate its keys or forge its signatures.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use axum::http::{header, Method, StatusCode};
use concentric_core::authz::Actor;
use concentric_core::team::{MemberRole, NewTeam};
use concentric_core::time::TimeSource;
use concentric_server::config::{ConfigLayer, OidcProviderBlock, PasswordSignIn};
use serde_json::{json, Value};

use crate::harness::{Browser, Db, Page, TestApp, PASSWORD, PG_ENV};

const PUBLIC_URL: &str = "http://127.0.0.1:8080";
const CLIENT_SECRET: &str = "test-client-secret-0123456789";

/// The provider, running until dropped.
struct Idp {
    port: u16,
    keys: std::path::PathBuf,
    child: Option<Child>,
}

impl Idp {
    /// Starts the provider with `accounts` and extra settings; `None` (and a line CI looks for)
    /// when its packages are not installed.
    fn start(accounts: &Value, extra: &[(&str, &str)]) -> Option<Self> {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/oidc");
        if !dir.join("node_modules/oidc-provider").exists() {
            eprintln!("oidc case skipped: run `npm ci` in tests/oidc to install the test provider");
            return None;
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0").ok()?.local_addr().ok()?.port();
        let keys = std::env::temp_dir().join(format!("concentric-oidc-keys-{}-{port}", std::process::id()));
        std::fs::create_dir_all(&keys).ok()?;
        let mut idp = Self { port, keys, child: None };
        idp.restart(accounts, extra);
        Some(idp)
    }

    fn issuer(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// (Re)starts the provider on the same port and keys, with new people or settings.
    fn restart(&mut self, accounts: &Value, extra: &[(&str, &str)]) {
        self.stop();
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/oidc");
        let mut cmd = Command::new("node");
        cmd.arg("provider.mjs")
            .current_dir(&dir)
            .env("PORT", self.port.to_string())
            .env("CLIENT_ID", "concentric")
            .env("CLIENT_SECRET", CLIENT_SECRET)
            .env("REDIRECT_URIS", format!("{PUBLIC_URL}/auth/sso/test/callback"))
            .env("POST_LOGOUT_URIS", format!("{PUBLIC_URL}/login"))
            .env("ACCOUNTS", accounts.to_string())
            .env("KEYS_DIR", &self.keys)
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
        for (k, v) in extra {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().expect("node runs the test provider");
        let out = child.stdout.take().expect("stdout");
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(out).lines().map_while(Result::ok) {
                if line.starts_with("ready") {
                    let _ = tx.send(());
                }
            }
        });
        rx.recv_timeout(Duration::from_secs(20)).expect("the test provider starts");
        self.child = Some(child);
    }

    fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

impl Drop for Idp {
    fn drop(&mut self) {
        self.stop();
        let _ = std::fs::remove_dir_all(&self.keys);
    }
}

/// The provider's people: Mia (in the directory), Newt (not yet), Dee (deactivated here).
fn people(mia_groups: &[&str]) -> Value {
    json!({
        "mia": {"email": "mia@example.com", "email_verified": true, "name": "Mia Member", "groups": mia_groups},
        "newt": {"email": "newt@example.com", "email_verified": true, "name": "Newt Newcomer", "groups": ["sales", "root"]},
        "dee": {"email": "dee@example.com", "email_verified": true, "name": "Dee Departed", "groups": []},
        "unverified": {"email": "liar@example.com", "email_verified": false, "name": "Lou", "groups": []},
    })
}

async fn app(db: Db, idp: &Idp, unknown: &str, password_sign_in: Option<PasswordSignIn>) -> Option<TestApp> {
    let groups: BTreeMap<String, String> =
        [("it-staff", "IT:member"), ("it-leads", "IT:lead"), ("sales", "SAL:member"), ("root", "admin")]
            .into_iter()
            .map(|(g, v)| (g.to_owned(), v.to_owned()))
            .collect();
    let block = OidcProviderBlock {
        issuer: idp.issuer(),
        client_id: "concentric".into(),
        client_secret: CLIENT_SECRET.into(),
        label: Some("Northwind login".into()),
        scopes: Some("email profile groups".into()),
        unknown_people: Some(unknown.parse().expect("unknown_people")),
        groups_claim: None,
        groups,
    };
    let layer = ConfigLayer {
        public_url: Some(PUBLIC_URL.into()),
        oidc_providers: Some([("test".to_owned(), block)].into()),
        password_sign_in,
        break_glass_admins: password_sign_in.map(|_| "admin@example.com".to_owned()),
        ..Default::default()
    };
    let t = TestApp::with_config(db, layer).await?;
    let system = Actor::system();
    for (key, name) in [("IT", "IT Services"), ("SAL", "Sales"), ("FAC", "Facilities")] {
        t.store
            .create_team(
                &system,
                NewTeam {
                    key: key.into(),
                    name: name.into(),
                    parent_key: None,
                    mission: String::new(),
                    contact_email: None,
                    contact_info: String::new(),
                },
            )
            .await
            .expect("team");
    }
    Some(t)
}

/// Plays the browser through the provider: from our sign-in button to the provider's answer,
/// which is returned undelivered (the callback path on our site).
async fn to_provider_and_back(b: &mut Browser, idp_browser: &reqwest::Client, start: &str) -> String {
    let begun = b.get(start).await;
    assert_eq!(begun.status, StatusCode::SEE_OTHER, "{}", begun.body);
    let mut url = begun.location().to_owned();
    for _ in 0..10 {
        let r = idp_browser.get(&url).send().await.expect("the provider answers");
        let location = r.headers().get(header::LOCATION).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
        assert!(r.status().is_redirection(), "{url}: {} {}", r.status(), r.text().await.unwrap_or_default());
        if let Some(ours) = location.strip_prefix(PUBLIC_URL) {
            return ours.to_owned();
        }
        url = if location.starts_with("http") { location } else { format!("{}{location}", origin(&url)) };
    }
    panic!("the provider never sent the browser back");
}

fn origin(url: &str) -> String {
    let after = url.find("://").map_or(0, |i| i + 3);
    let end = url[after..].find('/').map_or(url.len(), |i| after + i);
    url[..end].to_owned()
}

fn idp_browser() -> reqwest::Client {
    reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().expect("client")
}

async fn sign_in(b: &mut Browser, hint: &str) -> Page {
    let back =
        to_provider_and_back(b, &idp_browser(), &format!("/login/sso/test?next=%2Fteams&login_hint={hint}")).await;
    b.get(&back).await
}

async fn memberships(t: &TestApp, email: &str) -> Vec<(String, MemberRole)> {
    let person = t.store.person_by_email(email).await.expect("person");
    let mut teams: Vec<(String, MemberRole)> = t
        .store
        .memberships_of(person.id)
        .await
        .expect("memberships")
        .into_iter()
        .map(|m| (m.team_key, m.role))
        .collect();
    teams.sort_by(|a, b| a.0.cmp(&b.0));
    teams
}

async fn signs_in_links_creates_and_follows_groups(db: Db) {
    let Some(mut idp) = Idp::start(&people(&["it-staff"]), &[]) else { return };
    let Some(t) = app(db, &idp, "create", None).await else {
        return eprintln!("{PG_ENV} is not set: PostgreSQL case skipped");
    };
    let admin = t.admin().await;
    let mia = t.person("mia@example.com", "Mia Member", false).await;
    let system = Actor::system();
    let sal = t.store.team_by_key("SAL").await.unwrap().id;
    let fac = t.store.team_by_key("FAC").await.unwrap().id;
    t.store.set_membership(&system, sal, mia.id, MemberRole::Member).await.unwrap();
    t.store.set_membership(&system, fac, mia.id, MemberRole::Lead).await.unwrap();

    let login = t.browser().get("/login").await;
    assert!(login.body.contains("Sign in with Northwind login"), "{}", login.body);

    // Mia is in the directory: her provider account is linked by email, her groups followed
    // (IT joined, SAL left since the map names it, FAC untouched since it does not).
    let mut b = t.browser();
    let done = sign_in(&mut b, "mia").await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    assert_eq!(done.location(), "/teams");
    assert!(b.has_session() && !b.has_cookie("concentric_sso"));
    assert_eq!(
        memberships(&t, "mia@example.com").await,
        [("FAC".to_owned(), MemberRole::Lead), ("IT".to_owned(), MemberRole::Member)]
    );
    let account = b.get("/account").await;
    assert!(account.body.contains("(test)"), "the session says how it began");

    // The provider moves her to the leads' group; the claims now travel in the ID token.
    idp.restart(&people(&["it-leads"]), &[("CLAIMS_IN_ID_TOKEN", "1")]);
    let mut again = t.browser();
    assert_eq!(sign_in(&mut again, "mia@example.com").await.status, StatusCode::SEE_OTHER);
    assert_eq!(
        memberships(&t, "mia@example.com").await,
        [("FAC".to_owned(), MemberRole::Lead), ("IT".to_owned(), MemberRole::Lead)]
    );

    // Newt is unknown and this provider may create people: made, with the admin group's flag.
    let mut newt = t.browser();
    assert_eq!(sign_in(&mut newt, "newt").await.status, StatusCode::SEE_OTHER);
    let made = t.store.person_by_email("newt@example.com").await.unwrap();
    assert_eq!((made.name.as_str(), made.is_admin), ("Newt Newcomer", true));
    assert_eq!(memberships(&t, "newt@example.com").await, [("SAL".to_owned(), MemberRole::Member)]);

    // All of it is in the audit log, with who did it and through which provider.
    let token = t.token(&admin).await;
    let log = t.api(Method::GET, "/api/v1/audit?limit=200", Some(&token), None).await;
    let items = log.json["items"].as_array().unwrap();
    let linked: Vec<_> = items.iter().filter(|e| e["entity"] == "identity" && e["action"] == "linked").collect();
    assert_eq!(linked.len(), 2, "{}", log.text);
    assert!(items.iter().any(|e| e["action"] == "member_removed" && e["detail"]["via"] == "test"));
    assert!(items.iter().any(|e| e["action"] == "signed_in" && e["detail"]["method"] == "test"));
    assert!(items.iter().any(|e| e["entity"] == "person" && e["detail"]["is_admin"] == json!([false, true])));
    assert!(!log.text.contains(CLIENT_SECRET));

    // Signing out ends the session here and sends the browser to the provider's end-session page.
    let csrf = b.csrf("/account").await;
    let out = b.post("/logout", &[("csrf", &csrf)]).await;
    let to = out.location();
    assert!(to.starts_with(&format!("{}/session/end?", idp.issuer())), "{to}");
    assert!(to.contains("client_id=concentric") && to.contains("post_logout_redirect_uri="), "{to}");
    // Browsers hold a form's redirect to the policy's form-action: the provider is allowed there.
    let policy = out.headers[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
    assert!(policy.contains(&format!("form-action 'self' {}", idp.issuer())), "{policy}");
    assert_eq!(b.get("/account").await.status, StatusCode::SEE_OTHER);
}

async fn refuses_what_it_must(db: Db) {
    let Some(mut idp) = Idp::start(&people(&[]), &[("ID_TOKEN_SECONDS", "60")]) else { return };
    let Some(t) = app(db, &idp, "refuse", None).await else {
        return eprintln!("{PG_ENV} is not set: PostgreSQL case skipped");
    };
    t.admin().await;
    t.person("mia@example.com", "Mia Member", false).await;
    let dee = t.person("dee@example.com", "Dee Departed", false).await;
    t.store.set_person_active(&Actor::system(), dee.id, false).await.unwrap();
    let start = "/login/sso/test?login_hint=mia";

    // An answer delivered to another browser (no state cookie), or with a state that is not
    // the one this browser sent, signs nobody in.
    let mut asker = t.browser();
    let back = to_provider_and_back(&mut asker, &idp_browser(), start).await;
    let mut other = t.browser();
    let stray = other.get(&back).await;
    assert_eq!(stray.status, StatusCode::BAD_REQUEST);
    assert!(stray.body.contains("did not start here") && !other.has_session());
    let forged = back.replace("state=", "state=x");
    assert_eq!(asker.get(&forged).await.status, StatusCode::BAD_REQUEST);

    // Each answer works once: replayed with the state cookie put back, it is refused.
    let state_cookie = asker.cookie("concentric_sso").unwrap();
    assert_eq!(asker.get(&back).await.status, StatusCode::SEE_OTHER, "the real answer signs in");
    let mut replay = t.browser();
    replay.set_cookie("concentric_sso", &state_cookie);
    let replayed = replay.get(&back).await;
    assert_eq!(replayed.status, StatusCode::BAD_REQUEST);
    assert!(replayed.body.contains("has been used or has expired") && !replay.has_session());

    // People the directory does not know, deactivated people and unverified emails stay out.
    for (hint, status, says) in [
        ("newt", StatusCode::FORBIDDEN, "not in Concentric"),
        ("dee", StatusCode::FORBIDDEN, "deactivated in Concentric"),
        ("unverified", StatusCode::FORBIDDEN, "did not give a verified email"),
    ] {
        let mut b = t.browser();
        let page = sign_in(&mut b, hint).await;
        assert_eq!(page.status, status, "{hint}: {}", page.body);
        assert!(page.body.contains(says), "{hint}: {}", page.body);
        assert!(!b.has_session());
    }
    assert!(t.store.person_by_email("newt@example.com").await.is_err(), "refuse means nobody is created");

    // An ID token that has expired by the time it is checked (it lives 60 s here).
    let mut late = t.browser();
    let back = to_provider_and_back(&mut late, &idp_browser(), start).await;
    t.time.set(t.time.now().plus_minutes(5));
    let expired = late.get(&back).await;
    assert_eq!(expired.status, StatusCode::UNAUTHORIZED, "{}", expired.body);
    assert!(expired.body.contains("could not be verified"));
    t.time.set(concentric_core::time::Millis::now());

    // The provider rotates its keys: a token signed with a key we have not seen yet is
    // checked against freshly discovered keys, and accepted.
    idp.restart(&people(&[]), &[("SIGN_WITH", "b,a")]);
    let mut rotated = t.browser();
    let page = sign_in(&mut rotated, "mia").await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);

    // A token whose signature the published key does not verify is refused.
    idp.restart(&people(&[]), &[("SIGN_WITH", "c"), ("FORGE", "b")]);
    let mut forged = t.browser();
    let page = sign_in(&mut forged, "mia").await;
    assert_eq!(page.status, StatusCode::UNAUTHORIZED, "{}", page.body);
    assert!(!forged.has_session());

    // The provider says no (the person cancelled): a clear page, nobody signed in.
    let mut cancelled = t.browser();
    cancelled.get(start).await;
    let page = cancelled.get("/auth/sso/test/callback?error=access_denied&error_description=the+user+cancelled").await;
    assert_eq!(page.status, StatusCode::UNAUTHORIZED);
    assert!(page.body.contains("the user cancelled"));
    assert_eq!(t.browser().get("/login/sso/nobody").await.status, StatusCode::NOT_FOUND);
}

async fn break_glass_only(db: Db) {
    let Some(idp) = Idp::start(&people(&[]), &[]) else { return };
    let Some(t) = app(db, &idp, "refuse", Some(PasswordSignIn::BreakGlass)).await else {
        return eprintln!("{PG_ENV} is not set: PostgreSQL case skipped");
    };
    t.admin().await;
    t.person("mia@example.com", "Mia Member", false).await;
    t.person("root@example.com", "Another Admin", true).await;
    let page = t.browser().get("/login").await;
    assert!(page.body.contains("Administrator sign-in with a password"), "{}", page.body);
    for email in ["mia@example.com", "root@example.com"] {
        let mut b = t.browser();
        let refused = b.login(email, PASSWORD).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{email}");
        assert!(refused.body.contains("Passwords are turned off"));
        assert!(!b.has_session());
    }
    let mut admin = t.browser();
    assert_eq!(admin.login("admin@example.com", PASSWORD).await.status, StatusCode::SEE_OTHER);
    let mut mia = t.browser();
    assert_eq!(sign_in(&mut mia, "mia").await.status, StatusCode::SEE_OTHER, "single sign-on still works");
}

macro_rules! on_both {
    ($name:ident, $case:ident) => {
        mod $name {
            use super::*;

            #[tokio::test]
            async fn sqlite() {
                $case(Db::Sqlite).await;
            }

            #[tokio::test]
            async fn postgres() {
                $case(Db::Postgres).await;
            }
        }
    };
}

on_both!(sign_in_links_creates_and_follows_groups, signs_in_links_creates_and_follows_groups);
on_both!(refusals, refuses_what_it_must);
on_both!(break_glass, break_glass_only);

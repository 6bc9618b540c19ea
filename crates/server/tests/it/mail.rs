//! Mail out against a real SMTP server (aiosmtpd, writing a Maildir): request mail that threads
//! (one `References` root per request, a reply address carrying the key), each person's choice
//! of right away, digest or off, a digest at 08:00 in the person's zone, invitations and resets
//! by mail and by a copied link, and each mail sent once with two nodes.

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use axum::http::{Method, StatusCode};
use concentric_core::mail::LinkPurpose;
use concentric_core::time::Millis;
use concentric_server::config::{ConfigLayer, SmtpSecurity};
use concentric_store::Store;
use serde_json::json;

use crate::both;
use crate::harness::{Db, TestApp, PASSWORD};
use crate::requests::{file, world};

/// A real SMTP server for one test, started by the test: `python3 -m aiosmtpd` with its Maildir
/// handler. `None` (and a note CI looks for) when aiosmtpd is not installed.
struct MailSink {
    child: Child,
    dir: PathBuf,
    port: u16,
}

impl Drop for MailSink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// One received mail: unfolded headers and the body with quoted-printable soft breaks undone.
#[derive(Debug)]
struct Mail {
    headers: Vec<(String, String)>,
    body: String,
}

impl Mail {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    fn to(&self) -> &str {
        self.header("X-RcptTo").unwrap_or_default()
    }

    /// The first `/password/...` link in the body.
    fn password_link(&self) -> String {
        let start = self.body.find("/password/").expect("a password link");
        let token: String = self.body[start + "/password/".len()..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
            .collect();
        format!("/password/{token}")
    }
}

fn parse(raw: &str) -> Mail {
    let raw = raw.replace("\r\n", "\n");
    let (head, body) = raw.split_once("\n\n").unwrap_or((&raw, ""));
    let mut headers: Vec<(String, String)> = Vec::new();
    for line in head.lines() {
        if line.starts_with([' ', '\t']) {
            if let Some(last) = headers.last_mut() {
                last.1.push(' ');
                last.1.push_str(line.trim());
            }
        } else if let Some((k, v)) = line.split_once(':') {
            headers.push((k.trim().to_owned(), v.trim().to_owned()));
        }
    }
    Mail { headers, body: body.replace("=\n", "").replace("=3D", "=") }
}

impl MailSink {
    fn start() -> Option<Self> {
        let ok = Command::new("python3").args(["-c", "import aiosmtpd"]).stderr(Stdio::null()).status();
        if !ok.is_ok_and(|s| s.success()) {
            eprintln!("aiosmtpd is not installed (pip install aiosmtpd): mail case skipped");
            return None;
        }
        let port = TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("a free port").port();
        let dir = std::env::temp_dir().join(format!("concentric-mail-{}-{port}", std::process::id()));
        let child = Command::new("python3")
            .args(["-m", "aiosmtpd", "-n", "-l", &format!("127.0.0.1:{port}"), "-c", "aiosmtpd.handlers.Mailbox"])
            .arg(&dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start aiosmtpd");
        let sink = Self { child, dir, port };
        for _ in 0..100 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return Some(sink);
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("aiosmtpd did not start on port {port}");
    }

    fn layer(&self) -> ConfigLayer {
        ConfigLayer {
            smtp_host: Some("127.0.0.1".into()),
            smtp_port: Some(self.port),
            smtp_security: Some(SmtpSecurity::None),
            smtp_from: Some("Concentric <concentric@example.com>".into()),
            mail_reply_to: Some("help@example.com".into()),
            public_url: Some("https://concentric.example.com".into()),
            ..Default::default()
        }
    }

    /// Every mail received so far, in arrival order.
    fn mails(&self) -> Vec<Mail> {
        let mut files: Vec<_> = std::fs::read_dir(self.dir.join("new"))
            .map(|d| d.filter_map(Result::ok).map(|e| e.path()).collect())
            .unwrap_or_default();
        files.sort_by_key(|p| std::fs::metadata(p).and_then(|m| m.modified()).ok());
        files.iter().map(|p| parse(&std::fs::read_to_string(p).unwrap_or_default())).collect()
    }
}

/// A test app wired to its own mail server, on either backend.
macro_rules! with_mail {
    ($name:ident, |$t:ident, $sink:ident| $body:block) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            async fn case($t: TestApp, $sink: MailSink) $body

            async fn run(db: Db) {
                let Some(sink) = MailSink::start() else { return };
                match TestApp::with_config(db, sink.layer()).await {
                    Some(t) => case(t, sink).await,
                    None => eprintln!("{} is not set: PostgreSQL case skipped", crate::harness::PG_ENV),
                }
            }

            #[tokio::test]
            async fn sqlite() {
                run(Db::Sqlite).await;
            }

            #[tokio::test]
            async fn postgres() {
                run(Db::Postgres).await;
            }
        }
    };
}

async fn run_jobs(t: &TestApp, at: Millis) -> usize {
    t.store.run_due_jobs("node-a", at, &t.mailer).await.unwrap()
}

with_mail!(request_mail_threads_and_follows_each_persons_choice, |t, sink| {
    let w = world(&t).await;
    let created = file(&t, &w.requester, "My laptop died").await;
    let (key, id) = (created["key"].as_str().unwrap().to_owned(), created["id"].as_i64().unwrap());
    // A second node runs the queue at the same time: each mail still goes out once.
    let other = Store::connect(&t.url, Default::default()).await.unwrap();
    let now = Millis::now();
    let (a, b) =
        tokio::join!(t.store.run_due_jobs("node-a", now, &t.mailer), other.run_due_jobs("node-b", now, &t.mailer));
    a.unwrap();
    b.unwrap();

    // The assignee hears at once; the lead's "new request in the queue" stays in the bell by default.
    let mails = sink.mails();
    assert_eq!(mails.len(), 1, "{mails:#?}");
    let assigned = &mails[0];
    assert_eq!(assigned.to(), "max@example.com");
    assert_eq!(assigned.header("Subject"), Some(format!("[{key}] My laptop died").as_str()));
    let root = format!("<request-{id}@example.com>");
    assert_eq!(assigned.header("In-Reply-To"), Some(root.as_str()));
    assert_eq!(assigned.header("References"), Some(root.as_str()));
    assert!(assigned.header("Reply-To").unwrap().contains(&format!("help+{key}@example.com")), "{assigned:#?}");
    assert_eq!(assigned.header("Auto-Submitted"), Some("auto-generated"));
    assert!(assigned.body.contains(&format!("https://concentric.example.com/requests/{key}")), "{}", assigned.body);
    assert!(assigned.header("Content-Type").unwrap().starts_with("multipart/alternative"), "plain text and HTML");

    // The agent's reply reaches the requester in the same thread, with its words.
    let path = format!("/api/v1/requests/{key}/comments");
    let r = t
        .api(Method::POST, &path, Some(&w.agent), Some(json!({"kind": "reply", "body": "A new one is on its way."})))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    run_jobs(&t, Millis::now()).await;
    let mails = sink.mails();
    assert_eq!(mails.len(), 2);
    let reply = &mails[1];
    assert_eq!(reply.to(), "sam@example.com");
    assert_eq!(reply.header("References"), Some(root.as_str()), "one thread per request");
    assert_ne!(reply.header("Message-ID"), assigned.header("Message-ID"));
    assert!(reply.body.contains("A new one is on its way."), "{}", reply.body);

    // A status change is digest news by default: nothing now, one digest at 08:00 the next day in
    // the requester's zone (Europe/Berlin), and nothing twice.
    let r = t
        .api(
            Method::POST,
            &format!("/api/v1/requests/{key}/status"),
            Some(&w.agent),
            Some(json!({"status": "in_progress"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    run_jobs(&t, Millis::now()).await;
    assert_eq!(sink.mails().len(), 2, "a digest kind is not mailed at once");
    let zone: chrono_tz::Tz = "Europe/Berlin".parse().unwrap();
    let eight = concentric_core::mail::next_digest_at(Millis::now().to_utc(), zone);
    assert!(run_jobs(&t, Millis(eight.timestamp_millis() + 60_000)).await >= 1);
    run_jobs(&t, Millis(eight.timestamp_millis() + 120_000)).await;
    let mails = sink.mails();
    assert_eq!(mails.len(), 3, "{mails:#?}");
    assert_eq!(mails[2].to(), "sam@example.com");
    assert_eq!(mails[2].header("Subject"), Some("Your Concentric digest: 1 notice"));
    assert!(mails[2].body.contains(&format!("{key} is now in progress")), "{}", mails[2].body);

    // Replies turned off: the next one stays in the bell.
    let prefs = json!({"preferences": [{"kind": "reply", "delivery": "off"}]});
    let r = t.api(Method::PUT, "/api/v1/me/mail-preferences", Some(&w.requester), Some(prefs)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let reply_pref = r.json["preferences"].as_array().unwrap().iter().find(|p| p["kind"] == "reply").unwrap().clone();
    assert_eq!(reply_pref["delivery"], "off");
    assert_eq!(r.json["preferences"].as_array().unwrap().len(), 20, "every kind listed");
    t.api(Method::POST, &path, Some(&w.agent), Some(json!({"kind": "reply", "body": "Tracking number follows."})))
        .await;
    run_jobs(&t, Millis::now()).await;
    assert_eq!(sink.mails().len(), 3);
    let bad = json!({"preferences": [{"kind": "everything", "delivery": "off"}]});
    t.api(Method::PUT, "/api/v1/me/mail-preferences", Some(&w.requester), Some(bad))
        .await
        .assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "invalid_body");
});

with_mail!(invitations_and_resets_arrive_by_mail_and_work_once, |t, sink| {
    let admin = t.admin().await;
    let token = t.token(&admin).await;
    let r = t
        .api(
            Method::POST,
            "/api/v1/people",
            Some(&token),
            Some(json!({"email": "nina@example.com", "name": "Nina New", "time_zone": "Europe/Berlin"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let r = t.api(Method::POST, "/api/v1/invitations", Some(&token), Some(json!({"email": "nina@example.com"}))).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!((r.json["mailed"].as_bool(), r.json["purpose"].as_str()), (Some(true), Some("invitation")));
    run_jobs(&t, Millis::now()).await;
    let mails = sink.mails();
    assert_eq!(mails.len(), 1);
    assert_eq!(mails[0].header("Subject"), Some("You are invited to Concentric"));
    assert!(mails[0].body.contains("Ada Admin invited you"), "{}", mails[0].body);
    let link = mails[0].password_link();
    assert!(r.json["url"].as_str().unwrap().ends_with(&link), "the mailed link is the one returned");

    let mut b = t.browser();
    let page = b.get(&link).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Welcome, Nina New"), "{}", page.body);
    let csrf = page.csrf();
    let done = b.post(&link, &[("csrf", &csrf), ("password", PASSWORD), ("confirm", PASSWORD)]).await;
    assert_eq!((done.status, done.location()), (StatusCode::SEE_OTHER, "/?notice=password_set"));
    assert!(b.has_session(), "signed in at once");
    assert_eq!(b.get(&link).await.status, StatusCode::GONE, "a link works once");

    // Forgot password: a reset link by mail; an unknown address gets the same answer and no mail.
    let mut anon = t.browser();
    let csrf = anon.get("/forgot-password").await.csrf();
    let sent = anon.post("/forgot-password", &[("csrf", &csrf), ("email", "nina@example.com")]).await;
    assert!(sent.body.contains("is on its way"), "{}", sent.body);
    let unknown = anon.post("/forgot-password", &[("csrf", &csrf), ("email", "nobody@example.com")]).await;
    assert_eq!(unknown.body.replace("nobody@example.com", "nina@example.com"), sent.body, "no account is revealed");
    run_jobs(&t, Millis::now()).await;
    let mails = sink.mails();
    assert_eq!(mails.len(), 2);
    assert_eq!(
        (mails[1].to(), mails[1].header("Subject")),
        ("nina@example.com", Some("Set a new Concentric password"))
    );
    let reset = mails[1].password_link();
    let csrf = anon.get(&reset).await.csrf();
    let new_password = "a brand new password";
    let done = anon.post(&reset, &[("csrf", &csrf), ("password", new_password), ("confirm", new_password)]).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER);
    assert!(!b.get("/account").await.body.contains("Your account"), "the other session ended with the reset");
    let mut again = t.browser();
    assert_eq!(again.login("nina@example.com", new_password).await.status, StatusCode::SEE_OTHER);
});

both!(without_mail_an_admin_hands_over_the_link, |t| {
    let admin = t.admin().await;
    let member = t.person("mo@example.com", "Mo Member", false).await;
    let mut b = t.browser();
    b.login("admin@example.com", PASSWORD).await;

    // Adding a person with "invite" shows the link to copy, and says mail is not set up.
    let csrf = b.csrf("/people/new").await;
    let form = [
        ("csrf", csrf.as_str()),
        ("email", "ines@example.com"),
        ("name", "Ines Invited"),
        ("time_zone", "Europe/Berlin"),
        ("weekly_capacity_hours", "40"),
        ("invite", "on"),
    ];
    let page = b.post("/people/new", &form).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("Copy this link and give it to Ines Invited"), "{}", page.body);
    assert!(page.body.contains("Mail is not set up"));
    let start = page.body.find("/password/").unwrap();
    let link: String = page.body[start..].chars().take_while(|c| *c != '"').collect();
    let mut ines = t.browser();
    let csrf = ines.get(&link).await.csrf();
    // Every problem at once, and nothing spent.
    let bad = ines.post(&link, &[("csrf", &csrf), ("password", "short"), ("confirm", "other")]).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("at least 10") && bad.body.contains("the two passwords differ"), "{}", bad.body);
    let ok = ines.post(&link, &[("csrf", &csrf), ("password", PASSWORD), ("confirm", PASSWORD)]).await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER);

    // The API hands the link back unmailed; only admins make links.
    let token = t.token(&admin).await;
    let body = json!({"person_id": member.id, "purpose": "reset"});
    let r = t.api(Method::POST, "/api/v1/invitations", Some(&token), Some(body.clone())).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(r.json["mailed"], false);
    let member_token = t.token(&member).await;
    t.api(Method::POST, "/api/v1/invitations", Some(&member_token), Some(body))
        .await
        .assert_problem(StatusCode::FORBIDDEN, "forbidden");
    t.api(Method::POST, "/api/v1/invitations", Some(&token), Some(json!({})))
        .await
        .assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    assert_eq!(t.store.mail_queue(Millis::now()).await.unwrap().waiting, 0, "nothing queued while mail is off");

    // A newer link retires the older; an expired one does not work.
    let url = r.json["url"].as_str().unwrap();
    let old = &url[url.find("/password/").unwrap()..];
    let r = t
        .api(
            Method::POST,
            "/api/v1/invitations",
            Some(&token),
            Some(json!({"person_id": member.id, "purpose": "reset"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED);
    assert_eq!(t.browser().get(old).await.status, StatusCode::GONE);
    let system = concentric_core::authz::Actor::system();
    let long_ago = Millis(Millis::now().0 - 2 * 3_600_000);
    t.store.issue_password_link(&system, member.id, LinkPurpose::Reset, "expired-digest", long_ago).await.unwrap();
    assert!(!t.store.password_link("expired-digest").await.unwrap().unwrap().usable(Millis::now()));

    // Forgot password says plainly that mail is off, and who can help.
    let mut anon = t.browser();
    assert!(anon.get("/forgot-password").await.body.contains("Ask an admin"));
    // Members cannot make links on the web either.
    let mut mo = t.browser();
    mo.login("mo@example.com", PASSWORD).await;
    let csrf = mo.csrf("/account").await;
    let refused = mo.post(&format!("/people/{}/sign-in-link", admin.id), &[("csrf", &csrf)]).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    // The admin page tells how to turn mail on.
    let admin_page = b.get("/admin/mail").await;
    assert!(
        admin_page.body.contains("Mail is not set up") && admin_page.body.contains("smtp_host"),
        "{}",
        admin_page.body
    );
});

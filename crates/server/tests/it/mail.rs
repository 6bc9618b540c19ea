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
use serde_json::{json, Value};

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
    t.store.run_due_jobs("node-a", at, &t.state).await.unwrap()
}

with_mail!(request_mail_threads_and_follows_each_persons_choice, |t, sink| {
    let w = world(&t).await;
    let created = file(&t, &w.requester, "My laptop died").await;
    let (key, id) = (created["key"].as_str().unwrap().to_owned(), created["id"].as_i64().unwrap());
    // A second node runs the queue at the same time: each mail still goes out once.
    let other = Store::connect(&t.url, Default::default()).await.unwrap();
    let now = Millis::now();
    let (a, b) =
        tokio::join!(t.store.run_due_jobs("node-a", now, &t.state), other.run_due_jobs("node-b", now, &t.state));
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
    let kinds = concentric_core::notification::NoticeKind::ALL.len();
    assert_eq!(r.json["preferences"].as_array().unwrap().len(), kinds, "every kind listed");
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

    // A CSV import invites the people it creates, and only those.
    let csv = "email,name\nnina@example.com,Nina New\nomar@example.com,Omar Onboard\npia@example.com,Pia Payroll\n";
    let req = axum::http::Request::post("/api/v1/import?invite=true")
        .header(axum::http::header::AUTHORIZATION, format!("Bearer {token}"))
        .header(axum::http::header::CONTENT_TYPE, "text/csv")
        .body(axum::body::Body::from(csv))
        .unwrap();
    let report = t.send_api(req).await;
    assert_eq!(report.status, StatusCode::OK, "{}", report.text);
    assert_eq!((report.json["created"].as_u64(), report.json["invited"].as_u64()), (Some(2), Some(2)));
    run_jobs(&t, Millis::now()).await;
    let invited: Vec<String> = sink.mails().iter().skip(2).map(|m| m.to().to_owned()).collect();
    assert_eq!(invited, ["omar@example.com", "pia@example.com"]);
});

both!(an_import_without_mail_cannot_promise_invitations, |t| {
    let admin = t.admin().await;
    let token = t.token(&admin).await;
    let req = axum::http::Request::post("/api/v1/import?invite=true")
        .header(axum::http::header::AUTHORIZATION, format!("Bearer {token}"))
        .header(axum::http::header::CONTENT_TYPE, "text/csv")
        .body(axum::body::Body::from("email,name\nomar@example.com,Omar Onboard\n"))
        .unwrap();
    let refused = t.send_api(req).await;
    refused.assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    assert!(refused.text.contains("mail is not set up"), "{}", refused.text);
    assert!(t.store.person_by_email("omar@example.com").await.is_err(), "nothing imported");
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

/// A message as a mail client would send it.
fn message(from: &str, to: &str, subject: &str, id: &str, headers: &str, body: &str) -> Vec<u8> {
    format!(
        "From: {from}\r\nTo: {to}\r\nSubject: {subject}\r\nMessage-ID: <{id}>\r\nDate: Tue, 1 Dec 2026 10:00:00 +0000\r\n{headers}MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n"
    )
    .into_bytes()
}

/// IT's general help service (no form fields, so mail can file it), reached at it-help@.
async fn help_route(t: &TestApp, w: &crate::requests::World) {
    let body = json!({"slug": "help", "name": "General IT help", "default_priority": "P3", "default_effort_hours": 1.0,
        "responder_emails": ["max@example.com"]});
    let r = t.api(Method::POST, "/api/v1/teams/IT/services", Some(&w.lead), Some(body)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let service = t.store.service_by_slug("IT", "help").await.unwrap();
    t.store.add_mail_route(&concentric_core::authz::Actor::system(), "IT-Help@example.com", service.id).await.unwrap();
}

async fn receive(t: &TestApp, raw: &[u8]) -> concentric_server::inbound::Received {
    concentric_server::inbound::receive(&t.state, "INBOX", raw).await.unwrap()
}

with_mail!(a_request_round_trips_by_mail, |t, sink| {
    let w = world(&t).await;
    help_route(&t, &w).await;

    // Mail in → a request, with the sender as requester and the quoted history trimmed.
    let first = message(
        "Sam Sales <sam@example.com>",
        "it-help@example.com",
        "VPN drops every hour",
        "m1@mail.example.com",
        "",
        "It drops at :00 every hour.\r\n\r\n-- \r\nSam, Sales",
    );
    let r = receive(&t, &first).await;
    assert_eq!((r.outcome, r.request_key.as_deref()), ("created", Some("IT-1")), "{r:?}");
    let req = t.api(Method::GET, "/api/v1/requests/IT-1", Some(&w.requester), None).await;
    assert_eq!(req.json["subject"], "VPN drops every hour");
    assert_eq!(req.json["description"], "It drops at :00 every hour.");
    assert_eq!(receive(&t, &first).await.outcome, "duplicate", "fetched twice, filed once");

    // The agent answers on the web; the mail out carries the threading headers.
    let path = "/api/v1/requests/IT-1/comments";
    t.api(Method::POST, path, Some(&w.agent), Some(json!({"kind": "reply", "body": "Which VPN client?"}))).await;
    run_jobs(&t, Millis::now()).await;
    let out = sink.mails().into_iter().find(|m| m.to() == "sam@example.com").expect("the reply went out");
    let out_id = out.header("Message-ID").unwrap().to_owned();

    // Sam answers from the mail client: In-Reply-To only (References stripped), no key in the subject.
    let headers = format!("In-Reply-To: {out_id}\r\n");
    let answer = message(
        "sam@example.com",
        "help+IT-1@example.com",
        "Re: VPN",
        "m2@mail.example.com",
        &headers,
        "The built-in one.\r\n\r\nOn Tue, 1 Dec 2026, IT wrote:\r\n> Which VPN client?",
    );
    let r = receive(&t, &answer).await;
    assert_eq!((r.outcome, r.request_key.as_deref()), ("replied", Some("IT-1")), "{r:?}");
    let comments = t.api(Method::GET, "/api/v1/requests/IT-1/comments", Some(&w.agent), None).await;
    let last = comments.json.as_array().unwrap().last().unwrap().clone();
    assert_eq!((last["body"].as_str(), last["author_name"].as_str()), (Some("The built-in one."), Some("Sam Sales")));

    // A colleague replying to Sam's own first message (a reference we only know from mail in)
    // lands on the same request too, when she is a party to it.
    let w_lena = "lena@example.com";
    let headers = "References: <m1@mail.example.com>\r\n";
    let r = receive(
        &t,
        &message(w_lena, "it-help@example.com", "Re: VPN drops every hour", "m3@mail.example.com", headers, "Looking."),
    )
    .await;
    assert_eq!((r.outcome, r.request_key.as_deref()), ("replied", Some("IT-1")), "{r:?}");

    // The same subject from someone else, with no reference, is a new request: never by subject.
    let r = receive(
        &t,
        &message("max@example.com", "it-help@example.com", "VPN drops every hour", "m4@mail.example.com", "", "Me too"),
    )
    .await;
    assert_eq!((r.outcome, r.request_key.as_deref()), ("created", Some("IT-2")), "{r:?}");

    // Not a party: Olga (Facilities) replying by key is refused politely, and nothing is added.
    let r = receive(
        &t,
        &message("olga@example.com", "it-help@example.com", "Re: [IT-1] VPN", "m5@mail.example.com", "", "hi"),
    )
    .await;
    assert_eq!(r.outcome, "refused", "{r:?}");

    // Machine mail never creates a request, and is never answered (no loop).
    let before = sink.mails().len();
    let auto = message(
        "sam@example.com",
        "it-help@example.com",
        "Automatic reply: VPN",
        "m6@mail.example.com",
        "Auto-Submitted: auto-replied\r\n",
        "I am away",
    );
    assert_eq!(receive(&t, &auto).await.outcome, "ignored");
    let bounce = message(
        "MAILER-DAEMON@example.com",
        "it-help@example.com",
        "Undelivered Mail Returned to Sender",
        "m7@mail.example.com",
        "",
        "550 no such user",
    );
    assert_eq!(receive(&t, &bounce).await.outcome, "ignored");
    let bulk = message(
        "news@example.com",
        "it-help@example.com",
        "Weekly news",
        "m8@mail.example.com",
        "Precedence: bulk\r\n",
        "news",
    );
    assert_eq!(receive(&t, &bulk).await.outcome, "ignored");

    // A stranger gets a polite answer, threaded to their message; a malformed message is kept.
    let stranger = message(
        "someone@elsewhere.example",
        "it-help@example.com",
        "Hello",
        "m9@elsewhere.example",
        "",
        "Can you help?",
    );
    assert_eq!(receive(&t, &stranger).await.outcome, "refused");
    assert_eq!(receive(&t, b"\x00\x01 not mail at all").await.outcome, "failed");
    run_jobs(&t, Millis::now()).await;
    let answers: Vec<_> = sink.mails().into_iter().skip(before).collect();
    let to_stranger = answers.iter().find(|m| m.to() == "someone@elsewhere.example").expect("a polite answer");
    assert_eq!(to_stranger.header("In-Reply-To"), Some("<m9@elsewhere.example>"));
    assert!(
        answers.iter().all(|m| m.to() != "sam@example.com" || !m.body.contains("could not be filed")),
        "no answer to machine mail"
    );
    let kept = t.store.recent_inbound(50).await.unwrap();
    assert_eq!(kept.len(), 10, "every message kept, the unreadable one too");
    assert!(kept.iter().any(|m| m.outcome.as_deref() == Some("failed")));
    let raw = t.store.inbound_raw(&concentric_core::authz::Actor::system(), kept[0].id).await.unwrap();
    assert_eq!(raw, b"\x00\x01 not mail at all");
});

both!(a_reply_to_a_closed_request_reopens_it_or_starts_a_follow_up, |t| {
    let w = world(&t).await;
    help_route(&t, &w).await;
    let r = receive(
        &t,
        &message("sam@example.com", "it-help@example.com", "Printer jam", "p1@mail.example.com", "", "Tray 2"),
    )
    .await;
    assert_eq!(r.request_key.as_deref(), Some("IT-1"));
    let resolve = |status: &'static str| json!({ "status": status });
    t.api(Method::POST, "/api/v1/requests/IT-1/status", Some(&w.agent), Some(resolve("resolved"))).await;
    // Within the reopen window: the reply reopens the request.
    let refs = "References: <request-1@example.com>\r\n";
    let r = receive(
        &t,
        &message(
            "sam@example.com",
            "it-help@example.com",
            "Re: [IT-1] Printer jam",
            "p2@mail.example.com",
            refs,
            "Jammed again",
        ),
    )
    .await;
    assert_eq!((r.outcome, r.request_key.as_deref()), ("replied", Some("IT-1")));
    let req = t.api(Method::GET, "/api/v1/requests/IT-1", Some(&w.requester), None).await;
    assert_eq!(req.json["status"], "in_progress");
    // Closed: the next answer starts a follow-up in the same service, saying what it follows.
    t.api(Method::POST, "/api/v1/requests/IT-1/status", Some(&w.agent), Some(resolve("resolved"))).await;
    t.api(Method::POST, "/api/v1/requests/IT-1/status", Some(&w.agent), Some(resolve("closed"))).await;
    let r = receive(
        &t,
        &message(
            "sam@example.com",
            "it-help@example.com",
            "Re: [IT-1] Printer jam",
            "p3@mail.example.com",
            refs,
            "And again",
        ),
    )
    .await;
    assert_eq!((r.outcome, r.request_key.as_deref()), ("created", Some("IT-2")), "{r:?}");
    let follow = t.api(Method::GET, "/api/v1/requests/IT-2", Some(&w.requester), None).await;
    assert!(follow.json["description"].as_str().unwrap().starts_with("A follow-up to IT-1"), "{}", follow.text);
    // Without mail configured, refusals are recorded and nothing is queued.
    let r =
        receive(&t, &message("nobody@elsewhere.example", "it-help@example.com", "Hi", "p4@x.example", "", "?")).await;
    assert_eq!(r.outcome, "refused");
    assert_eq!(t.store.mail_queue(Millis::now()).await.unwrap().waiting, 0);
});

/// A real IMAP server for one test: Debian's dovecot with a throwaway configuration, one user
/// (`help@example.com`) whose Maildir the test drops messages into. `None` when dovecot is missing.
struct ImapServer {
    dir: PathBuf,
    port: u16,
}

impl Drop for ImapServer {
    fn drop(&mut self) {
        let conf = self.dir.join("dovecot.conf");
        let _ = Command::new("doveadm").arg("-c").arg(&conf).arg("stop").stderr(Stdio::null()).status();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

impl ImapServer {
    fn start() -> Option<Self> {
        if !std::path::Path::new("/usr/sbin/dovecot").exists() {
            eprintln!("dovecot is not installed (apt-get install dovecot-imapd): mail case skipped");
            return None;
        }
        let port = TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("a free port").port();
        let dir = PathBuf::from(format!("/tmp/cdc-{}-{port}", std::process::id()));
        for sub in ["run", "state", "home"] {
            std::fs::create_dir_all(dir.join(sub)).unwrap();
        }
        let d = dir.display();
        let conf = format!(
            "protocols = imap\nlisten = 127.0.0.1\nbase_dir = {d}/run\nstate_dir = {d}/state\nlog_path = {d}/log\n\
             ssl = no\ndisable_plaintext_auth = no\nauth_mechanisms = plain login\nfirst_valid_uid = 1\n\
             mail_location = maildir:{d}/home/%u/Maildir\n\
             passdb {{\n  driver = passwd-file\n  args = scheme=PLAIN username_format=%u {d}/users\n}}\n\
             userdb {{\n  driver = static\n  args = uid=nobody gid=nogroup home={d}/home/%u\n}}\n\
             service imap-login {{\n  inet_listener imap {{\n    port = {port}\n  }}\n  inet_listener imaps {{\n    port = 0\n  }}\n}}\n\
             service pop3-login {{\n  inet_listener pop3 {{\n    port = 0\n  }}\n}}\n"
        );
        std::fs::write(dir.join("dovecot.conf"), conf).unwrap();
        std::fs::write(dir.join("users"), "help@example.com:{PLAIN}secret\n").unwrap();
        let server = Self { dir, port };
        for sub in ["new", "cur", "tmp"] {
            std::fs::create_dir_all(server.maildir().join(sub)).unwrap();
        }
        let status = Command::new("/usr/sbin/dovecot")
            .arg("-c")
            .arg(server.dir.join("dovecot.conf"))
            .status()
            .expect("run dovecot");
        assert!(status.success(), "dovecot did not start");
        Self::own(&server.dir.join("home"));
        for _ in 0..100 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return Some(server);
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("dovecot did not listen on {port}");
    }

    fn maildir(&self) -> PathBuf {
        self.dir.join("home/help@example.com/Maildir")
    }

    /// Gives the mail user (nobody) its home, as a delivery agent would.
    fn own(path: &std::path::Path) {
        let _ = std::os::unix::fs::chown(path, Some(65534), Some(65534));
        if let Ok(entries) = std::fs::read_dir(path) {
            for e in entries.flatten() {
                Self::own(&e.path());
            }
        }
    }

    /// Delivers a message into the mailbox, unseen.
    fn deliver(&self, name: &str, raw: &[u8]) {
        let path = self.maildir().join("new").join(format!("{name}.concentric-test"));
        std::fs::write(&path, raw).unwrap();
        Self::own(&self.maildir());
    }

    fn mailbox(&self) -> concentric_server::imap::Mailbox {
        let url = format!("imap://help%40example.com:secret@127.0.0.1:{}/INBOX", self.port);
        concentric_server::imap::Mailbox::parse_all(&url).unwrap().remove(0)
    }
}

both!(imap_polling_files_each_message_once, |t| {
    let Some(imap) = ImapServer::start() else { return };
    let w = world(&t).await;
    help_route(&t, &w).await;
    imap.deliver(
        "1",
        &message("sam@example.com", "it-help@example.com", "Keyboard sticks", "k1@mail.example.com", "", "The E key."),
    );
    imap.deliver(
        "2",
        &message("lena@example.com", "it-help@example.com", "Monitor arm", "k2@mail.example.com", "", "Loose."),
    );
    let mailbox = imap.mailbox();
    let polled = concentric_server::imap::poll(&t.state, &mailbox).await.unwrap();
    assert_eq!((polled.fetched, polled.kept), (2, 2));
    let listed = t.api(Method::GET, "/api/v1/requests?team=IT", Some(&w.agent), None).await;
    assert_eq!(listed.json["total"], 2, "{}", listed.text);
    // Marked seen: the next poll fetches nothing.
    assert_eq!(concentric_server::imap::poll(&t.state, &mailbox).await.unwrap().fetched, 0);

    // Two nodes poll at once: the message is filed once.
    imap.deliver(
        "3",
        &message("sam@example.com", "it-help@example.com", "Dock", "k3@mail.example.com", "", "No video."),
    );
    let other_store = Store::connect(&t.url, Default::default()).await.unwrap();
    let other = concentric_server::AppState::new(other_store, t.state.config.as_ref().clone());
    let (a, b) = tokio::join!(
        concentric_server::imap::poll(&t.state, &mailbox),
        concentric_server::imap::poll(&other, &mailbox)
    );
    let (a, b) = (a.unwrap(), b.unwrap());
    assert!(a.fetched + b.fetched >= 1 && a.kept + b.kept == 1, "{a:?} {b:?}");
    let listed = t.api(Method::GET, "/api/v1/requests?team=IT", Some(&w.agent), None).await;
    assert_eq!(listed.json["total"], 3, "{}", listed.text);

    // A wrong password is a clear error, not a panic.
    let wrong = concentric_server::imap::Mailbox::parse_all(&format!(
        "imap://help%40example.com:nope@127.0.0.1:{}/INBOX",
        imap.port
    ))
    .unwrap()
    .remove(0);
    let err = concentric_server::imap::poll(&t.state, &wrong).await.unwrap_err();
    assert!(err.to_string().contains("refused the sign-in"), "{err}");
});

both!(admins_route_addresses_to_services, |t| {
    let w = world(&t).await;
    let body = |address: &str, slug: &str| json!({"address": address, "team_key": "IT", "service_slug": slug});
    let r =
        t.api(Method::POST, "/api/v1/mail-routes", Some(&w.admin), Some(body("IT-Help+x@Example.com", "laptop"))).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(r.json["address"], "it-help@example.com", "stored without its sub-address, lower-cased");
    let id = r.json["id"].as_i64().unwrap();
    t.api(Method::POST, "/api/v1/mail-routes", Some(&w.admin), Some(body("it-help@example.com", "laptop")))
        .await
        .assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    t.api(Method::POST, "/api/v1/mail-routes", Some(&w.admin), Some(body("not an address", "laptop")))
        .await
        .assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    t.api(Method::POST, "/api/v1/mail-routes", Some(&w.admin), Some(body("x@example.com", "nothing")))
        .await
        .assert_problem(StatusCode::NOT_FOUND, "not_found");
    let listed = t.api(Method::GET, "/api/v1/mail-routes", Some(&w.admin), None).await;
    assert_eq!(listed.json.as_array().unwrap().len(), 1);

    // The web form shows every problem at once and keeps what was typed.
    let mut b = t.browser();
    b.login("admin@example.com", PASSWORD).await;
    let csrf = b.csrf("/admin/mail").await;
    let page = b.post("/admin/mail/routes", &[("csrf", &csrf), ("address", "nope"), ("service", "")]).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.body.contains("choose the service") && page.body.contains("give a mail address"), "{}", page.body);
    assert!(page.body.contains("value=\"nope\""));
    let intake = [("csrf", csrf.as_str()), ("unknown_senders", "create"), ("outsider_replies", "refuse")];
    let saved = b.post("/admin/mail/strangers", &intake).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER);
    assert_eq!(t.store.unknown_sender_policy().await.unwrap(), "create");
    let bad = b.post("/admin/mail/strangers", &[("csrf", &csrf), ("unknown_senders", "eat")]).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);

    // With "create", a stranger's mail to a routed address is filed and the stranger added.
    let form_less =
        json!({"slug": "help", "name": "General IT help", "default_priority": "P3", "default_effort_hours": 1.0});
    assert_eq!(
        t.api(Method::POST, "/api/v1/teams/IT/services", Some(&w.lead), Some(form_less)).await.status,
        StatusCode::CREATED
    );
    let r = t.api(Method::POST, "/api/v1/mail-routes", Some(&w.admin), Some(body("desk@example.com", "help"))).await;
    assert_eq!(r.status, StatusCode::CREATED);
    let r = receive(
        &t,
        &message(
            "Vera Visitor <vera@partner.example>",
            "desk@example.com",
            "Badge",
            "v1@partner.example",
            "",
            "Need a badge",
        ),
    )
    .await;
    assert_eq!(r.outcome, "created", "{r:?}");
    assert_eq!(t.store.person_by_email("vera@partner.example").await.unwrap().name, "Vera Visitor");
    // A service with a required field cannot be filed by mail: refused with the way to the form.
    let r = receive(&t, &message("sam@example.com", "it-help@example.com", "Laptop", "v2@example.com", "", "New one"))
        .await;
    assert_eq!(r.outcome, "refused");
    assert!(r.detail.contains("/teams/IT/services/laptop"), "{r:?}");

    assert_eq!(
        t.api(Method::DELETE, &format!("/api/v1/mail-routes/{id}"), Some(&w.admin), None).await.status,
        StatusCode::NO_CONTENT
    );
    t.api(Method::DELETE, &format!("/api/v1/mail-routes/{id}"), Some(&w.admin), None)
        .await
        .assert_problem(StatusCode::NOT_FOUND, "not_found");
});

both!(someone_copied_in_joins_only_when_allowed_and_never_by_key_alone, |t| {
    let w = world(&t).await;
    help_route(&t, &w).await;
    let first =
        message("sam@example.com", "it-help@example.com", "Printer offline", "o1@mail.example.com", "", "Floor 2");
    assert_eq!(receive(&t, &first).await.request_key.as_deref(), Some("IT-1"));
    let answer = |from: &str, id: &str, subject: &str, headers: &str| {
        message(from, "it-help@example.com", subject, id, headers, "Same here on floor 3")
    };
    let refs = "References: <o1@mail.example.com>\r\n";

    // Refused by default, even answering the conversation.
    let r = receive(&t, &answer("olga@example.com", "o2@mail.example.com", "Re: Printer offline", refs)).await;
    assert_eq!(r.outcome, "refused", "{r:?}");

    // Both settings are checked together; a wrong one changes nothing.
    let bad = json!({ "unknown_senders": "maybe", "outsider_replies": "always" });
    let r = t.api(Method::PUT, "/api/v1/settings/mail", Some(&w.admin), Some(bad)).await;
    r.assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    assert_eq!(r.json["errors"].as_array().map(Vec::len), Some(2), "{}", r.text);
    let watch = json!({ "unknown_senders": "refuse", "outsider_replies": "watch" });
    let r = t.api(Method::PUT, "/api/v1/settings/mail", Some(&w.admin), Some(watch)).await;
    assert_eq!((r.status, r.json["outsider_replies"].as_str()), (StatusCode::OK, Some("watch")), "{}", r.text);

    // Now an answer to the conversation's message lets Olga in, as a watcher.
    let r = receive(&t, &answer("olga@example.com", "o3@mail.example.com", "Re: Printer offline", refs)).await;
    assert_eq!((r.outcome, r.detail.as_str()), ("replied", "joined IT-1 as a watcher and replied"), "{r:?}");
    let seen = t.api(Method::GET, "/api/v1/requests/IT-1/comments", Some(&w.outsider), None).await;
    assert_eq!(seen.status, StatusCode::OK, "a watcher reads the conversation");
    // A key in the subject alone never does: Pia only knows the key.
    t.person("pia@example.com", "Pia Payroll", false).await;
    let r = receive(&t, &answer("pia@example.com", "o4@mail.example.com", "Re: [IT-1] Printer", "")).await;
    assert_eq!(r.outcome, "refused", "{r:?}");
});

with_mail!(the_rating_mail_offers_answers_that_the_page_marks, |t, sink| {
    let w = world(&t).await;
    let key = file(&t, &w.requester, "Dock is dead").await["key"].as_str().unwrap().to_owned();
    let resolved = json!({ "status": "resolved" });
    let path = format!("/api/v1/requests/{key}/status");
    assert_eq!(t.api(Method::POST, &path, Some(&w.agent), Some(resolved)).await.status, StatusCode::OK);
    run_jobs(&t, Millis::now()).await;
    let mail = sink.mails().into_iter().find(|m| m.to() == "sam@example.com").expect("the rating mail");
    let good = format!("https://concentric.example.com/requests/{key}?rate=good#rating");
    assert!(mail.body.contains(&good), "{}", mail.body);

    // The link only marks the answer; nothing is rated until Sam sends it.
    let mut b = t.browser();
    b.login("sam@example.com", PASSWORD).await;
    let page = b.get(&format!("/requests/{key}?rate=poor")).await;
    assert!(page.body.contains(r#"value="1" checked"#), "poor is marked");
    assert!(!page.body.contains(r#"value="3" checked"#));
    let rating = t.api(Method::GET, &format!("/api/v1/requests/{key}/rating"), Some(&w.requester), None).await;
    assert_eq!(rating.json["by_requester"], Value::Null, "{}", rating.text);
});

//! Polling mailboxes over IMAP: every `imap_poll_seconds`, each configured mailbox is opened, its
//! unseen messages are fetched and received (see `inbound`), and each one that was kept is marked
//! seen. Several nodes may poll the same mailbox: a message is kept once by its Message-ID, so
//! two nodes fetching it at once still file it once.

use std::sync::Arc;
use std::time::Duration;

use async_imap::Client;
use futures_util::StreamExt;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use tokio_rustls::rustls::pki_types::ServerName;
use tokio_rustls::rustls::{ClientConfig, RootCertStore};
use tokio_rustls::TlsConnector;

use crate::inbound::receive;
use crate::state::AppState;

/// One mailbox to poll, from an `imap://` or `imaps://` URL.
#[derive(Clone, PartialEq, Eq)]
pub struct Mailbox {
    pub tls: bool,
    pub host: String,
    pub port: u16,
    pub user: String,
    password: String,
    pub folder: String,
}

impl std::fmt::Debug for Mailbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.name())
    }
}

impl Mailbox {
    /// `user@host/folder`, for logs and the admin page (never the password).
    pub fn name(&self) -> String {
        format!("{}@{}/{}", self.user, self.host, self.folder)
    }

    fn parse(raw: &str) -> Result<Self, String> {
        let url = url::Url::parse(raw.trim())
            .map_err(|e| format!("imap_mailboxes: `{}` is not a URL: {e}", redacted(raw)))?;
        let tls = match url.scheme() {
            "imaps" => true,
            "imap" => false,
            other => return Err(format!("imap_mailboxes: use imaps:// or imap://, not {other}://")),
        };
        let decode = |s: &str| percent_encoding::percent_decode_str(s).decode_utf8_lossy().into_owned();
        let host = url.host_str().filter(|h| !h.is_empty()).ok_or("imap_mailboxes: a URL has no host")?.to_owned();
        let user = decode(url.username());
        let password = decode(url.password().unwrap_or_default());
        if user.is_empty() {
            return Err(format!(
                "imap_mailboxes: {} needs a user name (imaps://USER:PASSWORD@{host}/INBOX)",
                redacted(raw)
            ));
        }
        let folder = match decode(url.path().trim_start_matches('/')) {
            f if f.is_empty() => String::from("INBOX"),
            f => f,
        };
        Ok(Self { tls, port: url.port().unwrap_or(if tls { 993 } else { 143 }), host, user, password, folder })
    }

    /// Every mailbox in a comma-separated list; an error names the bad one without its password.
    pub fn parse_all(list: &str) -> Result<Vec<Self>, String> {
        list.split(',').map(str::trim).filter(|s| !s.is_empty()).map(Self::parse).collect()
    }
}

/// The list with passwords replaced, for logs and `config show`.
pub fn redacted(list: &str) -> String {
    list.split(',')
        .map(|u| match url::Url::parse(u.trim()) {
            Ok(mut url) if url.password().is_some() => {
                let _ = url.set_password(Some("***"));
                url.to_string()
            }
            _ => u.trim().to_owned(),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

#[derive(Debug, thiserror::Error)]
pub enum PollError {
    #[error("cannot reach {0}: {1}")]
    Connect(String, std::io::Error),
    #[error("TLS with {0} failed: {1}")]
    Tls(String, String),
    #[error("{0} refused the sign-in: {1}")]
    Login(String, async_imap::error::Error),
    #[error("IMAP error on {0}: {1}")]
    Imap(String, async_imap::error::Error),
}

/// How many messages one poll received, and how many of those were new.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Polled {
    pub fetched: usize,
    pub kept: usize,
}

fn tls_config() -> Result<Arc<ClientConfig>, String> {
    let mut roots = RootCertStore::empty();
    for cert in rustls_native_certs::load_native_certs().certs {
        let _ = roots.add(cert);
    }
    // The provider is named, not taken from the process default, so no other crate's choice matters.
    let provider = Arc::new(tokio_rustls::rustls::crypto::ring::default_provider());
    let config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(Arc::new(config))
}

/// Polls one mailbox once.
pub async fn poll(state: &AppState, mailbox: &Mailbox) -> Result<Polled, PollError> {
    let name = mailbox.name();
    let tcp = TcpStream::connect((mailbox.host.as_str(), mailbox.port))
        .await
        .map_err(|e| PollError::Connect(name.clone(), e))?;
    if mailbox.tls {
        let server =
            ServerName::try_from(mailbox.host.clone()).map_err(|e| PollError::Tls(name.clone(), e.to_string()))?;
        let config = tls_config().map_err(|e| PollError::Tls(name.clone(), e))?;
        let stream = TlsConnector::from(config)
            .connect(server, tcp)
            .await
            .map_err(|e| PollError::Tls(name.clone(), e.to_string()))?;
        session(state, mailbox, stream).await
    } else {
        session(state, mailbox, tcp).await
    }
}

async fn session<T>(state: &AppState, mailbox: &Mailbox, stream: T) -> Result<Polled, PollError>
where
    T: AsyncRead + AsyncWrite + Unpin + std::fmt::Debug + Send,
{
    let name = mailbox.name();
    let imap = |e| PollError::Imap(name.clone(), e);
    let mut client = Client::new(stream);
    client.read_response().await.map_err(|e| imap(e.into()))?;
    let mut session =
        client.login(&mailbox.user, &mailbox.password).await.map_err(|(e, _)| PollError::Login(name.clone(), e))?;
    session.select(&mailbox.folder).await.map_err(imap)?;
    let mut uids: Vec<u32> = session.uid_search("UNSEEN").await.map_err(imap)?.into_iter().collect();
    uids.sort_unstable();
    let mut polled = Polled::default();
    for uid in uids {
        let raw = {
            let mut fetches = session.uid_fetch(uid.to_string(), "BODY.PEEK[]").await.map_err(imap)?;
            let mut raw = None;
            while let Some(fetch) = fetches.next().await {
                let fetch = fetch.map_err(imap)?;
                if let Some(body) = fetch.body() {
                    raw = Some(body.to_vec());
                }
            }
            raw
        };
        let Some(raw) = raw else { continue };
        polled.fetched += 1;
        match receive(state, &name, &raw).await {
            Ok(r) => {
                if r.outcome != "duplicate" {
                    polled.kept += 1;
                }
                tracing::info!(mailbox = %name, outcome = r.outcome, detail = %r.detail, "mail received");
                // Seen only once kept: a message the database could not take is fetched again.
                let mut stored = session.uid_store(uid.to_string(), "+FLAGS (\\Seen)").await.map_err(imap)?;
                while stored.next().await.is_some() {}
            }
            Err(e) => tracing::warn!(mailbox = %name, error = %e, "a message could not be stored; it stays unseen"),
        }
    }
    session.logout().await.map_err(imap)?;
    Ok(polled)
}

/// Polls every configured mailbox every `every`, until the task is dropped.
pub fn spawn_poller(state: AppState, mailboxes: Vec<Mailbox>, every: Duration) -> Option<tokio::task::JoinHandle<()>> {
    if mailboxes.is_empty() {
        return None;
    }
    Some(tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            for mailbox in &mailboxes {
                if let Err(e) = poll(&state, mailbox).await {
                    tracing::warn!(mailbox = %mailbox.name(), error = %e, "polling the mailbox failed");
                }
            }
        }
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mailboxes_parse_from_urls_and_hide_passwords() {
        let all = Mailbox::parse_all(
            "imaps://help%40example.com:p%3Ass@mail.example.com/INBOX, imap://it:pw@127.0.0.1:2143/",
        )
        .unwrap_or_default();
        assert_eq!(all.len(), 2);
        assert_eq!(
            (all[0].user.as_str(), all[0].password.as_str(), all[0].port, all[0].tls),
            ("help@example.com", "p:ss", 993, true)
        );
        assert_eq!((all[1].folder.as_str(), all[1].port, all[1].tls), ("INBOX", 2143, false));
        assert!(!format!("{:?}", all[0]).contains("p:ss"));
        assert!(Mailbox::parse_all("pop3://x@y/INBOX").is_err());
        assert!(Mailbox::parse_all("imaps://mail.example.com/INBOX").is_err(), "a user is needed");
        assert_eq!(redacted("imaps://u:secret@h/INBOX"), "imaps://u:***@h/INBOX");
        assert!(Mailbox::parse_all("").is_ok_and(|m| m.is_empty()));
    }
}

//! What every handler shares.

use std::sync::Arc;

use concentric_core::time::{Millis, SystemTime, TimeSource};
use concentric_store::{Effects, Job, Store, DIGEST, MAIL, WEBHOOK};

use crate::config::Config;
use crate::mail::Mailer;
use crate::webhooks::WebhookSender;

/// What every handler shares, behind one `Arc`: axum clones the state for every request (with
/// the router's service), and one count is cheaper to move than one per field.
#[derive(Debug, Clone)]
pub struct AppState(Arc<Shared>);

#[derive(Debug, Clone)]
pub struct Shared {
    pub store: Store,
    pub config: Arc<Config>,
    /// Sends what the mail jobs queue; off unless `smtp_host` is set.
    pub mailer: Arc<Mailer>,
    /// POSTs what the webhook jobs queue.
    pub webhooks: WebhookSender,
    /// "Now" for background jobs; tests move it by hand.
    pub time: Arc<dyn TimeSource>,
    /// The single sign-on providers' metadata and keys, discovered once and shared.
    pub sso: crate::auth::sso::SsoClients,
}

impl std::ops::Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

impl AppState {
    pub fn new(store: Store, config: Config) -> Self {
        let mailer = Arc::new(Mailer::off(&config));
        let webhooks = WebhookSender::new(&config);
        Self(Arc::new(Shared {
            store,
            config: Arc::new(config),
            mailer,
            webhooks,
            time: Arc::new(SystemTime),
            sso: crate::auth::sso::SsoClients::new(),
        }))
    }

    pub fn with_mailer(mut self, mailer: Mailer) -> Self {
        Arc::make_mut(&mut self.0).mailer = Arc::new(mailer);
        self
    }

    pub fn with_time(mut self, time: Arc<dyn TimeSource>) -> Self {
        Arc::make_mut(&mut self.0).time = time;
        self
    }
}

/// The jobs whose work lies outside the database: mail through the mailer, webhooks through
/// the HTTP client.
impl Effects for AppState {
    async fn run(&self, store: &Store, job: &Job, now: Millis) -> Result<(), String> {
        match job.kind.as_str() {
            MAIL | DIGEST => self.mailer.run(store, job, now).await,
            WEBHOOK => self.webhooks.run(store, job, now).await,
            other => Err(format!("no effect runs {other} jobs")),
        }
    }
}

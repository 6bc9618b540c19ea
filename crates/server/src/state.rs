//! What every handler shares.

use std::sync::Arc;

use concentric_core::time::{SystemTime, TimeSource};
use concentric_store::Store;

use crate::config::Config;
use crate::mail::Mailer;

#[derive(Debug, Clone)]
pub struct AppState {
    pub store: Store,
    pub config: Arc<Config>,
    /// Sends what the mail jobs queue; off unless `smtp_host` is set.
    pub mailer: Arc<Mailer>,
    /// "Now" for background jobs; tests move it by hand.
    pub time: Arc<dyn TimeSource>,
}

impl AppState {
    pub fn new(store: Store, config: Config) -> Self {
        let mailer = Arc::new(Mailer::off(&config));
        Self { store, config: Arc::new(config), mailer, time: Arc::new(SystemTime) }
    }

    pub fn with_mailer(mut self, mailer: Mailer) -> Self {
        self.mailer = Arc::new(mailer);
        self
    }

    pub fn with_time(mut self, time: Arc<dyn TimeSource>) -> Self {
        self.time = time;
        self
    }
}

//! What every handler shares.

use std::sync::Arc;

use concentric_core::time::{SystemTime, TimeSource};
use concentric_store::Store;

use crate::config::Config;

#[derive(Debug, Clone)]
pub struct AppState {
    pub store: Store,
    pub config: Arc<Config>,
    /// "Now" for background jobs; tests move it by hand.
    pub time: Arc<dyn TimeSource>,
}

impl AppState {
    pub fn new(store: Store, config: Config) -> Self {
        Self { store, config: Arc::new(config), time: Arc::new(SystemTime) }
    }

    pub fn with_time(mut self, time: Arc<dyn TimeSource>) -> Self {
        self.time = time;
        self
    }
}

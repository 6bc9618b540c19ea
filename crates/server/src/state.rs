//! What every handler shares.

use std::sync::Arc;

use concentric_store::Store;

use crate::config::Config;

#[derive(Debug, Clone)]
pub struct AppState {
    pub store: Store,
    pub config: Arc<Config>,
}

impl AppState {
    pub fn new(store: Store, config: Config) -> Self {
        Self { store, config: Arc::new(config) }
    }
}

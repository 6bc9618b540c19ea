//! The background job runner inside `serve`: every few seconds it claims the jobs that are due
//! and runs them. Several nodes may run it against one PostgreSQL database; the store makes
//! sure each job is claimed by one node and each effect happens once.

use std::time::Duration;

use crate::state::AppState;

/// A name for this node in the job table's `locked_by`, to tell nodes apart when debugging.
pub fn node_name() -> String {
    let host = std::fs::read_to_string("/etc/hostname").map(|h| h.trim().to_owned()).unwrap_or_default();
    format!("{}:{}", if host.is_empty() { "node" } else { &host }, std::process::id())
}

/// Runs due jobs every `every` until the task is dropped.
pub fn spawn_runner(state: AppState, every: Duration) -> tokio::task::JoinHandle<()> {
    let node = node_name();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            match state.store.run_due_jobs(&node, state.time.now(), &state).await {
                Ok(0) => {}
                Ok(n) => {
                    metrics::counter!("concentric_jobs_run_total").increment(n as u64);
                    tracing::debug!(jobs = n, "ran due jobs");
                }
                Err(e) => tracing::warn!(error = %e, "job runner could not reach the database"),
            }
        }
    })
}

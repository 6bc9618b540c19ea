//! Throwaway databases for benchmarks and tests: a fresh SQLite file in a temporary folder, or a
//! fresh database next to a given PostgreSQL one. Dropped with [`Scratch::remove`].

use concentric_core::time::Millis;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::Result;

#[derive(Debug)]
pub enum Scratch {
    Sqlite { dir: std::path::PathBuf, url: String },
    Postgres { admin_url: String, name: String, url: String },
}

impl Scratch {
    /// A new empty database of the same kind as `like` (`sqlite:` or `postgres://`).
    pub async fn create(like: &str) -> Result<Self> {
        // Unique across processes (pid, time) and within one (a counter), as tests run in parallel.
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let tag = format!("concentric_scratch_{}_{}_{n}", std::process::id(), Millis::now().0);
        if like.starts_with("postgres") {
            admin(like, format!("CREATE DATABASE {tag}")).await?;
            let base = like.rsplit_once('/').map_or(like, |(b, _)| b);
            Ok(Self::Postgres { admin_url: like.to_owned(), url: format!("{base}/{tag}"), name: tag })
        } else {
            let dir = std::env::temp_dir().join(&tag);
            std::fs::create_dir_all(&dir).map_err(|e| crate::DbError::Engine(format!("{}: {e}", dir.display())))?;
            Ok(Self::Sqlite { url: format!("sqlite://{}", dir.join("bench.db").display()), dir })
        }
    }

    pub fn url(&self) -> &str {
        match self {
            Self::Sqlite { url, .. } | Self::Postgres { url, .. } => url,
        }
    }

    /// Deletes the database; the store using it must be closed first.
    pub async fn remove(self) -> Result<()> {
        match self {
            Self::Sqlite { dir, .. } => {
                let _ = std::fs::remove_dir_all(dir);
            }
            Self::Postgres { admin_url, name, .. } => {
                admin(&admin_url, format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).await?;
            }
        }
        Ok(())
    }
}

/// Runs one statement on a connection of its own, on a thread outside the async runtime (the
/// synchronous client may not run inside it).
async fn admin(url: &str, sql: String) -> Result<()> {
    let url = url.to_owned();
    let (done, finished) = tokio::sync::oneshot::channel();
    std::thread::spawn(move || {
        let ran = crate::db::connect_url(&url).and_then(|mut c| Ok(c.batch_execute(&sql)?));
        let _ = done.send(ran);
    });
    finished.await.map_err(|_| crate::DbError::Engine("the admin connection stopped".into()))??;
    Ok(())
}

/// Helpers for the store's own tests.
#[cfg(test)]
pub(crate) mod testing {
    use super::Scratch;
    use crate::{PoolOptions, Store};

    /// A migrated store on a new scratch database like `like`.
    pub(crate) async fn migrated(like: &str) -> (Scratch, Store) {
        let scratch = Scratch::create(like).await.expect("scratch database");
        let store = Store::connect(scratch.url(), PoolOptions::default()).await.expect("connect");
        store.migrate().await.expect("migrate");
        (scratch, store)
    }

    /// A migrated store like [`migrated`] holding the demo organisation, its catalog and
    /// `requests` generated requests (with their comments and search rows).
    pub(crate) async fn with_requests(like: &str, requests: usize) -> (Scratch, Store) {
        let (scratch, store) = migrated(like).await;
        let org = concentric_core::demo::organisation();
        store.load_demo(&org, &[]).await.expect("demo");
        store.load_demo_catalog(&concentric_core::demo::services(&org)).await.expect("catalog");
        store.generate_requests(requests, 1).await.expect("requests");
        (scratch, store)
    }

    /// The rows PostgreSQL's planner believes `table` holds; -1 if it was never analysed.
    pub(crate) async fn planner_rows(store: &Store, table: &'static str) -> i64 {
        store
            .db
            .read(move |mut tx| {
                Ok(tx.exec().scalar::<i64>(
                    "SELECT CAST(reltuples AS BIGINT) FROM pg_class WHERE relname = $1",
                    crate::db::args![table],
                )?)
            })
            .await
            .expect("statistics")
    }

    /// Runs `test` on the PostgreSQL that `CONCENTRIC_TEST_POSTGRES_URL` names, if one is set.
    pub(crate) async fn on_postgres<F: std::future::Future<Output = ()>>(test: impl FnOnce(String) -> F) {
        match std::env::var("CONCENTRIC_TEST_POSTGRES_URL") {
            Ok(url) => test(url).await,
            Err(_) => eprintln!("CONCENTRIC_TEST_POSTGRES_URL is not set: PostgreSQL case skipped"),
        }
    }
}

//! `concentric`: the one binary that serves, migrates, loads the demo, imports and manages users.
#![forbid(unsafe_code)]

mod bench;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::io::IsTerminal;
use std::path::PathBuf;

use anyhow::{bail, Context};
use clap::{Parser, Subcommand};
use concentric_core::authz::Actor;
use concentric_core::import::ImportKind;
use concentric_core::mail::{Letter, Mailbox as MailTo, Outgoing};
use concentric_core::person::{check_password, NewPerson};
use concentric_server::auth::secrets::{digest, hash_password, new_api_token, random_secret};
use concentric_server::config::{ConfigLayer, LogFormat};
use concentric_server::mail::Mailer;
use concentric_server::{AppState, Config};
use concentric_store::{redact_url, PoolOptions, Store, StoreError};

/// Concentric: internal service management for teams that serve each other.
///
/// Settings come from built-in defaults, then --config FILE, then CONCENTRIC_* environment
/// variables, then flags. `concentric config default` prints every setting with its default.
#[derive(Debug, Parser)]
#[command(name = "concentric", version, propagate_version = true, max_term_width = 100)]
struct Cli {
    /// TOML configuration file.
    #[arg(long, global = true, env = "CONCENTRIC_CONFIG", value_name = "FILE")]
    config: Option<PathBuf>,
    #[command(flatten)]
    settings: ConfigLayer,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the web UI and API (migrates the database first).
    Serve {
        /// Load the demo organisation if it is not loaded yet.
        #[arg(long)]
        demo: bool,
    },
    /// Apply database migrations and exit.
    Migrate,
    /// Load the demo organisation (once; later runs change nothing).
    Demo,
    /// Import people, teams or time off from a CSV file (see README for the columns).
    Import {
        /// The CSV file.
        file: PathBuf,
        /// What the file holds; detected from the header when omitted.
        #[arg(long, value_enum)]
        kind: Option<Kind>,
        /// Mail each person the file creates an invitation to set a password (needs smtp_*).
        #[arg(long)]
        invite: bool,
    },
    /// Manage sign-in accounts.
    #[command(subcommand)]
    User(UserCommand),
    /// Manage personal API tokens.
    #[command(subcommand)]
    Token(TokenCommand),
    /// Write a backup of the whole organisation to a new SQLite file, while serving: SQLite's
    /// `VACUUM INTO`, or a logical copy of one snapshot from PostgreSQL.
    Backup {
        /// The backup file to create (never overwritten).
        file: PathBuf,
    },
    /// Restore a backup file into the configured database (migrated first).
    Restore {
        file: PathBuf,
        /// Replace an organisation already in the database.
        #[arg(long)]
        force: bool,
    },
    /// Copy the whole organisation from the configured database to another (SQLite to
    /// PostgreSQL, say), verified by a count and a checksum per table.
    Copy {
        /// The receiving database, e.g. postgres://user:pass@host/db (migrated first).
        #[arg(long)]
        to: String,
        /// Replace an organisation already there.
        #[arg(long)]
        force: bool,
    },
    /// Outgoing mail.
    #[command(subcommand)]
    Mail(MailCommand),
    /// Show configuration.
    #[command(subcommand)]
    Config(ConfigCommand),
    /// Measure speed; figures go into docs/performance.md (build with --release).
    #[command(subcommand)]
    Bench(BenchCommand),
}

#[derive(Debug, Subcommand)]
enum MailCommand {
    /// Send a test mail now with the smtp_* settings, and say what the SMTP server answered.
    Test {
        /// Where to send it.
        #[arg(long)]
        to: String,
    },
    /// Read one message from standard input and file it (a new request, or a reply on the request
    /// it answers), for an MTA pipe such as Postfix's `| concentric mail receive`. Exits 75 (try
    /// again later) when the database cannot take it, so the MTA keeps the message.
    Receive {
        /// A name for where the message came from, shown on the admin page.
        #[arg(long, default_value = "stdin")]
        mailbox: String,
    },
}

#[derive(Debug, Subcommand)]
enum BenchCommand {
    /// Requests through the HTTP API on a fresh database of the same kind as --database-url
    /// (SQLite by default): creation, reads, the team queue and full-text search.
    Requests {
        /// Requests to generate before measuring (up to 1,000,000).
        #[arg(long, default_value_t = 100_000)]
        requests: usize,
        /// Concurrent connections for request creation.
        #[arg(long, default_value_t = 16)]
        connections: usize,
        /// Concurrent connections for the latency measurements (read, queue, search).
        #[arg(long, default_value_t = 2)]
        read_connections: usize,
        /// Seconds per measurement.
        #[arg(long, default_value_t = 10)]
        seconds: u64,
        /// Keep the generated database afterwards (its URL is printed), to study query plans.
        #[arg(long)]
        keep_database: bool,
    },
    /// Business-time clock evaluations per second, single-threaded, for typical calendars.
    Clock {
        /// Evaluations per calendar.
        #[arg(long, default_value_t = 200_000)]
        evaluations: usize,
    },
    /// A team's forecast (and a "what's the cost?" of one more request at each priority) for a
    /// queue of open items, in memory: the time a page view spends on it.
    Forecast {
        /// Open items in the team's queue.
        #[arg(long, default_value_t = 5_000)]
        items: usize,
        /// People in the team.
        #[arg(long, default_value_t = 12)]
        people: usize,
    },
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum Kind {
    People,
    Teams,
    TimeOff,
}

#[derive(Debug, Subcommand)]
enum UserCommand {
    /// Create a person who can sign in (or give an existing person a password).
    Create {
        #[arg(long)]
        email: String,
        /// Full name; required for a new person.
        #[arg(long)]
        name: Option<String>,
        /// Make the person an admin.
        #[arg(long)]
        admin: bool,
        /// IANA time zone of a new person.
        #[arg(long, default_value = "UTC")]
        time_zone: String,
        /// Read the password from this environment variable instead of generating one.
        #[arg(long, value_name = "VAR")]
        password_env: Option<String>,
    },
    /// Set a new password for a person (generated and printed unless --password-env is given).
    SetPassword {
        #[arg(long)]
        email: String,
        #[arg(long, value_name = "VAR")]
        password_env: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
enum TokenCommand {
    /// Create an API token for a person and print its secret (shown this once), for scripts
    /// and automation that cannot sign in to the web UI.
    Create {
        #[arg(long)]
        email: String,
        /// What the token is for, e.g. "reporting script".
        #[arg(long)]
        name: String,
    },
}

#[derive(Debug, Subcommand)]
enum ConfigCommand {
    /// Print a commented example configuration file with every key at its default.
    Default,
    /// Print the settings in force (the database password hidden).
    Show,
}

fn init_logging(config: &Config) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(&config.log_level));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    match config.log_format {
        LogFormat::Json => builder.json().flatten_event(true).init(),
        LogFormat::Text => builder.with_ansi(std::io::stderr().is_terminal()).init(),
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let config = Config::load(cli.config.as_deref(), cli.settings)?;
    match cli.command {
        Command::Config(ConfigCommand::Default) => {
            print!("{}", Config::example_toml());
            return Ok(());
        }
        Command::Config(ConfigCommand::Show) => {
            println!("{config:#?}");
            return Ok(());
        }
        Command::Bench(BenchCommand::Clock { evaluations }) => return bench::clock(evaluations),
        Command::Bench(BenchCommand::Forecast { items, people }) => return bench::forecast(items, people),
        Command::Mail(MailCommand::Test { to }) => return mail_test(&config, &to).await,
        Command::Bench(BenchCommand::Requests { requests, connections, read_connections, seconds, keep_database }) => {
            // A scratch database is made next to the configured one; the configured one is untouched.
            let opts = bench::RequestBench {
                database_like: config.database_url.clone(),
                requests,
                connections,
                read_connections,
                seconds,
                keep_database,
                synchronous: config.database_synchronous.into(),
            };
            return bench::requests(opts).await;
        }
        _ => {}
    }
    init_logging(&config);
    let store = open_store(&config).await?;
    let result = run(cli.command, &store, config).await;
    store.close().await;
    result
}

/// Sends one test mail directly (not through the queue), so a wrong setting shows at once.
async fn mail_test(config: &Config, to: &str) -> anyhow::Result<()> {
    let mailer = Mailer::from_config(config)?;
    if !mailer.is_configured() {
        bail!("mail is not configured: set smtp_host and smtp_from (see `concentric config default`)");
    }
    let out = Outgoing { to: MailTo { name: to.to_owned(), email: to.to_owned() }, letter: Letter::Test };
    let sent = mailer.send(&out, concentric_core::time::Millis::now().0).await?;
    println!("sent \"{}\" to {to} through {}:{}", sent.subject, config.smtp_host, config.smtp_port);
    Ok(())
}

async fn open_store(config: &Config) -> anyhow::Result<Store> {
    if config.database_url.starts_with("sqlite:") {
        std::fs::create_dir_all(&config.data_dir)
            .with_context(|| format!("cannot create the data folder {}", config.data_dir.display()))?;
    }
    let opts = PoolOptions {
        max_connections: config.database_max_connections,
        synchronous: config.database_synchronous.into(),
        ..PoolOptions::default()
    };
    let store = Store::connect(&config.database_url, opts)
        .await
        .with_context(|| format!("cannot open the database {}", redact_url(&config.database_url)))?;
    store.migrate().await.context("cannot migrate the database")?;
    Ok(store)
}

async fn run(command: Command, store: &Store, config: Config) -> anyhow::Result<()> {
    match command {
        Command::Serve { demo } => {
            if demo {
                concentric_server::demo::load(store, config.reopen_window_ms()).await?;
            }
            if !store.admin_exists().await? {
                tracing::info!(
                    "no admin yet: open {}/setup to create one, or run `concentric user create --admin`",
                    config.public_url
                );
            }
            let mailer = Mailer::from_config(&config)?;
            concentric_server::serve(AppState::new(store.clone(), config).with_mailer(mailer)).await
        }
        Command::Migrate => {
            tracing::info!(database = %redact_url(&config.database_url), "migrations applied");
            Ok(())
        }
        Command::Demo => concentric_server::demo::load(store, config.reopen_window_ms()).await,
        Command::Import { file, kind, invite } => {
            let state = AppState::new(store.clone(), config.clone()).with_mailer(Mailer::from_config(&config)?);
            import(&state, &file, kind, invite).await
        }
        Command::User(cmd) => user(store, cmd).await,
        Command::Backup { file } => {
            let reports = store.backup_to(&file).await?;
            print_reports(&reports);
            println!("backup written to {}", file.display());
            Ok(())
        }
        Command::Restore { file, force } => {
            let reports = store.restore_from(&file, force).await?;
            print_reports(&reports);
            println!("restored {} into {}", file.display(), redact_url(&config.database_url));
            Ok(())
        }
        Command::Copy { to, force } => {
            let target = Store::connect(&to, PoolOptions::default()).await?;
            target.migrate().await?;
            let result = store.copy_into(&target, force).await;
            target.close().await;
            print_reports(&result?);
            println!("copied to {}; every table matched by count and checksum", redact_url(&to));
            Ok(())
        }
        Command::Token(TokenCommand::Create { email, name }) => {
            let person = store.person_by_email(&email).await?;
            let actor = store.actor_for(person.id).await?;
            let (secret, prefix) = new_api_token();
            store.create_token(&actor, &name, &digest(&secret), &prefix).await?;
            println!("{secret}");
            Ok(())
        }
        Command::Mail(MailCommand::Receive { mailbox }) => {
            let mut raw = Vec::new();
            std::io::Read::read_to_end(&mut std::io::stdin(), &mut raw).context("cannot read the message")?;
            let mailer = Mailer::from_config(&config)?;
            let state = AppState::new(store.clone(), config).with_mailer(mailer);
            match concentric_server::inbound::receive(&state, &mailbox, &raw).await {
                Ok(r) => {
                    println!("{}: {}", r.outcome, r.detail);
                    Ok(())
                }
                Err(e) => {
                    eprintln!("the message could not be stored, try again later: {e}");
                    store.close().await;
                    std::process::exit(75);
                }
            }
        }
        Command::Config(_) | Command::Bench(_) | Command::Mail(MailCommand::Test { .. }) => Ok(()),
    }
}

/// Rows per table, as carried and checked.
fn print_reports(reports: &[concentric_store::TableReport]) {
    for r in reports.iter().filter(|r| r.rows > 0) {
        println!("{:<24} {:>9} rows  {}", r.table, r.rows, r.checksum);
    }
}

async fn import(state: &AppState, file: &std::path::Path, kind: Option<Kind>, invite: bool) -> anyhow::Result<()> {
    let data = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    let kind = match kind {
        Some(Kind::People) => ImportKind::People,
        Some(Kind::Teams) => ImportKind::Teams,
        Some(Kind::TimeOff) => ImportKind::TimeOff,
        None => ImportKind::detect(&data).map_err(|e| anyhow::anyhow!("line {}: {}", e.line, e.message))?,
    };
    match concentric_server::import::run(state, &Actor::system(), kind, &data, invite).await {
        Ok(report) => {
            println!(
                "{:?}: {} created, {} updated, {} unchanged, {} invited",
                kind, report.created, report.updated, report.unchanged, report.invited
            );
            Ok(())
        }
        Err(StoreError::Import(rows)) => {
            for r in &rows {
                eprintln!("{}:{}: {}", file.display(), r.line, r.message);
            }
            bail!(
                "{} in {}; nothing was imported",
                concentric_core::text::count(rows.len(), "problem", "problems"),
                file.display()
            )
        }
        Err(e) => Err(e.into()),
    }
}

/// A password from the named environment variable, or a generated one to print.
fn password_from(var: Option<&str>) -> anyhow::Result<(String, bool)> {
    match var {
        Some(var) => {
            let pw = std::env::var(var).with_context(|| format!("the environment variable {var} is not set"))?;
            check_password(&pw)?;
            Ok((pw, false))
        }
        None => Ok((random_secret().chars().take(20).collect(), true)),
    }
}

async fn user(store: &Store, cmd: UserCommand) -> anyhow::Result<()> {
    let system = Actor::system();
    let (email, var, new) = match cmd {
        UserCommand::Create { email, name, admin, time_zone, password_env } => {
            (email, password_env, Some((name, admin, time_zone)))
        }
        UserCommand::SetPassword { email, password_env } => (email, password_env, None),
    };
    let person = match (store.person_by_email(&email).await, new) {
        (Ok(p), Some((_, admin, _))) => {
            if admin && !p.is_admin {
                let patch = concentric_core::person::PersonPatch { is_admin: Some(true), ..Default::default() };
                store.update_person(&system, p.id, patch).await?
            } else {
                p
            }
        }
        (Err(StoreError::NotFound(_)), Some((name, admin, time_zone))) => {
            let Some(name) = name else { bail!("{email} is not in the directory yet: give --name to create them") };
            let new = NewPerson {
                email: email.clone(),
                name,
                title: String::new(),
                manager_email: None,
                time_zone,
                weekly_capacity_hours: concentric_core::person::DEFAULT_CAPACITY_HOURS,
                is_admin: admin,
            };
            store.create_person(&system, new).await?
        }
        (Ok(p), None) => p,
        (Err(e), _) => return Err(e.into()),
    };
    let (password, generated) = password_from(var.as_deref())?;
    store.set_password_hash(&system, person.id, &hash_password(password.clone()).await?, None).await?;
    let role = if person.is_admin { "admin" } else { "person" };
    if generated {
        println!("{role} {} can sign in with the password: {password}", person.email);
    } else {
        println!("{role} {} can sign in with the given password", person.email);
    }
    Ok(())
}

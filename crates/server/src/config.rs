//! Configuration, layered: built-in defaults, then a TOML file, then `CONCENTRIC_*` environment
//! variables, then command-line flags. Every key is declared once, in [`ConfigLayer`]; its doc
//! comment is the flag's help, the env var's description and the example file's comment.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// One layer of settings; unset keys fall through to the layer below.
#[derive(Debug, Clone, Default, Deserialize, clap::Args)]
#[serde(deny_unknown_fields)]
#[command(next_help_heading = "Settings")]
pub struct ConfigLayer {
    /// Address and port the web UI and API listen on.
    #[arg(long, global = true, env = "CONCENTRIC_LISTEN", value_name = "ADDR")]
    pub listen: Option<SocketAddr>,
    /// Folder for the embedded database and other local state; created when missing.
    #[arg(long, global = true, env = "CONCENTRIC_DATA_DIR", value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// Database to use: sqlite://PATH or postgres://USER:PASSWORD@HOST/DB. Defaults to a SQLite file in data_dir.
    #[arg(long, global = true, env = "CONCENTRIC_DATABASE_URL", value_name = "URL")]
    pub database_url: Option<String>,
    /// Most connections each node keeps to the database.
    #[arg(long, global = true, env = "CONCENTRIC_DATABASE_MAX_CONNECTIONS", value_name = "N")]
    pub database_max_connections: Option<u32>,
    /// What an acknowledged write survives on SQLite: full (a power cut too; one fsync per group
    /// commit) or normal (the process being killed, not a power cut). PostgreSQL follows its own
    /// synchronous_commit.
    #[arg(long, global = true, env = "CONCENTRIC_DATABASE_SYNCHRONOUS", value_name = "LEVEL")]
    pub database_synchronous: Option<Synchronous>,
    /// URL people use to reach Concentric; an https:// URL makes cookies Secure.
    #[arg(long, global = true, env = "CONCENTRIC_PUBLIC_URL", value_name = "URL")]
    pub public_url: Option<String>,
    /// Log format: text (for people) or json (for log collectors).
    #[arg(long, global = true, env = "CONCENTRIC_LOG_FORMAT", value_name = "FORMAT")]
    pub log_format: Option<LogFormat>,
    /// Log filter, e.g. info or concentric_server=debug,info. RUST_LOG wins when set.
    #[arg(long, global = true, env = "CONCENTRIC_LOG_LEVEL", value_name = "FILTER")]
    pub log_level: Option<String>,
    /// Address for Prometheus /metrics, kept off the public listener; "off" disables it.
    #[arg(long, global = true, env = "CONCENTRIC_METRICS_LISTEN", value_name = "ADDR|off")]
    pub metrics_listen: Option<String>,
    /// Hours a web session lasts without use.
    #[arg(long, global = true, env = "CONCENTRIC_SESSION_HOURS", value_name = "HOURS")]
    pub session_hours: Option<u32>,
    /// Days the audit log (sign-ins, exports, administrative changes) is kept; 0 keeps it forever.
    #[arg(long, global = true, env = "CONCENTRIC_AUDIT_RETENTION_DAYS", value_name = "DAYS")]
    pub audit_retention_days: Option<u32>,
    /// Failed sign-ins on an account within login_window_minutes before each further attempt from
    /// a browser the account does not know waits (1 s, doubling to 30 s); also the failures that
    /// pause one known browser.
    #[arg(long, global = true, env = "CONCENTRIC_LOGIN_MAX_FAILURES_PER_ACCOUNT", value_name = "N")]
    pub login_max_failures_per_account: Option<u32>,
    /// Failed sign-ins from one client address, on any accounts, within login_window_minutes before
    /// that address is paused.
    #[arg(long, global = true, env = "CONCENTRIC_LOGIN_MAX_FAILURES_PER_IP", value_name = "N")]
    pub login_max_failures_per_ip: Option<u32>,
    /// Window over which failed sign-ins are counted, in minutes.
    #[arg(long, global = true, env = "CONCENTRIC_LOGIN_WINDOW_MINUTES", value_name = "MINUTES")]
    pub login_window_minutes: Option<u32>,
    /// Trust the X-Forwarded-For header for the client address (only behind your own proxy).
    #[arg(long, global = true, env = "CONCENTRIC_TRUST_FORWARDED_FOR", value_name = "BOOL")]
    pub trust_forwarded_for: Option<bool>,
    /// Largest upload accepted (CSV imports, later attachments), in megabytes.
    #[arg(long, global = true, env = "CONCENTRIC_MAX_UPLOAD_MB", value_name = "MB")]
    pub max_upload_mb: Option<u32>,
    /// Days after resolution during which a requester's reply reopens a request.
    #[arg(long, global = true, env = "CONCENTRIC_REOPEN_DAYS", value_name = "DAYS")]
    pub reopen_days: Option<u32>,
    /// Seconds between looks for due background jobs (target checks, reminders).
    #[arg(long, global = true, env = "CONCENTRIC_JOB_POLL_SECONDS", value_name = "SECONDS")]
    pub job_poll_seconds: Option<u32>,
    /// SMTP server for outgoing mail; empty keeps every notice in the app (mail off).
    #[arg(long, global = true, env = "CONCENTRIC_SMTP_HOST", value_name = "HOST")]
    pub smtp_host: Option<String>,
    /// SMTP port: 587 for STARTTLS, 465 for TLS, 25 inside a trusted network.
    #[arg(long, global = true, env = "CONCENTRIC_SMTP_PORT", value_name = "PORT")]
    pub smtp_port: Option<u16>,
    /// How the SMTP connection is secured: starttls, tls, or none (only on a trusted network).
    #[arg(long, global = true, env = "CONCENTRIC_SMTP_SECURITY", value_name = "MODE")]
    pub smtp_security: Option<SmtpSecurity>,
    /// SMTP user name; empty sends without authentication.
    #[arg(long, global = true, env = "CONCENTRIC_SMTP_USERNAME", value_name = "USER")]
    pub smtp_username: Option<String>,
    /// SMTP password.
    #[arg(long, global = true, env = "CONCENTRIC_SMTP_PASSWORD", value_name = "PASSWORD")]
    pub smtp_password: Option<String>,
    /// Sender of outgoing mail, e.g. "Concentric <concentric@example.com>".
    #[arg(long, global = true, env = "CONCENTRIC_SMTP_FROM", value_name = "ADDRESS")]
    pub smtp_from: Option<String>,
    /// Address replies to request mail go to, e.g. help@example.com; each request's mail replies to
    /// help+IT-42@example.com so the answer finds its request. Empty: replies go to smtp_from.
    #[arg(long, global = true, env = "CONCENTRIC_MAIL_REPLY_TO", value_name = "ADDRESS")]
    pub mail_reply_to: Option<String>,
    /// Mailboxes to fetch requests from, comma-separated: imaps://USER:PASSWORD@HOST[:993]/FOLDER
    /// (TLS) or imap://... (plain, only on a trusted network). Percent-encode @ and : in the
    /// user and password. Empty: no polling (`concentric mail receive` still works).
    #[arg(long, global = true, env = "CONCENTRIC_IMAP_MAILBOXES", value_name = "URLS")]
    pub imap_mailboxes: Option<String>,
    /// Seconds between looks into the IMAP mailboxes.
    #[arg(long, global = true, env = "CONCENTRIC_IMAP_POLL_SECONDS", value_name = "SECONDS")]
    pub imap_poll_seconds: Option<u32>,
    /// Let webhooks POST to this machine (loopback addresses). Off by default: a team lead's
    /// webhook must not reach services listening only on localhost. Link-local addresses
    /// (cloud metadata) are always refused.
    #[arg(long, global = true, env = "CONCENTRIC_WEBHOOK_ALLOW_LOOPBACK", value_name = "BOOL")]
    pub webhook_allow_loopback: Option<bool>,
}

/// How the SMTP connection is secured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum SmtpSecurity {
    Starttls,
    Tls,
    None,
}

/// SQLite's `synchronous` setting, as the store's [`concentric_store::Synchronous`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Synchronous {
    Full,
    Normal,
}

impl From<Synchronous> for concentric_store::Synchronous {
    fn from(s: Synchronous) -> Self {
        match s {
            Synchronous::Full => Self::Full,
            Synchronous::Normal => Self::Normal,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Text,
    Json,
}

/// The settings in force, every key resolved.
#[derive(Clone, Serialize)]
pub struct Config {
    pub listen: SocketAddr,
    pub data_dir: PathBuf,
    pub database_url: String,
    pub database_max_connections: u32,
    pub database_synchronous: Synchronous,
    pub public_url: String,
    pub log_format: LogFormat,
    pub log_level: String,
    pub metrics_listen: String,
    pub session_hours: u32,
    pub audit_retention_days: u32,
    pub login_max_failures_per_account: u32,
    pub login_max_failures_per_ip: u32,
    pub login_window_minutes: u32,
    pub trust_forwarded_for: bool,
    pub max_upload_mb: u32,
    pub reopen_days: u32,
    pub job_poll_seconds: u32,
    pub smtp_host: String,
    pub smtp_port: u16,
    pub smtp_security: SmtpSecurity,
    pub smtp_username: String,
    pub smtp_password: String,
    pub smtp_from: String,
    pub mail_reply_to: String,
    pub imap_mailboxes: String,
    pub imap_poll_seconds: u32,
    pub webhook_allow_loopback: bool,
}

impl Default for Config {
    fn default() -> Self {
        let listen = SocketAddr::from(([127, 0, 0, 1], 8080));
        Self {
            listen,
            data_dir: PathBuf::from("./concentric-data"),
            database_url: String::new(),
            database_max_connections: 10,
            database_synchronous: Synchronous::Full,
            public_url: format!("http://{listen}"),
            log_format: LogFormat::Text,
            log_level: "info".into(),
            metrics_listen: "127.0.0.1:9464".into(),
            session_hours: 12,
            audit_retention_days: 400,
            login_max_failures_per_account: 5,
            login_max_failures_per_ip: 50,
            login_window_minutes: 15,
            trust_forwarded_for: false,
            max_upload_mb: 20,
            reopen_days: 7,
            job_poll_seconds: 5,
            smtp_host: String::new(),
            smtp_port: 587,
            smtp_security: SmtpSecurity::Starttls,
            smtp_username: String::new(),
            smtp_password: String::new(),
            smtp_from: String::new(),
            mail_reply_to: String::new(),
            imap_mailboxes: String::new(),
            imap_poll_seconds: 60,
            webhook_allow_loopback: false,
        }
    }
}

impl std::fmt::Debug for Config {
    /// Like the derived form, with the database password hidden.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("listen", &self.listen)
            .field("data_dir", &self.data_dir)
            .field("database_url", &concentric_store::redact_url(&self.database_url))
            .field("database_max_connections", &self.database_max_connections)
            .field("database_synchronous", &self.database_synchronous)
            .field("public_url", &self.public_url)
            .field("log_format", &self.log_format)
            .field("log_level", &self.log_level)
            .field("metrics_listen", &self.metrics_listen)
            .field("session_hours", &self.session_hours)
            .field("audit_retention_days", &self.audit_retention_days)
            .field("login_max_failures_per_account", &self.login_max_failures_per_account)
            .field("login_max_failures_per_ip", &self.login_max_failures_per_ip)
            .field("login_window_minutes", &self.login_window_minutes)
            .field("trust_forwarded_for", &self.trust_forwarded_for)
            .field("max_upload_mb", &self.max_upload_mb)
            .field("reopen_days", &self.reopen_days)
            .field("job_poll_seconds", &self.job_poll_seconds)
            .field("smtp_host", &self.smtp_host)
            .field("smtp_port", &self.smtp_port)
            .field("smtp_security", &self.smtp_security)
            .field("smtp_username", &self.smtp_username)
            .field("smtp_password", &if self.smtp_password.is_empty() { "" } else { "***" })
            .field("smtp_from", &self.smtp_from)
            .field("mail_reply_to", &self.mail_reply_to)
            .field("imap_mailboxes", &crate::imap::redacted(&self.imap_mailboxes))
            .field("imap_poll_seconds", &self.imap_poll_seconds)
            .field("webhook_allow_loopback", &self.webhook_allow_loopback)
            .finish()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read the config file {path}: {source}")]
    Read { path: PathBuf, source: std::io::Error },
    #[error("the config file {path} is not valid: {source}")]
    Parse { path: PathBuf, source: Box<toml::de::Error> },
    #[error("{0}")]
    Invalid(String),
}

impl Config {
    /// Resolves defaults → file → env and flags (clap has already put flags over env).
    pub fn load(file: Option<&Path>, cli: ConfigLayer) -> Result<Self, ConfigError> {
        let file_layer = match file {
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .map_err(|source| ConfigError::Read { path: path.to_owned(), source })?;
                toml::from_str(&text)
                    .map_err(|source| ConfigError::Parse { path: path.to_owned(), source: Box::new(source) })?
            }
            None => ConfigLayer::default(),
        };
        Self::default().apply(file_layer).apply(cli).finish()
    }

    fn apply(mut self, layer: ConfigLayer) -> Self {
        // One list of keys: destructured without `..`, so a key missing here fails to compile,
        // and each listed key overrides when set.
        macro_rules! apply_keys {
            ($($key:ident),* $(,)?) => {
                let ConfigLayer { $($key),* } = layer;
                $( if let Some(v) = $key { self.$key = v; } )*
            };
        }
        apply_keys!(
            listen,
            data_dir,
            database_url,
            database_max_connections,
            database_synchronous,
            public_url,
            log_format,
            log_level,
            metrics_listen,
            session_hours,
            audit_retention_days,
            login_max_failures_per_account,
            login_max_failures_per_ip,
            login_window_minutes,
            trust_forwarded_for,
            max_upload_mb,
            reopen_days,
            job_poll_seconds,
            smtp_host,
            smtp_port,
            smtp_security,
            smtp_username,
            smtp_password,
            smtp_from,
            mail_reply_to,
            imap_mailboxes,
            imap_poll_seconds,
            webhook_allow_loopback
        );
        self
    }

    /// Fills computed defaults and checks values that types alone cannot.
    fn finish(mut self) -> Result<Self, ConfigError> {
        if self.database_url.is_empty() {
            self.database_url = format!("sqlite://{}", self.data_dir.join("concentric.db").display());
        }
        if self.public_url == Self::default().public_url {
            self.public_url = format!("http://{}", self.listen);
        }
        self.public_url = self.public_url.trim_end_matches('/').to_owned();
        if !(self.public_url.starts_with("http://") || self.public_url.starts_with("https://")) {
            return Err(ConfigError::Invalid(format!(
                "public_url must start with http:// or https://, not `{}`",
                self.public_url
            )));
        }
        if self.metrics_listen != "off" && self.metrics_listen.parse::<SocketAddr>().is_err() {
            return Err(ConfigError::Invalid(format!(
                "metrics_listen must be ADDR:PORT or off, not `{}`",
                self.metrics_listen
            )));
        }
        if self.session_hours == 0
            || self.login_window_minutes == 0
            || self.max_upload_mb == 0
            || self.job_poll_seconds == 0
        {
            return Err(ConfigError::Invalid(
                "session_hours, login_window_minutes, max_upload_mb and job_poll_seconds must be above 0".into(),
            ));
        }
        if let Err(e) = crate::imap::Mailbox::parse_all(&self.imap_mailboxes) {
            return Err(ConfigError::Invalid(e));
        }
        if self.imap_poll_seconds == 0 {
            return Err(ConfigError::Invalid("imap_poll_seconds must be above 0".into()));
        }
        if !self.smtp_host.is_empty() && self.smtp_from.is_empty() {
            return Err(ConfigError::Invalid(
                "smtp_from is needed when smtp_host is set: the address outgoing mail comes from".into(),
            ));
        }
        Ok(self)
    }

    /// Whether outgoing mail is configured.
    pub fn mail_enabled(&self) -> bool {
        !self.smtp_host.is_empty()
    }

    /// Cookies get the Secure flag when Concentric is reached over https.
    pub fn secure_cookies(&self) -> bool {
        self.public_url.starts_with("https://")
    }

    /// The reopen window in milliseconds.
    pub fn reopen_window_ms(&self) -> i64 {
        i64::from(self.reopen_days) * 86_400_000
    }

    pub fn metrics_addr(&self) -> Option<SocketAddr> {
        self.metrics_listen.parse().ok()
    }

    /// A commented example file with every key at its default, for `concentric config default`.
    pub fn example_toml() -> String {
        use clap::CommandFactory;
        #[derive(clap::Parser)]
        struct Keys {
            #[command(flatten)]
            layer: ConfigLayer,
        }
        let computed = Self::default().finish().unwrap_or_default();
        let defaults = toml::Table::try_from(computed).unwrap_or_default();
        let mut out = String::from(
            "# Concentric configuration. Every key is optional; shown here at its default.\n\
             # Precedence: defaults < this file < CONCENTRIC_* environment variables < command-line flags.\n",
        );
        for arg in Keys::command().get_arguments() {
            let key = arg.get_id().as_str();
            let help = arg.get_help().map(ToString::to_string).unwrap_or_default();
            let env = arg.get_env().map(|e| e.to_string_lossy().into_owned()).unwrap_or_default();
            out.push_str(&format!("\n# {help}\n# Environment: {env}\n"));
            match defaults.get(key) {
                Some(value) => out.push_str(&format!("# {key} = {value}\n")),
                None => out.push_str(&format!("# {key} =\n")),
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layers_apply_in_order() {
        let dir = std::env::temp_dir().join(format!("concentric-config-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("c.toml");
        std::fs::write(&file, "listen = \"0.0.0.0:9000\"\nsession_hours = 4\n").unwrap();
        let cli = ConfigLayer { session_hours: Some(2), ..Default::default() };
        let c = Config::load(Some(&file), cli).unwrap();
        assert_eq!(c.listen.port(), 9000, "file over default");
        assert_eq!(c.session_hours, 2, "flag over file");
        assert_eq!(c.database_url, "sqlite://./concentric-data/concentric.db");
        assert_eq!(c.public_url, "http://0.0.0.0:9000");
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn unknown_keys_and_bad_values_are_refused() {
        let dir = std::env::temp_dir().join(format!("concentric-config-bad-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("c.toml");
        std::fs::write(&file, "lissen = \"0.0.0.0:9000\"\n").unwrap();
        assert!(matches!(Config::load(Some(&file), ConfigLayer::default()), Err(ConfigError::Parse { .. })));
        let bad = ConfigLayer { metrics_listen: Some("everywhere".into()), ..Default::default() };
        assert!(matches!(Config::load(None, bad), Err(ConfigError::Invalid(_))));
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn every_key_applies() {
        let cli = ConfigLayer { reopen_days: Some(3), max_upload_mb: Some(5), ..Default::default() };
        let c = Config::load(None, cli).unwrap();
        assert_eq!((c.reopen_days, c.max_upload_mb), (3, 5));
    }

    #[test]
    fn debug_hides_the_database_password() {
        let cli = ConfigLayer { database_url: Some("postgres://app:hunter22@db/c".into()), ..Default::default() };
        let shown = format!("{:?}", Config::load(None, cli).unwrap());
        assert!(!shown.contains("hunter22"), "{shown}");
    }

    #[test]
    fn example_lists_every_key_with_its_env_var() {
        let example = Config::example_toml();
        assert!(example.contains("# listen = \"127.0.0.1:8080\""), "{example}");
        assert!(example.contains("CONCENTRIC_DATABASE_URL"));
        assert!(example.contains("# session_hours = 12"));
    }
}

//! Configuration, layered: built-in defaults, then a TOML file, then `CONCENTRIC_*` environment
//! variables, then command-line flags. Every key is declared once, in [`ConfigLayer`]; its doc
//! comment is the flag's help, the env var's description and the example file's comment.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use std::collections::BTreeMap;

use concentric_core::identity::{GroupMap, PasswordPolicy, UnknownPeople};
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
    /// Who signs in with a password: everyone, or break_glass (only the admins listed in
    /// break_glass_admins; everybody else through single sign-on).
    #[arg(long, global = true, env = "CONCENTRIC_PASSWORD_SIGN_IN", value_name = "WHO")]
    pub password_sign_in: Option<PasswordSignIn>,
    /// Admins who keep their password when password_sign_in is break_glass, comma-separated emails:
    /// the way in when the identity provider is down.
    #[arg(long, global = true, env = "CONCENTRIC_BREAK_GLASS_ADMINS", value_name = "EMAILS")]
    pub break_glass_admins: Option<String>,
    /// Single sign-on with OpenID Connect: the provider's issuer URL (discovery reads
    /// ISSUER/.well-known/openid-configuration). Its redirect URL is PUBLIC_URL/auth/sso/sso/callback.
    /// For several providers use [oidc_providers.NAME] blocks in the file instead.
    #[arg(long, global = true, env = "CONCENTRIC_OIDC_ISSUER", value_name = "URL")]
    pub oidc_issuer: Option<String>,
    /// The client id Concentric has at the provider.
    #[arg(long, global = true, env = "CONCENTRIC_OIDC_CLIENT_ID", value_name = "ID")]
    pub oidc_client_id: Option<String>,
    /// The client secret Concentric has at the provider.
    #[arg(long, global = true, env = "CONCENTRIC_OIDC_CLIENT_SECRET", value_name = "SECRET")]
    pub oidc_client_secret: Option<String>,
    /// The sign-in button's words: "Sign in with LABEL".
    #[arg(long, global = true, env = "CONCENTRIC_OIDC_LABEL", value_name = "TEXT")]
    pub oidc_label: Option<String>,
    /// Scopes asked for besides openid, space-separated (add groups when the provider needs it).
    #[arg(long, global = true, env = "CONCENTRIC_OIDC_SCOPES", value_name = "SCOPES")]
    pub oidc_scopes: Option<String>,
    /// A verified email nobody in the directory has: refuse, or create the person.
    #[arg(long, global = true, env = "CONCENTRIC_OIDC_UNKNOWN_PEOPLE", value_name = "WHAT")]
    pub oidc_unknown_people: Option<UnknownPeople>,
    /// The claim that lists a person's groups (ID token or userinfo).
    #[arg(long, global = true, env = "CONCENTRIC_OIDC_GROUPS_CLAIM", value_name = "CLAIM")]
    pub oidc_groups_claim: Option<String>,
    /// Groups and what they give, comma-separated: group=TEAM:member, group=TEAM:lead or group=admin.
    /// Memberships in the teams named here, and the admin flag when admin is named, follow the
    /// provider at every sign-in. Empty: groups are ignored.
    #[arg(long, global = true, env = "CONCENTRIC_OIDC_GROUPS", value_name = "MAP")]
    pub oidc_groups: Option<String>,
    /// More OpenID Connect providers, one [oidc_providers.NAME] block each (file only).
    #[arg(skip)]
    pub oidc_providers: Option<BTreeMap<String, OidcProviderBlock>>,
    /// Let webhooks POST to this machine (loopback addresses). Off by default: a team lead's
    /// webhook must not reach services listening only on localhost. Link-local addresses
    /// (cloud metadata) are always refused.
    #[arg(long, global = true, env = "CONCENTRIC_WEBHOOK_ALLOW_LOOPBACK", value_name = "BOOL")]
    pub webhook_allow_loopback: Option<bool>,
}

/// Who signs in with a password.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum PasswordSignIn {
    Everyone,
    /// Spelled as in the file on the command line and in the environment too.
    #[value(name = "break_glass", alias = "break-glass")]
    BreakGlass,
}

/// One OpenID Connect provider's block in the file: `[oidc_providers.NAME]`. The client secret
/// may come from CONCENTRIC_OIDC_<NAME>_CLIENT_SECRET instead.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OidcProviderBlock {
    pub issuer: String,
    pub client_id: String,
    #[serde(default)]
    pub client_secret: String,
    pub label: Option<String>,
    pub scopes: Option<String>,
    pub unknown_people: Option<UnknownPeople>,
    pub groups_claim: Option<String>,
    /// group = "TEAM:role" or "admin".
    #[serde(default)]
    pub groups: BTreeMap<String, String>,
}

/// A provider to sign in through, its settings resolved and checked.
#[derive(Clone)]
pub struct SsoProvider {
    /// Its name in the settings and in its URLs: /login/sso/NAME, /auth/sso/NAME/callback.
    pub name: String,
    pub label: String,
    pub issuer: String,
    pub client_id: String,
    pub client_secret: String,
    pub scopes: Vec<String>,
    pub unknown_people: UnknownPeople,
    pub groups_claim: String,
    pub groups: GroupMap,
}

impl std::fmt::Debug for SsoProvider {
    /// Without the client secret.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SsoProvider")
            .field("name", &self.name)
            .field("issuer", &self.issuer)
            .field("client_id", &self.client_id)
            .field("unknown_people", &self.unknown_people)
            .field("groups", &self.groups)
            .finish_non_exhaustive()
    }
}

impl SsoProvider {
    fn resolve(name: &str, b: OidcProviderBlock) -> Result<Self, ConfigError> {
        let invalid = |what: String| ConfigError::Invalid(format!("OpenID Connect provider {name}: {what}"));
        let valid_name = !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        if !valid_name {
            return Err(invalid("a provider's name may hold only letters, digits, - and _".into()));
        }
        let issuer = b.issuer.trim().trim_end_matches('/').to_owned();
        if url::Url::parse(&issuer).map_or(true, |u| !matches!(u.scheme(), "http" | "https")) {
            return Err(invalid(format!("issuer must be an http(s) URL, not `{issuer}`")));
        }
        if b.client_id.trim().is_empty() {
            return Err(invalid("client_id is needed".into()));
        }
        let env_secret =
            std::env::var(format!("CONCENTRIC_OIDC_{}_CLIENT_SECRET", name.to_uppercase().replace('-', "_")));
        let groups = GroupMap::parse(b.groups.iter().map(|(g, v)| (g.as_str(), v.as_str()))).map_err(invalid)?;
        Ok(Self {
            name: name.to_owned(),
            label: b.label.filter(|l| !l.trim().is_empty()).unwrap_or_else(|| name.to_owned()),
            issuer,
            client_id: b.client_id.trim().to_owned(),
            client_secret: env_secret.unwrap_or(b.client_secret),
            scopes: b.scopes.unwrap_or_else(|| "email profile".into()).split_whitespace().map(str::to_owned).collect(),
            unknown_people: b.unknown_people.unwrap_or(UnknownPeople::Refuse),
            groups_claim: b.groups_claim.filter(|c| !c.trim().is_empty()).unwrap_or_else(|| "groups".into()),
            groups,
        })
    }
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
    pub password_sign_in: PasswordSignIn,
    pub break_glass_admins: String,
    pub oidc_issuer: String,
    pub oidc_client_id: String,
    #[serde(skip)]
    pub oidc_client_secret: String,
    pub oidc_label: String,
    pub oidc_scopes: String,
    pub oidc_unknown_people: UnknownPeople,
    pub oidc_groups_claim: String,
    pub oidc_groups: String,
    #[serde(skip)]
    pub oidc_providers: BTreeMap<String, OidcProviderBlock>,
    /// Every provider to sign in through: the flat oidc_* keys' (named `sso`) and the blocks'.
    #[serde(skip)]
    pub sso: Vec<SsoProvider>,
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
            password_sign_in: PasswordSignIn::Everyone,
            break_glass_admins: String::new(),
            oidc_issuer: String::new(),
            oidc_client_id: String::new(),
            oidc_client_secret: String::new(),
            oidc_label: String::from("single sign-on"),
            oidc_scopes: String::from("email profile"),
            oidc_unknown_people: UnknownPeople::Refuse,
            oidc_groups_claim: String::from("groups"),
            oidc_groups: String::new(),
            oidc_providers: BTreeMap::new(),
            sso: Vec::new(),
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
            .field("password_sign_in", &self.password_sign_in)
            .field("break_glass_admins", &self.break_glass_admins)
            .field("sso", &self.sso)
            .finish_non_exhaustive()
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
            webhook_allow_loopback,
            password_sign_in,
            break_glass_admins,
            oidc_issuer,
            oidc_client_id,
            oidc_client_secret,
            oidc_label,
            oidc_scopes,
            oidc_unknown_people,
            oidc_groups_claim,
            oidc_groups,
            oidc_providers
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
        self.sso = self.resolve_providers()?;
        if self.password_sign_in == PasswordSignIn::BreakGlass {
            if self.sso.is_empty() {
                return Err(ConfigError::Invalid(
                    "password_sign_in = break_glass needs a single sign-on provider (oidc_issuer or [oidc_providers.NAME])"
                        .into(),
                ));
            }
            if self.break_glass_admins.trim().is_empty() {
                return Err(ConfigError::Invalid(
                    "password_sign_in = break_glass needs break_glass_admins: at least one admin who can still sign in if the provider is down".into(),
                ));
            }
        }
        if !self.smtp_host.is_empty() && self.smtp_from.is_empty() {
            return Err(ConfigError::Invalid(
                "smtp_from is needed when smtp_host is set: the address outgoing mail comes from".into(),
            ));
        }
        Ok(self)
    }

    fn resolve_providers(&self) -> Result<Vec<SsoProvider>, ConfigError> {
        let mut out = Vec::new();
        if !self.oidc_issuer.trim().is_empty() {
            let groups = GroupMap::parse_list(&self.oidc_groups)
                .map_err(|e| ConfigError::Invalid(format!("oidc_groups: {e}")))?;
            let mut flat = SsoProvider::resolve(
                "sso",
                OidcProviderBlock {
                    issuer: self.oidc_issuer.clone(),
                    client_id: self.oidc_client_id.clone(),
                    client_secret: self.oidc_client_secret.clone(),
                    label: Some(self.oidc_label.clone()),
                    scopes: Some(self.oidc_scopes.clone()),
                    unknown_people: Some(self.oidc_unknown_people),
                    groups_claim: Some(self.oidc_groups_claim.clone()),
                    groups: BTreeMap::new(),
                },
            )?;
            flat.groups = groups;
            out.push(flat);
        }
        for (name, block) in &self.oidc_providers {
            if out.iter().any(|p| p.name == *name) {
                return Err(ConfigError::Invalid(format!("two OpenID Connect providers are named {name}")));
            }
            out.push(SsoProvider::resolve(name, block.clone())?);
        }
        Ok(out)
    }

    /// Who may sign in with a password.
    pub fn password_policy(&self) -> PasswordPolicy {
        match self.password_sign_in {
            PasswordSignIn::Everyone => PasswordPolicy::Everyone,
            PasswordSignIn::BreakGlass => PasswordPolicy::BreakGlass(
                self.break_glass_admins.split(',').map(|e| e.trim().to_lowercase()).filter(|e| !e.is_empty()).collect(),
            ),
        }
    }

    /// A provider by its name in the settings.
    pub fn sso_provider(&self, name: &str) -> Option<&SsoProvider> {
        self.sso.iter().find(|p| p.name == name)
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
        out.push_str(
            "\n# More OpenID Connect providers, one block each; NAME appears in the redirect URL\n\
             # PUBLIC_URL/auth/sso/NAME/callback. The secret may come from CONCENTRIC_OIDC_<NAME>_CLIENT_SECRET.\n\
             # [oidc_providers.keycloak]\n\
             # issuer = \"https://login.example.com/realms/company\"\n\
             # client_id = \"concentric\"\n\
             # client_secret = \"\"\n\
             # label = \"Company login\"\n\
             # scopes = \"email profile\"\n\
             # unknown_people = \"refuse\"\n\
             # groups_claim = \"groups\"\n\
             # [oidc_providers.keycloak.groups]\n\
             # \"it-staff\" = \"IT:member\"\n\
             # \"it-leads\" = \"IT:lead\"\n\
             # \"concentric-admins\" = \"admin\"\n",
        );
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

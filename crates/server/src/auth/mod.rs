//! Sign-in: password hashing, web sessions with CSRF protection, API tokens, rate limiting.

pub mod api;
pub mod csrf;
pub mod login;
pub mod secrets;
pub mod session;
pub mod sso;

pub use api::ApiUser;
pub use csrf::CsrfForm;
pub use session::{CurrentViewer, Viewer};

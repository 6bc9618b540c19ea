//! Random secrets, their digests, and password hashing with argon2id.

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use rand::RngCore;
use sha2::{Digest, Sha256};
use tokio::sync::OnceCell;

/// Prefix of personal API tokens, so leaked tokens are easy to recognise and scan for.
pub const TOKEN_PREFIX: &str = "cct_";

/// 256 random bits, URL-safe.
pub fn random_secret() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// A webhook's signing secret, prefixed so a leaked one is recognised for what it is.
pub fn webhook_secret() -> String {
    format!("whsec_{}", random_secret())
}

/// The digest stored for a high-entropy secret (session or API token). Such secrets need no
/// slow hash: guessing 256 random bits is hopeless, and a fast digest keeps each request cheap.
pub fn digest(secret: &str) -> String {
    let hash = Sha256::digest(secret.as_bytes());
    hash.iter().map(|b| format!("{b:02x}")).collect()
}

/// Compares two secrets without leaking, through timing, how much of them matched.
pub fn secrets_match(a: &str, b: &str) -> bool {
    let (a, b) = (Sha256::digest(a.as_bytes()), Sha256::digest(b.as_bytes()));
    a.iter().zip(b.iter()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// A new API token: the secret shown once, and the prefix stored to tell tokens apart.
pub fn new_api_token() -> (String, String) {
    let secret = format!("{TOKEN_PREFIX}{}", random_secret());
    let prefix = secret.chars().take(TOKEN_PREFIX.len() + 6).collect();
    (secret, prefix)
}

#[derive(Debug, thiserror::Error)]
#[error("password hashing failed: {0}")]
pub struct HashError(String);

/// Hashes a password with argon2id (OWASP parameters: 19 MiB, 2 passes), off the async threads.
pub async fn hash_password(password: String) -> Result<String, HashError> {
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| HashError(e.to_string()))
    })
    .await
    .map_err(|e| HashError(e.to_string()))?
}

/// Checks a password against a stored hash. A corrupt hash counts as a mismatch.
pub async fn verify_password(password: String, hash: String) -> bool {
    tokio::task::spawn_blocking(move || {
        PasswordHash::new(&hash)
            .is_ok_and(|parsed| Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok())
    })
    .await
    .unwrap_or(false)
}

/// Verifies against a throwaway hash when the account does not exist, so a sign-in for an
/// unknown email takes as long as one with a wrong password and reveals nothing.
pub async fn burn_verification(password: String) {
    static DUMMY: OnceCell<String> = OnceCell::const_new();
    let hash = DUMMY.get_or_init(|| async { hash_password(random_secret()).await.unwrap_or_default() }).await;
    verify_password(password, hash.clone()).await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn passwords_round_trip() {
        let hash = hash_password("correct horse battery".into()).await.unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password("correct horse battery".into(), hash.clone()).await);
        assert!(!verify_password("wrong horse battery".into(), hash).await);
        assert!(!verify_password("x".into(), "not a hash".into()).await);
    }

    #[test]
    fn tokens_are_random_and_digested() {
        let (a, prefix) = new_api_token();
        assert!(a.starts_with("cct_") && a.starts_with(&prefix) && a.len() > 40);
        assert_ne!(a, new_api_token().0);
        assert_eq!(digest("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        assert!(secrets_match("abc", "abc") && !secrets_match("abc", "abd"));
    }
}

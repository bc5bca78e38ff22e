//! Password hashing: argon2id PHC strings, computed off the async runtime.

use std::sync::OnceLock;

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use rand::RngCore;

/// Hashes `password` with argon2id (the crate's default parameters: 19 MiB, 2 passes) into a
/// PHC string. CPU-heavy (tens of milliseconds): call it from `spawn_blocking`.
pub(crate) fn hash_password(password: &str) -> Result<String, argon2::password_hash::Error> {
    let mut salt = [0u8; 16];
    rand::rng().fill_bytes(&mut salt);
    let salt = SaltString::encode_b64(&salt)?;
    Ok(Argon2::default()
        .hash_password(password.as_bytes(), &salt)?
        .to_string())
}

/// Whether `password` matches the PHC string `hash`. A malformed hash never matches.
/// CPU-heavy: call it from `spawn_blocking`.
pub(crate) fn verify_password(password: &str, hash: &str) -> bool {
    match PasswordHash::new(hash) {
        Ok(parsed) => Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

/// A valid hash of a random password, verified against when the username is unknown (or has no
/// password), so that a login attempt takes as long whether or not the user exists.
pub(crate) fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| {
        let mut secret = [0u8; 16];
        rand::rng().fill_bytes(&mut secret);
        // Hashing a fixed-size ASCII string cannot fail; an empty fallback would still make the
        // verify call run (and fail), only faster.
        hash_password(&hex::encode(secret)).unwrap_or_default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_and_verify() {
        let hash = hash_password("correct horse").unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password("correct horse", &hash));
        assert!(!verify_password("wrong", &hash));
        assert!(!verify_password("x", "not a phc string"));
        assert!(!verify_password("", dummy_hash()));
    }
}

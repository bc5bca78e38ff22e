//! Password hashing: argon2id PHC strings, computed off the async runtime.

use std::sync::OnceLock;

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use rand::RngCore;
use subtle::ConstantTimeEq;

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

/// [`verify_password`] in `memory`, argon2's working memory, grown to the hash's size if
/// smaller and zeroed after use. The password checks' worker threads each keep one: allocating
/// 19 MiB per check let the allocator keep hundreds of MiB after a flood of logins (freed
/// blocks it would not hand back), where reusing one buffer per thread keeps exactly that.
pub(crate) fn verify_password_in(password: &str, hash: &str, memory: &mut Vec<Block>) -> bool {
    let Ok(parsed) = PasswordHash::new(hash) else {
        return false;
    };
    let (Ok(params), Some(expected)) = (Params::try_from(&parsed), parsed.hash) else {
        return false;
    };
    let Ok(algorithm) = Algorithm::try_from(parsed.algorithm) else {
        return false;
    };
    let version = match parsed.version.map(Version::try_from).transpose() {
        Ok(version) => version.unwrap_or_default(),
        Err(_) => return false,
    };
    let mut salt = [0u8; 64];
    let Some(salt) = parsed.salt.and_then(|s| s.decode_b64(&mut salt).ok()) else {
        return false;
    };
    let blocks = params.block_count();
    if memory.len() < blocks {
        memory.resize(blocks, Block::default());
    }
    let mut out = vec![0u8; expected.len()];
    let hashed = Argon2::new(algorithm, version, params)
        .hash_password_into_with_memory(password.as_bytes(), salt, &mut out, &mut memory[..blocks])
        .is_ok();
    memory[..blocks].fill(Block::default());
    hashed && bool::from(out.ct_eq(expected.as_bytes()))
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
        // With reused memory: the same answers, one buffer for every check.
        let mut memory = Vec::new();
        assert!(verify_password_in("correct horse", &hash, &mut memory));
        let size = memory.len();
        assert!(!verify_password_in("wrong", &hash, &mut memory));
        assert!(verify_password_in("correct horse", &hash, &mut memory));
        assert_eq!(memory.len(), size);
        assert!(!verify_password_in("x", "not a phc string", &mut memory));
        assert!(!verify_password_in("", dummy_hash(), &mut memory));
    }
}

//! Secrets at rest: the AEAD key, sealing vendor credentials, hashing
//! application secrets and access tokens.
//!
//! - Vendor credentials and OAuth app credentials are sealed with
//!   XChaCha20-Poly1305 (random 192-bit nonce per value) under a 256-bit key.
//!   The associated data names the row the value belongs to, so a sealed
//!   value copied into another row does not open.
//! - Application secrets are hashed with Argon2id (salted, slow).
//! - Access tokens are 256-bit random values, stored as their SHA-256: a
//!   lookup key that cannot be turned back into a usable token.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use airbyte_agent_sdk::{Error, Result};
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use secrecy::{ExposeSecret, SecretBox};
use sha2::{Digest, Sha256};

/// Environment variable holding the encryption key (base64 of 32 bytes).
pub const KEY_ENV: &str = "AIRBYTE_SERVER_ENCRYPTION_KEY";

const KEY_LEN: usize = 32;
const NONCE_LEN: usize = 24;
/// First byte of every sealed value: the format, so it can evolve.
const SEAL_VERSION: u8 = 1;

/// The 256-bit key sealing credentials at rest. Never printed.
pub struct EncryptionKey(SecretBox<[u8; KEY_LEN]>);

impl std::fmt::Debug for EncryptionKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("EncryptionKey([redacted])")
    }
}

impl EncryptionKey {
    /// A new random key.
    pub fn generate() -> Self {
        Self::from_bytes(rand::random())
    }

    /// A key from its 32 bytes.
    pub fn from_bytes(bytes: [u8; KEY_LEN]) -> Self {
        Self(SecretBox::new(Box::new(bytes)))
    }

    /// A key from standard base64 of 32 bytes (surrounding whitespace ignored).
    pub fn from_base64(text: &str) -> Result<Self> {
        let bytes = STANDARD.decode(text.trim()).map_err(|_| {
            Error::invalid_argument("encryption key", "is not valid base64 (expected 32 bytes)")
        })?;
        let bytes: [u8; KEY_LEN] = bytes.try_into().map_err(|b: Vec<u8>| {
            Error::invalid_argument(
                "encryption key",
                format!("has {} bytes; it must have exactly 32", b.len()),
            )
        })?;
        Ok(Self::from_bytes(bytes))
    }

    /// The key in standard base64 (for writing the key file).
    fn to_base64(&self) -> String {
        STANDARD.encode(self.0.expose_secret())
    }

    /// Reads the key file at `path`, or creates it (mode 0600, new random
    /// key) when it does not exist.
    pub fn load_or_create(path: &Path) -> Result<Self> {
        match std::fs::read_to_string(path) {
            Ok(text) => Self::from_base64(&text).map_err(|e| {
                Error::invalid_argument("key file", format!("{}: {e}", path.display()))
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let key = Self::generate();
                write_private_file(path, key.to_base64().as_bytes())?;
                tracing::info!(path = %path.display(), "created a new encryption key file");
                Ok(key)
            }
            Err(e) => Err(Error::io(path, e)),
        }
    }

    /// Seals `plaintext`; `context` names where the value is stored and must
    /// be given again to open it.
    pub(crate) fn seal(&self, plaintext: &[u8], context: &str) -> Vec<u8> {
        let cipher = XChaCha20Poly1305::new(self.0.expose_secret().into());
        let nonce_bytes: [u8; NONCE_LEN] = rand::random();
        let nonce = XNonce::from_slice(&nonce_bytes);
        // Encryption with a valid key and nonce cannot fail for in-memory
        // buffers; an empty ciphertext would fail to open, never leak.
        let sealed = cipher
            .encrypt(
                nonce,
                Payload {
                    msg: plaintext,
                    aad: context.as_bytes(),
                },
            )
            .unwrap_or_default();
        let mut out = Vec::with_capacity(1 + NONCE_LEN + sealed.len());
        out.push(SEAL_VERSION);
        out.extend_from_slice(&nonce_bytes);
        out.extend_from_slice(&sealed);
        out
    }

    /// Opens a value sealed with [`seal`](Self::seal) under the same context.
    /// `None` when the key or context is wrong or the value was altered.
    pub(crate) fn open(&self, sealed: &[u8], context: &str) -> Option<Vec<u8>> {
        if sealed.len() < 1 + NONCE_LEN || sealed[0] != SEAL_VERSION {
            return None;
        }
        let cipher = XChaCha20Poly1305::new(self.0.expose_secret().into());
        let nonce = XNonce::from_slice(&sealed[1..1 + NONCE_LEN]);
        cipher
            .decrypt(
                nonce,
                Payload {
                    msg: &sealed[1 + NONCE_LEN..],
                    aad: context.as_bytes(),
                },
            )
            .ok()
    }
}

/// Where the encryption key comes from when none is given explicitly.
#[derive(Debug, Clone)]
pub enum KeySource {
    /// This key, base64-encoded (e.g. read from [`KEY_ENV`]).
    Base64(secrecy::SecretString),
    /// This key file, created on first start.
    File(PathBuf),
}

impl KeySource {
    /// [`KEY_ENV`] when set, else the key file `default_file`.
    pub fn from_env_or_file(default_file: PathBuf) -> Self {
        match std::env::var(KEY_ENV) {
            Ok(v) if !v.trim().is_empty() => KeySource::Base64(v.into()),
            _ => KeySource::File(default_file),
        }
    }

    /// Loads (or, for a missing key file, creates) the key.
    pub fn load(&self) -> Result<EncryptionKey> {
        match self {
            KeySource::Base64(text) => EncryptionKey::from_base64(text.expose_secret())
                .map_err(|e| Error::invalid_argument(KEY_ENV, e.to_string())),
            KeySource::File(path) => EncryptionKey::load_or_create(path),
        }
    }
}

/// Creates `path` with owner-only permissions and writes `bytes`; fails if
/// it already exists (so two starting servers cannot race to different keys).
fn write_private_file(path: &Path, bytes: &[u8]) -> Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    let mut file = options.open(path).map_err(|e| Error::io(path, e))?;
    file.write_all(bytes)
        .and_then(|()| file.sync_all())
        .map_err(|e| Error::io(path, e))
}

/// A new random secret: `prefix` + 43 URL-safe characters (256 bits).
pub(crate) fn random_secret(prefix: &str) -> String {
    let bytes: [u8; 32] = rand::random();
    format!("{prefix}{}", URL_SAFE_NO_PAD.encode(bytes))
}

/// SHA-256 of `value`, hex-encoded: the stored form of access tokens and
/// OAuth states.
pub(crate) fn sha256_hex(value: &str) -> String {
    Sha256::digest(value.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Argon2id hash (PHC string) of an application secret.
pub(crate) fn hash_secret(secret: &str) -> Result<String> {
    let salt_bytes: [u8; 16] = rand::random();
    let salt = SaltString::encode_b64(&salt_bytes)
        .map_err(|e| Error::invalid_argument("salt", e.to_string()))?;
    argon2::Argon2::default()
        .hash_password(secret.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| Error::invalid_argument("client secret", e.to_string()))
}

/// Whether `secret` matches an Argon2 PHC hash. A malformed hash never matches.
pub(crate) fn verify_secret(secret: &str, hash: &str) -> bool {
    PasswordHash::new(hash)
        .map(|parsed| {
            argon2::Argon2::default()
                .verify_password(secret.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_values_open_only_with_key_and_context() {
        let key = EncryptionKey::generate();
        let sealed = key.seal(b"sk_live_123", "connector:a");
        assert!(!sealed.windows(11).any(|w| w == b"sk_live_123"));
        assert_eq!(key.open(&sealed, "connector:a").unwrap(), b"sk_live_123");
        assert!(key.open(&sealed, "connector:b").is_none());
        assert!(
            EncryptionKey::generate()
                .open(&sealed, "connector:a")
                .is_none()
        );
        let mut tampered = sealed.clone();
        let last = tampered.len() - 1;
        tampered[last] ^= 1;
        assert!(key.open(&tampered, "connector:a").is_none());
        assert!(key.open(&[], "connector:a").is_none());
    }

    #[test]
    fn secrets_hash_and_verify() {
        let hash = hash_secret("s3cret").unwrap();
        assert!(!hash.contains("s3cret"));
        assert!(verify_secret("s3cret", &hash));
        assert!(!verify_secret("s3cret!", &hash));
        assert!(!verify_secret("s3cret", "not a hash"));
    }

    #[test]
    fn key_file_is_created_private_and_reused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("server.key");
        let key = EncryptionKey::load_or_create(&path).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let again = EncryptionKey::load_or_create(&path).unwrap();
        let sealed = key.seal(b"x", "c");
        assert_eq!(again.open(&sealed, "c").unwrap(), b"x");
        assert!(format!("{key:?}").contains("redacted"));
    }

    #[test]
    fn bad_keys_are_explained() {
        let e = EncryptionKey::from_base64("!!").unwrap_err().to_string();
        assert!(e.contains("base64"), "{e}");
        let e = EncryptionKey::from_base64(&STANDARD.encode([0u8; 16]))
            .unwrap_err()
            .to_string();
        assert!(e.contains("16 bytes"), "{e}");
    }
}

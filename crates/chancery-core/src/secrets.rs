//! Credentials in the OS keyring, and a secret type that cannot leak.
//!
//! Tokens are held as [`SecretString`] (from the `secrecy` crate): its `Debug` prints
//! `[REDACTED]`, it has no `Display`, and it does not implement `Serialize`, so a token cannot
//! be written to SQLite, sent over IPC or formatted into a log line by accident. The only way to
//! read one is [`ExposeSecret::expose_secret`], which the HTTP clients call when they build an
//! `Authorization` header.
//!
//! The store is the platform's own (Secret Service on Linux, Keychain on macOS, Credential
//! Manager on Windows), enabled explicitly in Cargo.toml: without a platform feature the
//! `keyring` crate silently falls back to a mock store that keeps nothing. [`Keyring::self_test`]
//! writes, reads back and deletes a probe entry so that a missing or locked store is reported
//! at start-up, not when the first token is lost.

use std::fmt;

pub use secrecy::{ExposeSecret, SecretString};

use crate::CoreError;

/// What a keyring entry holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CredentialKind {
    /// An X OAuth 2.0 user access token (2 hours).
    AccessToken,
    /// An X OAuth 2.0 refresh token (rotates on use).
    RefreshToken,
    /// A Facebook Page access token.
    PageToken,
    /// A Facebook user token (from Facebook Login).
    UserToken,
    /// An app-level token (X app bearer token).
    AppToken,
    /// An app secret (the Facebook app secret used for the Login code exchange).
    AppSecret,
    /// Not a secret: the time a token refresh started, deleted when the rotated refresh token
    /// is safely stored. Finding it later means a refresh was interrupted (see `tokens.rs`).
    RefreshPending,
}

impl CredentialKind {
    fn as_str(self) -> &'static str {
        match self {
            CredentialKind::AccessToken => "access",
            CredentialKind::RefreshToken => "refresh",
            CredentialKind::PageToken => "page",
            CredentialKind::UserToken => "user",
            CredentialKind::AppToken => "app",
            CredentialKind::AppSecret => "app-secret",
            CredentialKind::RefreshPending => "refresh-pending",
        }
    }
}

/// Which credential: an owner (an account id, or `app:x` / `app:facebook`) and a kind.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CredentialKey {
    pub owner: String,
    pub kind: CredentialKind,
}

impl CredentialKey {
    pub fn new(owner: impl Into<String>, kind: CredentialKind) -> Self {
        Self {
            owner: owner.into(),
            kind,
        }
    }
}

impl fmt::Display for CredentialKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.owner, self.kind.as_str())
    }
}

/// The OS keyring, namespaced per workspace (service `chancery/<workspace-id>`), so rehearsal
/// (sandbox) tokens and real ones never share entries.
#[derive(Debug, Clone)]
pub struct Keyring {
    service: String,
    /// How long one call may take before it is given up (see [`CALL_TIMEOUT`]).
    call_timeout: std::time::Duration,
}

impl Keyring {
    pub fn for_workspace(workspace_id: &str) -> Self {
        Self {
            service: format!("chancery/{workspace_id}"),
            call_timeout: CALL_TIMEOUT,
        }
    }

    /// The keyring "service" attribute every entry of this workspace carries.
    pub fn service(&self) -> &str {
        &self.service
    }

    /// Store (or replace) a credential.
    pub async fn store(&self, key: &CredentialKey, secret: &SecretString) -> Result<(), CoreError> {
        let value = secret.clone();
        self.with_entry(key, move |entry| entry.set_password(value.expose_secret()))
            .await
    }

    /// Read a credential; `None` if there is no such entry.
    pub async fn load(&self, key: &CredentialKey) -> Result<Option<SecretString>, CoreError> {
        self.with_entry(key, |entry| match entry.get_password() {
            Ok(p) => Ok(Some(SecretString::from(p))),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(e),
        })
        .await
    }

    /// Delete a credential; deleting a missing one is not an error.
    pub async fn remove(&self, key: &CredentialKey) -> Result<(), CoreError> {
        self.with_entry(key, |entry| match entry.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(e),
        })
        .await
    }

    /// Run one keyring call on the blocking pool. A platform failure (the Secret Service
    /// dropping a call while D-Bus activation is still starting it, right after login or a
    /// daemon restart) is tried again after each of [`RETRY_DELAYS`]; every other failure is
    /// final at once.
    async fn with_entry<T: Send + 'static>(
        &self,
        key: &CredentialKey,
        op: impl Fn(&keyring::Entry) -> keyring::Result<T> + Send + Sync + 'static,
    ) -> Result<T, CoreError> {
        let op = std::sync::Arc::new(op);
        let user = key.to_string();
        let mut delays = RETRY_DELAYS.iter();
        loop {
            let (service, name, op) = (self.service.clone(), user.clone(), op.clone());
            let call = tokio::task::spawn_blocking(move || {
                keyring::Entry::new(&service, &name).and_then(|entry| op(&entry))
            });
            // A call can block for good: a locked store waiting on an unlock prompt nobody
            // sees, or a Secret Service that died mid-call. The blocking thread is left to
            // finish on its own; the caller gets a clear error instead of a hang.
            let result = tokio::time::timeout(self.call_timeout, call)
                .await
                .map_err(|_| {
                    tracing::warn!(entry = %user, timeout_s = self.call_timeout.as_secs(), "credential store call timed out");
                    CoreError::KeychainUnavailable(format!(
                        "the credential store did not answer within {} s. If it is locked, unlock it (your login keyring or keychain) and try again",
                        self.call_timeout.as_secs()
                    ))
                })?
                .map_err(|e| CoreError::Internal(format!("keyring task failed: {e}")))?;
            match (result, delays.next()) {
                (Ok(v), _) => return Ok(v),
                (Err(keyring::Error::PlatformFailure(e)), Some(delay)) => {
                    tracing::warn!(entry = %user, error = %e, retry_in_ms = delay.as_millis() as u64, "credential store call failed; trying again");
                    tokio::time::sleep(*delay).await;
                }
                (Err(e), _) => return Err(classify(e, &user)),
            }
        }
    }

    /// Write, read back and delete a probe entry. Fails with
    /// [`CoreError::KeychainUnavailable`] and an explanation when no usable store exists.
    pub async fn self_test(&self) -> Result<(), CoreError> {
        let probe = CredentialKey::new(
            format!("self-test-{}", uuid::Uuid::now_v7()),
            CredentialKind::AppToken,
        );
        let value = SecretString::from(format!("probe-{}", uuid::Uuid::now_v7()));
        self.store(&probe, &value).await?;
        let read = self.load(&probe).await;
        let removed = self.remove(&probe).await;
        match read? {
            Some(v) if v.expose_secret() == value.expose_secret() => {}
            Some(_) => {
                return Err(CoreError::KeychainUnavailable(
                    "the credential store returned a different value than was written; it cannot be trusted with tokens".into(),
                ))
            }
            None => {
                return Err(CoreError::KeychainUnavailable(
                    "the credential store accepted a probe entry but does not keep it (a non-persistent store); tokens would be lost".into(),
                ))
            }
        }
        removed?;
        if self.load(&probe).await?.is_some() {
            return Err(CoreError::KeychainUnavailable(
                "the credential store did not delete a probe entry".into(),
            ));
        }
        Ok(())
    }
}

/// Waits before trying a keyring call again after a platform failure.
/// Long enough for a person to type a password into an unlock prompt.
const CALL_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(120);

const RETRY_DELAYS: [std::time::Duration; 2] = [
    std::time::Duration::from_millis(250),
    std::time::Duration::from_millis(1000),
];

/// Hint shown when the platform store cannot be reached.
#[cfg(target_os = "linux")]
const STORE_HINT: &str = "Chancery keeps tokens in the Secret Service: start and unlock GNOME Keyring, KWallet or KeePassXC (Secret Service enabled) in your desktop session";
#[cfg(target_os = "macos")]
const STORE_HINT: &str = "Chancery keeps tokens in the macOS Keychain: unlock your login keychain";
#[cfg(target_os = "windows")]
const STORE_HINT: &str = "Chancery keeps tokens in the Windows Credential Manager";
#[cfg(not(any(target_os = "linux", target_os = "macos", target_os = "windows")))]
const STORE_HINT: &str = "this platform has no supported credential store";

/// Every keyring failure is [`CoreError::KeychainUnavailable`], with what went wrong and what
/// to do in plain words (tokens cannot be kept or read without a working store).
fn classify(e: keyring::Error, entry: &str) -> CoreError {
    let what = match e {
        keyring::Error::PlatformFailure(inner) | keyring::Error::NoStorageAccess(inner) => {
            format!("no usable credential store ({inner}). {STORE_HINT}.")
        }
        keyring::Error::TooLong(field, max) => format!(
            "the credential store refused the entry {entry}: its {field} is longer than {max} characters"
        ),
        keyring::Error::BadEncoding(_) => format!(
            "the credential store returned unreadable data for {entry}; reconnect the account to replace it"
        ),
        keyring::Error::Ambiguous(_) => format!(
            "the credential store holds several entries named {entry}; remove the duplicates in the system's password manager"
        ),
        keyring::Error::Invalid(attr, reason) => {
            format!("the credential store refused the entry {entry} ({attr}: {reason})")
        }
        other => format!("the credential store failed on {entry}: {other}. {STORE_HINT}."),
    };
    CoreError::KeychainUnavailable(what)
}

// A token type that could be serialised could end up in SQLite, IPC or a log by accident.
static_assertions::assert_not_impl_any!(SecretString: serde::Serialize, std::fmt::Display);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_print_redacted() {
        let token = SecretString::from("sbx-at-very-secret-value".to_string());
        let shown = format!("{token:?}");
        assert!(!shown.contains("very-secret"), "{shown}");
        assert!(shown.contains("REDACTED"), "{shown}");
    }

    #[test]
    fn keyring_failures_are_keychain_unavailable() {
        for e in [
            keyring::Error::NoStorageAccess(Box::new(std::io::Error::other("locked"))),
            keyring::Error::TooLong("user".into(), 10),
            keyring::Error::Invalid("service".into(), "empty".into()),
            keyring::Error::NoEntry,
        ] {
            let c = classify(e, "acct/access");
            assert!(
                matches!(c, CoreError::KeychainUnavailable(ref m) if m.len() > 20),
                "{c:?}"
            );
        }
    }

    #[tokio::test]
    async fn a_call_that_never_answers_is_given_up_with_a_clear_error() {
        let keyring = Keyring {
            call_timeout: std::time::Duration::from_millis(100),
            ..Keyring::for_workspace("ws-timeout")
        };
        let key = CredentialKey::new("acct", CredentialKind::AppToken);
        let t0 = std::time::Instant::now();
        // Stands in for a store blocked on a prompt: the call does not touch the keyring.
        let r = keyring
            .with_entry(&key, |_| {
                std::thread::sleep(std::time::Duration::from_millis(1500));
                Ok(())
            })
            .await;
        assert!(
            t0.elapsed() < std::time::Duration::from_secs(2),
            "it did not wait for the call"
        );
        match r {
            Err(CoreError::KeychainUnavailable(m)) => assert!(m.contains("did not answer"), "{m}"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn entries_are_namespaced_per_workspace() {
        let k = Keyring::for_workspace("ws-1");
        assert_eq!(k.service(), "chancery/ws-1");
        assert_eq!(
            CredentialKey::new("acct-9", CredentialKind::RefreshToken).to_string(),
            "acct-9/refresh"
        );
    }
}

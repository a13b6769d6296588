//! Where long-lived secrets live: the partner refresh token, the SAM app's id and secret,
//! and the refresh tokens of direct tenants.
//!
//! CIPP keeps them in Azure Key Vault under fixed names ([`names`]); the token pipeline reads
//! the refresh token from a [`SecretStore`] and writes rotated ones back. Three stores exist:
//! [`EnvSecretStore`] (read-only process environment with an in-memory overlay),
//! [`FileSecretStore`] (one JSON file, for a workstation or a container volume) and
//! `KeyVaultSecretStore` in the `cipp-keyvault` crate.
//!
//! ```
//! # async fn run() -> Result<(), cipp_core::Error> {
//! use cipp_core::secret_store::{names, FileSecretStore, SecretStore};
//! use cipp_core::{ExposeSecret, SecretString};
//! let dir = std::env::temp_dir().join(format!("cipp-doc-{}", std::process::id()));
//! let store = FileSecretStore::new(dir.join("secrets.json"));
//! store.set(names::REFRESH_TOKEN, SecretString::from("1.AXEA-rt".to_string())).await?;
//! let rt = store.get("refreshtoken").await?; // names are case-insensitive, as in Key Vault
//! assert_eq!(rt.unwrap().expose_secret(), "1.AXEA-rt");
//! # let _ = std::fs::remove_dir_all(dir);
//! # Ok(()) }
//! ```

use std::collections::BTreeMap;
use std::fmt;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use async_trait::async_trait;
use secrecy::{ExposeSecret, SecretString};

use crate::error::Error;

/// The secret names CIPP uses (section 1.1 of its protocol): the same in every store.
pub mod names {
    /// The partner service account's refresh token.
    pub const REFRESH_TOKEN: &str = "RefreshToken";
    /// The SAM application (client) id.
    pub const APPLICATION_ID: &str = "ApplicationID";
    /// The SAM application secret.
    pub const APPLICATION_SECRET: &str = "ApplicationSecret";
    /// The partner tenant id.
    pub const TENANT_ID: &str = "TenantID";
}

/// A place to keep named secrets. Names are case-insensitive (as in Key Vault).
///
/// Implementations never log or display values; errors name the secret, never its value.
#[async_trait]
pub trait SecretStore: Send + Sync + fmt::Debug {
    /// The secret called `name`, or `None` when there is none.
    async fn get(&self, name: &str) -> Result<Option<SecretString>, Error>;
    /// Create or replace the secret called `name`.
    async fn set(&self, name: &str, value: SecretString) -> Result<(), Error>;
    /// Remove the secret called `name`; `Ok(false)` when there was none.
    async fn delete(&self, name: &str) -> Result<bool, Error>;
}

/// Check a secret name: 1 to 127 ASCII letters, digits and dashes (Key Vault's rule, used by
/// every store so a name that works locally also works in the vault).
pub fn validate_secret_name(name: &str) -> Result<(), Error> {
    let ok = !name.is_empty()
        && name.len() <= 127
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
    if ok {
        Ok(())
    } else {
        Err(Error::invalid_input(
            "secret name",
            format!("'{name}' must be 1-127 characters of letters, digits and '-'"),
        ))
    }
}

type Lookup = Box<dyn Fn(&str) -> Option<String> + Send + Sync>;

/// Secrets from environment variables.
///
/// The mapping from a secret name to a variable:
///
/// | Secret name (any case) | Variable |
/// |---|---|
/// | `RefreshToken` | `CIPP_REFRESH_TOKEN` |
/// | `ApplicationID` | `CIPP_APPLICATION_ID` |
/// | `ApplicationSecret` | `CIPP_APPLICATION_SECRET` |
/// | `TenantID` | `CIPP_TENANT_ID` |
/// | anything else, e.g. a direct tenant's GUID `6f1c…-…` | `CIPP_SECRET_` + the name upper-cased with `-` as `_` (`CIPP_SECRET_6F1C…_…`) |
///
/// The process environment is never modified: `set` and `delete` change an in-memory overlay
/// that later `get`s see (a rotated refresh token survives for the life of the process, which
/// is all an environment can offer). Changing the environment of a running, multi-threaded
/// process is unsound on some platforms.
pub struct EnvSecretStore {
    lookup: Lookup,
    /// Lower-case name -> value (`None`: deleted).
    overlay: Mutex<BTreeMap<String, Option<SecretString>>>,
}

impl fmt::Debug for EnvSecretStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EnvSecretStore").finish_non_exhaustive()
    }
}

impl Default for EnvSecretStore {
    fn default() -> Self {
        EnvSecretStore::new()
    }
}

impl EnvSecretStore {
    /// Read from the process environment.
    pub fn new() -> Self {
        EnvSecretStore::with_lookup(|k| std::env::var(k).ok())
    }

    /// Read through `lookup` instead of the process environment (tests, config maps).
    pub fn with_lookup(lookup: impl Fn(&str) -> Option<String> + Send + Sync + 'static) -> Self {
        EnvSecretStore {
            lookup: Box::new(lookup),
            overlay: Mutex::new(BTreeMap::new()),
        }
    }

    /// The environment variable that holds secret `name` (see the table above).
    pub fn variable_for(name: &str) -> String {
        let lower = name.trim().to_ascii_lowercase();
        let fixed = [
            (names::REFRESH_TOKEN, crate::settings::env::REFRESH_TOKEN),
            (names::APPLICATION_ID, crate::settings::env::APPLICATION_ID),
            (
                names::APPLICATION_SECRET,
                crate::settings::env::APPLICATION_SECRET,
            ),
            (names::TENANT_ID, crate::settings::env::TENANT_ID),
        ];
        for (secret, var) in fixed {
            if secret.eq_ignore_ascii_case(&lower) {
                return var.to_string();
            }
        }
        let mapped: String = lower
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() {
                    c.to_ascii_uppercase()
                } else {
                    '_'
                }
            })
            .collect();
        format!("CIPP_SECRET_{mapped}")
    }
}

#[async_trait]
impl SecretStore for EnvSecretStore {
    async fn get(&self, name: &str) -> Result<Option<SecretString>, Error> {
        validate_secret_name(name)?;
        let key = name.to_ascii_lowercase();
        if let Ok(overlay) = self.overlay.lock() {
            if let Some(v) = overlay.get(&key) {
                return Ok(v.clone());
            }
        }
        Ok((self.lookup)(&Self::variable_for(name))
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
            .map(SecretString::from))
    }

    async fn set(&self, name: &str, value: SecretString) -> Result<(), Error> {
        validate_secret_name(name)?;
        if let Ok(mut overlay) = self.overlay.lock() {
            overlay.insert(name.to_ascii_lowercase(), Some(value));
        }
        Ok(())
    }

    async fn delete(&self, name: &str) -> Result<bool, Error> {
        let existed = self.get(name).await?.is_some();
        if let Ok(mut overlay) = self.overlay.lock() {
            overlay.insert(name.to_ascii_lowercase(), None);
        }
        Ok(existed)
    }
}

/// Secrets in one JSON file (`{"RefreshToken": "...", ...}`).
///
/// The file is created readable by its owner only (mode `0600` on Unix) and every change is
/// written to a temporary file in the same directory, flushed, and renamed over the old one,
/// so a crash never leaves half a file. Lookups ignore case; a write keeps the spelling the
/// file already had for that name. Reads and writes are small and synchronous.
#[derive(Debug)]
pub struct FileSecretStore {
    path: PathBuf,
    lock: Mutex<()>,
}

impl FileSecretStore {
    /// A store kept in `path` (created on the first write, with its directory).
    pub fn new(path: impl Into<PathBuf>) -> Self {
        FileSecretStore {
            path: path.into(),
            lock: Mutex::new(()),
        }
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn field(&self) -> String {
        format!("secret file {}", self.path.display())
    }

    fn read(&self) -> Result<BTreeMap<String, String>, Error> {
        let bytes = match std::fs::read(&self.path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(BTreeMap::new()),
            Err(e) => {
                return Err(Error::invalid_input(
                    self.field(),
                    format!("cannot read: {e}"),
                ))
            }
        };
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(BTreeMap::new());
        }
        // serde_json's error names line and column only, never the value.
        serde_json::from_slice(&bytes).map_err(|e| {
            Error::invalid_input(
                self.field(),
                format!("not a JSON object of string values: {e}"),
            )
        })
    }

    fn write(&self, map: &BTreeMap<String, String>) -> Result<(), Error> {
        let io = |what: &str, e: std::io::Error| {
            Error::invalid_input(self.field(), format!("cannot {what}: {e}"))
        };
        let dir = match self.path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => PathBuf::from("."),
        };
        std::fs::create_dir_all(&dir).map_err(|e| io("create its directory", e))?;
        let file_name = self
            .path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "secrets.json".into());
        let tmp = dir.join(format!(
            ".{file_name}.{}.tmp",
            uuid::Uuid::new_v4().simple()
        ));
        let body = serde_json::to_vec_pretty(map)
            .map_err(|e| Error::invalid_input(self.field(), format!("cannot encode: {e}")))?;
        let result = (|| {
            let mut opts = std::fs::OpenOptions::new();
            opts.write(true).create_new(true);
            #[cfg(unix)]
            {
                use std::os::unix::fs::OpenOptionsExt;
                opts.mode(0o600);
            }
            let mut f = opts
                .open(&tmp)
                .map_err(|e| io("create a temporary file", e))?;
            f.write_all(&body).map_err(|e| io("write", e))?;
            f.sync_all().map_err(|e| io("flush", e))?;
            std::fs::rename(&tmp, &self.path).map_err(|e| io("replace", e))
        })();
        if result.is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
        result
    }

    fn key_of(map: &BTreeMap<String, String>, name: &str) -> Option<String> {
        map.keys().find(|k| k.eq_ignore_ascii_case(name)).cloned()
    }
}

#[async_trait]
impl SecretStore for FileSecretStore {
    async fn get(&self, name: &str) -> Result<Option<SecretString>, Error> {
        validate_secret_name(name)?;
        let _guard = self.lock.lock();
        let map = self.read()?;
        Ok(Self::key_of(&map, name)
            .and_then(|k| map.get(&k).cloned())
            .map(SecretString::from))
    }

    async fn set(&self, name: &str, value: SecretString) -> Result<(), Error> {
        validate_secret_name(name)?;
        let _guard = self.lock.lock();
        let mut map = self.read()?;
        let key = Self::key_of(&map, name).unwrap_or_else(|| name.to_string());
        map.insert(key, value.expose_secret().to_string());
        self.write(&map)
    }

    async fn delete(&self, name: &str) -> Result<bool, Error> {
        validate_secret_name(name)?;
        let _guard = self.lock.lock();
        let mut map = self.read()?;
        match Self::key_of(&map, name) {
            Some(k) => {
                map.remove(&k);
                self.write(&map)?;
                Ok(true)
            }
            None => Ok(false),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &str) -> SecretString {
        SecretString::from(v.to_string())
    }

    #[tokio::test]
    async fn env_store_maps_names_and_overlays_writes() {
        let store = EnvSecretStore::with_lookup(|k| match k {
            "CIPP_REFRESH_TOKEN" => Some("rt-env".into()),
            "CIPP_SECRET_6F1C0000_0000_0000_0000_000000000001" => Some("direct".into()),
            _ => None,
        });
        assert_eq!(
            store
                .get("refreshtoken")
                .await
                .unwrap()
                .unwrap()
                .expose_secret(),
            "rt-env"
        );
        assert_eq!(
            store
                .get("6f1c0000-0000-0000-0000-000000000001")
                .await
                .unwrap()
                .unwrap()
                .expose_secret(),
            "direct"
        );
        assert!(store.get("HIBP").await.unwrap().is_none());
        store.set("RefreshToken", s("rt-new")).await.unwrap();
        assert_eq!(
            store
                .get("RefreshToken")
                .await
                .unwrap()
                .unwrap()
                .expose_secret(),
            "rt-new"
        );
        assert!(store.delete("RefreshToken").await.unwrap());
        assert!(store.get("RefreshToken").await.unwrap().is_none());
        assert!(store.get("bad name!").await.is_err());
        assert_eq!(EnvSecretStore::variable_for("TenantID"), "CIPP_TENANT_ID");
    }

    #[tokio::test]
    async fn file_store_round_trips_with_private_mode() {
        let dir = std::env::temp_dir().join(format!("cipp-fss-{}", uuid::Uuid::new_v4()));
        let path = dir.join("nested").join("secrets.json");
        let store = FileSecretStore::new(&path);
        assert!(store.get("RefreshToken").await.unwrap().is_none());
        store.set("refreshtoken", s("one")).await.unwrap();
        store.set("RefreshToken", s("two")).await.unwrap();
        store.set("ApplicationID", s("app")).await.unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        // One entry, with the spelling first written.
        assert_eq!(v["refreshtoken"], "two");
        assert!(v.get("RefreshToken").is_none());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
        }
        assert!(store.delete("REFRESHTOKEN").await.unwrap());
        assert!(!store.delete("REFRESHTOKEN").await.unwrap());
        // No temporary files left behind.
        let leftovers: Vec<_> = std::fs::read_dir(path.parent().unwrap())
            .unwrap()
            .filter_map(|e| e.ok())
            .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
            .collect();
        assert!(leftovers.is_empty());
        std::fs::write(&path, "{not json").unwrap();
        let err = store.get("x").await.unwrap_err().to_string();
        assert!(
            err.contains("secrets.json") && err.contains("JSON"),
            "{err}"
        );
        let _ = std::fs::remove_dir_all(dir);
    }
}

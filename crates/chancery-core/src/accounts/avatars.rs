//! Avatars cached in the data folder: downloaded once through reqwest (or copied from a local
//! file) into `<data_dir>/avatars/`, so the UI never fetches a remote image.

use std::path::{Path, PathBuf};
use std::time::Duration;

use sha2::{Digest, Sha256};

use crate::CoreError;

/// The folder under the data folder.
pub const AVATAR_DIR: &str = "avatars";
/// The largest avatar kept.
pub const MAX_AVATAR_BYTES: usize = 2 * 1024 * 1024;

/// Downloads and copies avatars into the cache folder.
#[derive(Debug, Clone)]
pub struct AvatarCache {
    dir: PathBuf,
    http: reqwest::Client,
}

fn extension_for(content_type: &str) -> Option<&'static str> {
    let ct = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    Some(match ct.as_str() {
        "image/png" => "png",
        "image/jpeg" | "image/jpg" | "image/pjpeg" => "jpg",
        "image/gif" => "gif",
        "image/webp" => "webp",
        "image/svg+xml" => "svg",
        _ => return None,
    })
}

fn hex_digest(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

impl AvatarCache {
    pub fn new(data_dir: &Path) -> Result<AvatarCache, CoreError> {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(15))
            .connect_timeout(Duration::from_secs(5))
            .redirect(reqwest::redirect::Policy::limited(3))
            .user_agent(format!("Chancery/{}", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| CoreError::Internal(format!("avatar client: {}", e.without_url())))?;
        Ok(AvatarCache {
            dir: data_dir.join(AVATAR_DIR),
            http,
        })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Is `path` already a file of this cache?
    pub fn contains(&self, path: &Path) -> bool {
        path.starts_with(&self.dir) && path.is_file()
    }

    /// The cached file for `source` (an http(s) URL or a local file path), fetching it only if
    /// it is not cached yet. Returns the local path.
    pub async fn fetch(&self, source: &str) -> Result<PathBuf, CoreError> {
        let source = source.trim();
        if source.starts_with("http://") || source.starts_with("https://") {
            self.download(source).await
        } else {
            self.copy_local(Path::new(source)).await
        }
    }

    async fn ensure_dir(&self) -> Result<(), CoreError> {
        tokio::fs::create_dir_all(&self.dir)
            .await
            .map_err(|e| CoreError::io(format!("creating {}", self.dir.display()), e))
    }

    async fn download(&self, url: &str) -> Result<PathBuf, CoreError> {
        let stem = hex_digest(url.as_bytes());
        // Downloaded once: any file with this stem is the cached copy.
        for ext in ["png", "jpg", "gif", "webp", "svg"] {
            let p = self.dir.join(format!("{}.{ext}", &stem[..32]));
            if p.is_file() {
                return Ok(p);
            }
        }
        let fail = |what: String| {
            CoreError::Network(format!("the avatar could not be downloaded: {what}"))
        };
        let mut resp = self
            .http
            .get(url)
            .send()
            .await
            .map_err(|e| fail(e.without_url().to_string()))?;
        if !resp.status().is_success() {
            return Err(fail(format!("HTTP {}", resp.status().as_u16())));
        }
        let ct = resp
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        let ext = extension_for(&ct).ok_or_else(|| {
            CoreError::Validation(format!("the avatar is not an image (Content-Type `{ct}`)"))
        })?;
        let mut bytes = Vec::new();
        while let Some(chunk) = resp
            .chunk()
            .await
            .map_err(|e| fail(e.without_url().to_string()))?
        {
            if bytes.len() + chunk.len() > MAX_AVATAR_BYTES {
                return Err(CoreError::Validation(format!(
                    "the avatar is larger than {MAX_AVATAR_BYTES} bytes"
                )));
            }
            bytes.extend_from_slice(&chunk);
        }
        self.write(&format!("{}.{ext}", &stem[..32]), &bytes).await
    }

    async fn copy_local(&self, path: &Path) -> Result<PathBuf, CoreError> {
        if self.contains(path) {
            return Ok(path.to_path_buf());
        }
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase)
            .filter(|e| matches!(e.as_str(), "png" | "jpg" | "jpeg" | "gif" | "webp" | "svg"))
            .ok_or_else(|| {
                CoreError::Validation(format!(
                    "{} is not a png, jpg, gif, webp or svg file",
                    path.display()
                ))
            })?;
        let meta = tokio::fs::metadata(path).await.map_err(|e| {
            CoreError::Validation(format!(
                "cannot read the avatar file {}: {e}",
                path.display()
            ))
        })?;
        if meta.len() as usize > MAX_AVATAR_BYTES {
            return Err(CoreError::Validation(format!(
                "{} is larger than {MAX_AVATAR_BYTES} bytes",
                path.display()
            )));
        }
        let bytes = tokio::fs::read(path).await.map_err(|e| {
            CoreError::Validation(format!(
                "cannot read the avatar file {}: {e}",
                path.display()
            ))
        })?;
        let name = format!(
            "{}.{}",
            &hex_digest(&bytes)[..32],
            if ext == "jpeg" { "jpg" } else { ext.as_str() }
        );
        self.write(&name, &bytes).await
    }

    async fn write(&self, name: &str, bytes: &[u8]) -> Result<PathBuf, CoreError> {
        self.ensure_dir().await?;
        let path = self.dir.join(name);
        if path.is_file() {
            return Ok(path);
        }
        // Several imports may cache the same picture at once: each writes its own temporary file.
        static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let tmp = self
            .dir
            .join(format!(".{name}.{}-{n}.tmp", std::process::id()));
        tokio::fs::write(&tmp, bytes)
            .await
            .map_err(|e| CoreError::io(format!("writing {}", tmp.display()), e))?;
        match tokio::fs::rename(&tmp, &path).await {
            Ok(()) => Ok(path),
            Err(_) if path.is_file() => {
                let _ = tokio::fs::remove_file(&tmp).await;
                Ok(path)
            }
            Err(e) => {
                let _ = tokio::fs::remove_file(&tmp).await;
                Err(CoreError::io(format!("saving {}", path.display()), e))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn local_files_are_copied_once_and_bad_ones_refused() {
        let dir = tempfile::tempdir().unwrap();
        let cache = AvatarCache::new(dir.path()).unwrap();
        let src = dir.path().join("me.PNG");
        std::fs::write(&src, b"\x89PNG fake").unwrap();
        let a = cache.fetch(src.to_str().unwrap()).await.unwrap();
        assert!(cache.contains(&a));
        assert_eq!(a.extension().unwrap(), "png");
        let b = cache.fetch(a.to_str().unwrap()).await.unwrap();
        assert_eq!(a, b);
        std::fs::write(dir.path().join("x.exe"), b"MZ").unwrap();
        assert!(cache
            .fetch(dir.path().join("x.exe").to_str().unwrap())
            .await
            .is_err());
        assert!(cache.fetch("/no/such/file.png").await.is_err());
        assert_eq!(extension_for("image/svg+xml; charset=utf-8"), Some("svg"));
        assert_eq!(extension_for("text/html"), None);
    }
}

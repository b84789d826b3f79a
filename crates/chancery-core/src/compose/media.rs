//! Images attached to drafts: local files identified by the SHA-256 of their bytes. The
//! upload happens at publish time; until then validation checks the file is still there and
//! unchanged.

use std::path::Path;

use chancery_model::drafts::MediaAttachment;
use sha2::{Digest, Sha256};

use crate::CoreError;

/// Largest file Chancery reads to attach (no network takes more for an image).
pub const MAX_ATTACH_BYTES: u64 = 64 * 1024 * 1024;

/// The state of an attached file now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MediaFileState {
    Unchanged,
    Missing,
    Changed,
}

/// The type of an image from its first bytes (`None` when not recognised).
pub fn sniff_mime(bytes: &[u8]) -> Option<&'static str> {
    infer::get(bytes).map(|k| k.mime_type())
}

/// Read a file and describe it for attaching: hash, type, size.
pub async fn inspect(path: &Path, alt_text: Option<String>) -> Result<MediaAttachment, CoreError> {
    let meta = tokio::fs::metadata(path)
        .await
        .map_err(|e| CoreError::Validation(format!("cannot attach {}: {e}", path.display())))?;
    if !meta.is_file() {
        return Err(CoreError::Validation(format!(
            "{} is not a file",
            path.display()
        )));
    }
    if meta.len() > MAX_ATTACH_BYTES {
        return Err(CoreError::Validation(format!(
            "{} is {} MB; images over {} MB cannot be attached",
            path.display(),
            meta.len() / 1_000_000,
            MAX_ATTACH_BYTES / 1_000_000
        )));
    }
    let bytes = tokio::fs::read(path)
        .await
        .map_err(|e| CoreError::Validation(format!("cannot read {}: {e}", path.display())))?;
    let mime = sniff_mime(&bytes).unwrap_or("application/octet-stream");
    let path = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    Ok(MediaAttachment {
        path: path.display().to_string(),
        sha256: hex::encode(Sha256::digest(&bytes)),
        mime_type: mime.to_string(),
        size_bytes: bytes.len() as u64,
        alt_text: alt_text.filter(|a| !a.trim().is_empty()),
    })
}

/// Is the attached file still there with the same bytes?
pub async fn check(m: &MediaAttachment) -> MediaFileState {
    match tokio::fs::read(&m.path).await {
        Err(_) => MediaFileState::Missing,
        Ok(bytes) if hex::encode(Sha256::digest(&bytes)) == m.sha256 => MediaFileState::Unchanged,
        Ok(_) => MediaFileState::Changed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_image_types_from_their_bytes() {
        assert_eq!(
            sniff_mime(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"),
            Some("image/png")
        );
        assert_eq!(
            sniff_mime(b"\xff\xd8\xff\xe0\0\x10JFIF\0"),
            Some("image/jpeg")
        );
        assert_eq!(sniff_mime(b"GIF89a\x01\0\x01\0"), Some("image/gif"));
        assert_eq!(sniff_mime(b"RIFF\x24\0\0\0WEBPVP8 "), Some("image/webp"));
        assert_eq!(sniff_mime(b"hello world"), None);
    }

    #[tokio::test]
    async fn inspect_then_check_detects_changes_and_removal() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("flag.png");
        std::fs::write(&p, b"\x89PNG\r\n\x1a\n\0\0\0\rIHDRxxxx").unwrap();
        let m = inspect(&p, Some("  ".into())).await.unwrap();
        assert_eq!(m.mime_type, "image/png");
        assert_eq!(m.size_bytes, 20);
        assert!(m.alt_text.is_none());
        assert_eq!(check(&m).await, MediaFileState::Unchanged);
        std::fs::write(&p, b"\x89PNG\r\n\x1a\n\0\0\0\rIHDRyyyy").unwrap();
        assert_eq!(check(&m).await, MediaFileState::Changed);
        std::fs::remove_file(&p).unwrap();
        assert_eq!(check(&m).await, MediaFileState::Missing);
        assert!(inspect(&p, None).await.is_err());
    }
}

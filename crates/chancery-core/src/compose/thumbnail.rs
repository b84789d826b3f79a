//! Small previews of attached images for the composer and the review page.
//!
//! The window's content security policy allows images only from the app itself, `data:` and
//! `blob:` URLs, so it cannot show a local file directly. [`App::media_thumbnail`] reads the
//! attached file, checks it still has the SHA-256 it was attached with, scales it down to fit
//! a square of `max_px` and returns it as a `data:` URL (JPEG, or PNG when the image has
//! transparency).
//!
//! Asking by hash is deliberate: the window can only get a preview of a file whose content it
//! already knows (one it attached through the file dialog), never of an arbitrary path.

use std::io::Cursor;
use std::path::Path;

use base64::Engine as _;
use chancery_model::drafts::MediaAttachment;
use image::{DynamicImage, ImageFormat, ImageReader, Limits};
use sha2::{Digest, Sha256};

use super::media::MAX_ATTACH_BYTES;
use crate::{App, CoreError};

/// The largest preview edge the window may ask for (pixels).
pub const MAX_THUMBNAIL_PX: u32 = 640;
/// Images wider or taller than this are not decoded (a guard against decompression bombs).
const MAX_DECODE_EDGE: u32 = 20_000;
const JPEG_QUALITY: u8 = 82;

/// Decode `bytes` and encode a preview that fits in `max_px` × `max_px` as a `data:` URL.
pub fn thumbnail_data_url(bytes: &[u8], max_px: u32) -> Result<String, CoreError> {
    let max_px = max_px.clamp(16, MAX_THUMBNAIL_PX);
    let mut reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| CoreError::Validation(format!("the image cannot be read: {e}")))?;
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_DECODE_EDGE);
    limits.max_image_height = Some(MAX_DECODE_EDGE);
    limits.max_alloc = Some(512 * 1024 * 1024);
    reader.limits(limits);
    let img = reader
        .decode()
        .map_err(|e| CoreError::Validation(format!("the image cannot be previewed: {e}")))?;
    let small = if img.width() > max_px || img.height() > max_px {
        img.thumbnail(max_px, max_px)
    } else {
        img
    };
    let mut out = Vec::new();
    let mime = if small.color().has_alpha() {
        small
            .write_to(&mut Cursor::new(&mut out), ImageFormat::Png)
            .map_err(|e| CoreError::Internal(format!("encoding a preview: {e}")))?;
        "image/png"
    } else {
        let rgb = DynamicImage::ImageRgb8(small.to_rgb8());
        let enc = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, JPEG_QUALITY);
        rgb.write_with_encoder(enc)
            .map_err(|e| CoreError::Internal(format!("encoding a preview: {e}")))?;
        "image/jpeg"
    };
    Ok(format!(
        "data:{mime};base64,{}",
        base64::engine::general_purpose::STANDARD.encode(&out)
    ))
}

impl App {
    /// A small preview of an attached image as a `data:` URL, or `None` when the file is no
    /// longer there or no longer has `sha256` (validation says so in words).
    pub async fn media_thumbnail(
        &self,
        path: &Path,
        sha256: &str,
        max_px: u32,
    ) -> Result<Option<String>, CoreError> {
        let Ok(meta) = tokio::fs::metadata(path).await else {
            return Ok(None);
        };
        if !meta.is_file() || meta.len() > MAX_ATTACH_BYTES {
            return Ok(None);
        }
        let Ok(bytes) = tokio::fs::read(path).await else {
            return Ok(None);
        };
        if !hex::encode(Sha256::digest(&bytes)).eq_ignore_ascii_case(sha256) {
            return Ok(None);
        }
        tokio::task::spawn_blocking(move || thumbnail_data_url(&bytes, max_px))
            .await
            .map_err(|e| CoreError::Internal(format!("preview task: {e}")))?
            .map(Some)
    }

    /// [`App::media_thumbnail`] for an attachment.
    pub async fn attachment_thumbnail(
        &self,
        media: &MediaAttachment,
        max_px: u32,
    ) -> Result<Option<String>, CoreError> {
        self.media_thumbnail(Path::new(&media.path), &media.sha256, max_px)
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::{Rgb, RgbImage, Rgba, RgbaImage};

    fn png(img: DynamicImage) -> Vec<u8> {
        let mut out = Vec::new();
        img.write_to(&mut Cursor::new(&mut out), ImageFormat::Png)
            .unwrap();
        out
    }

    fn decode_data_url(url: &str) -> (String, DynamicImage) {
        let (head, b64) = url.split_once(";base64,").unwrap();
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(b64)
            .unwrap();
        (
            head.trim_start_matches("data:").to_string(),
            image::load_from_memory(&bytes).unwrap(),
        )
    }

    #[test]
    fn a_large_photo_becomes_a_small_jpeg_keeping_its_shape() {
        let photo = RgbImage::from_fn(1200, 600, |x, _| Rgb([(x % 256) as u8, 90, 160]));
        let url = thumbnail_data_url(&png(DynamicImage::ImageRgb8(photo)), 240).unwrap();
        let (mime, img) = decode_data_url(&url);
        assert_eq!(mime, "image/jpeg");
        assert_eq!((img.width(), img.height()), (240, 120));
    }

    #[test]
    fn transparency_is_kept_as_png_and_small_images_are_not_enlarged() {
        let logo = RgbaImage::from_pixel(40, 30, Rgba([10, 20, 30, 0]));
        let url = thumbnail_data_url(&png(DynamicImage::ImageRgba8(logo)), 240).unwrap();
        let (mime, img) = decode_data_url(&url);
        assert_eq!(mime, "image/png");
        assert_eq!((img.width(), img.height()), (40, 30));
    }

    #[test]
    fn what_is_not_an_image_is_refused_in_words() {
        let e = thumbnail_data_url(b"not an image at all", 240).unwrap_err();
        assert!(matches!(e, CoreError::Validation(_)), "{e:?}");
    }

    #[tokio::test]
    async fn only_the_file_with_the_attached_hash_is_previewed() {
        let dir = tempfile::tempdir().unwrap();
        let app = App::open(crate::AppConfig {
            data_dir: dir.path().join("data"),
            workspace_id: format!("thumb-test-{}", std::process::id()),
        })
        .await
        .unwrap();
        let p = dir.path().join("flag.png");
        let bytes = png(DynamicImage::ImageRgb8(RgbImage::from_pixel(
            800,
            800,
            Rgb([200, 16, 46]),
        )));
        std::fs::write(&p, &bytes).unwrap();
        let m = super::super::media::inspect(&p, None).await.unwrap();
        let url = app.attachment_thumbnail(&m, 120).await.unwrap().unwrap();
        assert!(url.starts_with("data:image/jpeg;base64,"));
        // Another hash: nothing (the window cannot read files it does not know).
        assert_eq!(
            app.media_thumbnail(&p, &"0".repeat(64), 120).await.unwrap(),
            None
        );
        // Changed on disk, or gone: nothing.
        std::fs::write(&p, b"changed").unwrap();
        assert_eq!(app.attachment_thumbnail(&m, 120).await.unwrap(), None);
        std::fs::remove_file(&p).unwrap();
        assert_eq!(app.attachment_thumbnail(&m, 120).await.unwrap(), None);
    }
}

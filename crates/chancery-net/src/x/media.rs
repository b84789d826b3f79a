//! Media upload (v2): `POST /2/media/upload` for small images, and the chunked
//! `initialize` / `{id}/append` / `{id}/finalize` sequence (with `STATUS` polling while X
//! processes a video) for everything else. Scope `media.write`.

use std::time::Duration;

use serde::Serialize;

use super::wire::XMedia;
use super::{call, data_of, is_success, XClient};
use crate::error::{NetError, NetFailure};
use crate::transport::{self, NetResult, Reply};
use crate::Auth;
use chancery_model::accounts::Network;

/// Images up to this size go through the one-request upload (X's image limit is 5 MB).
pub const SIMPLE_UPLOAD_MAX_BYTES: usize = 5 * 1024 * 1024;
/// Segment size of chunked uploads.
pub const DEFAULT_CHUNK_BYTES: usize = 4 * 1024 * 1024;
/// X allows segment indexes 0..=999.
const MAX_SEGMENTS: usize = 1000;
/// How many STATUS polls before giving up on processing.
const MAX_STATUS_POLLS: u32 = 120;
/// How long to wait for processing at most.
const MAX_PROCESSING_WAIT: Duration = Duration::from_secs(600);

/// `media_category`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MediaCategory {
    TweetImage,
    TweetGif,
    TweetVideo,
}

impl MediaCategory {
    pub fn as_str(self) -> &'static str {
        match self {
            MediaCategory::TweetImage => "tweet_image",
            MediaCategory::TweetGif => "tweet_gif",
            MediaCategory::TweetVideo => "tweet_video",
        }
    }

    /// From a MIME type: `image/gif` → gif, `video/*` → video, other images → image.
    pub fn for_media_type(media_type: &str) -> Option<MediaCategory> {
        match media_type {
            "image/gif" => Some(MediaCategory::TweetGif),
            t if t.starts_with("video/") => Some(MediaCategory::TweetVideo),
            t if t.starts_with("image/") => Some(MediaCategory::TweetImage),
            _ => None,
        }
    }
}

#[derive(Serialize)]
struct Initialize<'a> {
    media_type: &'a str,
    total_bytes: u64,
    media_category: &'a str,
}

impl XClient {
    /// Uploads `bytes`: small images in one request, anything else in chunks. Waits (bounded)
    /// until X has processed the media, so the id can be attached at once.
    pub async fn upload_media(
        &self,
        auth: &Auth<'_>,
        bytes: &[u8],
        media_type: &str,
    ) -> NetResult<XMedia> {
        let category = MediaCategory::for_media_type(media_type).ok_or_else(|| {
            NetFailure::new(NetError::InvalidRequest {
                network: Network::X,
                detail: format!("X does not take `{media_type}` attachments"),
            })
        })?;
        if category == MediaCategory::TweetImage && bytes.len() <= SIMPLE_UPLOAD_MAX_BYTES {
            self.upload_media_simple(auth, bytes, media_type, category)
                .await
        } else {
            self.upload_media_chunked(auth, bytes, media_type, category, DEFAULT_CHUNK_BYTES)
                .await
        }
    }

    /// `POST /2/media/upload` (multipart: `media`, `media_category`).
    pub async fn upload_media_simple(
        &self,
        auth: &Auth<'_>,
        bytes: &[u8],
        media_type: &str,
        category: MediaCategory,
    ) -> NetResult<XMedia> {
        let url = self.url(&["media", "upload"])?;
        let part = reqwest::multipart::Part::bytes(bytes.to_vec())
            .file_name("media")
            .mime_str(media_type)
            .map_err(|_| {
                NetFailure::new(NetError::Config(format!(
                    "`{media_type}` is not a MIME type"
                )))
            })?;
        let form = reqwest::multipart::Form::new()
            .text("media_category", category.as_str())
            .part("media", part);
        let req = self
            .request(reqwest::Method::POST, url, auth)
            .multipart(form);
        let c = call("x.media_upload", "POST", auth);
        let reply = transport::run(c, req, |raw| data_of::<XMedia>(&c, raw)).await?;
        self.wait_until_processed(auth, reply).await
    }

    /// Chunked upload: `initialize`, one `append` per `chunk_bytes` segment, `finalize`, then
    /// `STATUS` polls while X processes.
    pub async fn upload_media_chunked(
        &self,
        auth: &Auth<'_>,
        bytes: &[u8],
        media_type: &str,
        category: MediaCategory,
        chunk_bytes: usize,
    ) -> NetResult<XMedia> {
        let chunk_bytes = chunk_bytes.max(1);
        if bytes.is_empty() || bytes.len().div_ceil(chunk_bytes) > MAX_SEGMENTS {
            return Err(NetError::InvalidRequest {
                network: Network::X,
                detail: format!(
                    "{} bytes cannot be sent in at most {MAX_SEGMENTS} segments",
                    bytes.len()
                ),
            }
            .into());
        }
        let url = self.url(&["media", "upload", "initialize"])?;
        let req = self
            .request(reqwest::Method::POST, url, auth)
            .json(&Initialize {
                media_type,
                total_bytes: bytes.len() as u64,
                media_category: category.as_str(),
            });
        let c = call("x.media_initialize", "POST", auth);
        let init = transport::run(c, req, |raw| data_of::<XMedia>(&c, raw)).await?;
        let id = init.data.id.clone();
        super::check_id("media id", &id)?;
        for (index, chunk) in bytes.chunks(chunk_bytes).enumerate() {
            let url = self.url(&["media", "upload", &id, "append"])?;
            let part = reqwest::multipart::Part::bytes(chunk.to_vec())
                .file_name("media")
                .mime_str("application/octet-stream")
                .map_err(|_| NetFailure::new(NetError::Config("octet-stream".into())))?;
            let form = reqwest::multipart::Form::new()
                .text("segment_index", index.to_string())
                .part("media", part);
            let req = self
                .request(reqwest::Method::POST, url, auth)
                .multipart(form);
            let c = call("x.media_append", "POST", auth);
            transport::run(c, req, |raw| {
                if !is_success(raw.status) {
                    return Err(super::classify(&c, &raw));
                }
                Ok(Reply {
                    data: (),
                    budget: raw.budget,
                    status: raw.status,
                })
            })
            .await?;
        }
        let url = self.url(&["media", "upload", &id, "finalize"])?;
        let req = self.request(reqwest::Method::POST, url, auth);
        let c = call("x.media_finalize", "POST", auth);
        let fin = transport::run(c, req, |raw| data_of::<XMedia>(&c, raw)).await?;
        self.wait_until_processed(auth, fin).await
    }

    /// `GET /2/media/upload?command=STATUS&media_id=`.
    pub async fn media_status(&self, auth: &Auth<'_>, media_id: &str) -> NetResult<XMedia> {
        super::check_id("media id", media_id)?;
        let url = self.url(&["media", "upload"])?;
        let req = self
            .request(reqwest::Method::GET, url, auth)
            .query(&[("command", "STATUS"), ("media_id", media_id)]);
        let c = call("x.media_status", "GET", auth);
        transport::run(c, req, |raw| data_of::<XMedia>(&c, raw)).await
    }

    async fn wait_until_processed(
        &self,
        auth: &Auth<'_>,
        mut reply: Reply<XMedia>,
    ) -> NetResult<XMedia> {
        let started = tokio::time::Instant::now();
        let mut polls = 0;
        loop {
            let Some(info) = reply.data.processing_info.clone() else {
                return Ok(reply);
            };
            match info.state.as_str() {
                "succeeded" => return Ok(reply),
                "failed" => {
                    return Err(NetFailure::with_budget(
                        NetError::InvalidRequest {
                            network: Network::X,
                            detail: "X could not process this media file".into(),
                        },
                        reply.budget,
                    ))
                }
                _ => {}
            }
            polls += 1;
            let wait = Duration::from_secs(info.check_after_secs.unwrap_or(1).clamp(1, 30));
            if polls > MAX_STATUS_POLLS || started.elapsed() + wait > MAX_PROCESSING_WAIT {
                return Err(NetFailure::with_budget(
                    NetError::Timeout {
                        endpoint: "x.media_status".into(),
                    },
                    reply.budget,
                ));
            }
            tokio::time::sleep(wait).await;
            reply = self.media_status(auth, &reply.data.id).await?;
        }
    }
}

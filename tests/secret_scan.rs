//! The "no token leaked" check, reusable after any story (connect, import, a full sync...).
//!
//! It looks for every known token string in every file of the given folders (the SQLite
//! database and its `-wal`/`-shm`, `workspace.json`, avatars, the log files), in the raw bytes
//! and inside any zstd frame found in them (the store compresses large raw payloads), and in
//! every text or blob value of every table of the SQLite databases found there (decompressed
//! when it is a zstd frame, since a compressed value can span overflow pages).

use std::collections::BTreeSet;
use std::io::Read;
use std::path::{Path, PathBuf};

use chancery_sandbox::{Credentials, Manifest};

/// A secret to look for, with a label that names it without showing it.
#[derive(Debug, Clone)]
pub struct KnownSecret {
    pub label: String,
    pub value: String,
}

/// Where a secret was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Leak {
    pub file: PathBuf,
    /// `bytes`, `zstd frame at N`, or `table.column`.
    pub place: String,
    pub label: String,
}

/// Every secret a sandbox manifest holds: X access and refresh tokens, Page tokens, the
/// Facebook user token, the app bearer token and both app secrets.
pub fn manifest_secrets(m: &Manifest) -> Vec<KnownSecret> {
    let mut out = vec![
        KnownSecret {
            label: "x app bearer token".into(),
            value: m.x.app_bearer_token.clone(),
        },
        KnownSecret {
            label: "x client secret".into(),
            value: m.x.client_secret.clone(),
        },
        KnownSecret {
            label: "facebook app secret".into(),
            value: m.facebook.app_secret.clone(),
        },
        KnownSecret {
            label: "facebook user token".into(),
            value: m.facebook.user_access_token.clone(),
        },
    ];
    for a in &m.accounts {
        match &a.credentials {
            Credentials::XUser {
                access_token,
                refresh_token,
                ..
            } => {
                out.push(KnownSecret {
                    label: format!("@{} access token", a.username),
                    value: access_token.clone(),
                });
                out.push(KnownSecret {
                    label: format!("@{} refresh token", a.username),
                    value: refresh_token.clone(),
                });
            }
            Credentials::FacebookPage {
                page_access_token, ..
            } => {
                out.push(KnownSecret {
                    label: format!("{} page token", a.username),
                    value: page_access_token.clone(),
                });
            }
        }
    }
    out
}

fn files_under(root: &Path, out: &mut Vec<PathBuf>, depth: usize) {
    if depth > 8 {
        return;
    }
    let Ok(entries) = std::fs::read_dir(root) else {
        if root.is_file() {
            out.push(root.to_path_buf());
        }
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            files_under(&p, out, depth + 1);
        } else if p.is_file() {
            out.push(p);
        }
    }
}

const ZSTD_MAGIC: [u8; 4] = [0x28, 0xB5, 0x2F, 0xFD];
const MAX_DECOMPRESSED: u64 = 64 * 1024 * 1024;

fn decompress_frame(bytes: &[u8]) -> Option<Vec<u8>> {
    let mut decoder = zstd::stream::read::Decoder::new(bytes).ok()?.single_frame();
    let mut out = Vec::new();
    (&mut decoder)
        .take(MAX_DECOMPRESSED)
        .read_to_end(&mut out)
        .ok()?;
    Some(out)
}

fn find(hay: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && hay.windows(needle.len()).any(|w| w == needle)
}

fn scan_bytes(
    file: &Path,
    place: &str,
    bytes: &[u8],
    secrets: &[KnownSecret],
    leaks: &mut Vec<Leak>,
) {
    for s in secrets {
        if find(bytes, s.value.as_bytes()) {
            leaks.push(Leak {
                file: file.to_path_buf(),
                place: place.to_string(),
                label: s.label.clone(),
            });
        }
    }
}

/// Scans every file under `roots` (files or folders).
pub async fn scan(roots: &[&Path], secrets: &[KnownSecret]) -> Vec<Leak> {
    let secrets: Vec<KnownSecret> = secrets
        .iter()
        .filter(|s| s.value.len() >= 8)
        .cloned()
        .collect();
    let mut files = Vec::new();
    for r in roots {
        files_under(r, &mut files, 0);
    }
    let mut leaks = Vec::new();
    for f in &files {
        let Ok(bytes) = std::fs::read(f) else {
            continue;
        };
        scan_bytes(f, "bytes", &bytes, &secrets, &mut leaks);
        let mut i = 0;
        while i + 4 <= bytes.len() {
            if bytes[i..i + 4] == ZSTD_MAGIC {
                if let Some(plain) = decompress_frame(&bytes[i..]) {
                    scan_bytes(
                        f,
                        &format!("zstd frame at {i}"),
                        &plain,
                        &secrets,
                        &mut leaks,
                    );
                }
            }
            i += 1;
        }
        let is_sqlite = bytes.starts_with(b"SQLite format 3\0");
        if is_sqlite {
            scan_sqlite(f, &secrets, &mut leaks).await;
        }
    }
    let mut seen = BTreeSet::new();
    leaks.retain(|l| seen.insert((l.file.clone(), l.place.clone(), l.label.clone())));
    leaks
}

/// Every value of every table, decompressed when it is a zstd frame.
async fn scan_sqlite(file: &Path, secrets: &[KnownSecret], leaks: &mut Vec<Leak>) {
    use sqlx::{Connection, Row};
    let opts = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(file)
        .read_only(true);
    let Ok(mut conn) = sqlx::SqliteConnection::connect_with(&opts).await else {
        return;
    };
    let tables: Vec<String> =
        sqlx::query_scalar("SELECT name FROM sqlite_master WHERE type = 'table'")
            .fetch_all(&mut conn)
            .await
            .unwrap_or_default();
    for t in tables {
        let cols: Vec<String> = sqlx::query(sqlx::AssertSqlSafe(format!(
            "PRAGMA table_info(\"{}\")",
            t.replace('"', "\"\"")
        )))
        .fetch_all(&mut conn)
        .await
        .map(|rows| {
            rows.iter()
                .filter_map(|r| r.try_get::<String, _>(1).ok())
                .collect()
        })
        .unwrap_or_default();
        for c in cols {
            let sql = format!(
                "SELECT CAST(\"{}\" AS BLOB) FROM \"{}\"",
                c.replace('"', "\"\""),
                t.replace('"', "\"\"")
            );
            let Ok(rows) = sqlx::query(sqlx::AssertSqlSafe(sql))
                .fetch_all(&mut conn)
                .await
            else {
                continue;
            };
            for r in rows {
                let Ok(Some(v)) = r.try_get::<Option<Vec<u8>>, _>(0) else {
                    continue;
                };
                let place = format!("{t}.{c}");
                scan_bytes(file, &place, &v, secrets, leaks);
                if v.starts_with(&ZSTD_MAGIC) {
                    if let Some(plain) = decompress_frame(&v) {
                        scan_bytes(
                            file,
                            &format!("{place} (decompressed)"),
                            &plain,
                            secrets,
                            leaks,
                        );
                    }
                }
            }
        }
    }
}

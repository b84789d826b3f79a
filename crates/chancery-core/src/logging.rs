//! Tracing set-up shared by the desktop app and the CLI: stderr plus a rotating log file.
//!
//! `RUST_LOG` is honoured (for example `RUST_LOG=chancery_core=debug`). Tokens never reach the
//! logs because they are held in [`crate::secrets`] types that print as `[REDACTED]`.

use std::path::Path;

use tracing_appender::non_blocking::WorkerGuard;
use tracing_subscriber::{fmt, layer::SubscriberExt, util::SubscriberInitExt, EnvFilter, Layer};

use crate::CoreError;

/// Default filter when `RUST_LOG` is not set.
pub const DEFAULT_FILTER: &str = "info,chancery_core=info,sqlx=warn,hyper=warn,reqwest=warn";

/// Keeps the background log writer alive; drop it at exit to flush the file.
pub struct LogGuard {
    _file: Option<WorkerGuard>,
}

/// How many daily log files to keep.
pub const KEEP_LOG_FILES: usize = 14;

/// Install the global subscriber: stderr, and (if `log_dir` is given) a daily-rotated file
/// `chancery.YYYY-MM-DD.log` in that folder, keeping the last [`KEEP_LOG_FILES`].
///
/// Calling it twice is harmless: the second call leaves the first subscriber in place.
pub fn init(log_dir: Option<&Path>) -> Result<LogGuard, CoreError> {
    init_with_default(log_dir, DEFAULT_FILTER)
}

/// Like [`init`], with the filter used when `RUST_LOG` is not set (the CLI is quieter by default).
pub fn init_with_default(
    log_dir: Option<&Path>,
    default_filter: &str,
) -> Result<LogGuard, CoreError> {
    let filter =
        || EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default_filter));
    let stderr = fmt::layer()
        .with_writer(std::io::stderr)
        .with_target(true)
        .with_filter(filter());
    let (file_layer, guard) = match log_dir {
        Some(dir) => {
            std::fs::create_dir_all(dir)
                .map_err(|e| CoreError::io(format!("creating log folder {}", dir.display()), e))?;
            let appender = tracing_appender::rolling::Builder::new()
                .rotation(tracing_appender::rolling::Rotation::DAILY)
                .filename_prefix("chancery")
                .filename_suffix("log")
                .max_log_files(KEEP_LOG_FILES)
                .build(dir)
                .map_err(|e| {
                    CoreError::Internal(format!("cannot open a log file in {}: {e}", dir.display()))
                })?;
            let (writer, guard) = tracing_appender::non_blocking(appender);
            let layer = fmt::layer()
                .with_writer(writer)
                .with_ansi(false)
                .with_target(true)
                .with_filter(filter());
            (Some(layer), Some(guard))
        }
        None => (None, None),
    };
    // try_init fails only if a subscriber is already installed (tests, a second call).
    let _ = tracing_subscriber::registry()
        .with(stderr)
        .with(file_layer)
        .try_init();
    Ok(LogGuard { _file: guard })
}

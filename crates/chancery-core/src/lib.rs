//! Chancery's core: the one API every host calls.
//!
//! The desktop shell, the `chancery` CLI and the tests all go through [`App`]. Nothing here
//! knows about Tauri; events leave the core as [`CoreEvent`]s on a channel.

pub mod accounts;
pub mod activity;
pub mod app;
pub mod audit;
pub mod compose;
pub mod connect;
pub mod error;
pub mod events;
pub mod inbox;
pub mod inbox_views;
pub mod logging;
pub mod notices;
pub mod outbox;
pub mod pause;
pub mod publish;
pub mod queue;
pub mod runtime;
pub mod schedule;
pub mod secrets;
pub mod session;
pub mod sync;
pub mod tokens;
pub mod workflow;
pub mod workspace;

pub use app::{default_data_dir, App, AppConfig, APP_IDENTIFIER};
pub use error::CoreError;
pub use events::CoreEvent;

//! Chancery's core: the one API every host calls.
//!
//! The desktop shell, the `chancery` CLI and the tests all go through [`App`]. Nothing here
//! knows about Tauri; events leave the core as [`CoreEvent`]s on a channel.

pub mod app;
pub mod error;
pub mod events;
pub mod logging;
pub mod secrets;

pub use app::{default_data_dir, App, AppConfig, APP_IDENTIFIER};
pub use error::CoreError;
pub use events::CoreEvent;

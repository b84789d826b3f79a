//! The composer: drafts, their versions, validation as you type, scheduling.

pub mod content_hash;
pub mod diff;
pub mod drafts;
pub mod media;
pub mod thumbnail;
pub mod validate;
pub mod x_text;

pub use content_hash::content_hash;
pub use validate::{validate, ReplyContext, TargetContext, ValidationContext};

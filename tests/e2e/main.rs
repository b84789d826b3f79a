//! End-to-end tests of the real desktop app: the built binary under Xvfb, driven through
//! WebDriver (tauri-driver in front of WebKitWebDriver).
//!
//! They need a display, a D-Bus session with an unlocked keyring and tauri-driver, so a plain
//! `cargo test` skips them (`#[ignore]`); `scripts/e2e` sets all that up and runs them with
//! `--ignored`. Screenshots of each screen are saved under `artifacts/e2e/`.
//!
//! One module per area of the app.

mod inbox;
mod pause;
mod publish;
mod smoke;

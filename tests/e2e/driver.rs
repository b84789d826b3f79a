//! Driving the real Chancery app in end-to-end tests.
//!
//! A small layer over fantoccini for driving the real app: launch with an isolated data folder,
//! wait for things with a bounded timeout, click, read, and save screenshots as artefacts.

use std::path::PathBuf;
use std::time::Duration;

use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
// WebDriver runs on loopback: plain HTTP, no TLS stack needed.
use hyper_util::client::legacy::connect::HttpConnector;

/// Longest we wait for anything to appear.
const WAIT: Duration = Duration::from_secs(20);

pub struct AppSession {
    client: Client,
    name: String,
    artifacts: PathBuf,
    _data: tempfile::TempDir,
}

fn env_path(var: &str) -> PathBuf {
    PathBuf::from(
        std::env::var(var)
            .unwrap_or_else(|_| panic!("{var} is not set: run the e2e tests through scripts/e2e")),
    )
}

impl AppSession {
    /// Start the app binary named by `CHANCERY_E2E_APP` through the WebDriver server at
    /// `CHANCERY_WEBDRIVER_URL`, with a fresh data folder.
    pub async fn launch(name: &str) -> AppSession {
        let app = env_path("CHANCERY_E2E_APP");
        let webdriver = std::env::var("CHANCERY_WEBDRIVER_URL")
            .unwrap_or_else(|_| "http://127.0.0.1:4444".into());
        let artifacts = std::env::var("CHANCERY_ARTIFACTS")
            .map(PathBuf::from)
            .unwrap_or_else(|_| PathBuf::from("../artifacts/e2e"));
        std::fs::create_dir_all(&artifacts).unwrap();
        let data = tempfile::tempdir().unwrap();

        let mut caps = serde_json::Map::new();
        caps.insert(
            "tauri:options".into(),
            serde_json::json!({
                "application": app,
                "args": ["--data-dir", data.path()],
            }),
        );
        caps.insert("browserName".into(), "wry".into());
        let mut last_err = None;
        // tauri-driver occasionally refuses the very first session while WebKitWebDriver starts.
        for _ in 0..3 {
            match ClientBuilder::new(HttpConnector::new())
                .capabilities(caps.clone())
                .connect(&webdriver)
                .await
            {
                Ok(client) => {
                    return AppSession {
                        client,
                        name: name.into(),
                        artifacts,
                        _data: data,
                    }
                }
                Err(e) => {
                    last_err = Some(e);
                    tokio::time::sleep(Duration::from_millis(500)).await;
                }
            }
        }
        panic!("could not start a WebDriver session at {webdriver}: {last_err:?}");
    }

    pub async fn wait_for(&self, css: &str) -> Element {
        match self
            .client
            .wait()
            .at_most(WAIT)
            .every(Duration::from_millis(100))
            .for_element(Locator::Css(css))
            .await
        {
            Ok(el) => el,
            Err(e) => {
                self.fail(&format!("{css} did not appear within {WAIT:?}: {e}"))
                    .await
            }
        }
    }

    /// Save a screenshot and the page's text, then fail the test with `why`.
    pub async fn fail(&self, why: &str) -> ! {
        let body = match self.client.find(Locator::Css("body")).await {
            Ok(b) => b.text().await.unwrap_or_default(),
            Err(_) => String::new(),
        };
        if let Ok(png) = self.client.screenshot().await {
            let _ = std::fs::write(
                self.artifacts.join(format!("{}-FAILED.png", self.name)),
                png,
            );
        }
        panic!("[{}] {why}\n--- page text ---\n{body}", self.name);
    }

    pub async fn wait_for_text(&self, css: &str, expected: &str) {
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            if let Ok(el) = self.client.find(Locator::Css(css)).await {
                if let Ok(t) = el.text().await {
                    if t.contains(expected) {
                        return;
                    }
                }
            }
            if tokio::time::Instant::now() >= deadline {
                self.fail(&format!("{css} never showed {expected:?}")).await;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    pub async fn click(&self, css: &str) {
        self.wait_for(css)
            .await
            .click()
            .await
            .unwrap_or_else(|e| panic!("[{}] clicking {css}: {e}", self.name));
    }

    pub async fn text(&self, css: &str) -> String {
        self.wait_for(css).await.text().await.unwrap()
    }

    /// Save a screenshot as `artifacts/e2e/<test>-<label>.png`, after letting the last change paint.
    pub async fn screenshot(&self, label: &str) {
        tokio::time::sleep(Duration::from_millis(600)).await;
        let png = self.client.screenshot().await.expect("screenshot");
        let path = self.artifacts.join(format!("{}-{label}.png", self.name));
        std::fs::write(&path, png).unwrap();
    }

    pub async fn close(self) {
        let _ = self.client.close().await;
    }
}

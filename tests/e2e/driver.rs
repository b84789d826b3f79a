//! Driving the real Chancery app in end-to-end tests.
//!
//! A small layer over fantoccini for driving the real app: launch with an isolated data folder,
//! wait for things with a bounded timeout, click, read, and save screenshots as artefacts.

use std::io::{Read, Write};
use std::path::PathBuf;
use std::time::Duration;

use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
// WebDriver runs on loopback: plain HTTP, no TLS stack needed.
use hyper_util::client::legacy::connect::HttpConnector;

/// Longest we wait for anything to appear.
pub const WAIT: Duration = Duration::from_secs(20);
/// Longest a launch may take: the first run creates the rehearsal workspace (240 accounts,
/// their credentials in the keyring) before the window answers.
const LAUNCH: Duration = Duration::from_secs(90);
/// How often conditions are polled.
const POLL: Duration = Duration::from_millis(100);

pub struct AppSession {
    client: Client,
    /// The WebDriver session, ended on drop if the test did not close it (a failed test): the
    /// driver allows one session at a time, so a leaked one would fail every later test.
    session: Option<(String, String)>,
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
        // The app answers only once its first run has created the rehearsal workspace; if it
        // dies before (no keyring, say), the session would never come: bound the wait.
        for _ in 0..3 {
            let mut builder = ClientBuilder::new(HttpConnector::new());
            builder.capabilities(caps.clone());
            match tokio::time::timeout(LAUNCH, builder.connect(&webdriver)).await {
                Ok(Ok(client)) => {
                    let session = client
                        .session_id()
                        .await
                        .ok()
                        .flatten()
                        .map(|id| (webdriver.clone(), id));
                    return AppSession {
                        client,
                        session,
                        name: name.into(),
                        artifacts,
                        _data: data,
                    };
                }
                Ok(Err(e)) => {
                    last_err = Some(e.to_string());
                    tokio::time::sleep(Duration::from_millis(500)).await;
                }
                Err(_) => {
                    last_err = Some(format!("no session within {LAUNCH:?}"));
                    break;
                }
            }
        }
        panic!(
            "[{name}] could not start the app through WebDriver at {webdriver}: {}\n\
             --- end of the driver's log (the app's output) ---\n{}",
            last_err.unwrap_or_default(),
            driver_log_tail(&artifacts)
        );
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

    /// Click the element matching `css`, once it is there. A live screen re-renders while sync
    /// runs, so an element found a moment ago may be replaced before the click lands: find it
    /// again and retry then.
    pub async fn click(&self, css: &str) {
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            let e = match self.wait_for(css).await.click().await {
                Ok(()) => return,
                Err(e) => e,
            };
            if tokio::time::Instant::now() >= deadline {
                self.fail(&format!("clicking {css}: {e}")).await;
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// The text of the element matching `css`, once it is there (found again if it was
    /// replaced meanwhile).
    pub async fn text(&self, css: &str) -> String {
        self.wait_until(&format!("the text of {css}"), WAIT, async || {
            self.wait_for(css).await.text().await.ok()
        })
        .await
    }

    /// Save a screenshot as `artifacts/e2e/<test>-<label>.png`, once the last change is painted
    /// (two animation frames, then a short settle: WebKit can hand out the previous paint).
    pub async fn screenshot(&self, label: &str) {
        let _ = self
            .client
            .execute_async(
                "const done = arguments[arguments.length - 1];\
                 requestAnimationFrame(() => requestAnimationFrame(() => done(true)));",
                vec![],
            )
            .await;
        tokio::time::sleep(Duration::from_millis(250)).await;
        let png = self.client.screenshot().await.expect("screenshot");
        let path = self.artifacts.join(format!("{}-{label}.png", self.name));
        std::fs::write(&path, png).unwrap();
    }

    /// Poll `probe` until it yields a value, for at most `timeout`; fail the test (with a
    /// screenshot and the page text) saying `what` did not happen.
    pub async fn wait_until<T>(
        &self,
        what: &str,
        timeout: Duration,
        mut probe: impl AsyncFnMut() -> Option<T>,
    ) -> T {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            if let Some(v) = probe().await {
                return v;
            }
            if tokio::time::Instant::now() >= deadline {
                self.fail(&format!("{what}: not within {timeout:?}")).await;
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// The elements matching `css` now (none is not an error).
    pub async fn all(&self, css: &str) -> Vec<Element> {
        self.client
            .find_all(Locator::Css(css))
            .await
            .unwrap_or_default()
    }

    /// How many elements match `css` now.
    pub async fn count(&self, css: &str) -> usize {
        self.all(css).await.len()
    }

    /// The text of every element matching `css` now.
    pub async fn texts(&self, css: &str) -> Vec<String> {
        let mut out = Vec::new();
        for el in self.all(css).await {
            out.push(el.text().await.unwrap_or_default());
        }
        out
    }

    /// An attribute of the first element matching `css` (waits for the element).
    pub async fn attr(&self, css: &str, name: &str) -> Option<String> {
        self.wait_for(css).await.attr(name).await.unwrap_or(None)
    }

    /// Wait until no element matches `css`.
    pub async fn wait_gone(&self, css: &str) {
        self.wait_until(&format!("{css} to go away"), WAIT, async || {
            (self.count(css).await == 0).then_some(())
        })
        .await
    }

    /// Wait until an element matching `css` has attribute `name` equal to `value`.
    pub async fn wait_for_attr(&self, css: &str, name: &str, value: &str) {
        self.wait_until(&format!("{css} with {name}={value:?}"), WAIT, async || {
            for el in self.all(css).await {
                if el.attr(name).await.ok().flatten().as_deref() == Some(value) {
                    return Some(());
                }
            }
            None
        })
        .await
    }

    /// Replace the text of the field matching `css` with `text`, by keystrokes (select all,
    /// delete, type), so the page sees every change as input.
    pub async fn type_into(&self, css: &str, text: &str) {
        let el = self.wait_for(css).await;
        el.send_keys(&format!("\u{E009}a\u{E009}\u{E003}{text}"))
            .await
            .unwrap_or_else(|e| panic!("[{}] typing into {css}: {e}", self.name));
    }

    /// Run a script in the page and return its result.
    pub async fn js(&self, script: &str) -> serde_json::Value {
        self.client
            .execute(script, vec![])
            .await
            .unwrap_or_else(|e| panic!("[{}] script failed: {e}\n{script}", self.name))
    }

    /// Sign in on the sign-in screen as the person whose name starts with `person`.
    pub async fn sign_in(&self, person: &str) {
        self.wait_for_text("main h1", "Who are you?").await;
        self.click(&format!("button[data-person^='{person}']"))
            .await;
        self.wait_for_text("#signed-in-person", person).await;
    }

    /// "Switch person" in the top bar, then sign in as `person`.
    pub async fn switch_person(&self, person: &str) {
        self.click("#signed-in-person button").await;
        self.sign_in(person).await;
    }

    /// Open a screen from the sidebar and wait until it is the current one.
    pub async fn open(&self, screen: &str) {
        let link = format!("#nav-{screen}");
        self.click(&link).await;
        self.wait_for_attr(&link, "aria-current", "page").await;
    }

    /// The origin (`http://127.0.0.1:PORT`) of the sandbox this app talks to, as the System
    /// panel shows it.
    pub async fn sandbox_origin(&self) -> String {
        self.open("system").await;
        let x_api = self.text("#system-x-api").await;
        let rest = x_api.strip_prefix("http://").unwrap_or_else(|| {
            panic!("the X API of a rehearsal is plain http on loopback: {x_api}")
        });
        let host = rest.split('/').next().unwrap_or(rest);
        format!("http://{host}")
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub async fn close(mut self) {
        self.session = None;
        let _ = self.client.clone().close().await;
    }
}

/// GET `url` (plain HTTP on loopback, e.g. the sandbox's admin API) and parse the JSON body.
pub fn http_get_json(url: &str) -> serde_json::Value {
    let (head, body) = http_request("GET", url).unwrap_or_else(|e| panic!("GET {url}: {e}"));
    assert!(
        head.starts_with("HTTP/1.1 200") || head.starts_with("HTTP/1.0 200"),
        "GET {url}: {head}"
    );
    serde_json::from_str(&body).unwrap_or_else(|e| panic!("GET {url}: not JSON ({e}): {body:.300}"))
}

/// The last lines of tauri-driver's log, where the app's own output goes (see scripts/e2e).
fn driver_log_tail(artifacts: &std::path::Path) -> String {
    let log = std::fs::read_to_string(artifacts.join("tauri-driver.log")).unwrap_or_default();
    let lines: Vec<&str> = log.lines().filter(|l| !l.starts_with("  ")).collect();
    lines[lines.len().saturating_sub(15)..].join("\n")
}

impl Drop for AppSession {
    fn drop(&mut self) {
        if let Some((webdriver, id)) = self.session.take() {
            // Synchronously (no runtime in drop): DELETE /session/<id> closes the app.
            let _ = http_request("DELETE", &format!("{webdriver}/session/{id}"));
        }
    }
}

/// One plain HTTP/1.0 request on loopback; the status line and headers, and the body.
fn http_request(method: &str, url: &str) -> std::io::Result<(String, String)> {
    let rest = url.strip_prefix("http://").unwrap_or(url);
    let (host, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let path = if path.is_empty() { "/" } else { path };
    let mut stream = std::net::TcpStream::connect(host)?;
    stream.set_read_timeout(Some(WAIT))?;
    write!(
        stream,
        "{method} {path} HTTP/1.0\r\nHost: {host}\r\nAccept: application/json\r\nConnection: close\r\n\r\n"
    )?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw)?;
    let raw = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = raw.split_once("\r\n\r\n").unwrap_or((&raw, ""));
    Ok((head.to_string(), body.to_string()))
}

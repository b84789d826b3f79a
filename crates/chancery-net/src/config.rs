//! Where the clients connect and how patiently.

use std::time::Duration;

use url::Url;

use crate::error::NetError;

/// The real X API.
pub const X_API_BASE: &str = "https://api.x.com/";
/// The real Graph API.
pub const GRAPH_API_BASE: &str = "https://graph.facebook.com/";
/// The Graph version used unless configured otherwise (available until 18 Feb 2028).
pub const DEFAULT_GRAPH_VERSION: &str = "v24.0";

/// Base URLs, the Graph version, timeouts and the User-Agent.
#[derive(Debug, Clone, PartialEq)]
pub struct NetConfig {
    /// Base of `/2/...` calls, e.g. `https://api.x.com/` or a sandbox `http://127.0.0.1:PORT/`.
    pub x_api_base: Url,
    /// Base of Graph calls without the version, e.g. `https://graph.facebook.com/`.
    pub graph_base: Url,
    /// e.g. `v24.0`.
    pub graph_version: String,
    /// The whole request, from connecting to the last byte of the body.
    pub timeout: Duration,
    pub connect_timeout: Duration,
    pub user_agent: String,
}

impl Default for NetConfig {
    fn default() -> Self {
        NetConfig {
            x_api_base: parse_base(X_API_BASE).unwrap_or_else(|_| unreachable!()),
            graph_base: parse_base(GRAPH_API_BASE).unwrap_or_else(|_| unreachable!()),
            graph_version: DEFAULT_GRAPH_VERSION.to_string(),
            timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(10),
            user_agent: format!("Chancery/{} (+desktop)", env!("CARGO_PKG_VERSION")),
        }
    }
}

impl NetConfig {
    /// The real services with the given Graph version.
    pub fn production() -> Self {
        NetConfig::default()
    }

    /// Other base URLs (a sandbox): `x_api_base` is the origin of `/2/...`; `graph_base` may
    /// include the version as its last path segment (`http://127.0.0.1:PORT/v24.0`), which is
    /// then taken as the Graph version.
    pub fn with_bases(x_api_base: &str, graph_base: &str) -> Result<Self, NetError> {
        let x_api_base = parse_base(x_api_base)?;
        let mut graph = parse_base(graph_base)?;
        let mut version = DEFAULT_GRAPH_VERSION.to_string();
        let last = graph
            .path_segments()
            .and_then(|mut s| s.rfind(|seg| !seg.is_empty()).map(str::to_string));
        if let Some(seg) = last.filter(|s| is_graph_version(s)) {
            version = seg;
            if let Ok(mut segs) = graph.path_segments_mut() {
                segs.pop_if_empty().pop();
            }
            graph = parse_base(graph.as_str())?;
        }
        Ok(NetConfig {
            x_api_base,
            graph_base: graph,
            graph_version: version,
            ..NetConfig::default()
        })
    }

    pub fn graph_version(mut self, version: impl Into<String>) -> Self {
        self.graph_version = version.into();
        self
    }

    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Checks the settings (version syntax).
    pub fn validate(&self) -> Result<(), NetError> {
        if !is_graph_version(&self.graph_version) {
            return Err(NetError::Config(format!(
                "the Graph version `{}` is not like v24.0",
                self.graph_version
            )));
        }
        Ok(())
    }

    /// The HTTP client for API calls: rustls, no redirects (an Authorization header never
    /// follows a redirect), the configured timeouts and User-Agent.
    pub fn http_client(&self) -> Result<reqwest::Client, NetError> {
        reqwest::Client::builder()
            .user_agent(self.user_agent.clone())
            .timeout(self.timeout)
            .connect_timeout(self.connect_timeout)
            .redirect(reqwest::redirect::Policy::none())
            .pool_idle_timeout(Duration::from_secs(60))
            .build()
            .map_err(|e| {
                NetError::Config(format!("cannot build the HTTP client: {}", e.without_url()))
            })
    }
}

/// `vNN.N`
pub fn is_graph_version(s: &str) -> bool {
    let Some(rest) = s.strip_prefix('v') else {
        return false;
    };
    let mut parts = rest.split('.');
    let ok = |p: Option<&str>| {
        p.is_some_and(|p| !p.is_empty() && p.len() <= 3 && p.bytes().all(|b| b.is_ascii_digit()))
    };
    ok(parts.next()) && ok(parts.next()) && parts.next().is_none()
}

/// A base URL with a trailing slash (so `join` appends).
pub(crate) fn parse_base(s: &str) -> Result<Url, NetError> {
    let mut u = Url::parse(s).map_err(|e| NetError::Config(format!("`{s}` is not a URL: {e}")))?;
    if !matches!(u.scheme(), "http" | "https") {
        return Err(NetError::Config(format!("`{s}` is not an http(s) URL")));
    }
    if u.query().is_some() || u.fragment().is_some() {
        return Err(NetError::Config(format!(
            "the base URL `{s}` must not have a query"
        )));
    }
    if !u.path().ends_with('/') {
        let p = format!("{}/", u.path());
        u.set_path(&p);
    }
    Ok(u)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sandbox_bases_split_the_graph_version() {
        let c =
            NetConfig::with_bases("http://127.0.0.1:4000", "http://127.0.0.1:4000/v25.0").unwrap();
        assert_eq!(c.x_api_base.as_str(), "http://127.0.0.1:4000/");
        assert_eq!(c.graph_base.as_str(), "http://127.0.0.1:4000/");
        assert_eq!(c.graph_version, "v25.0");
        let c = NetConfig::with_bases("https://api.x.com", "https://graph.facebook.com").unwrap();
        assert_eq!(c.graph_version, DEFAULT_GRAPH_VERSION);
        assert!(NetConfig::with_bases("ftp://x", "https://g").is_err());
    }

    #[test]
    fn graph_versions() {
        assert!(is_graph_version("v24.0"));
        assert!(!is_graph_version("24.0"));
        assert!(!is_graph_version("v24"));
        assert!(!is_graph_version("v24.0.1"));
        assert!(NetConfig::default()
            .graph_version("latest")
            .validate()
            .is_err());
    }
}

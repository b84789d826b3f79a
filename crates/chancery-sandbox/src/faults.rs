//! Fault injection: latency, 5xx, hangs, connection resets, broken bodies, revoked tokens,
//! 429 storms and Graph error codes, per endpoint and optionally per account.

use std::sync::Mutex;

use serde::{Deserialize, Serialize};

use crate::endpoint::Endpoint;
use crate::hash::{h, unit};

/// A latency distribution (milliseconds).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "dist", rename_all = "snake_case")]
pub enum Latency {
    Fixed {
        ms: u64,
    },
    Uniform {
        min_ms: u64,
        max_ms: u64,
    },
    /// Log-normal with the given median and shape (sigma of the underlying normal).
    LogNormal {
        median_ms: f64,
        sigma: f64,
    },
}

impl Latency {
    /// `200`, `fixed:200`, `uniform:50:500`, `lognormal:120:0.6`.
    pub fn parse(s: &str) -> Result<Latency, String> {
        let parts: Vec<&str> = s.split(':').collect();
        let num = |i: usize| -> Result<f64, String> {
            parts
                .get(i)
                .ok_or_else(|| format!("latency `{s}`: missing value"))?
                .trim()
                .parse::<f64>()
                .map_err(|_| format!("latency `{s}`: not a number"))
                .and_then(|v| {
                    if v.is_finite() && v >= 0.0 {
                        Ok(v)
                    } else {
                        Err(format!("latency `{s}`: must be ≥ 0"))
                    }
                })
        };
        match parts[0] {
            "fixed" => Ok(Latency::Fixed { ms: num(1)? as u64 }),
            "uniform" => {
                let (a, b) = (num(1)? as u64, num(2)? as u64);
                Ok(Latency::Uniform {
                    min_ms: a.min(b),
                    max_ms: a.max(b),
                })
            }
            "lognormal" | "log-normal" => Ok(Latency::LogNormal {
                median_ms: num(1)?,
                sigma: num(2)?,
            }),
            _ if parts.len() == 1 => Ok(Latency::Fixed { ms: num(0)? as u64 }),
            other => Err(format!("unknown latency distribution `{other}`")),
        }
    }

    /// A sample in milliseconds from the uniform `u` in [0, 1).
    pub(crate) fn sample_ms(&self, u: f64) -> u64 {
        match *self {
            Latency::Fixed { ms } => ms,
            Latency::Uniform { min_ms, max_ms } => min_ms + ((max_ms - min_ms) as f64 * u) as u64,
            Latency::LogNormal { median_ms, sigma } => {
                let z = crate::hash::inv_norm(u.clamp(1e-9, 1.0 - 1e-9));
                (median_ms * (sigma * z).exp()).min(600_000.0) as u64
            }
        }
    }
}

/// What goes wrong.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum FaultKind {
    /// Delay the response.
    Latency { latency: Latency },
    /// Answer with this 5xx (or any) status and the network's error body.
    Status { status: u16 },
    /// Never answer (until the client gives up or the sandbox shuts down).
    Timeout,
    /// Reset the TCP connection (RST) without an answer.
    Reset,
    /// Send the real headers and half of the body, then close the connection.
    Truncate,
    /// Send a complete response whose JSON body is broken.
    Malformed,
    /// Send valid JSON in which one element of `data` is broken (its timestamp and text are of
    /// the wrong type): the rest of the page is fine. Clients must keep the rest of the page.
    MalformedItem,
    /// Revoke the presented token, then answer 401 / Graph 190 (subcode 460).
    RevokeToken,
    /// Answer 429 (X) or a throttling error (Graph code 4/17/32/80001 as fits the token).
    RateLimit,
    /// X: 429 usage-capped problem.
    UsageCap,
    /// Graph: an arbitrary error code (e.g. 368 policy block, 506 duplicate, 190/463 expired).
    GraphError { code: u32, subcode: Option<u32> },
}

impl FaultKind {
    pub(crate) fn name(&self) -> &'static str {
        match self {
            FaultKind::Latency { .. } => "latency",
            FaultKind::Status { .. } => "status",
            FaultKind::Timeout => "timeout",
            FaultKind::Reset => "reset",
            FaultKind::Truncate => "truncate",
            FaultKind::Malformed => "malformed",
            FaultKind::MalformedItem => "malformed_item",
            FaultKind::RevokeToken => "revoke",
            FaultKind::RateLimit => "rate_limit",
            FaultKind::UsageCap => "usage_cap",
            FaultKind::GraphError { .. } => "graph_error",
        }
    }

    /// `latency:lognormal:120:0.6`, `status:503`, `timeout`, `reset`, `truncate`, `malformed`,
    /// `revoke`, `rate_limit`, `usage_cap`, `graph_error:368`, `graph_error:190:463`.
    pub fn parse(s: &str) -> Result<FaultKind, String> {
        let (head, rest) = match s.split_once(':') {
            Some((a, b)) => (a, Some(b)),
            None => (s, None),
        };
        let int = |v: Option<&str>| -> Result<u32, String> {
            v.ok_or_else(|| format!("fault `{s}`: missing number"))?
                .parse::<u32>()
                .map_err(|_| format!("fault `{s}`: not a number"))
        };
        Ok(match head {
            "latency" => FaultKind::Latency {
                latency: Latency::parse(rest.ok_or("latency needs a distribution")?)?,
            },
            "status" => {
                let st = int(rest)?;
                if !(400..=599).contains(&st) {
                    return Err(format!("fault `{s}`: status must be 400-599"));
                }
                FaultKind::Status { status: st as u16 }
            }
            "timeout" | "hang" => FaultKind::Timeout,
            "reset" => FaultKind::Reset,
            "truncate" | "truncated" => FaultKind::Truncate,
            "malformed" => FaultKind::Malformed,
            "malformed_item" => FaultKind::MalformedItem,
            "revoke" | "revoked" | "revoke_token" => FaultKind::RevokeToken,
            "rate_limit" | "429" => FaultKind::RateLimit,
            "usage_cap" | "usage_capped" => FaultKind::UsageCap,
            "graph_error" => {
                let r = rest.ok_or("graph_error needs a code")?;
                let (c, sc) = match r.split_once(':') {
                    Some((c, sc)) => (c, Some(sc)),
                    None => (r, None),
                };
                FaultKind::GraphError {
                    code: int(Some(c))?,
                    subcode: match sc {
                        Some(v) => Some(int(Some(v))?),
                        None => None,
                    },
                }
            }
            other => return Err(format!("unknown fault kind `{other}`")),
        })
    }
}

fn one() -> f64 {
    1.0
}

fn star() -> String {
    "*".to_string()
}

/// One fault rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FaultRule {
    /// An endpoint name (`x.mentions`, `graph.feed`, ...; see the README), a family (`x.*`,
    /// `graph.*`) or `*`.
    #[serde(default = "star")]
    pub endpoint: String,
    /// Only requests made for this account: X user id or username, Page id or username.
    #[serde(default)]
    pub account: Option<String>,
    pub kind: FaultKind,
    /// Chance that a matching request is hit (0..=1).
    #[serde(default = "one")]
    pub probability: f64,
    /// Stop after this many hits.
    #[serde(default)]
    pub count: Option<u64>,
}

impl FaultRule {
    pub fn new(endpoint: impl Into<String>, kind: FaultKind) -> Self {
        FaultRule {
            endpoint: endpoint.into(),
            account: None,
            kind,
            probability: 1.0,
            count: None,
        }
    }
    pub fn account(mut self, account: impl Into<String>) -> Self {
        self.account = Some(account.into());
        self
    }
    pub fn probability(mut self, p: f64) -> Self {
        self.probability = p;
        self
    }
    pub fn count(mut self, n: u64) -> Self {
        self.count = Some(n);
        self
    }

    fn matches_endpoint(&self, ep: Endpoint) -> bool {
        let pat = self.endpoint.as_str();
        match pat {
            "*" => !matches!(ep, Endpoint::Admin),
            "x.*" => ep.is_x(),
            "graph.*" => ep.is_graph(),
            _ => pat == ep.name(),
        }
    }

    fn validate(&self) -> Result<(), String> {
        if !(0.0..=1.0).contains(&self.probability) {
            return Err("probability must be within 0..=1".into());
        }
        let known = matches!(self.endpoint.as_str(), "*" | "x.*" | "graph.*")
            || Endpoint::ALL.iter().any(|e| e.name() == self.endpoint);
        if !known {
            return Err(format!("unknown endpoint `{}`", self.endpoint));
        }
        Ok(())
    }
}

impl std::str::FromStr for FaultRule {
    type Err = String;

    /// `endpoint=x.mentions,kind=status:503,p=0.2,count=5,account=VLDinFrance`
    /// (`endpoint` defaults to `*`, `p` to 1).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let mut endpoint = star();
        let mut account = None;
        let mut kind = None;
        let mut probability = 1.0;
        let mut count = None;
        for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (k, v) = part
                .split_once('=')
                .ok_or_else(|| format!("fault spec `{s}`: `{part}` is not key=value"))?;
            match k.trim() {
                "endpoint" | "ep" => endpoint = v.trim().to_string(),
                "account" => account = Some(v.trim().to_string()),
                "kind" => kind = Some(FaultKind::parse(v.trim())?),
                "p" | "probability" => {
                    probability = v
                        .trim()
                        .parse::<f64>()
                        .map_err(|_| format!("fault spec `{s}`: bad probability"))?
                }
                "count" | "n" => {
                    count = Some(
                        v.trim()
                            .parse::<u64>()
                            .map_err(|_| format!("fault spec `{s}`: bad count"))?,
                    )
                }
                other => return Err(format!("fault spec `{s}`: unknown key `{other}`")),
            }
        }
        let rule = FaultRule {
            endpoint,
            account,
            kind: kind.ok_or_else(|| format!("fault spec `{s}`: missing kind="))?,
            probability,
            count,
        };
        rule.validate()?;
        Ok(rule)
    }
}

/// An installed rule with its id and remaining count.
#[derive(Debug, Clone, Serialize)]
pub struct InstalledFault {
    pub id: u64,
    #[serde(flatten)]
    pub rule: FaultRule,
    pub hits: u64,
}

/// What the fault engine decided for one request.
#[derive(Debug, Default)]
pub(crate) struct FaultDecision {
    pub(crate) latency_ms: u64,
    pub(crate) terminal: Option<FaultKind>,
}

pub(crate) struct FaultEngine {
    seed: u64,
    default_latency: Mutex<Option<Latency>>,
    rules: Mutex<(u64, Vec<InstalledFault>)>,
}

impl FaultEngine {
    pub(crate) fn new(seed: u64, default_latency: Option<Latency>) -> Self {
        FaultEngine {
            seed,
            default_latency: Mutex::new(default_latency),
            rules: Mutex::new((0, Vec::new())),
        }
    }

    pub(crate) fn is_idle(&self) -> bool {
        let no_latency = self
            .default_latency
            .lock()
            .map(|l| l.is_none())
            .unwrap_or(true);
        no_latency && self.rules.lock().map(|r| r.1.is_empty()).unwrap_or(true)
    }

    pub(crate) fn add(&self, rule: FaultRule) -> Result<u64, String> {
        rule.validate()?;
        let mut g = self
            .rules
            .lock()
            .map_err(|_| "fault table poisoned".to_string())?;
        g.0 += 1;
        let id = g.0;
        g.1.push(InstalledFault { id, rule, hits: 0 });
        Ok(id)
    }

    pub(crate) fn set(&self, rules: Vec<FaultRule>) -> Result<Vec<u64>, String> {
        for r in &rules {
            r.validate()?;
        }
        self.clear();
        rules.into_iter().map(|r| self.add(r)).collect()
    }

    pub(crate) fn clear(&self) {
        if let Ok(mut g) = self.rules.lock() {
            g.1.clear();
        }
    }

    pub(crate) fn remove(&self, id: u64) -> bool {
        match self.rules.lock() {
            Ok(mut g) => {
                let before = g.1.len();
                g.1.retain(|f| f.id != id);
                before != g.1.len()
            }
            Err(_) => false,
        }
    }

    pub(crate) fn list(&self) -> Vec<InstalledFault> {
        self.rules.lock().map(|g| g.1.clone()).unwrap_or_default()
    }

    pub(crate) fn set_default_latency(&self, l: Option<Latency>) {
        if let Ok(mut g) = self.default_latency.lock() {
            *g = l;
        }
    }

    /// Decide the faults for request number `seq`. `accounts` are the names the request's
    /// account is known by (id, username).
    pub(crate) fn decide(&self, seq: u64, ep: Endpoint, accounts: &[&str]) -> FaultDecision {
        let mut d = FaultDecision::default();
        if matches!(ep, Endpoint::Admin) {
            return d;
        }
        if let Ok(g) = self.default_latency.lock() {
            if let Some(l) = g.as_ref() {
                d.latency_ms += l.sample_ms(unit(h(self.seed, &[0xD1, seq])));
            }
        }
        let Ok(mut g) = self.rules.lock() else {
            return d;
        };
        let mut exhausted = Vec::new();
        for (i, f) in g.1.iter_mut().enumerate() {
            if !f.rule.matches_endpoint(ep) {
                continue;
            }
            if let Some(acc) = &f.rule.account {
                if !accounts.iter().any(|a| a.eq_ignore_ascii_case(acc)) {
                    continue;
                }
            }
            if let FaultKind::Latency { .. } = f.rule.kind {
            } else if d.terminal.is_some() {
                continue;
            }
            let u = unit(h(self.seed, &[0xFA, seq, f.id]));
            if u >= f.rule.probability {
                continue;
            }
            f.hits += 1;
            match &f.rule.kind {
                FaultKind::Latency { latency } => {
                    d.latency_ms += latency.sample_ms(unit(h(self.seed, &[0xFB, seq, f.id])))
                }
                other => d.terminal = Some(other.clone()),
            }
            if f.rule.count.is_some_and(|c| f.hits >= c) {
                exhausted.push(i);
            }
        }
        for i in exhausted.into_iter().rev() {
            g.1.remove(i);
        }
        d
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_specs() {
        let r: FaultRule = "endpoint=x.mentions,kind=status:503,p=0.5,count=3,account=VLDinFrance"
            .parse()
            .unwrap();
        assert_eq!(r.kind, FaultKind::Status { status: 503 });
        assert_eq!(r.count, Some(3));
        assert_eq!(r.account.as_deref(), Some("VLDinFrance"));
        let r: FaultRule = "kind=latency:lognormal:120:0.6".parse().unwrap();
        assert_eq!(r.endpoint, "*");
        assert!(matches!(
            r.kind,
            FaultKind::Latency {
                latency: Latency::LogNormal { .. }
            }
        ));
        let r: FaultRule = "endpoint=graph.*,kind=graph_error:190:463".parse().unwrap();
        assert_eq!(
            r.kind,
            FaultKind::GraphError {
                code: 190,
                subcode: Some(463)
            }
        );
        assert!("endpoint=nope,kind=reset".parse::<FaultRule>().is_err());
        assert!("kind=explode".parse::<FaultRule>().is_err());
        assert!("endpoint=x.*".parse::<FaultRule>().is_err());
    }

    #[test]
    fn counts_run_out_and_accounts_filter() {
        let e = FaultEngine::new(1, None);
        e.add(
            FaultRule::new("x.mentions", FaultKind::Reset)
                .count(2)
                .account("a"),
        )
        .unwrap();
        assert!(e.decide(1, Endpoint::XMentions, &["b"]).terminal.is_none());
        assert!(e.decide(2, Endpoint::XMentions, &["A"]).terminal.is_some());
        assert!(e.decide(3, Endpoint::XUsersMe, &["a"]).terminal.is_none());
        assert!(e.decide(4, Endpoint::XMentions, &["a"]).terminal.is_some());
        assert!(e.decide(5, Endpoint::XMentions, &["a"]).terminal.is_none());
        assert!(e.list().is_empty());
    }

    #[test]
    fn latency_samples_are_sane() {
        let l = Latency::LogNormal {
            median_ms: 100.0,
            sigma: 0.5,
        };
        assert_eq!(l.sample_ms(0.5), 100);
        assert!(l.sample_ms(0.99) > 200);
        assert_eq!(Latency::parse("250").unwrap(), Latency::Fixed { ms: 250 });
    }
}

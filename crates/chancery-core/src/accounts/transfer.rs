//! Bulk import and export of the account registry, as CSV or JSON.
//!
//! One row per account, with its group path (root first), the kinds of those groups, display
//! name, handle, avatar, time zone and language. Every row is validated (network, handle, IANA
//! time zone, BCP 47 language with a known ISO 639 language, account kind, group kinds,
//! duplicate handles and external ids in the file and against the registry) and **all**
//! problems are reported with their row numbers; nothing is written unless the whole file is
//! valid. An export imports back to the same registry.
//!
//! CSV columns (header required, any order): `network, handle, display_name, external_id, group,
//! group_kinds, kind, time_zone, language, avatar`. `group` is the path joined with ` > `
//! (`Europe > Embassy in Paris`); `group_kinds` likewise (`region > post`), optional: missing
//! kinds are `region` at the top, `post` below, `ministers`/`ambassadors` for groups so named.
//! `kind` is `institutional`, `personal` or `other` (`embassy`, `ministry`, `minister`,
//! `ambassador` are accepted). `avatar` is an http(s) URL (downloaded once) or a file path.
//!
//! JSON: `{"version": 1, "accounts": [{"network": "x", "handle": "...", "group": ["Europe",
//! "Embassy in Paris"], "group_kinds": ["region", "post"], ...}]}` with the same fields.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::str::FromStr;

use chancery_model::accounts::{AccountKind, GroupKind, Network};
use serde::{Deserialize, Serialize};
use specta::Type;

use crate::CoreError;

/// Separator of group paths in CSV.
pub const PATH_SEPARATOR: &str = " > ";
/// The file format version written in JSON exports.
pub const FORMAT_VERSION: u32 = 1;

/// CSV or JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "lowercase")]
pub enum FileFormat {
    Csv,
    Json,
}

impl FileFormat {
    /// From a file name's extension.
    pub fn from_path(path: &std::path::Path) -> Option<FileFormat> {
        match path.extension()?.to_str()?.to_ascii_lowercase().as_str() {
            "csv" => Some(FileFormat::Csv),
            "json" => Some(FileFormat::Json),
            _ => None,
        }
    }
}

impl FromStr for FileFormat {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "csv" => Ok(FileFormat::Csv),
            "json" => Ok(FileFormat::Json),
            other => Err(format!("unknown format `{other}` (csv or json)")),
        }
    }
}

/// One account as a file holds it.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct AccountRow {
    pub network: String,
    pub handle: String,
    pub display_name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
    pub group: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub group_kinds: Vec<String>,
    pub kind: String,
    pub time_zone: String,
    pub language: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub avatar: Option<String>,
}

#[derive(Debug, Serialize, Deserialize)]
struct JsonFile {
    #[serde(default)]
    version: Option<u32>,
    accounts: Vec<AccountRow>,
}

/// CSV record (paths joined).
#[derive(Debug, Serialize, Deserialize)]
struct CsvRecord {
    network: String,
    handle: String,
    display_name: String,
    #[serde(default)]
    external_id: Option<String>,
    group: String,
    #[serde(default)]
    group_kinds: Option<String>,
    kind: String,
    time_zone: String,
    language: String,
    #[serde(default)]
    avatar: Option<String>,
}

/// A problem with one row (`row` is the CSV line number, or the JSON entry number, from 1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ImportProblem {
    pub row: u32,
    pub field: String,
    pub message: String,
}

impl std::fmt::Display for ImportProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "row {}: {}: {}", self.row, self.field, self.message)
    }
}

/// A row that passed validation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidRow {
    pub row: u32,
    pub network: Network,
    pub handle: String,
    pub display_name: String,
    pub external_id: Option<String>,
    pub group: Vec<(String, GroupKind)>,
    pub kind: AccountKind,
    pub time_zone: String,
    pub language: String,
    pub avatar: Option<String>,
}

fn split_path(s: &str) -> Vec<String> {
    s.split(PATH_SEPARATOR.trim())
        .map(|p| p.trim().to_string())
        .filter(|p| !p.is_empty())
        .collect()
}

/// Reads rows from a file's text. A file that cannot be read at all (bad CSV header, broken
/// JSON) is one problem at row 0 (or at the row the reader names).
pub fn parse_rows(
    text: &str,
    format: FileFormat,
) -> Result<Vec<(u32, AccountRow)>, Vec<ImportProblem>> {
    match format {
        FileFormat::Json => {
            let file: JsonFile = serde_json::from_str(text).map_err(|e| {
                vec![ImportProblem {
                    row: 0,
                    field: "file".into(),
                    message: format!("not a Chancery accounts file (line {}): {e}", e.line()),
                }]
            })?;
            if let Some(v) = file.version.filter(|v| *v > FORMAT_VERSION) {
                return Err(vec![ImportProblem {
                    row: 0,
                    field: "version".into(),
                    message: format!("format version {v} is newer than this Chancery understands ({FORMAT_VERSION})"),
                }]);
            }
            Ok(file
                .accounts
                .into_iter()
                .enumerate()
                .map(|(i, r)| (i as u32 + 1, r))
                .collect())
        }
        FileFormat::Csv => {
            let mut reader = csv::ReaderBuilder::new()
                .trim(csv::Trim::All)
                .flexible(false)
                .from_reader(text.as_bytes());
            let mut rows = Vec::new();
            let mut problems = Vec::new();
            for (i, rec) in reader.deserialize::<CsvRecord>().enumerate() {
                // Line numbers: the header is line 1.
                let line = i as u32 + 2;
                match rec {
                    Ok(r) => rows.push((
                        line,
                        AccountRow {
                            network: r.network,
                            handle: r.handle,
                            display_name: r.display_name,
                            external_id: r.external_id.filter(|s| !s.is_empty()),
                            group: split_path(&r.group),
                            group_kinds: r
                                .group_kinds
                                .as_deref()
                                .map(split_path)
                                .unwrap_or_default(),
                            kind: r.kind,
                            time_zone: r.time_zone,
                            language: r.language,
                            avatar: r.avatar.filter(|s| !s.is_empty()),
                        },
                    )),
                    Err(e) => problems.push(ImportProblem {
                        row: e.position().map(|p| p.line() as u32).unwrap_or(line),
                        field: "row".into(),
                        message: format!("unreadable: {e}"),
                    }),
                }
            }
            if problems.is_empty() {
                Ok(rows)
            } else {
                Err(problems)
            }
        }
    }
}

/// Writes rows as a file.
pub fn write_rows(rows: &[AccountRow], format: FileFormat) -> Result<String, CoreError> {
    match format {
        FileFormat::Json => serde_json::to_string_pretty(&JsonFile {
            version: Some(FORMAT_VERSION),
            accounts: rows.to_vec(),
        })
        .map_err(|e| CoreError::Internal(format!("export: {e}"))),
        FileFormat::Csv => {
            let mut w = csv::Writer::from_writer(Vec::new());
            for r in rows {
                w.serialize(CsvRecord {
                    network: r.network.clone(),
                    handle: r.handle.clone(),
                    display_name: r.display_name.clone(),
                    external_id: r.external_id.clone(),
                    group: r.group.join(PATH_SEPARATOR),
                    group_kinds: Some(r.group_kinds.join(PATH_SEPARATOR)),
                    kind: r.kind.clone(),
                    time_zone: r.time_zone.clone(),
                    language: r.language.clone(),
                    avatar: r.avatar.clone(),
                })
                .map_err(|e| CoreError::Internal(format!("export: {e}")))?;
            }
            let bytes = w
                .into_inner()
                .map_err(|e| CoreError::Internal(format!("export: {e}")))?;
            String::from_utf8(bytes).map_err(|e| CoreError::Internal(format!("export: {e}")))
        }
    }
}

/// The default kind of a group with no kind given: `ministers`/`ambassadors` by name, else
/// `region` at the top and `post` below.
pub fn default_group_kind(name: &str, depth: usize) -> GroupKind {
    let n = name.to_lowercase();
    if n.contains("minister") {
        GroupKind::Ministers
    } else if n.contains("ambassador") {
        GroupKind::Ambassadors
    } else if depth == 0 {
        GroupKind::Region
    } else {
        GroupKind::Post
    }
}

/// `institutional`/`personal`/`other`, and the sandbox's `embassy`/`ministry`/`minister`/
/// `ambassador`.
pub fn parse_account_kind(s: &str) -> Option<AccountKind> {
    let s = s.trim().to_ascii_lowercase();
    AccountKind::parse(&s).or(match s.as_str() {
        "embassy" | "ministry" | "consulate" | "mission" => Some(AccountKind::Institutional),
        "minister" | "ambassador" => Some(AccountKind::Personal),
        _ => None,
    })
}

/// Is `tag` a well-formed BCP 47 tag whose language is a known ISO 639 language?
pub fn valid_language(tag: &str) -> Result<(), String> {
    let parsed = oxilangtag::LanguageTag::parse(tag)
        .map_err(|e| format!("`{tag}` is not a BCP 47 language tag ({e})"))?;
    let primary = parsed.primary_language().to_ascii_lowercase();
    let known = match primary.len() {
        2 => isolang::Language::from_639_1(&primary).is_some(),
        3 => isolang::Language::from_639_3(&primary).is_some(),
        _ => false,
    };
    if !known && primary != "und" {
        return Err(format!(
            "`{primary}` in `{tag}` is not an ISO 639 language code"
        ));
    }
    Ok(())
}

/// Is `tz` an IANA time zone name?
pub fn valid_time_zone(tz: &str) -> Result<(), String> {
    chrono_tz::Tz::from_str(tz)
        .map(|_| ())
        .map_err(|_| format!("`{tz}` is not an IANA time zone (like Europe/Paris or Asia/Tokyo)"))
}

fn valid_handle(network: Network, handle: &str) -> Result<(), String> {
    let ok = match network {
        Network::X => {
            (1..=15).contains(&handle.len())
                && handle
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'_')
        }
        Network::Facebook => {
            (1..=100).contains(&handle.len())
                && handle
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
        }
    };
    if ok {
        Ok(())
    } else {
        Err(match network {
            Network::X => format!("`{handle}` is not an X handle (1-15 letters, digits or _)"),
            Network::Facebook => {
                format!("`{handle}` is not a Facebook Page username (letters, digits, . _ -)")
            }
        })
    }
}

/// What the registry already holds, to catch conflicts before writing.
#[derive(Debug, Default)]
pub struct Existing {
    /// (network, handle lower-case) → external id.
    pub by_handle: HashMap<(Network, String), Option<String>>,
    /// (network, external id) → handle lower-case.
    pub by_external_id: HashMap<(Network, String), String>,
}

/// Validates every row; returns the valid rows, or every problem found.
pub fn validate(
    rows: &[(u32, AccountRow)],
    existing: &Existing,
) -> Result<Vec<ValidRow>, Vec<ImportProblem>> {
    let mut problems = Vec::new();
    let mut out = Vec::new();
    let mut handles: HashMap<(Network, String), u32> = HashMap::new();
    let mut ids: HashMap<(Network, String), u32> = HashMap::new();
    let mut group_kinds: BTreeMap<Vec<String>, (GroupKind, u32)> = BTreeMap::new();
    for (row, r) in rows {
        let row = *row;
        let mut p = |field: &str, message: String| {
            problems.push(ImportProblem {
                row,
                field: field.to_string(),
                message,
            })
        };
        let network = Network::parse(r.network.trim().to_ascii_lowercase().as_str());
        if network.is_none() {
            p(
                "network",
                format!("`{}` is not a network (x or facebook)", r.network),
            );
        }
        let handle = r.handle.trim().trim_start_matches('@').to_string();
        if let Some(n) = network {
            if let Err(m) = valid_handle(n, &handle) {
                p("handle", m);
            }
        }
        let display_name = r.display_name.trim().to_string();
        if display_name.is_empty() || display_name.chars().count() > 200 {
            p("display_name", "must be 1 to 200 characters".into());
        }
        let external_id = r
            .external_id
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string);
        if let Some(id) = &external_id {
            if id.len() > 30 || !id.bytes().all(|b| b.is_ascii_digit()) {
                p("external_id", format!("`{id}` is not a numeric network id"));
            }
        }
        if r.group.is_empty() {
            p(
                "group",
                "every account needs a group (e.g. Europe > Embassy in Paris)".into(),
            );
        }
        if r.group
            .iter()
            .any(|g| g.trim().is_empty() || g.chars().count() > 200)
        {
            p("group", "group names must be 1 to 200 characters".into());
        }
        if !r.group_kinds.is_empty() && r.group_kinds.len() != r.group.len() {
            p(
                "group_kinds",
                format!(
                    "{} kinds for a path of {} groups",
                    r.group_kinds.len(),
                    r.group.len()
                ),
            );
        }
        let mut path = Vec::new();
        for (depth, name) in r.group.iter().enumerate() {
            let name = name.trim().to_string();
            let kind = match r.group_kinds.get(depth) {
                Some(k) => match GroupKind::parse(k.trim()) {
                    Some(k) => k,
                    None => {
                        p("group_kinds", format!("`{k}` is not a group kind (region, post, ministers, ambassadors, other)"));
                        GroupKind::Other
                    }
                },
                None => default_group_kind(&name, depth),
            };
            path.push((name, kind));
        }
        // The same group must have the same kind everywhere in the file.
        for i in 0..path.len() {
            let prefix: Vec<String> = path[..=i].iter().map(|(n, _)| n.to_lowercase()).collect();
            match group_kinds.get(&prefix) {
                Some((k, first)) if *k != path[i].1 && !r.group_kinds.is_empty() => p(
                    "group_kinds",
                    format!(
                        "`{}` is a {} here but a {} on row {first}",
                        path[i].0,
                        path[i].1.as_str(),
                        k.as_str()
                    ),
                ),
                Some(_) => {}
                None => {
                    group_kinds.insert(prefix, (path[i].1, row));
                }
            }
        }
        let kind = parse_account_kind(&r.kind);
        if kind.is_none() {
            p(
                "kind",
                format!(
                    "`{}` is not an account kind (institutional, personal, other)",
                    r.kind
                ),
            );
        }
        let time_zone = r.time_zone.trim().to_string();
        if let Err(m) = valid_time_zone(&time_zone) {
            p("time_zone", m);
        }
        let language = r.language.trim().to_string();
        if let Err(m) = valid_language(&language) {
            p("language", m);
        }
        let avatar = r
            .avatar
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string);
        if let Some(a) = &avatar {
            let is_url = a.starts_with("https://") || a.starts_with("http://");
            if !is_url && !std::path::Path::new(a).is_file() {
                p(
                    "avatar",
                    format!("`{a}` is neither an http(s) URL nor an existing file"),
                );
            }
        }
        if let Some(n) = network {
            let hkey = (n, handle.to_lowercase());
            if let Some(first) = handles.insert(hkey.clone(), row) {
                p(
                    "handle",
                    format!("@{handle} ({}) is already on row {first}", n.as_str()),
                );
            }
            if let Some(id) = &external_id {
                if let Some(first) = ids.insert((n, id.clone()), row) {
                    p("external_id", format!("{id} is already on row {first}"));
                }
                // Against the registry: the handle belongs to another id, or the id to another handle.
                if let Some(Some(other)) = existing.by_handle.get(&hkey) {
                    if other != id {
                        p(
                            "handle",
                            format!(
                                "@{handle} is registered for another {} account (id {other})",
                                n.as_str()
                            ),
                        );
                    }
                }
                if let Some(other) = existing.by_external_id.get(&(n, id.clone())) {
                    if *other != hkey.1 && existing.by_handle.contains_key(&hkey) {
                        p("external_id", format!("{id} belongs to @{other}, and @{handle} is another registered account"));
                    }
                }
            }
        }
        if let (Some(network), Some(kind)) = (network, kind) {
            out.push(ValidRow {
                row,
                network,
                handle,
                display_name,
                external_id,
                group: path,
                kind,
                time_zone,
                language,
                avatar,
            });
        }
    }
    if problems.is_empty() {
        Ok(out)
    } else {
        problems.sort_by_key(|p| p.row);
        Err(problems)
    }
}

/// Distinct group paths of the valid rows, parents first.
pub fn group_paths(rows: &[ValidRow]) -> Vec<Vec<(String, GroupKind)>> {
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for r in rows {
        for i in 1..=r.group.len() {
            let p = r.group[..i].to_vec();
            let k: Vec<String> = p.iter().map(|(n, _)| n.to_lowercase()).collect();
            if seen.insert(k) {
                out.push(p);
            }
        }
    }
    out.sort_by_key(|p| p.len());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(network: &str, handle: &str) -> AccountRow {
        AccountRow {
            network: network.into(),
            handle: handle.into(),
            display_name: "Embassy".into(),
            external_id: None,
            group: vec!["Europe".into(), "Embassy in Paris".into()],
            group_kinds: vec![],
            kind: "institutional".into(),
            time_zone: "Europe/Paris".into(),
            language: "fr".into(),
            avatar: None,
        }
    }

    #[test]
    fn every_problem_is_reported_with_its_row() {
        let mut bad_tz = row("x", "VLDinFrance2");
        bad_tz.time_zone = "Europe/Pariss".into();
        let mut bad_lang = row("x", "VLDinFrance3");
        bad_lang.language = "xx-Latn".into();
        let mut bad_net = row("myspace", "someone");
        bad_net.kind = "robot".into();
        let rows = vec![
            (2, row("x", "VLDinFrance")),
            (3, row("x", "vldinfrance")),
            (4, bad_tz),
            (5, bad_lang),
            (6, bad_net),
            (7, row("facebook", "VLDinFrance")),
        ];
        let problems = validate(&rows, &Existing::default()).unwrap_err();
        let summary: Vec<(u32, &str)> =
            problems.iter().map(|p| (p.row, p.field.as_str())).collect();
        assert_eq!(
            summary,
            vec![
                (3, "handle"),
                (4, "time_zone"),
                (5, "language"),
                (6, "network"),
                (6, "kind")
            ],
            "{problems:#?}"
        );
    }

    #[test]
    fn valid_rows_and_group_kinds() {
        let mut minister = row("x", "VLD_Minister");
        minister.group = vec!["Headquarters".into(), "Ministers".into()];
        minister.group_kinds = vec!["other".into(), "ministers".into()];
        minister.kind = "minister".into();
        let ok = validate(
            &[(1, row("x", "@VLDinFrance")), (2, minister)],
            &Existing::default(),
        )
        .unwrap();
        assert_eq!(ok[0].handle, "VLDinFrance");
        assert_eq!(ok[0].group[0].1, GroupKind::Region);
        assert_eq!(ok[0].group[1].1, GroupKind::Post);
        assert_eq!(ok[1].group[1].1, GroupKind::Ministers);
        assert_eq!(ok[1].kind, AccountKind::Personal);
        assert_eq!(group_paths(&ok).len(), 4);
    }

    #[test]
    fn conflicts_with_the_registry() {
        let mut r = row("x", "VLDinFrance");
        r.external_id = Some("123".into());
        let mut existing = Existing::default();
        existing
            .by_handle
            .insert((Network::X, "vldinfrance".into()), Some("999".into()));
        let p = validate(&[(2, r)], &existing).unwrap_err();
        assert_eq!(p[0].field, "handle");
    }

    #[test]
    fn csv_and_json_round_trip() {
        let mut a = row("x", "VLDinFrance");
        a.external_id = Some("42".into());
        a.group_kinds = vec!["region".into(), "post".into()];
        a.display_name = "Embassy, \"Paris\"".into();
        let rows = vec![a];
        for f in [FileFormat::Csv, FileFormat::Json] {
            let text = write_rows(&rows, f).unwrap();
            let back: Vec<AccountRow> = parse_rows(&text, f)
                .unwrap()
                .into_iter()
                .map(|(_, r)| r)
                .collect();
            assert_eq!(back, rows, "{f:?}: {text}");
        }
        let bad = parse_rows("network,handle\nx", FileFormat::Csv).unwrap_err();
        assert!(!bad.is_empty());
        assert!(parse_rows("{", FileFormat::Json).is_err());
    }

    #[test]
    fn languages_and_zones() {
        for ok in ["en", "ar", "zh-Hant", "pt-BR", "fil", "und"] {
            assert!(valid_language(ok).is_ok(), "{ok}");
        }
        for bad in ["english", "xx", "e", "fr_FR!"] {
            assert!(valid_language(bad).is_err(), "{bad}");
        }
        assert!(valid_time_zone("Asia/Tokyo").is_ok());
        assert!(valid_time_zone("Mars/Olympus").is_err());
    }
}

//! twitter-text's own conformance suite (third-party data in the shared folder), loaded at run
//! time: every weighted-length case of `validate.yml` and the mention, reply, URL and hashtag
//! sections of `extract.yml`, through Chancery's wrapper (`compose::x_text`).

use std::path::PathBuf;

use chancery_core::compose::x_text::{self, XRules};
use serde_yaml::Value;

/// `$CHANCERY_CONFORMANCE_DIR`, else `<workspace root>/../shared/conformance`.
fn conformance_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("CHANCERY_CONFORMANCE_DIR") {
        return PathBuf::from(dir);
    }
    // crates/chancery-core -> workspace root -> its parent.
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/conformance")
}

fn load(file: &str) -> Value {
    let path = conformance_dir().join("twitter-text").join(file);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "the twitter-text conformance suite is missing: cannot read {} ({e}). \
             Set CHANCERY_CONFORMANCE_DIR to the folder holding twitter-text/{file} \
             (normally <workspace>/../shared/conformance).",
            path.display()
        )
    });
    serde_yaml::from_str(&text).unwrap_or_else(|e| panic!("{} is not YAML: {e}", path.display()))
}

fn section<'a>(doc: &'a Value, name: &str) -> &'a Vec<Value> {
    doc["tests"][name]
        .as_sequence()
        .unwrap_or_else(|| panic!("section {name} missing"))
}

fn text_of(case: &Value) -> &str {
    case["text"].as_str().expect("case text")
}

fn desc(case: &Value) -> &str {
    case["description"].as_str().unwrap_or("?")
}

fn int(v: &Value, key: &str) -> i64 {
    v[key].as_i64().unwrap_or_else(|| panic!("{key} missing"))
}

/// Runs the weighted cases of one section; returns (cases, failure messages).
fn weighted(doc: &Value, name: &str, rules: XRules) -> (usize, Vec<String>) {
    let cases = section(doc, name);
    let mut failures = Vec::new();
    for case in cases {
        let text = text_of(case);
        let exp = &case["expected"];
        let got = x_text::count_with(text, rules);
        let display = got.display_range.expect("non-empty text has a range");
        let valid_range = got.valid_range.expect("non-empty text has a range");
        let actual = (
            i64::from(got.weighted_length),
            got.valid,
            i64::from(got.permillage),
            i64::from(display.start),
            i64::from(display.end),
            i64::from(valid_range.start),
            i64::from(valid_range.end),
        );
        let expected = (
            int(exp, "weightedLength"),
            exp["valid"].as_bool().expect("valid"),
            int(exp, "permillage"),
            int(exp, "displayRangeStart"),
            int(exp, "displayRangeEnd"),
            int(exp, "validRangeStart"),
            int(exp, "validRangeEnd"),
        );
        if actual != expected {
            failures.push(format!(
                "{name}: {:?}\n  text {:?}\n  expected (len, valid, permille, dStart, dEnd, vStart, vEnd) = {expected:?}\n  got      {actual:?}",
                desc(case),
                text
            ));
        }
        // The over-limit range is exactly what lies between the valid and display ends.
        match got.over_limit {
            Some(o) => assert!(
                !got.valid && o.start == valid_range.end + 1 && o.end == display.end,
                "{}: over-limit range {o:?}",
                desc(case)
            ),
            None => assert_eq!(valid_range.end, display.end, "{}", desc(case)),
        }
    }
    (cases.len(), failures)
}

#[test]
fn every_weighted_length_case_of_validate_yml_passes() {
    let doc = load("validate.yml");
    let mut failures = Vec::new();
    let mut counts = Vec::new();
    for (name, rules, expected_cases) in [
        ("WeightedTweetsCounterTest", XRules::V2, 20),
        (
            "WeightedTweetsWithDiscountedEmojiCounterTest",
            XRules::V3,
            22,
        ),
        // The default configuration is v3 (these two cases have no emoji).
        ("UnicodeDirectionalMarkerCounterTest", XRules::V3, 2),
    ] {
        let (n, f) = weighted(&doc, name, rules);
        assert_eq!(n, expected_cases, "{name}: the suite changed");
        counts.push((name, n, f.len()));
        failures.extend(f);
    }
    eprintln!("validate.yml weighted cases: {counts:?}");
    assert!(
        failures.is_empty(),
        "{} weighted cases failed ({counts:?}):\n{}",
        failures.len(),
        failures.join("\n")
    );
}

fn strings(v: &Value) -> Vec<String> {
    v.as_sequence()
        .map(|s| {
            s.iter()
                .map(|x| x.as_str().unwrap_or_default().to_string())
                .collect()
        })
        .unwrap_or_default()
}

fn indices(v: &Value) -> (u32, u32) {
    let s = v["indices"].as_sequence().expect("indices");
    (
        s[0].as_u64().expect("start") as u32,
        s[1].as_u64().expect("end") as u32,
    )
}

#[test]
fn mention_url_and_hashtag_sections_of_extract_yml_pass() {
    let doc = load("extract.yml");
    let mut failures = Vec::new();
    let mut total = 0;
    let mut check = |ok: bool, section: &str, case: &Value, detail: String| {
        total += 1;
        if !ok {
            failures.push(format!(
                "{section}: {:?} {:?}: {detail}",
                desc(case),
                text_of(case)
            ));
        }
    };

    for case in section(&doc, "mentions") {
        let got: Vec<String> = x_text::mentions(text_of(case))
            .into_iter()
            .map(|e| e.value)
            .collect();
        let exp = strings(&case["expected"]);
        check(
            got == exp,
            "mentions",
            case,
            format!("expected {exp:?} got {got:?}"),
        );
    }
    for case in section(&doc, "mentions_with_indices") {
        let got: Vec<(String, u32, u32)> = x_text::mentions(text_of(case))
            .into_iter()
            .map(|e| (e.value, e.start, e.end))
            .collect();
        let exp: Vec<(String, u32, u32)> = case["expected"]
            .as_sequence()
            .expect("list")
            .iter()
            .map(|m| {
                let (s, e) = indices(m);
                (m["screen_name"].as_str().expect("name").to_string(), s, e)
            })
            .collect();
        check(
            got == exp,
            "mentions_with_indices",
            case,
            format!("expected {exp:?} got {got:?}"),
        );
    }
    for case in section(&doc, "mentions_or_lists_with_indices") {
        let got: Vec<(String, String, u32, u32)> = x_text::mentions_or_lists(text_of(case))
            .into_iter()
            .map(|e| (e.value, e.list_slug, e.start, e.end))
            .collect();
        let exp: Vec<(String, String, u32, u32)> = case["expected"]
            .as_sequence()
            .expect("list")
            .iter()
            .map(|m| {
                let (s, e) = indices(m);
                (
                    m["screen_name"].as_str().expect("name").to_string(),
                    m["list_slug"].as_str().expect("slug").to_string(),
                    s,
                    e,
                )
            })
            .collect();
        check(
            got == exp,
            "mentions_or_lists_with_indices",
            case,
            format!("expected {exp:?} got {got:?}"),
        );
    }
    for case in section(&doc, "replies") {
        let got = x_text::reply_to(text_of(case));
        let exp = case["expected"].as_str().map(str::to_string);
        check(
            got == exp,
            "replies",
            case,
            format!("expected {exp:?} got {got:?}"),
        );
    }
    for name in ["urls", "tco_urls_with_params"] {
        for case in section(&doc, name) {
            let got: Vec<String> = x_text::urls(text_of(case))
                .into_iter()
                .map(|e| e.value)
                .collect();
            let exp = strings(&case["expected"]);
            check(
                got == exp,
                name,
                case,
                format!("expected {exp:?} got {got:?}"),
            );
        }
    }
    for name in ["urls_with_indices", "urls_with_directional_markers"] {
        for case in section(&doc, name) {
            let got: Vec<(String, u32, u32)> = x_text::urls(text_of(case))
                .into_iter()
                .map(|e| (e.value, e.start, e.end))
                .collect();
            let exp: Vec<(String, u32, u32)> = case["expected"]
                .as_sequence()
                .expect("list")
                .iter()
                .map(|m| {
                    let (s, e) = indices(m);
                    (m["url"].as_str().expect("url").to_string(), s, e)
                })
                .collect();
            check(
                got == exp,
                name,
                case,
                format!("expected {exp:?} got {got:?}"),
            );
        }
    }
    for name in ["hashtags", "hashtags_from_astral"] {
        for case in section(&doc, name) {
            let got: Vec<String> = x_text::hashtags(text_of(case))
                .into_iter()
                .map(|e| e.value)
                .collect();
            let exp = strings(&case["expected"]);
            check(
                got == exp,
                name,
                case,
                format!("expected {exp:?} got {got:?}"),
            );
        }
    }
    for case in section(&doc, "hashtags_with_indices") {
        let got: Vec<(String, u32, u32)> = x_text::hashtags(text_of(case))
            .into_iter()
            .map(|e| (e.value, e.start, e.end))
            .collect();
        let exp: Vec<(String, u32, u32)> = case["expected"]
            .as_sequence()
            .expect("list")
            .iter()
            .map(|m| {
                let (s, e) = indices(m);
                (m["hashtag"].as_str().expect("hashtag").to_string(), s, e)
            })
            .collect();
        check(
            got == exp,
            "hashtags_with_indices",
            case,
            format!("expected {exp:?} got {got:?}"),
        );
    }
    eprintln!("extract.yml: {total} cases checked");
    assert!(total > 200, "only {total} cases ran");
    assert!(
        failures.is_empty(),
        "{} of {total} extract cases failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

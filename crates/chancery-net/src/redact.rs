//! Removing secrets from text that may end up in an error message or a log line.
//!
//! Response bodies are quoted in [`crate::NetError::Malformed`] (a short snippet, so a person or
//! a bug report can see what arrived). Some bodies carry tokens: `/me/accounts` lists Page tokens,
//! OAuth token responses carry access and refresh tokens, and Graph `paging.next` URLs embed the
//! caller's `access_token`. Every snippet goes through [`redact_secrets`] first.

/// Keys whose values are secrets, as JSON keys (`"access_token": "..."`) or query parameters
/// (`access_token=...`).
const SECRET_KEYS: &[&str] = &[
    "access_token",
    "refresh_token",
    "page_access_token",
    "user_access_token",
    "client_secret",
    "fb_exchange_token",
    "code_verifier",
    "app_secret",
    "appsecret_proof",
    "token",
    "code",
];

/// What replaces a secret value.
pub const REDACTED: &str = "<redacted>";

/// `text` with the values of secret keys replaced by `<redacted>`, both in JSON
/// (`"access_token":"abc"`) and in URLs (`?access_token=abc&`). A value cut short by the end of
/// the text (a truncated body) is redacted too.
pub fn redact_secrets(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if let Some((key_end, value_start, quoted)) = secret_key_at(text, i) {
            out.push_str(&text[i..key_end]);
            out.push_str(&text[key_end..value_start]);
            let value_end = value_end(bytes, value_start, quoted);
            out.push_str(REDACTED);
            i = value_end;
            continue;
        }
        // Copy one whole character.
        let ch_len = text[i..].chars().next().map(char::len_utf8).unwrap_or(1);
        out.push_str(&text[i..i + ch_len]);
        i += ch_len;
    }
    out
}

/// If a secret key starts at `i` (as a JSON key or a query parameter), where the key text ends,
/// where its value starts and whether the value is a JSON string.
fn secret_key_at(text: &str, i: usize) -> Option<(usize, usize, bool)> {
    let bytes = text.as_bytes();
    let quoted_key = bytes[i] == b'"';
    let start = if quoted_key { i + 1 } else { i };
    if !quoted_key && i > 0 {
        // A query parameter name starts after `?`, `&` or a quote/space.
        let prev = bytes[i - 1];
        if !matches!(prev, b'?' | b'&' | b'"' | b' ' | b'\'') {
            return None;
        }
    }
    for key in SECRET_KEYS {
        let end = start + key.len();
        if end > bytes.len() || !bytes[start..end].eq_ignore_ascii_case(key.as_bytes()) {
            continue;
        }
        if quoted_key {
            if bytes.get(end) != Some(&b'"') {
                continue;
            }
            // "key" <ws> : <ws> value
            let mut j = end + 1;
            while j < bytes.len() && bytes[j].is_ascii_whitespace() {
                j += 1;
            }
            if bytes.get(j) != Some(&b':') {
                continue;
            }
            j += 1;
            while j < bytes.len() && bytes[j].is_ascii_whitespace() {
                j += 1;
            }
            let quoted = bytes.get(j) == Some(&b'"');
            return Some((end + 1, if quoted { j + 1 } else { j }, quoted));
        }
        if bytes.get(end) == Some(&b'=') {
            return Some((end, end + 1, false));
        }
    }
    None
}

fn value_end(bytes: &[u8], start: usize, quoted: bool) -> usize {
    let mut j = start;
    if quoted {
        while j < bytes.len() {
            match bytes[j] {
                b'\\' => j += 2,
                b'"' => return j,
                _ => j += 1,
            }
        }
        return bytes.len();
    }
    while j < bytes.len() && !matches!(bytes[j], b'&' | b'"' | b',' | b'}' | b' ' | b'\'' | b'#') {
        j += 1;
    }
    j.min(bytes.len())
}

/// At most `max_chars` characters of `text`, redacted, with `…` when cut.
pub fn snippet(text: &str, max_chars: usize) -> String {
    let redacted = redact_secrets(text);
    let mut out: String = redacted.chars().take(max_chars).collect();
    if redacted.chars().count() > max_chars {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_token_values_are_redacted() {
        let s = r#"{"data":[{"id":"1","access_token":"EAAB-secret-1","name":"P"}],"refresh_token" : "r-2"}"#;
        let r = redact_secrets(s);
        assert!(!r.contains("EAAB-secret-1"), "{r}");
        assert!(!r.contains("r-2"), "{r}");
        assert!(r.contains(r#""name":"P""#), "{r}");
        assert!(r.contains(r#""access_token":"<redacted>""#), "{r}");
    }

    #[test]
    fn query_token_values_are_redacted() {
        let s = r#"{"paging":{"next":"https://graph.facebook.com/v24.0/1/feed?access_token=EAAsecret&limit=25&after=QVF"}}"#;
        let r = redact_secrets(s);
        assert!(!r.contains("EAAsecret"), "{r}");
        assert!(r.contains("limit=25"), "{r}");
        assert!(r.contains("after=QVF"), "{r}");
    }

    #[test]
    fn truncated_values_are_redacted() {
        let r = redact_secrets(r#"{"access_token":"EAAB-half"#);
        assert!(!r.contains("EAAB-half"), "{r}");
    }

    #[test]
    fn words_that_merely_contain_a_key_are_kept() {
        let r = redact_secrets(r#"{"tokenizer":"x","barcode=1"}"#);
        assert_eq!(r, r#"{"tokenizer":"x","barcode=1"}"#);
    }

    #[test]
    fn snippets_are_short_and_marked() {
        let s = snippet(&"a".repeat(500), 10);
        assert_eq!(s, format!("{}…", "a".repeat(10)));
        assert_eq!(snippet("é😀x", 10), "é😀x");
    }
}

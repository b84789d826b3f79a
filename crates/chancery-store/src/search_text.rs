//! Text normalisation for full-text search, applied identically to what is indexed and to what
//! is searched for, and the translation of a person's query into an FTS5 MATCH expression.
//!
//! The FTS5 tokenizer is `unicode61 remove_diacritics 2 categories 'L* N* Co Mn Mc'
//! tokenchars '_'`: it folds case (all scripts) and Latin diacritics, keeps combining marks
//! inside words (so Devanagari and Thai words stay whole) and keeps `_` inside handles. Before
//! it, this module:
//! - applies NFKC (full-width Latin, Arabic presentation forms, compatibility ideographs),
//! - Arabic: strips tashkeel (U+064B–U+065F, U+0670, Quranic marks U+06D6–U+06ED) and tatweel
//!   (U+0640); unifies alef forms (أ إ آ ٱ → ا), ى → ي, ة → ه,
//! - Chinese and Japanese: puts every Han ideograph and kana between spaces, so each is one
//!   token and a word is found as a phrase of characters (`中国` → `"中 国"`).
//!
//! See docs/schema.md for why.

use std::borrow::Cow;

use unicode_normalization::{is_nfkc_quick, IsNormalized, UnicodeNormalization};

/// Bump when [`normalise`] changes: the store then re-indexes every item on open.
pub const NORMALISER_VERSION: u32 = 1;

/// Han ideographs and kana: scripts written without spaces between words.
fn is_split_char(c: char) -> bool {
    matches!(c as u32,
        0x3005 | 0x3007            // 々 〇
        | 0x3040..=0x309F          // Hiragana
        | 0x30A0..=0x30FF          // Katakana
        | 0x31F0..=0x31FF          // Katakana phonetic extensions
        | 0x3400..=0x4DBF          // CJK extension A
        | 0x4E00..=0x9FFF          // CJK unified ideographs
        | 0xF900..=0xFAFF          // CJK compatibility ideographs
        | 0x20000..=0x3134F        // CJK extensions B..G and compatibility supplement
    )
}

enum Fold {
    Keep,
    Drop,
    Replace(char),
    Split,
}

fn fold(c: char) -> Fold {
    match c as u32 {
        0x064B..=0x065F | 0x0670 | 0x06D6..=0x06ED | 0x0640 => Fold::Drop,
        0x0622 | 0x0623 | 0x0625 | 0x0671 => Fold::Replace('\u{0627}'),
        0x0649 => Fold::Replace('\u{064A}'),
        0x0629 => Fold::Replace('\u{0647}'),
        _ if is_split_char(c) => Fold::Split,
        _ => Fold::Keep,
    }
}

/// The text as it goes into (and is looked up in) the full-text index. Borrowed when
/// normalisation changes nothing (most Latin and Cyrillic text).
pub fn normalise(text: &str) -> Cow<'_, str> {
    let nfkc: Cow<'_, str> = match is_nfkc_quick(text.chars()) {
        IsNormalized::Yes => Cow::Borrowed(text),
        _ => {
            let s: String = text.nfkc().collect();
            if s == text {
                Cow::Borrowed(text)
            } else {
                Cow::Owned(s)
            }
        }
    };
    if nfkc.chars().all(|c| matches!(fold(c), Fold::Keep)) {
        return nfkc;
    }
    let mut out = String::with_capacity(nfkc.len() + nfkc.len() / 2);
    let mut after_split = false;
    for c in nfkc.chars() {
        match fold(c) {
            Fold::Keep | Fold::Replace(_) => {
                if after_split && !c.is_whitespace() {
                    out.push(' ');
                }
                after_split = false;
                out.push(match fold(c) {
                    Fold::Replace(r) => r,
                    _ => c,
                });
            }
            Fold::Drop => {}
            Fold::Split => {
                if !out.is_empty() && !out.ends_with(char::is_whitespace) {
                    out.push(' ');
                }
                out.push(c);
                after_split = true;
            }
        }
    }
    Cow::Owned(out)
}

/// What goes into `items.search_body`: the normalised text when it differs, else `None`.
pub(crate) fn search_body(text: &str) -> Option<String> {
    match normalise(text) {
        Cow::Borrowed(_) => None,
        Cow::Owned(s) if s == text => None,
        Cow::Owned(s) => Some(s),
    }
}

enum Term {
    Words(String),
    Prefix(String),
}

fn quoted(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

fn has_word_char(s: &str) -> bool {
    s.chars().any(char::is_alphanumeric)
}

/// Translate a person's search into an FTS5 MATCH expression.
///
/// Syntax: words (all must match, in any order), `"a phrase"`, `prefix*`, `-excluded`.
/// `#hashtag` and `@handle` match the tag or handle (the tokenizer drops `#` and `@`).
/// Returns `None` when nothing searchable is left (empty, punctuation only, or only
/// exclusions).
pub fn match_expression(query: &str) -> Option<String> {
    let mut positive: Vec<String> = Vec::new();
    let mut negative: Vec<String> = Vec::new();
    let mut chars = query.chars().peekable();
    while let Some(&c) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
            continue;
        }
        let mut negate = false;
        if c == '-' {
            negate = true;
            chars.next();
        }
        let term = if chars.peek() == Some(&'"') {
            chars.next();
            let mut phrase = String::new();
            for c in chars.by_ref() {
                if c == '"' {
                    break;
                }
                phrase.push(c);
            }
            Term::Words(phrase)
        } else {
            let mut word = String::new();
            while let Some(&c) = chars.peek() {
                if c.is_whitespace() {
                    break;
                }
                word.push(c);
                chars.next();
            }
            match word.strip_suffix('*') {
                Some(stem) if has_word_char(stem) => {
                    Term::Prefix(stem.trim_end_matches('*').to_string())
                }
                _ => Term::Words(word),
            }
        };
        let expr = match term {
            Term::Words(w) => {
                let n = normalise(&w);
                has_word_char(&n).then(|| quoted(n.trim()))
            }
            Term::Prefix(w) => {
                let n = normalise(&w);
                has_word_char(&n).then(|| format!("{} *", quoted(n.trim())))
            }
        };
        if let Some(expr) = expr {
            if negate {
                negative.push(expr);
            } else {
                positive.push(expr);
            }
        }
    }
    if positive.is_empty() {
        return None;
    }
    let mut out = positive.join(" ");
    if !negative.is_empty() {
        out = format!("({out})");
        for n in negative {
            out.push_str(" NOT ");
            out.push_str(&n);
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latin_and_cyrillic_text_is_left_alone() {
        assert!(matches!(
            normalise("Hello World, Привет МИР #Tag @UK_FCDO"),
            Cow::Borrowed(_)
        ));
        assert_eq!(search_body("Plain text"), None);
    }

    #[test]
    fn nfkc_folds_full_width_and_ligatures() {
        assert_eq!(normalise("ＡＢＣ ﬁne"), "ABC fine");
    }

    #[test]
    fn arabic_tashkeel_tatweel_and_letter_variants_are_folded() {
        assert_eq!(normalise("كَتَبَ"), "كتب");
        assert_eq!(normalise("الكـــتاب"), "الكتاب");
        assert_eq!(normalise("أحمد إلى آمال"), "احمد الي امال");
        assert_eq!(normalise("مدرسة"), "مدرسه");
        // Presentation forms (NFKC) end up as the plain letters.
        assert_eq!(normalise("\u{FEDF}\u{FEE0}"), normalise("\u{0644}\u{0644}"));
    }

    #[test]
    fn han_and_kana_are_split_into_single_characters() {
        assert_eq!(normalise("中国外交部"), "中 国 外 交 部");
        assert_eq!(normalise("東京2024年"), "東 京 2024 年");
        assert_eq!(normalise("はい、トランプ"), "は い 、 ト ラ ン プ");
        assert_eq!(normalise("in 北京 today"), "in 北 京 today");
    }

    #[test]
    fn match_expressions() {
        assert_eq!(
            match_expression("embassy visa").as_deref(),
            Some("\"embassy\" \"visa\"")
        );
        assert_eq!(match_expression("diplom*").as_deref(), Some("\"diplom\" *"));
        assert_eq!(match_expression("中国").as_deref(), Some("\"中 国\""));
        assert_eq!(
            match_expression("\"visa office\" -closed").as_deref(),
            Some("(\"visa office\") NOT \"closed\"")
        );
        assert_eq!(
            match_expression("say \"hi").as_deref(),
            Some("\"say\" \"hi\"")
        );
        assert_eq!(match_expression("a\"b").as_deref(), Some("\"a\"\"b\""));
        assert_eq!(match_expression("  # @ * -x"), None);
        assert_eq!(match_expression(""), None);
        assert_eq!(match_expression("كِتَاب").as_deref(), Some("\"كتاب\""));
    }
}

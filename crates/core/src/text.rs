//! Text: the one rule for text anyone sends us (no control characters but tab and line breaks),
//! and counts written with their nouns.
//!
//! PostgreSQL refuses U+0000 in text and SQLite's full-text search chokes on it, while other
//! control characters are invisible on a page and can forge log lines; refusing them at the edge
//! keeps both backends alike and every stored text printable.

/// A count with its noun: "1 problem", "3 problems".
pub fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// A name as owner: "Sales's" reads oddly, so names ending in s take the apostrophe alone
/// ("IT Services' requests", "Payroll's requests").
pub fn possessive(name: &str) -> String {
    if name.ends_with(['s', 'S']) {
        format!("{name}'")
    } else {
        format!("{name}'s")
    }
}

/// An address made from a name, as a person would type it: lower-case ASCII letters and digits
/// joined by `sep`, starting with a letter, at most `max` characters ("Laptop model" becomes
/// `laptop_model`, "Ask IT!" `ask-it`). Letters with accents lose them; other characters are gaps.
pub fn slug(name: &str, sep: char, max: usize) -> String {
    let mut out = String::new();
    let plain = |c: char| -> &'static str {
        match c {
            'à'..='å' => "a",
            'ç' => "c",
            'è'..='ë' => "e",
            'ì'..='ï' => "i",
            'ñ' => "n",
            'ò'..='ö' | 'ø' => "o",
            'ù'..='ü' => "u",
            'ß' => "ss",
            _ => "",
        }
    };
    for c in name.chars().flat_map(char::to_lowercase) {
        let mut buf = [0u8; 4];
        let text = match plain(c) {
            "" => &*c.encode_utf8(&mut buf),
            t => t,
        };
        for c in text.chars() {
            if c.is_ascii_lowercase() || (c.is_ascii_digit() && !out.is_empty()) {
                out.push(c);
            } else if !out.is_empty() && !out.ends_with(sep) {
                out.push(sep);
            }
        }
        if out.len() >= max {
            break;
        }
    }
    out.truncate(max);
    out.trim_end_matches(sep).to_owned()
}

/// Whether a character may not appear in text: a control character other than tab, LF or CR.
pub fn is_forbidden(c: char) -> bool {
    c.is_control() && !matches!(c, '\t' | '\n' | '\r')
}

/// Says what is wrong with a text, or nothing when it is clean.
pub fn check(text: &str) -> Result<(), String> {
    match text.chars().find(|&c| is_forbidden(c)) {
        None => Ok(()),
        Some(c) => {
            Err(format!("contains the control character U+{:04X}; only tabs and line breaks are allowed", u32::from(c)))
        }
    }
}

/// Appends one character escaped for HTML element content and quoted attributes.
pub fn push_html_escaped(out: &mut String, c: char) {
    match c {
        '&' => out.push_str("&amp;"),
        '<' => out.push_str("&lt;"),
        '>' => out.push_str("&gt;"),
        '"' => out.push_str("&quot;"),
        '\'' => out.push_str("&#39;"),
        c => out.push(c),
    }
}

/// Text escaped for HTML element content and quoted attributes.
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    text.chars().for_each(|c| push_html_escaped(&mut out, c));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_from_names() {
        assert_eq!(slug("Laptop model", '_', 40), "laptop_model");
        assert_eq!(slug("Ask IT!", '-', 40), "ask-it");
        assert_eq!(slug("2 Größe — Farbe", '_', 40), "grosse_farbe", "starts with a letter");
        assert_eq!(slug("Équipe café", '-', 40), "equipe-cafe");
        assert_eq!(slug("a very long name indeed", '_', 6), "a_very");
        assert_eq!(slug("!!!", '_', 40), "");
    }

    #[test]
    fn possessives() {
        assert_eq!(possessive("IT Services"), "IT Services'");
        assert_eq!(possessive("Payroll"), "Payroll's");
    }

    #[test]
    fn only_tabs_and_line_breaks_pass() {
        assert!(check("Line one\n\tline two\r\n").is_ok());
        assert!(check("Ünïcödé — fine ✓").is_ok());
        let nul = check("a\u{0}b").unwrap_err();
        assert!(nul.contains("U+0000"), "{nul}");
        for c in ['\u{1}', '\u{1b}', '\u{7f}', '\u{85}', '\u{9f}'] {
            assert!(check(&format!("x{c}")).is_err(), "{c:?}");
        }
    }
}

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

//! The request search syntax: words, "quoted phrases" and filters.
//!
//! ```text
//! laptop "blue screen" status:open team:IT assignee:me priority:P1 service:"Laptop request"
//! ```
//! Words and phrases must all appear (in the subject, description, form answers, or a comment
//! the searcher may see); filters narrow the results. Filter values may be quoted.

use serde::Serialize;

use crate::error::Invalid;
use crate::request::{Request, RequestQuery};

/// Marks the start and end of a match in raw snippets (private-use characters, never typed).
pub const MATCH_START: char = '\u{E000}';
pub const MATCH_END: char = '\u{E001}';

/// A request found by a search, with the text that matched.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct SearchHit {
    #[serde(flatten)]
    pub request: Request,
    /// The best-matching passage as safe HTML: escaped text with matches in `<mark>`.
    pub highlight: String,
}

/// Escapes a raw snippet and turns its match markers into `<mark>` tags.
pub fn highlight_html(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len() + 16);
    for c in raw.chars() {
        match c {
            MATCH_START => out.push_str("<mark>"),
            MATCH_END => out.push_str("</mark>"),
            c => crate::text::push_html_escaped(&mut out, c),
        }
    }
    out
}

/// A parsed search: full-text terms plus list filters.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SearchQuery {
    /// Single words and quoted phrases, all required.
    pub terms: Vec<String>,
    pub filters: RequestQuery,
}

/// The filter names, for help texts and errors.
pub const FILTERS: &[&str] = &["status", "team", "assignee", "priority", "service", "requester", "for"];

impl SearchQuery {
    pub fn parse(input: &str) -> Result<Self, Invalid> {
        let mut out = Self::default();
        for token in tokenize(input) {
            let (key, value) = match token {
                Token::Phrase(p) => {
                    out.terms.push(p);
                    continue;
                }
                Token::Word(w) => match w.split_once(':') {
                    Some((k, v)) if !k.is_empty() => (k.to_ascii_lowercase(), v.to_owned()),
                    _ => {
                        out.terms.push(w);
                        continue;
                    }
                },
                Token::Filter(k, v) => (k.to_ascii_lowercase(), v),
            };
            let slot = match key.as_str() {
                "status" => &mut out.filters.status,
                "team" => &mut out.filters.team,
                "assignee" => &mut out.filters.assignee,
                "priority" => &mut out.filters.priority,
                "service" => &mut out.filters.service,
                "requester" => &mut out.filters.requester,
                "for" => &mut out.filters.on_behalf_of,
                other => {
                    return Err(Invalid::one(
                        "q",
                        format!(
                            "`{other}:` is not a filter; use {}",
                            FILTERS.iter().map(|f| format!("{f}:")).collect::<Vec<_>>().join(", ")
                        ),
                    ))
                }
            };
            if value.trim().is_empty() {
                return Err(Invalid::one("q", format!("`{key}:` needs a value, e.g. {key}:open")));
            }
            *slot = Some(value);
        }
        Ok(out)
    }

    /// The terms as an FTS5 query: each quoted (so nothing in them is syntax), all required.
    pub fn fts5_match(&self) -> String {
        self.terms.iter().map(|t| format!("\"{}\"", t.replace('"', "\"\""))).collect::<Vec<_>>().join(" ")
    }

    /// The terms for PostgreSQL's `websearch_to_tsquery`: each quoted, so `or` and `-` stay words.
    pub fn websearch(&self) -> String {
        self.terms.iter().map(|t| format!("\"{}\"", t.replace('"', " "))).collect::<Vec<_>>().join(" ")
    }
}

/// A word of a text, as the search indexes see it, and where it stands (byte offsets).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Span {
    pub start: usize,
    pub end: usize,
    pub word: String,
}

/// The words of a text as the search indexes see them: runs of letters and digits, lower-cased,
/// accents removed (SQLite's `unicode61 remove_diacritics 2`, PostgreSQL's `simple`).
pub fn spans(text: &str) -> Vec<Span> {
    use unicode_normalization::char::{decompose_canonical, is_combining_mark};
    let mut out = Vec::new();
    let mut word = String::new();
    let (mut start, mut end) = (0, 0);
    for (i, c) in text.char_indices() {
        let mut breaks = false;
        let mut add = |d: char| {
            if d.is_alphanumeric() {
                if word.is_empty() {
                    start = i;
                }
                word.extend(d.to_lowercase());
                end = i + c.len_utf8();
            } else if is_combining_mark(d) && !word.is_empty() {
                // An accent on the letter before: dropped, the word goes on.
                end = i + c.len_utf8();
            } else {
                breaks = true;
            }
        };
        if c.is_ascii() {
            add(c);
        } else {
            decompose_canonical(c, &mut add);
        }
        if breaks && !word.is_empty() {
            out.push(Span { start, end, word: std::mem::take(&mut word) });
        }
    }
    if !word.is_empty() {
        out.push(Span { start, end, word });
    }
    out
}

/// The words of a text (see [`spans`]), for comparing with [`str::eq_ignore_ascii_case`]: an
/// ASCII text (most) is split in place, without copying or lower-casing a word.
pub fn words(text: &str) -> Vec<std::borrow::Cow<'_, str>> {
    if text.is_ascii() {
        text.split(|c: char| !c.is_ascii_alphanumeric()).filter(|w| !w.is_empty()).map(Into::into).collect()
    } else {
        spans(text).into_iter().map(|s| s.word.into()).collect()
    }
}

/// Orders the texts that matched a search, best first, by BM25 over the texts looked at. Every
/// text looked at contains every term, so each term's rarity (the inverse document frequency)
/// is the same for all of them and is left out: what counts is how often the terms occur and
/// how short the text is.
#[derive(Debug, Clone)]
pub struct Ranker {
    /// Each term as its words; a phrase counts where its words follow each other.
    terms: Vec<Vec<String>>,
}

impl Ranker {
    const K1: f64 = 1.2;
    const B: f64 = 0.75;

    pub fn new(query: &SearchQuery) -> Self {
        let terms = query.terms.iter().map(|t| spans(t).into_iter().map(|s| s.word).collect::<Vec<_>>());
        Self { terms: terms.filter(|w| !w.is_empty()).collect() }
    }

    /// The passage of `text` that holds the most of the terms, at most `size` words, with each
    /// match between [`MATCH_START`] and [`MATCH_END`] and "…" where the text was cut.
    pub fn snippet(&self, text: &str, size: usize) -> String {
        let spans = spans(text);
        let n = spans.len();
        // Each match as (first word, past its last word, which term), in text order.
        let mut matches = Vec::new();
        for i in 0..n {
            for (t, term) in self.terms.iter().enumerate() {
                let fits = i + term.len() <= n;
                if fits && spans[i..i + term.len()].iter().zip(term).all(|(s, w)| s.word == *w) {
                    matches.push((i, i + term.len(), t));
                }
            }
        }
        let inside = |from: usize, to: usize| matches.iter().filter(move |m| m.0 >= from && m.1 <= to);
        let (from, to) = if n <= size {
            (0, n)
        } else {
            // The fragment starting just before a match that covers the most terms, then the most matches.
            let mut best = ((0, 0), 0);
            for &(first, _, _) in &matches {
                let from = first.saturating_sub(2).min(n - size);
                let found: std::collections::BTreeSet<usize> = inside(from, from + size).map(|m| m.2).collect();
                let score = (found.len(), inside(from, from + size).count());
                if score > best.0 {
                    best = (score, from);
                }
            }
            (best.1, best.1 + size)
        };
        let mut out = String::with_capacity(text.len().min(400));
        let begin = if from == 0 { 0 } else { spans[from].start };
        let end = if to == n { text.len() } else { spans[to - 1].end };
        if from > 0 {
            out.push('…');
        }
        let mut at = begin;
        for &(a, b, _) in inside(from, to) {
            if spans[a].start < at {
                continue; // overlaps the match before
            }
            out.push_str(&text[at..spans[a].start]);
            out.push(MATCH_START);
            out.push_str(&text[spans[a].start..spans[b - 1].end]);
            out.push(MATCH_END);
            at = spans[b - 1].end;
        }
        out.push_str(&text[at..end]);
        if to < n {
            out.push('…');
        }
        out
    }

    /// Scores of `texts`, higher is better.
    pub fn scores(&self, texts: &[&str]) -> Vec<f64> {
        let texts: Vec<_> = texts.iter().map(|t| words(t)).collect();
        let total: usize = texts.iter().map(Vec::len).sum();
        let average = (total as f64 / texts.len().max(1) as f64).max(1.0);
        texts
            .iter()
            .map(|text| {
                let norm = Self::K1 * (1.0 - Self::B + Self::B * text.len() as f64 / average);
                self.terms
                    .iter()
                    .map(|term| {
                        let same = |w: &[std::borrow::Cow<'_, str>]| {
                            w.iter().zip(term).all(|(a, b)| a.eq_ignore_ascii_case(b))
                        };
                        let tf = text.windows(term.len()).filter(|w| same(w)).count() as f64;
                        tf * (Self::K1 + 1.0) / (tf + norm)
                    })
                    .sum()
            })
            .collect()
    }
}

#[derive(Debug, PartialEq)]
enum Token {
    Word(String),
    Phrase(String),
    /// `key:"quoted value"`.
    Filter(String, String),
}

fn tokenize(input: &str) -> Vec<Token> {
    let mut out = Vec::new();
    let mut chars = input.chars().peekable();
    while let Some(&c) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
            continue;
        }
        if c == '"' {
            chars.next();
            let phrase: String = chars.by_ref().take_while(|&c| c != '"').collect();
            if !phrase.trim().is_empty() {
                out.push(Token::Phrase(phrase.trim().to_owned()));
            }
            continue;
        }
        let mut word = String::new();
        while let Some(&c) = chars.peek() {
            if c.is_whitespace() {
                break;
            }
            chars.next();
            if c == '"' && word.ends_with(':') {
                let value: String = chars.by_ref().take_while(|&c| c != '"').collect();
                word.pop();
                out.push(Token::Filter(std::mem::take(&mut word), value));
                break;
            }
            word.push(c);
        }
        if !word.is_empty() {
            out.push(Token::Word(word));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snippets_mark_matches_around_the_best_passage() {
        let q = SearchQuery::parse(r#"laptop "blue screen""#).unwrap();
        let r = Ranker::new(&q);
        let text = "Café first. one two three four five six seven eight nine ten laptop eleven twelve \
                    blue screen thirteen fourteen fifteen sixteen seventeen eighteen nineteen twenty end";
        let s = r.snippet(text, 8);
        assert_eq!(s, "…nine ten \u{E000}laptop\u{E001} eleven twelve \u{E000}blue screen\u{E001} thirteen…");
        assert_eq!(r.snippet("A Laptop!", 24), "A \u{E000}Laptop\u{E001}!");
        assert_eq!(r.snippet("no match here", 24), "no match here");
        assert_eq!(spans("Été x")[0], Span { start: 0, end: 5, word: "ete".into() });
    }

    #[test]
    fn words_as_the_index_sees_them() {
        assert_eq!(words("Café-Bar: ÜBER 2 Screens!"), ["cafe", "bar", "uber", "2", "screens"]);
        assert_eq!(words("Blue-screen 2"), ["Blue", "screen", "2"], "ASCII words are compared ignoring case");
        assert!(words(" -- ").is_empty());
    }

    #[test]
    fn ranking_prefers_more_hits_in_shorter_texts_and_whole_phrases() {
        let q = SearchQuery::parse(r#"laptop "blue screen""#).unwrap();
        let texts = [
            "laptop with a blue screen and a long story about other things entirely",
            "Laptop laptop BLUE screen",
            "laptop screen blue",
        ];
        let s = Ranker::new(&q).scores(&texts);
        assert!(s[1] > s[0], "{s:?}");
        assert!(s[0] > s[2], "the phrase in order counts: {s:?}");
    }

    #[test]
    fn words_phrases_and_filters() {
        let q = SearchQuery::parse(
            r#"laptop "blue screen" status:open team:IT assignee:me priority:P1 service:"Laptop request" for:SAL"#,
        )
        .unwrap();
        assert_eq!(q.terms, ["laptop", "blue screen"]);
        let f = &q.filters;
        assert_eq!(f.status.as_deref(), Some("open"));
        assert_eq!(f.team.as_deref(), Some("IT"));
        assert_eq!(f.assignee.as_deref(), Some("me"));
        assert_eq!(f.priority.as_deref(), Some("P1"));
        assert_eq!(f.service.as_deref(), Some("Laptop request"));
        assert_eq!(f.on_behalf_of.as_deref(), Some("SAL"));
    }

    #[test]
    fn highlights_are_escaped() {
        let raw = format!("<b>{MATCH_START}laptop{MATCH_END}</b> & co");
        assert_eq!(highlight_html(&raw), "&lt;b&gt;<mark>laptop</mark>&lt;/b&gt; &amp; co");
    }

    #[test]
    fn bad_filters_are_explained() {
        let err = SearchQuery::parse("colour:blue").unwrap_err();
        assert!(err.message_for("q").unwrap().contains("not a filter"));
        assert!(SearchQuery::parse("status:").is_err());
    }

    #[test]
    fn terms_cannot_inject_query_syntax() {
        let q = SearchQuery::parse(r#"NEAR(a b) OR -x "say ""hi""#).unwrap();
        assert_eq!(q.fts5_match(), r#""NEAR(a" "b)" "OR" "-x" "say" "hi""#);
        let quoted = SearchQuery { terms: vec![r#"a"b"#.into()], ..Default::default() };
        assert_eq!(quoted.fts5_match(), r#""a""b""#);
        assert_eq!(quoted.websearch(), r#""a b""#);
        assert!(SearchQuery::parse("  ").unwrap().terms.is_empty());
    }
}

//! CSV exports of reports and lists: a header row, then one row per item. A cell a spreadsheet
//! would run as a formula (it starts with `=`, `+`, `-`, `@`, a tab or a carriage return) is
//! written as text, so an exported request subject can never execute on someone's desk.

/// The rows as CSV (RFC 4180, CRLF line ends), with the header first.
pub fn csv(header: &[&str], rows: impl IntoIterator<Item = Vec<String>>) -> String {
    let mut w = csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(Vec::new());
    // Writing to memory cannot fail; a row of the wrong length is a bug the tests catch.
    let _ = w.write_record(header);
    for row in rows {
        let _ = w.write_record(row.iter().map(|cell| inert(cell).into_owned()));
    }
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}

/// A cell as text that no spreadsheet evaluates.
fn inert(cell: &str) -> std::borrow::Cow<'_, str> {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{cell}").into()
    } else {
        cell.into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_are_quoted_and_formulas_stay_text() {
        let out = csv(
            &["key", "subject"],
            [vec!["IT-1".into(), "Laptop, 15\"".into()], vec!["IT-2".into(), "=HYPERLINK(\"x\")".into()]],
        );
        assert_eq!(out, "key,subject\r\nIT-1,\"Laptop, 15\"\"\"\r\nIT-2,\"'=HYPERLINK(\"\"x\"\")\"\r\n");
        assert_eq!(inert("-5"), "'-5", "a leading minus could start a formula too");
        assert_eq!(inert("5"), "5");
    }
}

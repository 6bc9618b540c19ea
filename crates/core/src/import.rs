//! CSV import of people and teams: parsing and row-level validation, with line numbers.
//!
//! The store checks what needs the database (managers and teams that must exist) and writes
//! everything in one transaction, so a file with any bad row imports nothing.

use std::collections::{HashMap, HashSet};

use serde::Serialize;

use crate::error::Invalid;
use crate::person::{NewPerson, DEFAULT_CAPACITY_HOURS};
use crate::team::{normalize_key, MemberRole, NewTeam};

/// Columns of a people file; `email` and `name` are required, the rest optional.
pub const PEOPLE_COLUMNS: &[&str] =
    &["email", "name", "title", "manager_email", "time_zone", "weekly_capacity_hours", "teams", "admin"];
/// Columns of a teams file; `key` and `name` are required.
pub const TEAM_COLUMNS: &[&str] = &["key", "name", "parent_key", "mission", "contact_email", "contact_info"];
/// Columns of a time-off file; `email` and `starts_on` are required.
pub const TIME_OFF_COLUMNS: &[&str] = &["email", "starts_on", "ends_on", "half_day", "note"];

/// A problem with one line of an import file. Line 1 is the header.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct RowError {
    pub line: u64,
    pub message: String,
}

impl RowError {
    pub fn new(line: u64, message: impl Into<String>) -> Self {
        Self { line, message: message.into() }
    }

    fn from_invalid(line: u64, invalid: Invalid) -> Vec<Self> {
        invalid.0.into_iter().map(|e| Self::new(line, format!("{}: {}", e.field, e.message))).collect()
    }
}

/// What an import changed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ImportReport {
    pub kind: Option<ImportKind>,
    pub created: u64,
    pub updated: u64,
    pub unchanged: u64,
    /// Invitations mailed to the people created, when asked for.
    pub invited: u64,
    /// The people created, to invite.
    #[serde(skip)]
    pub created_people: Vec<crate::ids::PersonId>,
}

/// What kind of rows a file holds, told by its header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ImportKind {
    People,
    Teams,
    TimeOff,
}

impl ImportKind {
    /// Guesses the kind from the header: a time-off file has `starts_on`, a people file has
    /// `email`, a teams file has `key`.
    pub fn detect(data: &[u8]) -> Result<Self, RowError> {
        let header = read_header(data)?;
        if header.iter().any(|h| h == "starts_on") {
            Ok(Self::TimeOff)
        } else if header.iter().any(|h| h == "email") {
            Ok(Self::People)
        } else if header.iter().any(|h| h == "key") {
            Ok(Self::Teams)
        } else {
            Err(RowError::new(1, "the header has neither an `email` column (people) nor a `key` column (teams)"))
        }
    }
}

/// A parsed file: its rows and every problem found in them. Rows that broke a rule are kept so
/// the store can check their references (managers, teams) too; nothing is written unless
/// `errors` is empty once those checks are added.
#[derive(Debug, Clone, PartialEq)]
pub struct Parsed<T> {
    pub rows: Vec<T>,
    pub errors: Vec<RowError>,
}

/// One valid row of a people file.
#[derive(Debug, Clone, PartialEq)]
pub struct PersonRow {
    pub line: u64,
    pub person: NewPerson,
    /// Team keys with the person's role in each; empty keeps existing memberships untouched.
    pub teams: Vec<(String, MemberRole)>,
}

/// One valid row of a teams file.
#[derive(Debug, Clone, PartialEq)]
pub struct TeamRow {
    pub line: u64,
    pub team: NewTeam,
}

fn read_header(data: &[u8]) -> Result<Vec<String>, RowError> {
    let mut reader = csv::ReaderBuilder::new().from_reader(data);
    let header = reader.headers().map_err(|e| RowError::new(1, format!("cannot read the header: {e}")))?;
    Ok(header.iter().map(|h| h.trim().to_ascii_lowercase()).collect())
}

/// One line of a file: column name → trimmed value.
type Row = HashMap<String, String>;

/// Reads a CSV file into maps of column → value, checking the header against the known columns.
/// A bad header stops the reading; a bad line is reported and the others are still read.
fn read_rows(data: &[u8], known: &[&str], required: &[&str]) -> (Vec<(u64, Row)>, Vec<RowError>) {
    let data = data.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(data);
    let header = match read_header(data) {
        Ok(header) => header,
        Err(e) => return (Vec::new(), vec![e]),
    };
    let mut errors = Vec::new();
    for h in &header {
        if let Err(message) = crate::text::check(h) {
            errors.push(RowError::new(1, format!("a column name {message}")));
        } else if !known.contains(&h.as_str()) {
            errors.push(RowError::new(1, format!("unknown column `{h}`; the columns are: {}", known.join(", "))));
        }
    }
    for r in required {
        if !header.iter().any(|h| h == r) {
            errors.push(RowError::new(1, format!("the required column `{r}` is missing")));
        }
    }
    if !errors.is_empty() {
        return (Vec::new(), errors);
    }
    let mut reader = csv::ReaderBuilder::new().flexible(false).from_reader(data);
    let mut rows = Vec::new();
    for record in reader.records() {
        match record {
            Ok(record) => {
                let line = record.position().map_or(0, |p| p.line());
                if record.iter().all(|v| v.trim().is_empty()) {
                    continue;
                }
                let mut clean = true;
                for (column, value) in header.iter().zip(record.iter()) {
                    if let Err(message) = crate::text::check(value) {
                        errors.push(RowError::new(line, format!("{column}: {message}")));
                        clean = false;
                    }
                }
                if clean {
                    rows.push((line, header.iter().cloned().zip(record.iter().map(|v| v.trim().to_owned())).collect()));
                }
            }
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line());
                errors.push(RowError::new(line, format!("cannot read this line: {}", csv_error_text(&e))));
            }
        }
    }
    if rows.is_empty() && errors.is_empty() {
        errors.push(RowError::new(1, "the file has a header but no rows"));
    }
    (rows, errors)
}

fn csv_error_text(e: &csv::Error) -> String {
    match e.kind() {
        csv::ErrorKind::UnequalLengths { expected_len, len, .. } => {
            format!("it has {len} fields but the header has {expected_len}")
        }
        csv::ErrorKind::Utf8 { .. } => "it is not valid UTF-8".into(),
        _ => e.to_string(),
    }
}

fn get<'a>(row: &'a HashMap<String, String>, column: &str) -> &'a str {
    row.get(column).map_or("", String::as_str)
}

/// Parses and validates a people file: every valid row, and every problem of the others.
pub fn parse_people(data: &[u8]) -> Parsed<PersonRow> {
    let (rows, mut errors) = read_rows(data, PEOPLE_COLUMNS, &["email", "name"]);
    let mut out = Vec::new();
    let mut seen: HashMap<String, u64> = HashMap::new();
    for (line, row) in rows {
        let mut row_errors = Vec::new();
        let capacity = match get(&row, "weekly_capacity_hours") {
            "" => DEFAULT_CAPACITY_HOURS,
            v => v.parse::<f64>().unwrap_or_else(|_| {
                row_errors.push(RowError::new(line, format!("weekly_capacity_hours: `{v}` is not a number")));
                DEFAULT_CAPACITY_HOURS
            }),
        };
        let is_admin = match get(&row, "admin").to_ascii_lowercase().as_str() {
            "" | "false" | "no" | "0" => false,
            "true" | "yes" | "1" => true,
            other => {
                row_errors.push(RowError::new(line, format!("admin: `{other}` is not true or false")));
                false
            }
        };
        let zone = match get(&row, "time_zone") {
            "" => "UTC",
            z => z,
        };
        let person = NewPerson {
            email: get(&row, "email").into(),
            name: get(&row, "name").into(),
            title: get(&row, "title").into(),
            manager_email: Some(get(&row, "manager_email").to_owned()),
            time_zone: zone.into(),
            weekly_capacity_hours: capacity,
            is_admin,
        };
        let teams = parse_team_list(get(&row, "teams")).unwrap_or_else(|e| {
            row_errors.push(RowError::new(line, format!("teams: {e}")));
            Vec::new()
        });
        match person.clone().validate() {
            Ok(person) => match seen.insert(person.email.clone(), line) {
                Some(first) => {
                    row_errors.push(RowError::new(line, format!("email {} is also on line {first}", person.email)))
                }
                None => out.push(PersonRow { line, person, teams }),
            },
            Err(invalid) => {
                row_errors.extend(RowError::from_invalid(line, invalid));
                // Kept for its references (manager, teams), so their problems are reported too.
                let manager =
                    person.manager_email.as_deref().map(|m| m.trim().to_lowercase()).filter(|m| !m.is_empty());
                out.push(PersonRow { line, person: NewPerson { manager_email: manager, ..person }, teams });
            }
        }
        errors.extend(row_errors);
    }
    errors.sort_by_key(|e| e.line);
    Parsed { rows: out, errors }
}

/// Parses `IT:lead; OPS` into team keys and roles.
fn parse_team_list(raw: &str) -> Result<Vec<(String, MemberRole)>, String> {
    let mut out: Vec<(String, MemberRole)> = Vec::new();
    for part in raw.split(';').map(str::trim).filter(|p| !p.is_empty()) {
        let (key, role) = match part.split_once(':') {
            Some((k, r)) => {
                let role = MemberRole::parse(r).ok_or_else(|| format!("`{r}` is not a role: use lead or member"))?;
                (k, role)
            }
            None => (part, MemberRole::Member),
        };
        let key = normalize_key(key)?;
        if out.iter().any(|(k, _)| *k == key) {
            return Err(format!("team {key} is listed twice"));
        }
        out.push((key, role));
    }
    Ok(out)
}

/// Parses and validates a teams file: every valid row, and every problem of the others.
/// Parents may be other rows of the same file.
pub fn parse_teams(data: &[u8]) -> Parsed<TeamRow> {
    let (rows, mut errors) = read_rows(data, TEAM_COLUMNS, &["key", "name"]);
    let mut out = Vec::new();
    let mut seen: HashMap<String, u64> = HashMap::new();
    for (line, row) in rows {
        let team = NewTeam {
            key: get(&row, "key").into(),
            name: get(&row, "name").into(),
            parent_key: Some(get(&row, "parent_key").to_owned()),
            mission: get(&row, "mission").into(),
            contact_email: Some(get(&row, "contact_email").to_owned()),
            contact_info: get(&row, "contact_info").into(),
        };
        match team.validate() {
            Ok(team) => {
                if let Some(first) = seen.insert(team.key.clone(), line) {
                    errors.push(RowError::new(line, format!("team key {} is also on line {first}", team.key)));
                } else {
                    out.push(TeamRow { line, team });
                }
            }
            Err(invalid) => errors.extend(RowError::from_invalid(line, invalid)),
        }
    }
    errors.sort_by_key(|e| e.line);
    Parsed { rows: out, errors }
}

/// One valid row of a time-off file: whose, and the days.
#[derive(Debug, Clone, PartialEq)]
pub struct TimeOffRow {
    pub line: u64,
    pub email: String,
    pub time_off: crate::capacity::NewTimeOff,
}

/// Parses and validates a time-off file (`email,starts_on,ends_on,half_day,note`).
pub fn parse_time_off(data: &[u8]) -> Parsed<TimeOffRow> {
    let (rows, mut errors) = read_rows(data, TIME_OFF_COLUMNS, &["email", "starts_on"]);
    let mut out = Vec::new();
    for (line, row) in rows {
        let mut row_errors = Vec::new();
        let mut date = |column: &str| match get(&row, column) {
            "" => None,
            v => v.parse::<chrono::NaiveDate>().map_or_else(
                |_| {
                    row_errors.push(RowError::new(line, format!("{column}: `{v}` is not a date such as 2026-12-21")));
                    None
                },
                Some,
            ),
        };
        let (starts, ends) = (date("starts_on"), date("ends_on"));
        let half_day = match get(&row, "half_day").to_ascii_lowercase().as_str() {
            "" | "false" | "no" | "0" => false,
            "true" | "yes" | "1" => true,
            other => {
                row_errors.push(RowError::new(line, format!("half_day: `{other}` is not true or false")));
                false
            }
        };
        let email = get(&row, "email").to_lowercase();
        if email.is_empty() {
            row_errors.push(RowError::new(line, "email: whose time off is it?"));
        }
        if let Some(starts_on) = starts {
            let time_off =
                crate::capacity::NewTimeOff { starts_on, ends_on: ends, half_day, note: get(&row, "note").into() };
            match time_off.check() {
                Ok(_) if row_errors.is_empty() => out.push(TimeOffRow { line, email, time_off }),
                Ok(_) => {}
                Err(invalid) => row_errors.extend(RowError::from_invalid(line, invalid)),
            }
        } else if get(&row, "starts_on").is_empty() {
            row_errors.push(RowError::new(line, "starts_on: give the first day off"));
        }
        errors.extend(row_errors);
    }
    errors.sort_by_key(|e| e.line);
    Parsed { rows: out, errors }
}

/// Orders team rows so every parent from the file comes before its children; reports loops.
pub fn order_teams(rows: Vec<TeamRow>) -> Result<Vec<TeamRow>, Vec<RowError>> {
    let in_file: HashSet<String> = rows.iter().map(|r| r.team.key.clone()).collect();
    let mut placed: HashSet<String> = HashSet::new();
    let mut pending = rows;
    let mut ordered = Vec::with_capacity(pending.len());
    loop {
        let before = pending.len();
        let (ready, rest): (Vec<_>, Vec<_>) = pending.into_iter().partition(|r| match &r.team.parent_key {
            Some(p) if in_file.contains(p) => placed.contains(p),
            _ => true,
        });
        for r in ready {
            placed.insert(r.team.key.clone());
            ordered.push(r);
        }
        pending = rest;
        if pending.is_empty() {
            return Ok(ordered);
        }
        if pending.len() == before {
            return Err(pending
                .iter()
                .map(|r| RowError::new(r.line, format!("parent_key: team {} is part of a parent loop", r.team.key)))
                .collect());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn people_file_with_all_columns() {
        let csv = "email,name,title,manager_email,time_zone,weekly_capacity_hours,teams,admin\n\
                   ada@example.com,Ada Lovelace,Head of IT,,Europe/London,37.5,IT:lead;OPS,yes\n\
                   bob@example.com,Bob Ross,Technician,ada@example.com,,,IT,\n";
        let parsed = parse_people(csv.as_bytes());
        assert!(parsed.errors.is_empty());
        let rows = parsed.rows;
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].teams, vec![("IT".into(), MemberRole::Lead), ("OPS".into(), MemberRole::Member)]);
        assert!(rows[0].person.is_admin);
        assert_eq!(rows[1].person.manager_email.as_deref(), Some("ada@example.com"));
        assert_eq!(rows[1].person.time_zone, "UTC");
        assert_eq!(rows[1].line, 3);
    }

    #[test]
    fn every_bad_row_is_reported_with_its_line() {
        let csv = "email,name,time_zone,weekly_capacity_hours\n\
                   good@example.com,Good,UTC,40\n\
                   not-an-email,Bad One,UTC,40\n\
                   x@example.com,,Mars/Base,lots\n\
                   good@example.com,Twice,UTC,40\n";
        let errors = parse_people(csv.as_bytes()).errors;
        let lines: Vec<u64> = errors.iter().map(|e| e.line).collect();
        assert_eq!(lines, [3, 4, 4, 4, 5], "{errors:?}");
        assert!(errors[4].message.contains("line 2"));
    }

    #[test]
    fn short_rows_do_not_hide_the_other_problems() {
        let csv = "email,name,time_zone,weekly_capacity_hours\n\
                   short@example.com,Short\n\
                   not-an-email,Bad,UTC,40\n\
                   z@example.com,Zoned,Mars/Base,40\n\
                   c@example.com,Capacity,UTC,lots\n\
                   n@example.com,Nul\u{0},UTC,40\n";
        let errors = parse_people(csv.as_bytes()).errors;
        let lines: Vec<u64> = errors.iter().map(|e| e.line).collect();
        assert_eq!(lines, [2, 3, 4, 5, 6], "{errors:?}");
        assert!(errors[0].message.contains("2 fields"), "{}", errors[0].message);
        assert!(errors[4].message.contains("U+0000"), "{}", errors[4].message);
    }

    #[test]
    fn unknown_and_missing_columns_are_refused() {
        let errors = parse_people(b"mail,name\nx@example.com,X\n").errors;
        assert!(errors.iter().any(|e| e.message.contains("unknown column `mail`")));
        assert!(errors.iter().any(|e| e.message.contains("`email` is missing")));
    }

    #[test]
    fn ragged_lines_are_reported() {
        let errors = parse_people(b"email,name\na@example.com,A,extra\n").errors;
        assert_eq!(errors[0].line, 2);
        assert!(errors[0].message.contains("3 fields"), "{}", errors[0].message);
    }

    #[test]
    fn kind_is_detected_from_header() {
        assert_eq!(ImportKind::detect(b"email,name\n").unwrap(), ImportKind::People);
        assert_eq!(ImportKind::detect(b"key,name\n").unwrap(), ImportKind::Teams);
        assert!(ImportKind::detect(b"foo,bar\n").is_err());
    }

    #[test]
    fn teams_are_ordered_parents_first_and_loops_refused() {
        let csv = "key,name,parent_key\nPAY,Payroll,FIN\nFIN,Finance,\n";
        let ordered = order_teams(parse_teams(csv.as_bytes()).rows).unwrap();
        assert_eq!(ordered[0].team.key, "FIN");
        let looped = "key,name,parent_key\nAA,A,BB\nBB,B,AA\n";
        let errors = order_teams(parse_teams(looped.as_bytes()).rows).unwrap_err();
        assert_eq!(errors.len(), 2);
    }

    #[test]
    fn a_time_off_file_is_told_by_its_header_and_checked_row_by_row() {
        let file = b"email,starts_on,ends_on,half_day,note\nAna@example.com,2026-12-21,2026-12-24,,Holiday\n\
bo@example.com,2026-12-28,,yes,\n,21/12/2026,2026-12-01,maybe,\ncy@example.com,2026-12-10,2026-12-01,,\n";
        assert_eq!(ImportKind::detect(file), Ok(ImportKind::TimeOff));
        let parsed = parse_time_off(file);
        let rows: Vec<(&str, bool)> = parsed.rows.iter().map(|r| (r.email.as_str(), r.time_off.half_day)).collect();
        assert_eq!(rows, [("ana@example.com", false), ("bo@example.com", true)]);
        let lines: Vec<u64> = parsed.errors.iter().map(|e| e.line).collect();
        assert_eq!(lines, [4, 4, 4, 5], "{:?}", parsed.errors);
    }
}

//! Request forms: typed fields a service asks for, and validation of submitted values.
//! Forms are versioned: a request keeps the version it was filed under, so editing a form never
//! breaks old requests.

use std::collections::{BTreeMap, HashSet};

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::{Errors, Invalid};
use crate::person::normalize_email;

/// What kind of input a field takes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FieldKind {
    ShortText,
    LongText,
    Number {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        min: Option<f64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        max: Option<f64>,
    },
    Date,
    SingleSelect {
        options: Vec<String>,
    },
    MultiSelect {
        options: Vec<String>,
    },
    /// A person in the directory, by email.
    Person,
    Checkbox,
}

impl FieldKind {
    pub fn name(&self) -> &'static str {
        match self {
            Self::ShortText => "short_text",
            Self::LongText => "long_text",
            Self::Number { .. } => "number",
            Self::Date => "date",
            Self::SingleSelect { .. } => "single_select",
            Self::MultiSelect { .. } => "multi_select",
            Self::Person => "person",
            Self::Checkbox => "checkbox",
        }
    }

    pub fn options(&self) -> &[String] {
        match self {
            Self::SingleSelect { options } | Self::MultiSelect { options } => options,
            _ => &[],
        }
    }
}

/// All kinds, for builders and docs: the name in the API, and what the form builder calls it.
pub const FIELD_KINDS: &[(&str, &str)] = &[
    ("short_text", "Short text"),
    ("long_text", "Long text"),
    ("number", "Number"),
    ("date", "Date"),
    ("single_select", "Single choice"),
    ("multi_select", "Multiple choice"),
    ("person", "Person (an email)"),
    ("checkbox", "Yes or no"),
];

/// One field of a form.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct FieldDef {
    /// Stable machine name (`laptop_model`); the key of the value in a request.
    pub name: String,
    pub label: String,
    #[serde(flatten)]
    pub kind: FieldKind,
    #[serde(default)]
    pub required: bool,
    #[serde(default)]
    pub help: String,
}

/// A version of a service's form; fields in display order.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Form {
    pub version: i64,
    pub fields: Vec<FieldDef>,
}

/// Longest short-text answer.
const SHORT_TEXT_MAX: usize = 500;
const LONG_TEXT_MAX: usize = 20_000;

/// Checks a list of field definitions: names unique and well-formed, selects with options.
pub fn check_fields(fields: &[FieldDef]) -> Result<(), Invalid> {
    let mut errors = Errors::default();
    let mut seen = HashSet::new();
    for (i, f) in fields.iter().enumerate() {
        let at = format!("fields[{i}]");
        let name_ok = !f.name.is_empty()
            && f.name.len() <= 40
            && f.name.starts_with(|c: char| c.is_ascii_lowercase())
            && f.name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        if !name_ok {
            errors.add(
                &format!("{at}.name"),
                format!("`{}` is not a field name: use a-z, 0-9 and _, starting with a letter", f.name),
            );
        } else if !seen.insert(f.name.as_str()) {
            errors.add(&format!("{at}.name"), format!("the name `{}` is used twice", f.name));
        }
        if f.label.trim().is_empty() || f.label.chars().count() > 200 {
            errors.add(&format!("{at}.label"), "every field needs a label of 1-200 characters");
        }
        match &f.kind {
            FieldKind::SingleSelect { options } | FieldKind::MultiSelect { options } => {
                let unique: HashSet<_> = options.iter().collect();
                if options.is_empty() || options.iter().any(|o| o.trim().is_empty()) || unique.len() != options.len() {
                    errors.add(&format!("{at}.options"), "a select needs distinct, non-empty options");
                }
            }
            FieldKind::Number { min: Some(min), max: Some(max) } if min > max => {
                errors.add(&format!("{at}.max"), "the maximum is below the minimum");
            }
            _ => {}
        }
    }
    if fields.len() > 50 {
        errors.add("fields", "a form can have at most 50 fields");
    }
    errors.finish()
}

impl Form {
    /// Validates submitted values against the form, returning them normalised (trimmed text,
    /// numbers as numbers, emails lower-cased). Errors are keyed `fields.<name>`; unknown fields
    /// are refused so a typo never silently drops an answer.
    pub fn validate(&self, values: &BTreeMap<String, Value>) -> Result<BTreeMap<String, Value>, Invalid> {
        let mut errors = Errors::default();
        let mut out = BTreeMap::new();
        for name in values.keys() {
            if !self.fields.iter().any(|f| &f.name == name) {
                errors.add(&format!("fields.{name}"), "this form has no such field");
            }
        }
        for f in &self.fields {
            let key = format!("fields.{}", f.name);
            let raw = values.get(&f.name).filter(|v| !is_blank(v));
            let Some(raw) = raw else {
                if f.required && !matches!(f.kind, FieldKind::Checkbox) {
                    errors.add(&key, format!("{} is required", f.label));
                }
                if f.required && matches!(f.kind, FieldKind::Checkbox) {
                    errors.add(&key, format!("{} must be ticked", f.label));
                }
                continue;
            };
            match check_value(f, raw) {
                Ok(v) => {
                    if f.required && v == Value::Bool(false) {
                        errors.add(&key, format!("{} must be ticked", f.label));
                    }
                    out.insert(f.name.clone(), v);
                }
                Err(message) => errors.add(&key, message),
            }
        }
        errors.finish()?;
        Ok(out)
    }

    /// Emails named in person fields, for the store to check against the directory.
    pub fn person_values<'v>(&self, values: &'v BTreeMap<String, Value>) -> Vec<(&str, &'v str)> {
        self.fields
            .iter()
            .filter(|f| matches!(f.kind, FieldKind::Person))
            .filter_map(|f| values.get(&f.name).and_then(Value::as_str).map(|v| (f.name.as_str(), v)))
            .collect()
    }

    /// The values as `label: text` lines, for search and plain-text views.
    pub fn describe(&self, values: &BTreeMap<String, Value>) -> Vec<(String, String)> {
        self.fields.iter().filter_map(|f| values.get(&f.name).map(|v| (f.label.clone(), display_value(v)))).collect()
    }
}

fn is_blank(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::String(s) => s.trim().is_empty(),
        Value::Array(a) => a.is_empty(),
        _ => false,
    }
}

/// A value as text: lists joined with commas, booleans as yes/no.
pub fn display_value(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Bool(b) => if *b { "yes" } else { "no" }.to_owned(),
        Value::Array(items) => items.iter().map(display_value).collect::<Vec<_>>().join(", "),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

fn check_value(f: &FieldDef, raw: &Value) -> Result<Value, String> {
    let text = || match raw {
        Value::String(s) => Ok(s.trim().to_owned()),
        Value::Number(n) => Ok(n.to_string()),
        _ => Err(format!("{} takes text", f.label)),
    };
    match &f.kind {
        FieldKind::ShortText | FieldKind::LongText => {
            let t = text()?;
            let max = if matches!(f.kind, FieldKind::ShortText) { SHORT_TEXT_MAX } else { LONG_TEXT_MAX };
            if t.chars().count() > max {
                return Err(format!("{} can be at most {max} characters", f.label));
            }
            Ok(Value::String(t))
        }
        FieldKind::Number { min, max } => {
            let n = match raw {
                Value::Number(n) => n.as_f64(),
                Value::String(s) => s.trim().parse::<f64>().ok(),
                _ => None,
            }
            .filter(|n| n.is_finite())
            .ok_or_else(|| format!("{} must be a number", f.label))?;
            if min.is_some_and(|m| n < m) || max.is_some_and(|m| n > m) {
                let range = match (min, max) {
                    (Some(a), Some(b)) => format!("between {a} and {b}"),
                    (Some(a), None) => format!("at least {a}"),
                    (None, Some(b)) => format!("at most {b}"),
                    (None, None) => String::new(),
                };
                return Err(format!("{} must be {range}", f.label));
            }
            Ok(serde_json::Number::from_f64(n).map_or(Value::Null, Value::Number))
        }
        FieldKind::Date => {
            let t = text()?;
            let d = NaiveDate::parse_from_str(&t, "%Y-%m-%d")
                .map_err(|_| format!("{} must be a date like 2026-12-31", f.label))?;
            Ok(Value::String(d.to_string()))
        }
        FieldKind::SingleSelect { options } => {
            let t = text()?;
            if options.contains(&t) {
                Ok(Value::String(t))
            } else {
                Err(format!("{} must be one of: {}", f.label, options.join(", ")))
            }
        }
        FieldKind::MultiSelect { options } => {
            let chosen: Vec<String> = match raw {
                Value::Array(items) => items.iter().map(|v| v.as_str().unwrap_or_default().trim().to_owned()).collect(),
                Value::String(s) => vec![s.trim().to_owned()],
                _ => return Err(format!("{} takes a list of options", f.label)),
            };
            if let Some(bad) = chosen.iter().find(|c| !options.contains(c)) {
                return Err(format!("`{bad}` is not an option of {}", f.label));
            }
            // Keep the form's order and drop repeats.
            Ok(Value::Array(options.iter().filter(|o| chosen.contains(o)).map(|o| Value::String(o.clone())).collect()))
        }
        FieldKind::Person => normalize_email(&text()?).map(Value::String).map_err(|e| format!("{}: {e}", f.label)),
        FieldKind::Checkbox => match raw {
            Value::Bool(b) => Ok(Value::Bool(*b)),
            Value::String(s) if matches!(s.as_str(), "on" | "true" | "yes" | "1") => Ok(Value::Bool(true)),
            Value::String(s) if matches!(s.as_str(), "off" | "false" | "no" | "0") => Ok(Value::Bool(false)),
            _ => Err(format!("{} is either ticked or not", f.label)),
        },
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn form() -> Form {
        let fields: Vec<FieldDef> = serde_json::from_value(json!([
            {"name": "model", "label": "Model", "kind": "single_select", "options": ["13-inch", "15-inch"], "required": true},
            {"name": "extras", "label": "Extras", "kind": "multi_select", "options": ["Dock", "Mouse", "Headset"]},
            {"name": "count", "label": "How many", "kind": "number", "min": 1, "max": 5},
            {"name": "needed_by", "label": "Needed by", "kind": "date"},
            {"name": "for_whom", "label": "For whom", "kind": "person"},
            {"name": "why", "label": "Why", "kind": "long_text"},
            {"name": "agree", "label": "I will return the old one", "kind": "checkbox", "required": true},
        ]))
        .unwrap();
        check_fields(&fields).unwrap();
        Form { version: 1, fields }
    }

    fn values(v: serde_json::Value) -> BTreeMap<String, Value> {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn good_values_are_normalised() {
        let out = form()
            .validate(&values(json!({"model": "15-inch", "extras": ["Mouse", "Dock", "Mouse"], "count": "2",
                "needed_by": "2026-12-01", "for_whom": " Ann@Example.com ", "why": "  old one broke ", "agree": "on"})))
            .unwrap();
        assert_eq!(out["extras"], json!(["Dock", "Mouse"]));
        assert_eq!(out["count"], json!(2.0));
        assert_eq!(out["for_whom"], "ann@example.com");
        assert_eq!(out["why"], "old one broke");
        assert_eq!(out["agree"], true);
    }

    #[test]
    fn every_bad_value_is_reported_by_field() {
        let err = form()
            .validate(&values(
                json!({"extras": ["Laser"], "count": 9, "needed_by": "31/12/2026", "for_whom": "ann", "colour": "red"}),
            ))
            .unwrap_err();
        let fields: Vec<&str> = err.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "fields.colour",
                "fields.model",
                "fields.extras",
                "fields.count",
                "fields.needed_by",
                "fields.for_whom",
                "fields.agree"
            ]
        );
        assert!(err.message_for("fields.count").unwrap().contains("between 1 and 5"));
        assert!(err.message_for("fields.model").unwrap().contains("required"));
    }

    #[test]
    fn field_definitions_are_checked() {
        let mut fields = form().fields;
        fields.push(fields[0].clone());
        fields.push(FieldDef {
            name: "Bad Name".into(),
            label: "".into(),
            kind: FieldKind::SingleSelect { options: vec![] },
            required: false,
            help: String::new(),
        });
        let err = check_fields(&fields).unwrap_err();
        let names: Vec<&str> = err.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(names, ["fields[7].name", "fields[8].name", "fields[8].label", "fields[8].options"]);
    }
}

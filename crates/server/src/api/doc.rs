//! Completes the OpenAPI document with the problems every operation can answer, so it describes
//! what the server really does: the extractors, the token check and the body limits answer the
//! same way for every route, and listing that on each handler by hand is how it went missing.

use std::sync::OnceLock;

use serde_json::Value;
use utoipa::openapi::path::Operation;
use utoipa::openapi::{ContentBuilder, OpenApi, Ref, RefOr, ResponseBuilder};
use utoipa::Modify;

/// What `core::text` refuses, as a JSON Schema pattern: no control characters but tab and line
/// breaks. On every string of the document, so generated clients and fuzzers know the rule.
const TEXT_PATTERN: &str = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*$";

/// The served document: [`super::ApiDoc`] with the text rule on every string.
pub fn document() -> &'static Value {
    static DOC: OnceLock<Value> = OnceLock::new();
    DOC.get_or_init(|| {
        let mut doc = serde_json::to_value(<super::ApiDoc as utoipa::OpenApi>::openapi()).unwrap_or_default();
        // Problems echo what was sent (a parameter's name, a parser's words): they are answers,
        // not input, and carry no such promise.
        if let Some(schemas) = doc.pointer_mut("/components/schemas").and_then(Value::as_object_mut) {
            for (name, schema) in schemas.iter_mut() {
                if !matches!(name.as_str(), "Problem" | "FieldError" | "RowError") {
                    add_text_pattern(schema);
                }
            }
        }
        if let Some(paths) = doc.get_mut("paths") {
            add_text_pattern(paths);
        }
        doc
    })
}

fn add_text_pattern(value: &mut Value) {
    match value {
        Value::Object(map) => {
            let is_string = match map.get("type") {
                Some(Value::String(t)) => t == "string",
                Some(Value::Array(ts)) => ts.iter().any(|t| t == "string"),
                _ => false,
            };
            let free_text = !map.contains_key("enum") && !map.contains_key("pattern") && !map.contains_key("format");
            if is_string && free_text {
                map.insert("pattern".to_owned(), Value::String(TEXT_PATTERN.to_owned()));
            }
            map.values_mut().for_each(add_text_pattern);
        }
        Value::Array(items) => items.iter_mut().for_each(add_text_pattern),
        _ => {}
    }
}

const PROBLEM_JSON: &str = "application/problem+json";

/// Adds the problem responses each operation can give, as `application/problem+json`.
#[derive(Debug)]
pub struct Problems;

impl Modify for Problems {
    fn modify(&self, api: &mut OpenApi) {
        for item in api.paths.paths.values_mut() {
            let reads = [&mut item.get, &mut item.head];
            for op in reads.into_iter().flatten() {
                complete(op, false);
            }
            let writes = [&mut item.post, &mut item.put, &mut item.patch, &mut item.delete];
            for op in writes.into_iter().flatten() {
                complete(op, true);
            }
        }
    }
}

fn complete(op: &mut Operation, writes: bool) {
    // Problems declared on a handler come out as `application/json`; they are problem+json.
    for response in op.responses.responses.values_mut() {
        if let RefOr::T(response) = response {
            let is_problem = response
                .content
                .get("application/json")
                .is_some_and(|c| matches!(&c.schema, Some(RefOr::Ref(r)) if r.ref_location.ends_with("/Problem")));
            if is_problem {
                if let Some(content) = response.content.shift_remove("application/json") {
                    response.content.insert(PROBLEM_JSON.to_owned(), content);
                }
            }
        }
    }
    let mut codes = vec![
        ("400", "A query or path parameter is unknown, of the wrong type, out of range or holds a control character"),
        ("401", "No token, or an unknown, revoked or deactivated person's token"),
        ("404", "No such thing, or a filter names a team or service that does not exist"),
        ("422", "Values that break a rule; `errors` names every field at fault"),
    ];
    if writes {
        codes.push(("403", "Signed in, but not allowed"));
        codes.push(("409", "The change clashes with what is there: a taken key or email, a closed request, a step the lifecycle refuses"));
    }
    if op.request_body.is_some() {
        codes.push(("413", "The body is larger than the limit"));
        codes.push(("415", "The body is not of the documented content type"));
    }
    for (code, description) in codes {
        op.responses.responses.entry(code.to_owned()).or_insert_with(|| {
            let content = ContentBuilder::new().schema(Some(Ref::from_schema_name("Problem"))).build();
            RefOr::T(ResponseBuilder::new().description(description).content(PROBLEM_JSON, content).build())
        });
    }
}

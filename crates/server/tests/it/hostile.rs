//! Hostile text everywhere: generated from the OpenAPI document, every operation gets NUL and
//! other control characters, a lone surrogate, a 1 MB string and Markdown/HTML in each string
//! query parameter, each path parameter and every string field of its body. Every answer must
//! be a status the document lists for that operation, and never a 5xx.

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use serde_json::{json, Map, Value};

use crate::both;
use crate::requests::{file, world};

/// A marker replaced by a lone UTF-16 surrogate escape after serialising (JSON text can carry
/// one, a Rust string cannot).
const LONE: &str = "@@lone-surrogate@@";

fn payloads() -> Vec<String> {
    vec![
        "nul\u{0}byte".into(),
        "\u{1b}[31mred\u{7}\u{8}".into(),
        "del\u{7f}\u{85}c1".into(),
        LONE.into(),
        "a".repeat(1024 * 1024),
        "<script>alert(1)</script>[x](javascript:alert(1)) <img src=x onerror=alert(1)>".into(),
        "' OR 1=1; -- \" \\ % _ * \"unterminated".into(),
        "𝕏\u{202e}\u{200b}\u{feff}".into(),
        String::new(),
    ]
}

/// A valid value for a path parameter, by its name, so one parameter at a time is hostile.
fn valid_path_value(name: &str) -> &'static str {
    match name {
        "key" | "supplier" => "IT",
        "customer" => "SAL",
        "slug" => "laptop",
        _ => "1",
    }
}

fn resolve<'a>(doc: &'a Value, schema: &'a Value) -> &'a Value {
    match schema.get("$ref").and_then(Value::as_str) {
        Some(r) => {
            let name = r.rsplit('/').next().unwrap_or_default();
            &doc["components"]["schemas"][name]
        }
        None => schema,
    }
}

fn is_type(schema: &Value, kind: &str) -> bool {
    match &schema["type"] {
        Value::String(t) => t == kind,
        Value::Array(ts) => ts.iter().any(|t| t == kind),
        _ => false,
    }
}

/// A body shaped by the schema with `text` in every string field.
fn body_for(doc: &Value, schema: &Value, text: &str, depth: usize) -> Value {
    let schema = resolve(doc, schema);
    if depth > 6 {
        return Value::Null;
    }
    for combinator in ["oneOf", "anyOf", "allOf"] {
        if let Some(first) = schema[combinator].as_array().and_then(|a| a.iter().find(|s| s["type"] != "null")) {
            return body_for(doc, first, text, depth + 1);
        }
    }
    if let Some(props) = schema["properties"].as_object() {
        let mut out = Map::new();
        for (name, prop) in props {
            out.insert(name.clone(), body_for(doc, prop, text, depth + 1));
        }
        return Value::Object(out);
    }
    if is_type(schema, "object") {
        return json!({ "field": text });
    }
    if is_type(schema, "array") {
        return json!([body_for(doc, &schema["items"], text, depth + 1)]);
    }
    if is_type(schema, "string") {
        return json!(text);
    }
    if is_type(schema, "integer") || is_type(schema, "number") {
        return json!(1);
    }
    if is_type(schema, "boolean") {
        return json!(false);
    }
    Value::Null
}

/// Text for a URI: a URI cannot carry a lone surrogate, and the HTTP layer refuses URIs longer
/// than 64 KB before any handler sees them, so long text is cut to 8 KB there.
fn encode(text: &str) -> String {
    let text = if text == LONE { "\u{fffd}" } else { text };
    let text = if text.len() > 8192 { &text[..8192] } else { text };
    percent_encoding::utf8_percent_encode(text, percent_encoding::NON_ALPHANUMERIC).to_string()
}

both!(hostile_text_never_breaks_the_api, |t| {
    let w = world(&t).await;
    file(&t, &w.requester, "A request to aim at").await;
    let doc = t.api(Method::GET, "/api/v1/openapi.json", None, None).await.json;
    let mut sent = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let documented: Vec<u16> =
                op["responses"].as_object().unwrap().keys().filter_map(|c| c.parse().ok()).collect();
            let params = op["parameters"].as_array().cloned().unwrap_or_default();
            let path_params: Vec<String> =
                params.iter().filter(|p| p["in"] == "path").map(|p| p["name"].as_str().unwrap().to_owned()).collect();
            let query_params: Vec<String> = params
                .iter()
                .filter(|p| p["in"] == "query" && is_type(resolve(&doc, &p["schema"]), "string"))
                .map(|p| p["name"].as_str().unwrap().to_owned())
                .collect();
            let fill = |hostile: Option<(&str, &str)>| {
                let mut uri = path.clone();
                for name in &path_params {
                    let value = match hostile {
                        Some((n, text)) if n == name => encode(text),
                        _ => valid_path_value(name).to_owned(),
                    };
                    uri = uri.replace(&format!("{{{name}}}"), &value);
                }
                uri
            };
            let content = &op["requestBody"]["content"];
            let body_type = content.as_object().and_then(|c| c.keys().next().cloned());
            for text in payloads() {
                // One request per hostile spot: each path parameter, each string query
                // parameter, and the body with the text in every string field.
                let mut requests: Vec<(String, Option<Vec<u8>>)> = Vec::new();
                for name in &path_params {
                    requests.push((fill(Some((name, &text))), None));
                }
                for name in &query_params {
                    requests.push((format!("{}?{name}={}", fill(None), encode(&text)), None));
                }
                if let Some(kind) = &body_type {
                    let raw = if kind == "application/json" {
                        let body = body_for(&doc, &content[kind]["schema"], &text, 0);
                        body.to_string().replace(LONE, "\\ud800")
                    } else {
                        text.replace(LONE, "\u{fffd}")
                    };
                    requests.push((fill(None), Some(raw.into_bytes())));
                }
                for (uri, body) in requests {
                    let mut req = Request::builder()
                        .method(Method::from_bytes(method.to_uppercase().as_bytes()).unwrap())
                        .uri(&uri)
                        .header(header::AUTHORIZATION, format!("Bearer {}", w.admin));
                    if let Some(kind) = &body_type {
                        req = req.header(header::CONTENT_TYPE, kind.as_str());
                    }
                    let req = req.body(body.map_or_else(Body::empty, Body::from)).unwrap();
                    let r = t.send_api(req).await;
                    sent += 1;
                    let shown: String = text.chars().take(40).collect();
                    assert!(
                        r.status.as_u16() < 500 && documented.contains(&r.status.as_u16()),
                        "{method} {uri:.120} with {shown:?}: {} undocumented ({documented:?}): {:.300}",
                        r.status,
                        r.text
                    );
                    if r.status.is_client_error() && r.status != StatusCode::NOT_FOUND {
                        assert_eq!(r.headers[header::CONTENT_TYPE], "application/problem+json", "{method} {uri:.120}");
                    }
                }
            }
        }
    }
    assert!(sent > 500, "{sent} requests");
});

//! Checking a declarative config against (a subset of) Kong's entity schemas and flattening it,
//! with Kong's error shapes: a nested field-error tree, and with `flatten_errors=1` one entry per
//! entity (`entity_type`, `entity_name`, `entity_id`, `entity_tags`, `entity`, `errors`).

use md5::{Digest, Md5};

use super::address;
use serde_json::{Map, Value, json};

/// The plugins this Kong has enabled.
const ENABLED_PLUGINS: [&str; 6] = [
    "key-auth",
    "rate-limiting",
    "cors",
    "request-transformer",
    "http-log",
    "prometheus",
];

/// The entity collections a declarative config may hold at its top level.
pub const COLLECTIONS: [&str; 6] = [
    "services",
    "routes",
    "upstreams",
    "targets",
    "consumers",
    "plugins",
];

/// The other top-level keys Kong accepts.
const META: [&str; 4] = ["_format_version", "_transform", "_comment", "_workspace"];

/// A field's type and rule.
enum Rule {
    Str,
    Int(i64, i64),
    Bool,
    Strings,
    Record,
    OneOf(&'static [&'static str]),
    OneOfList(&'static [&'static str]),
}

const PROTOCOLS: &[&str] = &[
    "grpc",
    "grpcs",
    "http",
    "https",
    "tcp",
    "tls",
    "tls_passthrough",
    "udp",
];

/// What an upstream can hash on (`hash_on`, `hash_fallback`).
const HASH_ON: &[&str] = &[
    "none",
    "consumer",
    "ip",
    "header",
    "cookie",
    "path",
    "query_arg",
    "uri_capture",
];

/// (field, rule, required, default) per entity type; `children` are the nested collections.
struct Schema {
    kind: &'static str,
    fields: &'static [(&'static str, Rule, bool, Option<&'static str>)],
    children: &'static [&'static str],
    references: &'static [&'static str],
}

const SERVICE: Schema = Schema {
    kind: "service",
    fields: &[
        ("id", Rule::Str, false, None),
        ("name", Rule::Str, false, None),
        ("host", Rule::Str, true, None),
        ("port", Rule::Int(0, 65535), false, Some("80")),
        ("protocol", Rule::OneOf(PROTOCOLS), false, Some("\"http\"")),
        ("path", Rule::Str, false, None),
        ("retries", Rule::Int(0, 32767), false, Some("5")),
        (
            "connect_timeout",
            Rule::Int(1, 2147483646),
            false,
            Some("60000"),
        ),
        (
            "write_timeout",
            Rule::Int(1, 2147483646),
            false,
            Some("60000"),
        ),
        (
            "read_timeout",
            Rule::Int(1, 2147483646),
            false,
            Some("60000"),
        ),
        ("enabled", Rule::Bool, false, Some("true")),
        ("tags", Rule::Strings, false, None),
        ("url", Rule::Str, false, None),
        ("tls_verify", Rule::Bool, false, None),
        ("tls_verify_depth", Rule::Int(0, 64), false, None),
        ("ca_certificates", Rule::Strings, false, None),
        ("client_certificate", Rule::Record, false, None),
    ],
    children: &["routes", "plugins"],
    references: &[],
};

const ROUTE: Schema = Schema {
    kind: "route",
    fields: &[
        ("id", Rule::Str, false, None),
        ("name", Rule::Str, false, None),
        ("paths", Rule::Strings, false, None),
        ("hosts", Rule::Strings, false, None),
        ("methods", Rule::Strings, false, None),
        ("headers", Rule::Record, false, None),
        ("snis", Rule::Strings, false, None),
        (
            "protocols",
            Rule::OneOfList(PROTOCOLS),
            false,
            Some("[\"http\",\"https\"]"),
        ),
        ("strip_path", Rule::Bool, false, Some("true")),
        ("preserve_host", Rule::Bool, false, Some("false")),
        (
            "regex_priority",
            Rule::Int(i64::MIN, i64::MAX),
            false,
            Some("0"),
        ),
        ("tags", Rule::Strings, false, None),
    ],
    children: &["plugins"],
    references: &["service"],
};

const UPSTREAM: Schema = Schema {
    kind: "upstream",
    fields: &[
        ("id", Rule::Str, false, None),
        ("name", Rule::Str, true, None),
        (
            "algorithm",
            Rule::OneOf(&[
                "round-robin",
                "consistent-hashing",
                "least-connections",
                "latency",
            ]),
            false,
            Some("\"round-robin\""),
        ),
        ("hash_on", Rule::OneOf(HASH_ON), false, Some("\"none\"")),
        (
            "hash_fallback",
            Rule::OneOf(HASH_ON),
            false,
            Some("\"none\""),
        ),
        ("hash_on_header", Rule::Str, false, None),
        ("hash_fallback_header", Rule::Str, false, None),
        ("hash_on_cookie", Rule::Str, false, None),
        ("hash_on_cookie_path", Rule::Str, false, Some("\"/\"")),
        ("hash_on_query_arg", Rule::Str, false, None),
        ("hash_fallback_query_arg", Rule::Str, false, None),
        ("hash_on_uri_capture", Rule::Str, false, None),
        ("hash_fallback_uri_capture", Rule::Str, false, None),
        ("slots", Rule::Int(10, 65536), false, Some("10000")),
        ("healthchecks", Rule::Record, false, None),
        ("tags", Rule::Strings, false, None),
        ("host_header", Rule::Str, false, None),
        ("client_certificate", Rule::Record, false, None),
        ("use_srv_name", Rule::Bool, false, Some("false")),
    ],
    children: &["targets"],
    references: &[],
};

const TARGET: Schema = Schema {
    kind: "target",
    fields: &[
        ("id", Rule::Str, false, None),
        ("target", Rule::Str, true, None),
        ("weight", Rule::Int(0, 65535), false, Some("100")),
        ("tags", Rule::Strings, false, None),
    ],
    children: &[],
    references: &["upstream"],
};

const CONSUMER: Schema = Schema {
    kind: "consumer",
    fields: &[
        ("id", Rule::Str, false, None),
        ("username", Rule::Str, false, None),
        ("custom_id", Rule::Str, false, None),
        ("tags", Rule::Strings, false, None),
    ],
    children: &["plugins"],
    references: &[],
};

const PLUGIN: Schema = Schema {
    kind: "plugin",
    fields: &[
        ("id", Rule::Str, false, None),
        ("name", Rule::Str, true, None),
        ("config", Rule::Record, false, None),
        ("enabled", Rule::Bool, false, Some("true")),
        ("protocols", Rule::OneOfList(PROTOCOLS), false, None),
        ("tags", Rule::Strings, false, None),
    ],
    children: &[],
    references: &["service", "route", "consumer"],
};

fn schema(collection: &str) -> Option<&'static Schema> {
    Some(match collection {
        "services" => &SERVICE,
        "routes" => &ROUTE,
        "upstreams" => &UPSTREAM,
        "targets" => &TARGET,
        "consumers" => &CONSUMER,
        "plugins" => &PLUGIN,
        _ => return None,
    })
}

/// A loaded config: entities by collection, in order, with ids and defaults.
pub type Entities = Vec<(String, Vec<Value>)>;

/// What a rejected config gets: Kong's 400 body.
pub fn rejection(tree: Value, flattened: Vec<Value>, flatten: bool) -> Value {
    let mut body = json!({ "code": 14, "name": "invalid declarative configuration" });
    if flatten {
        let fields = non_entity_errors(&tree);
        body["message"] = json!(format!(
            "declarative config is invalid: {}",
            lua_table(&fields)
        ));
        body["fields"] = fields;
        body["flattened_errors"] = Value::Array(flattened);
    } else {
        body["message"] = json!(format!(
            "declarative config is invalid: {}",
            lua_table(&tree)
        ));
        body["fields"] = tree;
    }
    body
}

fn non_entity_errors(tree: &Value) -> Value {
    let Some(tree) = tree.as_object() else {
        return json!({});
    };
    Value::Object(
        tree.iter()
            .filter(|(_, v)| v.is_string())
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
    )
}

/// Kong prints its error tables with Penlight's pretty printer: `{services={...}}`.
fn lua_table(value: &Value) -> String {
    match value {
        Value::Object(map) => {
            let items: Vec<String> = map
                .iter()
                .map(|(k, v)| format!("{k}={}", lua_table(v)))
                .collect();
            format!("{{{}}}", items.join(","))
        }
        Value::Array(list) => format!(
            "{{{}}}",
            list.iter().map(lua_table).collect::<Vec<_>>().join(",")
        ),
        Value::String(s) => format!("{s:?}"),
        other => other.to_string(),
    }
}

/// Checks and flattens `config`: the entities, or (error tree, flattened errors).
pub fn load(config: &Value) -> Result<Entities, (Value, Vec<Value>)> {
    let mut tree = Map::new();
    let mut flattened = Vec::new();
    let Some(top) = config.as_object() else {
        return Err((json!({ "@entity": ["expected a record"] }), flattened));
    };
    match top.get("_format_version").and_then(Value::as_str) {
        None => {
            tree.insert("_format_version".into(), json!("required field missing"));
        }
        Some("1.1" | "2.1" | "3.0") => {}
        Some(_) => {
            tree.insert(
                "_format_version".into(),
                json!("expected one of: 1.1, 2.1, 3.0"),
            );
        }
    }
    for key in top
        .keys()
        .filter(|k| !(META.contains(&k.as_str()) || COLLECTIONS.contains(&k.as_str())))
    {
        tree.insert(key.clone(), json!("unknown field"));
    }
    let mut out: Entities = COLLECTIONS
        .iter()
        .map(|c| ((*c).to_owned(), Vec::new()))
        .collect();
    for (collection, list) in top.iter().filter(|(k, _)| schema(k).is_some()) {
        let Some(list) = list.as_array() else {
            tree.insert(collection.clone(), json!("expected an array"));
            continue;
        };
        let mut errors = Vec::new();
        for entity in list {
            errors.push(check(collection, entity, None, &mut out, &mut flattened));
        }
        if errors.iter().any(|e| !e.is_null()) {
            tree.insert(collection.clone(), Value::Array(errors));
        }
    }
    resolve_references(&mut out, &mut flattened);
    if tree.is_empty() && flattened.is_empty() {
        Ok(out)
    } else {
        Err((Value::Object(tree), flattened))
    }
}

/// Checks one entity of `collection` (nested under `parent`: (kind, id)); adds it and its children
/// to `out`; returns its error tree (null when fine) and records its flattened errors.
fn check(
    collection: &str,
    entity: &Value,
    parent: Option<(&str, &str)>,
    out: &mut Entities,
    flattened: &mut Vec<Value>,
) -> Value {
    let Some(schema) = schema(collection) else {
        return Value::Null;
    };
    let Some(input) = entity.as_object() else {
        return json!("expected a record");
    };
    let mut fields = Map::new();
    let mut errors = Map::new();
    let mut own = input.clone();
    if let Some(url) = input.get("url").and_then(Value::as_str) {
        expand_url(url, &mut own);
    }
    for (name, value) in &own {
        if schema.children.contains(&name.as_str()) || schema.references.contains(&name.as_str()) {
            continue;
        }
        let Some((_, rule, _, _)) = schema.fields.iter().find(|(f, ..)| f == name) else {
            errors.insert(name.clone(), json!("unknown field"));
            continue;
        };
        if let Some(problem) = rule_problem(rule, value) {
            errors.insert(name.clone(), problem);
        }
    }
    for (name, _, required, default) in schema.fields {
        match (own.get(*name), required, default) {
            (Some(value), _, _) => {
                if *name != "url" {
                    fields.insert((*name).to_owned(), value.clone());
                }
            }
            (None, true, _) => {
                errors.insert((*name).to_owned(), json!("required field missing"));
            }
            (None, false, Some(default)) => {
                fields.insert(
                    (*name).to_owned(),
                    serde_json::from_str(default).unwrap_or(Value::Null),
                );
            }
            (None, false, None) => {}
        }
    }
    entity_rules(schema, &fields, &mut errors);
    let natural = ["name", "username", "target"]
        .iter()
        .find_map(|f| fields.get(*f).and_then(Value::as_str));
    let id = fields
        .get("id")
        .and_then(Value::as_str)
        .map(str::to_owned)
        .unwrap_or_else(|| {
            let scope = parent.map(|(_, id)| id).unwrap_or("");
            uuid_from(&format!(
                "{}:{scope}:{}",
                schema.kind,
                natural.unwrap_or(&format!(
                    "{}",
                    out.iter().map(|(_, l)| l.len()).sum::<usize>()
                ))
            ))
        });
    fields.insert("id".into(), json!(id));
    for reference in schema.references {
        if let Some(value) = input.get(*reference) {
            fields.insert((*reference).to_owned(), value.clone());
        }
    }
    if let Some((kind, parent_id)) = parent {
        fields.insert(kind.to_owned(), json!({ "id": parent_id }));
    }
    let mut tree = Value::Object(errors.clone());
    if !errors.is_empty() {
        flattened.push(flattened_entry(schema.kind, input, &errors));
    }
    let kind = schema.kind;
    if let Some((_, list)) = out.iter_mut().find(|(c, _)| c == collection) {
        list.push(Value::Object(fields));
    }
    for child in schema.children {
        let Some(children) = input.get(*child).and_then(Value::as_array) else {
            continue;
        };
        let child_errors: Vec<Value> = children
            .iter()
            .map(|c| check(child, c, Some((kind, &id)), out, flattened))
            .collect();
        if child_errors.iter().any(|e| !e.is_null()) {
            tree[*child] = Value::Array(child_errors);
        }
    }
    if tree.as_object().is_some_and(Map::is_empty) {
        Value::Null
    } else {
        tree
    }
}

fn rule_problem(rule: &Rule, value: &Value) -> Option<Value> {
    let problem = match rule {
        Rule::Str if !value.is_string() => "expected a string".to_owned(),
        Rule::Str if value.as_str() == Some("") => "length must be at least 1".to_owned(),
        Rule::Int(..) if !value.is_i64() => "expected an integer".to_owned(),
        Rule::Int(min, max) if !(*min..=*max).contains(&value.as_i64().unwrap_or(0)) => {
            format!("value should be between {min} and {max}")
        }
        Rule::Bool if !value.is_boolean() => "expected a boolean".to_owned(),
        Rule::Record if !value.is_object() => "expected a record".to_owned(),
        Rule::Strings | Rule::OneOfList(_) => {
            let Some(list) = value.as_array() else {
                return Some(json!("expected a set"));
            };
            let items: Vec<Value> = list
                .iter()
                .map(|item| match (rule, item.as_str()) {
                    (_, None) => json!("expected a string"),
                    (Rule::OneOfList(allowed), Some(s)) if !allowed.contains(&s) => {
                        json!(format!("expected one of: {}", allowed.join(", ")))
                    }
                    _ => Value::Null,
                })
                .collect();
            return items
                .iter()
                .any(|i| !i.is_null())
                .then_some(Value::Array(items));
        }
        Rule::OneOf(allowed) if !value.as_str().is_some_and(|v| allowed.contains(&v)) => {
            format!("expected one of: {}", allowed.join(", "))
        }
        _ => return None,
    };
    Some(json!(problem))
}

/// Rules about a whole entity or that need more than one field.
fn entity_rules(schema: &Schema, fields: &Map<String, Value>, errors: &mut Map<String, Value>) {
    let mut entity = Vec::new();
    match schema.kind {
        "route" => {
            let protocols = fields
                .get("protocols")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            let set = |f: &str| {
                fields
                    .get(f)
                    .is_some_and(|v| v.as_array().is_none_or(|a| !a.is_empty()))
            };
            // routes_subschemas.lua: `snis` counts only when the route takes https.
            let (needed, protocol): (&[&str], _) = if protocols.iter().any(|p| p == "https") {
                (&["methods", "hosts", "headers", "paths", "snis"], "https")
            } else {
                (&["methods", "hosts", "headers", "paths"], "http")
            };
            if protocols.iter().any(|p| p == "http" || p == "https")
                && !needed.iter().any(|f| set(f))
            {
                let quoted: Vec<String> = needed.iter().map(|f| format!("'{f}'")).collect();
                entity.push(json!(format!(
                    "must set one of {} when 'protocols' is '{protocol}'",
                    quoted.join(", ")
                )));
            }
        }
        "service" => {
            let protocol = fields
                .get("protocol")
                .and_then(Value::as_str)
                .unwrap_or_default();
            let mut must_be_null = Vec::new();
            if ["tcp", "tls", "udp", "grpc", "grpcs"].contains(&protocol) {
                must_be_null.push("path");
            }
            if !["https", "tls"].contains(&protocol) {
                must_be_null.extend([
                    "client_certificate",
                    "tls_verify",
                    "tls_verify_depth",
                    "ca_certificates",
                ]);
            }
            for field in must_be_null {
                if fields.get(field).is_some_and(|v| !v.is_null()) && !errors.contains_key(field) {
                    errors.insert(field.into(), json!("value must be null"));
                    entity.push(json!(
                        "failed conditional validation given value of field 'protocol'"
                    ));
                }
            }
        }
        "upstream" => {
            let name = fields.get("name").and_then(Value::as_str);
            let problem = match name.map(|n| (n, address::check(n))) {
                Some((_, Some(a))) if a.kind != address::Kind::Name => "no ip addresses allowed",
                Some((_, Some(a))) if a.has_port => "no port allowed",
                Some((_, None)) => "must be a valid hostname",
                _ => "",
            };
            if let Some(name) = name.filter(|_| !problem.is_empty() && !errors.contains_key("name"))
            {
                errors.insert(
                    "name".into(),
                    json!(format!("Invalid name ('{name}'); {problem}")),
                );
            }
        }
        "target" => {
            let target = fields
                .get("target")
                .and_then(Value::as_str)
                .unwrap_or_default();
            if address::check(target).is_none() && !errors.contains_key("target") {
                errors.insert(
                    "target".into(),
                    json!(format!(
                        "Invalid target ('{target}'); not a valid hostname or ip address"
                    )),
                );
            }
        }
        "consumer" if !fields.contains_key("username") && !fields.contains_key("custom_id") => {
            entity.push(json!(
                "at least one of these fields must be non-empty: 'custom_id', 'username'"
            ));
        }
        "plugin" => {
            let name = fields
                .get("name")
                .and_then(Value::as_str)
                .unwrap_or_default();
            if !name.is_empty() && !ENABLED_PLUGINS.contains(&name) && !errors.contains_key("name")
            {
                errors.insert("name".into(), json!(format!("plugin '{name}' not enabled; add it to the 'plugins' configuration property")));
            }
        }
        _ => {}
    }
    if !entity.is_empty() {
        errors.insert("@entity".into(), Value::Array(entity));
    }
}

/// `url` sets a service's protocol, host, port and path.
fn expand_url(url: &str, own: &mut Map<String, Value>) {
    let Some((protocol, rest)) = url.split_once("://") else {
        return;
    };
    let (authority, path) = rest
        .split_once('/')
        .map_or((rest, None), |(a, p)| (a, Some(format!("/{p}"))));
    let (host, port) = match authority.rsplit_once(':') {
        Some((h, p)) => (h, p.parse::<i64>().ok()),
        None => (authority, None),
    };
    let default_port = if protocol == "https" { 443 } else { 80 };
    own.insert("protocol".into(), json!(protocol));
    own.insert("host".into(), json!(host));
    own.insert("port".into(), json!(port.unwrap_or(default_port)));
    if let Some(path) = path {
        own.insert("path".into(), json!(path));
    }
    own.remove("url");
}

fn flattened_entry(kind: &str, input: &Map<String, Value>, errors: &Map<String, Value>) -> Value {
    let mut list = Vec::new();
    flatten_field_errors("", &Value::Object(errors.clone()), &mut list);
    let entity: Map<String, Value> = input
        .iter()
        .filter(|(_, v)| !is_entity_list(v))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let mut entry = json!({ "entity_type": kind, "entity": entity, "errors": list });
    for (key, field) in [
        ("entity_name", "name"),
        ("entity_id", "id"),
        ("entity_tags", "tags"),
    ] {
        if let Some(value) = input
            .get(field)
            .filter(|v| field == "tags" || v.is_string())
        {
            entry[key] = value.clone();
        }
    }
    entry
}

fn flatten_field_errors(path: &str, errors: &Value, out: &mut Vec<Value>) {
    let join = |key: &str| {
        if path.is_empty() {
            key.to_owned()
        } else {
            format!("{path}.{key}")
        }
    };
    match errors {
        Value::String(message) if path.is_empty() || path == "@entity" => {
            out.push(json!({ "type": "entity", "message": message }))
        }
        Value::String(message) => {
            out.push(json!({ "type": "field", "field": path, "message": message }))
        }
        Value::Object(map) => {
            for (key, value) in map {
                if key == "@entity" {
                    for message in value.as_array().into_iter().flatten() {
                        out.push(json!({ "type": "entity", "message": message }));
                    }
                } else {
                    flatten_field_errors(&join(key), value, out);
                }
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate().filter(|(_, v)| !v.is_null()) {
                flatten_field_errors(&join(&(i + 1).to_string()), item, out);
            }
        }
        _ => {}
    }
}

fn is_entity_list(value: &Value) -> bool {
    value
        .as_array()
        .is_some_and(|l| !l.is_empty() && l.iter().all(Value::is_object))
}

/// Top-level references by name (`service: api`, `upstream: api`) become `{ "id": ... }`.
fn resolve_references(out: &mut Entities, flattened: &mut Vec<Value>) {
    let ids: Vec<(String, String, String)> = out
        .iter()
        .flat_map(|(collection, list)| {
            list.iter().filter_map(move |e| {
                let id = e["id"].as_str()?.to_owned();
                let name = ["name", "username"]
                    .iter()
                    .find_map(|f| e.get(*f).and_then(Value::as_str))
                    .unwrap_or(&id)
                    .to_owned();
                Some((collection.trim_end_matches('s').to_owned(), name, id))
            })
        })
        .collect();
    for (collection, list) in out.iter_mut() {
        for entity in list.iter_mut() {
            for kind in ["service", "route", "upstream", "consumer"] {
                let Some(reference) = entity.get(kind) else {
                    continue;
                };
                let wanted = reference
                    .as_str()
                    .or_else(|| reference.get("id").and_then(Value::as_str))
                    .or_else(|| reference.get("name").and_then(Value::as_str))
                    .unwrap_or_default()
                    .to_owned();
                match ids.iter().find(|(k, name, id)| k == kind && (*name == wanted || *id == wanted)) {
                    Some((_, _, id)) => entity[kind] = json!({ "id": id }),
                    None => flattened.push(json!({
                        "entity_type": collection.trim_end_matches('s'), "entity": entity.clone(),
                        "errors": [{ "type": "field", "field": kind, "message": format!("could not find {kind} '{wanted}'") }],
                    })),
                }
            }
        }
    }
}

/// A stable uuid-shaped id for an entity without one.
fn uuid_from(seed: &str) -> String {
    let h: String = Md5::digest(seed.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!(
        "{}-{}-4{}-8{}-{}",
        &h[..8],
        &h[8..12],
        &h[13..16],
        &h[17..20],
        &h[20..32]
    )
}

/// md5 hex of `text`: the hash of a config posted as text.
pub fn md5_hex(text: &[u8]) -> String {
    Md5::digest(text)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

//! Kong's answer to an invalid declarative config, as one reason naming every entity and field:
//! `service "billing": host: required field missing; upstream "api": targets.1.weight: ...`.

use serde::Deserialize;
use serde_json::Value;

/// The 400 answer of `POST /config?flatten_errors=1`.
#[derive(Deserialize, Default)]
struct Rejection {
    #[serde(default)]
    message: Option<String>,
    #[serde(default)]
    fields: Value,
    #[serde(default)]
    flattened_errors: Vec<EntityErrors>,
}

/// One entity's errors.
#[derive(Deserialize)]
struct EntityErrors {
    #[serde(default)]
    entity_type: String,
    #[serde(default)]
    entity_name: Option<String>,
    #[serde(default)]
    entity_id: Option<String>,
    #[serde(default)]
    entity: Value,
    #[serde(default)]
    errors: Vec<FieldError>,
}

/// One error of one entity: of a field, or of the entity as a whole.
#[derive(Deserialize)]
struct FieldError {
    #[serde(default)]
    field: Option<String>,
    #[serde(default)]
    message: String,
}

/// What was wrong, from the body of Kong's 400 answer.
pub fn describe(body: &[u8]) -> String {
    let Ok(rejection) = serde_json::from_slice::<Rejection>(body) else {
        return String::from_utf8_lossy(body).trim().to_owned();
    };
    let mut parts: Vec<String> = rejection
        .flattened_errors
        .iter()
        .map(|entity| {
            let name = entity
                .entity_name
                .as_deref()
                .or(entity.entity_id.as_deref())
                .or_else(|| {
                    ["target", "username", "custom_id"]
                        .iter()
                        .find_map(|field| entity.entity.get(*field).and_then(Value::as_str))
                })
                .map(|n| format!(" {n:?}"))
                .unwrap_or_default();
            let errors: Vec<String> = entity
                .errors
                .iter()
                .map(|e| match &e.field {
                    Some(field) => format!("{field}: {}", e.message),
                    None => e.message.clone(),
                })
                .collect();
            format!("{}{name}: {}", entity.entity_type, errors.join(", "))
        })
        .collect();
    field_errors("", &rejection.fields, &mut parts);
    if parts.is_empty() {
        return rejection
            .message
            .unwrap_or_else(|| "no reason given".into());
    }
    parts.join("; ")
}

/// Errors not tied to an entity (`fields`), as `path: message`.
fn field_errors(path: &str, value: &Value, out: &mut Vec<String>) {
    let join = |key: &str| {
        if path.is_empty() {
            key.to_owned()
        } else {
            format!("{path}.{key}")
        }
    };
    match value {
        Value::String(message) => out.push(format!("{path}: {message}")),
        Value::Object(map) => map.iter().for_each(|(k, v)| field_errors(&join(k), v, out)),
        Value::Array(list) => list
            .iter()
            .enumerate()
            .for_each(|(i, v)| field_errors(&join(&(i + 1).to_string()), v, out)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flattened_errors_name_each_entity_and_field() {
        let body = br#"{"code": 14, "name": "invalid declarative configuration",
            "message": "declarative config is invalid: {}", "fields": {},
            "flattened_errors": [
              {"entity_type": "upstream", "entity_name": "api", "errors": [
                {"type": "field", "field": "healthchecks.active.concurrency", "message": "value should be between 1 and 2147483648"}]},
              {"entity_type": "route", "entity_name": "r", "errors": [
                {"type": "entity", "message": "must set one of 'methods', 'hosts', 'headers', 'paths', 'snis' when 'protocols' is 'https'"}]}
            ]}"#;
        assert_eq!(
            describe(body),
            "upstream \"api\": healthchecks.active.concurrency: value should be between 1 and \
             2147483648; route \"r\": must set one of 'methods', 'hosts', 'headers', 'paths', 'snis' \
             when 'protocols' is 'https'"
        );
    }

    #[test]
    fn an_entity_without_a_name_is_named_by_its_target() {
        let body = br#"{"flattened_errors": [{"entity_type": "target",
            "entity": {"target": "127.0.0.1:1", "weight": 70000},
            "errors": [{"type": "field", "field": "weight", "message": "value should be between 0 and 65535"}]}]}"#;
        assert_eq!(
            describe(body),
            "target \"127.0.0.1:1\": weight: value should be between 0 and 65535"
        );
    }

    #[test]
    fn errors_outside_entities_are_named_by_their_path() {
        let body =
            br#"{"fields": {"_format_version": "required field missing"}, "flattened_errors": []}"#;
        assert_eq!(describe(body), "_format_version: required field missing");
    }
}

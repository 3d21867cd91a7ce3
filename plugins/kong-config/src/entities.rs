//! Declarative configs as flat entity maps, to say what a new config creates, updates and
//! deletes compared with the one Kong holds (`GET /config`, which exports every entity flat, with
//! ids, defaults filled in and references as ids).
//!
//! An entity is named by its kind and its natural key: `name` for services, routes, upstreams and
//! most others, `username` for consumers, `upstream/target` for targets, `scope/name` for plugins.
//! Only the fields the new config sets are compared, so defaults Kong filled in do not count.

use serde_json::{Map, Value};
use std::collections::{BTreeMap, HashMap};

/// Fields that refer to another entity (by id in an export, by name or nesting in a file).
const REFERENCES: [&str; 4] = ["service", "route", "upstream", "consumer"];

/// Fields that are not part of what a config says.
const IGNORED: [&str; 3] = ["id", "created_at", "updated_at"];

/// (kind, natural key) -> the entity's own fields.
pub type Entities = BTreeMap<(String, String), Map<String, Value>>;

/// Every entity in a declarative config, nested ones included.
pub fn flatten(config: &Value) -> Entities {
    let mut ids = HashMap::new();
    let mut pending = Vec::new();
    if let Some(config) = config.as_object() {
        for (collection, list) in config.iter().filter(|(k, _)| !k.starts_with('_')) {
            for entity in list.as_array().into_iter().flatten() {
                collect(collection, entity, None, &mut pending);
            }
        }
    }
    for (kind, entity, _) in &pending {
        if let (Some(id), Some(name)) = (
            entity.get("id").and_then(Value::as_str),
            natural_name(entity),
        ) {
            ids.insert(id.to_owned(), (kind.clone(), name));
        }
    }
    pending
        .into_iter()
        .map(|(kind, entity, parent)| {
            let parent = parent.or_else(|| reference(&entity, &ids));
            let name = natural_name(&entity).unwrap_or_else(|| "?".into());
            let key = match (kind.as_str(), parent) {
                ("target", Some(parent)) => format!("{parent}/{name}"),
                ("plugin", parent) => {
                    format!("{}/{name}", parent.unwrap_or_else(|| "global".into()))
                }
                (_, _) => name,
            };
            (
                (kind, key),
                entity
                    .into_iter()
                    .filter(|(field, value)| {
                        !IGNORED.contains(&field.as_str())
                            && !REFERENCES.contains(&field.as_str())
                            && !is_entity_list(value)
                    })
                    .collect(),
            )
        })
        .collect()
}

/// One entity of `collection` (a plural), its nested entities after it.
fn collect(
    collection: &str,
    entity: &Value,
    parent: Option<String>,
    out: &mut Vec<(String, Map<String, Value>, Option<String>)>,
) {
    let Some(fields) = entity.as_object() else {
        return;
    };
    let kind = singular(collection);
    let name = natural_name(fields).map(|name| format!("{kind}:{name}"));
    out.push((kind.clone(), fields.clone(), parent));
    for (child, list) in fields.iter().filter(|(_, v)| is_entity_list(v)) {
        for nested in list.as_array().into_iter().flatten() {
            let parent = if kind == "upstream" {
                natural_name(fields)
            } else {
                name.clone()
            };
            collect(child, nested, parent, out);
        }
    }
}

/// The parent a top-level entity refers to: `upstream: NAME|ID`, `service: {id: ID}`, ...
fn reference(
    entity: &Map<String, Value>,
    ids: &HashMap<String, (String, String)>,
) -> Option<String> {
    REFERENCES.iter().find_map(|field| {
        let value = entity.get(*field)?;
        let text = value
            .as_str()
            .or_else(|| value.get("id").and_then(Value::as_str))
            .or_else(|| value.get("name").and_then(Value::as_str))?;
        Some(match ids.get(text) {
            Some((kind, name)) if *field == "upstream" && kind == "upstream" => name.clone(),
            Some((kind, name)) => format!("{kind}:{name}"),
            None if *field == "upstream" => text.to_owned(),
            None => format!("{field}:{text}"),
        })
    })
}

/// What names an entity among its kind.
fn natural_name(entity: &Map<String, Value>) -> Option<String> {
    ["name", "username", "target", "custom_id", "key", "id"]
        .iter()
        .find_map(|field| {
            entity
                .get(*field)
                .and_then(Value::as_str)
                .map(str::to_owned)
        })
}

fn is_entity_list(value: &Value) -> bool {
    value
        .as_array()
        .is_some_and(|list| !list.is_empty() && list.iter().all(Value::is_object))
}

/// `services` -> `service`, `ca_certificates` -> `ca_certificate`.
fn singular(collection: &str) -> String {
    collection
        .strip_suffix('s')
        .unwrap_or(collection)
        .to_owned()
}

/// What changes from `live` to `wanted`: (kind, key, fields that differ); `None` fields for a
/// created or deleted entity is told by the returned action.
pub fn diff(wanted: &Entities, live: &Entities) -> Vec<(Action, String, String)> {
    let mut changes = Vec::new();
    for ((kind, key), fields) in wanted {
        match live.get(&(kind.clone(), key.clone())) {
            None => changes.push((Action::Create, format!("{kind} {key}"), String::new())),
            Some(live) => {
                let differing: Vec<&str> = fields
                    .iter()
                    .filter(|(field, value)| live.get(*field) != Some(value))
                    .map(|(field, _)| field.as_str())
                    .collect();
                if !differing.is_empty() {
                    changes.push((
                        Action::Update,
                        format!("{kind} {key}"),
                        differing.join(", "),
                    ));
                }
            }
        }
    }
    for (kind, key) in live.keys() {
        if !wanted.contains_key(&(kind.clone(), key.clone())) {
            changes.push((Action::Delete, format!("{kind} {key}"), String::new()));
        }
    }
    changes
}

/// What happens to one entity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Only in the new config.
    Create,
    /// In both, with fields that differ.
    Update,
    /// Only in Kong.
    Delete,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn file() -> Value {
        json!({
            "_format_version": "3.0",
            "services": [{ "name": "api", "host": "api-up", "routes": [{ "name": "r", "paths": ["/"] }] }],
            "upstreams": [{ "name": "api-up", "targets": [{ "target": "127.0.0.1:9001", "weight": 100 }] }],
        })
    }

    fn export() -> Value {
        json!({
            "_format_version": "3.0",
            "_transform": false,
            "services": [{ "id": "s1", "name": "api", "host": "api-up", "port": 80, "protocol": "http" }],
            "routes": [{ "id": "r1", "name": "r", "paths": ["/"], "service": "s1", "strip_path": true }],
            "upstreams": [{ "id": "u1", "name": "api-up" }],
            "targets": [{ "id": "t1", "target": "127.0.0.1:9001", "weight": 100, "upstream": "u1" }],
        })
    }

    #[test]
    fn a_file_and_the_export_of_the_same_config_do_not_differ() {
        let keys: Vec<_> = flatten(&file()).into_keys().collect();
        assert_eq!(keys, flatten(&export()).into_keys().collect::<Vec<_>>());
        assert!(diff(&flatten(&file()), &flatten(&export())).is_empty());
    }

    #[test]
    fn changed_new_and_removed_entities_are_told_apart() {
        let mut wanted = file();
        wanted["upstreams"][0]["targets"][0]["weight"] = json!(50);
        wanted["services"][0]["routes"] = json!([{ "name": "r2", "paths": ["/v2"] }]);
        let changes = diff(&flatten(&wanted), &flatten(&export()));
        assert_eq!(
            changes,
            [
                (Action::Create, "route r2".into(), String::new()),
                (
                    Action::Update,
                    "target api-up/127.0.0.1:9001".into(),
                    "weight".into()
                ),
                (Action::Delete, "route r".into(), String::new()),
            ]
        );
    }
}

//! The emulator's Admin API routes below `/admin/realms`.

use axum::http::Method;
use serde_json::{Map, Value, json};

use super::realm::{Kind, Realm, USER_MEMBERSHIPS};
use super::{Store, percent_decode};

/// Status, JSON body (none for 201/204) and a `Location` below `/admin/realms/`.
pub type Answer = (u16, Option<Value>, Option<String>);

fn ok(body: Value) -> Answer {
    (200, Some(body), None)
}

fn no_content() -> Answer {
    (204, None, None)
}

fn not_found(what: &str) -> Answer {
    (
        404,
        Some(json!({ "error": format!("Could not find {what}") })),
        None,
    )
}

fn query_value(query: &str, name: &str) -> Option<String> {
    query
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| percent_decode(v, true))
}

/// How many users `GET /users` answers without `max` (Keycloak's `Constants.DEFAULT_MAX_RESULTS`;
/// `UsersResource`: "Maximum results size (defaults to 100)"). Other lists have no default.
const USERS_PAGE: usize = 100;

/// One page of a list, as `?first=&max=` asks (without `max`, `default_max` or all): python-keycloak
/// reads every list page by page and stops at a short page.
fn page(items: impl Iterator<Item = Value>, query: &str, default_max: Option<usize>) -> Answer {
    let number = |name: &str| query_value(query, name).and_then(|v| v.parse::<usize>().ok());
    let items = items.skip(number("first").unwrap_or(0));
    ok(Value::Array(match number("max").or(default_max) {
        Some(max) => items.take(max).collect(),
        None => items.collect(),
    }))
}

/// Answers `method /admin/realms/{rest...}?query` with `body`.
pub fn route(
    store: &mut Store,
    method: &Method,
    rest: &[&str],
    query: &str,
    body: &[u8],
) -> Answer {
    let json: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
    match (method.as_str(), rest) {
        ("GET", [] | [""]) => ok(Value::Array(
            store
                .realms
                .iter()
                .map(|(_, r)| r.representation())
                .collect(),
        )),
        ("POST", [] | [""]) => create_realm(store, &json),
        (_, [name, rest @ ..]) => {
            let name = (*name).to_owned();
            if store.realm(&name).is_none() {
                return (404, Some(json!({ "error": "Realm not found." })), None);
            }
            if method == Method::DELETE && rest.is_empty() {
                store.realms.retain(|(n, _)| *n != name);
                return no_content();
            }
            match store.realm_mut(&name) {
                Some(realm) => in_realm(realm, method, rest, query, &json),
                None => (404, Some(json!({ "error": "Realm not found." })), None),
            }
        }
        _ => not_found("resource"),
    }
}

fn create_realm(store: &mut Store, rep: &Value) -> Answer {
    let Some(rep) = rep.as_object() else {
        return (
            400,
            Some(json!({ "errorMessage": "Invalid realm representation" })),
            None,
        );
    };
    let Some(name) = rep.get("realm").and_then(Value::as_str).map(str::to_owned) else {
        return (
            400,
            Some(json!({ "errorMessage": "Realm name cannot be empty" })),
            None,
        );
    };
    if store.realm(&name).is_some() {
        return (
            409,
            Some(json!({ "errorMessage": "Conflict detected. See logs for details" })),
            None,
        );
    }
    match Realm::create(rep) {
        Ok(realm) => {
            store.realms.push((name.clone(), realm));
            (201, None, Some(name))
        }
        Err((status, body)) => (status, Some(body), None),
    }
}

fn in_realm(
    realm: &mut Realm,
    method: &Method,
    rest: &[&str],
    query: &str,
    json: &Value,
) -> Answer {
    match (method.as_str(), rest) {
        ("GET", []) => ok(realm.representation()),
        ("PUT", []) => match json.as_object() {
            Some(rep) => {
                realm.put_settings(rep);
                no_content()
            }
            None => (
                400,
                Some(json!({ "errorMessage": "Invalid realm representation" })),
                None,
            ),
        },
        ("POST", ["partialImport"]) => match realm.partial_import(json) {
            Ok(body) => ok(body),
            Err((status, body)) => (status, Some(body), None),
        },
        ("GET", ["clients"]) => {
            let wanted = query_value(query, "clientId");
            let found = realm
                .clients
                .iter()
                .filter(|c| wanted.as_deref().is_none_or(|w| c["clientId"] == w));
            page(found.cloned(), query, None)
        }
        (_, ["clients", id, rest @ ..]) => client(realm, method, id, rest, query),
        ("GET", ["roles"]) => page(realm.realm_roles.iter().cloned(), query, None),
        ("GET", ["roles", name]) => found(realm.find(Kind::RealmRole, "", name), "role"),
        ("DELETE", ["roles", name]) => removed(realm.remove(Kind::RealmRole, "", name), "role"),
        ("GET", ["groups"]) => page(realm.groups.iter().map(with_path), query, None),
        ("GET", ["groups", id]) => match realm.by_id(Kind::Group, id) {
            Some(group) => ok(with_path(group)),
            None => not_found("group"),
        },
        ("GET", ["group-by-path", path @ ..]) => {
            // The admin client sends the path as one segment, its slashes escaped (`%2Fstaff`).
            let path = path.join("/");
            let top = path.split('/').find(|p| !p.is_empty()).unwrap_or_default();
            match realm.find(Kind::Group, "", top) {
                Some(group) => ok(with_path(group)),
                None => not_found("group"),
            }
        }
        ("DELETE", ["groups", id]) => by_id_removed(realm, Kind::Group, id, "group"),
        ("GET", ["users"]) => {
            let wanted = query_value(query, "username").map(|u| u.to_lowercase());
            let exact = query_value(query, "exact").as_deref() == Some("true");
            let users = realm.users.iter().filter(|u| {
                let name = u["username"].as_str().unwrap_or_default();
                wanted
                    .as_deref()
                    .is_none_or(|w| if exact { name == w } else { name.contains(w) })
            });
            page(users.map(public_user), query, Some(USERS_PAGE))
        }
        ("GET", ["users", "count"]) => ok(json!(realm.users.len())),
        ("GET", ["users", id]) => match realm.by_id(Kind::User, id) {
            Some(user) => ok(public_user(user)),
            None => not_found("user"),
        },
        ("GET", ["users", id, "role-mappings"]) => match realm.by_id(Kind::User, id) {
            Some(user) => ok(role_mappings(realm, user)),
            None => not_found("user"),
        },
        ("GET", ["users", id, "groups"]) => match realm.by_id(Kind::User, id) {
            Some(user) => ok(user_groups(realm, user)),
            None => not_found("user"),
        },
        ("DELETE", ["users", id]) => by_id_removed(realm, Kind::User, id, "user"),
        ("GET", ["identity-provider", "instances"]) => ok(Value::Array(realm.idps.clone())),
        ("GET", ["identity-provider", "instances", alias]) => {
            found(realm.find(Kind::Idp, "", alias), "identity provider")
        }
        ("DELETE", ["identity-provider", "instances", alias]) => {
            removed(realm.remove(Kind::Idp, "", alias), "identity provider")
        }
        _ => not_found("resource"),
    }
}

fn client(realm: &mut Realm, method: &Method, id: &str, rest: &[&str], query: &str) -> Answer {
    let Some(client_id) = realm
        .by_id(Kind::Client, id)
        .and_then(|c| c["clientId"].as_str())
        .map(str::to_owned)
    else {
        return not_found("client");
    };
    match (method.as_str(), rest) {
        ("GET", []) => found(realm.find(Kind::Client, "", &client_id), "client"),
        ("DELETE", []) => removed(realm.remove(Kind::Client, "", &client_id), "client"),
        ("GET", ["roles"]) => {
            let roles = realm.client_roles.iter().find(|(c, _)| *c == client_id);
            page(
                roles.into_iter().flat_map(|(_, r)| r.iter().cloned()),
                query,
                None,
            )
        }
        ("GET", ["roles", name]) => found(realm.find(Kind::ClientRole, &client_id, name), "role"),
        ("DELETE", ["roles", name]) => {
            removed(realm.remove(Kind::ClientRole, &client_id, name), "role")
        }
        _ => not_found("resource"),
    }
}

fn found(value: Option<&Value>, what: &str) -> Answer {
    match value {
        Some(value) => ok(value.clone()),
        None => not_found(what),
    }
}

fn removed(done: bool, what: &str) -> Answer {
    if done { no_content() } else { not_found(what) }
}

fn by_id_removed(realm: &mut Realm, kind: Kind, id: &str, what: &str) -> Answer {
    let field = if kind == Kind::User {
        "username"
    } else {
        "name"
    };
    match realm
        .by_id(kind, id)
        .and_then(|r| r[field].as_str())
        .map(str::to_owned)
    {
        Some(name) => removed(realm.remove(kind, "", &name), what),
        None => not_found(what),
    }
}

/// A top-level group as GET shows it: with its `path` and `subGroupCount` (Keycloak 23 and
/// later; python-keycloak reads the subgroups only when the count is not 0).
fn with_path(group: &Value) -> Value {
    let mut group = group.clone();
    let subgroups = group
        .get("subGroups")
        .and_then(Value::as_array)
        .map_or(0, Vec::len);
    if let Some(fields) = group.as_object_mut() {
        let name = fields
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let path = format!("/{name}");
        fields.insert("path".into(), json!(path));
        fields.insert("subGroupCount".into(), json!(subgroups));
    }
    group
}

/// A user as GET shows it: without mappings, groups or credentials; disabled unless imported with
/// `"enabled": true` (`RepresentationToModel.createUser`: `userRep.isEnabled() != null &&
/// userRep.isEnabled()`).
fn public_user(user: &Value) -> Value {
    let mut user = user.clone();
    if let Some(fields) = user.as_object_mut() {
        for hidden in USER_MEMBERSHIPS {
            fields.remove(hidden);
        }
        fields.entry("enabled").or_insert(json!(false));
    }
    user
}

fn role_mappings(realm: &Realm, user: &Value) -> Value {
    let names = |v: Option<&Value>| -> Vec<String> {
        v.and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect()
    };
    let realm_mappings: Vec<Value> = names(user.get("realmRoles"))
        .iter()
        .filter_map(|n| realm.find(Kind::RealmRole, "", n).cloned())
        .collect();
    let mut client_mappings = Map::new();
    for (client_id, roles) in user
        .get("clientRoles")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        let Some(client) = realm.find(Kind::Client, "", client_id) else {
            continue;
        };
        let mappings: Vec<Value> = names(Some(roles))
            .iter()
            .filter_map(|n| realm.find(Kind::ClientRole, client_id, n).cloned())
            .collect();
        client_mappings.insert(
            client_id.clone(),
            json!({ "id": client["id"], "client": client_id, "mappings": mappings }),
        );
    }
    let mut answer = json!({ "realmMappings": realm_mappings });
    if !client_mappings.is_empty() {
        answer["clientMappings"] = Value::Object(client_mappings);
    }
    answer
}

fn user_groups(realm: &Realm, user: &Value) -> Value {
    let groups = user
        .get("groups")
        .and_then(Value::as_array)
        .into_iter()
        .flatten();
    Value::Array(
        groups
            .filter_map(Value::as_str)
            .filter_map(|path| {
                let top = path.trim_start_matches('/').split('/').next()?;
                let group = realm.find(Kind::Group, "", top)?;
                Some(json!({ "id": group["id"], "name": top, "path": format!("/{}", path.trim_start_matches('/')) }))
            })
            .collect(),
    )
}

//! The resources `partialImport` handles (clients, realm and client roles, identity providers,
//! groups, users), how each is named, what it refers to, and the import body built from them.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::fmt;

use crate::config::Policy;

/// A kind of resource, in the order Keycloak imports them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    /// A client, named by `clientId`.
    Client,
    /// A realm role, named by `name`.
    RealmRole,
    /// A client's role, named by `name` within its client.
    ClientRole,
    /// An identity provider, named by `alias`.
    IdentityProvider,
    /// A top-level group, named by `name`.
    Group,
    /// A user, named by `username`.
    User,
}

impl Kind {
    /// How people call it.
    pub fn label(self) -> &'static str {
        match self {
            Kind::Client => "client",
            Kind::RealmRole => "realm role",
            Kind::ClientRole => "client role",
            Kind::IdentityProvider => "identity provider",
            Kind::Group => "group",
            Kind::User => "user",
        }
    }

    /// The field of a representation that names it.
    fn name_field(self) -> &'static str {
        match self {
            Kind::Client => "clientId",
            Kind::RealmRole | Kind::ClientRole | Kind::Group => "name",
            Kind::IdentityProvider => "alias",
            Kind::User => "username",
        }
    }
}

/// What names one resource: its kind, its client (client roles only) and its name.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Key {
    /// The kind.
    pub kind: Kind,
    /// The `clientId` a client role belongs to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client: Option<String>,
    /// The name within its kind (and client).
    pub name: String,
}

impl Key {
    /// A key of `kind` named `name`.
    pub fn new(kind: Kind, name: impl Into<String>) -> Self {
        Self {
            kind,
            client: None,
            name: name.into(),
        }
    }

    /// The role `name` of the client `client`.
    pub fn client_role(client: impl Into<String>, name: impl Into<String>) -> Self {
        Self {
            kind: Kind::ClientRole,
            client: Some(client.into()),
            name: name.into(),
        }
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.client {
            Some(client) => write!(
                f,
                "{} `{}` of client `{client}`",
                self.kind.label(),
                self.name
            ),
            None => write!(f, "{} `{}`", self.kind.label(), self.name),
        }
    }
}

/// One resource and its representation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Resource {
    /// What names it.
    pub key: Key,
    /// Its representation, as in a realm file or as the Admin API returned it.
    pub rep: Value,
}

impl Resource {
    /// A resource of `kind` from its representation; the error says which field is missing.
    pub fn from_rep(kind: Kind, client: Option<&str>, rep: Value) -> Result<Self, String> {
        let field = kind.name_field();
        let name = rep
            .get(field)
            .and_then(Value::as_str)
            .filter(|name| !name.is_empty())
            .ok_or_else(|| format!("a {} without `{field}`", kind.label()))?
            .to_owned();
        let key = match client {
            Some(client) => Key::client_role(client, name),
            None => Key::new(kind, name),
        };
        Ok(Self { key, rep })
    }

    /// A short, stable digest of the representation: equal digests, equal resources.
    pub fn digest(&self) -> String {
        let canonical = serde_json::to_string(&self.rep).unwrap_or_default();
        let hash = Sha256::digest(canonical.as_bytes());
        hash.iter().take(8).map(|b| format!("{b:02x}")).collect()
    }

    /// The resources this one refers to: roles it maps or composes, groups it joins, the client
    /// of a client role. Overwriting (deleting) one of them breaks the reference in Keycloak.
    pub fn references(&self) -> Vec<Key> {
        let mut refs = Vec::new();
        if let Some(client) = &self.key.client {
            refs.push(Key::new(Kind::Client, client.clone()));
        }
        role_references(&self.rep, &mut refs);
        if let Some(composites) = self.rep.get("composites") {
            role_references(composites, &mut refs);
        }
        for group in strings(self.rep.get("groups")) {
            let top = group
                .trim_start_matches('/')
                .split('/')
                .next()
                .unwrap_or("");
            refs.push(Key::new(Kind::Group, top));
        }
        for sub in self
            .rep
            .get("subGroups")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            role_references(sub, &mut refs);
        }
        refs
    }
}

/// Role references in `value`: `realmRoles`/`realm` (names) and `clientRoles`/`client`
/// (`{clientId: [names]}`), the client included.
fn role_references(value: &Value, refs: &mut Vec<Key>) {
    for field in ["realmRoles", "realm"] {
        for role in strings(value.get(field)) {
            refs.push(Key::new(Kind::RealmRole, role));
        }
    }
    for field in ["clientRoles", "client"] {
        let Some(clients) = value.get(field).and_then(Value::as_object) else {
            continue;
        };
        for (client, roles) in clients {
            refs.push(Key::new(Kind::Client, client.clone()));
            for role in strings(Some(roles)) {
                refs.push(Key::client_role(client.clone(), role));
            }
        }
    }
}

fn strings(value: Option<&Value>) -> impl Iterator<Item = &str> {
    value
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
}

/// The keys of a RealmRepresentation that hold resources (everything else is a realm setting).
pub const RESOURCE_FIELDS: [&str; 5] = ["clients", "roles", "identityProviders", "groups", "users"];

/// The resources in a RealmRepresentation, in import order.
pub fn resources_of(realm: &Map<String, Value>) -> Result<Vec<Resource>, String> {
    let mut resources = Vec::new();
    let list = |field: &str| realm.get(field).and_then(Value::as_array).cloned();
    for rep in list("clients").unwrap_or_default() {
        resources.push(Resource::from_rep(Kind::Client, None, rep)?);
    }
    let roles = realm.get("roles");
    let realm_roles = roles.and_then(|r| r.get("realm")).and_then(Value::as_array);
    for rep in realm_roles.into_iter().flatten() {
        resources.push(Resource::from_rep(Kind::RealmRole, None, rep.clone())?);
    }
    let client_roles = roles
        .and_then(|r| r.get("client"))
        .and_then(Value::as_object);
    for (client, reps) in client_roles.into_iter().flatten() {
        for rep in reps.as_array().into_iter().flatten() {
            resources.push(Resource::from_rep(
                Kind::ClientRole,
                Some(client),
                rep.clone(),
            )?);
        }
    }
    for (field, kind) in [
        ("identityProviders", Kind::IdentityProvider),
        ("groups", Kind::Group),
        ("users", Kind::User),
    ] {
        for rep in list(field).unwrap_or_default() {
            resources.push(Resource::from_rep(kind, None, rep)?);
        }
    }
    Ok(resources)
}

/// The `partialImport` body that imports `resources` with `policy`.
pub fn import_body<'r>(resources: impl IntoIterator<Item = &'r Resource>, policy: Policy) -> Value {
    let mut lists: BTreeMap<&str, Vec<Value>> = BTreeMap::new();
    let mut realm_roles = Vec::new();
    let mut client_roles: Map<String, Value> = Map::new();
    for resource in resources {
        match (resource.key.kind, &resource.key.client) {
            (Kind::RealmRole, _) => realm_roles.push(resource.rep.clone()),
            (Kind::ClientRole, Some(client)) => {
                let roles = client_roles
                    .entry(client.clone())
                    .or_insert_with(|| Value::Array(Vec::new()));
                if let Value::Array(roles) = roles {
                    roles.push(resource.rep.clone());
                }
            }
            (kind, _) => lists
                .entry(list_field(kind))
                .or_default()
                .push(resource.rep.clone()),
        }
    }
    let mut body = json!({ "ifResourceExists": policy.wire_name() });
    for (field, reps) in lists {
        body[field] = Value::Array(reps);
    }
    if !realm_roles.is_empty() || !client_roles.is_empty() {
        body["roles"] = json!({ "realm": realm_roles, "client": client_roles });
    }
    body
}

fn list_field(kind: Kind) -> &'static str {
    match kind {
        Kind::Client => "clients",
        Kind::IdentityProvider => "identityProviders",
        Kind::Group => "groups",
        Kind::User => "users",
        Kind::RealmRole | Kind::ClientRole => "roles",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn realm() -> Map<String, Value> {
        serde_json::from_value(json!({
            "realm": "shop",
            "clients": [{ "clientId": "web" }],
            "roles": { "realm": [{ "name": "admin" }], "client": { "web": [{ "name": "viewer" }] } },
            "groups": [{ "name": "staff", "realmRoles": ["admin"] }],
            "users": [{ "username": "ann", "groups": ["/staff/ops"], "clientRoles": { "web": ["viewer"] } }],
        }))
        .unwrap()
    }

    #[test]
    fn resources_come_in_import_order_with_their_names() {
        let keys: Vec<String> = resources_of(&realm())
            .unwrap()
            .iter()
            .map(|r| r.key.to_string())
            .collect();
        assert_eq!(
            keys,
            [
                "client `web`",
                "realm role `admin`",
                "client role `viewer` of client `web`",
                "group `staff`",
                "user `ann`"
            ]
        );
    }

    #[test]
    fn a_user_refers_to_its_groups_client_roles_and_their_client() {
        let resources = resources_of(&realm()).unwrap();
        let refs = resources[4].references();
        assert!(refs.contains(&Key::new(Kind::Group, "staff")), "{refs:?}");
        assert!(
            refs.contains(&Key::client_role("web", "viewer")),
            "{refs:?}"
        );
        assert!(refs.contains(&Key::new(Kind::Client, "web")), "{refs:?}");
        assert_eq!(resources[2].references(), [Key::new(Kind::Client, "web")]);
    }

    #[test]
    fn a_resource_without_its_name_is_an_error_naming_the_field() {
        let err = Resource::from_rep(Kind::User, None, json!({ "email": "a@b" })).unwrap_err();
        assert_eq!(err, "a user without `username`");
    }

    #[test]
    fn the_import_body_groups_resources_by_kind() {
        let resources = resources_of(&realm()).unwrap();
        let body = import_body(&resources, Policy::Skip);
        assert_eq!(body["ifResourceExists"], "SKIP");
        assert_eq!(body["roles"]["client"]["web"][0]["name"], "viewer");
        assert_eq!(body["users"][0]["username"], "ann");
        assert!(body.get("identityProviders").is_none());
    }

    #[test]
    fn equal_representations_have_equal_digests_whatever_the_key_order() {
        let a = Resource::from_rep(Kind::Client, None, json!({"clientId": "w", "a": 1, "b": 2}));
        let b = Resource::from_rep(Kind::Client, None, json!({"b": 2, "clientId": "w", "a": 1}));
        assert_eq!(a.unwrap().digest(), b.unwrap().digest());
    }
}

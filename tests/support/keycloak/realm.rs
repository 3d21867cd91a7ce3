//! One emulated realm: its settings and resources, and `partialImport` as Keycloak's
//! `PartialImportManager` does it (prepare every kind, then per kind remove the overwritten ones
//! and create the rest with new ids; one transaction; FAIL on an existing resource is a 409).

use serde_json::{Map, Value, json};

/// Keys of a RealmRepresentation that hold resources, not settings.
pub const RESOURCE_FIELDS: [&str; 5] = ["clients", "roles", "identityProviders", "groups", "users"];

/// What a user representation keeps to itself: GET /users does not show these.
pub const USER_MEMBERSHIPS: [&str; 4] = ["realmRoles", "clientRoles", "groups", "credentials"];

/// A resource kind, in import order, with Keycloak's names for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Client,
    RealmRole,
    ClientRole,
    Idp,
    Group,
    User,
}

impl Kind {
    fn resource_type(self) -> &'static str {
        match self {
            Kind::Client => "CLIENT",
            Kind::RealmRole => "REALM_ROLE",
            Kind::ClientRole => "CLIENT_ROLE",
            Kind::Idp => "IDP",
            Kind::Group => "GROUP",
            Kind::User => "USER",
        }
    }

    fn name_field(self) -> &'static str {
        match self {
            Kind::Client => "clientId",
            Kind::RealmRole | Kind::ClientRole | Kind::Group => "name",
            Kind::Idp => "alias",
            Kind::User => "username",
        }
    }

    /// Keycloak's `existsMessage` for a resource of this kind named `name` (of client `client`).
    fn exists_message(self, name: &str, client: &str) -> String {
        match self {
            Kind::Client => format!("Client id '{name}' already exists"),
            Kind::RealmRole => format!("Realm role '{name}' already exists."),
            Kind::ClientRole => {
                format!("Client role '{name}' for client '{client}' already exists.")
            }
            Kind::Idp => format!("Identity Provider '{name}' already exists."),
            Kind::Group => format!("Group '{name}' already exists"),
            Kind::User => format!("User with user name {name} already exists."),
        }
    }
}

/// A failed request: status and Keycloak's error body.
pub type Failure = (u16, Value);

fn name_of(kind: Kind, rep: &Value) -> String {
    let name = rep
        .get(kind.name_field())
        .and_then(Value::as_str)
        .unwrap_or_default();
    if kind == Kind::User {
        name.to_lowercase()
    } else {
        name.to_owned()
    }
}

/// A realm.
#[derive(Debug, Clone, Default)]
pub struct Realm {
    /// Everything but the resources (`id`, `realm`, `attributes`, ...).
    pub settings: Map<String, Value>,
    pub clients: Vec<Value>,
    pub realm_roles: Vec<Value>,
    /// Client roles by the client's `clientId`.
    pub client_roles: Vec<(String, Vec<Value>)>,
    pub idps: Vec<Value>,
    pub groups: Vec<Value>,
    pub users: Vec<Value>,
    next_id: u64,
}

impl Realm {
    /// A realm created from a whole representation (POST /admin/realms).
    pub fn create(rep: &Map<String, Value>) -> Result<Realm, Failure> {
        let mut realm = Realm::default();
        realm.put_settings(rep);
        let id = realm.new_id();
        realm.settings.insert("id".into(), json!(id));
        realm.settings.entry("enabled").or_insert(json!(true));
        let mut import = rep.clone();
        import.insert("ifResourceExists".into(), json!("FAIL"));
        realm.partial_import(&Value::Object(import))?;
        Ok(realm)
    }

    fn new_id(&mut self) -> String {
        self.next_id += 1;
        format!("{:08x}-0000-4000-8000-{:012x}", self.next_id, self.next_id)
    }

    /// Updates settings (PUT): every key given is set, attributes one by one (others stay).
    pub fn put_settings(&mut self, rep: &Map<String, Value>) {
        for (key, value) in rep {
            if RESOURCE_FIELDS.contains(&key.as_str()) || key == "id" || key == "ifResourceExists" {
                continue;
            }
            match (key.as_str(), value, self.settings.get_mut("attributes")) {
                ("attributes", Value::Object(new), Some(Value::Object(attributes))) => {
                    attributes.extend(new.clone());
                }
                _ => {
                    self.settings.insert(key.clone(), value.clone());
                }
            }
        }
    }

    fn list(&self, kind: Kind, client: &str) -> &[Value] {
        match kind {
            Kind::Client => &self.clients,
            Kind::RealmRole => &self.realm_roles,
            Kind::ClientRole => self
                .client_roles
                .iter()
                .find(|(c, _)| c == client)
                .map_or(&[], |(_, roles)| roles.as_slice()),
            Kind::Idp => &self.idps,
            Kind::Group => &self.groups,
            Kind::User => &self.users,
        }
    }

    fn list_mut(&mut self, kind: Kind, client: &str) -> &mut Vec<Value> {
        match kind {
            Kind::Client => &mut self.clients,
            Kind::RealmRole => &mut self.realm_roles,
            Kind::ClientRole => {
                if !self.client_roles.iter().any(|(c, _)| c == client) {
                    self.client_roles.push((client.to_owned(), Vec::new()));
                }
                let at = self
                    .client_roles
                    .iter()
                    .position(|(c, _)| c == client)
                    .unwrap_or(0);
                &mut self.client_roles[at].1
            }
            Kind::Idp => &mut self.idps,
            Kind::Group => &mut self.groups,
            Kind::User => &mut self.users,
        }
    }

    /// The resource of `kind` named `name` (of client `client`).
    pub fn find(&self, kind: Kind, client: &str, name: &str) -> Option<&Value> {
        let name = if kind == Kind::User {
            name.to_lowercase()
        } else {
            name.to_owned()
        };
        self.list(kind, client)
            .iter()
            .find(|r| name_of(kind, r) == name)
    }

    /// The resource of `kind` whose `id` is `id`.
    pub fn by_id(&self, kind: Kind, id: &str) -> Option<&Value> {
        self.list(kind, "")
            .iter()
            .find(|r| r.get("id").and_then(Value::as_str) == Some(id))
    }

    /// Removes a resource and what Keycloak removes with it: a client's roles and every mapping
    /// to them, a role's mappings, a group's memberships.
    pub fn remove(&mut self, kind: Kind, client: &str, name: &str) -> bool {
        let list = self.list_mut(kind, client);
        let before = list.len();
        list.retain(|r| name_of(kind, r) != name);
        let removed = list.len() != before;
        if !removed {
            return false;
        }
        let holders = self.users.iter_mut().chain(self.groups.iter_mut());
        match kind {
            Kind::Client => {
                self.client_roles.retain(|(c, _)| c != name);
                for holder in holders {
                    if let Some(Value::Object(roles)) = holder.get_mut("clientRoles") {
                        roles.remove(name);
                    }
                }
            }
            Kind::RealmRole => {
                for holder in holders {
                    drop_string(holder, "realmRoles", |r| r == name);
                }
            }
            Kind::ClientRole => {
                for holder in holders {
                    if let Some(Value::Array(roles)) = holder
                        .get_mut("clientRoles")
                        .and_then(|r| r.get_mut(client))
                    {
                        roles.retain(|r| r.as_str() != Some(name));
                    }
                }
            }
            Kind::Group => {
                for user in &mut self.users {
                    drop_string(user, "groups", |g| {
                        g.trim_start_matches('/').split('/').next() == Some(name)
                    });
                }
            }
            Kind::Idp | Kind::User => {}
        }
        true
    }

    /// `POST .../partialImport`: the 200 body, or the failure (and no change at all).
    pub fn partial_import(&mut self, body: &Value) -> Result<Value, Failure> {
        let before = self.clone();
        let result = self.import(body);
        if result.is_err() {
            *self = before;
        }
        result
    }

    fn import(&mut self, body: &Value) -> Result<Value, Failure> {
        let policy = body
            .get("ifResourceExists")
            .and_then(Value::as_str)
            .unwrap_or("FAIL");
        let work = items(body);
        let mut decisions = Vec::new();
        for (kind, client, rep) in &work {
            let name = name_of(*kind, rep);
            if name.is_empty() {
                return Err((
                    400,
                    json!({ "errorMessage": format!("a {} without {}", kind.resource_type(), kind.name_field()) }),
                ));
            }
            if *kind == Kind::ClientRole
                && self.find(Kind::Client, "", client).is_none()
                && !work
                    .iter()
                    .any(|(k, _, r)| *k == Kind::Client && name_of(*k, r) == *client)
            {
                return Err((
                    404,
                    json!({ "errorMessage": format!("Client role '{name}' for non existent client '{client}'") }),
                ));
            }
            let exists = self.find(*kind, client, &name).is_some();
            decisions.push(match (exists, policy) {
                (false, _) => "ADDED",
                (true, "SKIP") => "SKIPPED",
                (true, "OVERWRITE") => "OVERWRITTEN",
                (true, _) => {
                    return Err((
                        409,
                        json!({ "errorMessage": kind.exists_message(&name, client) }),
                    ));
                }
            });
        }
        let mut results = Vec::new();
        for ((kind, client, rep), action) in work.iter().zip(decisions) {
            let name = name_of(*kind, rep);
            if action == "OVERWRITTEN" {
                self.remove(*kind, client, &name);
            }
            if action != "SKIPPED" {
                let mut rep = rep.clone();
                rep["id"] = json!(self.new_id());
                if *kind == Kind::User {
                    rep["username"] = json!(name); // Keycloak stores usernames in lower case
                }
                if *kind == Kind::ClientRole {
                    rep["clientRole"] = json!(true);
                }
                self.list_mut(*kind, client).push(rep);
            }
            let id = self
                .find(*kind, client, &name)
                .and_then(|r| r.get("id"))
                .cloned();
            results.push(json!({
                "action": action, "resourceType": kind.resource_type(), "resourceName": name, "id": id,
            }));
        }
        let count = |action: &str| results.iter().filter(|r| r["action"] == action).count();
        Ok(json!({
            "overwritten": count("OVERWRITTEN"), "added": count("ADDED"), "skipped": count("SKIPPED"),
            "results": results,
        }))
    }

    /// The realm's settings as GET /admin/realms/{r} shows them.
    pub fn representation(&self) -> Value {
        Value::Object(self.settings.clone())
    }
}

/// The resources of an import body, in Keycloak's order: clients, realm roles, client roles,
/// identity providers, groups, users.
fn items(body: &Value) -> Vec<(Kind, String, Value)> {
    let list = |field: &str| {
        body.get(field)
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default()
    };
    let mut items: Vec<(Kind, String, Value)> = list("clients")
        .into_iter()
        .map(|r| (Kind::Client, String::new(), r))
        .collect();
    let roles = body.get("roles");
    let realm_roles = roles.and_then(|r| r.get("realm")).and_then(Value::as_array);
    items.extend(
        realm_roles
            .into_iter()
            .flatten()
            .map(|r| (Kind::RealmRole, String::new(), r.clone())),
    );
    let client_roles = roles
        .and_then(|r| r.get("client"))
        .and_then(Value::as_object);
    for (client, reps) in client_roles.into_iter().flatten() {
        let reps = reps.as_array().into_iter().flatten();
        items.extend(reps.map(|r| (Kind::ClientRole, client.clone(), r.clone())));
    }
    for (field, kind) in [
        ("identityProviders", Kind::Idp),
        ("groups", Kind::Group),
        ("users", Kind::User),
    ] {
        items.extend(list(field).into_iter().map(|r| (kind, String::new(), r)));
    }
    items
}

fn drop_string(holder: &mut Value, field: &str, matches: impl Fn(&str) -> bool) {
    if let Some(Value::Array(list)) = holder.get_mut(field) {
        list.retain(|v| !v.as_str().is_some_and(&matches));
    }
}

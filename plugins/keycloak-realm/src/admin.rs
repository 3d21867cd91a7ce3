//! The Admin API calls on one realm: the realm itself, `partialImport`, and finding and deleting
//! single resources by name.

use serde::Deserialize;
use serde_json::{Map, Value, json};
use sluice_sdk::http::{Method, Response};
use sluice_sdk::{Error, encode_component};
use std::cell::RefCell;
use std::collections::HashMap;

use crate::resource::{Key, Kind};
use crate::session::Session;

/// What `partialImport` reports.
#[derive(Debug, Deserialize)]
pub struct ImportSummary {
    /// Resources created.
    #[serde(default)]
    pub added: u32,
    /// Resources left alone (policy skip).
    #[serde(default)]
    pub skipped: u32,
    /// Resources deleted and created anew (policy overwrite).
    #[serde(default)]
    pub overwritten: u32,
}

/// Keycloak's error answer.
#[derive(Deserialize, Default)]
struct ErrorAnswer {
    #[serde(default, rename = "errorMessage")]
    error_message: Option<String>,
    #[serde(default)]
    error: Option<String>,
}

/// The Admin API of the unit's realm.
pub struct Admin<'s> {
    session: &'s Session<'s>,
    realm: String,
    /// `clientId` -> internal id, as found so far.
    client_ids: RefCell<HashMap<String, Option<String>>>,
}

impl<'s> Admin<'s> {
    /// The realm the unit manages, through `session`.
    pub fn new(session: &'s Session<'s>) -> Self {
        Self {
            realm: session.config().realm.clone(),
            session,
            client_ids: RefCell::new(HashMap::new()),
        }
    }

    fn path(&self, rest: &str) -> String {
        format!("/admin/realms/{}{rest}", encode_component(&self.realm))
    }

    /// The realm's representation, or none when it does not exist.
    pub fn realm(&self) -> Result<Option<Map<String, Value>>, Error> {
        self.get_optional(&self.path(""), "the realm")
    }

    /// Creates the realm from a whole representation.
    pub fn create_realm(&self, rep: &Map<String, Value>) -> Result<(), Error> {
        let body = Value::Object(rep.clone());
        let response = self
            .session
            .send(Method::Post, "/admin/realms", Some(&body))?;
        expect_success(&response, &format!("creating realm `{}`", self.realm))
    }

    /// Updates the realm's settings with `rep`.
    pub fn update_realm(&self, rep: &Map<String, Value>) -> Result<(), Error> {
        let body = Value::Object(rep.clone());
        let response = self
            .session
            .send(Method::Put, &self.path(""), Some(&body))?;
        expect_success(&response, &format!("updating realm `{}`", self.realm))
    }

    /// Deletes the realm, if it exists.
    pub fn delete_realm(&self) -> Result<(), Error> {
        let response = self.session.send(Method::Delete, &self.path(""), None)?;
        if response.status == 404 {
            return Ok(());
        }
        expect_success(&response, &format!("deleting realm `{}`", self.realm))
    }

    /// Runs `partialImport` with `body`.
    pub fn partial_import(&self, body: &Value) -> Result<ImportSummary, Error> {
        let response = self
            .session
            .send(Method::Post, &self.path("/partialImport"), Some(body))?;
        expect_success(
            &response,
            &format!("the partial import into realm `{}`", self.realm),
        )?;
        response.json("Keycloak's partialImport answer")
    }

    /// The resource `key` as Keycloak holds it, or none. A user comes with its realm and client
    /// role mappings and its groups, as a realm file would list them.
    pub fn find(&self, key: &Key) -> Result<Option<Value>, Error> {
        let name = encode_component(&key.name);
        let what = key.to_string();
        match key.kind {
            Kind::Client => Ok(self.client(&key.name)?),
            Kind::RealmRole => self.get_optional(&self.path(&format!("/roles/{name}")), &what),
            Kind::ClientRole => {
                let Some(id) = self.client_id(key.client.as_deref().unwrap_or_default())? else {
                    return Ok(None);
                };
                self.get_optional(&self.path(&format!("/clients/{id}/roles/{name}")), &what)
            }
            Kind::IdentityProvider => self.get_optional(
                &self.path(&format!("/identity-provider/instances/{name}")),
                &what,
            ),
            Kind::Group => self.get_optional(&self.path(&format!("/group-by-path/{name}")), &what),
            Kind::User => {
                let found: Vec<Value> = self.get(
                    &self.path(&format!("/users?username={name}&exact=true")),
                    &what,
                )?;
                let user = found.into_iter().find(|u| {
                    u.get("username")
                        .and_then(Value::as_str)
                        .is_some_and(|n| n.eq_ignore_ascii_case(&key.name))
                });
                user.map(|user| self.with_memberships(user)).transpose()
            }
        }
    }

    /// Deletes the resource `key`, which Keycloak holds as `rep`; gone already is fine.
    pub fn delete(&self, key: &Key, rep: &Value) -> Result<(), Error> {
        let name = encode_component(&key.name);
        let id = rep.get("id").and_then(Value::as_str).unwrap_or_default();
        let path = match key.kind {
            Kind::Client => format!("/clients/{id}"),
            Kind::RealmRole => format!("/roles/{name}"),
            Kind::ClientRole => {
                let Some(client) = self.client_id(key.client.as_deref().unwrap_or_default())?
                else {
                    return Ok(());
                };
                format!("/clients/{client}/roles/{name}")
            }
            Kind::IdentityProvider => format!("/identity-provider/instances/{name}"),
            Kind::Group => format!("/groups/{id}"),
            Kind::User => format!("/users/{id}"),
        };
        let response = self.session.send(Method::Delete, &self.path(&path), None)?;
        if response.status == 404 {
            return Ok(());
        }
        expect_success(&response, &format!("deleting {key}"))
    }

    /// Every role of the client `client_id` (none when there is no such client).
    pub fn client_roles(&self, client_id: &str) -> Result<Vec<Value>, Error> {
        match self.client_id(client_id)? {
            Some(id) => self.get(
                &self.path(&format!("/clients/{id}/roles?briefRepresentation=false")),
                &format!("the roles of client `{client_id}`"),
            ),
            None => Ok(Vec::new()),
        }
    }

    fn client(&self, client_id: &str) -> Result<Option<Value>, Error> {
        let found: Vec<Value> = self.get(
            &self.path(&format!(
                "/clients?clientId={}",
                encode_component(client_id)
            )),
            &format!("client `{client_id}`"),
        )?;
        let client = found
            .into_iter()
            .find(|c| c.get("clientId").and_then(Value::as_str) == Some(client_id));
        let id = client
            .as_ref()
            .and_then(|c| c.get("id"))
            .and_then(Value::as_str)
            .map(str::to_owned);
        self.client_ids
            .borrow_mut()
            .insert(client_id.to_owned(), id);
        Ok(client)
    }

    fn client_id(&self, client_id: &str) -> Result<Option<String>, Error> {
        if let Some(known) = self.client_ids.borrow().get(client_id) {
            return Ok(known.clone());
        }
        Ok(self
            .client(client_id)?
            .and_then(|c| c.get("id").and_then(Value::as_str).map(str::to_owned)))
    }

    /// `user` with `realmRoles`, `clientRoles` and `groups` as a realm file writes them.
    fn with_memberships(&self, mut user: Value) -> Result<Value, Error> {
        let id = user
            .get("id")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        let username = user.get("username").cloned().unwrap_or_default();
        let what = format!("the memberships of user {username}");
        let mappings: Value = self.get(&self.path(&format!("/users/{id}/role-mappings")), &what)?;
        let names = |roles: Option<&Value>| -> Vec<Value> {
            roles
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|r| r.get("name").cloned())
                .collect()
        };
        let mut client_roles = Map::new();
        let clients = mappings.get("clientMappings").and_then(Value::as_object);
        for (client_id, mapping) in clients.into_iter().flatten() {
            client_roles.insert(
                client_id.clone(),
                Value::Array(names(mapping.get("mappings"))),
            );
        }
        let groups: Vec<Value> = self.get(&self.path(&format!("/users/{id}/groups")), &what)?;
        user["realmRoles"] = Value::Array(names(mappings.get("realmMappings")));
        user["clientRoles"] = Value::Object(client_roles);
        user["groups"] = json!(
            groups
                .iter()
                .filter_map(|g| g.get("path"))
                .collect::<Vec<_>>()
        );
        Ok(user)
    }

    fn get<T: serde::de::DeserializeOwned>(&self, path: &str, what: &str) -> Result<T, Error> {
        let response = self.session.send(Method::Get, path, None)?;
        expect_success(&response, &format!("reading {what}"))?;
        response.json(&format!("Keycloak's answer for {what}"))
    }

    fn get_optional<T: serde::de::DeserializeOwned>(
        &self,
        path: &str,
        what: &str,
    ) -> Result<Option<T>, Error> {
        let response = self.session.send(Method::Get, path, None)?;
        if response.status == 404 {
            return Ok(None);
        }
        expect_success(&response, &format!("reading {what}"))?;
        response
            .json(&format!("Keycloak's answer for {what}"))
            .map(Some)
    }
}

/// Fails with Keycloak's own words unless the answer is 2xx.
fn expect_success(response: &Response, what: &str) -> Result<(), Error> {
    if response.is_success() {
        return Ok(());
    }
    let answer: ErrorAnswer = serde_json::from_slice(&response.body).unwrap_or_default();
    let why = answer
        .error_message
        .or(answer.error)
        .unwrap_or_else(|| response.excerpt());
    Err(Error::Failed(format!(
        "Keycloak refused {what}: HTTP {}: {why}",
        response.status
    )))
}

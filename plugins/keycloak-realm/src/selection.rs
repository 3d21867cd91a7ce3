//! Which resources an import sends.
//!
//! `partialImport` overwrites a resource by deleting it and creating it anew (a new id, and for a
//! user no credentials but those in the file). So when Keycloak still holds exactly what sluice
//! imported last (the realm's checksum attribute is the one sluice recorded), only the resources
//! whose representation changed since are sent, plus everything that refers to one of them:
//! deleting a role, group or client in Keycloak also drops the mappings, memberships and client
//! roles that point at it, so those are imported again too. Otherwise everything is sent.

use std::collections::{BTreeMap, BTreeSet};

use crate::resource::{Key, Resource};

/// The resources to import: all of them without `previous` (the digests of the last import),
/// else the changed ones and, transitively, those that refer to a changed one.
pub fn select<'r>(
    resources: &'r [Resource],
    previous: Option<&BTreeMap<String, String>>,
) -> Vec<&'r Resource> {
    let Some(previous) = previous else {
        return resources.iter().collect();
    };
    let mut chosen: BTreeSet<&Key> = resources
        .iter()
        .filter(|r| previous.get(&digest_key(&r.key)) != Some(&r.digest()))
        .map(|r| &r.key)
        .collect();
    let references: Vec<(&Key, Vec<Key>)> =
        resources.iter().map(|r| (&r.key, r.references())).collect();
    loop {
        let before = chosen.len();
        for (key, refs) in &references {
            if !chosen.contains(key) && refs.iter().any(|r| chosen.contains(r)) {
                chosen.insert(key);
            }
        }
        if chosen.len() == before {
            break;
        }
    }
    resources
        .iter()
        .filter(|r| chosen.contains(&r.key))
        .collect()
}

/// The digests of `resources`, as the state records them.
pub fn digests(resources: &[Resource]) -> BTreeMap<String, String> {
    resources
        .iter()
        .map(|r| (digest_key(&r.key), r.digest()))
        .collect()
}

/// A key as one string, for the state's digest map.
fn digest_key(key: &Key) -> String {
    match &key.client {
        Some(client) => format!("{:?}:{client}:{}", key.kind, key.name),
        None => format!("{:?}:{}", key.kind, key.name),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resource::resources_of;
    use serde_json::json;

    fn realm(web_uri: &str, ann_email: &str) -> Vec<Resource> {
        resources_of(
            &serde_json::from_value(json!({
                "clients": [{ "clientId": "web", "redirectUris": [web_uri] }, { "clientId": "api" }],
                "roles": { "realm": [{ "name": "admin" }], "client": { "web": [{ "name": "viewer" }] } },
                "groups": [{ "name": "staff", "realmRoles": ["admin"] }],
                "users": [
                    { "username": "ann", "email": ann_email },
                    { "username": "bob", "clientRoles": { "web": ["viewer"] } },
                    { "username": "cid", "groups": ["/staff"] },
                ],
            }))
            .unwrap(),
        )
        .unwrap()
    }

    fn names(selected: Vec<&Resource>) -> Vec<String> {
        selected.iter().map(|r| r.key.name.clone()).collect()
    }

    #[test]
    fn without_a_previous_import_everything_is_sent() {
        let resources = realm("https://a", "ann@a");
        assert_eq!(select(&resources, None).len(), resources.len());
    }

    #[test]
    fn an_unchanged_realm_sends_nothing() {
        let resources = realm("https://a", "ann@a");
        assert!(select(&resources, Some(&digests(&resources))).is_empty());
    }

    #[test]
    fn a_changed_user_is_sent_alone() {
        let before = digests(&realm("https://a", "ann@a"));
        let after = realm("https://a", "ann@b");
        assert_eq!(names(select(&after, Some(&before))), ["ann"]);
    }

    #[test]
    fn a_changed_client_brings_its_roles_and_whoever_holds_them() {
        let before = digests(&realm("https://a", "ann@a"));
        let after = realm("https://b", "ann@a");
        assert_eq!(
            names(select(&after, Some(&before))),
            ["web", "viewer", "bob"]
        );
    }

    #[test]
    fn a_new_role_referenced_by_a_changed_group_brings_the_group_members() {
        let before = digests(&realm("https://a", "ann@a"));
        let mut after = realm("https://a", "ann@a");
        after.retain(|r| r.key.name != "admin");
        let group = after.iter_mut().find(|r| r.key.name == "staff").unwrap();
        group.rep = json!({ "name": "staff", "realmRoles": [] });
        assert_eq!(names(select(&after, Some(&before))), ["staff", "cid"]);
    }
}

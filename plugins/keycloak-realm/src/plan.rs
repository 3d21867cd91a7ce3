//! What an import would change, for `sluice plan`.

use serde_json::{Map, Value};
use sluice_sdk::{Change, ChangeAction, Error};

use crate::config::Policy;
use crate::realm_file::RealmFile;
use crate::resource::{Kind, Resource};

/// The changes an import of `file` makes to a realm that exists as `realm`, given which of the
/// resources it sends exist (`survey`).
pub fn changes(
    file: &RealmFile,
    realm: &Map<String, Value>,
    survey: &[(&Resource, Option<Value>)],
    policy: Policy,
) -> Result<Vec<Change>, Error> {
    let mut changes = Vec::new();
    let name = file.settings["realm"].as_str().unwrap_or_default();
    let settings: Vec<&str> = file
        .settings
        .iter()
        .filter(|(key, value)| {
            key.as_str() != "attributes" && realm.get(key.as_str()) != Some(value)
        })
        .map(|(key, _)| key.as_str())
        .collect();
    if !settings.is_empty() {
        changes.push(Change::new(
            ChangeAction::Update,
            format!("realm {name}"),
            format!("settings: {}", settings.join(", ")),
        ));
    }
    for (resource, existing) in survey {
        let action = match (existing, policy) {
            (None, _) => ChangeAction::Create,
            (Some(_), Policy::Overwrite) => ChangeAction::Update,
            (Some(_), Policy::Skip) => ChangeAction::NoOp,
            (Some(_), Policy::Fail) => {
                return Err(Error::Failed(format!(
                    "{} already exists and if_resource_exists = \"fail\": the import would fail",
                    resource.key
                )));
            }
        };
        let detail = match action {
            ChangeAction::Update => "overwritten from the file",
            ChangeAction::NoOp => "exists: skipped",
            _ => "",
        };
        changes.push(Change::new(action, resource.key.to_string(), detail));
    }
    if changes.is_empty() {
        changes.push(Change::new(
            ChangeAction::Update,
            format!("realm {name}"),
            "the files changed but every resource is as imported before: only the checksum",
        ));
    }
    Ok(changes)
}

/// The one change of creating the realm from `file`.
pub fn creation(file: &RealmFile) -> Change {
    let count = |kind: Kind| file.resources.iter().filter(|r| r.key.kind == kind).count();
    Change::new(
        ChangeAction::Create,
        format!(
            "realm {}",
            file.settings["realm"].as_str().unwrap_or_default()
        ),
        format!(
            "{} clients, {} roles, {} groups, {} users, {} identity providers",
            count(Kind::Client),
            count(Kind::RealmRole) + count(Kind::ClientRole),
            count(Kind::Group),
            count(Kind::User),
            count(Kind::IdentityProvider)
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn file() -> RealmFile {
        let text = r#"{"displayName": "Shop", "clients": [{"clientId": "web"}], "users": [{"username": "ann"}]}"#;
        RealmFile::parse(&[("a.json".into(), text.as_bytes().to_vec())], "shop").unwrap()
    }

    fn realm(display: &str) -> Map<String, Value> {
        serde_json::from_value(json!({ "realm": "shop", "displayName": display })).unwrap()
    }

    fn lines(changes: &[Change]) -> Vec<String> {
        changes
            .iter()
            .map(|c| {
                let action = match c.action {
                    ChangeAction::Create => "create",
                    ChangeAction::Update => "update",
                    _ => "other",
                };
                format!("{action} {} {}", c.resource, c.detail)
                    .trim()
                    .to_owned()
            })
            .collect()
    }

    #[test]
    fn a_new_resource_is_created_and_an_existing_one_overwritten() {
        let file = file();
        let survey = [
            (&file.resources[0], Some(json!({}))),
            (&file.resources[1], None),
        ];
        let changes = changes(&file, &realm("Shop"), &survey, Policy::Overwrite).unwrap();
        assert_eq!(
            lines(&changes),
            [
                "update client `web` overwritten from the file",
                "create user `ann`"
            ]
        );
    }

    #[test]
    fn changed_settings_are_named() {
        let file = file();
        let changes = changes(&file, &realm("Old"), &[], Policy::Skip).unwrap();
        assert_eq!(lines(&changes), ["update realm shop settings: displayName"]);
    }

    #[test]
    fn the_fail_policy_on_an_existing_resource_is_an_error_before_anything_is_written() {
        let file = file();
        let survey = [(&file.resources[0], Some(json!({})))];
        let err = changes(&file, &realm("Shop"), &survey, Policy::Fail).unwrap_err();
        assert!(
            err.message().contains("client `web` already exists"),
            "{err:?}"
        );
    }

    #[test]
    fn creating_the_realm_counts_what_it_holds() {
        assert_eq!(
            creation(&file()).detail,
            "1 clients, 0 roles, 0 groups, 1 users, 0 identity providers"
        );
    }
}

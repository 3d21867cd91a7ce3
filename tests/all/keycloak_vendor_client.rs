//! The Keycloak emulator checked by Keycloak's own admin client, `@keycloak/keycloak-admin-client`
//! (and python-keycloak for the reads): what an operator does around `keycloak-realm` — sign in
//! with the client-credentials grant, create a realm, partial imports under each
//! `ifResourceExists` policy, read everything back, find and delete each kind of resource the way
//! the plugin does, delete the realm — and the plugin importing, re-running and rolling back a
//! realm the official client set up, read back by that client. Each emulator behaviour these
//! tests fixed is named in `tests/support/keycloak/mod.rs` and in docs/keycloak-realm.md.

use serde_json::{Map, Value, json};

use crate::support::keycloak::project::{REALM, RealmProject, realm_file};
use crate::support::keycloak::vendor::{SignIn, admin_client, admin_client_as, python_client};
use crate::support::keycloak::{Keycloak, Options};
use crate::support::project::ENV;
use crate::support::{EXIT_ROLLED_BACK, EXIT_SUCCESS, Run};

/// The one result of a step that succeeded.
fn ok(result: &Value) -> &Value {
    result
        .get("ok")
        .unwrap_or_else(|| panic!("the step failed: {result}"))
}

/// `[added, skipped, overwritten]` of a partialImport's answer.
fn counts(answer: &Value) -> Value {
    json!([answer["added"], answer["skipped"], answer["overwritten"]])
}

/// The entry of `list` whose `field` is `name`.
fn named<'a>(list: &'a Value, field: &str, name: &str) -> &'a Value {
    list.as_array()
        .into_iter()
        .flatten()
        .find(|entry| entry[field] == name)
        .unwrap_or_else(|| panic!("no {field} {name} in {list}"))
}

/// What the admin client's `read` step shows for a realm holding exactly `file`.
fn as_read_back(file: &Value) -> Value {
    let list = |field: &str| file[field].as_array().cloned().unwrap_or_default();
    let names = |v: &Value| -> Vec<String> {
        let mut names: Vec<String> = v
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|r| r.get("name").or(Some(r)).and_then(Value::as_str))
            .map(str::to_owned)
            .collect();
        names.sort();
        names
    };
    let sorted = |mut list: Vec<Value>, field: &str| {
        list.sort_by(|a, b| a[field].as_str().cmp(&b[field].as_str()));
        Value::Array(list)
    };
    let clients = list("clients")
        .iter()
        .map(|c| {
            let id = c["clientId"].as_str().unwrap_or_default();
            json!({
                "clientId": id,
                "redirectUris": c.get("redirectUris").cloned().unwrap_or(json!([])),
                "roles": names(&file["roles"]["client"][id]),
            })
        })
        .collect();
    let realm_roles = names(&file["roles"]["realm"])
        .into_iter()
        .map(|name| json!({ "name": name, "description": null }))
        .collect();
    let groups = names(&file["groups"])
        .into_iter()
        .map(|name| json!({ "name": name, "path": format!("/{name}") }))
        .collect();
    let users: Vec<Value> = list("users")
        .iter()
        .map(|u| {
            let client_roles: Map<String, Value> = u["clientRoles"]
                .as_object()
                .into_iter()
                .flatten()
                .map(|(client, roles)| (client.clone(), json!(names(roles))))
                .collect();
            json!({
                "username": u["username"], "email": u.get("email").cloned().unwrap_or(Value::Null),
                "enabled": u["enabled"], "realmRoles": names(&u["realmRoles"]),
                "clientRoles": client_roles, "groups": names(&u["groups"]),
            })
        })
        .collect();
    json!({
        "clients": sorted(clients, "clientId"),
        "realmRoles": sorted(realm_roles, "name"),
        "groups": sorted(groups, "name"),
        "userCount": users.len(),
        "users": sorted(users, "username"),
    })
}

/// The realm as the admin client reads it back.
fn read_back(keycloak: &Keycloak) -> Value {
    let results = admin_client(keycloak, &json!([{ "op": "read", "realm": REALM }]));
    ok(&results[0]).clone()
}

/// An emulator holding the realm the admin client created from `file`.
fn created_by_the_client(file: &Value) -> Keycloak {
    let keycloak = Keycloak::start(Options::default());
    let results = admin_client(&keycloak, &json!([{ "op": "createRealm", "rep": file }]));
    assert_eq!(ok(&results[0]), &json!({ "realmName": REALM }));
    keycloak
}

#[test]
fn the_admin_client_signs_in_creates_a_realm_and_reads_back_every_resource_it_sent() {
    let keycloak = Keycloak::start(Options::default());
    let file = realm_file(1, 2, "https://shop.example/*");

    let results = admin_client(
        &keycloak,
        &json!([
            { "op": "createRealm", "rep": file },
            { "op": "findRealm", "realm": REALM },
            { "op": "listRealms" },
            { "op": "read", "realm": REALM },
            { "op": "createRealm", "rep": file },
        ]),
    );

    assert_eq!(ok(&results[0]), &json!({ "realmName": REALM }));
    assert_eq!(
        results[4]["failed"],
        json!({ "status": 409, "message": "Conflict detected. See logs for details" })
    );
    let found = ok(&results[1]);
    assert_eq!(
        (&found["realm"], &found["displayName"]),
        (&json!(REALM), &json!("Shop"))
    );
    assert_eq!(ok(&results[2]), &json!(["master", REALM]));
    assert_eq!(ok(&results[3]), &as_read_back(&file));
    assert_eq!(
        keycloak.store().tokens_issued,
        1,
        "one sign-in served every step"
    );
}

#[test]
fn the_admin_client_signs_in_with_the_password_grant_and_decodes_the_token_it_gets() {
    let keycloak = Keycloak::start(Options::default());

    let results = admin_client_as(
        &keycloak,
        SignIn::AdminUser,
        &json!([{ "op": "listRealms" }]),
    );

    assert_eq!(
        ok(&results[0]),
        &json!(["master"]),
        "every Keycloak has master"
    );
    assert_eq!(keycloak.store().tokens_issued, 1);
}

#[test]
fn the_admin_client_finds_users_by_a_part_of_their_name_or_exactly_one_page_at_a_time() {
    let keycloak = created_by_the_client(&realm_file(0, 120, "https://shop.example/*"));
    let find = |query: Value| json!({ "op": "findUsers", "realm": REALM, "query": query });

    let results = admin_client(
        &keycloak,
        &json!([
            find(json!({ "username": "user-11" })),
            find(json!({ "username": "user-11", "exact": true })),
            find(json!({ "first": 100, "max": 100 })),
            find(json!({ "first": 0, "max": 5 })),
            find(json!({})),
        ]),
    );

    let holding_11: Vec<String> = std::iter::once("user-11".to_owned())
        .chain((110..120).map(|i| format!("user-{i}")))
        .collect();
    assert_eq!(
        ok(&results[0]),
        &json!(holding_11),
        "a substring unless exact"
    );
    assert_eq!(ok(&results[1]), &json!(["user-11"]));
    assert_eq!(
        ok(&results[2]).as_array().map(Vec::len),
        Some(20),
        "the last page"
    );
    assert_eq!(
        ok(&results[3]),
        &json!(["user-0", "user-1", "user-2", "user-3", "user-4"])
    );
    assert_eq!(
        ok(&results[4]).as_array().map(Vec::len),
        Some(100),
        "without max, Keycloak answers 100 users at most"
    );
}

#[test]
fn the_admin_client_finds_and_deletes_each_kind_of_resource_by_the_name_the_plugin_uses() {
    let mut file = realm_file(0, 1, "https://shop.example/*");
    file["identityProviders"] = json!([{ "alias": "github", "providerId": "github" }]);
    let keycloak = created_by_the_client(&file);
    let names = json!({
        "client": "web", "clientRole": "viewer", "realmRole": "admin", "group": "/staff",
        "user": "USER-0", "idp": "github",
    });

    let results = admin_client(
        &keycloak,
        &json!([
            { "op": "lookup", "realm": REALM, "names": names },
            { "op": "delete", "realm": REALM, "names": names },
        ]),
    );

    assert_eq!(
        ok(&results[0]),
        &json!({
            "client": "web", "clientRole": "viewer", "realmRole": "admin", "group": "/staff",
            "user": "user-0", "idp": "github",
        }),
        "a username is found in any case, and held in lower case"
    );
    assert_eq!(
        ok(&results[1]),
        &json!({
            "client": null, "clientRole": null, "realmRole": null, "group": null, "user": null,
            "idp": null,
        })
    );
}

#[test]
fn a_user_imported_without_enabled_is_disabled_as_keycloak_imports_it() {
    let keycloak = created_by_the_client(&realm_file(0, 1, "https://shop.example/*"));
    let guest = json!({ "users": [{ "username": "guest" }] });

    let results = admin_client(
        &keycloak,
        &json!([
            { "op": "partialImport", "realm": REALM, "policy": "FAIL", "rep": guest },
            { "op": "read", "realm": REALM },
        ]),
    );

    let guest = named(&ok(&results[1])["users"], "username", "guest");
    assert_eq!(guest["enabled"], false);
}

#[test]
fn partial_imports_by_the_admin_client_fail_skip_or_overwrite_an_existing_resource() {
    let keycloak = created_by_the_client(&realm_file(0, 1, "https://shop.example/*"));
    let web_id = keycloak.client(REALM, "web").unwrap()["id"].clone();
    let changed = json!({
        "clients": [{ "clientId": "web", "redirectUris": ["https://new.shop.example/*"], "publicClient": true }],
        "users": [{ "username": "eve", "enabled": true }],
    });
    let import = |policy: &str| json!({ "op": "partialImport", "realm": REALM, "policy": policy, "rep": changed });

    let results = admin_client(&keycloak, &json!([import("FAIL")]));
    assert_eq!(
        results[0]["failed"],
        json!({ "status": 409, "message": "Client id 'web' already exists" }),
        "the client reports Keycloak's status and errorMessage"
    );
    assert_eq!(keycloak.user(REALM, "eve"), None, "FAIL changed nothing");

    let results = admin_client(&keycloak, &json!([import("SKIP")]));
    assert_eq!(counts(ok(&results[0])), json!([1, 1, 0]));
    let read = read_back(&keycloak);
    assert_eq!(
        read["clients"][1]["redirectUris"],
        json!(["https://shop.example/*"]),
        "web was skipped: {read}"
    );
    assert_eq!(read["userCount"], 2, "eve was added");

    let results = admin_client(&keycloak, &json!([import("OVERWRITE")]));
    let overwritten = ok(&results[0]);
    assert_eq!(counts(overwritten), json!([0, 0, 2]));
    let web = named(&overwritten["results"], "resourceName", "web");
    assert_eq!(
        (&web["action"], &web["resourceType"]),
        (&json!("OVERWRITTEN"), &json!("CLIENT"))
    );
    assert_ne!(
        web["id"], web_id,
        "overwritten means deleted and created anew"
    );
    let read = read_back(&keycloak);
    assert_eq!(
        read["clients"][1]["redirectUris"],
        json!(["https://new.shop.example/*"]),
        "{read}"
    );
    assert_eq!(
        read["clients"][1]["roles"],
        json!([]),
        "overwriting web dropped its roles: {read}"
    );
}

#[test]
fn the_admin_client_deletes_a_realm_which_is_then_gone() {
    let keycloak = created_by_the_client(&realm_file(0, 1, "https://shop.example/*"));

    let results = admin_client(
        &keycloak,
        &json!([
            { "op": "deleteRealm", "realm": REALM },
            { "op": "findRealm", "realm": REALM },
            { "op": "listRealms" },
            { "op": "deleteRealm", "realm": REALM },
        ]),
    );

    ok(&results[0]);
    assert_eq!(
        ok(&results[1]),
        &Value::Null,
        "findOne answers null on a 404"
    );
    assert_eq!(ok(&results[2]), &json!(["master"]));
    assert_eq!(
        results[3]["failed"],
        json!({ "status": 404, "message": "Realm not found." }),
        "as any other request below a realm that is not there"
    );
}

#[test]
fn python_keycloak_reads_back_what_the_admin_client_created_page_by_page() {
    let file = realm_file(1, 120, "https://shop.example/*");
    let keycloak = created_by_the_client(&file);

    let results = python_client(&keycloak, &json!([{ "op": "read", "realm": REALM }]));

    let read = ok(&results[0]);
    assert_eq!(read, &as_read_back(&file));
    assert_eq!(
        read["users"].as_array().map(Vec::len),
        Some(120),
        "two pages of users"
    );
}

/// `read` with the user `username` of the read `from` added.
fn with_user(mut read: Value, from: &Value, username: &str) -> Value {
    let user = named(&from["users"], "username", username).clone();
    let users = read["users"].as_array_mut().unwrap();
    users.push(user);
    users.sort_by(|a, b| a["username"].as_str().cmp(&b["username"].as_str()));
    read["userCount"] = json!(users.len());
    read
}

fn applied(project: &RealmProject, version: &str) -> Run {
    let run = project.apply(version);
    assert_eq!(run.code, EXIT_SUCCESS, "apply {version}:\n{}", run.all());
    run
}

/// An emulator with a realm the admin client set up (created, then a user added by a partial
/// import), and a project whose realm file changes a client and adds a user.
fn set_up_by_the_client_then_planned() -> (Keycloak, RealmProject, Value) {
    let keycloak = created_by_the_client(&realm_file(1, 2, "https://shop.example/*"));
    let added =
        json!({ "users": [{ "username": "ops", "email": "ops@example.com", "enabled": true }] });
    let results = admin_client(
        &keycloak,
        &json!([{ "op": "partialImport", "realm": REALM, "policy": "SKIP", "rep": added }]),
    );
    assert_eq!(ok(&results[0])["added"], 1);
    let by_client = read_back(&keycloak);
    let project = RealmProject::new();
    project.plan_for(&keycloak, "");
    let mut file = realm_file(1, 2, "https://new.shop.example/*");
    file["users"]
        .as_array_mut()
        .unwrap()
        .push(json!({ "username": "dev", "enabled": true }));
    project.write_realm(&file);
    (keycloak, project, by_client)
}

#[test]
fn the_plugin_imports_over_a_realm_the_admin_client_set_up_and_the_client_reads_the_file_back() {
    let (keycloak, project, by_client) = set_up_by_the_client_then_planned();
    let file: Value = serde_json::from_slice(&project.realm_bytes()).unwrap();

    applied(&project, "v1");
    let expected = with_user(as_read_back(&file), &by_client, "ops");
    assert_eq!(
        read_back(&keycloak),
        expected,
        "the file's resources, and ops, which the file does not name"
    );

    let writes = keycloak.store().writes;
    applied(&project, "v2");
    assert_eq!(
        keycloak.store().writes,
        writes,
        "the unchanged re-run wrote nothing"
    );
    assert_eq!(read_back(&keycloak), expected);
}

#[test]
fn sluice_rollback_leaves_a_later_import_alone_and_the_older_file_applied_again_restores_it() {
    let (keycloak, project, _) = set_up_by_the_client_then_planned();
    applied(&project, "v1");
    let (at_v1, v1_file) = (read_back(&keycloak), project.realm_bytes());
    let mut file: Value = serde_json::from_slice(&v1_file).unwrap();
    file["clients"][0]["redirectUris"] = json!(["https://v2.shop.example/*"]);
    file["users"]
        .as_array_mut()
        .unwrap()
        .push(json!({ "username": "eve", "enabled": true }));
    project.write_realm(&file);
    applied(&project, "v2");
    let at_v2 = read_back(&keycloak);
    assert_ne!(at_v2, at_v1);

    let run = project.sluice(&["rollback", "--env", ENV, "--unit", "realm"]);
    assert_ne!(run.code, EXIT_SUCCESS, "{}", run.all());
    assert!(
        run.all().contains("apply the older realm file again"),
        "as docs/keycloak-realm.md says: {}",
        run.all()
    );
    assert_eq!(read_back(&keycloak), at_v2, "nothing was written");

    std::fs::write(project.dir.path().join("realm/shop.json"), v1_file).unwrap();
    applied(&project, "v3");
    let expected = with_user(at_v1, &at_v2, "eve");
    assert_eq!(
        read_back(&keycloak),
        expected,
        "v1's resources again; eve stays, as partialImport never deletes"
    );
}

#[test]
fn a_failed_gate_puts_back_exactly_what_the_admin_client_had_set_up() {
    let (keycloak, project, by_client) = set_up_by_the_client_then_planned();
    keycloak.set_ready(false);

    let run = project.apply("v1");

    assert_eq!(run.code, EXIT_ROLLED_BACK, "{}", run.all());
    assert_eq!(read_back(&keycloak), by_client);
}

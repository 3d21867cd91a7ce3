//! The `keycloak-realm` strategy against the Keycloak emulator: creating a realm, skipping an
//! unchanged file without a write, overwriting a changed client (and nothing else), restoring the
//! snapshot when a gate fails, refreshing an expired token, refusing wrong credentials, and
//! staying inside the `http` grant.

use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::support;
use crate::support::keycloak::project::{REALM, RealmProject, realm_file};
use crate::support::keycloak::{Keycloak, Options};
use crate::support::{EXIT_FAILED, EXIT_ROLLED_BACK, EXIT_SUCCESS, Run};

const CHECKSUM: &str = "de.adorsys.keycloak.config.import-checksum-default";

fn deployed(project: &RealmProject, version: &str) -> Run {
    let run = project.apply(version);
    assert_eq!(run.code, EXIT_SUCCESS, "apply {version}:\n{}", run.all());
    run
}

fn started(options: Options) -> (Keycloak, RealmProject) {
    let keycloak = Keycloak::start(options);
    let project = RealmProject::new();
    project.plan_for(&keycloak, "");
    project.write_realm(&realm_file(2, 3, "https://shop.example/*"));
    (keycloak, project)
}

fn id_of(value: Option<Value>) -> Value {
    value.map(|v| v["id"].clone()).unwrap_or_default()
}

#[test]
fn a_missing_realm_is_created_from_the_file_with_its_checksum() {
    let (keycloak, project) = started(Options::default());
    deployed(&project, "v1");

    let expected = hex::encode(Sha256::digest(project.realm_bytes()));
    assert_eq!(keycloak.attribute(REALM, CHECKSUM), Some(expected));
    let store = keycloak.store();
    let realm = store.realm(REALM).expect("the realm exists");
    assert_eq!(realm.settings["displayName"], "Shop");
    assert_eq!(realm.clients.len(), 4, "web, smoke and two apps");
    assert_eq!(realm.users.len(), 3);
    drop(store);
    let ann = keycloak.user(REALM, "user-0").unwrap();
    assert_eq!(ann["groups"], json!(["/staff"]));
    assert_eq!(ann["clientRoles"], json!({ "web": ["viewer"] }));
}

#[test]
fn an_unchanged_realm_file_is_skipped_without_a_single_write() {
    let (keycloak, project) = started(Options::default());
    deployed(&project, "v1");
    let writes = keycloak.store().writes;

    let plan = project.sluice(&["plan", "--env", "test", "--version", "v2"]);
    assert_eq!(plan.code, EXIT_SUCCESS, "{}", plan.all());
    let again = deployed(&project, "v2");
    assert!(
        again.all().contains("unchanged"),
        "the stage says why nothing happened: {}",
        again.all()
    );
    assert_eq!(keycloak.store().writes, writes, "no write reached Keycloak");
    assert!(
        !plan.all().contains("create realm") && !plan.all().contains("update client"),
        "{}",
        plan.all()
    );
}

#[test]
fn a_changed_client_is_overwritten_and_nothing_else_is_touched() {
    let (keycloak, project) = started(Options::default());
    deployed(&project, "v1");
    let (web, app, ann) = (
        id_of(keycloak.client(REALM, "web")),
        id_of(keycloak.client(REALM, "app-0")),
        id_of(keycloak.user(REALM, "user-1")),
    );

    project.write_realm(&realm_file(2, 3, "https://new.shop.example/*"));
    let plan = project.sluice(&["plan", "--env", "test", "--version", "v2"]);
    assert!(plan.all().contains("update client `web`"), "{}", plan.all());
    deployed(&project, "v2");

    let client = keycloak.client(REALM, "web").unwrap();
    assert_eq!(
        client["redirectUris"],
        json!(["https://new.shop.example/*"])
    );
    assert_ne!(client["id"], web, "overwritten: deleted and created anew");
    assert_eq!(
        id_of(keycloak.client(REALM, "app-0")),
        app,
        "an unchanged client stays"
    );
    assert_eq!(
        id_of(keycloak.user(REALM, "user-1")),
        ann,
        "an unchanged user stays"
    );
    let holder = keycloak.user(REALM, "user-0").unwrap();
    assert_eq!(
        holder["clientRoles"],
        json!({ "web": ["viewer"] }),
        "the holder of web's role was imported again after web was"
    );
}

#[test]
fn a_gate_failure_after_the_import_puts_the_realm_back_to_its_snapshot() {
    let (keycloak, project) = started(Options::default());
    deployed(&project, "v1");
    let checksum = keycloak.attribute(REALM, CHECKSUM);
    let before = keycloak.client(REALM, "web").unwrap();

    let mut changed = realm_file(2, 3, "https://new.shop.example/*");
    changed["users"]
        .as_array_mut()
        .unwrap()
        .push(json!({ "username": "eve", "enabled": true }));
    project.write_realm(&changed);
    keycloak.set_ready(false);
    let run = project.apply("v2");

    assert_eq!(run.code, EXIT_ROLLED_BACK, "{}", run.all());
    assert!(
        run.all().contains("HTTP 503"),
        "the reason names the gate: {}",
        run.all()
    );
    assert_eq!(keycloak.user(REALM, "eve"), None, "the added user is gone");
    let after = keycloak.client(REALM, "web").unwrap();
    assert_eq!(
        after["redirectUris"], before["redirectUris"],
        "the changed client is restored"
    );
    assert_eq!(keycloak.attribute(REALM, CHECKSUM), checksum);
    let holder = keycloak.user(REALM, "user-0").unwrap();
    assert_eq!(holder["clientRoles"], json!({ "web": ["viewer"] }));
}

#[test]
fn a_token_that_expires_mid_run_is_refreshed() {
    let (keycloak, project) = started(Options {
        token_uses: Some(1),
        ..Options::default()
    });
    deployed(&project, "v1");
    project.write_realm(&realm_file(2, 3, "https://new.shop.example/*"));
    deployed(&project, "v2");

    let store = keycloak.store();
    assert!(store.unauthorized > 0, "some token did expire mid-call");
    assert!(
        store.tokens_issued > store.unauthorized,
        "each was replaced"
    );
    drop(store);
    let client = keycloak.client(REALM, "web").unwrap();
    assert_eq!(
        client["redirectUris"],
        json!(["https://new.shop.example/*"])
    );
}

#[test]
fn wrong_credentials_fail_with_a_clear_error_and_change_nothing() {
    let (keycloak, mut project) = started(Options::default());
    project.admin_password = "not-the-password".into();
    let run = project.apply("v1");

    assert_eq!(run.code, EXIT_FAILED, "{}", run.all());
    assert!(
        run.all().contains("refused to sign in user `admin`")
            && run.all().contains("Invalid user credentials")
            && run.all().contains("kc_admin"),
        "{}",
        run.all()
    );
    assert!(
        !run.all().contains("not-the-password"),
        "the secret is redacted"
    );
    assert!(keycloak.store().realm(REALM).is_none());
}

#[test]
fn a_verify_client_that_cannot_sign_in_after_the_import_rolls_it_back() {
    let (keycloak, project) = started(Options::default());
    deployed(&project, "v1");
    project.plan_for(
        &keycloak,
        r#", verify = { client_id = "smoke", secret = "kc_smoke" }"#,
    );
    let mut broken = realm_file(2, 3, "https://shop.example/*");
    broken["clients"][1]["secret"] = json!("rotated-by-mistake");
    project.write_realm(&broken);

    let run = project.apply("v2");
    assert_eq!(run.code, EXIT_ROLLED_BACK, "{}", run.all());
    assert!(run.all().contains("client `smoke`"), "{}", run.all());
    let smoke = keycloak.client(REALM, "smoke").unwrap();
    assert_eq!(smoke["secret"], support::keycloak::project::SMOKE_SECRET);
}

#[test]
fn the_plugin_cannot_reach_a_keycloak_outside_its_grant() {
    let keycloak = Keycloak::start(Options::default());
    let other = Keycloak::start(Options::default());
    let project = RealmProject::new();
    project.plan(&keycloak, &keycloak.url(), &other.url(), "");
    project.write_realm(&realm_file(0, 1, "https://shop.example/*"));

    let run = project.apply("v1");
    assert_eq!(run.code, EXIT_FAILED, "{}", run.all());
    assert!(
        run.all().contains("denied") && run.all().contains("not granted"),
        "{}",
        run.all()
    );
    assert_eq!(
        other.store().requests,
        0,
        "nothing reached the ungranted origin"
    );
    assert!(other.store().realm(REALM).is_none());
}

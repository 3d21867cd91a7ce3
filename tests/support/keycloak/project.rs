//! A project that deploys a realm with the builtin `keycloak-realm` plugin to a [`Keycloak`]
//! emulator, and realm files to deploy.

use serde_json::{Value, json};

use super::Keycloak;
use crate::support::project::ENV;
use crate::support::{Run, sluice};

/// The realm every test deploys.
pub const REALM: &str = "shop";

/// The smoke client's secret (the `verify` client).
pub const SMOKE_SECRET: &str = "smoke-secret";

/// A plan directory with `realm/shop.json`, deploying to `keycloak`.
pub struct RealmProject {
    pub dir: tempfile::TempDir,
    pub admin_password: String,
}

impl RealmProject {
    /// A project signing in as the emulator's admin.
    pub fn new() -> RealmProject {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("realm")).unwrap();
        RealmProject {
            dir,
            admin_password: super::Options::default().admin_password,
        }
    }

    /// Writes the plan: the plugin granted `grant` (an origin), its `url` set to `url`, a gate on
    /// `keycloak`'s readiness, and `extra` appended to the unit's config.
    pub fn plan(&self, keycloak: &Keycloak, grant: &str, url: &str, extra: &str) {
        let plan = format!(
            r#"[project]
name = "identity"
[environments.{ENV}]
[secrets.kc_admin]
env = "KC_ADMIN_PASSWORD"
[secrets.kc_smoke]
env = "KC_SMOKE_SECRET"
[plugins.keycloak]
source = "builtin:keycloak-realm"
[plugins.keycloak.grants]
http = ["{grant}"]
secrets = ["kc_admin", "kc_smoke"]
files = [{{ path = "realm", at = "/realm" }}]
[plugins.keycloak.limits]
deadline = "2m"
[units.realm]
plugin = "keycloak"
config = {{ url = "{url}", realm = "{REALM}", files = ["/realm/shop.json"], auth = {{ grant = "password", username = "admin", secret = "kc_admin" }}{extra} }}
gates = [{{ http = "{ready}", body = "UP", interval = "50ms", failure_threshold = 2, deadline = "5s" }}]
"#,
            ready = keycloak.ready_url(),
        );
        std::fs::write(self.dir.path().join("sluice.toml"), plan).unwrap();
    }

    /// The plan for `keycloak`, granted and pointed at it.
    pub fn plan_for(&self, keycloak: &Keycloak, extra: &str) {
        self.plan(keycloak, &keycloak.url(), &keycloak.url(), extra);
    }

    /// Writes the realm file.
    pub fn write_realm(&self, realm: &Value) {
        let text = serde_json::to_string_pretty(realm).unwrap();
        std::fs::write(self.dir.path().join("realm/shop.json"), text).unwrap();
    }

    /// The realm file's bytes.
    pub fn realm_bytes(&self) -> Vec<u8> {
        std::fs::read(self.dir.path().join("realm/shop.json")).unwrap()
    }

    /// Runs `sluice ARGS` with the secrets set.
    pub fn sluice(&self, args: &[&str]) -> Run {
        sluice(self.dir.path())
            .args(args)
            .env("KC_ADMIN_PASSWORD", &self.admin_password)
            .env("KC_SMOKE_SECRET", SMOKE_SECRET)
            .output()
            .unwrap()
            .into()
    }

    /// `sluice apply` of `version`.
    pub fn apply(&self, version: &str) -> Run {
        self.sluice(&["apply", "--env", ENV, "--version", version])
    }
}

/// A realm file: a `web` client (redirecting to `web_redirect`), a confidential `smoke` client,
/// `clients` more clients, an `admin` realm role and a `viewer` role of `web`, a `staff` group,
/// and `users` users (`user-0`, ...), the first in `staff` with both roles.
pub fn realm_file(clients: usize, users: usize, web_redirect: &str) -> Value {
    let mut all_clients = vec![
        json!({ "clientId": "web", "redirectUris": [web_redirect], "publicClient": true }),
        json!({ "clientId": "smoke", "secret": SMOKE_SECRET, "serviceAccountsEnabled": true, "publicClient": false }),
    ];
    all_clients.extend((0..clients).map(|i| json!({ "clientId": format!("app-{i}"), "redirectUris": [format!("https://app-{i}.example/*")] })));
    let users: Vec<Value> = (0..users)
        .map(|i| {
            let mut user = json!({ "username": format!("user-{i}"), "email": format!("user-{i}@example.com"), "enabled": true });
            if i == 0 {
                user["groups"] = json!(["/staff"]);
                user["realmRoles"] = json!(["admin"]);
                user["clientRoles"] = json!({ "web": ["viewer"] });
            }
            user
        })
        .collect();
    json!({
        "realm": REALM,
        "enabled": true,
        "displayName": "Shop",
        "clients": all_clients,
        "roles": { "realm": [{ "name": "admin" }], "client": { "web": [{ "name": "viewer" }] } },
        "groups": [{ "name": "staff" }],
        "users": users,
    })
}

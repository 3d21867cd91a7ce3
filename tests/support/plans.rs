//! Plans more than one test file reads.

/// A plan that uses every section and every kind of grant: `tests/all/plan_errors.rs` checks each
/// value it spells out, `tests/all/robust_input.rs` mutates it.
pub const FULL_PLAN: &str = r#"[project]
name = "shop"

[state]
url = "sqlite:var/state.db"

[environments.staging]
[environments.production]
promote_from = "staging"
approval = true

[secrets.cf_token]
env = "CF_API_TOKEN"
[secrets.db_password]
file = "secrets/db.txt"

[databases.main]
url = "sqlite:data/app.db"

[docker.remote]
url = "tcp://10.0.0.5:2375"

[plugins.site]
source = "builtin:static-site"
[plugins.site.grants]
http = ["http://127.0.0.1:2019", { origin = "http://kong.internal:8001", internal = true }]
secrets = ["cf_token"]
files = [ { path = "site", at = "/site" }, { path = "www", at = "/www", mode = "read-write" } ]
containers = ["shop-api", "shop-api-*"]
images = ["shop-api"]
databases = ["main"]
docker = ["remote"]
[plugins.site.limits]
deadline = "30s"
memory = "128MiB"

[plugins.migrate]
source = "plugins/migrate.wasm"
sha256 = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

[units.schema]
plugin = "migrate"

[units.web]
plugin = "site"
config = { source = "/site", target = "/www", token = "${secret.cf_token}", tag = "v${version}" }
depends_on = ["schema"]
paths = ["site/**"]
shift = [10, 50]
gates = [
  { http = "${staged.endpoint}index.html", status = 200, body = "Hello", interval = "200ms", success_threshold = 2, deadline = "10s" },
  { tcp = "127.0.0.1:8765", phase = "live", soak = "2s" },
]
"#;

/// A plan whose unit `app` is deployed by the test plugin `plugin` (as `[plugins.leaky]`),
/// granted the secret `token` (from `$SLUICE_TEST_TOKEN`) but not `other` (from
/// `$SLUICE_TEST_OTHER`), with `state` (a `[state]` table, or nothing) after `[project]`.
pub fn secrets_plan(plugin: &str, state: &str) -> String {
    let wasm = super::test_plugin(plugin);
    format!(
        r#"[project]
name = "t"
{state}
[environments.test]
[secrets.token]
env = "SLUICE_TEST_TOKEN"
[secrets.other]
env = "SLUICE_TEST_OTHER"
[plugins.leaky]
source = {:?}
sha256 = "{}"
[plugins.leaky.grants]
secrets = ["token"]
[units.app]
plugin = "leaky"
config = {{ header = "Bearer ${{secret.token}}" }}
"#,
        wasm.display().to_string(),
        super::sha256_file(&wasm)
    )
}

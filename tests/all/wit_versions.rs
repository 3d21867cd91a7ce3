//! The contract per release: each released WIT is kept frozen in `wit/since_vX.Y.Z/`, the SDK
//! carries the host's current WIT, and a fixture built against each frozen release (the crates
//! `tests/plugins/wit-v0-1-*`: a strategy per release up to 0.1.2 and for 0.1.4 (its `services`
//! interface), a gate plugin for the `gate-plugin` world of 0.1.2 and a hook plugin for the
//! `hook-plugin` world of 0.1.3, the only addition of 0.1.3) loads in sluice and has every
//! import it calls answered.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use crate::support::docker::{docker, free_ports};
use crate::support::haproxy::{BACKEND, HaProxy};
use crate::support::{EXIT_SUCCESS, Run, images, sha256_file, sluice, swarm, test_plugin};
use axum::http::HeaderMap;

/// Every file of every frozen release and its sha256, as released. A frozen release never
/// changes: a new release is a new directory.
const FROZEN: &[(&str, &str)] = &[
    (
        "since_v0.1.0/containers.wit",
        "6704fb009cad26df87b85c56e289b0f3620bb7259496c2b571502d8e102e0f23",
    ),
    (
        "since_v0.1.0/http.wit",
        "f4f49cd4a14d8fc9564afc19b373ccaad4075900fb42438b024a8027898ad2ff",
    ),
    (
        "since_v0.1.0/log.wit",
        "a65e7532c31e37f16b33683d45e484543f865ff110747568e18b248a86f71ac5",
    ),
    (
        "since_v0.1.0/secrets.wit",
        "74c7592179a16177b1404369497b81d783c01cb1140bbcc34b9d98ef94035818",
    ),
    (
        "since_v0.1.0/sql.wit",
        "c74d080489b3d70d754f7630fa383cefc5ebd1ab31d57d35f9a8abd56403e670",
    ),
    (
        "since_v0.1.0/strategy.wit",
        "7515c6fe8ea2deb1b43810c29b2b442e59f7369ed4db835e8dba8d73a569944e",
    ),
    (
        "since_v0.1.0/types.wit",
        "92ae7b272f3fb3362a3a5daaedb4bcfd42109238710db8824837a20ec0bf5a12",
    ),
    (
        "since_v0.1.0/world.wit",
        "d01a82836afbf99aa847c372b67c106694e6bf9be4ab25cb273e9942e50f98a1",
    ),
    (
        "since_v0.1.1/containers.wit",
        "92680de58fccef135c7b83638e1bef71dedaaf8a29c1ef3b23ee086ac6b0f1bd",
    ),
    (
        "since_v0.1.1/http.wit",
        "b0cd051a39f6f03f896f69bd2a77e3da34e0f44d9462f3c20142e0cd7d962879",
    ),
    (
        "since_v0.1.1/log.wit",
        "67599fe16d5111c7f960ae94cacaffe0e1babbf9757b02e9c49aaee88ee37a4d",
    ),
    (
        "since_v0.1.1/plan-notes.wit",
        "84211994c16afa7aaf2b29d0f9766b53131bec5a35a6354a3a039abe14d7ec03",
    ),
    (
        "since_v0.1.1/secrets.wit",
        "db7c59cc9bbd064d62f46a74efbde38a2574e78ed4220ab89d4d8e1bcf98f43c",
    ),
    (
        "since_v0.1.1/sql.wit",
        "4817fbbfbb797f5b168b103b83bba240a16751c4395b5b32b9129a68f244d6c7",
    ),
    (
        "since_v0.1.1/strategy.wit",
        "bfd3c70b4bc6272a42d8da6734db5472775b1dfeb366bd776fe4fae6a694df3f",
    ),
    (
        "since_v0.1.1/types.wit",
        "4f40aab2b7d78d72e00565d1e5976e5ec1d767e75beb8f19354e57f168733aaa",
    ),
    (
        "since_v0.1.1/world.wit",
        "2aec419f62f96bc9e89856c3ec5d79c8939fa2142858ab27722ae7f138a8681a",
    ),
    (
        "since_v0.1.2/containers.wit",
        "c4fb18e2464ac65492866dc9987e76501425aa37556e1bf356d352d233cfc24a",
    ),
    (
        "since_v0.1.2/gate.wit",
        "03025c050457951d13b71bfcf901041c61a9f4aca97ac902e43f2ba5733a6448",
    ),
    (
        "since_v0.1.2/haproxy.wit",
        "ea57ab96261daa819af56a46bd54cd1918f35684727eb0c4b00528371aa1b81e",
    ),
    (
        "since_v0.1.2/http.wit",
        "07c3c17674bf3b6c12d3970cbdb51ab99cf12cedc48512f262111803cf85b83b",
    ),
    (
        "since_v0.1.2/log.wit",
        "34f83b8e0df109725be28fae45042e1b5f00256ada6d36ee36043c7e8b97cd04",
    ),
    (
        "since_v0.1.2/plan-notes.wit",
        "91557fbc236d8161eceb4d0f24a75fcf513ec0084809782338cf701f917579bb",
    ),
    (
        "since_v0.1.2/secrets.wit",
        "50f913857316d122a5c88309a3f5538bbfad0a052fada62416a656420bcfb069",
    ),
    (
        "since_v0.1.2/sql.wit",
        "ae844e9affd829c192d56b51ba7081c94ab2a11274112e28e9c5f047f8d95733",
    ),
    (
        "since_v0.1.2/strategy.wit",
        "204dc8ea00f31ea2441f35c7bd0dcf54557baeaafbe597e1e861558da24dfdc0",
    ),
    (
        "since_v0.1.2/types.wit",
        "70993e881f4d86ab3b6dab476ae3ff38b55ff2b1bf19c9e890c5ea6f2e3b7ffc",
    ),
    (
        "since_v0.1.2/world.wit",
        "db16ced022a4d2028e9ebdfcaa38eb9d0beb3e792887b39bb401db86f4df0a62",
    ),
    (
        "since_v0.1.3/containers.wit",
        "b87cc531108aa5210d692dda19258aeac14b2a76478a7b00a4116ee65e863326",
    ),
    (
        "since_v0.1.3/gate.wit",
        "508f6090eaffa66c312390c63469cf40bf0a79ffa177edf1988eb858e5c5e1a8",
    ),
    (
        "since_v0.1.3/haproxy.wit",
        "5bb446fb07047e2ab9651721bf9eee06707d468b60418a735394ca90152e0df8",
    ),
    (
        "since_v0.1.3/hook.wit",
        "58b3d37860536c20cb1475fee6626974bc4b39a68d68693762f93d05bbe00b33",
    ),
    (
        "since_v0.1.3/http.wit",
        "a331a036292f88413a1f980155107297fa20732fc4059e1d46d1be660de970ae",
    ),
    (
        "since_v0.1.3/log.wit",
        "9b66ac58eb1d0b8a986dfbbfa7f27656d1959eed5d486ebe3d163ec3b030e226",
    ),
    (
        "since_v0.1.3/plan-notes.wit",
        "959eb37ea9ca5ea531e1107f92d1d3565a0fdfd8d6fbf289cdfa42b287018aa6",
    ),
    (
        "since_v0.1.3/secrets.wit",
        "1bc35683466d346e619f2c0cb1a0b8187d2c53944964981acd1fa72c19cedfc0",
    ),
    (
        "since_v0.1.3/sql.wit",
        "cff2e4cc22cd5e50aba19a42cca4159492a8efb93ab8eab557958c5202fcab77",
    ),
    (
        "since_v0.1.3/strategy.wit",
        "eb3d87786531155d8ac1751f0fbee8bf61bd8f58a76af3f7aa344de4d11287ba",
    ),
    (
        "since_v0.1.3/types.wit",
        "eeb4a294559cc5954cfefd3f66b74a5d4f9cd6731cadd34c2541d16c8cdb008c",
    ),
    (
        "since_v0.1.3/world.wit",
        "129115318d744d5d473824a650fcdfaf0c934a21472a1bdb85a15e6dc52aca28",
    ),
    (
        "since_v0.1.4/containers.wit",
        "5aa6b60884ebe8994055886d1070497256fa9f8824c97bec4544223dfcc6708c",
    ),
    (
        "since_v0.1.4/gate.wit",
        "8c6562327fdd0c01485be1faf1b1d02ff94d39623a4a3d9ffafdccc91eb980d1",
    ),
    (
        "since_v0.1.4/haproxy.wit",
        "5253ca182c22205c370296f583dbf697fec4e5287212c6227846292953481fa2",
    ),
    (
        "since_v0.1.4/hook.wit",
        "6c03e61c7b5b327dbca8f0d7d9e76fcb0496d3e0ba937470ed0885af6af08154",
    ),
    (
        "since_v0.1.4/http.wit",
        "29e646bdba564e70c60a783b56e5540c22a3ec28228b59fd69ed0f94b84ce41e",
    ),
    (
        "since_v0.1.4/log.wit",
        "bfcbfc529289ec50f344f631bfdf2e8e5f023e532737afd8673cceb1895ff86f",
    ),
    (
        "since_v0.1.4/plan-notes.wit",
        "aaf269dec7837e199084f9ae0ce93de19e585b863f54b03ff673d1b3820e83e2",
    ),
    (
        "since_v0.1.4/secrets.wit",
        "05c3ee4e379b2e66220ab9191e7f65e288d8362eee9ac51b172d64d2ffaed073",
    ),
    (
        "since_v0.1.4/services.wit",
        "832ff2e66843f4cd9317cb6cfd0c56284438b1ef5ea3e8829048201ca1655b38",
    ),
    (
        "since_v0.1.4/sql.wit",
        "c3f19e1b61696fc1c1a6192969d54cf5ea01e8fda0d9b0dc7ddc3da9b9fb802a",
    ),
    (
        "since_v0.1.4/strategy.wit",
        "76d22103df2fd9b902a72000cdbfdb83c7f3d92d6de91b2e0ade53dc0b2050ba",
    ),
    (
        "since_v0.1.4/types.wit",
        "00ecd4102ac6e58735bfc02806c57d43f2c85cc72f8973f370aba8ef08d3bd6f",
    ),
    (
        "since_v0.1.4/world.wit",
        "952278d71fc6aa3e1f4c75137058e9d46c6da8ac32b1a65a382f057251624f63",
    ),
];

/// The secret the fixtures send to the loopback server.
const TOKEN: &str = "wit-fixture-token-7e3a";

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The `.wit` files directly in `dir`, by name.
fn wit_files(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("read {}: {e}", dir.display()))
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".wit"))
        .collect();
    names.sort();
    names
}

#[test]
fn every_frozen_release_is_byte_for_byte_what_was_released() {
    let wit = repo().join("wit");
    let mut on_disk: Vec<String> = std::fs::read_dir(&wit)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.is_dir())
        .flat_map(|dir| {
            let release = dir.file_name().unwrap().to_string_lossy().into_owned();
            wit_files(&dir)
                .into_iter()
                .map(move |name| format!("{release}/{name}"))
        })
        .collect();
    on_disk.sort();
    let recorded: Vec<&str> = FROZEN.iter().map(|(file, _)| *file).collect();
    assert_eq!(
        on_disk, recorded,
        "no file of a frozen release is added or removed"
    );
    for (file, sha256) in FROZEN {
        assert_eq!(
            sha256_file(&wit.join(file)),
            *sha256,
            "wit/{file} changed: a released WIT is frozen, a change goes into wit/ and a new release"
        );
    }
}

#[test]
fn every_frozen_release_declares_the_package_version_of_its_directory() {
    for (file, _) in FROZEN {
        let (release, _) = file.split_once('/').unwrap();
        let version = release.trim_start_matches("since_v");
        let text = std::fs::read_to_string(repo().join("wit").join(file)).unwrap();
        assert!(
            text.starts_with(&format!("package sluice:deploy@{version};")),
            "wit/{file} belongs to {version}"
        );
    }
}

/// Asserts that the `.wit` files of `copy` are those of `original`, byte for byte; `fix` says
/// what to do when they are not.
fn assert_same_wit(copy: &Path, original: &Path, fix: &str) {
    let (shown_copy, shown_original) = (shown(copy), shown(original));
    assert_eq!(
        wit_files(copy),
        wit_files(original),
        "{shown_copy} and {shown_original} hold the same files: {fix}"
    );
    for name in wit_files(original) {
        assert_eq!(
            std::fs::read_to_string(copy.join(&name)).unwrap(),
            std::fs::read_to_string(original.join(&name)).unwrap(),
            "{shown_copy}/{name} differs from {shown_original}/{name}: {fix}"
        );
    }
}

/// `path` relative to the repository, as messages show it.
fn shown(path: &Path) -> String {
    path.strip_prefix(repo())
        .unwrap_or(path)
        .display()
        .to_string()
}

/// The version a WIT file declares (`package sluice:deploy@X.Y.Z;`), as numbers.
fn package_version(file: &Path) -> (u32, u32, u32) {
    let text = std::fs::read_to_string(file).unwrap();
    let version = text
        .strip_prefix("package sluice:deploy@")
        .and_then(|rest| rest.split_once(';'))
        .map(|(version, _)| version)
        .unwrap_or_else(|| panic!("{} declares no sluice:deploy version", file.display()));
    let numbers: Vec<u32> = version.split('.').map(|n| n.parse().unwrap()).collect();
    (numbers[0], numbers[1], numbers[2])
}

#[test]
fn the_current_contract_is_its_release_byte_for_byte_until_it_declares_a_newer_version() {
    let wit = repo().join("wit");
    let current = package_version(&wit.join("world.wit"));
    let releases: std::collections::BTreeSet<&str> = FROZEN
        .iter()
        .map(|(file, _)| file.split_once('/').unwrap().0)
        .collect();
    for release in releases {
        let frozen = package_version(&wit.join(release).join("world.wit"));
        assert!(
            current >= frozen,
            "wit/ declares {current:?}, older than the release in wit/{release}"
        );
        if current == frozen {
            assert_same_wit(
                &wit,
                &wit.join(release),
                "a change to a released contract raises the package version in every wit/*.wit",
            );
        }
    }
}

#[test]
fn the_sdks_vendored_wit_is_the_hosts_contract() {
    assert_same_wit(
        &repo().join("plugins/sdk/wit"),
        &repo().join("wit"),
        "copy wit/*.wit into plugins/sdk/wit/",
    );
}

/// A loopback server that answers `hello` and keeps the `authorization` header of every request.
struct TokenServer {
    origin: String,
    seen: Arc<Mutex<Vec<String>>>,
    _runtime: tokio::runtime::Runtime,
}

impl TokenServer {
    fn start() -> TokenServer {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let record = Arc::clone(&seen);
        let app = axum::Router::new().route(
            "/hello",
            axum::routing::get(move |headers: HeaderMap| {
                let record = Arc::clone(&record);
                async move {
                    let token = headers
                        .get("authorization")
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or("none")
                        .to_owned();
                    record.lock().unwrap().push(token);
                    "hello"
                }
            }),
        );
        let (addr, runtime) = crate::support::http::serve(app, 1);
        TokenServer {
            origin: format!("http://{addr}"),
            seen,
            _runtime: runtime,
        }
    }

    fn tokens(&self) -> Vec<String> {
        self.seen.lock().unwrap().clone()
    }
}

/// What a test adds to the plan of a [`Contract`] (TOML text).
#[derive(Default)]
struct Additions {
    /// More grants of the fixture (`name = [...]` lines).
    grants: String,
    /// More pairs of the unit's config (`key = value, `).
    config: String,
    /// More keys of the unit (`gates = [...]`), then more tables.
    unit: String,
}

/// A project deploying the fixture `name` with every grant it needs.
struct Contract {
    dir: tempfile::TempDir,
    server: TokenServer,
}

impl Contract {
    fn new(name: &str) -> Contract {
        Contract::with(name, |_| Additions::default())
    }

    /// The project of [`Contract::new`], with what `add` (given the loopback server's origin)
    /// adds to its plan.
    fn with(name: &str, add: impl FnOnce(&str) -> Additions) -> Contract {
        let dir = tempfile::tempdir().unwrap();
        let server = TokenServer::start();
        let wasm = test_plugin(name);
        let origin = &server.origin;
        let Additions {
            grants,
            config,
            unit,
        } = add(origin);
        std::fs::write(
            dir.path().join("sluice.toml"),
            format!(
                r#"[project]
name = "contract"
[environments.test]
[secrets.token]
env = "WIT_FIXTURE_TOKEN"
[databases.main]
url = "sqlite:{db}"
[plugins.fixture]
source = {source:?}
sha256 = "{sha256}"
[plugins.fixture.grants]
http = ["{origin}"]
secrets = ["token"]
databases = ["main"]
containers = ["wit-fixture-*"]
{grants}
[units.contract]
plugin = "fixture"
config = {{ {config}url = "{origin}/hello", secret = "token", database = "main", container = "wit-fixture-absent" }}
{unit}
"#,
                db = dir.path().join("main.db").display(),
                source = wasm.display().to_string(),
                sha256 = sha256_file(&wasm),
            ),
        )
        .unwrap();
        Contract { dir, server }
    }

    fn sluice(&self, args: &[&str]) -> Run {
        sluice(self.dir.path())
            .env("WIT_FIXTURE_TOKEN", TOKEN)
            .args(args)
            .output()
            .unwrap()
            .into()
    }

    /// The component's `sluice:deploy` imports, as `sluice plugins inspect` lists them, sorted.
    fn imports(&self, name: &str) -> Vec<String> {
        let run = self.sluice(&[
            "plugins",
            "inspect",
            &test_plugin(name).display().to_string(),
            "--output",
            "json",
        ]);
        assert_eq!(run.code, EXIT_SUCCESS, "{}", run.all());
        let report: serde_json::Value = serde_json::from_str(run.stdout.trim()).unwrap();
        report["imports"]
            .as_array()
            .unwrap()
            .iter()
            .map(|import| import["name"].as_str().unwrap_or_default().to_owned())
            .filter(|name| name.starts_with("sluice:deploy/"))
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect()
    }

    /// The versions the fixture wrote into the database.
    fn deployed(&self) -> Vec<String> {
        let db = rusqlite::Connection::open(self.dir.path().join("main.db")).unwrap();
        let mut query = db.prepare("SELECT version FROM deployed").unwrap();
        query
            .query_map([], |row| row.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    }
}

/// Applies `v1` and checks that every 0.1.0 import answered: the log lines, the secret at the
/// server, the row in the database, the container lookup.
fn assert_every_010_import_answers(contract: &Contract, extra_apply_args: &[&str]) -> Run {
    let mut args = vec!["apply", "--env", "test", "--version", "v1"];
    args.extend_from_slice(extra_apply_args);
    let run = contract.sluice(&args);
    assert_eq!(run.code, EXIT_SUCCESS, "{}", run.all());
    let text = run.all();
    assert!(
        text.contains("http.send: 200 hello"),
        "log and http answered: {text}"
    );
    assert!(
        text.contains("containers.inspect wit-fixture-absent on") && text.contains(": absent"),
        "containers answered: {text}"
    );
    assert!(
        text.contains("sql.query: [[Value::Integer(1)]]"),
        "sql answered: {text}"
    );
    assert!(
        !text.contains(TOKEN),
        "the secret is redacted from the output: {text}"
    );
    assert_eq!(
        contract.deployed(),
        ["v1"],
        "the row sql inserted is in the database"
    );
    assert_eq!(
        contract.server.tokens().first().map(String::as_str),
        Some(format!("Bearer {TOKEN}").as_str()),
        "the secret reached the granted origin"
    );
    run
}

/// What the `plugin` world of 0.1.0 imports; later releases add to it.
const PLUGIN_WORLD_0_1_0: &[&str] = &["containers", "http", "log", "secrets", "sql", "types"];

/// The `sluice:deploy` interfaces of `release`, as a component built against it imports them.
fn interfaces(names: &[&str], release: &str) -> Vec<String> {
    let mut all: Vec<String> = names
        .iter()
        .map(|name| format!("sluice:deploy/{name}@{release}"))
        .collect();
    all.sort();
    all
}

#[test]
fn a_plugin_built_against_wit_0_1_0_imports_every_interface_of_it_and_each_answers() {
    let contract = Contract::new("wit-v0-1-0");
    assert_eq!(
        contract.imports("wit-v0-1-0"),
        interfaces(PLUGIN_WORLD_0_1_0, "0.1.0")
    );
    assert_every_010_import_answers(&contract, &[]);
    assert_eq!(contract.server.tokens().len(), 1, "one http.send");
}

/// Plans and applies `v1` and checks that every 0.1.1 import answered: what the 0.1.0 ones
/// answer ([`assert_every_010_import_answers`]), the plan note `sluice plan` shows and
/// `sluice apply` refuses without `--allow-irreversible`, and `http.send-all`.
fn assert_every_011_import_answers(contract: &Contract, fixture: &str) -> Run {
    let plan = contract.sluice(&["plan", "--env", "test", "--version", "v1"]);
    assert!(
        plan.all().contains(&format!(
            "contract fixture {fixture}: plan-notes reached the host"
        )),
        "sluice plan shows the plan note: {}",
        plan.all()
    );
    let refused = contract.sluice(&["apply", "--env", "test", "--version", "v1"]);
    assert_ne!(
        refused.code, EXIT_SUCCESS,
        "the note makes the deployment irreversible"
    );
    assert!(contract.server.tokens().is_empty(), "nothing was staged");
    let run = assert_every_010_import_answers(contract, &["--allow-irreversible"]);
    assert!(
        run.all().contains("http.send-all: [200, 200]"),
        "{}",
        run.all()
    );
    assert_eq!(
        contract.server.tokens(),
        vec![format!("Bearer {TOKEN}"); 3],
        "one http.send and two through http.send-all, each with the secret"
    );
    run
}

#[test]
fn a_plugin_built_against_wit_0_1_1_imports_every_interface_of_it_and_each_answers() {
    let contract = Contract::new("wit-v0-1-1");
    assert_eq!(
        contract.imports("wit-v0-1-1"),
        interfaces(&[PLUGIN_WORLD_0_1_0, &["plan-notes"]].concat(), "0.1.1")
    );
    assert_every_011_import_answers(&contract, "wit-v0-1-1");
}

/// Deploys the strategy fixture `fixture` of `release` (0.1.2 or later) with an HAProxy backend
/// and `more` (grants and config) added to its plan, checks it imports the 0.1.2 `plugin` world
/// and `added` (what later releases added to it), and that every import up to 0.1.2 answered:
/// what 0.1.1's do ([`assert_every_011_import_answers`]), and every `haproxy` function, without
/// a reload.
fn assert_every_012_import_answers(
    fixture: &str,
    release: &str,
    added: &[&str],
    more: Additions,
) -> Run {
    let haproxy = HaProxy::start();
    let [port] = free_ports();
    haproxy.add_server("stable", ([127, 0, 0, 1], port).into(), 100);
    let api = haproxy.api_address();
    let contract = Contract::with(fixture, |_| Additions {
        grants: format!("haproxy = [\"{api}/{BACKEND}\"]\n{}", more.grants),
        config: format!(
            "haproxy = {{ api = \"{api}\", backend = \"{BACKEND}\", server = \"stable\" }}, {}",
            more.config
        ),
        unit: more.unit,
    });
    assert_eq!(
        contract.imports(fixture),
        interfaces(
            &[PLUGIN_WORLD_0_1_0, &["plan-notes", "haproxy"], added].concat(),
            release
        )
    );
    let pid = haproxy.answering_pid();
    let run = assert_every_011_import_answers(&contract, fixture);
    let text = run.all();
    assert!(
        text.contains(&format!(
            "haproxy.list-servers: stable 127.0.0.1:{port} weight 42 AdminState::Ready, \
             wit-fixture-added 127.0.0.1:{port} weight 1 AdminState::Maint"
        )),
        "add-server, set-weight and set-state answered, as list-servers shows: {text}"
    );
    assert!(
        text.contains("haproxy.remove-server: wit-fixture-added removed"),
        "{text}"
    );
    assert_eq!(
        haproxy.weights(),
        [("stable".to_owned(), 42)].into(),
        "HAProxy has the weight the plugin set, and no longer the server it removed"
    );
    assert_eq!(haproxy.answering_pid(), pid, "without a reload");
    run
}

#[test]
fn a_plugin_built_against_wit_0_1_2_imports_every_interface_of_its_plugin_world_and_each_answers() {
    assert_every_012_import_answers("wit-v0-1-2", "0.1.2", &[], Additions::default());
}

#[test]
fn a_plugin_built_against_wit_0_1_4_imports_every_interface_of_its_plugin_world_and_each_answers() {
    images::ensure();
    swarm::ensure();
    let service = format!("wit-fixture-svc-{}", std::process::id());
    let _cleanup = swarm::ServiceGuard {
        name: service.clone(),
    };
    let run = assert_every_012_import_answers(
        "wit-v0-1-4",
        "0.1.4",
        &["services"],
        Additions {
            grants: format!(
                "services = [\"wit-fixture-*\"]\nimages = [\"{}\"]",
                images::REPOSITORY
            ),
            config: format!(
                "service = {{ name = \"{service}\", image = \"{}\" }}, ",
                images::V1
            ),
            ..Additions::default()
        },
    );
    let text = run.all();
    for answer in [
        format!("services.inspect {service}: absent"),
        format!("services.create {service}: runs {} (1 replica)", images::V1),
        format!("services.tasks {service}: answered"),
        format!("services.update {service}: accepted"),
        format!("services.rollback {service}: UpdateState::Rollback"),
        format!("services.remove {service}: removed"),
        "containers.image-pull registry.invalid/other/api:v1: denied".to_owned(),
    ] {
        assert!(text.contains(&answer), "{answer}: {text}");
    }
    let left = docker()
        .args(["service", "ls", "--quiet", "--filter"])
        .arg(format!("name={service}"))
        .output()
        .unwrap();
    assert!(left.stdout.is_empty(), "the fixture removed its service");
}

#[test]
fn a_gate_plugin_built_against_wit_0_1_2_gates_a_unit_and_each_of_its_imports_answers() {
    let wasm = test_plugin("wit-v0-1-2-gate");
    let contract = Contract::with("wit-v0-1-0", |origin| Additions {
        unit: format!(
            r#"gates = [{{ plugin = "gate", config = {{ url = "{origin}/hello", secret = "token" }}, interval = "100ms", failure_threshold = 1 }}]
[plugins.gate]
source = {source:?}
sha256 = "{sha256}"
[plugins.gate.grants]
http = ["{origin}"]
secrets = ["token"]"#,
            source = wasm.display().to_string(),
            sha256 = sha256_file(&wasm),
        ),
        ..Additions::default()
    });
    assert_eq!(
        contract.imports("wit-v0-1-2-gate"),
        interfaces(&["http", "log", "secrets", "types"], "0.1.2")
    );
    let run = assert_every_010_import_answers(&contract, &[]);
    let text = run.all();
    assert!(
        text.contains("gate fixture: log answered for v1"),
        "log answered: {text}"
    );
    assert!(
        text.contains("pass: v1 attempt 1: http.send with the secret: 200 hello"),
        "the gate passed on http's answer: {text}"
    );
    assert_eq!(
        contract.server.tokens(),
        vec![format!("Bearer {TOKEN}"); 2],
        "the strategy's http.send, then the gate's, which carried the secret"
    );
}

#[test]
fn a_hook_plugin_built_against_wit_0_1_3_is_told_of_a_deployment_and_each_of_its_imports_answers() {
    let wasm = test_plugin("wit-v0-1-3-hook");
    let contract = Contract::with("wit-v0-1-0", |origin| Additions {
        unit: format!(
            r#"[plugins.hook]
source = {source:?}
sha256 = "{sha256}"
[plugins.hook.grants]
http = ["{origin}"]
secrets = ["token"]
[hooks.fixture]
plugin = "hook"
config = {{ url = "{origin}/hello", secret = "token" }}"#,
            source = wasm.display().to_string(),
            sha256 = sha256_file(&wasm),
        ),
        ..Additions::default()
    });
    assert_eq!(
        contract.imports("wit-v0-1-3-hook"),
        interfaces(&["http", "log", "secrets", "types"], "0.1.3")
    );
    let run = assert_every_010_import_answers(&contract, &[]);
    let text = run.all();
    assert!(
        text.contains("hook fixture: log answered for unit-succeeded of contract in test"),
        "log answered: {text}"
    );
    assert!(
        !text.contains("hook-failed") && !text.contains("warning: hook"),
        "{text}"
    );
    assert_eq!(
        contract.server.tokens(),
        vec![format!("Bearer {TOKEN}"); 4],
        "the strategy's http.send, then the hook's for deployment-started, unit-succeeded and \
         deployment-finished, each with the secret"
    );
}

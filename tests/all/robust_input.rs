//! Robust input: arbitrary text and mutations of valid plans given to the plan parser, and
//! arbitrary and mutated configs given to the builtin plugins' validation (their JSON Schema and
//! their `validate`), end in a value or an error, never a panic in sluice and never a trap in a
//! plugin. A plan error always points at a line and column inside the text. Each property runs a
//! bounded number of cases (`SLUICE_PROPTEST_CASES`, default 256) so `make test` stays fast.

use std::cell::RefCell;
use std::path::Path;
use std::sync::Arc;

use crate::support::plans::FULL_PLAN;
use proptest::prelude::*;
use proptest::sample::Index;
use proptest::test_runner::{Config, TestRunner};
use serde_json::{Value, json};
use sluice::orchestrate::{Deployer, Inputs, OrchestrateError};
use sluice::plan::{self, PlanError};
use sluice::redact::Redactor;
use sluice::report::{self, Format};
use sluice::runtime::{Runtime, RuntimeError};
use sluice::state::sqlite::SqliteStore;

/// Plans every mutation starts from: the examples, and one that uses every section.
const BASE_PLANS: [&str; 3] = [
    include_str!("../../examples/quickstart/sluice.toml"),
    include_str!("../../examples/blue-green/sluice.toml"),
    FULL_PLAN,
];

/// Snippets a mutation inserts: TOML syntax, plan keys, references, odd characters.
const SNIPPETS: &[&str] = &[
    "\"",
    "'",
    "[",
    "]",
    "{",
    "}",
    "=",
    ",",
    "\n",
    "#",
    ".",
    "[[",
    "]]",
    "\"\"\"",
    "\\",
    "${",
    "${version}",
    "${secret.",
    "${staged.endpoint}",
    "${staged.endpoints.99}",
    "..",
    "*",
    "-1",
    "0",
    "1e999",
    "99999999999999999999",
    "true",
    "inf",
    "nan",
    "1979-05-27T07:32:00Z",
    "\u{0}",
    "\u{202e}",
    "é",
    "𝕏",
    "\t",
    "\r\n",
    "units",
    "plugins",
    "gates",
    "grants",
    "deadline = \"0s\"",
    "memory = 0",
    "memory = \"99999999GiB\"",
    "interval = \"\"",
    "http = [\"ftp://x\"]",
    "http = [{ origin = \"http://10.0.0.1\", internal = true }]",
    "files = [{ path = \"/\", at = \"..\" }]",
    "depends_on = [\"web\"]",
    "shift = [101]",
    "source = \"builtin:\"",
    "sha256 = \"zz\"",
    "phase = \"never\"",
    "status = 1000",
    "[units.x]",
    "[plugins.p]",
    "plugin = \"nope\"",
    "[environments.e]",
    "promote_from = \"e\"",
];

fn cases() -> u32 {
    std::env::var("SLUICE_PROPTEST_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(256)
}

fn runner() -> TestRunner {
    TestRunner::new(Config {
        cases: cases(),
        failure_persistence: None,
        ..Config::default()
    })
}

/// Parses `text` as a plan: it must load or fail with an error at a place inside `text`.
fn parse_checked(text: &str) -> Result<(), TestCaseError> {
    let file = Path::new("/fuzz/sluice.toml");
    match plan::parse(text, file) {
        Ok(_) => Ok(()),
        Err(error) => check_location(&error, file, text),
    }
}

fn check_location(error: &PlanError, file: &Path, text: &str) -> Result<(), TestCaseError> {
    let lines = text.split('\n').count();
    let shown = error.to_string();
    prop_assert!(
        (1..=lines).contains(&error.line) && error.col >= 1,
        "error outside the text ({lines} lines): {shown}"
    );
    prop_assert!(
        shown.starts_with(&format!(
            "{}:{}:{}: ",
            file.display(),
            error.line,
            error.col
        )),
        "{shown}"
    );
    prop_assert!(!error.message.is_empty());
    Ok(())
}

/// One edit of a text: delete a range, insert a snippet, duplicate or drop a line.
#[derive(Debug, Clone)]
enum Edit {
    Delete(Index, u8),
    Insert(Index, Index),
    DuplicateLine(Index),
    DropLine(Index),
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        (any::<Index>(), 1..40u8).prop_map(|(at, len)| Edit::Delete(at, len)),
        (any::<Index>(), any::<Index>()).prop_map(|(at, what)| Edit::Insert(at, what)),
        any::<Index>().prop_map(Edit::DuplicateLine),
        any::<Index>().prop_map(Edit::DropLine),
    ]
}

fn apply(text: &str, edit: &Edit) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut lines: Vec<&str> = text.split('\n').collect();
    match edit {
        Edit::Delete(at, len) if !chars.is_empty() => {
            let start = at.index(chars.len());
            let end = (start + usize::from(*len)).min(chars.len());
            chars[..start].iter().chain(&chars[end..]).collect()
        }
        Edit::Insert(at, what) => {
            let at = at.index(chars.len() + 1);
            let snippet = SNIPPETS[what.index(SNIPPETS.len())];
            let mut out: String = chars[..at].iter().collect();
            out.push_str(snippet);
            out.extend(&chars[at..]);
            out
        }
        Edit::DuplicateLine(at) => {
            let line = lines[at.index(lines.len())];
            lines.insert(at.index(lines.len()), line);
            lines.join("\n")
        }
        Edit::DropLine(at) => {
            lines.remove(at.index(lines.len()));
            lines.join("\n")
        }
        Edit::Delete(..) => text.to_owned(),
    }
}

#[test]
fn arbitrary_text_is_a_plan_or_an_error_at_a_place_in_it() {
    runner()
        .run(&any::<String>(), |text| parse_checked(&text))
        .unwrap();
}

#[test]
fn a_mutated_valid_plan_is_a_plan_or_an_error_at_a_place_in_it() {
    let mutations = (0..BASE_PLANS.len(), prop::collection::vec(edit(), 1..6));
    runner()
        .run(&mutations, |(base, edits)| {
            let text = edits
                .iter()
                .fold(BASE_PLANS[base].to_owned(), |text, e| apply(&text, e));
            parse_checked(&text)
        })
        .unwrap();
}

/// A deployer for a plan with one unit per builtin plugin, whose configs the properties replace.
struct Validation {
    deployer: Deployer,
    tokio: tokio::runtime::Runtime,
    _runtime: Runtime,
    _dir: tempfile::TempDir,
}

/// One unit per builtin plugin; the properties set their configs.
const VALIDATION_PLAN: &str = r#"[project]
name = "v"
[environments.test]
[plugins.static-site]
source = "builtin:static-site"
[plugins.static-site.grants]
files = [{ path = "site", at = "/site" }, { path = "www", at = "/www", mode = "read-write" }]
[plugins.container]
source = "builtin:container"
[plugins.container.grants]
containers = ["shop-api-*"]
images = ["shop-api"]
http = ["http://127.0.0.1:2019"]
[units.site]
plugin = "static-site"
[units.api]
plugin = "container"
"#;

/// Each builtin plugin's unit with a valid config for it.
const BUILTIN_UNITS: [(&str, &str); 2] = [("site", "static-site"), ("api", "container")];

fn valid_config(unit: &str) -> Value {
    match unit {
        "site" => {
            json!({ "source": "/site", "target": "/www", "keep": 3, "public_url": "http://127.0.0.1:8765" })
        }
        _ => json!({
            "mode": "blue-green", "name": "shop-api", "image": "shop-api:${version}", "port": 8080,
            "host_ports": [18080, 18081], "health_path": "/health", "keep_images": 3,
            "router": { "caddy": "http://127.0.0.1:2019", "route": "shop-api", "listen": "127.0.0.1:8080" }
        }),
    }
}

impl Validation {
    fn new() -> Validation {
        let dir = tempfile::tempdir().unwrap();
        for sub in ["site", "www"] {
            std::fs::create_dir_all(dir.path().join(sub)).unwrap();
        }
        let file = dir.path().join("sluice.toml");
        std::fs::write(&file, VALIDATION_PLAN).unwrap();
        let plan = plan::load(&file).unwrap();
        let store = Arc::new(SqliteStore::open(&dir.path().join("state.db")).unwrap());
        let runtime =
            Runtime::new(Path::new(env!("CARGO_TARGET_TMPDIR")).join("component-cache")).unwrap();
        let redactor = Redactor::default();
        let deployer = Deployer::new(
            plan,
            Inputs {
                environment: "test".into(),
                actor: "proptest".into(),
                commit: None,
                record: None,
            },
            store,
            &runtime,
            report::reporter(
                Format::Json,
                redactor.clone(),
                0,
                &report::Extras::default(),
            ),
            redactor,
        )
        .unwrap();
        Validation {
            deployer,
            tokio: tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap(),
            _runtime: runtime,
            _dir: dir,
        }
    }

    /// Validates every unit with `config` for `unit`: a value or an error, never a trap.
    fn check(&mut self, unit: &str, config: Value) -> Result<(), TestCaseError> {
        for (name, _) in BUILTIN_UNITS {
            let value = if name == unit {
                config.clone()
            } else {
                valid_config(name)
            };
            if let Some(u) = self.deployer.plan.units.get_mut(name) {
                u.config = value;
            }
        }
        match self.tokio.block_on(self.deployer.validate_configs("1.0.0")) {
            Err(OrchestrateError::Runtime(error)) => Err(TestCaseError::fail(format!(
                "the plugin of `{unit}` failed: {error:#}"
            ))),
            Err(OrchestrateError::Plan(error)) => {
                let file = &self.deployer.plan.file;
                check_location(&error, file, &std::fs::read_to_string(file).unwrap())
            }
            _ => Ok(()),
        }
    }

    /// Gives `text` straight to `unit`'s plugin's `validate`, without the schema in front.
    fn check_raw(&self, unit: &str, text: &str) -> Result<(), TestCaseError> {
        let unit = &self.deployer.plan.units[unit];
        let plugin = self.deployer.plugin(unit).unwrap();
        let provision = self.deployer.provision(unit, "1.0.0", "proptest");
        match self.tokio.block_on(plugin.validate(&provision, text)) {
            Err(error @ RuntimeError::Trap { .. }) => {
                Err(TestCaseError::fail(format!("{error:#}")))
            }
            Err(error) => Err(TestCaseError::fail(format!("not a value: {error:#}"))),
            Ok(_) => Ok(()),
        }
    }
}

/// Any JSON value, a few levels deep.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<f64>().prop_map(|f| json!(f)),
        any::<String>().prop_map(Value::String),
        prop::sample::select(SNIPPETS).prop_map(|s| json!(s)),
    ];
    leaf.prop_recursive(3, 32, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map(
                prop_oneof![
                    any::<String>(),
                    prop::sample::select(CONFIG_KEYS).prop_map(str::to_owned)
                ],
                inner,
                0..6
            )
            .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// The keys the builtin plugins' configs use, so mutations reach past "unknown key".
const CONFIG_KEYS: &[&str] = &[
    "source",
    "target",
    "keep",
    "public_url",
    "mode",
    "name",
    "image",
    "port",
    "host_ports",
    "health_path",
    "keep_images",
    "router",
    "caddy",
    "route",
    "listen",
    "env",
    "cmd",
];

/// A valid config with one key replaced by `value` (or removed when `value` is null).
fn mutated(unit: &str, key: &Index, value: Value) -> Value {
    let mut config = valid_config(unit);
    let object = config.as_object_mut().unwrap();
    let keys: Vec<String> = object.keys().cloned().collect();
    let key = &keys[key.index(keys.len())];
    if value.is_null() {
        object.remove(key);
    } else {
        object.insert(key.clone(), value);
    }
    config
}

#[test]
fn any_json_config_is_valid_or_refused_by_the_builtin_plugins_without_a_trap() {
    let validation = RefCell::new(Validation::new());
    let mut runner = runner();
    let cases = (prop::sample::select(&BUILTIN_UNITS[..]), json_value());
    runner
        .run(&cases, |((unit, _), config)| {
            validation.borrow_mut().check(unit, config)
        })
        .unwrap();
}

#[test]
fn a_valid_config_with_one_value_changed_is_valid_or_refused_without_a_trap() {
    let validation = RefCell::new(Validation::new());
    let mut runner = runner();
    let cases = (
        prop::sample::select(&BUILTIN_UNITS[..]),
        any::<Index>(),
        json_value(),
    );
    runner
        .run(&cases, |((unit, _), key, value)| {
            validation
                .borrow_mut()
                .check(unit, mutated(unit, &key, value))
        })
        .unwrap();
}

#[test]
fn any_text_given_straight_to_a_builtin_plugins_validate_is_answered_without_a_trap() {
    let validation = Validation::new();
    let mut runner = runner();
    let texts = prop_oneof![any::<String>(), json_value().prop_map(|v| v.to_string()),];
    let cases = (prop::sample::select(&BUILTIN_UNITS[..]), texts);
    runner
        .run(&cases, |((unit, _), text)| {
            validation.check_raw(unit, &text)
        })
        .unwrap();
}

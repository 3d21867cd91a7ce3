//! Cross-reference checks on a converted plan: every name a plan mentions is declared, the unit
//! graph has no cycle, and every `${...}` reference is known and allowed where it appears.

use serde_json::Value as Json;

use super::error::PlanError;
use super::graph::find_cycle;
use super::interpolate::{Reference, references};
use super::model::{DEFAULT_DOCKER_ENGINE, GateCheck, Plan, PluginDecl, StateConfig, Unit};

/// Checks everything that spans more than one table; the first problem is returned.
pub(super) fn check(plan: &Plan) -> Result<(), PlanError> {
    check_environments(plan)?;
    check_grants(plan)?;
    check_units(plan)?;
    check_hooks(plan)?;
    super::groups::check(plan)?;
    super::registries::check(plan)?;
    if let Some(cycle) = find_cycle(plan) {
        return Err(error(
            plan,
            &["units", &cycle[0], "depends_on"],
            format!(
                "dependency cycle: {}: expected `depends_on` to form no cycle",
                cycle.join(" -> ")
            ),
        ));
    }
    check_references(plan)
}

fn error(plan: &Plan, path: &[&str], message: impl Into<String>) -> PlanError {
    PlanError::at(plan, plan.locate(path), message)
}

/// The declared names, quoted, as an "expected one of ..." phrase.
fn declared<'a>(names: impl Iterator<Item = &'a String>) -> String {
    let listed: Vec<String> = names.map(|name| format!("`{name}`")).collect();
    if listed.is_empty() {
        "none are declared".to_owned()
    } else {
        format!("expected one of {}", listed.join(", "))
    }
}

fn check_environments(plan: &Plan) -> Result<(), PlanError> {
    for (name, environment) in &plan.environments {
        let Some(source) = &environment.promote_from else {
            continue;
        };
        if source == name || !plan.environments.contains_key(source) {
            let others = plan.environments.keys().filter(|other| *other != name);
            return Err(error(
                plan,
                &["environments", name, "promote_from"],
                format!(
                    "unknown environment `{source}` to promote from: {}",
                    declared(others)
                ),
            ));
        }
    }
    Ok(())
}

fn check_grants(plan: &Plan) -> Result<(), PlanError> {
    for (name, plugin) in &plan.plugins {
        for (position, secret) in plugin.grants.secrets.iter().enumerate() {
            if !plan.secrets.contains_key(secret) {
                return Err(error(
                    plan,
                    &["plugins", name, "grants", "secrets", &position.to_string()],
                    format!(
                        "undeclared secret `{secret}`: declare it in a `[secrets.{secret}]` table"
                    ),
                ));
            }
        }
        for (position, database) in plugin.grants.databases.iter().enumerate() {
            if !plan.databases.contains_key(database) {
                return Err(error(
                    plan,
                    &[
                        "plugins",
                        name,
                        "grants",
                        "databases",
                        &position.to_string(),
                    ],
                    format!(
                        "undeclared database `{database}`: declare it in a `[databases.{database}]` table"
                    ),
                ));
            }
        }
        for (position, engine) in plugin.grants.docker.iter().enumerate() {
            if engine != DEFAULT_DOCKER_ENGINE && !plan.docker.contains_key(engine) {
                return Err(error(
                    plan,
                    &["plugins", name, "grants", "docker", &position.to_string()],
                    format!(
                        "undeclared docker engine `{engine}`: declare it in a `[docker.{engine}]` table, \
                         or grant `{DEFAULT_DOCKER_ENGINE}` ($DOCKER_HOST)"
                    ),
                ));
            }
        }
    }
    Ok(())
}

fn check_units(plan: &Plan) -> Result<(), PlanError> {
    for (name, unit) in &plan.units {
        if !plan.plugins.contains_key(&unit.plugin) {
            return Err(error(
                plan,
                &["units", name, "plugin"],
                format!(
                    "unknown plugin `{}`: {} in `[plugins]`",
                    unit.plugin,
                    declared(plan.plugins.keys())
                ),
            ));
        }
        check_engines(plan, unit)?;
        for (position, gate) in unit.gates.iter().enumerate() {
            if let GateCheck::Plugin { plugin, .. } = &gate.check
                && !plan.plugins.contains_key(plugin)
            {
                return Err(error(
                    plan,
                    &["units", name, "gates", &position.to_string(), "plugin"],
                    format!(
                        "unknown gate plugin `{plugin}`: {} in `[plugins]`",
                        declared(plan.plugins.keys())
                    ),
                ));
            }
        }
        for (position, dependency) in unit.depends_on.iter().enumerate() {
            if dependency == name || !plan.units.contains_key(dependency) {
                let others = plan.units.keys().filter(|other| *other != name);
                return Err(error(
                    plan,
                    &["units", name, "depends_on", &position.to_string()],
                    format!(
                        "unknown unit `{dependency}` in depends_on: {}",
                        declared(others)
                    ),
                ));
            }
        }
    }
    Ok(())
}

/// A fleet's `engines`: each declared in `[docker]` (or `default`), listed once, and granted to
/// the unit's plugin, which must be granted containers or images.
fn check_hooks(plan: &Plan) -> Result<(), PlanError> {
    for (name, hook) in &plan.hooks {
        if !plan.plugins.contains_key(&hook.plugin) {
            return Err(error(
                plan,
                &["hooks", name, "plugin"],
                format!(
                    "unknown hook plugin `{}`: {} in `[plugins]`",
                    hook.plugin,
                    declared(plan.plugins.keys())
                ),
            ));
        }
    }
    Ok(())
}

fn check_engines(plan: &Plan, unit: &Unit) -> Result<(), PlanError> {
    let plugin = plan.plugin_for(unit);
    let grants = &plugin.grants;
    for (position, engine) in unit.engines.iter().enumerate() {
        let path = ["units", &unit.name, "engines", &position.to_string()];
        let granted = if grants.docker.is_empty() {
            engine == DEFAULT_DOCKER_ENGINE
        } else {
            grants.docker.contains(engine)
        };
        let problem = if engine != DEFAULT_DOCKER_ENGINE && !plan.docker.contains_key(engine) {
            format!(
                "undeclared docker engine `{engine}`: declare it in a `[docker.{engine}]` table"
            )
        } else if unit.engines[..position].contains(engine) {
            format!("engine `{engine}` is listed twice: expected each engine once")
        } else if !grants.reaches_docker() {
            format!(
                "plugin `{}` is granted no containers, images or services, so it cannot deploy to engine `{engine}`",
                plugin.name
            )
        } else if !granted {
            format!(
                "engine `{engine}` is not granted to plugin `{}`: add it to `docker` in `[plugins.{}.grants]`",
                plugin.name, plugin.name
            )
        } else {
            continue;
        };
        return Err(error(plan, &path, problem));
    }
    Ok(())
}

/// Where a string with `${...}` references appears, which decides what it may reference.
#[derive(Clone, Copy)]
enum Place<'a> {
    /// A unit's `config`, resolved before staging, for this plugin; `fleet` when the unit lists
    /// `engines`.
    UnitConfig { plugin: &'a PluginDecl, fleet: bool },
    /// A gate of a unit deployed by this plugin.
    Gate { plugin: &'a PluginDecl, fleet: bool },
    /// A hook's `config`, for this plugin: resolved once per run, for no unit.
    Hook { plugin: &'a PluginDecl },
    /// A `[databases.NAME] url`.
    DatabaseUrl,
    /// The `[state] url`.
    StateUrl,
}

impl Place<'_> {
    fn expected(self) -> &'static str {
        match self {
            Place::UnitConfig { fleet: false, .. } => {
                "expected one of version, environment, unit, project, secret.NAME"
            }
            Place::UnitConfig { fleet: true, .. } => {
                "expected one of version, environment, unit, project, secret.NAME, engine, \
                 engine.address"
            }
            Place::Gate { fleet: false, .. } => {
                "expected one of version, environment, unit, project, staged.endpoint, \
                 staged.endpoints.N, secret.NAME"
            }
            Place::Gate { fleet: true, .. } => {
                "expected one of version, environment, unit, project, staged.endpoint, \
                 staged.endpoints.N, secret.NAME, engine, engine.address"
            }
            Place::DatabaseUrl => "expected one of environment, project, secret.NAME",
            Place::Hook { .. } => {
                "expected one of environment, project, secret.NAME (the version, unit and outcome \
                 are in the event the hook is told of)"
            }
            Place::StateUrl => "expected secret.NAME (the state is shared by every environment)",
        }
    }

    fn in_fleet(self) -> bool {
        matches!(
            self,
            Place::UnitConfig { fleet: true, .. } | Place::Gate { fleet: true, .. }
        )
    }
}

fn check_references(plan: &Plan) -> Result<(), PlanError> {
    if let StateConfig::Postgres(url) = &plan.state {
        check_string(plan, url, &["state", "url"], Place::StateUrl)?;
    }
    for (name, database) in &plan.databases {
        check_string(
            plan,
            &database.url,
            &["databases", name, "url"],
            Place::DatabaseUrl,
        )?;
    }
    for (name, unit) in &plan.units {
        let plugin = plan.plugin_for(unit);
        let fleet = unit.is_fleet();
        let mut path = vec!["units".to_owned(), name.clone(), "config".to_owned()];
        check_json(
            plan,
            &unit.config,
            &mut path,
            Place::UnitConfig { plugin, fleet },
        )?;
        for (position, gate) in unit.gates.iter().enumerate() {
            let position = position.to_string();
            let strings: Vec<(&str, &str)> = match &gate.check {
                GateCheck::Http { url, body, .. } => std::iter::once(("http", url.as_str()))
                    .chain(body.as_deref().map(|body| ("body", body)))
                    .collect(),
                GateCheck::Tcp { address } => vec![("tcp", address.as_str())],
                GateCheck::Plugin {
                    plugin: gate_plugin,
                    config,
                    ..
                } => {
                    // A secret in a gate plugin's config goes to that plugin: it must be granted it.
                    let mut path = ["units", name, "gates", &position, "config"]
                        .map(str::to_owned)
                        .to_vec();
                    let place = Place::Gate {
                        plugin: &plan.plugins[gate_plugin],
                        fleet,
                    };
                    check_json(plan, config, &mut path, place)?;
                    continue;
                }
            };
            for (key, text) in strings {
                check_string(
                    plan,
                    text,
                    &["units", name, "gates", &position, key],
                    Place::Gate { plugin, fleet },
                )?;
            }
        }
    }
    for (name, hook) in &plan.hooks {
        let mut path = vec!["hooks".to_owned(), name.clone(), "config".to_owned()];
        let plugin = &plan.plugins[&hook.plugin];
        check_json(plan, &hook.config, &mut path, Place::Hook { plugin })?;
    }
    Ok(())
}

fn check_json(
    plan: &Plan,
    value: &Json,
    path: &mut Vec<String>,
    place: Place<'_>,
) -> Result<(), PlanError> {
    let children: Vec<(String, &Json)> = match value {
        Json::String(text) => {
            let keys: Vec<&str> = path.iter().map(String::as_str).collect();
            return check_string(plan, text, &keys, place);
        }
        Json::Array(items) => items
            .iter()
            .enumerate()
            .map(|(position, item)| (position.to_string(), item))
            .collect(),
        Json::Object(fields) => fields
            .iter()
            .map(|(key, item)| (key.clone(), item))
            .collect(),
        _ => return Ok(()),
    };
    for (key, item) in children {
        path.push(key);
        let checked = check_json(plan, item, path, place);
        path.pop();
        checked?;
    }
    Ok(())
}

fn check_string(plan: &Plan, text: &str, path: &[&str], place: Place<'_>) -> Result<(), PlanError> {
    let names = references(text).map_err(|problem| error(plan, path, problem.to_string()))?;
    for name in names {
        let problem = match (Reference::parse(name), place) {
            (None, _) => Some(format!(
                "unknown reference `${{{name}}}`: {}",
                place.expected()
            )),
            (Some(Reference::StagedEndpoint(_)), Place::UnitConfig { .. }) => Some(format!(
                "`${{{name}}}` cannot be used in a unit's config, which is resolved before staging: \
                 only gates may refer to staged endpoints"
            )),
            (
                Some(Reference::Version | Reference::Unit | Reference::StagedEndpoint(_)),
                Place::DatabaseUrl,
            ) => Some(format!(
                "`${{{name}}}` cannot be used in a database url: {}",
                place.expected()
            )),
            (
                Some(
                    Reference::Version
                    | Reference::Unit
                    | Reference::StagedEndpoint(_)
                    | Reference::Engine
                    | Reference::EngineAddress,
                ),
                Place::Hook { .. },
            ) => Some(format!(
                "`${{{name}}}` cannot be used in a hook's config: {}",
                place.expected()
            )),
            (Some(Reference::Secret(secret)), Place::StateUrl) => {
                secret_problem(plan, &secret, place)
            }
            (Some(_), Place::StateUrl) => Some(format!(
                "`${{{name}}}` cannot be used in the state url: {}",
                place.expected()
            )),
            (Some(Reference::Engine | Reference::EngineAddress), place) if !place.in_fleet() => {
                Some(format!(
                    "`${{{name}}}` names the engine of a fleet member: only a unit that lists \
                     `engines` may use it"
                ))
            }
            (Some(Reference::Secret(secret)), place) => secret_problem(plan, &secret, place),
            _ => None,
        };
        if let Some(message) = problem {
            return Err(error(plan, path, message));
        }
    }
    Ok(())
}

fn secret_problem(plan: &Plan, secret: &str, place: Place<'_>) -> Option<String> {
    if !plan.secrets.contains_key(secret) {
        return Some(format!(
            "undeclared secret `{secret}` in `${{secret.{secret}}}`: declare it in a `[secrets.{secret}]` table"
        ));
    }
    let plugin = match place {
        Place::UnitConfig { plugin, .. } | Place::Gate { plugin, .. } | Place::Hook { plugin } => {
            plugin
        }
        Place::DatabaseUrl | Place::StateUrl => return None,
    };
    let granted = plugin.grants.secrets.iter().any(|name| name == secret);
    (!granted).then(|| {
        format!(
            "secret `{secret}` is not granted to plugin `{}`: add it to `secrets` in `[plugins.{}.grants]`",
            plugin.name, plugin.name
        )
    })
}

#[cfg(test)]
mod tests {
    use crate::plan::test_support::{error_of, parse_with};

    fn unit_with(grants: &str, unit: &str) -> String {
        format!(
            "[secrets.token]\nenv = \"TOKEN\"\n\n[plugins.p]\nsource = \"builtin:x\"\n\
             [plugins.p.grants]\n{grants}\n\n[units.u]\nplugin = \"p\"\n{unit}\n"
        )
    }

    #[test]
    fn known_references_in_config_and_gates_are_accepted() {
        let plan = parse_with(&unit_with(
            "secrets = [\"token\"]",
            "config = { image = \"api:${version}\", auth = \"${secret.token}\", env = [\"${environment}\"] }\n\
             gates = [{ http = \"${staged.endpoints.1}health\", body = \"${unit} in ${project}\" }]",
        ))
        .unwrap();
        assert_eq!(plan.units["u"].config["image"], "api:${version}");
    }

    #[test]
    fn an_unknown_reference_in_config_is_an_error_at_that_string() {
        let error = error_of(&unit_with("", "config = { a = { b = \"x-${colour}\" } }"));
        assert_eq!(
            error.message,
            "unknown reference `${colour}`: expected one of version, environment, unit, project, secret.NAME"
        );
        assert_eq!((error.line, error.col), (16, 22), "{error}");
    }

    #[test]
    fn a_staged_endpoint_in_config_is_refused() {
        let error = error_of(&unit_with("", "config = { url = \"${staged.endpoint}\" }"));
        assert!(
            error
                .message
                .contains("only gates may refer to staged endpoints"),
            "{error}"
        );
    }

    #[test]
    fn a_secret_reference_must_be_declared_and_granted() {
        let undeclared = error_of(&unit_with("", "config = { t = \"${secret.other}\" }"));
        assert!(
            undeclared.message.starts_with("undeclared secret `other`"),
            "{undeclared}"
        );
        let ungranted = error_of(&unit_with("", "config = { t = \"${secret.token}\" }"));
        assert_eq!(
            ungranted.message,
            "secret `token` is not granted to plugin `p`: add it to `secrets` in `[plugins.p.grants]`"
        );
    }

    #[test]
    fn a_grant_of_an_undeclared_database_is_refused() {
        let error = error_of(&unit_with("databases = [\"main\"]", ""));
        assert!(
            error.message.starts_with("undeclared database `main`"),
            "{error}"
        );
        assert_eq!((error.line, error.col), (12, 14), "{error}");
    }

    #[test]
    fn a_grant_of_an_undeclared_docker_engine_is_refused_but_default_needs_no_table() {
        let error = error_of(&unit_with("docker = [\"default\", \"edge\"]", ""));
        assert!(
            error.message.starts_with("undeclared docker engine `edge`"),
            "{error}"
        );
        assert_eq!((error.line, error.col), (12, 22), "{error}");
        let plan = parse_with(&format!(
            "[docker.edge]\nurl = \"tcp://127.0.0.1:2375\"\n{}",
            unit_with("docker = [\"edge\", \"default\"]", "")
        ))
        .unwrap();
        assert_eq!(plan.plugins["p"].grants.docker, vec!["edge", "default"]);
    }

    #[test]
    fn promote_from_must_name_another_environment() {
        let error = error_of("[environments.production]\npromote_from = \"qa\"\n");
        assert_eq!(
            error.message,
            "unknown environment `qa` to promote from: expected one of `staging`"
        );
    }

    #[test]
    fn a_database_url_may_refer_to_a_declared_secret_only_by_known_names() {
        let plan =
            parse_with("[secrets.db]\nenv = \"DB\"\n[databases.main]\nurl = \"${secret.db}\"\n")
                .unwrap();
        assert_eq!(plan.databases["main"].url, "${secret.db}");
        let error = error_of("[databases.main]\nurl = \"sqlite:${version}.db\"\n");
        assert!(
            error.message.contains("cannot be used in a database url"),
            "{error}"
        );
    }

    /// A fleet unit `u` of plugin `p` granted containers and `docker`, with `unit` lines added.
    fn fleet_with(docker: &str, unit: &str) -> String {
        format!(
            "[docker.edge]\nurl = \"tcp://127.0.0.1:2375\"\n{}",
            unit_with(&format!("containers = [\"api\"]\ndocker = {docker}"), unit)
        )
    }

    #[test]
    fn a_fleet_lists_granted_declared_engines_and_may_use_engine_references() {
        let plan = parse_with(&fleet_with(
            "[\"edge\", \"default\"]",
            "engines = [\"edge\", \"default\"]\nmax_unavailable = 2\n\
             config = { address = \"${engine.address}\" }\n\
             gates = [{ http = \"http://${engine.address}:80/${engine}\" }]",
        ))
        .unwrap();
        let members: Vec<String> = plan.units["u"]
            .members()
            .into_iter()
            .map(|m| m.name)
            .collect();
        assert_eq!(members, ["u@edge", "u@default"]);
        assert_eq!(plan.units["u"].max_unavailable, 2);
    }

    #[test]
    fn a_fleet_engine_that_is_undeclared_ungranted_or_listed_twice_is_refused_at_it() {
        for (docker, engines, expected) in [
            (
                "[\"edge\"]",
                "[\"edge\", \"west\"]",
                "undeclared docker engine `west`",
            ),
            (
                "[\"edge\"]",
                "[\"edge\", \"default\"]",
                "engine `default` is not granted",
            ),
            (
                "[\"edge\"]",
                "[\"edge\", \"edge\"]",
                "engine `edge` is listed twice",
            ),
        ] {
            let error = error_of(&fleet_with(docker, &format!("engines = {engines}")));
            assert!(error.message.starts_with(expected), "{error}");
            assert_eq!(error.line, 19, "{error}");
        }
    }

    #[test]
    fn max_unavailable_must_fit_the_fleet() {
        let error = error_of(&fleet_with(
            "[\"edge\"]",
            "engines = [\"edge\"]\nmax_unavailable = 2",
        ));
        assert_eq!(
            error.message,
            "invalid max_unavailable 2: expected 1 to 1 (the number of engines)"
        );
        let error = error_of(&unit_with("", "max_unavailable = 1"));
        assert!(
            error
                .message
                .contains("only applies to a unit that lists `engines`")
        );
    }

    #[test]
    fn engine_references_outside_a_fleet_are_refused() {
        let error = error_of(&unit_with(
            "",
            "config = { address = \"${engine.address}\" }",
        ));
        assert!(
            error
                .message
                .contains("only a unit that lists `engines` may use it"),
            "{error}"
        );
    }
}

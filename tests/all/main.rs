//! The integration tests: one binary, one module per concern (the way wasmtime organises its WASI
//! tests), so a new file needs only its `mod` line here. Most modules run the real `sluice`
//! binary against throwaway projects; `support` (shared with the benches) holds the helpers, and
//! `sluice-test-plugins` (`tests/artifacts`) builds the test plugins of `tests/plugins/`.
//!
//! Every test shares this one process. What a test measures or names is therefore its own, not
//! the process's: a run's peak memory is that child's (`support::output_with_peak_memory`), a
//! container name is handed out once (`support::docker::unique_name`), and container stacks take
//! turns (`support::stack::ONE_AT_A_TIME`).

#[path = "../support/mod.rs"]
mod support;

/// Writes both test functions for each case: `sqlite::CASE` and `postgres::CASE`, calling
/// `CASE(Engine::Sqlite)` and `CASE(Engine::Postgres)` of the module it is used in.
macro_rules! on_both_engines {
    ($($case:ident),* $(,)?) => {
        mod sqlite {
            $( #[test] fn $case() { super::$case(super::Engine::Sqlite) } )*
        }
        mod postgres {
            $( #[test] fn $case() { super::$case(super::Engine::Postgres) } )*
        }
    };
}

mod atomic_groups;
mod audit_log;
mod canary_analysis;
mod canary_steps;
mod change_detection;
mod ci_output;
mod cloudflare_workers;
mod completions;
mod compose_import;
mod config_validation;
mod conformance;
mod container_fleet;
mod container_strategy;
mod containers_capability;
mod crash_recovery;
mod db_migrate;
mod deployment_record;
mod ecs_service;
mod event_stream;
mod example_aws_release;
mod example_canary;
mod examples;
mod forged_output;
mod gate_policy;
mod github_action;
mod haproxy_router;
mod hooks;
mod hostile_files;
mod hostile_http;
mod hostile_imports;
mod hostile_limits;
mod html_report;
mod js_fetch;
mod keycloak_realm;
mod keycloak_vendor_client;
mod kong_config;
mod kong_declarative_rules;
mod lambda_function;
mod lifecycle;
mod locking;
mod metric_gates;
mod misbehaving_plugins;
mod oci_plugins;
mod pages_deploy;
mod pages_faults;
mod pages_limits;
mod pages_rollback;
mod pages_sandbox;
mod pages_wrangler;
mod parallel_units;
mod pause_resume;
mod plan_errors;
mod plugin_loading;
mod plugins_c;
mod plugins_js;
mod plugins_new;
mod plugins_python;
mod plugins_rust;
mod registry_images;
mod release_pipeline;
mod robust_input;
mod s3_static;
mod sdk_example;
mod secrets;
mod sql_capability;
mod state_postgres;
mod static_binary;
mod store_contract;
mod swarm_service;
mod telemetry;
mod test_plugins;
mod transports;
mod wit_versions;

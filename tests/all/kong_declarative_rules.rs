//! The Kong emulator's `/config` validation held against Kong's own published rules, one test per
//! rule, for the entities `kong-config` loads and moves (services, routes, upstreams, targets). No client
//! or schema of Kong's declarative format is published on npm, PyPI or crates.io by Kong (its
//! decK is a Go program; `kong config parse` is the gateway itself), so the reference is Kong's
//! source: `kong/db/schema/entities/{services,routes_subschemas,upstreams,targets}.lua`,
//! `kong/tools/ip.lua`
//! (`normalize_ip`) and the messages of `kong/db/schema/init.lua`.

use serde_json::{Value, json};

use crate::support::kong::schema::load;

/// `entities` under `collection` in a config of format 3.0.
fn config(collection: &str, entities: Value) -> Value {
    json!({ "_format_version": "3.0", collection: entities })
}

/// The entity errors of a rejected config, as `(field or "@entity", message)`, sorted (Kong's
/// error tables have no order).
fn rejected(config: &Value) -> Vec<(String, String)> {
    let Err((_, flattened)) = load(config) else {
        panic!("Kong rejects this config, the emulator loaded it: {config}");
    };
    let mut errors: Vec<(String, String)> = flattened
        .iter()
        .flat_map(|entry| entry["errors"].as_array().cloned().unwrap_or_default())
        .map(|e| {
            let field = e["field"].as_str().unwrap_or("@entity").to_owned();
            (field, e["message"].as_str().unwrap_or_default().to_owned())
        })
        .collect();
    errors.sort();
    errors
}

/// The first entity of `collection` once `config` is loaded (defaults filled in).
fn loaded(config: &Value, collection: &str) -> Value {
    let entities = load(config)
        .unwrap_or_else(|(tree, _)| panic!("Kong loads this config, the emulator said {tree}"));
    entities
        .into_iter()
        .find(|(c, _)| c == collection)
        .and_then(|(_, list)| list.into_iter().next())
        .unwrap_or_else(|| panic!("no {collection} in {config}"))
}

fn upstream(fields: Value) -> Value {
    let mut upstream = json!({ "name": "api" });
    upstream
        .as_object_mut()
        .unwrap()
        .extend(fields.as_object().cloned().unwrap_or_default());
    config("upstreams", json!([upstream]))
}

fn target(target: Value) -> Value {
    upstream(json!({ "targets": [target] }))
}

fn service(fields: Value) -> Value {
    config("services", json!([fields]))
}

/// What a failed `conditional` entity check on `protocol` reports: `field` must be null.
fn conditional_failed(field: &str) -> Vec<(String, String)> {
    let mut errors = one(
        "@entity",
        "failed conditional validation given value of field 'protocol'",
    );
    errors.extend(one(field, "value must be null"));
    errors
}

fn one(field: &str, message: &str) -> Vec<(String, String)> {
    vec![(field.to_owned(), message.to_owned())]
}

#[test]
fn a_target_weight_is_an_integer_from_0_to_65535_and_defaults_to_100() {
    let at = |weight: i64| target(json!({ "target": "10.0.0.5:8080", "weight": weight }));
    assert_eq!(
        loaded(&at(0), "targets")["weight"],
        0,
        "0 disables a target"
    );
    assert_eq!(loaded(&at(65535), "targets")["weight"], 65535);
    assert_eq!(
        rejected(&at(65536)),
        one("weight", "value should be between 0 and 65535")
    );
    assert_eq!(
        rejected(&at(-1)),
        one("weight", "value should be between 0 and 65535")
    );
    let unset = target(json!({ "target": "10.0.0.5:8080" }));
    assert_eq!(loaded(&unset, "targets")["weight"], 100);
}

#[test]
fn a_target_is_a_hostname_or_an_ip_address_with_an_optional_port_up_to_65535() {
    for valid in [
        "10.0.0.5:8080",
        "10.0.0.5",
        "api-1.internal:80",
        "api_1.internal.",
        "[::1]:8080",
        "fe80::1",
        "2001:db8:0:0:0:0:0:1",
    ] {
        loaded(&target(json!({ "target": valid })), "targets");
    }
    for invalid in [
        "bad host:80",
        "300.1.1.1:80",
        "10.0.0:80",
        "api.internal:65536",
        "api-.internal:80",
        "api..internal",
        "[::1]x",
        "1:2:3:4:5:6:7:8:9",
        "",
    ] {
        let message = if invalid.is_empty() {
            "length must be at least 1".to_owned()
        } else {
            format!("Invalid target ('{invalid}'); not a valid hostname or ip address")
        };
        assert_eq!(
            rejected(&target(json!({ "target": invalid }))),
            one("target", &message),
            "{invalid}"
        );
    }
}

#[test]
fn a_target_must_name_its_address() {
    assert_eq!(
        rejected(&target(json!({ "weight": 10 }))),
        one("target", "required field missing")
    );
}

#[test]
fn an_upstream_name_is_a_hostname_without_a_port_and_not_an_ip_address() {
    loaded(&upstream(json!({ "name": "api.internal" })), "upstreams");
    let named = |name: &str| upstream(json!({ "name": name }));
    assert_eq!(
        rejected(&named("10.0.0.5")),
        one("name", "Invalid name ('10.0.0.5'); no ip addresses allowed")
    );
    assert_eq!(
        rejected(&named("api:8080")),
        one("name", "Invalid name ('api:8080'); no port allowed")
    );
    assert_eq!(
        rejected(&named("my api")),
        one("name", "Invalid name ('my api'); must be a valid hostname")
    );
    assert_eq!(
        rejected(&config("upstreams", json!([{ "slots": 100 }]))),
        one("name", "required field missing")
    );
}

#[test]
fn an_upstream_algorithm_is_one_of_four_and_defaults_to_round_robin() {
    assert_eq!(
        loaded(&upstream(json!({})), "upstreams")["algorithm"],
        "round-robin"
    );
    let least = upstream(json!({ "algorithm": "least-connections" }));
    assert_eq!(
        loaded(&least, "upstreams")["algorithm"],
        "least-connections"
    );
    assert_eq!(
        rejected(&upstream(json!({ "algorithm": "random" }))),
        one(
            "algorithm",
            "expected one of: round-robin, consistent-hashing, least-connections, latency"
        )
    );
}

#[test]
fn an_upstream_hashes_on_one_of_kongs_eight_inputs_and_defaults_to_none() {
    let defaults = loaded(&upstream(json!({})), "upstreams");
    assert_eq!(
        (&defaults["hash_on"], &defaults["hash_fallback"]),
        (&json!("none"), &json!("none"))
    );
    let by_header = upstream(
        json!({ "algorithm": "consistent-hashing", "hash_on": "header", "hash_on_header": "X-User", "hash_fallback": "ip" }),
    );
    assert_eq!(loaded(&by_header, "upstreams")["hash_on_header"], "X-User");
    assert_eq!(
        rejected(&upstream(json!({ "hash_on": "body" }))),
        one(
            "hash_on",
            "expected one of: none, consumer, ip, header, cookie, path, query_arg, uri_capture"
        )
    );
}

#[test]
fn an_upstream_has_from_10_to_65536_slots() {
    assert_eq!(loaded(&upstream(json!({})), "upstreams")["slots"], 10000);
    assert_eq!(
        loaded(&upstream(json!({ "slots": 65536 })), "upstreams")["slots"],
        65536
    );
    assert_eq!(
        rejected(&upstream(json!({ "slots": 9 }))),
        one("slots", "value should be between 10 and 65536")
    );
}

#[test]
fn a_service_needs_a_host_and_its_port_is_from_0_to_65535() {
    let api = loaded(&service(json!({ "host": "api" })), "services");
    assert_eq!(
        (&api["port"], &api["protocol"]),
        (&json!(80), &json!("http"))
    );
    assert_eq!(
        rejected(&service(json!({ "port": 80 }))),
        one("host", "required field missing")
    );
    assert_eq!(
        rejected(&service(json!({ "host": "api", "port": 65536 }))),
        one("port", "value should be between 0 and 65535")
    );
}

#[test]
fn a_service_protocol_is_one_of_kongs_protocols() {
    let grpc = service(json!({ "host": "api", "protocol": "grpcs" }));
    assert_eq!(loaded(&grpc, "services")["protocol"], "grpcs");
    assert_eq!(
        rejected(&service(json!({ "host": "api", "protocol": "ftp" }))),
        one(
            "protocol",
            "expected one of: grpc, grpcs, http, https, tcp, tls, tls_passthrough, udp"
        )
    );
}

#[test]
fn a_tcp_tls_udp_or_grpc_service_has_no_path() {
    loaded(
        &service(json!({ "host": "api", "protocol": "http", "path": "/v1" })),
        "services",
    );
    let errors = rejected(&service(
        json!({ "host": "api", "protocol": "grpc", "path": "/v1" }),
    ));
    assert_eq!(errors, conditional_failed("path"));
}

#[test]
fn a_services_tls_settings_need_protocol_https_or_tls() {
    let https = service(
        json!({ "host": "api", "protocol": "https", "tls_verify": true, "tls_verify_depth": 2 }),
    );
    assert_eq!(loaded(&https, "services")["tls_verify"], true);
    let errors = rejected(&service(
        json!({ "host": "api", "protocol": "http", "tls_verify": true }),
    ));
    assert_eq!(errors, conditional_failed("tls_verify"));
}

#[test]
fn an_http_route_matches_on_a_method_host_header_or_path_and_an_https_one_also_on_an_sni() {
    let route = |fields: Value| {
        let mut route = json!({ "name": "shop" });
        route
            .as_object_mut()
            .unwrap()
            .extend(fields.as_object().cloned().unwrap_or_default());
        service(json!({ "host": "api", "routes": [route] }))
    };
    loaded(&route(json!({ "paths": ["/shop"] })), "routes");
    loaded(&route(json!({ "snis": ["shop.example"] })), "routes");
    assert_eq!(
        rejected(&route(json!({}))),
        one(
            "@entity",
            "must set one of 'methods', 'hosts', 'headers', 'paths', 'snis' when 'protocols' is 'https'"
        ),
        "the default protocols are http and https"
    );
    assert_eq!(
        rejected(&route(
            json!({ "protocols": ["http"], "snis": ["shop.example"] })
        )),
        one(
            "@entity",
            "must set one of 'methods', 'hosts', 'headers', 'paths' when 'protocols' is 'http'"
        )
    );
}

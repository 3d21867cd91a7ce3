//! One Compose service as a `container` unit: its image, port, mode, environment, gate, restart
//! policy and grants, and what it has that the container strategy cannot express.

use docker_compose_types::{DependsOnOptions, Environment, Ports, PublishedPort, Service, Volumes};

use super::env::{self, Converter};
use super::health::{self, Check};
use super::{ComposeError, Router, Source, plan_name};

/// Container ports that serve HTTP by convention (a service publishing one, or checked with an
/// HTTP healthcheck, goes blue-green when a router is chosen).
const HTTP_PORTS: [u16; 7] = [80, 3000, 5000, 8000, 8080, 8081, 8888];

/// The service keys the import handles; any other is listed as not imported.
const HANDLED: [&str; 12] = [
    "image",
    "build",
    "ports",
    "environment",
    "env_file",
    "depends_on",
    "healthcheck",
    "restart",
    "container_name",
    "stop_grace_period",
    "volumes",
    "networks",
];

/// Restart policies the container strategy takes as Compose writes them.
const RESTART_POLICIES: [&str; 4] = ["no", "always", "unless-stopped", "on-failure"];

/// A service as parsed: its name, its typed form and the keys it was written with.
pub struct Parsed {
    /// The service's name in the file.
    pub name: String,
    /// The service.
    pub service: Service,
    /// Its keys, in the file's order.
    pub keys: Vec<String>,
}

/// What every service's conversion shares.
pub struct Context<'a> {
    /// The Compose file.
    pub source: &'a Source<'a>,
    /// The project's name (container names start with it).
    pub project: &'a str,
    /// The router of blue-green units and its admin address.
    pub router: Option<(Router, &'a str)>,
}

/// How a unit's new version goes live.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Beside the old one, then the router switches.
    BlueGreen(Router),
    /// The old container stops, the new one starts on the same port.
    Replace,
}

/// A gate from the service's healthcheck.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Gate {
    /// The probe: `http = "..."` or `tcp = "..."`, with `phase` where needed.
    pub probe: String,
    /// Timing keys from the healthcheck (`interval`, `timeout`, `failure_threshold`,
    /// `start_period`, `deadline`), already as TOML.
    pub timing: Vec<(&'static str, String)>,
}

/// A `container` unit.
#[derive(Debug, Clone)]
pub struct Unit {
    /// The unit's (and its plugin entry's) name.
    pub name: String,
    /// The service it came from.
    pub service: String,
    /// The container's base name.
    pub container: String,
    /// The image reference (its tag may be `${version}`).
    pub image: String,
    /// The image repository.
    pub repository: String,
    /// The port inside the container.
    pub port: u16,
    /// The published host port.
    pub published: u16,
    /// The host address the port was published on, if Compose named one.
    pub host_ip: Option<String>,
    /// blue-green or replace.
    pub mode: Mode,
    /// The router's admin address (blue-green).
    pub router_admin: Option<String>,
    /// The health path of an HTTP healthcheck.
    pub health_path: Option<String>,
    /// Environment variables, as plan strings.
    pub env: Vec<(String, String)>,
    /// The secrets its plugin is granted.
    pub secrets: Vec<String>,
    /// Units it depends on, each with the Compose condition.
    pub depends_on: Vec<(String, String)>,
    /// Its gate, if its healthcheck can be probed from outside.
    pub gate: Option<Gate>,
    /// The restart policy.
    pub restart: Option<String>,
    /// Seconds the old container gets to stop.
    pub stop_timeout_secs: Option<u64>,
    /// Comments on the unit.
    pub comments: Vec<String>,
}

impl Unit {
    /// The host ports: the published one (replace), or the two colors' (blue-green), which avoid
    /// the published port where the router listens.
    pub fn host_ports(&self) -> Vec<u16> {
        match self.mode {
            Mode::Replace => vec![self.published],
            Mode::BlueGreen(_) if self.published <= 45_535 => {
                vec![self.published + 10_000, self.published + 20_000]
            }
            Mode::BlueGreen(_) => vec![self.published - 20_000, self.published - 10_000],
        }
    }

    /// The container names its plugin may touch: the two colors, or the container and the one it
    /// replaces.
    pub fn containers(&self) -> [String; 2] {
        let suffixes = match self.mode {
            Mode::BlueGreen(_) => ["-blue", "-green"],
            Mode::Replace => ["", "-previous"],
        };
        suffixes.map(|suffix| format!("{}{suffix}", self.container))
    }
}

/// The services `service` depends on, with their conditions (`service_started` for the short form).
pub fn dependencies(service: &Service) -> Vec<(String, String)> {
    match &service.depends_on {
        DependsOnOptions::Simple(names) => names
            .iter()
            .map(|name| (name.clone(), "service_started".into()))
            .collect(),
        DependsOnOptions::Conditional(map) => map
            .iter()
            .map(|(name, condition)| (name.clone(), condition.condition.clone()))
            .collect(),
    }
}

/// `parsed` as a unit, or none (with the reason in `not_imported`).
pub fn convert(
    context: &Context<'_>,
    parsed: &Parsed,
    secrets: &mut env::Secrets,
    not_imported: &mut Vec<String>,
) -> Result<Option<Unit>, ComposeError> {
    let name = &parsed.name;
    let service = &parsed.service;
    let at =
        |key: &str, message: String| context.source.error_at(&["services", name, key], message);
    for key in parsed
        .keys
        .iter()
        .filter(|key| !HANDLED.contains(&key.as_str()))
    {
        not_imported.push(format!(
            "service `{name}`: `{key}` is not expressible by the container strategy: bake it into \
             the image, or keep this service under Compose"
        ));
    }
    for volume in &service.volumes {
        let mount = match volume {
            Volumes::Simple(text) => text.clone(),
            Volumes::Advanced(advanced) => format!(
                "{}:{}",
                advanced.source.as_deref().unwrap_or(""),
                advanced.target
            ),
        };
        not_imported.push(format!(
            "service `{name}` mounts `{mount}`: sluice mounts nothing into containers: keep this \
             service under Compose, or bake the files into the image"
        ));
    }
    let Some(image) = &service.image else {
        not_imported.push(format!(
            "service `{name}`: `build:` only, no `image`: sluice never builds; build and tag it \
             in CI (`docker build -t {name}:VERSION`), add `image: {name}:${{TAG}}` and import again"
        ));
        return Ok(None);
    };
    let mut comments = Vec::new();
    if service.build_.is_some() {
        comments.push(format!(
            "Compose builds this image: build and tag {image} before `sluice apply` (sluice never builds or pulls)."
        ));
    }
    let (repository, image) = image_reference(image).map_err(|variable| {
        at("image", format!("`image` needs `${{{variable}}}` without a default: give it one (`${{{variable}:-x}}`)"))
    })?;
    match image.rsplit_once(':') {
        Some((_, "${version}")) => comments.push(format!(
            "`sluice apply --version V` deploys {repository}:V."
        )),
        _ => comments.push(format!(
            "The image's tag is fixed: every version deploys {image}; write `{repository}:${{version}}` to deploy tags."
        )),
    }
    let Some(port) = published_port(&service.ports, name, not_imported)
        .map_err(|message| at("ports", message))?
    else {
        not_imported.push(format!(
            "service `{name}` publishes no port: the container strategy runs a service on one \
             published port; add `ports:` (e.g. \"8080:8080\") and import again, or keep it under Compose"
        ));
        return Ok(None);
    };
    let mut converter = Converter {
        service: name,
        secrets,
        granted: Vec::new(),
        notes: Vec::new(),
    };
    let mut variables: Vec<(String, Option<String>)> = Vec::new();
    if let Some(files) = &service.env_file {
        let files = match files {
            docker_compose_types::StringOrList::Simple(file) => vec![file.clone()],
            docker_compose_types::StringOrList::List(files) => files.clone(),
        };
        let dir = context
            .source
            .file
            .parent()
            .unwrap_or(std::path::Path::new(""));
        for file in files {
            let path = dir.join(&file);
            let text = std::fs::read_to_string(&path).map_err(|e| {
                at(
                    "env_file",
                    format!("cannot read env_file `{}`: {e}", path.display()),
                )
            })?;
            let pairs = env::parse_env_file(&text).map_err(|(line, message)| ComposeError::At {
                file: path.clone(),
                line,
                col: 1,
                message,
            })?;
            variables.extend(pairs.into_iter().map(|(k, v)| (k, Some(v))));
        }
    }
    match &service.environment {
        Environment::List(list) => {
            variables.extend(list.iter().map(|entry| match entry.split_once('=') {
                Some((k, v)) => (k.to_owned(), Some(v.to_owned())),
                None => (entry.clone(), None),
            }))
        }
        Environment::KvPair(map) => variables.extend(
            map.iter()
                .map(|(k, v)| (k.clone(), v.as_ref().map(ToString::to_string))),
        ),
    }
    let mut env: Vec<(String, String)> = Vec::new();
    for (key, value) in variables {
        let text = converter.value(&key, value.as_deref());
        env.retain(|(k, _)| *k != key);
        env.push((key, text));
    }
    let granted = std::mem::take(&mut converter.granted);
    not_imported.append(&mut converter.notes);

    let check = service
        .healthcheck
        .as_ref()
        .map(|hc| health::check(hc, port.target));
    // An HTTP healthcheck says the port speaks HTTP, a TCP one that it may not.
    let http = match check {
        Some(Check::Http(_)) => true,
        Some(Check::Tcp) => false,
        _ => HTTP_PORTS.contains(&port.target),
    };
    let mode = match context.router {
        Some((router, _)) if http => Mode::BlueGreen(router),
        _ => Mode::Replace,
    };
    let mut health_path = None;
    let gate = match (&check, service.healthcheck.as_ref()) {
        (Some(Check::Http(path)), Some(hc)) => {
            health_path = Some(path.split('?').next().unwrap_or(path).to_owned());
            Some(Gate {
                probe: format!(
                    "http = {}",
                    toml_string(&format!("${{staged.endpoint}}{path}"))
                ),
                timing: timing(hc, name, not_imported),
            })
        }
        (Some(Check::Tcp), Some(hc)) if mode == Mode::Replace => Some(Gate {
            probe: format!(
                "tcp = {}, phase = \"staged\"",
                toml_string(&format!("127.0.0.1:{}", port.published))
            ),
            timing: timing(hc, name, not_imported),
        }),
        (Some(Check::Tcp), _) => {
            comments.push(
                "Its TCP healthcheck has no fixed address in blue-green (each color has its own \
                 port): the image's own HEALTHCHECK is what the strategy waits for."
                    .into(),
            );
            None
        }
        (Some(Check::Command(command)), _) => {
            comments.push(format!(
                "Its healthcheck runs a command inside the container (`{command}`): the image's own \
                 HEALTHCHECK is kept, and the container strategy waits for it to be healthy."
            ));
            None
        }
        (Some(Check::Disabled), _) => {
            comments.push("Its healthcheck is disabled in Compose: no gate.".into());
            None
        }
        _ => None,
    };
    let restart = match service
        .restart
        .as_deref()
        .map(|r| r.split(':').next().unwrap_or(r))
    {
        Some(policy) if RESTART_POLICIES.contains(&policy) => Some(policy.to_owned()),
        Some(other) => {
            not_imported.push(format!(
                "service `{name}`: restart policy `{other}` is not one of {}: the default, unless-stopped, applies",
                RESTART_POLICIES.join(", ")
            ));
            None
        }
        None => None,
    };
    let stop_timeout_secs = match service
        .stop_grace_period
        .as_deref()
        .map(humantime::parse_duration)
    {
        Some(Ok(grace)) => Some(grace.as_secs_f64().ceil() as u64),
        Some(Err(_)) => {
            not_imported.push(format!(
                "service `{name}`: `stop_grace_period` is not a duration sluice reads (e.g. 10s): the default, 10 s, applies"
            ));
            None
        }
        None => None,
    };
    let router_admin = context
        .router
        .map(|(_, admin)| admin.to_owned())
        .filter(|_| matches!(mode, Mode::BlueGreen(_)));
    Ok(Some(Unit {
        name: plan_name(name),
        service: name.clone(),
        container: service
            .container_name
            .clone()
            .unwrap_or_else(|| format!("{}-{}", context.project, plan_name(name))),
        image,
        repository,
        port: port.target,
        published: port.published,
        host_ip: port.host_ip,
        mode,
        router_admin,
        health_path,
        env,
        secrets: granted,
        depends_on: dependencies(service),
        gate,
        restart,
        stop_timeout_secs,
        comments,
    }))
}

/// Keeps, in each unit's `depends_on`, the services imported as units; notes the others.
pub fn link_dependencies(units: &mut [Unit], not_imported: &mut Vec<String>) {
    let imported: Vec<(String, String)> = units
        .iter()
        .map(|u| (u.service.clone(), u.name.clone()))
        .collect();
    for unit in units.iter_mut() {
        let mut kept = Vec::new();
        for (dependency, condition) in std::mem::take(&mut unit.depends_on) {
            match imported.iter().find(|(service, _)| *service == dependency) {
                Some((_, unit_name)) => {
                    if condition == "service_completed_successfully" {
                        not_imported.push(format!(
                            "service `{}` waits for `{dependency}` to complete: sluice deploys \
                             long-running services; run that job before `sluice apply`",
                            unit.service
                        ));
                    }
                    kept.push((unit_name.clone(), condition));
                }
                None => not_imported.push(format!(
                    "service `{}` depends on `{dependency}`, which is not imported (see above, or \
                     not chosen with --service): deploy `{dependency}` first another way",
                    unit.service
                )),
            }
        }
        unit.depends_on = kept;
    }
}

/// The image as the plan writes it and its repository: a tag that is a Compose variable becomes
/// `${version}`; variables elsewhere take their defaults (error: the variable without one).
fn image_reference(image: &str) -> Result<(String, String), String> {
    // The tag's `:` is the last one outside `${...}` and after every `/` (not a registry's port).
    let mut depth = 0;
    let mut colon = None;
    for (at, c) in image.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ':' if depth == 0 => colon = Some(at),
            '/' if depth == 0 => colon = None,
            _ => {}
        }
    }
    let (name, tag) = match colon {
        Some(at) => (&image[..at], Some(&image[at + 1..])),
        None => (image, None),
    };
    let name = env::defaults_only(name)?;
    let reference = match tag {
        Some(tag) if tag.contains('$') => format!("{name}:${{version}}"),
        Some(tag) => format!("{name}:{}", env::defaults_only(tag)?),
        None => name.clone(),
    };
    let repository = name.split('@').next().unwrap_or(&name).to_owned();
    Ok((repository, reference))
}

/// A published TCP port: inside the container, on the host, and the host address if named.
struct Published {
    target: u16,
    published: u16,
    host_ip: Option<String>,
}

/// The first published TCP port (others noted as not imported); an error for one unreadable.
fn published_port(
    ports: &Ports,
    name: &str,
    not_imported: &mut Vec<String>,
) -> Result<Option<Published>, String> {
    let mut found: Vec<Published> = Vec::new();
    match ports {
        Ports::Short(list) => {
            for text in list {
                let text = env::defaults_only(text)
                    .map_err(|v| format!("port `{text}` needs `${{{v}}}` without a default"))?;
                let (spec, protocol) = text.split_once('/').unwrap_or((&text, "tcp"));
                let parts: Vec<&str> = spec.rsplitn(3, ':').collect();
                let number = |s: &str| s.parse::<u16>().ok();
                let port = match parts.as_slice() {
                    [target, published, ip] => number(target)
                        .zip(number(published))
                        .map(|(t, p)| (t, p, Some(ip.to_string()))),
                    [target, published] => number(target)
                        .zip(number(published))
                        .map(|(t, p)| (t, p, None)),
                    _ => None,
                };
                match port {
                    Some((target, published, host_ip)) if protocol == "tcp" => found.push(Published { target, published, host_ip }),
                    _ => not_imported.push(format!(
                        "service `{name}`: port `{text}` (a range, UDP, or no host port) is not published by sluice: publish one TCP port as HOST:CONTAINER"
                    )),
                }
            }
        }
        Ports::Long(list) => {
            for port in list {
                match (&port.published, port.protocol.as_deref().unwrap_or("tcp")) {
                    (Some(PublishedPort::Single(published)), "tcp") => found.push(Published {
                        target: port.target,
                        published: *published,
                        host_ip: port.host_ip.clone(),
                    }),
                    (Some(PublishedPort::Range(text)), "tcp") if text.parse::<u16>().is_ok() => found.push(Published {
                        target: port.target,
                        published: text.parse().unwrap_or_default(),
                        host_ip: port.host_ip.clone(),
                    }),
                    _ => not_imported.push(format!(
                        "service `{name}`: port {} (a range, UDP, or no host port) is not published by sluice",
                        port.target
                    )),
                }
            }
        }
    }
    let mut found = found.into_iter();
    let first = found.next();
    for extra in found {
        not_imported.push(format!(
            "service `{name}`: port {}:{} is not published: the container strategy publishes one \
             port per service (the first, {})",
            extra.published,
            extra.target,
            first
                .as_ref()
                .map(|p| format!("{}:{}", p.published, p.target))
                .unwrap_or_default()
        ));
    }
    Ok(first)
}

/// The gate keys of a healthcheck's timing (its retries are the failure threshold).
fn timing(
    healthcheck: &docker_compose_types::Healthcheck,
    name: &str,
    not_imported: &mut Vec<String>,
) -> Vec<(&'static str, String)> {
    let mut keys = Vec::new();
    let mut total = std::time::Duration::ZERO;
    let interval = healthcheck.interval.as_deref();
    for (key, value) in [
        ("interval", interval),
        ("timeout", healthcheck.timeout.as_deref()),
        ("start_period", healthcheck.start_period.as_deref()),
    ] {
        let Some(value) = value else { continue };
        match humantime::parse_duration(value) {
            Ok(duration) => {
                if key != "timeout" {
                    total += duration;
                }
                keys.push((key, toml_string(value)));
            }
            Err(_) => not_imported.push(format!(
                "service `{name}`: healthcheck `{key}: {value}` is not a duration sluice reads (e.g. 10s): the gate's default applies"
            )),
        }
    }
    if healthcheck.retries > 0 {
        keys.push(("failure_threshold", healthcheck.retries.to_string()));
        if let Some(Ok(interval)) = interval.map(humantime::parse_duration) {
            total += interval * u32::try_from(healthcheck.retries).unwrap_or(u32::MAX);
        }
    }
    // Time for the start period and the retries, beyond the default deadline when they need it.
    let needed = total + std::time::Duration::from_secs(30);
    if needed > std::time::Duration::from_secs(60) {
        keys.push(("deadline", toml_string(&format!("{}s", needed.as_secs()))));
    }
    keys
}

/// `text` as a TOML string.
pub fn toml_string(text: &str) -> String {
    toml::Value::String(text.to_owned()).to_string()
}

//! The validated plan: what the rest of sluice reads. Built by [`super::load`]; every path in
//! it is absolute, every duration parsed, every reference checked.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use super::location::SourceMap;

/// A whole plan file, validated.
#[derive(Debug, Clone)]
pub struct Plan {
    /// The plan file, absolute.
    pub file: PathBuf,
    /// The directory the plan file is in; relative paths in the plan are relative to it.
    pub dir: PathBuf,
    /// `[project]`.
    pub project: Project,
    /// `[state]`.
    pub state: StateConfig,
    /// `[environments.NAME]`, by name.
    pub environments: BTreeMap<String, Environment>,
    /// `[secrets.NAME]`, by name.
    pub secrets: BTreeMap<String, SecretSource>,
    /// `[databases.NAME]`, by name.
    pub databases: BTreeMap<String, DatabaseDecl>,
    /// `[docker.NAME]`, by name: the Docker engines plugins may be granted.
    pub docker: BTreeMap<String, DockerEngine>,
    /// `[registries."HOST[:PORT]"]`, by host: the credentials Docker engines pull images with.
    pub registries: BTreeMap<String, Registry>,
    /// `[plugins.NAME]`, by name.
    pub plugins: BTreeMap<String, PluginDecl>,
    /// `[units.NAME]`, by name.
    pub units: BTreeMap<String, Unit>,
    /// `[hooks.NAME]`, by name.
    pub hooks: BTreeMap<String, Hook>,
    /// `[groups.NAME]`, by name.
    pub groups: BTreeMap<String, Group>,
    /// `[telemetry]`.
    pub telemetry: Telemetry,
    /// sha256 (hex) of the plan file's bytes.
    pub hash: String,
    /// The plan's text and where each key is in it, to point errors at (see [`Plan::locate`]).
    pub source: SourceMap,
}

/// `[project]`.
#[derive(Debug, Clone)]
pub struct Project {
    /// The project's name.
    pub name: String,
}

/// `[state]`: where history, current state, the journal and locks live.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StateConfig {
    /// An SQLite file (the default: `.sluice/state.db` beside the plan).
    Sqlite(PathBuf),
    /// A PostgreSQL database: `postgres://...`, or a string holding `${secret.NAME}` (resolved
    /// when the state is opened).
    Postgres(String),
}

/// `[environments.NAME]`.
#[derive(Debug, Clone, Default)]
pub struct Environment {
    /// `promote_from`: versions must have succeeded there first.
    pub promote_from: Option<String>,
    /// `approval`: apply waits for `sluice approve`.
    pub approval: bool,
}

/// `[secrets.NAME]`: where the host reads a secret's value from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecretSource {
    /// `env = "VAR"`: an environment variable of the sluice process.
    Env(String),
    /// `file = "path"`: a file's contents, trailing newline removed.
    File(PathBuf),
}

/// `[databases.NAME]`: a database plugins may open by name when granted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DatabaseDecl {
    /// `url`: `sqlite:PATH` (absolute after loading), `postgres://...`, or a string holding
    /// `${secret.NAME}` (resolved by the host when the database is opened).
    pub url: String,
}

/// The name of the Docker engine a plugin uses when its grants name none: `[docker.default]` if
/// the plan declares it, else `$DOCKER_HOST`, else the local socket.
pub const DEFAULT_DOCKER_ENGINE: &str = "default";

/// `[docker.NAME]`: a Docker engine plugins may be granted by name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DockerEngine {
    /// `url`: `unix:///PATH`, `tcp://HOST:PORT`, `http://HOST:PORT` or
    /// `ssh://[USER@]HOST[:PORT]`.
    pub url: String,
    /// `address`: where sluice reaches the ports that engine's containers publish
    /// (`${engine.address}`); default the host of a `tcp`/`http`/`ssh` url, else `127.0.0.1`.
    pub address: String,
    /// How the engine is reached: as the url says, over TLS (`tls`) or through SSH.
    pub transport: EngineTransport,
}

/// How sluice talks to a Docker engine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EngineTransport {
    /// The url as written: a unix socket, or plain HTTP to a `tcp://` or `http://` address.
    Plain,
    /// `tls`: TLS with client certificates to a `tcp://` engine (`dockerd --tlsverify`).
    Tls(EngineTls),
    /// An `ssh://` url: the engine's socket on the remote host, forwarded by the OpenSSH client.
    Ssh(EngineSsh),
}

/// The Docker socket on a host reached over SSH when the plan names none.
pub const REMOTE_DOCKER_SOCKET: &str = "/var/run/docker.sock";

/// An engine reached over SSH (`ssh://[USER@]HOST[:PORT]` and the table's SSH keys): what the
/// Docker CLI does for `DOCKER_HOST=ssh://...`, with host keys always checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EngineSsh {
    /// The user to log in as; none for ssh's own default (its config, else the local user).
    pub user: Option<String>,
    /// The host name or IP address (an IPv6 address without brackets).
    pub host: String,
    /// The SSH port; none for ssh's own default (its config, else 22).
    pub port: Option<u16>,
    /// `identity`: the private key to log in with, alone; none for ssh's defaults and agent.
    pub identity: Option<PathBuf>,
    /// `known_hosts`: the file holding the host's key; none for ssh's defaults
    /// (`~/.ssh/known_hosts`, `/etc/ssh/ssh_known_hosts`).
    pub known_hosts: Option<PathBuf>,
    /// `socket`: the engine's unix socket on the remote host.
    pub socket: PathBuf,
}

/// The files of a TLS connection to a Docker engine with client certificates: the
/// `DOCKER_TLS_VERIFY` convention (`ca.pem`, `cert.pem`, `key.pem` in `DOCKER_CERT_PATH`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EngineTls {
    /// The CA certificate(s) the engine's certificate must chain to (PEM).
    pub ca: PathBuf,
    /// The client certificate sluice presents (PEM).
    pub cert: PathBuf,
    /// The client certificate's private key (PEM).
    pub key: PathBuf,
}

/// `[registries."HOST[:PORT]"]`: how the host logs in to an image registry when a plugin asks
/// an engine to pull from it. The plugin never sees the credentials.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Registry {
    /// The registry as image references name it: `HOST[:PORT]`.
    pub host: String,
    /// The user name.
    pub username: String,
    /// The name of the secret (declared in `[secrets]`) holding the password or token.
    pub password_secret: String,
}

/// The address of an engine's published ports when the plan declares none for it.
pub const LOCAL_ENGINE_ADDRESS: &str = "127.0.0.1";

/// `[plugins.NAME]`.
#[derive(Debug, Clone)]
pub struct PluginDecl {
    /// The name the plan gives the plugin (units refer to it by this name).
    pub name: String,
    /// Where the component comes from.
    pub source: PluginSource,
    /// `sha256`: the pinned digest (hex); required for path sources.
    pub sha256: Option<String>,
    /// `[plugins.NAME.grants]`.
    pub grants: Grants,
    /// `[plugins.NAME.limits]`.
    pub limits: Limits,
}

/// Where a plugin component comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PluginSource {
    /// `builtin:NAME`: embedded in the sluice binary.
    Builtin(String),
    /// A path to a `.wasm` component (absolute after loading).
    Path(PathBuf),
    /// `oci://HOST/REPOSITORY:TAG@sha256:DIGEST`: a Wasm component artifact in a registry.
    Oci(OciSource),
}

/// A plugin in a registry, and the manifest digest that pins it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OciSource {
    /// The reference as the plan writes it.
    pub reference: crate::oci::Reference,
    /// The digest the plan's lockfile pins the reference to, when the plan writes none.
    pub locked: Option<String>,
}

impl OciSource {
    /// The manifest digest that pins the plugin: the plan's, else the lockfile's; none when
    /// neither pins it (the plugin then does not load).
    pub fn digest(&self) -> Option<&str> {
        self.reference.digest.as_deref().or(self.locked.as_deref())
    }
}

impl std::fmt::Display for PluginSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PluginSource::Builtin(name) => write!(f, "builtin:{name}"),
            PluginSource::Path(path) => write!(f, "{}", path.display()),
            PluginSource::Oci(source) => write!(f, "{}", source.reference),
        }
    }
}

/// What a plugin may reach. Empty means nothing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Grants {
    /// `http`: origins such as `https://api.cloudflare.com` or `http://127.0.0.1:2019`; none
    /// without an `http` key. `http = []` lets a plugin that imports the capability load (a mode
    /// that never sends a request) while reaching no origin.
    pub http: Option<Vec<HttpGrant>>,
    /// `secrets`: names declared in `[secrets]`.
    pub secrets: Vec<String>,
    /// `files`: directories preopened for the plugin.
    pub files: Vec<FileGrant>,
    /// `containers`: container names, exact or `prefix-*`.
    pub containers: Vec<String>,
    /// `images`: image repositories by name.
    pub images: Vec<String>,
    /// `services`: Docker Swarm service names, exact or `prefix-*`.
    pub services: Vec<String>,
    /// `databases`: names of databases the plugin may open.
    pub databases: Vec<String>,
    /// `docker`: names of Docker engines (from `[docker]`, or `default`) the plugin may use;
    /// empty means [`DEFAULT_DOCKER_ENGINE`] alone.
    pub docker: Vec<String>,
    /// `haproxy`: HAProxy backends the plugin may drive through a runtime API.
    pub haproxy: Vec<HaproxyGrant>,
}

impl Grants {
    /// Whether the grants reach a Docker engine: any container, image or service.
    pub fn reaches_docker(&self) -> bool {
        !self.containers.is_empty() || !self.images.is_empty() || !self.services.is_empty()
    }
}

/// One `haproxy` grant, `"ADDRESS:PORT/BACKEND"`: the backend `BACKEND` (or every backend, `*`)
/// of the HAProxy whose runtime API listens on `ADDRESS:PORT`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HaproxyGrant {
    /// The runtime API's address (`stats socket ipv4@ADDRESS:PORT`).
    pub api: std::net::SocketAddr,
    /// The backend; none for `*` (every backend).
    pub backend: Option<HaproxyName>,
}

impl HaproxyGrant {
    /// Whether the grant covers `backend` of the runtime API at `api`.
    pub fn covers(&self, api: std::net::SocketAddr, backend: &HaproxyName) -> bool {
        self.api == api
            && self
                .backend
                .as_ref()
                .is_none_or(|granted| granted == backend)
    }
}

impl std::fmt::Display for HaproxyGrant {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.backend {
            Some(backend) => write!(f, "{}/{backend}", self.api),
            None => write!(f, "{}/*", self.api),
        }
    }
}

/// A backend or server name HAProxy's runtime API reads as one word: 1 to
/// [`HaproxyName::MAX_LEN`] letters, digits, `.`, `-`, `_` or `:` (what HAProxy allows in proxy
/// and server names). Nothing else can appear in it, so a command composed with it is exactly
/// one command.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct HaproxyName(String);

impl HaproxyName {
    /// The longest name accepted.
    pub const MAX_LEN: usize = 128;

    /// `name`, if HAProxy reads it as one name; otherwise why not.
    pub fn new(name: &str) -> Result<HaproxyName, String> {
        let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | ':');
        if name.is_empty() || name.len() > Self::MAX_LEN || !name.chars().all(allowed) {
            return Err(format!(
                "{name:?} is not an HAProxy name: expected 1 to {} letters, digits, `.`, `-`, `_` \
                 or `:`",
                Self::MAX_LEN
            ));
        }
        Ok(HaproxyName(name.to_owned()))
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for HaproxyName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// One granted HTTP origin: `"ORIGIN"` or `{ origin = "ORIGIN", internal = true }`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpGrant {
    /// The origin, normalised: `scheme://host[:port]` (the port only when not the default).
    pub origin: String,
    /// `internal = true`: the origin's host *name* may resolve to addresses on internal networks
    /// (loopback, private, link-local, shared); without it, only to public addresses.
    pub internal: bool,
}

/// The host name that always means this machine's loopback addresses (RFC 6761): an http grant
/// of `localhost` reaches 127.0.0.1 and ::1 without a lookup.
pub const LOCALHOST: &str = "localhost";

/// One preopened directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileGrant {
    /// The directory on the host (absolute).
    pub host: PathBuf,
    /// Where the plugin sees it, e.g. `/site`.
    pub guest: String,
    /// `mode = "read-write"`; read-only otherwise.
    pub writable: bool,
}

/// Per-call limits for a plugin.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// `deadline`: the longest one lifecycle call may run.
    pub deadline: Duration,
    /// `memory`: the most linear memory one instance may use, in bytes.
    pub memory: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            deadline: Duration::from_secs(60),
            memory: 256 * 1024 * 1024,
        }
    }
}

/// `[units.NAME]`.
#[derive(Debug, Clone)]
pub struct Unit {
    /// The unit's name.
    pub name: String,
    /// The plugin (a key of `[plugins]`) that deploys it.
    pub plugin: String,
    /// The `config` table as JSON, before interpolation (strings may hold `${...}`).
    pub config: serde_json::Value,
    /// Health gates, in the order declared.
    pub gates: Vec<GateSpec>,
    /// Units that must deploy first.
    pub depends_on: Vec<String>,
    /// Globs of the files the unit is built from (change detection).
    pub paths: Vec<String>,
    /// `steps` (or `shift`, its short form): the canary steps between staging and the cut-over,
    /// in order; the cut-over at 100 follows the last one unless it is `weight = 100`.
    pub steps: Vec<Step>,
    /// `engines`: the Docker engines (a fleet of hosts) the unit rolls across, one deployment per
    /// engine (see [`Unit::members`]); empty for a unit deployed once.
    pub engines: Vec<String>,
    /// `max_unavailable`: how many engines of the fleet are updated at the same time (default 1).
    pub max_unavailable: usize,
    /// `endpoints`: origins (a host may be `*.example.com`) where gates may probe what the
    /// plugin's `stage` returned, besides the plugin's own `http` grants (see
    /// `gates::TargetPolicy`).
    pub endpoints: Vec<HttpGrant>,
    /// `loopback_gates = true`: gates may probe a staged endpoint at a loopback address (written
    /// as `127.x.x.x`, `::1` or `localhost`).
    pub loopback_gates: bool,
}

/// One canary step of a unit (Argo Rollouts' `setWeight`, `pause: {duration}` and `pause: {}`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// `{ weight = N }`: `shift(N)`, then the live gates; 100 is the cut-over.
    Weight(u8),
    /// `{ wait = "1m" }`: stay at the current weight this long.
    Wait(Duration),
    /// `{ pause = true }`: stop at the current weight until a person runs `sluice resume` (or
    /// `sluice abort`).
    Pause,
}

impl std::fmt::Display for Step {
    /// The step as `sluice plan` and the journal show it: `weight 10%`, `wait 1m`, `pause`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Step::Weight(percent) => write!(f, "weight {percent}%"),
            Step::Wait(duration) => write!(f, "wait {}", humantime::format_duration(*duration)),
            Step::Pause => f.write_str("pause"),
        }
    }
}

/// `[groups.NAME]`: units released together. In an atomic group, when one unit of the group does
/// not deploy, the units of the group that succeeded in the same deployment are undone (see
/// `orchestrate::groups`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    /// The group's name.
    pub name: String,
    /// `units`: the plan units in the group (each in at most one group).
    pub units: Vec<String>,
    /// `atomic` (default true): all of the group's units ship, or none does.
    pub atomic: bool,
}

/// The separator between a unit's name and an engine's in the name of a fleet member
/// (`api@edge-1`); plan names cannot contain it.
pub const MEMBER_SEPARATOR: char = '@';

impl Unit {
    /// Whether the unit rolls across a fleet of engines.
    pub fn is_fleet(&self) -> bool {
        !self.engines.is_empty()
    }

    /// What is deployed, each with its own lifecycle, gates and recorded state: the unit itself,
    /// or for a fleet one member per engine, named `UNIT@ENGINE`, whose `engines` is that engine
    /// alone, in fleet order.
    pub fn members(&self) -> Vec<Unit> {
        if !self.is_fleet() {
            return vec![self.clone()];
        }
        self.engines
            .iter()
            .map(|engine| Unit {
                name: format!("{}{MEMBER_SEPARATOR}{engine}", self.name),
                engines: vec![engine.clone()],
                max_unavailable: 1,
                ..self.clone()
            })
            .collect()
    }

    /// The unit's name in the plan: a fleet member's without its `@ENGINE` (what `${unit}` is, and
    /// where errors about its config point).
    pub fn plan_name(&self) -> &str {
        self.name
            .split(MEMBER_SEPARATOR)
            .next()
            .unwrap_or(&self.name)
    }

    /// The steps that run, in order: those of the plan, then the cut-over (`weight 100`) unless
    /// the plan ends with it. Step numbers people see count from 1 in this list.
    pub fn rollout(&self) -> Vec<Step> {
        let mut steps = self.steps.clone();
        if !steps.contains(&Step::Weight(100)) {
            steps.push(Step::Weight(100));
        }
        steps
    }

    /// The engine a fleet member deploys to (`${engine}`).
    pub fn engine(&self) -> Option<&str> {
        match self.engines.as_slice() {
            [engine] => Some(engine),
            _ => None,
        }
    }
}

/// One health gate.
#[derive(Debug, Clone, PartialEq)]
pub struct GateSpec {
    /// What is probed (strings may hold `${...}`).
    pub check: GateCheck,
    /// When the gate runs.
    pub phase: GatePhase,
    /// How it probes and decides.
    pub timing: GateTiming,
}

/// What a gate probes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GateCheck {
    /// `http = "URL"`: a GET that must answer `status` (and contain `body` if set).
    Http {
        /// The URL.
        url: String,
        /// The expected status (default 200).
        status: u16,
        /// A string the body must contain.
        body: Option<String>,
    },
    /// `tcp = "HOST:PORT"`: a connection must be accepted.
    Tcp {
        /// The address.
        address: String,
    },
    /// `plugin = "NAME"`: a gate plugin's `check` must pass.
    Plugin {
        /// The gate plugin (a key of `[plugins]`).
        plugin: String,
        /// The `config` table as JSON, before interpolation; `${version}`, `${unit}` and
        /// `${environment}` stay for the plugin (see [`PLUGIN_VARIABLES`]).
        config: serde_json::Value,
        /// `inconclusive`: what a check that could not tell counts as.
        inconclusive: Inconclusive,
    },
}

/// The variables the host leaves in a gate plugin's config: the plugin has their values in its
/// gate context, quotes them for its own query language, and evaluates the same config for the
/// baseline version.
pub const PLUGIN_VARIABLES: &[&str] = &["version", "unit", "environment"];

/// What an inconclusive check of a gate plugin counts as.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Inconclusive {
    /// `inconclusive = "fail"` (the default): a failed probe.
    #[default]
    Fail,
    /// `inconclusive = "pass"`: a successful probe.
    Pass,
}

impl GateCheck {
    /// What the gate probes or asks, for events, the journal and errors: the URL, `tcp ADDRESS`,
    /// `plugin NAME`.
    pub fn label(&self) -> String {
        match self {
            GateCheck::Http { url, .. } => url.clone(),
            GateCheck::Tcp { address } => format!("tcp {address}"),
            GateCheck::Plugin { plugin, .. } => format!("plugin {plugin}"),
        }
    }
}

/// When a gate runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GatePhase {
    /// After `stage`, against the staged version (default when the gate mentions `${staged.`).
    Staged,
    /// After every `shift`, against live traffic; after the last shift it soaks.
    Live,
}

/// How a gate probes and decides; every field has a default shown by `sluice plan`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GateTiming {
    /// Time between probes (default 1s).
    pub interval: Duration,
    /// Time one probe may take (default 5s).
    pub timeout: Duration,
    /// Wait before the first probe (default 0s).
    pub initial_delay: Duration,
    /// Consecutive successes that pass the gate (default 1).
    pub success_threshold: u32,
    /// Consecutive failures that fail the gate (default 3).
    pub failure_threshold: u32,
    /// The longest the whole gate may take before it fails (default 60s).
    pub deadline: Duration,
    /// After the cut-over, keep probing this long; any failure streak fails it (default 0s).
    pub soak: Duration,
    /// Failures before the first success count toward `failure_threshold` only once this long
    /// has passed since the gate began (default: a staged gate's whole `deadline`, 0s for a live
    /// gate), like Docker's healthcheck `start_period`: a slow service may start in peace.
    pub start_period: Duration,
}

impl Default for GateTiming {
    fn default() -> Self {
        GateTiming {
            interval: Duration::from_secs(1),
            timeout: Duration::from_secs(5),
            initial_delay: Duration::ZERO,
            success_threshold: 1,
            failure_threshold: 3,
            deadline: Duration::from_secs(60),
            soak: Duration::ZERO,
            start_period: Duration::ZERO,
        }
    }
}

/// `[telemetry]`: where sluice sends what it observes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Telemetry {
    /// `otlp`: the base URL of an OpenTelemetry collector's OTLP/HTTP receiver
    /// (`http://127.0.0.1:4318`); each deployment's trace goes to its `/v1/traces`.
    pub otlp: Option<url::Url>,
}

/// The path an OTLP/HTTP receiver takes traces at, appended to an `otlp` base URL.
pub const OTLP_TRACES_PATH: &str = "/v1/traces";

/// `[hooks.NAME]`: a hook plugin told of lifecycle events (see `crate::hooks`).
#[derive(Debug, Clone)]
pub struct Hook {
    /// The hook's name in the plan.
    pub name: String,
    /// `plugin`: the `[plugins.NAME]` (a hook plugin) it runs, with that plugin's grants and
    /// limits.
    pub plugin: String,
    /// `on`: the events it is told of (absent in the plan: every event).
    pub on: Vec<HookEventKind>,
    /// `required`: whether its failure fails the run (exit 1) instead of being a warning.
    pub required: bool,
    /// `config` as JSON, before interpolation.
    pub config: serde_json::Value,
}

/// A lifecycle event a hook may be told of: `on = [...]` in the plan, `event-kind` in the WIT.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Deserialize, serde::Serialize,
)]
#[serde(rename_all = "kebab-case")]
pub enum HookEventKind {
    /// A deployment began.
    DeploymentStarted,
    /// A deployment ended.
    DeploymentFinished,
    /// A unit succeeded.
    UnitSucceeded,
    /// A unit failed and was not rolled back.
    UnitFailed,
    /// A unit failed and was rolled back.
    UnitRolledBack,
    /// The environment awaits the approval of a plan.
    AwaitingApproval,
    /// A unit paused at a `pause` step.
    Paused,
}

impl HookEventKind {
    /// Every event, in lifecycle order: what a hook without `on` is told of.
    pub const ALL: [HookEventKind; 7] = [
        HookEventKind::DeploymentStarted,
        HookEventKind::AwaitingApproval,
        HookEventKind::UnitSucceeded,
        HookEventKind::UnitFailed,
        HookEventKind::UnitRolledBack,
        HookEventKind::Paused,
        HookEventKind::DeploymentFinished,
    ];

    /// The name the plan and the events use, e.g. `unit-rolled-back`.
    pub fn as_str(self) -> &'static str {
        match self {
            HookEventKind::DeploymentStarted => "deployment-started",
            HookEventKind::DeploymentFinished => "deployment-finished",
            HookEventKind::UnitSucceeded => "unit-succeeded",
            HookEventKind::UnitFailed => "unit-failed",
            HookEventKind::UnitRolledBack => "unit-rolled-back",
            HookEventKind::AwaitingApproval => "awaiting-approval",
            HookEventKind::Paused => "paused",
        }
    }
}

impl std::fmt::Display for HookEventKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

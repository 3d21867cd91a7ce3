//! The command line.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};

use super::exit::EXIT_CODES_HELP;
use crate::orchestrate::changes::Ask;
use crate::report::Format;
use crate::scaffold::Language;

/// `sluice --version`: the version, the commit it was built from (`unknown` without git), and the
/// versions of the plugin contract it accepts.
const LONG_VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (commit ",
    env!("SLUICE_GIT_COMMIT"),
    ")\nplugin contract (WIT): sluice:deploy@",
    env!("SLUICE_WIT_VERSIONS")
);

/// sluice: deploy with sandboxed strategy plugins, health gates and automatic rollback.
#[derive(Debug, Parser)]
#[command(name = "sluice", version, long_version = LONG_VERSION, after_help = EXIT_CODES_HELP)]
pub struct Cli {
    /// The plan file.
    #[arg(
        long,
        short = 'p',
        global = true,
        env = "SLUICE_PLAN",
        default_value = "sluice.toml"
    )]
    pub plan: PathBuf,
    /// Output format: `human` (live progress) or `json` (one event per line, for CI).
    #[arg(long, short = 'o', global = true, value_enum, default_value = "human")]
    pub output: Format,
    /// More detail (-v: probes and debug messages, -vv: trace).
    #[arg(long, short = 'v', global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// Who is deploying (default: $SLUICE_ACTOR, $GITHUB_ACTOR, $USER).
    #[arg(long, global = true)]
    pub actor: Option<String>,
    /// Also write the deployment as JUnit XML to this file (for GitLab, Jenkins, Buildkite).
    #[arg(long, global = true, value_name = "FILE")]
    pub junit: Option<PathBuf>,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check the plan and every unit's config against its plugin; change nothing.
    Validate,
    /// Show what `apply` would do: each unit's changes and its gates with all defaults.
    Plan(PlanArgs),
    /// Deploy: prepare, stage, gate, shift, finalize each unit; roll back on failure.
    Apply(ApplyArgs),
    /// Return one unit to an earlier successful version.
    Rollback(RollbackArgs),
    /// Continue a unit paused at a `pause` step: its next steps, with gates, through the cut-over.
    Resume(PausedArgs),
    /// Roll back a unit paused at a `pause` step: the old version serves everything again.
    Abort(PausedArgs),
    /// Bring deployments interrupted by a crash to a consistent end (apply does it first, too).
    Recover(RecoverArgs),
    /// Approve a plan written by `sluice plan --out`, by its hash.
    Approve(ApproveArgs),
    /// Deploy to one environment the version another one runs.
    Promote(PromoteArgs),
    /// Past deployments, newest first.
    History(HistoryArgs),
    /// What is live in an environment.
    Status(StatusArgs),
    /// Look at plugin components.
    #[command(subcommand)]
    Plugins(PluginsCommand),
    /// Check or export the tamper-evident audit log, or show what a deployment's plugins did.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Write a deployment's record as one HTML page: a timeline lane per unit, its gates and
    /// probes, the traffic over time, every host call its plugins made, the audit log's state.
    Report(ReportArgs),
    /// Write a new plan from a Compose file (never overwriting one).
    Init(InitArgs),
    /// Print a shell completion script (e.g. `sluice completions bash > /etc/bash_completion.d/sluice`).
    Completions {
        /// The shell.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff): `sluice man > sluice.1`.
    Man,
}

/// `sluice init`.
#[derive(Debug, Args)]
pub struct InitArgs {
    /// The Compose file: each service with an `image` and a published port becomes a
    /// `container` unit; what cannot be expressed is listed at the top of the plan.
    #[arg(long, value_name = "FILE")]
    pub from_compose: PathBuf,
    /// Only this service (repeatable; default: every service).
    #[arg(long = "service", value_name = "S")]
    pub services: Vec<String>,
    /// The router blue-green units switch with (default: none, every unit `replace`).
    #[arg(long, value_enum)]
    pub router: Option<crate::compose::Router>,
    /// The router's admin address (default: http://127.0.0.1:2019 for Caddy, 127.0.0.1:9999 for
    /// HAProxy).
    #[arg(long, value_name = "ADDRESS", requires = "router")]
    pub router_admin: Option<String>,
    /// The environment the plan declares.
    #[arg(long = "env", short = 'e', default_value = "production")]
    pub environment: String,
    /// The plan file to write (default: --plan); it must not exist.
    #[arg(long)]
    pub out: Option<PathBuf>,
}

/// Which units at which version.
#[derive(Debug, Args)]
pub struct Target {
    /// The environment.
    #[arg(long, short = 'e')]
    pub env: String,
    /// Which units.
    #[command(flatten)]
    pub selector: Selector,
    /// The version to deploy (default: `git describe --tags --always --dirty` of the plan's repository).
    #[arg(long = "version")]
    pub version: Option<String>,
}

/// Which units: by default those whose `paths` changed since their last successful deployment
/// to the environment (and those never deployed, or declaring no paths), with their dependents.
#[derive(Debug, Args)]
pub struct Selector {
    /// Only this unit (repeatable).
    #[arg(long = "unit", short = 'u', conflicts_with = "all")]
    pub units: Vec<String>,
    /// Every unit, changed or not.
    #[arg(long)]
    pub all: bool,
}

impl Selector {
    /// What the selector asks change detection for.
    pub fn ask(&self) -> Ask<'_> {
        if !self.units.is_empty() {
            Ask::Named(&self.units)
        } else if self.all {
            Ask::All
        } else {
            Ask::Changed
        }
    }

    /// Whether units were chosen by name or `--all`.
    pub fn is_given(&self) -> bool {
        self.all || !self.units.is_empty()
    }
}

/// `sluice plan`.
#[derive(Debug, Args)]
pub struct PlanArgs {
    /// Which units at which version.
    #[command(flatten)]
    pub target: Target,
    /// Write the resolved plan (with its hash) to this file, for `sluice approve` and
    /// `sluice apply FILE`.
    #[arg(long)]
    pub out: Option<PathBuf>,
}

/// `sluice apply`.
#[derive(Debug, Args)]
pub struct ApplyArgs {
    /// A plan written by `sluice plan --out`: its environment, version and units are applied,
    /// only while it still matches what apply would do (and, where the environment needs it,
    /// once approved).
    pub plan_file: Option<PathBuf>,
    /// The environment (default: the plan file's).
    #[arg(long, short = 'e', required_unless_present = "plan_file")]
    pub env: Option<String>,
    /// Which units (not with a plan file, which names its own).
    #[command(flatten)]
    pub selector: Selector,
    /// The version to deploy (default: `git describe --tags --always --dirty` of the plan's repository).
    #[arg(long = "version", conflicts_with = "plan_file")]
    pub version: Option<String>,
    /// Deploy even units whose version and inputs are already live.
    #[arg(long)]
    pub force: bool,
    /// Start the deployment even when a plugin says it could not be rolled back (e.g. a
    /// migration without a down script); `sluice plan` shows why.
    #[arg(long)]
    pub allow_irreversible: bool,
    /// At most this many units deploy at the same time (0: no limit).
    #[arg(long, default_value = "0")]
    pub parallel: usize,
    /// Wait this long for the environment's lock instead of failing at once (e.g. `2m`).
    #[arg(long, value_parser = parse_duration, default_value = "0s")]
    pub lock_wait: Duration,
}

/// `sluice rollback`.
#[derive(Debug, Args)]
pub struct RollbackArgs {
    /// The environment.
    #[arg(long, short = 'e')]
    pub env: String,
    /// The unit.
    #[arg(long, short = 'u')]
    pub unit: String,
    /// The version to return to (default: the last successful one before the live one).
    #[arg(long)]
    pub to: Option<String>,
    /// Wait this long for the environment's lock instead of failing at once.
    #[arg(long, value_parser = parse_duration, default_value = "0s")]
    pub lock_wait: Duration,
}

/// `sluice resume` and `sluice abort`.
#[derive(Debug, Args)]
pub struct PausedArgs {
    /// The environment.
    #[arg(long, short = 'e')]
    pub env: String,
    /// The paused unit.
    #[arg(long, short = 'u')]
    pub unit: String,
    /// Wait this long for the environment's lock instead of failing at once.
    #[arg(long, value_parser = parse_duration, default_value = "0s")]
    pub lock_wait: Duration,
}

/// `sluice approve`.
#[derive(Debug, Args)]
pub struct ApproveArgs {
    /// The plan's hash, as `sluice plan --out` printed it.
    pub hash: String,
}

/// `sluice promote`.
#[derive(Debug, Args)]
pub struct PromoteArgs {
    /// The environment whose version is deployed.
    #[arg(long)]
    pub from: String,
    /// The environment deployed to.
    #[arg(long)]
    pub to: String,
    /// The version (default: the one live on `--from` for the units).
    #[arg(long)]
    pub version: Option<String>,
    /// Which units.
    #[command(flatten)]
    pub selector: Selector,
    /// At most this many units deploy at the same time (0: no limit).
    #[arg(long, default_value = "0")]
    pub parallel: usize,
    /// Start the deployment even when a plugin says it could not be rolled back.
    #[arg(long)]
    pub allow_irreversible: bool,
    /// Wait this long for the environment's lock instead of failing at once.
    #[arg(long, value_parser = parse_duration, default_value = "0s")]
    pub lock_wait: Duration,
}

/// `sluice recover`.
#[derive(Debug, Args)]
pub struct RecoverArgs {
    /// The environment.
    #[arg(long, short = 'e')]
    pub env: String,
    /// Wait this long for the environment's lock instead of failing at once.
    #[arg(long, value_parser = parse_duration, default_value = "0s")]
    pub lock_wait: Duration,
}

/// `sluice history`.
#[derive(Debug, Args)]
pub struct HistoryArgs {
    /// Only this environment.
    #[arg(long, short = 'e')]
    pub env: Option<String>,
    /// Only this unit.
    #[arg(long, short = 'u')]
    pub unit: Option<String>,
    /// At most this many entries.
    #[arg(long, short = 'n', default_value = "20")]
    pub limit: usize,
}

/// `sluice status`.
#[derive(Debug, Args)]
pub struct StatusArgs {
    /// The environment.
    #[arg(long, short = 'e')]
    pub env: String,
}

/// `sluice plugins ...`.
#[derive(Debug, Subcommand)]
pub enum PluginsCommand {
    /// A component's imports, exports, info(), sha256 and size.
    Inspect {
        /// The `.wasm` component file, or `builtin:NAME`.
        file: String,
    },
    /// For each plugin of the plan (`--plan`): per capability, what it imports, what it is granted,
    /// its limits and pinned sha256, with warnings for over-grants and wildcards.
    Audit {
        /// The plan to audit (default: `--plan`).
        plan: Option<PathBuf>,
    },
    /// Write a new plugin project: a small real strategy, the SDK, `build.sh`, a sample plan
    /// pinning the built component and granting the chosen capabilities, a test.
    New(NewPluginArgs),
    /// Check a component against the plugin contract's rules in scratch directories: one
    /// PASS/FAIL line per rule with its evidence (exit 6 when a rule fails).
    Test(PluginsTestArgs),
    /// Push a component to a registry as a Wasm OCI artifact and print the reference that pins
    /// it (`oci://HOST/REPOSITORY:TAG@sha256:DIGEST`), for a plan's `source`.
    Push(PluginsPushArgs),
    /// Write the plan's lockfile (`sluice.lock` beside `sluice.toml`): the manifest digest each
    /// plugin named by tag alone (`oci://HOST/REPOSITORY:TAG`) resolves to now.
    Lock,
}

/// `sluice plugins push`.
#[derive(Debug, Args)]
pub struct PluginsPushArgs {
    /// The `.wasm` component file.
    pub component: PathBuf,
    /// Where to push it: `oci://HOST[:PORT]/REPOSITORY:TAG`.
    pub reference: String,
    /// The registry user to log in as; the password is read from standard input.
    #[arg(long)]
    pub username: Option<String>,
}

/// `sluice plugins new`.
#[derive(Debug, Args)]
pub struct NewPluginArgs {
    /// The plugin's name, kebab-case (`release-dir`): it names the project's directory, its
    /// package, its WIT package and the plugin in the sample plan.
    pub name: String,
    /// The project's language.
    #[arg(long, value_enum)]
    pub lang: Language,
    /// Capabilities the plugin may call besides `log`, comma-separated (`http,secrets`): in its
    /// own WIT world (Python, TypeScript, C) and granted by the sample plan. An unknown one is
    /// refused, naming those offered.
    #[arg(long, value_delimiter = ',')]
    pub capabilities: Vec<String>,
    /// The directory to create (default: NAME in the current directory); it must not exist.
    #[arg(long)]
    pub dir: Option<PathBuf>,
}

/// `sluice plugins test`.
#[derive(Debug, Args)]
pub struct PluginsTestArgs {
    /// The `.wasm` component file, or `builtin:NAME`.
    pub component: String,
    /// The unit config to call it with, as a JSON object.
    #[arg(long)]
    pub config: String,
    /// Capabilities to grant in scratch, comma-separated: `files` (a scratch directory at each
    /// absolute path in the config), `http` (the origin of each URL in the config).
    #[arg(long, value_delimiter = ',')]
    pub capabilities: Vec<String>,
    /// `GUEST=DIR`: a scratch directory granted at the guest path `GUEST` that starts as a copy
    /// of the host directory `DIR` (repeatable).
    #[arg(long = "tree", value_parser = parse_tree)]
    pub trees: Vec<(String, PathBuf)>,
    /// `NAME`: grants a database `NAME`, a fresh SQLite file in each scratch world (repeatable).
    #[arg(long = "database")]
    pub databases: Vec<String>,
    /// `NAME=VAR`: grants the secret `NAME`, its value read from the environment variable `VAR`
    /// (repeatable).
    #[arg(long = "secret", value_parser = parse_secret)]
    pub secrets: Vec<(String, String)>,
    /// `'METHOD /path'`: a request that changes nothing although its method could (an OAuth
    /// token request, a query sent as a POST), not counted as mutating (repeatable).
    #[arg(long = "read-only-request")]
    pub read_only_requests: Vec<String>,
}

/// `LEFT=RIGHT`, both non-empty, the left accepted by `left_ok`; else an error expecting `form`.
fn parse_pair(
    text: &str,
    form: &str,
    left_ok: fn(&str) -> bool,
) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((left, right)) if left_ok(left) && !right.is_empty() => {
            Ok((left.to_owned(), right.to_owned()))
        }
        _ => Err(format!("`{text}`: expected {form}")),
    }
}

fn parse_tree(text: &str) -> Result<(String, PathBuf), String> {
    let form = "GUEST=DIR, GUEST an absolute guest path such as /site";
    parse_pair(text, form, |guest| guest.starts_with('/')).map(|(guest, dir)| (guest, dir.into()))
}

fn parse_secret(text: &str) -> Result<(String, String), String> {
    parse_pair(text, "NAME=VAR", |name| !name.is_empty())
}

/// `sluice audit ...`.
#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Check the hash chain; exit 1 naming the first edited, deleted or reordered record.
    Verify,
    /// Print every record as one JSON line.
    Export,
    /// Print every host call the plugins of a deployment made: what each reached and whether it
    /// was allowed or denied.
    Calls(AuditCallsArgs),
}

/// Which deployment: one named by its id, or the newest of an environment.
#[derive(Debug, Args)]
pub struct WhichDeployment {
    /// The deployment (default: the newest deployment of `--env`).
    pub deployment: Option<String>,
    /// The environment whose newest deployment to show.
    #[arg(long, short = 'e', required_unless_present = "deployment")]
    pub env: Option<String>,
}

/// `sluice audit calls`.
#[derive(Debug, Args)]
pub struct AuditCallsArgs {
    /// The deployment.
    #[command(flatten)]
    pub which: WhichDeployment,
}

/// `sluice report`.
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// The deployment.
    #[command(flatten)]
    pub which: WhichDeployment,
    /// The HTML file to write: one self-contained page (no network, no external assets).
    #[arg(long, value_name = "FILE")]
    pub html: PathBuf,
}

fn parse_duration(text: &str) -> Result<Duration, String> {
    humantime::parse_duration(text)
        .map_err(|e| format!("invalid duration `{text}` ({e}): expected e.g. 30s, 2m"))
}

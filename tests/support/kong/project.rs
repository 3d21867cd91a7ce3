//! A project that deploys a declarative config with the builtin `kong-config` plugin to a [`Kong`]
//! emulator.

use super::Kong;
use crate::support::project::ENV;
use crate::support::{Run, sluice};

/// A plan directory with `kong/kong.yaml`.
pub struct GatewayProject {
    pub dir: tempfile::TempDir,
}

/// The unit's knobs beyond the defaults.
#[derive(Default)]
pub struct Unit<'a> {
    /// The origin granted under `http` (default: the emulator's Admin API).
    pub grant: Option<&'a str>,
    /// The `admin` URL (default: the emulator's Admin API).
    pub admin: Option<&'a str>,
    /// `vars` entries, TOML (`stable = "127.0.0.1:9"`).
    pub vars: &'a str,
    /// A `canary` table, TOML, without the key.
    pub canary: Option<&'a str>,
    /// The unit's `shift` steps.
    pub shift: &'a [u8],
    /// More gates, TOML tables.
    pub gates: &'a [String],
}

impl GatewayProject {
    /// An empty project.
    pub fn new() -> GatewayProject {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("kong")).unwrap();
        GatewayProject { dir }
    }

    /// Writes the plan for `kong` with a readiness gate on its Status API.
    pub fn plan(&self, kong: &Kong, unit: &Unit<'_>) {
        let admin = kong.admin_url();
        let canary = unit
            .canary
            .map(|c| format!(", canary = {c}"))
            .unwrap_or_default();
        let mut gates = vec![format!(
            r#"{{ http = "{}", body = "ready", interval = "50ms", failure_threshold = 2, deadline = "5s" }}"#,
            kong.ready_url()
        )];
        gates.extend(unit.gates.iter().cloned());
        let plan = format!(
            r#"[project]
name = "gateway"
[environments.{ENV}]
[plugins.kong]
source = "builtin:kong-config"
[plugins.kong.grants]
http = ["{grant}"]
files = [{{ path = "kong", at = "/kong" }}]
[units.gateway]
plugin = "kong"
shift = {shift:?}
config = {{ admin = "{url}", file = "/kong/kong.yaml", vars = {{ {vars} }}{canary} }}
gates = [
  {gates}
]
"#,
            grant = unit.grant.unwrap_or(&admin),
            url = unit.admin.unwrap_or(&admin),
            shift = unit.shift,
            vars = unit.vars,
            gates = gates.join(",\n  "),
        );
        std::fs::write(self.dir.path().join("sluice.toml"), plan).unwrap();
    }

    /// Writes `kong/kong.yaml`.
    pub fn write_config(&self, text: &str) {
        std::fs::write(self.dir.path().join("kong/kong.yaml"), text).unwrap();
    }

    /// Runs `sluice ARGS`.
    pub fn sluice(&self, args: &[&str]) -> Run {
        sluice(self.dir.path()).args(args).output().unwrap().into()
    }

    /// `sluice apply` of `version`.
    pub fn apply(&self, version: &str) -> Run {
        self.sluice(&["apply", "--env", ENV, "--version", version])
    }
}

/// A config routing `/shop` to the upstream `shop-upstream`, whose targets are `${stable}` and,
/// with `canary`, `${canary}`; `extra` is appended (more top-level YAML).
pub fn gateway_config(canary: bool, extra: &str) -> String {
    let canary = if canary {
        "\n      - target: ${canary}"
    } else {
        ""
    };
    format!(
        r#"_format_version: "3.0"
services:
  - name: shop
    host: shop-upstream
    routes:
      - name: shop-route
        paths: ["/shop"]
upstreams:
  - name: shop-upstream
    targets:
      - target: ${{stable}}{canary}
{extra}"#
    )
}

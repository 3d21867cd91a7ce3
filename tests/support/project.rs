//! A throwaway project: a plan, a site to publish, a release directory served over HTTP.

use std::path::{Path, PathBuf};

use super::http::{StaticServer, get};
use super::{EXIT_SUCCESS, Run, output_with_peak_memory, sha256_file, sluice, test_plugin};

/// The environment every test plan declares.
pub const ENV: &str = "test";

/// A temporary project directory with `site/` (the source) and `www/` (the releases, served).
pub struct Project {
    /// The temporary directory (removed on drop).
    pub dir: tempfile::TempDir,
    /// Serves `www/`.
    pub server: StaticServer,
}

impl Project {
    /// An empty project with its `www/` served.
    pub fn new() -> Project {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("site")).unwrap();
        std::fs::create_dir_all(dir.path().join("www")).unwrap();
        let server = StaticServer::start(&dir.path().join("www"));
        Project { dir, server }
    }

    /// The project directory.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// The plan file's path.
    pub fn plan_path(&self) -> PathBuf {
        self.path().join("sluice.toml")
    }

    /// Writes the plan; `{base}` in `text` becomes the static server's base URL.
    pub fn write_plan(&self, text: &str) {
        std::fs::write(
            self.plan_path(),
            text.replace("{base}", &self.server.base_url()),
        )
        .unwrap();
    }

    /// Writes `site/index.html` saying `text`.
    pub fn write_site(&self, text: &str) {
        std::fs::write(
            self.path().join("site/index.html"),
            format!("<h1>{text}</h1>\n"),
        )
        .unwrap();
    }

    /// Runs `sluice ARGS` in the project.
    pub fn sluice(&self, args: &[&str]) -> Run {
        sluice(self.path()).args(args).output().unwrap().into()
    }

    /// Runs `sluice ARGS` in the project; also returns the run's peak memory (KiB).
    pub fn sluice_with_peak_memory(&self, args: &[&str]) -> (Run, i64) {
        let (output, peak) = output_with_peak_memory(sluice(self.path()).args(args));
        (output.into(), peak)
    }

    /// Writes the site as `version` and applies it to the test environment.
    pub fn deploy(&self, version: &str) -> Run {
        self.write_site(version);
        self.sluice(&["apply", "--env", ENV, "--version", version])
    }

    /// What the live site serves: status and body of `/current/index.html`.
    pub fn live(&self) -> (u16, String) {
        get(self.server.addr, "/current/index.html")
    }

    /// A project whose unit `web` serves v1 (deployed by the static-site plugin), with the plan
    /// switched to [`test_plugin_plan`]`(name, tables, config)` for the next deploy.
    pub fn v1_live_then(name: &str, tables: &str, config: &str) -> Project {
        let project = Project::new();
        project.write_plan(&static_site_plan(""));
        let first = project.deploy("v1");
        assert_eq!(first.code, EXIT_SUCCESS, "{}", first.all());
        project.write_plan(&test_plugin_plan(name, tables, config));
        project
    }

    /// Asserts v1 still serves and is the version sluice records as live for unit `web`.
    pub fn assert_v1_still_live(&self) {
        assert_eq!(self.live(), (200, "<h1>v1</h1>\n".into()));
        assert_eq!(self.live_version("web").as_deref(), Some("v1"));
    }

    /// `sluice status --output json` for the unit: the live version, if any.
    pub fn live_version(&self, unit: &str) -> Option<String> {
        self.live_version_in(ENV, unit)
    }

    /// The live version of `unit` in `environment`, if any.
    pub fn live_version_in(&self, environment: &str, unit: &str) -> Option<String> {
        let run = self.sluice(&["status", "--env", environment, "--output", "json"]);
        assert_eq!(run.code, 0, "status failed: {}", run.all());
        run.stdout.lines().find_map(|line| {
            let v: serde_json::Value = serde_json::from_str(line).ok()?;
            (v["unit"] == unit).then(|| v["live"]["version"].as_str().map(str::to_owned))?
        })
    }
}

/// The start of a plan deploying static sites: `[project] name`, the `environments` tables (TOML
/// text) and the builtin static-site plugin `site`, granted `site/` (read-only, at `/site`) and
/// `www/` (read-write, at `/www`); units follow.
pub fn site_plan_preamble(project: &str, environments: &str) -> String {
    format!(
        r#"[project]
name = "{project}"
{environments}
[plugins.site]
source = "builtin:static-site"
[plugins.site.grants]
files = [{{ path = "site", at = "/site" }}, {{ path = "www", at = "/www", mode = "read-write" }}]
"#
    )
}

/// A plan of `count` independent static-site units `u0`.., each publishing `site/` under
/// `www/uN`, its files under `paths = ["uN/**"]`, with a live gate that waits `gate` first.
pub fn independent_units_plan(count: usize, gate: Option<std::time::Duration>) -> String {
    let units: String = (0..count)
        .map(|n| {
            let gates = gate
                .map(|d| {
                    format!(
                        r#"gates = [{{ http = "{{base}}/u{n}/current/index.html", initial_delay = "{}ms", interval = "50ms" }}]"#,
                        d.as_millis()
                    )
                })
                .unwrap_or_default();
            format!(
                "\n[units.u{n}]\nplugin = \"site\"\npaths = [\"u{n}/**\"]\n\
                 config = {{ source = \"/site\", target = \"/www/u{n}\" }}\n{gates}\n"
            )
        })
        .collect();
    format!(
        "{}{units}",
        site_plan_preamble("bench", &format!("[environments.{ENV}]"))
    )
}

/// A plan deploying `site/` with the builtin static-site strategy, with a staged and a live gate
/// expecting the page to contain `${version}`; `extra_gate` is appended to the gates list.
pub fn static_site_plan(extra_gate: &str) -> String {
    format!(
        r#"[project]
name = "t"

[environments.test]

[plugins.site]
source = "builtin:static-site"
[plugins.site.grants]
files = [{{ path = "site", at = "/site" }}, {{ path = "www", at = "/www", mode = "read-write" }}]

[units.web]
plugin = "site"
config = {{ source = "/site", target = "/www", keep = 3, public_url = "{{base}}" }}
endpoints = ["{{base}}"]
gates = [
  {{ http = "${{staged.endpoint}}index.html", body = "${{version}}", interval = "50ms", deadline = "5s" }},
  {{ http = "{{base}}/current/index.html", body = "${{version}}", interval = "50ms", deadline = "5s" }},
  {extra_gate}
]
"#
    )
}

/// [`static_site_plan`] with unit `web` deployed by the test plugin `name` instead, declared as
/// `[plugins.bad]` followed by `tables` (its grants and limits, as TOML), with `config` (TOML
/// pairs such as `attack = "read", args = ["/x"]`) added to the unit's config.
pub fn test_plugin_plan(name: &str, tables: &str, config: &str) -> String {
    let wasm = test_plugin(name);
    let mut plan = static_site_plan("").replace("plugin = \"site\"", "plugin = \"bad\"");
    if !config.is_empty() {
        plan = plan.replace("keep = 3,", &format!("keep = 3, {config},"));
    }
    plan + &format!(
        "\n[plugins.bad]\nsource = {:?}\nsha256 = \"{}\"\n{tables}\n",
        wasm.display().to_string(),
        sha256_file(&wasm)
    )
}

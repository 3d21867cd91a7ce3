//! A Pages project on the emulator with a sluice plan deploying `site/` to it with the
//! `cloudflare-pages` plugin: shared by the Pages tests and the benchmark.

use std::path::{Path, PathBuf};

use super::cloudflare::{ACCOUNT, API_TOKEN, Emulator};
use super::http::get_bytes;
use super::project::ENV;
use super::{Run, sluice};

/// The production branch of every test project.
pub const PRODUCTION_BRANCH: &str = "main";
/// The emulated project's name.
pub const PROJECT: &str = "shop";

/// Gates that probe `/version.txt` of the preview and then of production for the version.
pub const VERSION_GATES: &str = r#"[
  { http = "${staged.endpoint}/version.txt", body = "${version}", interval = "50ms", deadline = "5s" },
  { http = "{production}/version.txt", body = "${version}", interval = "50ms", deadline = "5s" },
]"#;

/// An emulator with one project, and a project directory whose plan deploys `site/` to it.
pub struct PagesProject {
    pub emulator: Emulator,
    pub dir: tempfile::TempDir,
    /// The plugin's `retry_delay_ms`: short in tests, so retries cost little time.
    pub retry_delay_ms: u32,
}

impl PagesProject {
    /// A fresh emulator and project directory, with an empty `site/`.
    pub fn new() -> PagesProject {
        let emulator = Emulator::start();
        emulator.create_project(PROJECT, PRODUCTION_BRANCH);
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("site")).unwrap();
        std::fs::write(dir.path().join("cf-token"), API_TOKEN).unwrap();
        PagesProject {
            emulator,
            dir,
            retry_delay_ms: 10,
        }
    }

    /// The site directory.
    pub fn site(&self) -> PathBuf {
        self.dir.path().join("site")
    }

    /// Writes `content` to `site/<path>`.
    pub fn write(&self, path: &str, content: impl AsRef<[u8]>) {
        let path = self.site().join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, content).unwrap();
    }

    /// Writes the plan: the unit's config gets `extra_config` (`, key = value`...), its gates
    /// are `gates` (`{production}` becomes the production URL), and the plugin is granted the
    /// emulator's origin, the token secret and `site/` read-only.
    pub fn plan(&self, extra_config: &str, gates: &str) {
        let plan = format!(
            r#"[project]
name = "pages"

[environments.{ENV}]

[secrets.cf_token]
file = "cf-token"

[plugins.pages]
source = "builtin:cloudflare-pages"
[plugins.pages.grants]
http = ["{origin}"]
secrets = ["cf_token"]
files = [{{ path = "site", at = "/site" }}]
[plugins.pages.limits]
deadline = "5m"

[units.web]
plugin = "pages"
config = {{ account_id = "{ACCOUNT}", project = "{PROJECT}", directory = "/site", api_token_secret = "cf_token", api_base = "{api_base}", retry_delay_ms = {retry}{extra_config} }}
gates = {gates}
"#,
            origin = self.emulator.origin(),
            api_base = self.emulator.api_base(),
            retry = self.retry_delay_ms,
            gates = gates.replace("{production}", &self.production_url()),
        );
        std::fs::write(self.dir.path().join("sluice.toml"), plan).unwrap();
    }

    /// Where production is served.
    pub fn production_url(&self) -> String {
        self.emulator.production_url(PROJECT)
    }

    /// Runs `sluice ARGS` in the project directory.
    pub fn sluice(&self, args: &[&str]) -> Run {
        sluice(self.dir.path()).args(args).output().unwrap().into()
    }

    /// `sluice apply` of `version` to the test environment, with `more` arguments.
    pub fn apply(&self, version: &str, more: &[&str]) -> Run {
        let mut args = vec!["apply", "--env", ENV, "--version", version];
        args.extend_from_slice(more);
        self.sluice(&args)
    }

    /// What production serves at `path`: status and bytes.
    pub fn production(&self, path: &str) -> (u16, Vec<u8>) {
        get_bytes(self.emulator.addr, &format!("/{PROJECT}.pages.dev{path}"))
    }

    /// The manifest of the live production deployment (empty when none).
    pub fn live_manifest(&self) -> std::collections::BTreeMap<String, String> {
        self.emulator
            .live(PROJECT)
            .map(|id| self.emulator.deployment(&id).manifest)
            .unwrap_or_default()
    }
}

/// Every file under `root` (relative, `/`-separated) with its bytes, sorted.
pub fn files_under(root: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files = Vec::new();
    let mut dirs = vec![root.to_owned()];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else {
                let relative = path
                    .strip_prefix(root)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned();
                files.push((relative, std::fs::read(&path).unwrap()));
            }
        }
    }
    files.sort();
    files
}

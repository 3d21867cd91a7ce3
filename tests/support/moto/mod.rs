//! The AWS emulator: moto in server mode (PyPI, in the venv `build/py-aws` that
//! `scripts/ensure-aws-tools.sh` installs), started per test on a loopback port, serving S3 and
//! CloudFront (and ECS, Lambda) on that one port; and the real AWS CLI from the same venv, pointed
//! at it (`--endpoint-url`) with test credentials. Stopped when dropped. What each service's
//! tests set up and read back is in its own module: `s3`, `lambda`, `ecs`.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::Duration;

mod ecs;
mod lambda;
pub mod s3;

use super::components::repo_root;
use super::docker::free_ports;
use super::http::wait_until_listening;
use super::pinned::PinnedPlugin;
use super::project::ENV;
use super::{Run, sluice};

/// The access key id the tests sign with (moto accepts any).
pub const ACCESS_KEY_ID: &str = "AKIDSLUICETEST";
/// Its secret access key: a test checks it appears in no output.
pub const SECRET_ACCESS_KEY: &str = "sluice-test-secret-7b1e9c";

/// The plan's secrets holding the test credentials, from the variables [`sluice_with_keys`] sets.
pub const SECRETS: &str = r#"[secrets.aws_key]
env = "SLUICE_TEST_AWS_KEY"
[secrets.aws_secret]
env = "SLUICE_TEST_AWS_SECRET"
"#;

/// A unit's `credentials` config naming the secrets of [`SECRETS`].
pub const CREDENTIALS: &str = r#"credentials = { access_key_id_secret = "aws_key", secret_access_key_secret = "aws_secret" }"#;

/// sluice in `dir` with `args`, given the test credentials through the variables [`SECRETS`]
/// reads; checks the secret access key appears in none of its output.
pub fn sluice_with_keys(dir: &Path, args: &[&str]) -> Run {
    sluice_signing_with(dir, (ACCESS_KEY_ID, SECRET_ACCESS_KEY), args)
}

/// sluice in `dir` with `args`, given the access key id and secret `keys` through the variables
/// [`SECRETS`] reads; checks the secret appears in none of its output.
pub fn sluice_signing_with(dir: &Path, (key, secret): (&str, &str), args: &[&str]) -> Run {
    let run: Run = sluice(dir)
        .env("SLUICE_TEST_AWS_KEY", key)
        .env("SLUICE_TEST_AWS_SECRET", secret)
        .args(args)
        .output()
        .unwrap()
        .into();
    assert!(!run.all().contains(secret), "{}", run.all());
    run
}

/// The real AWS CLI against `endpoint` (moto's, or a proxy in front of it), signing with the
/// test credentials and reading no profile.
pub fn aws_cli(endpoint: &str) -> Command {
    let mut cli = Command::new(venv().join("aws"));
    cli.args(["--endpoint-url", endpoint, "--region", "us-east-1"])
        .env("AWS_ACCESS_KEY_ID", ACCESS_KEY_ID)
        .env("AWS_SECRET_ACCESS_KEY", SECRET_ACCESS_KEY)
        .env_remove("AWS_PROFILE")
        .env("AWS_CONFIG_FILE", "/dev/null")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null");
    cli
}

/// The plan deploying unit `unit` with `plugin`, granted `endpoint` (moto's), the test
/// credentials as secrets and the `grants` lines; the unit's `config` is the inside of its inline
/// table ([`CREDENTIALS`] and the endpoint are added) and `extra` its other lines.
pub fn aws_plugin_plan(
    plugin: &PinnedPlugin,
    endpoint: &str,
    grants: &str,
    unit: &str,
    config: &str,
    extra: &str,
) -> String {
    let PinnedPlugin { file, sha256 } = plugin;
    format!(
        r#"[project]
name = "t"

[environments.{ENV}]

{SECRETS}
[plugins.aws]
source = "{file}"
sha256 = "{sha256}"
[plugins.aws.grants]
http = ["{endpoint}"]
secrets = ["aws_key", "aws_secret"]
{grants}

[units.{unit}]
plugin = "aws"
config = {{ {config}, endpoint = "{endpoint}", {CREDENTIALS} }}
{extra}
"#
    )
}

/// A running moto server.
pub struct Moto {
    /// `http://127.0.0.1:PORT`: the endpoint of every emulated service.
    pub endpoint: String,
    child: Child,
    log: tempfile::NamedTempFile,
}

fn venv() -> PathBuf {
    repo_root().join("build/py-aws/bin")
}

impl Moto {
    /// Starts moto on a free loopback port and waits until it listens.
    pub fn start() -> Moto {
        Moto::start_with(&[])
    }

    /// Starts moto with the variables `env` (moto reads some of its models' behaviour from
    /// them) and waits until it listens.
    pub fn start_with(env: &[(&str, &str)]) -> Moto {
        let [port] = free_ports();
        let log = tempfile::NamedTempFile::new().unwrap();
        let child = Command::new(venv().join("moto_server"))
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(log.reopen().unwrap())
            .stderr(log.reopen().unwrap())
            .spawn()
            .unwrap_or_else(|e| {
                panic!("cannot start moto_server (scripts/ensure-aws-tools.sh installs it): {e}")
            });
        let moto = Moto {
            endpoint: format!("http://127.0.0.1:{port}"),
            child,
            log,
        };
        let addr: SocketAddr = ([127, 0, 0, 1], port).into();
        wait_until_listening("moto", &[addr], Duration::from_secs(30), || {
            std::fs::read_to_string(moto.log.path()).unwrap_or_default()
        });
        moto
    }

    /// The real AWS CLI with `args`, against this emulator; its output, whatever the exit.
    pub fn aws_output(&self, args: &[&str]) -> Output {
        aws_cli(&self.endpoint).args(args).output().unwrap()
    }

    /// The real AWS CLI with `args`; its standard output. Panics unless it succeeds.
    pub fn aws(&self, args: &[&str]) -> String {
        let output = self.aws_output(args);
        assert!(
            output.status.success(),
            "aws {args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stdout).into_owned()
    }

    /// The real AWS CLI's answer to `args` (with `--output json`), parsed.
    pub fn aws_json(&self, args: &[&str]) -> serde_json::Value {
        let text = self.aws(&[args, &["--output", "json"][..]].concat());
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("aws {args:?}: {e}: {text}"))
    }

    /// Runs `during` with moto checking the key and the signature of every request, as AWS
    /// does (`/moto-api/reset-auth`), and passes it the access key id and secret of the IAM user
    /// `deployer`, allowed every action; afterwards moto accepts any key again.
    pub fn checking_credentials<R>(&self, during: impl FnOnce(&str, &str) -> R) -> R {
        self.aws(&["iam", "create-user", "--user-name", "deployer"]);
        self.aws(&[
            "iam",
            "put-user-policy",
            "--user-name",
            "deployer",
            "--policy-name",
            "everything",
            "--policy-document",
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#,
        ]);
        let key = self.aws_json(&["iam", "create-access-key", "--user-name", "deployer"]);
        let field = |name: &str| key["AccessKey"][name].as_str().unwrap().to_owned();
        self.free_actions("0");
        let result = during(&field("AccessKeyId"), &field("SecretAccessKey"));
        self.free_actions("inf");
        result
    }

    /// Runs sluice `args` in `dir` while moto checks credentials: once with the deployer's key
    /// and a wrong secret, once with an unknown key. Each must fail, its output containing
    /// `said(code)` for the code AWS refuses it with (`SignatureDoesNotMatch`,
    /// `InvalidClientTokenId`).
    pub fn assert_credentials_refused(
        &self,
        dir: &Path,
        args: &[&str],
        said: impl Fn(&str) -> String,
    ) {
        let runs = self.checking_credentials(|key, secret| {
            [(key, "not-the-secret"), ("AKIDUNKNOWN", secret)]
                .map(|keys| sluice_signing_with(dir, keys, args))
        });
        for (run, code) in runs
            .iter()
            .zip(["SignatureDoesNotMatch", "InvalidClientTokenId"])
        {
            assert_ne!(run.code, 0, "{}", run.all());
            assert!(run.all().contains(&said(code)), "{}", run.all());
        }
    }

    /// How many more requests moto serves without checking their credentials.
    fn free_actions(&self, count: &str) {
        let posted = Command::new(venv().join("python"))
            .args([
                "-c",
                "import sys, urllib.request; urllib.request.urlopen(urllib.request.Request(sys.argv[1], data=sys.argv[2].encode(), headers={'content-type': 'text/plain'}, method='POST'))",
                &format!("{}/moto-api/reset-auth", self.endpoint),
                count,
            ])
            .status()
            .unwrap();
        assert!(posted.success(), "moto's reset-auth");
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

//! The AWS emulator: moto in server mode (PyPI, in the venv `build/py-aws` that
//! `scripts/ensure-aws-tools.sh` installs), started per test on a loopback port, serving S3 and
//! CloudFront (and ECS, Lambda) on that one port; and the real AWS CLI from the same venv, pointed
//! at it (`--endpoint-url`) with test credentials. Stopped when dropped.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::Duration;

use super::components::repo_root;
use super::docker::free_ports;
use super::http::wait_until_listening;
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

/// A plugin built for the tests, copied into a project and pinned there.
pub struct PinnedPlugin {
    /// The file's name in the project (the plan's `source`).
    pub file: String,
    pub sha256: String,
}

impl PinnedPlugin {
    /// Copies the component `built` into `project` as `file`.
    pub fn copy(built: &Path, project: &Path, file: &str) -> PinnedPlugin {
        let wasm = project.join(file);
        std::fs::copy(built, &wasm).unwrap();
        PinnedPlugin {
            file: file.to_owned(),
            sha256: super::sha256_file(&wasm),
        }
    }

    /// The plan deploying unit `unit` with this plugin, granted `endpoint` (moto's), the test
    /// credentials as secrets and the `grants` lines; the unit's `config` is the inside of its
    /// inline table ([`CREDENTIALS`] are added) and `extra` its other lines.
    pub fn plan(
        &self,
        endpoint: &str,
        grants: &str,
        unit: &str,
        config: &str,
        extra: &str,
    ) -> String {
        let PinnedPlugin { file, sha256 } = self;
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
}

/// Where `builtin:s3-static` deploys, for [`s3_static_plan`].
pub struct S3Site<'a> {
    /// The S3 and CloudFront endpoint (moto's, or a proxy in front of it).
    pub endpoint: &'a str,
    pub bucket: &'a str,
    /// The distribution and the id of its origin whose path names the live release.
    pub distribution: &'a str,
    pub origin: &'a str,
    /// Releases kept.
    pub keep: u32,
    /// The page the staged gate reads in the new release (it must contain the version).
    pub page: &'a str,
}

/// The plan deploying `site/` as unit `web` with `builtin:s3-static` to `to`, the test
/// credentials granted as secrets, a staged gate on the new release's `to.page`, then `gate` (a
/// TOML gate table, or nothing).
pub fn s3_static_plan(to: &S3Site, gate: &str) -> String {
    let S3Site {
        endpoint,
        bucket,
        distribution,
        origin,
        keep,
        page,
    } = to;
    format!(
        r#"[project]
name = "t"

[environments.{ENV}]

{SECRETS}
[plugins.s3]
source = "builtin:s3-static"
[plugins.s3.grants]
http = ["{endpoint}"]
secrets = ["aws_key", "aws_secret"]
files = [{{ path = "site", at = "/site" }}]

[units.web]
plugin = "s3"
endpoints = ["{endpoint}"]
config = {{ source = "/site", bucket = "{bucket}", endpoint = "{endpoint}", keep = {keep}, {CREDENTIALS}, cloudfront = {{ distribution_id = "{distribution}", origin_id = "{origin}", endpoint = "{endpoint}" }} }}
gates = [
  {{ http = "${{staged.endpoint}}{page}", body = "${{version}}", interval = "50ms", deadline = "5s" }},
  {gate}
]
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

    /// Creates bucket `bucket`, its objects readable by anyone (as a site's bucket behind a
    /// CDN often is; the staged gate reads the new release that way).
    pub fn public_bucket(&self, bucket: &str) {
        self.aws(&["s3", "mb", &format!("s3://{bucket}")]);
        let public = serde_json::json!({"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
            "Resource": format!("arn:aws:s3:::{bucket}/*")}]});
        self.aws(&[
            "s3api",
            "put-bucket-policy",
            "--bucket",
            bucket,
            "--policy",
            &public.to_string(),
        ]);
    }

    /// Creates a CloudFront distribution with one S3 origin `origin` whose path is
    /// `origin_path`; returns its id.
    pub fn distribution(&self, origin: &str, origin_path: &str) -> String {
        let config = serde_json::json!({
            "CallerReference": format!("sluice-test-{origin}"),
            "Comment": "",
            "Enabled": true,
            "Origins": {"Quantity": 1, "Items": [{
                "Id": origin, "DomainName": "www.s3.amazonaws.com", "OriginPath": origin_path,
                "S3OriginConfig": {"OriginAccessIdentity": ""}}]},
            "DefaultCacheBehavior": {
                "TargetOriginId": origin, "ViewerProtocolPolicy": "allow-all",
                "ForwardedValues": {"QueryString": false, "Cookies": {"Forward": "none"}},
                "MinTTL": 0, "TrustedSigners": {"Enabled": false, "Quantity": 0}},
        });
        self.aws(&[
            "cloudfront",
            "create-distribution",
            "--distribution-config",
            &config.to_string(),
            "--query",
            "Distribution.Id",
            "--output",
            "text",
        ])
        .trim()
        .to_owned()
    }

    /// The `OriginPath` of the first origin of distribution `id`.
    pub fn origin_path(&self, id: &str) -> String {
        self.aws(&[
            "cloudfront",
            "get-distribution-config",
            "--id",
            id,
            "--query",
            "DistributionConfig.Origins.Items[0].OriginPath",
            "--output",
            "text",
        ])
        .trim()
        .to_owned()
    }

    /// Every key in `bucket` under `prefix`, sorted, as `aws s3api list-objects-v2` lists them.
    pub fn keys(&self, bucket: &str, prefix: &str) -> Vec<String> {
        let listed = self.aws(&[
            "s3api",
            "list-objects-v2",
            "--bucket",
            bucket,
            "--prefix",
            prefix,
            "--query",
            "Contents[].Key",
            "--output",
            "json",
        ]);
        let mut keys: Vec<String> = serde_json::from_str(&listed).unwrap_or_default();
        keys.sort();
        keys
    }
}

/// The role the test functions run as (moto checks it exists).
const LAMBDA_ROLE: &str = "arn:aws:iam::123456789012:role/sluice-test";

impl Moto {
    /// The real AWS CLI's answer to `args` (with `--output json`), parsed.
    pub fn aws_json(&self, args: &[&str]) -> serde_json::Value {
        let text = self.aws(&[args, &["--output", "json"][..]].concat());
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("aws {args:?}: {e}: {text}"))
    }

    /// Creates the Lambda function `name` (runtime python3.12, its role created first) whose
    /// code is one `app.py`; it has no alias and no published version.
    pub fn function(&self, name: &str) {
        self.aws(&[
            "iam",
            "create-role",
            "--role-name",
            "sluice-test",
            "--assume-role-policy-document",
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#,
        ]);
        let dir = tempfile::tempdir().unwrap();
        let zip = dir.path().join("code.zip");
        let made = Command::new(venv().join("python"))
            .args([
                "-c",
                "import sys, zipfile; zipfile.ZipFile(sys.argv[1], 'w').writestr('app.py', 'def handler(event, context):\\n    return 0\\n')",
            ])
            .arg(&zip)
            .status()
            .unwrap();
        assert!(made.success());
        self.aws(&[
            "lambda",
            "create-function",
            "--function-name",
            name,
            "--runtime",
            "python3.12",
            "--handler",
            "app.handler",
            "--role",
            LAMBDA_ROLE,
            "--zip-file",
            &format!("fileb://{}", zip.display()),
        ]);
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

    /// Creates cluster `cluster` and its service `service` of 2 tasks, running revision 1 of the
    /// task definition family `service`, whose one container `app` runs `image`.
    pub fn ecs_service(&self, cluster: &str, service: &str, image: &str) {
        self.aws(&["ecs", "create-cluster", "--cluster-name", cluster]);
        let containers =
            serde_json::json!([{"name": "app", "image": image, "memory": 128, "essential": true}]);
        self.aws(&[
            "ecs",
            "register-task-definition",
            "--family",
            service,
            "--container-definitions",
            &containers.to_string(),
        ]);
        self.aws(&[
            "ecs",
            "create-service",
            "--cluster",
            cluster,
            "--service-name",
            service,
            "--task-definition",
            &format!("{service}:1"),
            "--desired-count",
            "2",
        ]);
    }

    /// The task definition (`family:revision`) service `service` of `cluster` runs, and the
    /// image of its container.
    pub fn ecs_running(&self, cluster: &str, service: &str) -> (String, String) {
        let found = self.aws_json(&[
            "ecs",
            "describe-services",
            "--cluster",
            cluster,
            "--services",
            service,
        ]);
        let arn = found["services"][0]["taskDefinition"]
            .as_str()
            .unwrap()
            .to_owned();
        let definition =
            self.aws_json(&["ecs", "describe-task-definition", "--task-definition", &arn]);
        let revision = &definition["taskDefinition"];
        (
            format!(
                "{}:{}",
                revision["family"].as_str().unwrap(),
                revision["revision"]
            ),
            revision["containerDefinitions"][0]["image"]
                .as_str()
                .unwrap()
                .to_owned(),
        )
    }

    /// The active revisions of task definition family `family`, as `family:revision`.
    pub fn ecs_revisions(&self, family: &str) -> Vec<String> {
        let listed = self.aws_json(&[
            "ecs",
            "list-task-definitions",
            "--family-prefix",
            family,
            "--status",
            "ACTIVE",
        ]);
        listed["taskDefinitionArns"]
            .as_array()
            .unwrap()
            .iter()
            .map(|arn| arn.as_str().unwrap().rsplit('/').next().unwrap().to_owned())
            .collect()
    }

    /// The alias `alias` of function `name`: its version and its additional version weights.
    pub fn alias(&self, name: &str, alias: &str) -> (String, serde_json::Value) {
        let found = self.aws_json(&[
            "lambda",
            "get-alias",
            "--function-name",
            name,
            "--name",
            alias,
        ]);
        let weights = found
            .pointer("/RoutingConfig/AdditionalVersionWeights")
            .cloned()
            .unwrap_or(serde_json::json!({}));
        (
            found["FunctionVersion"].as_str().unwrap().to_owned(),
            weights,
        )
    }

    /// The published versions of function `name` (without `$LATEST`).
    pub fn versions(&self, name: &str) -> Vec<String> {
        let listed = self.aws_json(&[
            "lambda",
            "list-versions-by-function",
            "--function-name",
            name,
        ]);
        listed["Versions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v["Version"].as_str().unwrap().to_owned())
            .filter(|v| v != "$LATEST")
            .collect()
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

//! The AWS emulator: moto in server mode (PyPI, in the venv `build/py-aws` that
//! `scripts/ensure-aws-tools.sh` installs), started per test on a loopback port, serving S3 and
//! CloudFront (and ECS, Lambda) on that one port; and the real AWS CLI from the same venv, pointed
//! at it (`--endpoint-url`) with test credentials. Stopped when dropped.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};
use std::time::Duration;

use super::components::repo_root;
use super::docker::free_ports;
use super::http::wait_until_listening;

/// The access key id the tests sign with (moto accepts any).
pub const ACCESS_KEY_ID: &str = "AKIDSLUICETEST";
/// Its secret access key: a test checks it appears in no output.
pub const SECRET_ACCESS_KEY: &str = "sluice-test-secret-7b1e9c";

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
        let [port] = free_ports();
        let log = tempfile::NamedTempFile::new().unwrap();
        let child = Command::new(venv().join("moto_server"))
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
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
        Command::new(venv().join("aws"))
            .args(["--endpoint-url", &self.endpoint, "--region", "us-east-1"])
            .args(args)
            .env("AWS_ACCESS_KEY_ID", ACCESS_KEY_ID)
            .env("AWS_SECRET_ACCESS_KEY", SECRET_ACCESS_KEY)
            .env_remove("AWS_PROFILE")
            .env("AWS_CONFIG_FILE", "/dev/null")
            .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
            .output()
            .unwrap()
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

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

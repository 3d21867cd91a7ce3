//! S3 and CloudFront in moto: a public bucket, a distribution, what the tests read back, and
//! the plan deploying a site with `builtin:s3-static`.

use super::{CREDENTIALS, ENV, Moto, SECRETS};

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

impl Moto {
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

/// Sets the mtime of every file under `dir` an hour back. `aws s3 sync` uploads a file whose
/// mtime is newer than its object's `LastModified`, which S3 keeps in whole seconds: a file
/// written in the second it was first synced would look newer at the next sync, unchanged.
pub fn backdate(dir: &std::path::Path) {
    let an_hour_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            backdate(&path);
        } else {
            std::fs::File::options()
                .write(true)
                .open(&path)
                .and_then(|file| file.set_modified(an_hour_ago))
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        }
    }
}

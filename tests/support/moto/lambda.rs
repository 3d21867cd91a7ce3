//! Lambda in moto: a function to deploy to, and its alias and versions as the CLI reads them.

use std::process::Command;

use super::{Moto, venv};

/// The role the test functions run as (moto checks it exists).
const LAMBDA_ROLE: &str = "arn:aws:iam::123456789012:role/sluice-test";

impl Moto {
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

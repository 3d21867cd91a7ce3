//! The API's objects, as far as this plugin reads them.

use serde::{Deserialize, Serialize};

/// A Pages project.
#[derive(Debug, Clone, Deserialize)]
pub struct Project {
    /// The branch whose deployments are production.
    pub production_branch: String,
    /// The live production deployment, if there is one.
    #[serde(default)]
    pub canonical_deployment: Option<Deployment>,
}

/// A deployment.
#[derive(Debug, Clone, Deserialize)]
pub struct Deployment {
    /// Its id.
    pub id: String,
    /// Where it is served.
    pub url: String,
    /// The stage it has reached.
    #[serde(default)]
    pub latest_stage: Option<Stage>,
    /// What made it.
    #[serde(default)]
    pub deployment_trigger: Option<Trigger>,
}

/// A deployment's stage: `queued`, `initialize`, `clone_repo`, `build`, `deploy`.
#[derive(Debug, Clone, Deserialize)]
pub struct Stage {
    /// The stage's name.
    pub name: String,
    /// `idle`, `active`, `success`, `failure` or `canceled`.
    #[serde(default)]
    pub status: String,
}

/// What made a deployment.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Trigger {
    /// The branch and commit it was made for.
    #[serde(default)]
    pub metadata: TriggerMetadata,
}

/// The branch and commit a deployment was made for.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct TriggerMetadata {
    /// The commit message it was created with.
    #[serde(default)]
    pub commit_message: Option<String>,
}

/// A deployment as this plugin remembers it in its state strings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeploymentRef {
    /// Its id.
    pub id: String,
    /// Where it is served.
    pub url: String,
}

impl Deployment {
    /// The deployment's id and URL.
    pub fn to_ref(&self) -> DeploymentRef {
        DeploymentRef {
            id: self.id.clone(),
            url: self.url.clone(),
        }
    }

    /// The commit message it was created with (empty when none).
    pub fn commit_message(&self) -> &str {
        self.deployment_trigger
            .as_ref()
            .and_then(|trigger| trigger.metadata.commit_message.as_deref())
            .unwrap_or("")
    }

    /// Whether its deploy stage finished, and how: `Some(true)` success, `Some(false)` failure.
    pub fn deployed(&self) -> Option<bool> {
        let stage = self.latest_stage.as_ref()?;
        match stage.status.as_str() {
            "success" if stage.name == "deploy" => Some(true),
            "failure" | "canceled" => Some(false),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn deployment(stage: &str) -> Deployment {
        serde_json::from_str(&format!(
            r#"{{"id": "d1", "url": "https://d1.p.pages.dev", "latest_stage": {stage}}}"#
        ))
        .unwrap()
    }

    #[test]
    fn a_deployment_is_live_once_its_deploy_stage_succeeded() {
        assert_eq!(
            deployment(r#"{"name": "deploy", "status": "success"}"#).deployed(),
            Some(true)
        );
        assert_eq!(
            deployment(r#"{"name": "queued", "status": "active"}"#).deployed(),
            None
        );
        assert_eq!(
            deployment(r#"{"name": "deploy", "status": "failure"}"#).deployed(),
            Some(false)
        );
    }

    #[test]
    fn a_project_without_deployments_has_no_canonical_one() {
        let project: Project = serde_json::from_str(
            r#"{"name": "p", "production_branch": "main", "deployment_configs": {"production": {}, "preview": {}}}"#,
        )
        .unwrap();
        assert!(project.canonical_deployment.is_none());
    }
}

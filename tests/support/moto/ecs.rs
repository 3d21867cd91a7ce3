//! ECS in moto: a cluster and a service to deploy to, and what it runs as the CLI reads it.

use super::Moto;

impl Moto {
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
}

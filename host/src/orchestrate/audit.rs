//! The deployment's entries in the tamper-evident audit log.

use super::setup::Deployer;
use crate::state::StateError;
use crate::state::audit::AuditEntry;

impl Deployer {
    /// Appends `event` of deployment `deployment_id` to the audit log, its detail redacted.
    pub fn audit(
        &self,
        deployment_id: &str,
        event: &str,
        detail: serde_json::Value,
    ) -> Result<(), StateError> {
        let entry = AuditEntry {
            at_ms: crate::clock::now_ms(),
            actor: self.actor.clone(),
            environment: self.environment.clone(),
            deployment_id: deployment_id.to_owned(),
            event: event.to_owned(),
            detail: self.redactor.redact(&detail.to_string()).into_owned(),
        };
        self.store.audit_append(&entry).map(|_| ())
    }
}

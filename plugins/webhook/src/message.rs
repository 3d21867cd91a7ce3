//! What the webhook posts for an event: one line of text, or the event as a JSON object.

use sluice_sdk::{EventKind, HookEvent};

/// One line for a chat, e.g. `shop production: web v2 rolled back: live gate failed (deployment 0197…)`.
pub fn text(event: &HookEvent) -> String {
    let subject = match (&event.unit, &event.version) {
        (Some(unit), Some(version)) => format!("{unit} {version}"),
        (Some(unit), None) => unit.clone(),
        (None, Some(version)) => version.clone(),
        (None, None) => String::new(),
    };
    let what = match event.kind {
        EventKind::DeploymentStarted => "deployment started".to_owned(),
        EventKind::DeploymentFinished => format!(
            "deployment finished: {}",
            event.outcome.as_deref().unwrap_or("unknown")
        ),
        EventKind::UnitSucceeded => "succeeded".to_owned(),
        EventKind::UnitFailed => "FAILED and was not rolled back: it needs a person".to_owned(),
        EventKind::UnitRolledBack => "failed and was rolled back".to_owned(),
        EventKind::AwaitingApproval => "awaits the approval of a plan".to_owned(),
        EventKind::Paused => "paused: `sluice resume` or `sluice abort` carries on".to_owned(),
    };
    let mut line = format!("{} {}:", event.project, event.environment);
    for part in [subject.as_str(), what.as_str()] {
        if !part.is_empty() {
            line.push(' ');
            line.push_str(part);
        }
    }
    if let Some(reason) = &event.reason {
        line.push_str(&format!(": {reason}"));
    }
    if let Some(id) = &event.deployment_id {
        line.push_str(&format!(" (deployment {id})"));
    }
    line
}

/// The event as a JSON object: `event` (its kind) and every field that has a value.
pub fn object(event: &HookEvent) -> serde_json::Value {
    serde_json::json!({
        "event": event.kind.as_str(),
        "deployment_id": event.deployment_id,
        "project": event.project,
        "environment": event.environment,
        "unit": event.unit,
        "version": event.version,
        "outcome": event.outcome,
        "reason": event.reason,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rolled_back() -> HookEvent {
        HookEvent {
            kind: EventKind::UnitRolledBack,
            deployment_id: Some("d1".into()),
            project: "shop".into(),
            environment: "production".into(),
            unit: Some("web".into()),
            version: Some("v2".into()),
            outcome: Some("rolled-back".into()),
            reason: Some("live gate failed".into()),
        }
    }

    #[test]
    fn a_slack_line_says_who_what_why_and_which_deployment() {
        assert_eq!(
            text(&rolled_back()),
            "shop production: web v2 failed and was rolled back: live gate failed (deployment d1)"
        );
    }

    #[test]
    fn the_json_object_names_the_event_kind_as_the_plan_does() {
        let object = object(&rolled_back());
        assert_eq!(object["event"], "unit-rolled-back");
        assert_eq!(object["unit"], "web");
        assert_eq!(object["reason"], "live gate failed");
    }
}

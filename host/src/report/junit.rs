//! `--junit FILE`: the deployment as JUnit XML, the report format GitLab, Jenkins and Buildkite
//! read. One `<testsuite>` per deployment (`apply staging`), one `<testcase>` per unit: a unit
//! that succeeded or was already live passes, one that rolled back is a `<failure>`, one that
//! failed without a rollback is an `<error>`, one not attempted or paused at a `pause` step is
//! `<skipped>`. Each case's `<system-out>` lists its gate verdicts. Written when the deployment finishes.

use quick_xml::Writer;
use quick_xml::events::BytesText;
use std::path::PathBuf;
use std::sync::Mutex;

use super::record::{DeploymentRecord, GateVerdict, UnitRecord};
use super::{Event, Output, Stamped};
use crate::redact::Redactor;
use crate::state::Outcome;

/// Collects the deployment's events and writes the XML file at its end.
pub struct JunitReport {
    path: PathBuf,
    redactor: Redactor,
    record: Mutex<DeploymentRecord>,
}

impl JunitReport {
    /// A report written to `path` when the deployment finishes.
    pub fn new(path: PathBuf, redactor: Redactor) -> JunitReport {
        JunitReport {
            path,
            redactor,
            record: Mutex::new(DeploymentRecord::default()),
        }
    }
}

impl Output for JunitReport {
    fn write(&self, stamped: &Stamped) {
        let Ok(mut record) = self.record.lock() else {
            return;
        };
        record.add(stamped);
        if !matches!(stamped.event, Event::DeploymentFinished { .. }) {
            return;
        }
        let xml = document(&record, seconds(stamped.duration_ms.unwrap_or_default()));
        let xml = self.redactor.redact(&xml);
        if let Err(e) = std::fs::write(&self.path, xml.as_bytes()) {
            tracing::warn!(
                "could not write the JUnit report {}: {e}",
                self.path.display()
            );
        }
    }
}

/// `1.234`: seconds, as JUnit times are.
fn seconds(duration_ms: u64) -> String {
    format!("{:.3}", duration_ms as f64 / 1000.0)
}

/// How a unit's outcome reads in JUnit: `None` for a pass, else the child element and its type.
fn verdict(outcome: Outcome) -> Option<(&'static str, &'static str)> {
    match outcome {
        Outcome::Succeeded | Outcome::Unchanged => None,
        Outcome::RolledBack => Some(("failure", "rolled-back")),
        Outcome::Failed | Outcome::Running => Some(("error", "failed")),
        Outcome::Skipped => Some(("skipped", "skipped")),
        Outcome::Paused => Some(("skipped", "paused")),
    }
}

/// The XML document.
fn document(record: &DeploymentRecord, time: String) -> String {
    let count = |kind: &str| {
        record
            .units
            .iter()
            .filter(|c| verdict(c.outcome).is_some_and(|(element, _)| element == kind))
            .count()
            .to_string()
    };
    let (tests, failures, errors, skipped) = (
        record.units.len().to_string(),
        count("failure"),
        count("error"),
        count("skipped"),
    );
    let timestamp = record
        .started
        .map(|at| humantime::format_rfc3339_seconds(at).to_string())
        .unwrap_or_default();
    let classname = format!("sluice.{}", record.environment);
    let suite = format!("{} {}", record.kind, record.environment);
    let mut writer = Writer::new_with_indent(Vec::new(), b' ', 2);
    let written = writer
        .create_element("testsuites")
        .with_attributes([
            ("name", "sluice"),
            ("tests", tests.as_str()),
            ("failures", failures.as_str()),
            ("errors", errors.as_str()),
            ("time", time.as_str()),
        ])
        .write_inner_content(|w| {
            w.create_element("testsuite")
                .with_attributes([
                    ("name", suite.as_str()),
                    ("tests", tests.as_str()),
                    ("failures", failures.as_str()),
                    ("errors", errors.as_str()),
                    ("skipped", skipped.as_str()),
                    ("time", time.as_str()),
                    ("timestamp", timestamp.as_str()),
                ])
                .write_inner_content(|w| {
                    for unit in &record.units {
                        test_case(w, unit, &classname)?;
                    }
                    Ok(())
                })?;
            Ok(())
        });
    match written {
        Ok(_) => format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n{}\n",
            String::from_utf8_lossy(&writer.into_inner())
        ),
        Err(e) => format!("<!-- sluice could not write the report: {e} -->\n"),
    }
}

fn test_case(w: &mut Writer<Vec<u8>>, case: &UnitRecord, classname: &str) -> std::io::Result<()> {
    let name = format!("{} {}", case.unit, case.version);
    let time = seconds(case.duration_ms);
    let element = w.create_element("testcase").with_attributes([
        ("classname", classname),
        ("name", name.as_str()),
        ("time", time.as_str()),
    ]);
    if verdict(case.outcome).is_none() && case.gates.is_empty() {
        element.write_empty()?;
        return Ok(());
    }
    element.write_inner_content(|w| {
        let message = case.reason.as_deref().unwrap_or(case.outcome.as_str());
        match verdict(case.outcome) {
            None => {}
            Some(("skipped", _)) => {
                w.create_element("skipped")
                    .with_attribute(("message", message))
                    .write_empty()?;
            }
            Some((element, kind)) => {
                w.create_element(element)
                    .with_attributes([("message", message), ("type", kind)])
                    .write_text_content(BytesText::new(message))?;
            }
        }
        if !case.gates.is_empty() {
            let verdicts: Vec<String> = case.gates.iter().map(verdict_line).collect();
            w.create_element("system-out")
                .write_text_content(BytesText::new(&verdicts.join("\n")))?;
        }
        Ok(())
    })?;
    Ok(())
}

/// `FAILED gate (live) tcp 127.0.0.1:1: failed: ...`.
fn verdict_line(verdict: &GateVerdict) -> String {
    let passed = if verdict.passed { "passed" } else { "FAILED" };
    format!(
        "{passed} gate ({}) {}: {}",
        verdict.phase, verdict.gate, verdict.reason
    )
}

//! `sluice report --html FILE`: one deployment's record as one self-contained HTML page, for a
//! person opening a CI artifact. The page has a lane per unit with its steps and gates as bars,
//! each gate probe as a mark coloured by its result and the traffic on the new version over
//! time; the gate verdicts with their reasons; failed hooks and plugin warnings; every host call
//! the plugins made, allowed or denied; and whether the audit log's chain holds.
//!
//! The page loads nothing: its style is inline, it has no script, and its Content-Security-Policy
//! (`default-src 'none'`) keeps a browser from fetching anything it might name. What the record
//! holds was redacted when it was written; the template escapes it (askama escapes every value
//! in an `.html` template), so a plugin's message cannot add markup.

mod lanes;

use askama::Template;

use lanes::{Axis, BarKind, Timeline};

use crate::clock::{format_duration, format_ms};
use crate::report::record::UnitRecord;
use crate::state::audit::{AuditRecord, verify};
use crate::state::{CallVerdict, CapabilityCall, Outcome, RecordedEvent};

/// What the report shows of one deployment, read from its record.
pub struct Record<'a> {
    /// The deployment.
    pub id: &'a str,
    /// Its recorded events, in order.
    pub events: &'a [RecordedEvent],
    /// Its recorded host calls, in order.
    pub calls: &'a [CapabilityCall],
    /// The whole audit log.
    pub audit: &'a [AuditRecord],
}

/// The page, every value formatted for the template.
#[derive(Template)]
#[template(path = "report/report.html")]
struct Page {
    id: String,
    environment: String,
    kind: String,
    outcome: String,
    exit_code: String,
    started: String,
    duration: String,
    ticks: Vec<Tick>,
    lanes: Vec<LaneView>,
    verdicts: Vec<VerdictView>,
    warnings: Vec<WarningView>,
    cut: bool,
    calls: Vec<CallView>,
    allowed: usize,
    denied: usize,
    audit: AuditView,
}

struct Tick {
    left: String,
    label: String,
}

struct LaneView {
    unit: String,
    version: String,
    outcome: String,
    reason: String,
    duration: String,
    bars: Vec<BarView>,
    probes: Vec<ProbeView>,
    /// The SVG polygon of the traffic weight, in a 1000 × 100 box.
    weight_points: String,
    weight_final: u8,
}

struct BarView {
    class: &'static str,
    left: String,
    width: String,
    label: String,
    title: String,
}

struct ProbeView {
    class: &'static str,
    left: String,
    title: String,
}

struct VerdictView {
    unit: String,
    phase: String,
    gate: String,
    passed: bool,
    reason: String,
    duration: String,
}

struct WarningView {
    at: String,
    source: String,
    message: String,
}

struct CallView {
    at: String,
    unit: String,
    plugin: String,
    call: String,
    function: String,
    target: String,
    verdict: &'static str,
    reason: String,
    bytes: String,
    duration_ms: u64,
}

struct AuditView {
    intact: bool,
    text: String,
}

/// Renders `record` as the page's HTML.
pub fn render(record: &Record) -> Result<String, askama::Error> {
    page(record).render()
}

fn page(record: &Record) -> Page {
    let timeline = Timeline::of(record.events);
    let axis = timeline.axis;
    let units = &timeline.record.units;
    Page {
        id: record.id.to_owned(),
        environment: timeline.record.environment.clone(),
        kind: timeline.record.kind.clone(),
        outcome: outcome_name(timeline.outcome),
        exit_code: timeline
            .exit_code
            .map_or_else(String::new, |c| c.to_string()),
        started: format_ms(axis.start_ms),
        duration: timeline.duration_ms.map_or_else(String::new, millis),
        ticks: ticks(axis),
        lanes: timeline
            .lanes
            .iter()
            .map(|l| lane(l, units.iter().find(|u| u.unit == l.unit), axis))
            .collect(),
        verdicts: units
            .iter()
            .flat_map(|u| {
                u.gates.iter().map(|v| VerdictView {
                    unit: u.unit.clone(),
                    phase: v.phase.clone(),
                    gate: v.gate.clone(),
                    passed: v.passed,
                    reason: v.reason.clone(),
                    duration: millis(v.duration_ms),
                })
            })
            .collect(),
        warnings: timeline
            .warnings
            .iter()
            .map(|w| WarningView {
                at: offset(axis, w.at_ms),
                source: w.source.clone(),
                message: w.message.clone(),
            })
            .collect(),
        cut: timeline.cut,
        calls: record.calls.iter().map(|c| call(c, axis)).collect(),
        allowed: count(record.calls, CallVerdict::Allowed),
        denied: count(record.calls, CallVerdict::Denied),
        audit: audit(record.audit),
    }
}

/// A unit's lane; `ended` is how it ended, when the record holds that.
fn lane(lane: &lanes::Lane, ended: Option<&UnitRecord>, axis: Axis) -> LaneView {
    LaneView {
        unit: lane.unit.clone(),
        version: lane.version.clone(),
        outcome: outcome_name(ended.map(|u| u.outcome)),
        reason: ended.and_then(|u| u.reason.clone()).unwrap_or_default(),
        duration: ended.map_or_else(String::new, |u| millis(u.duration_ms)),
        bars: lane
            .bars
            .iter()
            .map(|b| {
                let left = axis.percent(b.start_ms);
                let took = u64::try_from(b.end_ms - b.start_ms).unwrap_or(0);
                let detail = if b.detail.is_empty() {
                    String::new()
                } else {
                    format!(": {}", b.detail)
                };
                BarView {
                    class: match b.kind {
                        BarKind::Step => "step",
                        BarKind::GatePassed => "gate passed",
                        BarKind::GateFailed => "gate failed",
                    },
                    left: percent(left),
                    width: percent((axis.percent(b.end_ms) - left).max(0.0)),
                    label: b.label.clone(),
                    title: format!("{} ({}){detail}", b.label, millis(took)),
                }
            })
            .collect(),
        probes: lane
            .probes
            .iter()
            .map(|p| ProbeView {
                class: if p.ok { "probe ok" } else { "probe failed" },
                left: percent(axis.percent(p.at_ms)),
                title: format!("{} {}", offset(axis, p.at_ms), p.detail),
            })
            .collect(),
        weight_points: weight_points(&lane.weights, axis),
        weight_final: lane.weights.last().map_or(0, |&(_, w)| w),
    }
}

/// The weight as a shaded area: flat until each change, then straight up or down, closed along
/// the bottom.
fn weight_points(weights: &[(i64, u8)], axis: Axis) -> String {
    let first = weights
        .first()
        .map_or(0.0, |&(at_ms, _)| axis.percent(at_ms) * 10.0);
    let mut points = vec![format!("{first:.1},100")];
    let mut last = None;
    for &(at_ms, weight) in weights {
        let x = axis.percent(at_ms) * 10.0;
        if let Some(previous) = last {
            points.push(format!("{x:.1},{}", 100 - u32::from(previous)));
        }
        points.push(format!("{x:.1},{}", 100 - u32::from(weight)));
        last = Some(weight);
    }
    if let Some(weight) = last {
        points.push(format!("1000,{}", 100 - u32::from(weight)));
    }
    points.push("1000,100".into());
    points.join(" ")
}

fn call(c: &CapabilityCall, axis: Axis) -> CallView {
    let bytes = match (c.bytes_sent, c.bytes_received) {
        (None, None) => String::new(),
        (sent, received) => format!("{}/{}", sent.unwrap_or(0), received.unwrap_or(0)),
    };
    CallView {
        at: offset(axis, c.at_ms),
        unit: c.unit.clone(),
        plugin: c.plugin.clone(),
        call: c.call.clone(),
        function: match c.verdict {
            CallVerdict::Cut => String::new(),
            _ => format!("{}.{}", c.interface, c.function),
        },
        target: c.target.clone(),
        verdict: c.verdict.as_str(),
        reason: c.reason.clone().unwrap_or_default(),
        bytes,
        duration_ms: c.duration_ms,
    }
}

fn audit(records: &[AuditRecord]) -> AuditView {
    match verify(records) {
        Ok(count) => AuditView {
            intact: true,
            text: format!(
                "intact: {count} record(s), head {}",
                records.last().map_or("(empty)", |r| r.hash.as_str())
            ),
        },
        Err(broken) => AuditView {
            intact: false,
            text: format!("broken at record {}: {}", broken.seq, broken.problem),
        },
    }
}

fn count(calls: &[CapabilityCall], verdict: CallVerdict) -> usize {
    calls.iter().filter(|c| c.verdict == verdict).count()
}

/// Five labelled ticks along the axis, from its start to its end.
fn ticks(axis: Axis) -> Vec<Tick> {
    (0..=4)
        .map(|n| {
            let at_ms = axis.start_ms + axis.span_ms * n / 4;
            Tick {
                left: percent(axis.percent(at_ms)),
                label: offset(axis, at_ms),
            }
        })
        .collect()
}

fn outcome_name(outcome: Option<Outcome>) -> String {
    outcome.map_or("unfinished", Outcome::as_str).to_owned()
}

/// `+1.2s`: how far into the deployment `at_ms` is.
fn offset(axis: Axis, at_ms: i64) -> String {
    format!(
        "+{}",
        millis(u64::try_from(at_ms - axis.start_ms).unwrap_or(0))
    )
}

fn millis(ms: u64) -> String {
    format_duration(std::time::Duration::from_millis(ms))
}

fn percent(p: f64) -> String {
    format!("{p:.3}%")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_plugins_message_is_escaped_and_the_page_loads_nothing() {
        let events = [RecordedEvent {
            deployment_id: "d1".into(),
            seq: 1,
            at_ms: 0,
            event: serde_json::json!({"event":"plugin-log","unit":"web","level":"warn","message":"<script>alert(1)</script>"}).to_string(),
        }];
        let html = render(&Record {
            id: "d1",
            events: &events,
            calls: &[],
            audit: &[],
        })
        .unwrap();
        assert!(html.contains("&#60;script&#62;alert(1)") || html.contains("&lt;script&gt;"));
        assert!(!html.contains("<script"), "{html}");
        assert!(html.contains("default-src 'none'"));
        assert!(!html.contains("http://") && !html.contains("https://"));
    }

    #[test]
    fn the_weight_line_steps_at_each_change_and_runs_to_the_end() {
        let axis = Axis {
            start_ms: 0,
            span_ms: 100,
        };
        assert_eq!(
            weight_points(&[(0, 0), (50, 100)], axis),
            "0.0,100 0.0,100 500.0,100 500.0,0 1000,0 1000,100"
        );
    }
}

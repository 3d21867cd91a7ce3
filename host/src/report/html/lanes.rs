//! A deployment's recorded events as lanes: one per unit, its steps and gates as bars, its probes
//! as marks and the share of traffic on its new version over time, placed on one time axis.

use std::time::{Duration, UNIX_EPOCH};

use serde::Deserialize;

use crate::caps::log::Level;
use crate::report::record::DeploymentRecord;
use crate::report::{Event, Stamped};
use crate::state::{Outcome, RecordedEvent};

/// One recorded event: the event and, on one that ends something, how long that took.
#[derive(Deserialize)]
struct Line {
    #[serde(flatten)]
    event: Event,
    duration_ms: Option<u64>,
}

/// Where the deployment's time runs: its first and last recorded event.
#[derive(Debug, Clone, Copy)]
pub struct Axis {
    /// The first event, ms since the epoch.
    pub start_ms: i64,
    /// From the first event to the last, ms (at least 1).
    pub span_ms: i64,
}

impl Axis {
    fn of(events: &[RecordedEvent]) -> Axis {
        let start_ms = events.iter().map(|e| e.at_ms).min().unwrap_or(0);
        let end_ms = events.iter().map(|e| e.at_ms).max().unwrap_or(0);
        Axis {
            start_ms,
            span_ms: (end_ms - start_ms).max(1),
        }
    }

    /// How far into the deployment `at_ms` is, 0 to 100.
    pub fn percent(&self, at_ms: i64) -> f64 {
        let offset = (at_ms - self.start_ms).clamp(0, self.span_ms);
        offset as f64 * 100.0 / self.span_ms as f64
    }
}

/// What a bar shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BarKind {
    /// A lifecycle step.
    Step,
    /// A gate that passed.
    GatePassed,
    /// A gate that failed.
    GateFailed,
}

/// Something that took time, from `start_ms` to `end_ms`.
#[derive(Debug, Clone)]
pub struct Bar {
    /// What it was: `stage`, `shift 50`, `gate (live)`.
    pub label: String,
    /// What it shows.
    pub kind: BarKind,
    /// When it began, ms since the epoch.
    pub start_ms: i64,
    /// When it ended, ms since the epoch.
    pub end_ms: i64,
    /// A line for people: the gate's reason, or nothing.
    pub detail: String,
}

/// One gate probe.
#[derive(Debug, Clone)]
pub struct Mark {
    /// When it was made, ms since the epoch.
    pub at_ms: i64,
    /// Whether it succeeded.
    pub ok: bool,
    /// `tcp 127.0.0.1:1 #3: connection refused`.
    pub detail: String,
}

/// One unit's deployment.
#[derive(Debug, Clone)]
pub struct Lane {
    /// Unit.
    pub unit: String,
    /// Version being deployed.
    pub version: String,
    /// Its steps and gates.
    pub bars: Vec<Bar>,
    /// Its gate probes.
    pub probes: Vec<Mark>,
    /// The percentage of traffic on the new version from each time on: `(at_ms, weight)`.
    pub weights: Vec<(i64, u8)>,
}

impl Lane {
    fn new(unit: &str, version: &str, at_ms: i64) -> Lane {
        Lane {
            unit: unit.to_owned(),
            version: version.to_owned(),
            bars: Vec::new(),
            probes: Vec::new(),
            weights: vec![(at_ms, 0)],
        }
    }

    fn weigh(&mut self, at_ms: i64, weight: u8) {
        self.weights.push((at_ms, weight));
    }

    fn weight(&self) -> u8 {
        self.weights.last().map_or(0, |&(_, w)| w)
    }
}

/// A warning worth a reader's eye: a failed hook, a plugin's warning or error.
#[derive(Debug, Clone)]
pub struct Warning {
    /// When, ms since the epoch.
    pub at_ms: i64,
    /// Who: `hook notify`, `web`.
    pub source: String,
    /// What.
    pub message: String,
}

/// The deployment as a reader of the report sees it.
pub struct Timeline {
    /// What it was, each unit's ending and its gate verdicts (as the job summary has them).
    pub record: DeploymentRecord,
    /// How it ended (none while running, or when the record ends first).
    pub outcome: Option<Outcome>,
    /// The exit code sluice returned.
    pub exit_code: Option<u8>,
    /// How long it took, ms.
    pub duration_ms: Option<u64>,
    /// Its time axis.
    pub axis: Axis,
    /// One lane per unit deployed, in the order they began.
    pub lanes: Vec<Lane>,
    /// Failed hooks, plugin warnings and errors.
    pub warnings: Vec<Warning>,
    /// Whether the record was cut at its bound (later events are missing).
    pub cut: bool,
}

impl Timeline {
    /// The timeline of a deployment's recorded events (in order).
    pub fn of(events: &[RecordedEvent]) -> Timeline {
        let mut timeline = Timeline {
            record: DeploymentRecord::default(),
            outcome: None,
            exit_code: None,
            duration_ms: None,
            axis: Axis::of(events),
            lanes: Vec::new(),
            warnings: Vec::new(),
            cut: false,
        };
        for recorded in events {
            match serde_json::from_str::<Line>(&recorded.event) {
                Ok(line) => {
                    let stamped = Stamped {
                        at: UNIX_EPOCH
                            + Duration::from_millis(u64::try_from(recorded.at_ms).unwrap_or(0)),
                        duration_ms: line.duration_ms,
                        event: line.event,
                    };
                    timeline.record.add(&stamped);
                    timeline.add(recorded.at_ms, stamped);
                }
                // The only recorded object that is not an event: the marker of a cut record.
                Err(_) => timeline.cut = true,
            }
        }
        timeline
    }

    fn lane(&mut self, unit: &str) -> Option<&mut Lane> {
        self.lanes.iter_mut().find(|l| l.unit == unit)
    }

    /// The lane of `unit`, begun at `at_ms` when it has none yet.
    fn lane_from(&mut self, unit: &str, version: &str, at_ms: i64) -> &mut Lane {
        let index = match self.lanes.iter().position(|l| l.unit == unit) {
            Some(index) => index,
            None => {
                self.lanes.push(Lane::new(unit, version, at_ms));
                self.lanes.len() - 1
            }
        };
        &mut self.lanes[index]
    }

    fn add(&mut self, at_ms: i64, stamped: Stamped) {
        let began = at_ms - stamped.duration_ms.map_or(0, |d| d as i64);
        match stamped.event {
            Event::DeploymentFinished {
                outcome, exit_code, ..
            } => {
                self.outcome = Some(outcome);
                self.exit_code = Some(exit_code);
                self.duration_ms = stamped.duration_ms;
            }
            Event::UnitStarted { unit, version } => {
                self.lane_from(&unit, &version, at_ms);
            }
            Event::StepFinished { unit, step } => {
                if let Some(lane) = self.lane(&unit) {
                    if let Some(weight) = shifted_to(&step) {
                        lane.weigh(at_ms, weight);
                    } else if step == "rollback" {
                        lane.weigh(at_ms, 0);
                    }
                    lane.bars.push(Bar {
                        label: step,
                        kind: BarKind::Step,
                        start_ms: began,
                        end_ms: at_ms,
                        detail: String::new(),
                    });
                }
            }
            Event::Probe {
                unit,
                gate,
                attempt,
                ok,
                detail,
            } => {
                if let Some(lane) = self.lane(&unit) {
                    lane.probes.push(Mark {
                        at_ms,
                        ok,
                        detail: format!("{gate} #{attempt}: {detail}"),
                    });
                }
            }
            Event::Gate {
                unit,
                gate,
                phase,
                passed,
                reason,
            } => {
                if let Some(lane) = self.lane(&unit) {
                    lane.bars.push(Bar {
                        label: format!("gate ({phase})"),
                        kind: if passed {
                            BarKind::GatePassed
                        } else {
                            BarKind::GateFailed
                        },
                        start_ms: began,
                        end_ms: at_ms,
                        detail: format!("{gate}: {reason}"),
                    });
                }
            }
            Event::UnitFinished {
                unit,
                version,
                outcome,
                ..
            } => {
                let lane = self.lane_from(&unit, &version, at_ms);
                // A strategy that cuts over in `finalize` (no `shift` step) serves it all now.
                if outcome == Outcome::Succeeded && lane.weight() == 0 {
                    lane.weigh(at_ms, 100);
                }
            }
            Event::HookFailed {
                hook,
                on,
                required,
                reason,
            } => {
                let required = if required { "required " } else { "" };
                self.warnings.push(Warning {
                    at_ms,
                    source: format!("{required}hook {hook}"),
                    message: format!("failed on {on}: {reason}"),
                });
            }
            Event::PluginLog {
                unit,
                level,
                message,
            } if level >= Level::Warn => self.warnings.push(Warning {
                at_ms,
                source: unit,
                message,
            }),
            _ => {}
        }
    }
}

/// The weight a `shift N` step moved traffic to.
fn shifted_to(step: &str) -> Option<u8> {
    step.strip_prefix("shift ")?.trim().parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn recorded(at_ms: i64, event: serde_json::Value) -> RecordedEvent {
        RecordedEvent {
            deployment_id: "d1".into(),
            seq: 0,
            at_ms,
            event: event.to_string(),
        }
    }

    #[test]
    fn steps_gates_and_probes_land_in_their_units_lane_and_shifts_move_its_weight() {
        let events = [
            recorded(
                0,
                serde_json::json!({"event":"deployment-started","id":"d1","environment":"prod","kind":"apply","units":["web","api"]}),
            ),
            recorded(
                10,
                serde_json::json!({"event":"unit-started","unit":"web","version":"v2"}),
            ),
            recorded(
                10,
                serde_json::json!({"event":"unit-started","unit":"api","version":"v2"}),
            ),
            recorded(
                50,
                serde_json::json!({"event":"step-finished","unit":"web","step":"shift 25","duration_ms":40}),
            ),
            recorded(
                60,
                serde_json::json!({"event":"probe","unit":"web","gate":"g","attempt":1,"ok":false,"detail":"HTTP 500"}),
            ),
            recorded(
                70,
                serde_json::json!({"event":"gate","unit":"web","gate":"g","phase":"live","passed":false,"reason":"HTTP 500","duration_ms":20}),
            ),
            recorded(
                90,
                serde_json::json!({"event":"step-finished","unit":"web","step":"rollback","duration_ms":20}),
            ),
            recorded(
                95,
                serde_json::json!({"event":"unit-finished","unit":"web","version":"v2","outcome":"rolled-back","reason":"gate failed","duration_ms":85}),
            ),
            recorded(
                95,
                serde_json::json!({"event":"unit-finished","unit":"api","version":"v2","outcome":"succeeded","reason":null,"duration_ms":85}),
            ),
            recorded(
                100,
                serde_json::json!({"event":"deployment-finished","id":"d1","outcome":"rolled-back","exit_code":2,"duration_ms":100}),
            ),
        ];
        let timeline = Timeline::of(&events);
        assert_eq!(timeline.record.environment, "prod");
        assert_eq!(timeline.outcome, Some(Outcome::RolledBack));
        assert_eq!(timeline.exit_code, Some(2));
        let units: Vec<&str> = timeline.lanes.iter().map(|l| l.unit.as_str()).collect();
        assert_eq!(units, ["web", "api"]);
        let web = &timeline.lanes[0];
        assert_eq!(web.weights, [(10, 0), (50, 25), (90, 0)]);
        assert_eq!(web.bars[0].start_ms, 10);
        assert_eq!(web.bars[1].kind, BarKind::GateFailed);
        assert_eq!(web.bars[1].start_ms, 50);
        assert_eq!(web.probes.len(), 1);
        assert!(!web.probes[0].ok);
        assert_eq!(timeline.record.units[0].outcome, Outcome::RolledBack);
        assert_eq!(
            timeline.lanes[1].weights,
            [(10, 0), (95, 100)],
            "a unit that cut over in finalize serves everything at its end"
        );
        assert_eq!(timeline.record.units[0].gates.len(), 1);
        assert_eq!(timeline.axis.percent(50), 50.0);
    }

    #[test]
    fn the_marker_of_a_cut_record_is_noticed() {
        let events = [recorded(
            0,
            serde_json::json!({"event":"record-cut","message":"later ones were not kept"}),
        )];
        assert!(Timeline::of(&events).cut);
    }
}

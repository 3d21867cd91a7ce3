//! Time on events: when each one happened, and how long what it ends took.
//!
//! Emitters say only what happened ([`Event`]); [`Timeline`] stamps each event with the wall
//! clock and pairs beginnings with ends: `deployment-started` with `deployment-finished`,
//! `unit-started` with `unit-finished`, `gate-started` with `gate`. A lifecycle step (`step`)
//! has no end event of its own: it ends with the next event of its unit that is not a plugin
//! message, and the timeline then emits `step-finished` first. So every format (people, JSON,
//! CI) sees the same times, measured once.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Instant, SystemTime};

use super::{Event, Output};

/// An event with its time.
#[derive(Debug, Clone)]
pub struct Stamped {
    /// When it happened.
    pub at: SystemTime,
    /// For an event that ends something (a deployment, unit, step or gate): how long that took.
    pub duration_ms: Option<u64>,
    /// What happened.
    pub event: Event,
}

impl Stamped {
    /// `2026-12-02T10:41:03.123Z`: RFC 3339, UTC, milliseconds.
    pub fn ts(&self) -> String {
        humantime::format_rfc3339_millis(self.at).to_string()
    }
}

/// What a beginning was, so its end can be found.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Span {
    Deployment,
    Unit(String),
    Gate(String),
}

/// A unit's step in progress.
struct OpenStep {
    step: String,
    since: Instant,
}

/// Beginnings not yet ended.
#[derive(Default)]
struct Open {
    spans: HashMap<Span, Instant>,
    steps: HashMap<String, OpenStep>,
}

/// Stamps events and hands them to each [`Output`].
pub struct Timeline {
    outputs: Vec<Box<dyn Output>>,
    open: Mutex<Open>,
}

impl Timeline {
    /// A timeline writing to `outputs`, in order.
    pub fn new(outputs: Vec<Box<dyn Output>>) -> Timeline {
        Timeline {
            outputs,
            open: Mutex::new(Open::default()),
        }
    }

    fn write(&self, stamped: &Stamped) {
        for output in &self.outputs {
            output.write(stamped);
        }
    }

    /// Stamps `event` (closing its unit's open step first) and writes it.
    pub fn record(&self, event: Event) {
        let now = Instant::now();
        let at = SystemTime::now();
        let (closed, duration) = match self.open.lock() {
            Ok(mut open) => {
                let closed = ends_step(&event)
                    .and_then(|unit| open.steps.remove(unit).map(|s| (unit.to_owned(), s)));
                (closed, open.pair(&event, now))
            }
            Err(_) => (None, None),
        };
        if let Some((unit, step)) = closed {
            self.write(&Stamped {
                at,
                duration_ms: Some(millis(now - step.since)),
                event: Event::StepFinished {
                    unit,
                    step: step.step,
                },
            });
        }
        self.write(&Stamped {
            at,
            duration_ms: duration,
            event,
        });
    }

    /// A plugin's progress, for outputs that show it live.
    pub fn progress(&self, unit: &str, done: u64, total: u64, message: &str) {
        for output in &self.outputs {
            output.progress(unit, done, total, message);
        }
    }
}

impl Open {
    /// Opens what `event` begins; for an event that ends something, how long that took.
    fn pair(&mut self, event: &Event, now: Instant) -> Option<u64> {
        let (span, begins) = match event {
            Event::DeploymentStarted { .. } => (Span::Deployment, true),
            Event::DeploymentFinished { .. } => (Span::Deployment, false),
            Event::UnitStarted { unit, .. } => (Span::Unit(unit.clone()), true),
            Event::UnitFinished { unit, .. } => (Span::Unit(unit.clone()), false),
            Event::GateStarted { unit, .. } => (Span::Gate(unit.clone()), true),
            Event::Gate { unit, .. } => (Span::Gate(unit.clone()), false),
            Event::Step { unit, step } => {
                self.steps.insert(
                    unit.clone(),
                    OpenStep {
                        step: step.clone(),
                        since: now,
                    },
                );
                return None;
            }
            _ => return None,
        };
        if begins {
            self.spans.insert(span, now);
            None
        } else {
            self.spans.remove(&span).map(|since| millis(now - since))
        }
    }
}

/// The unit whose open step `event` ends: any event of a unit but a plugin's message (a plugin
/// talks during its step).
fn ends_step(event: &Event) -> Option<&str> {
    match event {
        Event::PluginLog { .. } | Event::StepFinished { .. } | Event::HookFailed { .. } => None,
        Event::Selected { unit, .. }
        | Event::UnitStarted { unit, .. }
        | Event::Planned { unit, .. }
        | Event::Step { unit, .. }
        | Event::StepDone { unit, .. }
        | Event::GateStarted { unit, .. }
        | Event::Probe { unit, .. }
        | Event::Gate { unit, .. }
        | Event::UnitFinished { unit, .. } => Some(unit),
        Event::DeploymentStarted { .. } | Event::DeploymentFinished { .. } => None,
    }
}

fn millis(d: std::time::Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::state::Outcome;

    /// Keeps what it is given.
    #[derive(Clone, Default)]
    struct Kept(Arc<Mutex<Vec<Stamped>>>);

    impl Output for Kept {
        fn write(&self, stamped: &Stamped) {
            self.0.lock().unwrap().push(stamped.clone());
        }
    }

    fn step(unit: &str, step: &str) -> Event {
        Event::Step {
            unit: unit.into(),
            step: step.into(),
        }
    }

    fn names(kept: &Kept) -> Vec<(String, Option<u64>)> {
        kept.0
            .lock()
            .unwrap()
            .iter()
            .map(|s| {
                let name = serde_json::to_value(&s.event).unwrap()["event"]
                    .as_str()
                    .unwrap()
                    .to_owned();
                (name, s.duration_ms.map(|_| 0))
            })
            .collect()
    }

    #[test]
    fn a_step_ends_at_its_units_next_event_but_not_at_a_plugin_message_or_another_units_event() {
        let kept = Kept::default();
        let timeline = Timeline::new(vec![Box::new(kept.clone())]);
        timeline.record(step("web", "prepare"));
        timeline.record(Event::PluginLog {
            unit: "web".into(),
            level: crate::caps::log::Level::Info,
            message: "working".into(),
        });
        timeline.record(step("db", "stage"));
        timeline.record(step("web", "stage"));
        timeline.record(Event::UnitFinished {
            unit: "db".into(),
            version: "v1".into(),
            outcome: Outcome::Succeeded,
            reason: None,
        });
        let got = names(&kept);
        let expect = |name: &str, ended: bool| (name.to_owned(), ended.then_some(0));
        assert_eq!(
            got,
            vec![
                expect("step", false),
                expect("plugin-log", false),
                expect("step", false),
                expect("step-finished", true),
                expect("step", false),
                expect("step-finished", true),
                expect("unit-finished", false),
            ]
        );
        let finished: Vec<String> = kept
            .0
            .lock()
            .unwrap()
            .iter()
            .filter_map(|s| match &s.event {
                Event::StepFinished { unit, step } => Some(format!("{unit} {step}")),
                _ => None,
            })
            .collect();
        assert_eq!(finished, ["web prepare", "db stage"]);
    }

    #[test]
    fn ends_carry_the_time_since_their_beginning() {
        let kept = Kept::default();
        let timeline = Timeline::new(vec![Box::new(kept.clone())]);
        timeline.record(Event::UnitStarted {
            unit: "web".into(),
            version: "v1".into(),
        });
        std::thread::sleep(std::time::Duration::from_millis(20));
        timeline.record(Event::UnitFinished {
            unit: "web".into(),
            version: "v1".into(),
            outcome: Outcome::Succeeded,
            reason: None,
        });
        let kept = kept.0.lock().unwrap();
        assert_eq!(kept[0].duration_ms, None);
        assert!(kept[1].duration_ms.is_some_and(|ms| ms >= 20), "{kept:?}");
        assert!(kept[1].at >= kept[0].at);
        assert!(kept[1].ts().ends_with('Z') && kept[1].ts().len() == 24);
    }
}

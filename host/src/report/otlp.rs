//! OpenTelemetry: each deployment as one trace, sent to a collector over OTLP/HTTP (protobuf)
//! when the plan's `[telemetry] otlp` or the standard `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` /
//! `OTEL_EXPORTER_OTLP_ENDPOINT` names one ([`endpoint`]).
//!
//! **Failure model**: telemetry never fails a deployment, and never delays it by more than
//! [`FLUSH_BOUND`]. Spans are built on a thread of their own (`sluice-otlp`), which owns every
//! OpenTelemetry object and the SDK's batch processor with its blocking HTTP client (so none of
//! them is created or dropped on a tokio runtime thread); the deployment only hands it stamped
//! events over a channel. At `deployment-finished` the thread sends the trace while sluice
//! finishes its own work (the record's last writes), and sluice waits for it before it exits, at
//! most [`FLUSH_BOUND`] after `deployment-finished`; each request gives up after
//! [`EXPORT_TIMEOUT`]. A collector that is
//! down, refuses, or does not answer in time costs a warning on standard error, and spans not
//! sent by then are lost. A deployment that ends without `deployment-finished` (sluice killed)
//! sends nothing it had not sent already.
//!
//! **The trace**: its id is the deployment id's 128 bits. A root span per deployment
//! (`deployment-started` → `deployment-finished`, named `apply staging`), a child span per unit
//! (`unit-started` → `unit-finished`, named after the unit), under it a span per lifecycle step
//! (`step` → `step-finished`) and per gate (`gate-started` → `gate`, named `staged gate` or
//! `live gate`), and under each gate a span per probe. A probe event says when its result
//! arrived, not when the probe began, so a probe's span is an instant at that time. Plugin
//! messages and step summaries are span events of the step or unit. Units and gates that failed,
//! and a deployment that did not succeed, have the error status with the reason; spans still
//! open at `deployment-finished` end with it. Every name and attribute value is redacted; the
//! resource's `service.name` is `sluice`.

use std::collections::HashMap;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender, SyncSender};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant, SystemTime};

use opentelemetry::trace::{
    SpanBuilder, Status, TraceContextExt as _, TraceId, Tracer as _, TracerProvider as _,
};
use opentelemetry::{Context, KeyValue};
use opentelemetry_otlp::{Protocol, WithExportConfig as _};
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::trace::{BatchSpanProcessor, SdkTracer, SdkTracerProvider};
use url::Url;

use super::{Event, Output, Stamped};
use crate::plan::OTLP_TRACES_PATH;
use crate::redact::Redactor;
use crate::state::Outcome;

/// How long one export request to the collector may take.
pub const EXPORT_TIMEOUT: Duration = Duration::from_secs(2);

/// How long a finished deployment waits for its trace to be sent, at most.
pub const FLUSH_BOUND: Duration = Duration::from_secs(2);

/// The standard variable naming the full URL traces are sent to.
const TRACES_ENDPOINT_VAR: &str = "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT";

/// The standard variable naming a collector's base URL (`/v1/traces` is appended).
const ENDPOINT_VAR: &str = "OTEL_EXPORTER_OTLP_ENDPOINT";

/// Where traces go: the plan's `[telemetry] otlp` base URL if set, else
/// `$OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` as it is, else `$OTEL_EXPORTER_OTLP_ENDPOINT`; a base
/// URL gets `/v1/traces` appended. `None` (no telemetry) when none is set; a variable that is
/// not an http(s) URL is ignored with a warning.
pub fn endpoint(configured: Option<&Url>) -> Option<Url> {
    if let Some(base) = configured {
        return Some(traces_url(base));
    }
    let from_env = |var: &str| {
        let text = std::env::var(var)
            .ok()
            .filter(|text| !text.trim().is_empty())?;
        match Url::parse(&text) {
            Ok(url) if matches!(url.scheme(), "http" | "https") => Some(url),
            _ => {
                tracing::warn!("ignoring ${var} `{text}`: expected an http:// or https:// URL");
                None
            }
        }
    };
    from_env(TRACES_ENDPOINT_VAR).or_else(|| from_env(ENDPOINT_VAR).map(|base| traces_url(&base)))
}

/// `base` with `/v1/traces` appended to its path.
fn traces_url(base: &Url) -> Url {
    let mut url = base.clone();
    let path = format!("{}{OTLP_TRACES_PATH}", base.path().trim_end_matches('/'));
    url.set_path(&path);
    url
}

/// What the deployment hands the exporting thread.
enum Message {
    /// An event to add to the trace.
    Event(Stamped),
    /// `deployment-finished`: end the trace, send it, then answer.
    Finish(Stamped, SyncSender<()>),
}

/// Sends each deployment's trace to an OTLP/HTTP collector.
pub struct OtlpOutput {
    endpoint: Url,
    /// To the exporting thread; `None` when it could not be started.
    thread: Option<Sender<Message>>,
    /// Finished deployments whose trace is being sent: when each may be waited for until, and
    /// where the thread says it was sent.
    sending: Mutex<Vec<(Instant, Receiver<()>)>>,
}

impl OtlpOutput {
    /// An output sending traces to `endpoint` (the full `/v1/traces` URL), names and values
    /// redacted with `redactor`.
    pub fn new(endpoint: Url, redactor: Redactor) -> OtlpOutput {
        let (sender, messages) = mpsc::channel();
        let url = endpoint.clone();
        let started = std::thread::Builder::new()
            .name("sluice-otlp".into())
            .spawn(move || export(&url, redactor, messages));
        if let Err(e) = &started {
            tracing::warn!("no traces: could not start the thread that sends them: {e}");
        }
        OtlpOutput {
            endpoint,
            thread: started.ok().map(|_| sender),
            sending: Mutex::new(Vec::new()),
        }
    }
}

impl Drop for OtlpOutput {
    /// Waits for each finished deployment's trace to be sent, at most [`FLUSH_BOUND`] after its
    /// `deployment-finished`.
    fn drop(&mut self) {
        let sending = std::mem::take(
            self.sending
                .get_mut()
                .unwrap_or_else(PoisonError::into_inner),
        );
        for (until, sent) in sending {
            let left = until.saturating_duration_since(Instant::now());
            if let Err(RecvTimeoutError::Timeout) = sent.recv_timeout(left) {
                tracing::warn!(
                    "the deployment's trace was not sent to {} within {}s; sluice goes on without it",
                    self.endpoint,
                    FLUSH_BOUND.as_secs()
                );
            }
        }
    }
}

impl Output for OtlpOutput {
    fn write(&self, stamped: &Stamped) {
        let Some(thread) = &self.thread else {
            return;
        };
        if !matches!(stamped.event, Event::DeploymentFinished { .. }) {
            // The thread is gone only when it could not set up the exporter (it said why).
            let _ = thread.send(Message::Event(stamped.clone()));
            return;
        }
        let (sent, flushed) = mpsc::sync_channel(1);
        if thread.send(Message::Finish(stamped.clone(), sent)).is_ok() {
            self.sending
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push((Instant::now() + FLUSH_BOUND, flushed));
        }
    }
}

/// The exporting thread: builds spans from `messages` and sends them to `endpoint`.
fn export(endpoint: &Url, redactor: Redactor, messages: Receiver<Message>) {
    let provider = match provider(endpoint) {
        Ok(provider) => provider,
        Err(e) => {
            tracing::warn!("no traces: could not set up the exporter to {endpoint}: {e}");
            return;
        }
    };
    let mut trace = Trace::new(provider.tracer("sluice"), redactor);
    for message in messages {
        match message {
            Message::Event(stamped) => trace.add(&stamped),
            Message::Finish(stamped, sent) => {
                trace.add(&stamped);
                if let Err(e) = provider.force_flush() {
                    tracing::warn!("could not send the deployment's trace to {endpoint}: {e}");
                }
                let _ = sent.send(());
            }
        }
    }
    // Ignored: spans not sent by now are lost, as the failure model says.
    let _ = provider.shutdown();
}

/// A tracer provider exporting to `endpoint` in batches, with service name `sluice`.
fn provider(endpoint: &Url) -> Result<SdkTracerProvider, opentelemetry_otlp::ExporterBuildError> {
    let exporter = opentelemetry_otlp::SpanExporter::builder()
        .with_http()
        .with_protocol(Protocol::HttpBinary)
        .with_endpoint(endpoint.as_str())
        .with_timeout(EXPORT_TIMEOUT)
        .build()?;
    let resource = Resource::builder()
        .with_service_name("sluice")
        .with_attribute(KeyValue::new("service.version", env!("CARGO_PKG_VERSION")))
        .build();
    Ok(SdkTracerProvider::builder()
        .with_span_processor(BatchSpanProcessor::builder(exporter).build())
        .with_resource(resource)
        .build())
}

/// Attribute keys.
mod key {
    pub const DEPLOYMENT_ID: &str = "sluice.deployment.id";
    pub const ENVIRONMENT: &str = "sluice.environment";
    pub const KIND: &str = "sluice.kind";
    pub const UNIT: &str = "sluice.unit";
    pub const VERSION: &str = "sluice.version";
    pub const OUTCOME: &str = "sluice.outcome";
    pub const REASON: &str = "sluice.reason";
    pub const CHANGES: &str = "sluice.changes";
    pub const STEP: &str = "sluice.step";
    pub const SUMMARY: &str = "sluice.summary";
    pub const GATE: &str = "sluice.gate";
    pub const PHASE: &str = "sluice.phase";
    pub const PASSED: &str = "sluice.gate.passed";
    pub const ATTEMPT: &str = "sluice.probe.attempt";
    pub const OK: &str = "sluice.probe.ok";
    pub const DETAIL: &str = "sluice.probe.detail";
    pub const LEVEL: &str = "sluice.log.level";
    pub const MESSAGE: &str = "sluice.log.message";
}

/// A unit's open spans.
#[derive(Default)]
struct UnitSpans {
    unit: Option<Context>,
    step: Option<Context>,
    gate: Option<Context>,
}

/// The deployment's spans still open, each held in the [`Context`] its children start from.
struct Trace {
    tracer: SdkTracer,
    redactor: Redactor,
    root: Option<Context>,
    units: HashMap<String, UnitSpans>,
}

impl Trace {
    fn new(tracer: SdkTracer, redactor: Redactor) -> Trace {
        Trace {
            tracer,
            redactor,
            root: None,
            units: HashMap::new(),
        }
    }

    /// `text` redacted.
    fn text(&self, text: &str) -> String {
        self.redactor.redact(text).into_owned()
    }

    /// A string attribute, its value redacted.
    fn attr(&self, key: &'static str, value: &str) -> KeyValue {
        KeyValue::new(key, self.text(value))
    }

    /// Starts a span named `name` at `at` under `parent`.
    fn start(&self, name: &str, at: SystemTime, parent: &Context, attrs: Vec<KeyValue>) -> Context {
        let builder = SpanBuilder::from_name(self.text(name))
            .with_start_time(at)
            .with_attributes(attrs);
        parent.with_span(self.tracer.build_with_context(builder, parent))
    }

    /// The span a unit's step or gate starts under: the unit's, else the deployment's.
    fn unit_parent(&self, unit: &str) -> Context {
        self.units
            .get(unit)
            .and_then(|spans| spans.unit.clone())
            .or_else(|| self.root.clone())
            .unwrap_or_default()
    }

    /// Adds what `stamped` tells to the trace.
    fn add(&mut self, stamped: &Stamped) {
        let at = stamped.at;
        match &stamped.event {
            Event::DeploymentStarted {
                id,
                environment,
                kind,
                ..
            } => {
                let attrs = vec![
                    self.attr(key::DEPLOYMENT_ID, id),
                    self.attr(key::ENVIRONMENT, environment),
                    self.attr(key::KIND, kind),
                ];
                let mut builder =
                    SpanBuilder::from_name(self.text(&format!("{kind} {environment}")))
                        .with_start_time(at)
                        .with_attributes(attrs);
                if let Ok(id) = uuid::Uuid::parse_str(id) {
                    builder = builder.with_trace_id(TraceId::from_bytes(id.into_bytes()));
                }
                let root = self.tracer.build_with_context(builder, &Context::new());
                self.root = Some(Context::new().with_span(root));
            }
            Event::UnitStarted { unit, version } => {
                let attrs = vec![self.attr(key::UNIT, unit), self.attr(key::VERSION, version)];
                let span = self.start(unit, at, &self.root.clone().unwrap_or_default(), attrs);
                self.units.entry(unit.clone()).or_default().unit = Some(span);
            }
            Event::Planned { unit, changes, .. } => {
                let changes: Vec<opentelemetry::StringValue> =
                    changes.iter().map(|c| self.text(c).into()).collect();
                if let Some(span) = self.units.get(unit).and_then(|s| s.unit.as_ref()) {
                    span.span().set_attribute(KeyValue::new(
                        key::CHANGES,
                        opentelemetry::Value::Array(changes.into()),
                    ));
                }
            }
            Event::Step { unit, step } => {
                let attrs = vec![self.attr(key::UNIT, unit), self.attr(key::STEP, step)];
                let span = self.start(step, at, &self.unit_parent(unit), attrs);
                self.units.entry(unit.clone()).or_default().step = Some(span);
            }
            Event::StepFinished { unit, .. } => {
                if let Some(step) = self.units.get_mut(unit).and_then(|s| s.step.take()) {
                    step.span().end_with_timestamp(at);
                }
            }
            Event::StepDone {
                unit,
                step,
                summary,
            } => {
                let attrs = vec![self.attr(key::STEP, step), self.attr(key::SUMMARY, summary)];
                self.unit_parent(unit)
                    .span()
                    .add_event_with_timestamp("step-done", at, attrs);
            }
            Event::GateStarted { unit, gate, phase } => {
                let attrs = vec![
                    self.attr(key::UNIT, unit),
                    self.attr(key::GATE, gate),
                    self.attr(key::PHASE, phase),
                ];
                let span = self.start(&format!("{phase} gate"), at, &self.unit_parent(unit), attrs);
                self.units.entry(unit.clone()).or_default().gate = Some(span);
            }
            Event::Probe {
                unit,
                gate,
                attempt,
                ok,
                detail,
            } => {
                let parent = self
                    .units
                    .get(unit)
                    .and_then(|s| s.gate.clone())
                    .unwrap_or_else(|| self.unit_parent(unit));
                let attrs = vec![
                    self.attr(key::UNIT, unit),
                    self.attr(key::GATE, gate),
                    KeyValue::new(key::ATTEMPT, i64::from(*attempt)),
                    KeyValue::new(key::OK, *ok),
                    self.attr(key::DETAIL, detail),
                ];
                self.start("probe", at, &parent, attrs)
                    .span()
                    .end_with_timestamp(at);
            }
            Event::Gate {
                unit,
                passed,
                reason,
                ..
            } => {
                let reason = self.text(reason);
                if let Some(gate) = self.units.get_mut(unit).and_then(|s| s.gate.take()) {
                    let span = gate.span();
                    span.set_attribute(KeyValue::new(key::PASSED, *passed));
                    span.set_attribute(KeyValue::new(key::REASON, reason.clone()));
                    if !passed {
                        span.set_status(Status::error(reason));
                    }
                    span.end_with_timestamp(at);
                }
            }
            Event::PluginLog {
                unit,
                level,
                message,
            } => {
                let attrs = vec![
                    KeyValue::new(key::LEVEL, level.as_str()),
                    self.attr(key::MESSAGE, message),
                ];
                let spans = self.units.get(unit);
                let target = spans
                    .and_then(|s| s.step.clone().or_else(|| s.unit.clone()))
                    .or_else(|| self.root.clone())
                    .unwrap_or_default();
                target.span().add_event_with_timestamp("log", at, attrs);
            }
            Event::UnitFinished {
                unit,
                outcome,
                reason,
                ..
            } => {
                if let Some(spans) = self.units.remove(unit) {
                    let reason = reason.as_deref().map(|r| self.text(r));
                    end_unit(spans, *outcome, reason, at);
                }
            }
            Event::DeploymentFinished { outcome, .. } => {
                for (_, spans) in self.units.drain() {
                    end_unit(spans, Outcome::Running, None, at);
                }
                if let Some(root) = self.root.take() {
                    end_with_outcome(&root, *outcome, None, at);
                }
            }
            Event::Selected { .. } | Event::HookFailed { .. } => {}
        }
    }
}

/// Ends a unit's open spans at `at`, its own with `outcome` (`Running`: it never finished).
fn end_unit(spans: UnitSpans, outcome: Outcome, reason: Option<String>, at: SystemTime) {
    for open in [spans.step, spans.gate].into_iter().flatten() {
        open.span().end_with_timestamp(at);
    }
    if let Some(unit) = spans.unit {
        end_with_outcome(&unit, outcome, reason, at);
    }
}

/// Ends a unit's or the deployment's span: its outcome, and the error status unless it succeeded.
fn end_with_outcome(cx: &Context, outcome: Outcome, reason: Option<String>, at: SystemTime) {
    let span = cx.span();
    span.set_attribute(KeyValue::new(key::OUTCOME, outcome.as_str()));
    if let Some(reason) = &reason {
        span.set_attribute(KeyValue::new(key::REASON, reason.clone()));
    }
    if matches!(
        outcome,
        Outcome::RolledBack | Outcome::Failed | Outcome::Running
    ) {
        span.set_status(Status::error(
            reason.unwrap_or_else(|| outcome.as_str().to_owned()),
        ));
    }
    span.end_with_timestamp(at);
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use opentelemetry::trace::SpanId;
    use opentelemetry_sdk::error::OTelSdkResult;
    use opentelemetry_sdk::trace::{SpanData, SpanExporter};

    use super::*;
    use crate::caps::log::Level;

    /// Keeps the spans it is given.
    #[derive(Debug, Clone, Default)]
    struct Kept(Arc<Mutex<Vec<SpanData>>>);

    impl SpanExporter for Kept {
        async fn export(&self, batch: Vec<SpanData>) -> OTelSdkResult {
            self.0.lock().unwrap().extend(batch);
            Ok(())
        }
    }

    /// The spans made of `events`, stamped one millisecond apart.
    fn spans_of(events: Vec<Event>) -> (Vec<SpanData>, Vec<SystemTime>) {
        let kept = Kept::default();
        let provider = SdkTracerProvider::builder()
            .with_simple_exporter(kept.clone())
            .build();
        let mut trace = Trace::new(provider.tracer("test"), Redactor::default());
        let start = SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000);
        let times: Vec<SystemTime> = (0..events.len())
            .map(|n| start + Duration::from_millis(n as u64))
            .collect();
        for (event, at) in events.into_iter().zip(&times) {
            trace.add(&Stamped {
                at: *at,
                duration_ms: None,
                event,
            });
        }
        let spans = kept.0.lock().unwrap().clone();
        (spans, times)
    }

    #[test]
    fn a_unit_still_open_when_the_deployment_ends_is_ended_with_it_as_an_error() {
        let id = "0190e3c4-51a2-7c3b-9d4e-5f6a7b8c9d0e";
        let (spans, times) = spans_of(vec![
            Event::DeploymentStarted {
                id: id.into(),
                environment: "staging".into(),
                kind: "apply".into(),
                units: vec!["web".into()],
            },
            Event::UnitStarted {
                unit: "web".into(),
                version: "v2".into(),
            },
            Event::Step {
                unit: "web".into(),
                step: "stage".into(),
            },
            Event::PluginLog {
                unit: "web".into(),
                level: Level::Warn,
                message: "disk nearly full".into(),
            },
            Event::StepFinished {
                unit: "web".into(),
                step: "stage".into(),
            },
            Event::GateStarted {
                unit: "web".into(),
                gate: "tcp 127.0.0.1:1".into(),
                phase: "live".into(),
            },
            Event::Probe {
                unit: "web".into(),
                gate: "tcp 127.0.0.1:1".into(),
                attempt: 1,
                ok: false,
                detail: "connection refused".into(),
            },
            Event::DeploymentFinished {
                id: id.into(),
                outcome: Outcome::Failed,
                exit_code: 1,
            },
        ]);
        let span = |name: &str| spans.iter().find(|s| s.name == name).unwrap();
        let (root, web, stage, gate, probe) = (
            span("apply staging"),
            span("web"),
            span("stage"),
            span("live gate"),
            span("probe"),
        );
        assert_eq!(
            root.span_context.trace_id().to_string(),
            id.replace('-', "")
        );
        assert_eq!(root.parent_span_id, SpanId::INVALID);
        assert_eq!(web.parent_span_id, root.span_context.span_id());
        assert_eq!(stage.parent_span_id, web.span_context.span_id());
        assert_eq!(probe.parent_span_id, gate.span_context.span_id());
        assert_eq!((stage.start_time, stage.end_time), (times[2], times[4]));
        assert_eq!((probe.start_time, probe.end_time), (times[6], times[6]));
        let finished = times[7];
        assert!(
            [root, web, gate].iter().all(|s| s.end_time == finished),
            "what was open ends with the deployment"
        );
        assert!(
            matches!(web.status, Status::Error { .. }),
            "{:?}",
            web.status
        );
        assert!(matches!(root.status, Status::Error { .. }));
        let log: Vec<_> = stage.events.iter().map(|e| e.name.as_ref()).collect();
        assert_eq!(log, ["log"], "the plugin's message is an event of its step");
    }

    #[test]
    fn a_base_url_gets_the_traces_path_appended_once_whatever_its_trailing_slash() {
        for base in ["http://127.0.0.1:4318", "http://127.0.0.1:4318/"] {
            let url = Url::parse(base).unwrap();
            assert_eq!(traces_url(&url).as_str(), "http://127.0.0.1:4318/v1/traces");
        }
        let prefixed = Url::parse("https://collector.example/otel/").unwrap();
        assert_eq!(
            traces_url(&prefixed).as_str(),
            "https://collector.example/otel/v1/traces"
        );
    }
}

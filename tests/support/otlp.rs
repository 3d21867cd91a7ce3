//! OpenTelemetry collectors for the telemetry tests: an OTLP/HTTP receiver that decodes the
//! protobuf `ExportTraceServiceRequest`s it is sent and keeps their spans, one that accepts
//! connections but never answers, and a port nothing listens on.

use std::collections::BTreeMap;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::{Arc, Mutex};

use opentelemetry_proto::tonic::collector::trace::v1::{
    ExportTraceServiceRequest, ExportTraceServiceResponse,
};
use opentelemetry_proto::tonic::common::v1::{AnyValue, KeyValue, any_value};
use opentelemetry_proto::tonic::trace::v1::status::StatusCode;
use prost::Message as _;

use super::http::serve;

/// One span as a collector received it.
#[derive(Debug, Clone)]
pub struct ReceivedSpan {
    /// The trace id, hex.
    pub trace_id: String,
    /// The span id, hex.
    pub span_id: String,
    /// The parent's span id, hex; `None` for a root span.
    pub parent: Option<String>,
    /// The span's name.
    pub name: String,
    /// Start and end, nanoseconds since the Unix epoch.
    pub start: u64,
    /// See `start`.
    pub end: u64,
    /// Attributes, each value as text (`true`, `3`, `a,b` for arrays).
    pub attributes: BTreeMap<String, String>,
    /// The span's events by name, each with its attributes.
    pub events: Vec<(String, BTreeMap<String, String>)>,
    /// Whether its status is an error, and the status message.
    pub error: Option<String>,
    /// Its resource's `service.name`.
    pub service: String,
}

impl ReceivedSpan {
    /// The attribute `key`, or "" when absent.
    pub fn attr(&self, key: &str) -> &str {
        self.attributes.get(key).map_or("", String::as_str)
    }
}

/// An OTLP/HTTP receiver on a free loopback port: keeps every span sent to `/v1/traces`.
pub struct OtlpReceiver {
    /// Where it listens.
    pub addr: SocketAddr,
    spans: Arc<Mutex<Vec<ReceivedSpan>>>,
    _runtime: tokio::runtime::Runtime,
}

impl OtlpReceiver {
    /// Starts a receiver.
    pub fn start() -> OtlpReceiver {
        let spans = Arc::new(Mutex::new(Vec::new()));
        let kept = spans.clone();
        let app = axum::Router::new().route(
            "/v1/traces",
            axum::routing::post(move |body: axum::body::Bytes| {
                let kept = kept.clone();
                async move {
                    let request =
                        ExportTraceServiceRequest::decode(body).expect("a protobuf OTLP request");
                    kept.lock().unwrap().extend(flatten(request));
                    (
                        [("content-type", "application/x-protobuf")],
                        ExportTraceServiceResponse::default().encode_to_vec(),
                    )
                }
            }),
        );
        let (addr, runtime) = serve(app, 1);
        OtlpReceiver {
            addr,
            spans,
            _runtime: runtime,
        }
    }

    /// `http://127.0.0.1:PORT`: the base URL sluice appends `/v1/traces` to.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Every span received so far, in arrival order.
    pub fn spans(&self) -> Vec<ReceivedSpan> {
        self.spans.lock().unwrap().clone()
    }
}

/// The spans of a request, each with its resource's service name.
fn flatten(request: ExportTraceServiceRequest) -> Vec<ReceivedSpan> {
    let mut spans = Vec::new();
    for resource_spans in request.resource_spans {
        let resource = resource_spans
            .resource
            .map(|r| attributes(&r.attributes))
            .unwrap_or_default();
        let service = resource.get("service.name").cloned().unwrap_or_default();
        for span in resource_spans
            .scope_spans
            .into_iter()
            .flat_map(|scope| scope.spans)
        {
            let error = span
                .status
                .filter(|s| s.code == StatusCode::Error as i32)
                .map(|s| s.message);
            spans.push(ReceivedSpan {
                trace_id: hex::encode(&span.trace_id),
                span_id: hex::encode(&span.span_id),
                parent: (!span.parent_span_id.is_empty())
                    .then(|| hex::encode(&span.parent_span_id)),
                name: span.name,
                start: span.start_time_unix_nano,
                end: span.end_time_unix_nano,
                attributes: attributes(&span.attributes),
                events: span
                    .events
                    .iter()
                    .map(|e| (e.name.clone(), attributes(&e.attributes)))
                    .collect(),
                error,
                service: service.clone(),
            });
        }
    }
    spans
}

fn attributes(pairs: &[KeyValue]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|kv| {
            (
                kv.key.clone(),
                kv.value.as_ref().map(text).unwrap_or_default(),
            )
        })
        .collect()
}

fn text(value: &AnyValue) -> String {
    match &value.value {
        Some(any_value::Value::StringValue(s)) => s.clone(),
        Some(any_value::Value::BoolValue(b)) => b.to_string(),
        Some(any_value::Value::IntValue(i)) => i.to_string(),
        Some(any_value::Value::DoubleValue(d)) => d.to_string(),
        Some(any_value::Value::ArrayValue(array)) => {
            array.values.iter().map(text).collect::<Vec<_>>().join(",")
        }
        _ => String::new(),
    }
}

/// A collector that accepts connections and reads nothing, never answering; counts connections.
pub struct SilentCollector {
    /// Where it listens.
    pub addr: SocketAddr,
    held: Arc<Mutex<Vec<TcpStream>>>,
}

impl SilentCollector {
    /// Starts one on a free loopback port (its accepting thread lives as long as the process).
    pub fn start() -> SilentCollector {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let held = Arc::new(Mutex::new(Vec::new()));
        let kept = held.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                kept.lock().unwrap().push(stream);
            }
        });
        SilentCollector { addr, held }
    }

    /// `http://127.0.0.1:PORT`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// How many connections it has accepted.
    pub fn connections(&self) -> usize {
        self.held.lock().unwrap().len()
    }
}

/// `http://127.0.0.1:PORT` of a loopback port nothing listens on (bound, then closed).
pub fn closed_port_url() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    format!("http://{}", listener.local_addr().unwrap())
}

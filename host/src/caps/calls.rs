//! Which host functions a plugin called during one lifecycle call: what `sluice plugins test`
//! compares to tell a read-only call from one that acts, and what a deployment's record keeps of
//! each call (`sluice audit calls`).
//!
//! The one place every host call passes through is the generated bindings: both sluice's (see
//! [`crate::wit`]) and wasmtime-wasi's open a `wit-bindgen import` trace span naming the
//! interface and the function for every call, before the capability sees it, with a `call` event
//! carrying its arguments and a `return` event carrying its result (both shown as `...` when they
//! hold a list). `secrets.get` is not traced by the bindings, since its result is a secret: the
//! capability opens the same span itself, naming the secret and never its value. A
//! [`CallRecorder`] is a tracing subscriber that keeps those calls: when each began and how long
//! it took, what it reached (its string arguments that name something: an endpoint, a container
//! or image, a backend, a database, a path), and whether the capability denied it (a `denied`
//! error in its result). The runtime makes it the current subscriber of the calls it should
//! watch; everything else goes on to the subscriber that was current before.
//!
//! What the arguments do not show is told by the capability itself with [`note`] events, from
//! the one place its requests pass through: an HTTP request's method, origin and path, its bytes
//! and its denial (its request and response hold lists, so the bindings show neither). What
//! decides whether a request changes anything (its method) is also told with a
//! [`HOST_REQUEST`]-named span of the same fields as the bindings' span.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::ThreadId;
use std::time::{Duration, Instant, SystemTime};

use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::subscriber::Interest;
use tracing::{Dispatch, Event, Metadata, Subscriber};

/// The name of the span the generated bindings open for every host call.
pub const BINDINGS_SPAN: &str = "wit-bindgen import";
/// The name of the span a capability opens for a request whose arguments decide whether it
/// changes anything (`module` = the interface, `function` = e.g. the HTTP method, `target` =
/// what it is sent to, e.g. the URL's path).
pub const HOST_REQUEST: &str = "host request";
/// The tracing target of a capability's [`note`] about the call in progress.
const NOTE: &str = "sluice::host_call";
/// Arguments that name what a call reaches, by their WIT names.
const TARGET_ARGUMENTS: &[&str] = &[
    "endpoint",
    "image",
    "repository",
    "source",
    "target",
    "name",
    "new_name",
    "api",
    "backend",
    "path",
    "id",
];
/// Ids of the recorder's own spans have this bit set; others belong to the subscriber before.
const OWN: u64 = 1 << 63;

/// One host function a plugin called.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostCall {
    /// The interface, as the bindings name it (`containers`, `sql`, `types` for
    /// `wasi:filesystem/types`), or `http` for a request.
    pub module: String,
    /// The function (`create`, `[method]descriptor.write-via-stream`), or an HTTP method.
    pub function: String,
    /// What a request was sent to (an HTTP request's path); empty for a function call.
    pub target: String,
}

/// Functions that change something outside the plugin, by interface.
const MUTATING: &[(&str, &[&str])] = &[
    (
        "types",
        &[
            "[method]descriptor.write",
            "[method]descriptor.write-via-stream",
            "[method]descriptor.append-via-stream",
            "[method]descriptor.set-size",
            "[method]descriptor.set-times",
            "[method]descriptor.set-times-at",
            "[method]descriptor.create-directory-at",
            "[method]descriptor.link-at",
            "[method]descriptor.remove-directory-at",
            "[method]descriptor.rename-at",
            "[method]descriptor.symlink-at",
            "[method]descriptor.unlink-file-at",
        ],
    ),
    (
        "containers",
        &[
            "image-pull",
            "image-tag",
            "image-remove",
            "create",
            "start",
            "stop",
            "rename",
            "remove",
        ],
    ),
    (
        "sql",
        &[
            "[method]database.execute",
            "[method]database.execute-script",
            "[method]database.backup",
            "[method]database.restore",
        ],
    ),
    ("http", &["POST", "PUT", "PATCH", "DELETE"]),
    (
        "haproxy",
        &["add-server", "set-weight", "set-state", "remove-server"],
    ),
    ("services", &["create", "update", "rollback", "remove"]),
];

impl HostCall {
    /// Whether the call changes something: writes, creates or removes a file, creates, starts,
    /// stops or removes a container or image, pulls an image, creates, updates, rolls back or removes a Swarm
    /// service, executes SQL or restores a backup, sends an HTTP request other than GET, HEAD or
    /// OPTIONS, or changes an HAProxy backend's servers.
    pub fn mutates(&self) -> bool {
        MUTATING.iter().any(|(module, functions)| {
            *module == self.module && functions.contains(&self.function.as_str())
        })
    }
}

impl std::fmt::Display for HostCall {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.module, self.function)?;
        if !self.target.is_empty() {
            write!(f, " {}", self.target)?;
        }
        Ok(())
    }
}

/// One host call as a deployment's record keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallRecord {
    /// The interface and function.
    pub call: HostCall,
    /// What it reached: its naming arguments and what the capability noted, space-separated
    /// (`default web-blue`, `PUT http://127.0.0.1:2019/load`).
    pub reached: String,
    /// When it began.
    pub at: SystemTime,
    /// How long it took.
    pub duration: Duration,
    /// Why the capability refused it, when it did.
    pub denied: Option<String>,
    /// Bytes the plugin sent through it, where the capability counts them.
    pub sent: Option<u64>,
    /// Bytes it received, where the capability counts them.
    pub received: Option<u64>,
}

/// Where a deployment's record of its plugins' host calls goes (see [`super::Provision::calls`]).
pub trait CallLog: Send + Sync {
    /// Keeps `records`: the host calls the plugin made during its lifecycle call `call`
    /// (`prepare`, `stage`, `check`...).
    fn keep(&self, call: &str, records: Vec<CallRecord>);
}

/// What a capability tells about the host call in progress, for its record.
#[derive(Debug, Clone, Copy)]
pub enum Note<'a> {
    /// It reached this too (an HTTP request's `METHOD origin/path`, a container's name).
    Reached(&'a str),
    /// The capability refused it, for this reason.
    Denied(&'a str),
    /// It sent and received these many bytes.
    Bytes {
        /// Sent.
        sent: u64,
        /// Received.
        received: u64,
    },
}

/// Tells the recorder (if one is watching) `note` about the host call in progress.
pub fn note(note: Note<'_>) {
    match note {
        Note::Reached(what) => tracing::trace!(target: NOTE, reached = what),
        Note::Denied(why) => tracing::trace!(target: NOTE, denied = why),
        Note::Bytes { sent, received } => tracing::trace!(target: NOTE, sent, received),
    }
}

/// A call being recorded.
struct Open {
    /// Its place in `records`; none once taken.
    index: Option<usize>,
    since: Instant,
    handles: usize,
    /// The same span in the subscriber before, when it wants it.
    before: Option<Id>,
}

#[derive(Default)]
struct Calls {
    records: Vec<(CallRecord, bool)>,
    open: HashMap<u64, Open>,
    /// The recorder's spans each thread is in, innermost last.
    entered: HashMap<ThreadId, Vec<u64>>,
}

impl Calls {
    /// The innermost call this thread is in.
    fn current(&mut self) -> Option<&mut CallRecord> {
        let id = *self.entered.get(&std::thread::current().id())?.last()?;
        let index = self.open.get(&id)?.index?;
        self.records.get_mut(index).map(|(record, _)| record)
    }
}

/// Keeps the host calls made while it is the current tracing subscriber; clones share them.
#[derive(Clone)]
pub struct CallRecorder {
    calls: Arc<Mutex<Calls>>,
    next_id: Arc<AtomicU64>,
    /// The subscriber that was current when the recorder was made: it gets everything else.
    before: Dispatch,
}

impl Default for CallRecorder {
    fn default() -> Self {
        CallRecorder {
            calls: Arc::default(),
            next_id: Arc::default(),
            before: tracing::dispatcher::get_default(Dispatch::clone),
        }
    }
}

impl CallRecorder {
    fn calls(&self) -> std::sync::MutexGuard<'_, Calls> {
        self.calls.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The calls recorded since the last `take` or `take_records`, leaving none: every
    /// bindings span and every [`HOST_REQUEST`].
    pub fn take(&self) -> Vec<HostCall> {
        self.drain()
            .into_iter()
            .map(|(record, _)| record.call)
            .collect()
    }

    /// The host functions called since the last `take` or `take_records`, leaving none, as a
    /// deployment's record keeps them (without the [`HOST_REQUEST`] spans, which the HTTP call
    /// that made them tells of).
    pub fn take_records(&self) -> Vec<CallRecord> {
        self.drain()
            .into_iter()
            .filter(|(_, request)| !request)
            .map(|(record, _)| record)
            .collect()
    }

    fn drain(&self) -> Vec<(CallRecord, bool)> {
        let mut calls = self.calls();
        for open in calls.open.values_mut() {
            open.index = None;
        }
        std::mem::take(&mut calls.records)
    }

    /// The subscriber before's id of the recorder's own span `id`, if it has one.
    fn before_id(&self, id: u64) -> Option<Id> {
        self.calls()
            .open
            .get(&id)
            .and_then(|open| open.before.clone())
    }

    /// Adds what a `call`, `return` or note event tells to the call this thread is in.
    fn read(&self, event: &Event<'_>) {
        let mut told = Told::default();
        event.record(&mut told);
        let mut calls = self.calls();
        let Some(record) = calls.current() else {
            return;
        };
        record.reached = [record.reached.as_str()]
            .into_iter()
            .chain(told.reached.0.iter().map(String::as_str))
            .filter(|part| !part.is_empty())
            .collect::<Vec<_>>()
            .join(" ");
        if let Some(why) = told
            .denied
            .or_else(|| told.result.as_deref().and_then(denial))
        {
            record.denied = Some(why);
        }
        if told.sent.is_some() {
            record.sent = told.sent;
            record.received = told.received;
        }
    }
}

/// Whether `metadata` is a span naming a host call.
fn is_host_call(metadata: &Metadata<'_>) -> bool {
    metadata.is_span() && matches!(metadata.name(), BINDINGS_SPAN | HOST_REQUEST)
}

/// Whether `metadata` is an event the recorder reads: a capability's note, or the bindings'
/// `call` and `return` events of a host call.
fn is_call_event(metadata: &Metadata<'_>) -> bool {
    metadata.is_event()
        && (metadata.target() == NOTE
            || metadata.fields().field("result").is_some()
            || TARGET_ARGUMENTS
                .iter()
                .any(|name| metadata.fields().field(name).is_some()))
}

fn own(id: &Id) -> Option<u64> {
    let id = id.into_u64();
    (id & OWN != 0).then_some(id)
}

impl Subscriber for CallRecorder {
    fn register_callsite(&self, metadata: &'static Metadata<'static>) -> Interest {
        if is_host_call(metadata) || is_call_event(metadata) {
            Interest::always()
        } else {
            self.before.register_callsite(metadata)
        }
    }

    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        is_host_call(metadata) || is_call_event(metadata) || self.before.enabled(metadata)
    }

    fn new_span(&self, span: &Attributes<'_>) -> Id {
        if !is_host_call(span.metadata()) {
            return self.before.new_span(span);
        }
        let mut call = HostCall {
            module: String::new(),
            function: String::new(),
            target: String::new(),
        };
        span.record(&mut call);
        let mut reached = Reached::default();
        span.record(&mut reached);
        let request = span.metadata().name() == HOST_REQUEST;
        let before = self
            .before
            .enabled(span.metadata())
            .then(|| self.before.new_span(span));
        let id = (self.next_id.fetch_add(1, Ordering::Relaxed) + 1) | OWN;
        let mut calls = self.calls();
        let index = calls.records.len();
        calls.records.push((
            CallRecord {
                call,
                reached: reached.0.join(" "),
                at: SystemTime::now(),
                duration: Duration::ZERO,
                denied: None,
                sent: None,
                received: None,
            },
            request,
        ));
        calls.open.insert(
            id,
            Open {
                index: Some(index),
                since: Instant::now(),
                handles: 1,
                before,
            },
        );
        Id::from_u64(id)
    }

    fn record(&self, span: &Id, values: &Record<'_>) {
        match own(span) {
            Some(id) => {
                if let Some(before) = self.before_id(id) {
                    self.before.record(&before, values);
                }
            }
            None => self.before.record(span, values),
        }
    }

    fn record_follows_from(&self, span: &Id, follows: &Id) {
        if own(span).is_none() && own(follows).is_none() {
            self.before.record_follows_from(span, follows);
        }
    }

    fn event(&self, event: &Event<'_>) {
        let wanted_before = self.before.enabled(event.metadata());
        if is_call_event(event.metadata()) {
            self.read(event);
        }
        if wanted_before {
            self.before.event(event);
        }
    }

    fn enter(&self, span: &Id) {
        let Some(id) = own(span) else {
            return self.before.enter(span);
        };
        let before = {
            let mut calls = self.calls();
            calls
                .entered
                .entry(std::thread::current().id())
                .or_default()
                .push(id);
            calls.open.get(&id).and_then(|open| open.before.clone())
        };
        if let Some(before) = before {
            self.before.enter(&before);
        }
    }

    fn exit(&self, span: &Id) {
        let Some(id) = own(span) else {
            return self.before.exit(span);
        };
        let before = {
            let mut calls = self.calls();
            let thread = std::thread::current().id();
            if let Some(stack) = calls.entered.get_mut(&thread) {
                if let Some(at) = stack.iter().rposition(|entered| *entered == id) {
                    stack.remove(at);
                }
                if stack.is_empty() {
                    calls.entered.remove(&thread);
                }
            }
            calls.open.get(&id).and_then(|open| open.before.clone())
        };
        if let Some(before) = before {
            self.before.exit(&before);
        }
    }

    fn clone_span(&self, span: &Id) -> Id {
        let Some(id) = own(span) else {
            return self.before.clone_span(span);
        };
        let before = self.calls().open.get_mut(&id).and_then(|open| {
            open.handles += 1;
            open.before.clone()
        });
        if let Some(before) = before {
            self.before.clone_span(&before);
        }
        span.clone()
    }

    fn try_close(&self, span: Id) -> bool {
        let Some(id) = own(&span) else {
            return self.before.try_close(span);
        };
        let (before, closed) = {
            let mut calls = self.calls();
            let Some(open) = calls.open.get_mut(&id) else {
                return false;
            };
            open.handles = open.handles.saturating_sub(1);
            let before = open.before.clone();
            if open.handles > 0 {
                (before, false)
            } else {
                let (index, took) = (open.index, open.since.elapsed());
                calls.open.remove(&id);
                if let Some((record, _)) = index.and_then(|at| calls.records.get_mut(at)) {
                    record.duration = took;
                }
                (before, true)
            }
        };
        if let Some(before) = before {
            self.before.try_close(before);
        }
        closed
    }
}

/// The reason in a `return` event's result when it is a `denied` error:
/// `Ok(Err(Error::Denied("why")))`.
fn denial(result: &str) -> Option<String> {
    const DENIED: &str = "Error::Denied(\"";
    let start = result.find(DENIED)? + DENIED.len();
    let quoted = &result[start..];
    let escaped = &quoted[..quoted.rfind("\")")?];
    // Rust's Debug escapes a string's quotes and backslashes as JSON does.
    Some(serde_json::from_str(&format!("\"{escaped}\"")).unwrap_or_else(|_| escaped.to_owned()))
}

/// A `return` event's result as Debug text, cut where it shows a trap. Every host function
/// returns a `wasmtime::Result` (the bindings are `trappable`), so a result that starts with
/// `Err` is a trap, never a denial, and the rest would be the Debug text of a `wasmtime::Error`,
/// which resolves its backtrace (with `RUST_BACKTRACE` set): tens of milliseconds, hundreds in a
/// debug build.
#[derive(Default)]
struct UpToTrap(String);

impl std::fmt::Write for UpToTrap {
    fn write_str(&mut self, text: &str) -> std::fmt::Result {
        self.0.push_str(text);
        if self.0.starts_with("Err") {
            Err(std::fmt::Error)
        } else {
            Ok(())
        }
    }
}

/// Reads a host-call span's `module`, `function` and `target` fields.
impl Visit for HostCall {
    fn record_str(&mut self, field: &Field, value: &str) {
        match field.name() {
            "module" => value.clone_into(&mut self.module),
            "function" => value.clone_into(&mut self.function),
            "target" => value.clone_into(&mut self.target),
            _ => {}
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.record_str(field, &format!("{value:?}"));
    }
}

/// The arguments of a call that name what it reaches, in order.
#[derive(Default)]
struct Reached(Vec<String>);

impl Visit for Reached {
    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "reached" {
            self.0.push(value.to_owned());
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if !TARGET_ARGUMENTS.contains(&field.name()) {
            return;
        }
        // The bindings show a string argument as its Debug text, quoted.
        let text = format!("{value:?}");
        if let Ok(argument) = serde_json::from_str::<String>(&text)
            && argument != "..."
            && !argument.is_empty()
        {
            self.0.push(argument);
        }
    }
}

/// What a `call`, `return` or note event tells.
#[derive(Default)]
struct Told {
    reached: Reached,
    denied: Option<String>,
    result: Option<String>,
    sent: Option<u64>,
    received: Option<u64>,
}

impl Visit for Told {
    fn record_str(&mut self, field: &Field, value: &str) {
        match field.name() {
            "denied" => self.denied = Some(value.to_owned()),
            _ => self.reached.record_str(field, value),
        }
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        match field.name() {
            "sent" => self.sent = Some(value),
            "received" => self.received = Some(value),
            _ => {}
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        match field.name() {
            "result" => {
                let mut text = UpToTrap::default();
                // Stopping at a trap is the writer's error, and nothing else can fail here.
                let _ = std::fmt::write(&mut text, format_args!("{value:?}"));
                self.result = Some(text.0);
            }
            _ => self.reached.record_debug(field, value),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::AtomicBool;

    use super::*;

    fn call(module: &str, function: &str) -> HostCall {
        HostCall {
            module: module.into(),
            function: function.into(),
            target: String::new(),
        }
    }

    #[test]
    fn writes_creations_removals_and_unsafe_methods_mutate_and_reads_do_not() {
        assert!(call("types", "[method]descriptor.write-via-stream").mutates());
        assert!(call("containers", "create").mutates());
        assert!(call("sql", "[method]database.execute").mutates());
        assert!(call("http", "POST").mutates());
        assert!(!call("types", "[method]descriptor.read-via-stream").mutates());
        assert!(!call("containers", "inspect").mutates());
        assert!(call("services", "rollback").mutates());
        assert!(!call("services", "tasks").mutates());
        assert!(!call("sql", "[method]database.query").mutates());
        assert!(!call("http", "GET").mutates());
        assert!(!call("log", "write").mutates());
    }

    #[test]
    fn the_recorder_keeps_the_host_call_spans_opened_while_it_is_current() {
        let recorder = CallRecorder::default();
        tracing::subscriber::with_default(recorder.clone(), || {
            let _call =
                tracing::trace_span!(BINDINGS_SPAN, module = "containers", function = "create");
            let _request = tracing::trace_span!(
                HOST_REQUEST,
                module = "http",
                function = "GET",
                target = "/status"
            );
            let _other = tracing::trace_span!("something else", module = "sql");
        });
        let request = HostCall {
            target: "/status".into(),
            ..call("http", "GET")
        };
        assert_eq!(recorder.take(), [call("containers", "create"), request]);
        assert_eq!(recorder.take(), []);
    }

    #[test]
    fn a_trapping_calls_error_is_never_formatted_and_is_not_a_denial() {
        static FORMATTED: AtomicBool = AtomicBool::new(false);
        /// Stands for a `wasmtime::Error`, whose Debug text resolves a backtrace.
        struct Trap;
        impl std::fmt::Debug for Trap {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                FORMATTED.store(true, Ordering::Relaxed);
                f.write_str("Error::Denied(\"not a denial\")")
            }
        }
        let recorder = CallRecorder::default();
        let result: Result<(), Trap> = Err(Trap);
        tracing::subscriber::with_default(recorder.clone(), || {
            let span = tracing::trace_span!(BINDINGS_SPAN, module = "types", function = "open-at");
            let _in = span.enter();
            tracing::trace!(result = ?result, "return");
        });
        let records = recorder.take_records();
        assert_eq!(records.len(), 1, "{records:?}");
        assert_eq!(records[0].denied, None);
        assert!(
            !FORMATTED.load(Ordering::Relaxed),
            "the error was formatted"
        );
    }

    #[test]
    fn a_record_names_what_the_call_reached_and_why_the_capability_denied_it() {
        let recorder = CallRecorder::default();
        let result: wasmtime::Result<Result<(), crate::wit::types::Error>> = Ok(Err(
            crate::wit::types::Error::Denied("containers: `web` is not \"granted\"".into()),
        ));
        tracing::subscriber::with_default(recorder.clone(), || {
            let span =
                tracing::trace_span!(BINDINGS_SPAN, module = "containers", function = "start");
            let _in = span.enter();
            tracing::trace!(endpoint = ?"default", name = ?"web", statement = ?"x", "call");
            note(Note::Reached("more"));
            tracing::trace!(result = ?result, "return");
        });
        let records = recorder.take_records();
        assert_eq!(records.len(), 1, "{records:?}");
        assert_eq!(records[0].call, call("containers", "start"));
        assert_eq!(records[0].reached, "default web more");
        assert_eq!(
            records[0].denied.as_deref(),
            Some("containers: `web` is not \"granted\"")
        );
    }
}

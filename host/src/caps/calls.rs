//! Which host functions a plugin called during one lifecycle call, and whether each changes
//! something: what `sluice plugins test` compares to tell a read-only call from one that acts.
//!
//! The one place every host call passes through is the generated bindings: both sluice's (see
//! [`crate::wit`]) and wasmtime-wasi's open a `wit-bindgen import` trace span naming the
//! interface and the function for every call, before the capability sees it (all but
//! `secrets.get`, which changes nothing and whose trace would show a secret). A [`CallRecorder`]
//! is a tracing subscriber that keeps those names; the runtime makes it the current subscriber
//! of the calls it should watch (`LoadedPlugin::record_calls`). What a function's arguments
//! decide (an HTTP request's method) is told by the capability itself with a
//! [`HOST_REQUEST`]-named span of the same two fields, from the one place its requests pass
//! through.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::subscriber::Interest;
use tracing::{Event, Metadata, Subscriber};

/// The name of the span the generated bindings open for every host call.
const BINDINGS_SPAN: &str = "wit-bindgen import";
/// The name of the span a capability opens for a request whose arguments decide whether it
/// changes anything (`module` = the interface, `function` = e.g. the HTTP method, `target` =
/// what it is sent to, e.g. the URL's path).
pub const HOST_REQUEST: &str = "host request";

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
];

impl HostCall {
    /// Whether the call changes something: writes, creates or removes a file, creates, starts,
    /// stops or removes a container or image, executes SQL or restores a backup, sends an
    /// HTTP request other than GET, HEAD or OPTIONS, or changes an HAProxy backend's servers.
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

/// Keeps the host calls made while it is the current tracing subscriber; clones share them.
#[derive(Clone, Default)]
pub struct CallRecorder {
    calls: Arc<Mutex<Vec<HostCall>>>,
    next_id: Arc<AtomicU64>,
}

impl CallRecorder {
    /// The calls recorded since the last `take`, leaving none.
    pub fn take(&self) -> Vec<HostCall> {
        std::mem::take(&mut *self.calls.lock().unwrap_or_else(PoisonError::into_inner))
    }
}

/// Whether `metadata` is a span naming a host call.
fn is_host_call(metadata: &Metadata<'_>) -> bool {
    metadata.is_span() && matches!(metadata.name(), BINDINGS_SPAN | HOST_REQUEST)
}

impl Subscriber for CallRecorder {
    fn register_callsite(&self, metadata: &'static Metadata<'static>) -> Interest {
        if is_host_call(metadata) {
            Interest::always()
        } else {
            Interest::never()
        }
    }

    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        is_host_call(metadata)
    }

    fn new_span(&self, span: &Attributes<'_>) -> Id {
        let mut call = HostCall {
            module: String::new(),
            function: String::new(),
            target: String::new(),
        };
        span.record(&mut call);
        self.calls
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(call);
        Id::from_u64(self.next_id.fetch_add(1, Ordering::Relaxed) + 1)
    }

    fn record(&self, _span: &Id, _values: &Record<'_>) {}

    fn record_follows_from(&self, _span: &Id, _follows: &Id) {}

    fn event(&self, _event: &Event<'_>) {}

    fn enter(&self, _span: &Id) {}

    fn exit(&self, _span: &Id) {}
}

/// Reads a host-call span's `module` and `function` fields.
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

#[cfg(test)]
mod tests {
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
}

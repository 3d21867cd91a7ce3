//! The thread that writes a run's record to the state store.

use std::sync::{Arc, Mutex, PoisonError, mpsc};
use std::time::{Duration, Instant};

use crate::state::{CapabilityCall, RecordedEvent, StateError, Store};

/// How long the writer gathers what arrives before writing it: a busy deployment's record costs
/// a few transactions a second, not one per event or lifecycle call (each a commit that the
/// deployment's own state writes would queue behind).
const GATHER: Duration = Duration::from_millis(250);
/// The most rows gathered before they are written, whatever [`GATHER`] says: a flood of output
/// is written while the deployment goes on (on another core), not all at its end, where the
/// deployment waits for it.
const BATCH_ROWS: usize = 256;
/// The longest a finished deployment waits for its record to be written.
const FLUSH_WAIT: Duration = Duration::from_secs(5);

/// What the writer thread is given.
enum ToWriter {
    /// An event to keep.
    Event(RecordedEvent),
    /// The host calls of one lifecycle call.
    Calls(Vec<CapabilityCall>),
    /// Answer once everything before is written.
    Flush(mpsc::Sender<()>),
}

/// Writes the record of a run's deployments to its state store, from a thread of its own: it
/// gathers what arrives for [`GATHER`] (less when a flush is asked or [`BATCH_ROWS`] have come)
/// and writes the events in one transaction and the calls in another.
pub struct RecordWriter {
    store: Arc<dyn Store>,
    sender: Mutex<mpsc::Sender<ToWriter>>,
}

impl RecordWriter {
    /// Starts the writer of records to `store`.
    pub fn start(store: Arc<dyn Store>) -> Arc<RecordWriter> {
        let (sender, waiting) = mpsc::channel();
        let written = store.clone();
        std::thread::spawn(move || write_batches(written.as_ref(), &waiting));
        Arc::new(RecordWriter {
            store,
            sender: Mutex::new(sender),
        })
    }

    /// The store written to (to count what a deployment's record already holds).
    pub(super) fn store(&self) -> &dyn Store {
        self.store.as_ref()
    }

    pub(super) fn event(&self, row: RecordedEvent) {
        self.send(ToWriter::Event(row));
    }

    pub(super) fn calls(&self, rows: Vec<CapabilityCall>) {
        self.send(ToWriter::Calls(rows));
    }

    /// Waits (at most [`FLUSH_WAIT`]) until everything given so far is written.
    pub fn flush(&self) {
        let (done, written) = mpsc::channel();
        self.send(ToWriter::Flush(done));
        let _ = written.recv_timeout(FLUSH_WAIT);
    }

    fn send(&self, message: ToWriter) {
        let sender = self.sender.lock().unwrap_or_else(PoisonError::into_inner);
        // The thread ends only when this sender is dropped.
        let _ = sender.send(message);
    }
}

impl Drop for RecordWriter {
    fn drop(&mut self) {
        self.flush();
    }
}

/// Writes what arrives on `waiting` to `store`, in batches, until the sender is gone.
fn write_batches(store: &dyn Store, waiting: &mpsc::Receiver<ToWriter>) {
    while let Ok(first) = waiting.recv() {
        let (mut events, mut calls, mut flushed) = (Vec::new(), Vec::new(), Vec::new());
        let until = Instant::now() + GATHER;
        let mut next = Some(first);
        while let Some(message) = next {
            match message {
                ToWriter::Event(row) => events.push(row),
                ToWriter::Calls(rows) => calls.extend(rows),
                ToWriter::Flush(done) => flushed.push(done),
            }
            next = if flushed.is_empty() && events.len() + calls.len() < BATCH_ROWS {
                waiting
                    .recv_timeout(until.saturating_duration_since(Instant::now()))
                    .ok()
            } else {
                waiting.try_recv().ok()
            };
        }
        if !events.is_empty() {
            warn_unkept("events", store.record_events(&events));
        }
        if !calls.is_empty() {
            warn_unkept("host calls", store.record_calls(&calls));
        }
        for done in flushed {
            let _ = done.send(());
        }
    }
}

fn warn_unkept(what: &str, written: Result<(), StateError>) {
    if let Err(e) = written {
        tracing::warn!("the deployment's record could not keep {what}: {e:#}");
    }
}

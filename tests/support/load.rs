//! A bounded request loop on loopback: several workers send GETs (one connection each, like a
//! stream of independent clients) until stopped or until the request budget is spent, recording
//! every response. Used to prove "zero failed requests" across a traffic switch.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::http::get;

/// One request's result.
#[derive(Debug, Clone)]
pub struct Sample {
    /// When it started, relative to the start of the load.
    pub at: Duration,
    /// How long it took.
    pub latency: Duration,
    /// The status (0: no answer).
    pub status: u16,
    /// The body, trimmed.
    pub body: String,
}

/// Everything the load saw.
#[derive(Debug, Default)]
pub struct LoadReport {
    /// Every request, in completion order.
    pub samples: Vec<Sample>,
}

impl LoadReport {
    /// Requests sent.
    pub fn sent(&self) -> usize {
        self.samples.len()
    }

    /// Requests that did not get HTTP 200.
    pub fn failed(&self) -> Vec<&Sample> {
        self.samples.iter().filter(|s| s.status != 200).collect()
    }

    /// How many responses had each body.
    pub fn bodies(&self) -> BTreeMap<String, usize> {
        let mut counts = BTreeMap::new();
        for sample in &self.samples {
            *counts.entry(sample.body.clone()).or_insert(0) += 1;
        }
        counts
    }

    /// The `p`th percentile (0..=100) latency of the samples started within `window`.
    pub fn percentile(&self, p: f64, window: std::ops::Range<Duration>) -> Option<Duration> {
        let mut latencies: Vec<Duration> = self
            .samples
            .iter()
            .filter(|s| window.contains(&s.at))
            .map(|s| s.latency)
            .collect();
        if latencies.is_empty() {
            return None;
        }
        latencies.sort();
        let index = ((p / 100.0) * (latencies.len() - 1) as f64).round() as usize;
        Some(latencies[index])
    }
}

/// A running load.
pub struct Load {
    started: Instant,
    stop: Arc<AtomicBool>,
    workers: Vec<JoinHandle<()>>,
    samples: Arc<Mutex<Vec<Sample>>>,
}

impl Load {
    /// Starts `workers` clients sending GET `path` to `addr`, each pausing `pause` between
    /// requests, at most `budget` requests in all.
    pub fn start(
        addr: SocketAddr,
        path: &str,
        workers: usize,
        budget: usize,
        pause: Duration,
    ) -> Load {
        let started = Instant::now();
        let stop = Arc::new(AtomicBool::new(false));
        let remaining = Arc::new(AtomicUsize::new(budget));
        let samples = Arc::new(Mutex::new(Vec::with_capacity(budget)));
        let workers = (0..workers)
            .map(|_| {
                let (stop, remaining, samples, path) = (
                    stop.clone(),
                    remaining.clone(),
                    samples.clone(),
                    path.to_owned(),
                );
                std::thread::spawn(move || {
                    while !stop.load(Ordering::Relaxed)
                        && remaining
                            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| {
                                n.checked_sub(1)
                            })
                            .is_ok()
                    {
                        let at = started.elapsed();
                        let (status, body) = get(addr, &path);
                        let sample = Sample {
                            at,
                            latency: started.elapsed() - at,
                            status,
                            body: body.trim().to_owned(),
                        };
                        samples.lock().unwrap().push(sample);
                        std::thread::sleep(pause);
                    }
                })
            })
            .collect();
        Load {
            started,
            stop,
            workers,
            samples,
        }
    }

    /// Time since the load started (to mark a switch window).
    pub fn elapsed(&self) -> Duration {
        self.started.elapsed()
    }

    /// Requests completed so far.
    pub fn sent(&self) -> usize {
        self.samples.lock().unwrap().len()
    }

    /// Waits until at least `count` requests completed (or the budget is spent).
    pub fn wait_for(&self, count: usize) {
        while self.samples.lock().unwrap().len() < count
            && self.workers.iter().any(|w| !w.is_finished())
        {
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// Stops the workers and returns everything they saw.
    pub fn finish(self) -> LoadReport {
        self.stop.store(true, Ordering::Relaxed);
        for worker in self.workers {
            let _ = worker.join();
        }
        let samples = std::mem::take(&mut *self.samples.lock().unwrap());
        LoadReport { samples }
    }
}

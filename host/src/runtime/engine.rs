//! The wasmtime engine and the epoch ticker that enforces call deadlines.

use std::io;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

use wasmtime::{Config, Engine};

use super::cache::ComponentCache;
use super::error::RuntimeError;
use crate::oci;

/// How often the engine's epoch advances; deadlines are counted in these ticks.
pub const EPOCH_TICK: Duration = Duration::from_millis(10);

/// The engine, the compiled-component cache and the deadline ticker. One per sluice process.
pub struct Runtime {
    pub(super) engine: Engine,
    pub(super) cache: ComponentCache,
    /// Plugins pulled from registries, beside the compiled components.
    pulled: oci::Store,
    /// Kept for as long as the runtime lives: dropping it stops the thread.
    _ticker: Ticker,
}

impl Runtime {
    /// An engine whose compiled components are cached under `cache_dir`; an error if the
    /// ticker thread cannot start (without it, no call would ever reach its deadline).
    pub fn new(cache_dir: PathBuf) -> Result<Runtime, RuntimeError> {
        Runtime::with_ticker(cache_dir, |thread, tick| thread.spawn(tick))
    }

    /// As [`Runtime::new`], starting the ticker thread with `spawn`.
    fn with_ticker(cache_dir: PathBuf, spawn: Spawn) -> Result<Runtime, RuntimeError> {
        let mut config = Config::new();
        config.wasm_component_model(true).epoch_interruption(true);
        let engine = Engine::new(&config).map_err(|e| RuntimeError::Engine(format!("{e:#}")))?;
        let ticker = Ticker::start(engine.clone(), spawn).map_err(RuntimeError::Ticker)?;
        Ok(Runtime {
            pulled: oci::Store::new(cache_dir.join("oci")),
            cache: ComponentCache::new(cache_dir, &engine),
            engine,
            _ticker: ticker,
        })
    }

    /// The default cache directory: `$SLUICE_CACHE_DIR`, else `$XDG_CACHE_HOME/sluice`,
    /// else `~/.cache/sluice`, else `.sluice/cache`.
    pub fn default_cache_dir() -> PathBuf {
        if let Some(dir) = std::env::var_os("SLUICE_CACHE_DIR") {
            return PathBuf::from(dir);
        }
        if let Some(dir) = std::env::var_os("XDG_CACHE_HOME") {
            return PathBuf::from(dir).join("sluice");
        }
        match std::env::var_os("HOME") {
            Some(home) => PathBuf::from(home).join(".cache").join("sluice"),
            None => PathBuf::from(".sluice").join("cache"),
        }
    }

    /// The store of plugins pulled from registries (`oci/` in the cache directory).
    pub fn pulled(&self) -> &oci::Store {
        &self.pulled
    }
}

/// Starts a thread (`std::thread::Builder::spawn`, unless a test needs it to fail).
type Spawn = fn(std::thread::Builder, Box<dyn FnOnce() + Send>) -> io::Result<JoinHandle<()>>;

/// A thread that advances the engine's epoch every [`EPOCH_TICK`] until dropped.
struct Ticker {
    stop: Arc<AtomicBool>,
    handle: Option<JoinHandle<()>>,
}

impl Ticker {
    fn start(engine: Engine, spawn: Spawn) -> io::Result<Ticker> {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let handle = spawn(
            std::thread::Builder::new().name("sluice-epoch".into()),
            Box::new(move || {
                while !flag.load(Ordering::Relaxed) {
                    std::thread::sleep(EPOCH_TICK);
                    engine.increment_epoch();
                }
            }),
        )?;
        Ok(Ticker {
            stop,
            handle: Some(handle),
        })
    }
}

impl Drop for Ticker {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(handle) = self.handle.take() {
            let _ = handle.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_ticker_that_cannot_start_is_an_error_at_startup() {
        let cache = tempfile::tempdir().unwrap();
        let started = Runtime::with_ticker(cache.path().to_owned(), |_, _| {
            Err(io::Error::other("no threads left"))
        });
        match started {
            Err(RuntimeError::Ticker(e)) => assert_eq!(e.to_string(), "no threads left"),
            Err(other) => panic!("another error: {other}"),
            Ok(_) => panic!("the runtime started without its ticker"),
        }
    }
}

//! The wasmtime engine and the epoch ticker that enforces call deadlines.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

use wasmtime::{Config, Engine};

use super::cache::ComponentCache;
use super::error::RuntimeError;

/// How often the engine's epoch advances; deadlines are counted in these ticks.
pub const EPOCH_TICK: Duration = Duration::from_millis(10);

/// The engine, the compiled-component cache and the deadline ticker. One per sluice process.
pub struct Runtime {
    pub(super) engine: Engine,
    pub(super) cache: ComponentCache,
    ticker: Ticker,
}

impl Runtime {
    /// An engine whose compiled components are cached under `cache_dir`.
    pub fn new(cache_dir: PathBuf) -> Result<Runtime, RuntimeError> {
        let mut config = Config::new();
        config.wasm_component_model(true).epoch_interruption(true);
        let engine = Engine::new(&config).map_err(|e| RuntimeError::Engine(format!("{e:#}")))?;
        let ticker = Ticker::start(engine.clone());
        Ok(Runtime {
            cache: ComponentCache::new(cache_dir, &engine),
            engine,
            ticker,
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

    /// Whether the ticker thread is still advancing epochs (false only if it died).
    pub fn is_ticking(&self) -> bool {
        self.ticker
            .handle
            .as_ref()
            .is_some_and(|h| !h.is_finished())
    }
}

/// A thread that advances the engine's epoch every [`EPOCH_TICK`] until dropped.
struct Ticker {
    stop: Arc<AtomicBool>,
    handle: Option<JoinHandle<()>>,
}

impl Ticker {
    fn start(engine: Engine) -> Ticker {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let handle = std::thread::Builder::new()
            .name("sluice-epoch".into())
            .spawn(move || {
                while !flag.load(Ordering::Relaxed) {
                    std::thread::sleep(EPOCH_TICK);
                    engine.increment_epoch();
                }
            })
            .ok();
        Ticker { stop, handle }
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

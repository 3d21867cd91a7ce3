//! Running plugins: the wasmtime engine, the compiled-component cache, store limits and
//! instantiation. It takes a plugin's bytes, its grants and limits (as the plan model types) and
//! the capabilities' registry; it never reads a plan file.
//!
//! One [`LoadedPlugin`] per plugin holds an `InstancePre` (linking done once); every lifecycle
//! call gets a fresh `Store` with its own capabilities, memory cap and epoch deadline.

mod builtin;
mod cache;
mod engine;
mod error;
mod imports;
mod limits;
mod plugin;
mod source;
mod store;

pub use builtin::builtin_names;
pub use cache::CacheOutcome;
pub use engine::Runtime;
pub use error::RuntimeError;
pub use imports::{ImportNeed, classify};
pub use plugin::{Call, Interfaces, LoadedPlugin, Planned, World};
pub use source::ComponentBytes;
pub use store::{MAX_HOST_CALL_BYTES, MAX_OPEN_RESOURCES};

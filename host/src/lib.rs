//! sluice: a deployment orchestrator whose deploy strategies are sandboxed WebAssembly components.
//! `docs/architecture.md` is the guided tour; this is the map.
//!
//! Each module depends only on modules listed after it (the one exception: [`wit`]'s generated
//! bindings name [`caps`]' resource types):
//!
//! - [`cli`] parses the command line and drives everything below;
//! - [`conformance`] checks a plugin against the contract's rules (`sluice plugins test`);
//! - [`orchestrate`] runs each unit through the lifecycle, with gates and rollback;
//! - [`gates`] evaluates health gates;
//! - [`runtime`] loads and runs plugins in wasmtime, linking the capabilities;
//! - [`report`] shows progress to people and emits JSON events for CI;
//! - [`state`] keeps history, current state, the journal, locks and the audit log;
//! - [`compose`] writes a plan from a Compose file (`sluice init --from-compose`);
//! - [`scaffold`] writes new plugin projects from the templates embedded in the binary
//!   (`sluice plugins new`), offering the capabilities [`caps::registry`] lists;
//! - [`caps`] implements the capabilities the host grants plugins, one module each, listed by
//!   [`caps::registry`];
//! - [`plan`] reads the plan file (TOML) into a validated [`plan::Plan`];
//! - [`oci`] pulls, pushes, stores and locks plugins kept in OCI registries (`oci://`);
//! - [`wit`] is the contract (generated bindings);
//! - [`postgres_tls`] turns a PostgreSQL URL's `sslmode`/`sslrootcert` into a TLS connector
//!   (for [`state`] and [`caps`]' `sql`);
//! - [`redact`] hides secret values from everything written, and [`clock`] says what time it is.

pub mod caps;
pub mod cli;
pub mod clock;
pub mod compose;
pub mod conformance;
pub mod gates;
pub mod oci;
pub mod orchestrate;
pub mod plan;
pub mod postgres_tls;
pub mod redact;
pub mod report;
pub mod runtime;
pub mod scaffold;
pub mod state;
pub mod wit;

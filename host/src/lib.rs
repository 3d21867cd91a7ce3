//! sluice: a deployment orchestrator whose deploy strategies are sandboxed WebAssembly components.
//!
//! Data flows one way, top to bottom:
//!
//! - [`cli`] parses the command line and drives everything below;
//! - [`plan`] reads the plan file (TOML) into a validated [`plan::Plan`];
//! - [`orchestrate`] runs each unit through the lifecycle, with gates and rollback;
//! - [`runtime`] loads and runs plugins in wasmtime;
//! - [`caps`] implements the capabilities the host grants plugins;
//! - [`gates`] evaluates health gates;
//! - [`state`] keeps history, current state, the journal and locks;
//! - [`report`] shows progress to people and emits JSON events for CI;
//! - [`wit`] is the contract (generated bindings), shared by `runtime` and `caps`.

pub mod caps;
pub mod cli;
pub mod gates;
pub mod orchestrate;
pub mod plan;
pub mod report;
pub mod runtime;
pub mod state;
pub mod wit;

//! What the test plugins in `tests/plugins/` share.
//!
//! Every test plugin behaves well in every lifecycle call but `stage`, where each misbehaves in
//! its own way. A test plugin implements [`Stage`] (its name and its `stage`) and exports
//! [`TestPlugin`] over it, whose other calls are the well-behaved ones of [`lifecycle`]:
//!
//! ```ignore
//! struct GateTarget;
//! impl Stage for GateTarget { /* NAME, DESCRIPTION, stage */ }
//! sluice_sdk::export!(TestPlugin<GateTarget>);
//! ```
//!
//! Config (all keys optional, others ignored):
//! - `journal`: a guest path in a read-write grant; `prepare`, `stage`, `shift <percent>`,
//!   `finalize` and `rollback` each append their name there as one line, so tests can assert
//!   the order of the calls. `info`, `validate` and `plan` must not touch anything and don't.
//! - `endpoint`: what `gate-target`'s `stage` returns as the staged endpoint.
//! - `target`: the read-write directory a [`conforming`] plugin deploys releases into.
//! - `attack` and `args`: which attack a hostile plugin (`hostile-*`) makes in `stage`, and on
//!   what (paths, URLs).

pub mod conforming;
pub mod lifecycle;
mod test_config;

pub use lifecycle::{Stage, TestPlugin};
pub use sluice_sdk;
pub use test_config::TestConfig;

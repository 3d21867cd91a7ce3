//! The lifecycle: each unit of a plan goes
//! `plan -> prepare -> stage -> gate(staged) -> shift(p) -> gate ... -> shift(100) -> gate(soak) -> finalize -> record`,
//! and any failure from `prepare` on runs `rollback` and a live gate against the restored version.
//!
//! Every transition is written to the journal before it is acted on. Units deploy in waves by
//! `depends_on` (units in one wave run at the same time); a unit whose dependency did not
//! succeed is skipped.

mod deployment;
mod error;
mod gating;
mod outcome;
mod revert;
mod schema;
mod setup;
mod snapshots;
mod unit;

pub use deployment::{ApplyOptions, apply};
pub use error::OrchestrateError;
pub use outcome::{RunOutcome, UnitResult};
pub use revert::{RevertOptions, revert};
pub use setup::{Deployer, Inputs, resolve_config};
pub use unit::{change_line, reason_of};

//! The lifecycle: each unit of a plan goes
//! `plan -> prepare -> stage -> gate(staged) -> shift(p) -> gate ... -> shift(100) -> gate(soak) -> finalize -> record`,
//! and any failure from `prepare` on runs `rollback` and a live gate against the restored version.
//! The unit's `steps` set the shifts, with waits between them and pauses that stop the unit
//! until `sluice resume` (or `sluice abort`) takes it up in a later process (`paused`).
//!
//! Every transition is written to the journal before it is acted on. A unit deploys as soon as
//! the units it `depends_on` are done, several at once (`--parallel`); a unit whose dependency
//! did not succeed is skipped. In an atomic group (`[groups.NAME]`), the units that succeeded are
//! undone when another unit of the group does not deploy (`groups`).

mod approval;
mod audit;
pub mod changes;
mod databases;
mod deployment;
mod error;
mod failure;
mod fleet;
mod gating;
pub mod git;
mod groups;
mod hooks;
mod journal;
mod outcome;
mod paused;
pub mod promotion;
mod provision;
mod recover;
mod resolved;
mod revert;
mod schedule;
mod schema;
mod setup;
mod snapshots;
mod unit;
mod validation;
mod variables;

pub use approval::authorize;
pub use deployment::{ApplyOptions, Approved, apply};
pub use error::OrchestrateError;
pub use failure::UnitFailure;
pub use hooks::Occurrence;
pub use outcome::{RunOutcome, UnitResult};
pub use paused::{Decision, carry_on, commands, decide};
pub use provision::engines_of;
pub use recover::recover;
pub use resolved::{PLAN_FORMAT, PlanDocument, PlannedUnit, ResolvedPlan, resolve};
pub use revert::{RevertOptions, revert};
pub use setup::{Deployer, Inputs, read_secrets};
pub use unit::change_line;
pub use variables::resolve_config;

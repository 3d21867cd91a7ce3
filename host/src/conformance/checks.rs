//! One function per rule: each drives the plugin in a fresh scratch world and returns its
//! [`Verdict`].

use std::collections::BTreeMap;
use std::sync::Arc;

use super::rule::{Rule, Verdict};
use super::scratch::{Derived, Scratch, Tree};
use super::{ConformanceError, Grantable};
use crate::caps::Provision;
use crate::caps::calls::{CallRecorder, HostCall};
use crate::caps::log::LogSink;
use crate::orchestrate::UnitFailure;
use crate::runtime::{Call, LoadedPlugin, RuntimeError};
use crate::wit::types::{Context, Error as PluginError, Staged};

/// The unit name every call is made for.
const UNIT: &str = "conformance";
/// The first version deployed, and the one deployed over it.
const V1: &str = "v1";
const V2: &str = "v2";
/// How much of a state string evidence quotes.
const QUOTED_STATE_CHARS: usize = 120;

/// The plugin under test, its config and what it is granted.
pub(super) struct Harness {
    pub plugin: LoadedPlugin,
    pub recorder: CallRecorder,
    pub config: String,
    pub config_json: serde_json::Value,
    pub granted: Vec<Grantable>,
    pub derived: Derived,
    pub secrets: BTreeMap<String, Option<String>>,
    /// (method, path) of the requests declared read-only.
    pub read_only_requests: Vec<(String, String)>,
    pub log: Arc<dyn LogSink>,
}

/// The lifecycle steps of a deployment, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Step {
    Prepare,
    Stage,
    Shift,
    Finalize,
}

impl Step {
    fn name(self) -> &'static str {
        match self {
            Step::Prepare => "prepare",
            Step::Stage => "stage",
            Step::Shift => "shift 100",
            Step::Finalize => "finalize",
        }
    }
}

/// How far a deployment got: what each step returned, and the failure that stopped it.
#[derive(Default)]
struct Progress {
    snapshot: Option<String>,
    staged: Option<Staged>,
    finalized: Option<String>,
    failure: Option<String>,
}

/// A lifecycle call's result, its failure as people read it.
fn outcome<T>(
    call: Call,
    result: Result<Result<T, PluginError>, RuntimeError>,
) -> Result<T, String> {
    match result {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(error)) => Err(UnitFailure::Plugin { call, error }.to_string()),
        Err(source) => Err(UnitFailure::Runtime { call, source }.to_string()),
    }
}

fn quoted(state: &str) -> String {
    let mut text: String = state.chars().take(QUOTED_STATE_CHARS).collect();
    if text.len() < state.len() {
        text.push_str("...");
    }
    format!("{text:?}")
}

fn listed(calls: &[HostCall]) -> String {
    calls
        .iter()
        .map(HostCall::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

fn ctx(version: &str, dry_run: bool) -> Context {
    Context {
        deployment_id: format!("conformance-{version}"),
        environment: "conformance".to_owned(),
        unit: UNIT.to_owned(),
        version: version.to_owned(),
        dry_run,
    }
}

impl Harness {
    fn scratch(&self) -> Result<Scratch, ConformanceError> {
        Scratch::new(&self.derived, &self.granted)
    }

    fn provision(&self, scratch: &Scratch) -> Provision {
        let mut provision = Provision::deny_all(&self.plugin.name, UNIT, self.log.clone());
        provision.grants = scratch.grants.clone();
        provision.grants.secrets = self.secrets.keys().cloned().collect();
        provision.secrets = self.secrets.clone();
        provision.sql = scratch.sql.clone();
        provision
    }

    /// How many calls were recorded since the last look, and the mutating ones among them
    /// (but the requests declared read-only).
    fn mutating_calls(&self) -> (usize, Vec<HostCall>) {
        let calls = self.recorder.take();
        let total = calls.len();
        let declared = |call: &HostCall| {
            call.module == "http"
                && self
                    .read_only_requests
                    .iter()
                    .any(|(method, path)| *method == call.function && *path == call.target)
        };
        let mutating = calls
            .into_iter()
            .filter(|call| call.mutates() && !declared(call))
            .collect();
        (total, mutating)
    }

    async fn plan(&self, provision: &Provision, current: Option<&str>) -> Result<(), String> {
        let planned = self
            .plugin
            .plan(provision, &ctx(V1, true), &self.config, current)
            .await;
        outcome(Call::Plan, planned).map(|_| ())
    }

    /// Deploys `version` over `current` from `prepare` to `last`, as the host does, stopping at
    /// the first failure.
    async fn deploy(
        &self,
        provision: &Provision,
        version: &str,
        current: Option<&str>,
        last: Step,
    ) -> Progress {
        let mut progress = Progress::default();
        if let Err(failure) = self
            .steps(provision, version, current, last, &mut progress)
            .await
        {
            progress.failure = Some(failure);
        }
        progress
    }

    async fn steps(
        &self,
        provision: &Provision,
        version: &str,
        current: Option<&str>,
        last: Step,
        progress: &mut Progress,
    ) -> Result<(), String> {
        let ctx = ctx(version, false);
        let config = self.config.as_str();
        let prepared = self.plugin.prepare(provision, &ctx, config, current).await;
        progress.snapshot = Some(outcome(Call::Prepare, prepared)?);
        if last == Step::Prepare {
            return Ok(());
        }
        let staged = self.plugin.stage(provision, &ctx, config, current).await;
        let staged = progress.staged.insert(outcome(Call::Stage, staged)?);
        if last == Step::Stage {
            return Ok(());
        }
        let shifted = self
            .plugin
            .shift(provision, &ctx, config, &staged.state, 100)
            .await;
        outcome(Call::Shift, shifted)?;
        if last == Step::Shift {
            return Ok(());
        }
        let finalized = self
            .plugin
            .finalize(provision, &ctx, config, &staged.state)
            .await;
        progress.finalized = Some(outcome(Call::Finalize, finalized)?);
        Ok(())
    }

    /// An error when the plugin's `validate` refuses the config: no rule can be checked with a
    /// config the host would never deploy. A failing call is left for the rules to report.
    pub async fn refuse_a_config_validate_rejects(&self) -> Result<(), ConformanceError> {
        let scratch = self.scratch()?;
        match self
            .plugin
            .validate(&self.provision(&scratch), &self.config)
            .await
        {
            Ok(Err(diagnostics)) => Err(ConformanceError::Refused(super::diagnostics_text(
                &diagnostics,
            ))),
            Ok(Ok(())) | Err(_) => Ok(()),
        }
    }

    /// `info-schema`: the schema is valid JSON Schema and the config satisfies it.
    pub async fn info_schema(&self) -> Result<Verdict, ConformanceError> {
        let rule = Rule::InfoSchema;
        let scratch = self.scratch()?;
        let info = match self.plugin.info(&self.provision(&scratch)).await {
            Ok(info) => info,
            Err(e) => return Ok(Verdict::fail(rule, format!("info failed: {e:#}"))),
        };
        let schema: serde_json::Value = match serde_json::from_str(&info.config_schema) {
            Ok(schema) => schema,
            Err(e) => {
                return Ok(Verdict::fail(
                    rule,
                    format!("config-schema is not JSON: {e}"),
                ));
            }
        };
        let validator = match jsonschema::validator_for(&schema) {
            Ok(validator) => validator,
            Err(e) => {
                return Ok(Verdict::fail(
                    rule,
                    format!("config-schema is not a valid JSON Schema: {e}"),
                ));
            }
        };
        Ok(match validator.iter_errors(&self.config_json).next() {
            Some(error) => Verdict::fail(
                rule,
                format!(
                    "the config does not satisfy config-schema at `{}`: {error}",
                    error.instance_path
                ),
            ),
            None => Verdict::pass(
                rule,
                "config-schema is a valid JSON Schema and the config satisfies it",
            ),
        })
    }

    /// `read-only-calls`: `info`, `validate` and `plan` leave the trees as they were; `info`
    /// and `validate` make no mutating call.
    pub async fn read_only_calls(&self) -> Result<Verdict, ConformanceError> {
        let rule = Rule::ReadOnlyCalls;
        let scratch = self.scratch()?;
        let provision = self.provision(&scratch);
        let before = scratch.tree()?;
        self.recorder.take();
        let mut host_calls = 0;
        for call in [Call::Info, Call::Validate, Call::Plan] {
            let ran = match call {
                Call::Info => self.plugin.info(&provision).await.map(|_| ()),
                Call::Validate => self
                    .plugin
                    .validate(&provision, &self.config)
                    .await
                    .map(|_| ()),
                // Plan, the last of the three.
                _ => self
                    .plugin
                    .plan(&provision, &ctx(V1, true), &self.config, None)
                    .await
                    .map(|_| ()),
            };
            if let Err(e) = ran {
                return Ok(Verdict::skipped(rule, format!("{call} failed: {e:#}")));
            }
            let changes = before.changes(&scratch.tree()?);
            if !changes.is_empty() {
                return Ok(Verdict::fail(
                    rule,
                    format!("{call} changed the granted files: {}", changes.join(", ")),
                ));
            }
            let (total, mutating) = self.mutating_calls();
            host_calls += total;
            if call != Call::Plan && !mutating.is_empty() {
                return Ok(Verdict::fail(
                    rule,
                    format!("{call} made mutating host calls: {}", listed(&mutating)),
                ));
            }
        }
        Ok(Verdict::pass(
            rule,
            format!(
                "info, validate and plan left {} granted paths as they were ({host_calls} host \
                 calls, none mutating in info or validate)",
                before.len()
            ),
        ))
    }

    /// `dry-run-plan`: `plan` with `dry-run` set makes no mutating call.
    pub async fn dry_run_plan(&self) -> Result<Verdict, ConformanceError> {
        let rule = Rule::DryRunPlan;
        let scratch = self.scratch()?;
        self.recorder.take();
        if let Err(failure) = self.plan(&self.provision(&scratch), None).await {
            return Ok(Verdict::skipped(rule, failure));
        }
        let (total, mutating) = self.mutating_calls();
        Ok(if mutating.is_empty() {
            Verdict::pass(
                rule,
                format!("plan with dry-run made {total} host calls, none mutating"),
            )
        } else {
            Verdict::fail(
                rule,
                format!(
                    "plan with dry-run made mutating host calls: {}",
                    listed(&mutating)
                ),
            )
        })
    }

    /// `rollback-idempotent`: after `prepare`, `stage` and `shift 100` of an upgrade from `v1`
    /// to `v2`, `rollback` to `v1` succeeds twice and the second changes nothing.
    pub async fn rollback_idempotent(&self) -> Result<Verdict, ConformanceError> {
        let rule = Rule::RollbackIdempotent;
        for last in [Step::Prepare, Step::Stage, Step::Shift] {
            let scratch = self.scratch()?;
            let provision = self.provision(&scratch);
            let current = match self.deployed_v1(&provision).await {
                Ok(current) => current,
                Err(failure) => return Ok(Verdict::skipped(rule, failure)),
            };
            let progress = self.deploy(&provision, V2, Some(&current), last).await;
            let after = match &progress.failure {
                Some(failure) => format!("after {failure}"),
                None => format!("after {}", last.name()),
            };
            let mut trees: Vec<Tree> = Vec::new();
            for attempt in ["first", "second"] {
                let rolled = self
                    .plugin
                    .rollback(
                        &provision,
                        &ctx(V2, false),
                        &self.config,
                        progress.staged.as_ref().map(|s| s.state.as_str()),
                        progress.snapshot.as_deref(),
                        Some(&current),
                    )
                    .await;
                if let Err(failure) = outcome(Call::Rollback, rolled) {
                    return Ok(Verdict::fail(
                        rule,
                        format!("{after}, the {attempt} rollback failed: {failure}"),
                    ));
                }
                trees.push(scratch.tree()?);
            }
            let changes = trees[0].changes(&trees[1]);
            if !changes.is_empty() {
                return Ok(Verdict::fail(
                    rule,
                    format!(
                        "{after}, the second rollback changed the granted files again: {}",
                        changes.join(", ")
                    ),
                ));
            }
        }
        Ok(Verdict::pass(
            rule,
            format!(
                "rollback of {V2} to {V1} succeeded twice after prepare, after stage and after \
                 shift 100, the second changing nothing"
            ),
        ))
    }

    /// The state of a whole first deployment of `v1`, or why there is none.
    async fn deployed_v1(&self, provision: &Provision) -> Result<String, String> {
        let first = self.deploy(provision, V1, None, Step::Finalize).await;
        match (first.finalized, first.failure) {
            (Some(current), None) => Ok(current),
            (_, failure) => Err(format!(
                "the first deployment returned no state: {}",
                failure.unwrap_or_default()
            )),
        }
    }

    /// `state-round-trip`: a second deployment over the state `finalize` returned succeeds.
    pub async fn state_round_trip(&self) -> Result<Verdict, ConformanceError> {
        let rule = Rule::StateRoundTrip;
        let scratch = self.scratch()?;
        let provision = self.provision(&scratch);
        let current = match self.deployed_v1(&provision).await {
            Ok(current) => current,
            Err(failure) => return Ok(Verdict::skipped(rule, failure)),
        };
        let quoted = quoted(&current);
        if let Err(failure) = self.plan(&provision, Some(&current)).await {
            return Ok(Verdict::fail(
                rule,
                format!("with current = {quoted} from finalize, {failure}"),
            ));
        }
        let second = self
            .deploy(&provision, V2, Some(&current), Step::Finalize)
            .await;
        Ok(match second.failure {
            Some(failure) => Verdict::fail(
                rule,
                format!("with current = {quoted} from finalize, {failure}"),
            ),
            None => Verdict::pass(
                rule,
                format!("finalize returned {quoted}; plan and a {V2} deployment over it succeeded"),
            ),
        })
    }

    /// `fresh-instance`: `validate`, `plan` and a whole deployment succeed, each call in a
    /// fresh instance.
    pub async fn fresh_instance(&self) -> Result<Verdict, ConformanceError> {
        let rule = Rule::FreshInstance;
        let scratch = self.scratch()?;
        let provision = self.provision(&scratch);
        let validated = self.plugin.validate(&provision, &self.config).await;
        let validated = match validated {
            Ok(Ok(())) => Ok(()),
            Ok(Err(diagnostics)) => Err(format!(
                "validate: {}",
                super::diagnostics_text(&diagnostics)
            )),
            Err(source) => Err(UnitFailure::Runtime {
                call: Call::Validate,
                source,
            }
            .to_string()),
        };
        let failure = match validated.and(self.plan(&provision, None).await) {
            Err(failure) => Some(failure),
            Ok(()) => {
                self.deploy(&provision, V1, None, Step::Finalize)
                    .await
                    .failure
            }
        };
        Ok(match failure {
            Some(failure) => Verdict::fail(
                rule,
                format!(
                    "{failure} (every call runs in a fresh instance: nothing an earlier call kept \
                     in memory is there)"
                ),
            ),
            None => Verdict::pass(
                rule,
                "validate, plan, prepare, stage, shift 100 and finalize each succeeded in a \
                 fresh instance",
            ),
        })
    }
}

//! A loaded plugin and its lifecycle calls, each in a fresh instance.

use std::time::Duration;

use tracing::instrument::WithSubscriber;

use wasmtime::component::{Component, ResourceTableError};
use wasmtime::{Engine, Store, Trap};
use wasmtime_wasi::p2::pipe::MemoryOutputPipe;

use super::cache::CacheOutcome;
use super::engine::Runtime;
use super::error::RuntimeError;
use super::imports;
use super::limits::{MAX_TABLE_ELEMENTS, Refused};
use super::source::ComponentBytes;
use super::store::{MAX_HOST_CALL_BYTES, MAX_OPEN_RESOURCES, StoreState, linker, new_store};
use crate::caps::Provision;
use crate::caps::calls::CallRecorder;
use crate::caps::files::OUTPUT_CAPTURE_BYTES;
use crate::plan::model::{Grants, Limits};
use crate::wit::gate::{GateContext, Guest as Gate, Verdict};
use crate::wit::hook::{Guest as Hook, HookEvent};
use crate::wit::types::{Change, Context, Diagnostic, Error, PluginInfo, Staged};
use crate::wit::v0_1::exports::sluice::deploy::strategy::Guest as Strategy;
use crate::wit::{GatePlugin, GatePluginPre, HookPlugin, HookPluginPre, Plugin, PluginPre};

/// Extra time allowed past the epoch deadline for a call blocked in a host function
/// (an HTTP request) before the host gives up on it.
const HOST_CALL_GRACE: Duration = Duration::from_secs(5);
/// How many bytes of captured stderr an error shows.
const OUTPUT_TAIL_BYTES: usize = 2048;
const MIB: u64 = 1024 * 1024;

/// The lifecycle calls, for messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Call {
    /// `info`
    Info,
    /// `validate`
    Validate,
    /// `plan`
    Plan,
    /// `prepare`
    Prepare,
    /// `stage`
    Stage,
    /// `shift`
    Shift,
    /// `finalize`
    Finalize,
    /// `rollback`
    Rollback,
    /// `check` (a gate plugin's)
    Check,
    /// `notify` (a hook plugin's)
    Notify,
}

impl Call {
    /// The WIT name.
    pub fn name(self) -> &'static str {
        match self {
            Call::Info => "info",
            Call::Validate => "validate",
            Call::Plan => "plan",
            Call::Prepare => "prepare",
            Call::Stage => "stage",
            Call::Shift => "shift",
            Call::Finalize => "finalize",
            Call::Rollback => "rollback",
            Call::Check => "check",
            Call::Notify => "notify",
        }
    }
}

impl std::fmt::Display for Call {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Which world a component targets, told by what it exports: what the plan may use it as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum World {
    /// `plugin`, exporting `strategy`: it deploys a unit.
    Strategy,
    /// `gate-plugin`, exporting `gate`: it checks a deployed version in a gate.
    Gate,
    /// `hook-plugin`, exporting `hook`: it is told of lifecycle events.
    Hook,
}

impl World {
    /// The world a component exporting `exports` targets: the one whose interface of the 0.1
    /// series it exports (none: neither, and it cannot be linked as either).
    pub fn of(exports: &[String]) -> Option<World> {
        let exports_interface = |interface: &str| exports.iter().any(|e| e.starts_with(interface));
        if exports_interface("sluice:deploy/strategy@0.1.") {
            Some(World::Strategy)
        } else if exports_interface("sluice:deploy/gate@0.1.") {
            Some(World::Gate)
        } else if exports_interface("sluice:deploy/hook@0.1.") {
            Some(World::Hook)
        } else {
            None
        }
    }

    /// What a plugin of this world is, for messages: `a strategy plugin`, `a gate plugin`.
    pub fn describe(self) -> &'static str {
        match self {
            World::Strategy => "a strategy plugin (it exports `strategy`)",
            World::Gate => "a gate plugin (it exports `gate`)",
            World::Hook => "a hook plugin (it exports `hook`)",
        }
    }
}

impl std::fmt::Display for World {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            World::Strategy => "strategy",
            World::Gate => "gate",
            World::Hook => "hook",
        })
    }
}

/// The linked component, by world.
enum Pre {
    Strategy(PluginPre<StoreState>),
    Gate(GatePluginPre<StoreState>),
    Hook(HookPluginPre<StoreState>),
}

/// What `plan` returned, with the notes the plugin made while planning.
#[derive(Debug, Clone)]
pub struct Planned {
    /// The changes the deployment would make.
    pub changes: Vec<Change>,
    /// Why the deployment would be irreversible (empty: it can be rolled back).
    pub irreversible: Vec<String>,
}

/// A compiled, grant-checked, pre-linked plugin.
pub struct LoadedPlugin {
    /// The plugin's name in the plan.
    pub name: String,
    /// sha256 of its component.
    pub sha256: String,
    /// Size of its component in bytes.
    pub size: usize,
    /// Its imports (interface names with versions).
    pub imports: Vec<String>,
    /// Its exports.
    pub exports: Vec<String>,
    /// Whether this load compiled it or found it cached.
    pub cache: CacheOutcome,
    limits: Limits,
    engine: Engine,
    pre: Pre,
    recorder: Option<CallRecorder>,
}

impl Runtime {
    /// Compiles (or loads from cache) `bytes` as plugin `name`, refuses it if its imports need
    /// anything `grants` does not give, and links it as the world it exports (see [`World::of`];
    /// a component exporting neither is linked as a strategy, which fails naming the missing
    /// export). `grants: None` is for inspection only
    /// (`sluice plugins inspect`): imports are not checked, and calls must be made with a
    /// provision that grants nothing.
    pub fn load(
        &self,
        name: &str,
        bytes: &ComponentBytes,
        grants: Option<&Grants>,
        limits: Limits,
    ) -> Result<LoadedPlugin, RuntimeError> {
        let (component, cache) = self.compile(name, bytes)?;
        let Interfaces { imports, exports } = interface_names(&self.engine, &component);
        if let Some(grants) = grants {
            imports::check(name, &imports, grants)?;
        }
        let link_error = |e: wasmtime::Error| RuntimeError::Link {
            plugin: name.to_owned(),
            message: format!("{e:#}"),
        };
        let instance_pre = linker(&self.engine)
            .map_err(link_error)?
            .instantiate_pre(&component)
            .map_err(link_error)?;
        let pre = match World::of(&exports) {
            Some(World::Gate) => Pre::Gate(GatePluginPre::new(instance_pre).map_err(link_error)?),
            Some(World::Hook) => Pre::Hook(HookPluginPre::new(instance_pre).map_err(link_error)?),
            Some(World::Strategy) | None => {
                Pre::Strategy(PluginPre::new(instance_pre).map_err(link_error)?)
            }
        };
        Ok(LoadedPlugin {
            name: name.to_owned(),
            sha256: bytes.sha256.clone(),
            size: bytes.bytes.len(),
            imports,
            exports,
            cache,
            limits,
            engine: self.engine.clone(),
            pre,
            recorder: None,
        })
    }

    /// Compiles (or loads from cache) `bytes` as plugin `name` and reads what it imports and
    /// exports, without checking or linking anything: for review, so it also works for a
    /// component sluice would refuse to run.
    pub fn interfaces(
        &self,
        name: &str,
        bytes: &ComponentBytes,
    ) -> Result<Interfaces, RuntimeError> {
        let (component, _) = self.compile(name, bytes)?;
        Ok(interface_names(&self.engine, &component))
    }

    fn compile(
        &self,
        name: &str,
        bytes: &ComponentBytes,
    ) -> Result<(Component, CacheOutcome), RuntimeError> {
        self.cache
            .load(&self.engine, &bytes.sha256, &bytes.bytes)
            .map_err(|e| RuntimeError::Compile {
                plugin: name.to_owned(),
                message: format!("{e:#}"),
            })
    }
}

/// What a component imports and exports: interface names with their versions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Interfaces {
    /// Its imports, e.g. `sluice:deploy/http@0.1.0`.
    pub imports: Vec<String>,
    /// Its exports.
    pub exports: Vec<String>,
}

/// The names of a component's imports and exports.
fn interface_names(engine: &Engine, component: &Component) -> Interfaces {
    let ty = component.component_type();
    Interfaces {
        imports: ty
            .imports(engine)
            .map(|(name, _)| name.to_owned())
            .collect(),
        exports: ty
            .exports(engine)
            .map(|(name, _)| name.to_owned())
            .collect(),
    }
}

impl LoadedPlugin {
    /// From now on, every host function the plugin calls is recorded in `recorder` (which is the
    /// tracing subscriber of these calls: the host's own tracing of them goes nowhere).
    pub fn record_calls(&mut self, recorder: CallRecorder) {
        self.recorder = Some(recorder);
    }

    /// The world the plugin targets.
    pub fn world(&self) -> World {
        match self.pre {
            Pre::Strategy(_) => World::Strategy,
            Pre::Gate(_) => World::Gate,
            Pre::Hook(_) => World::Hook,
        }
    }

    /// Runs a `call` of a strategy plugin (see [`LoadedPlugin::call`]); a gate plugin cannot
    /// answer the lifecycle calls.
    async fn strategy_call<R>(
        &self,
        provision: &Provision,
        call: Call,
        work: impl AsyncFnOnce(&Strategy, &mut Store<StoreState>) -> wasmtime::Result<R>,
    ) -> Result<R, RuntimeError> {
        let Pre::Strategy(pre) = &self.pre else {
            return Err(self.wrong_world(call, World::Strategy));
        };
        self.call(
            provision,
            call,
            async |store| pre.instantiate_async(store).await,
            async |plugin: Plugin, store| work(plugin.sluice_deploy_strategy(), store).await,
        )
        .await
    }

    /// Runs `call` of a gate plugin (see [`LoadedPlugin::call`]); a strategy plugin cannot
    /// answer it.
    async fn gate_call<R>(
        &self,
        provision: &Provision,
        call: Call,
        work: impl AsyncFnOnce(&Gate, &mut Store<StoreState>) -> wasmtime::Result<R>,
    ) -> Result<R, RuntimeError> {
        let Pre::Gate(pre) = &self.pre else {
            return Err(self.wrong_world(call, World::Gate));
        };
        self.call(
            provision,
            call,
            async |store| pre.instantiate_async(store).await,
            async |plugin: GatePlugin, store| work(plugin.sluice_deploy_gate(), store).await,
        )
        .await
    }

    /// Runs `call` of a hook plugin (see [`LoadedPlugin::call`]); a plugin of another world
    /// cannot answer it.
    async fn hook_call<R>(
        &self,
        provision: &Provision,
        call: Call,
        work: impl AsyncFnOnce(&Hook, &mut Store<StoreState>) -> wasmtime::Result<R>,
    ) -> Result<R, RuntimeError> {
        let Pre::Hook(pre) = &self.pre else {
            return Err(self.wrong_world(call, World::Hook));
        };
        self.call(
            provision,
            call,
            async |store| pre.instantiate_async(store).await,
            async |plugin: HookPlugin, store| work(plugin.sluice_deploy_hook(), store).await,
        )
        .await
    }

    /// [`RuntimeError::WrongWorld`]: `call` needs a plugin of world `needed`.
    fn wrong_world(&self, call: Call, needed: World) -> RuntimeError {
        RuntimeError::WrongWorld {
            plugin: self.name.clone(),
            call: call.name(),
            needed,
            exports: self.world(),
        }
    }

    /// Runs `call` in a fresh instance (made by `instantiate`) reaching what `provision` allows:
    /// `work` calls into it, within the deadline; a trap, the deadline or a limit becomes a
    /// [`RuntimeError::Trap`] naming the cause. Its host calls go to the recorder, if any, else
    /// to the provision's call log, if any.
    async fn call<I, R>(
        &self,
        provision: &Provision,
        call: Call,
        instantiate: impl AsyncFnOnce(&mut Store<StoreState>) -> wasmtime::Result<I>,
        work: impl AsyncFnOnce(I, &mut Store<StoreState>) -> wasmtime::Result<R>,
    ) -> Result<R, RuntimeError> {
        let run = self.run(provision, call, instantiate, work);
        match (&self.recorder, &provision.calls) {
            (Some(recorder), _) => run.with_subscriber(recorder.clone()).await,
            (None, Some(log)) => {
                let recorder = CallRecorder::default();
                let result = run.with_subscriber(recorder.clone()).await;
                log.keep(call.name(), recorder.take_records());
                result
            }
            (None, None) => run.await,
        }
    }

    async fn run<I, R>(
        &self,
        provision: &Provision,
        call: Call,
        instantiate: impl AsyncFnOnce(&mut Store<StoreState>) -> wasmtime::Result<I>,
        work: impl AsyncFnOnce(I, &mut Store<StoreState>) -> wasmtime::Result<R>,
    ) -> Result<R, RuntimeError> {
        let output = MemoryOutputPipe::new(OUTPUT_CAPTURE_BYTES);
        let mut store = new_store(&self.engine, provision, &self.limits, &output)?;
        let plugin = match instantiate(&mut store).await {
            Ok(plugin) => plugin,
            Err(e) => return Err(self.trap(call, &e, &store, &output)),
        };
        let deadline = self.limits.deadline + HOST_CALL_GRACE;
        let worked = tokio::time::timeout(deadline, work(plugin, &mut store)).await;
        let tail = output_tail(&output);
        if !tail.is_empty() {
            tracing::debug!(plugin = %self.name, "plugin output: {tail}");
        }
        match worked {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(e)) => Err(self.trap(call, &e, &store, &output)),
            Err(_) => Err(RuntimeError::Trap {
                plugin: self.name.clone(),
                call: call.name(),
                message: format!(
                    "ran past its deadline of {} waiting on the host and was stopped",
                    humantime::format_duration(self.limits.deadline)
                ),
            }),
        }
    }

    /// What stopped `call` with `error`, for people, with the tail of the plugin's output.
    fn trap(
        &self,
        call: Call,
        error: &wasmtime::Error,
        store: &Store<StoreState>,
        output: &MemoryOutputPipe,
    ) -> RuntimeError {
        let message = match Stop::of(error, store.data().refused()) {
            Stop::Deadline => format!(
                "ran past its deadline of {} and was stopped",
                humantime::format_duration(self.limits.deadline)
            ),
            Stop::Limit(Refused::Memory) => format!(
                "exceeded its memory limit of {} MiB and was stopped",
                self.limits.memory / MIB
            ),
            Stop::Limit(Refused::TableElements) => {
                format!("grew a table past {MAX_TABLE_ELEMENTS} elements and was stopped")
            }
            Stop::HostCallBytes => format!(
                "passed more than {} MiB to one host call (the cap on bytes a call may hand the \
                 host) and was stopped before the host copied them",
                MAX_HOST_CALL_BYTES / MIB as usize
            ),
            Stop::OpenResources => format!(
                "held more than {MAX_OPEN_RESOURCES} resources open at once (files, directories, \
                 streams) and was stopped"
            ),
            Stop::Trapped => format!("trapped: {error:#}"),
        };
        let tail = output_tail(output);
        RuntimeError::Trap {
            plugin: self.name.clone(),
            call: call.name(),
            message: if tail.is_empty() {
                message
            } else {
                format!("{message}; its last output: {tail}")
            },
        }
    }

    /// `info()`, of any world.
    pub async fn info(&self, provision: &Provision) -> Result<PluginInfo, RuntimeError> {
        match self.world() {
            World::Strategy => {
                self.strategy_call(provision, Call::Info, async |strategy, store| {
                    strategy.call_info(store).await
                })
                .await
            }
            World::Gate => {
                self.gate_call(provision, Call::Info, async |gate, store| {
                    gate.call_info(store).await
                })
                .await
            }
            World::Hook => {
                self.hook_call(provision, Call::Info, async |hook, store| {
                    hook.call_info(store).await
                })
                .await
            }
        }
    }

    /// `validate(config)`, of any world.
    pub async fn validate(
        &self,
        provision: &Provision,
        config: &str,
    ) -> Result<Result<(), Vec<Diagnostic>>, RuntimeError> {
        match self.world() {
            World::Strategy => {
                self.strategy_call(provision, Call::Validate, async |strategy, store| {
                    strategy.call_validate(store, config).await
                })
                .await
            }
            World::Gate => {
                self.gate_call(provision, Call::Validate, async |gate, store| {
                    gate.call_validate(store, config).await
                })
                .await
            }
            World::Hook => {
                self.hook_call(provision, Call::Validate, async |hook, store| {
                    hook.call_validate(store, config).await
                })
                .await
            }
        }
    }

    /// `check(ctx, config)` of a gate plugin; a strategy plugin cannot answer it.
    pub async fn check(
        &self,
        provision: &Provision,
        ctx: &GateContext,
        config: &str,
    ) -> Result<Result<Verdict, Error>, RuntimeError> {
        self.gate_call(provision, Call::Check, async |gate, store| {
            gate.call_check(store, ctx, config).await
        })
        .await
    }

    /// `notify(event, config)` of a hook plugin; a plugin of another world cannot answer it.
    pub async fn notify(
        &self,
        provision: &Provision,
        event: &HookEvent,
        config: &str,
    ) -> Result<Result<(), Error>, RuntimeError> {
        self.hook_call(provision, Call::Notify, async |hook, store| {
            hook.call_notify(store, event, config).await
        })
        .await
    }

    /// `plan(ctx, config, current)`, with the plan notes the plugin made.
    pub async fn plan(
        &self,
        provision: &Provision,
        ctx: &Context,
        config: &str,
        current: Option<&str>,
    ) -> Result<Result<Planned, Error>, RuntimeError> {
        self.strategy_call(provision, Call::Plan, async |strategy, store| {
            let planned = strategy
                .call_plan(&mut *store, ctx, config, current)
                .await?;
            Ok(planned.map(|changes| Planned {
                changes,
                irreversible: store.data().irreversible(),
            }))
        })
        .await
    }

    /// `prepare(ctx, config, current)`.
    pub async fn prepare(
        &self,
        provision: &Provision,
        ctx: &Context,
        config: &str,
        current: Option<&str>,
    ) -> Result<Result<String, Error>, RuntimeError> {
        self.strategy_call(provision, Call::Prepare, async |strategy, store| {
            strategy.call_prepare(store, ctx, config, current).await
        })
        .await
    }

    /// `stage(ctx, config, current)`.
    pub async fn stage(
        &self,
        provision: &Provision,
        ctx: &Context,
        config: &str,
        current: Option<&str>,
    ) -> Result<Result<Staged, Error>, RuntimeError> {
        self.strategy_call(provision, Call::Stage, async |strategy, store| {
            strategy.call_stage(store, ctx, config, current).await
        })
        .await
    }

    /// `shift(ctx, config, staged, percent)`.
    pub async fn shift(
        &self,
        provision: &Provision,
        ctx: &Context,
        config: &str,
        staged: &str,
        percent: u8,
    ) -> Result<Result<(), Error>, RuntimeError> {
        self.strategy_call(provision, Call::Shift, async |strategy, store| {
            strategy
                .call_shift(store, ctx, config, staged, percent)
                .await
        })
        .await
    }

    /// `finalize(ctx, config, staged)`.
    pub async fn finalize(
        &self,
        provision: &Provision,
        ctx: &Context,
        config: &str,
        staged: &str,
    ) -> Result<Result<String, Error>, RuntimeError> {
        self.strategy_call(provision, Call::Finalize, async |strategy, store| {
            strategy.call_finalize(store, ctx, config, staged).await
        })
        .await
    }

    /// `rollback(ctx, config, staged, snapshot, current)`.
    pub async fn rollback(
        &self,
        provision: &Provision,
        ctx: &Context,
        config: &str,
        staged: Option<&str>,
        snapshot: Option<&str>,
        current: Option<&str>,
    ) -> Result<Result<(), Error>, RuntimeError> {
        self.strategy_call(provision, Call::Rollback, async |strategy, store| {
            strategy
                .call_rollback(store, ctx, config, staged, snapshot, current)
                .await
        })
        .await
    }
}

/// What stopped a call that failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stop {
    /// The epoch deadline interrupted it.
    Deadline,
    /// The store's limiter refused to let it grow.
    Limit(Refused),
    /// It passed more than [`MAX_HOST_CALL_BYTES`] to one host call.
    HostCallBytes,
    /// It held more than [`MAX_OPEN_RESOURCES`] resources (or component handles) at once.
    OpenResources,
    /// Anything else: a trap of its own (a panic, `unreachable`), a failed host call.
    Trapped,
}

impl Stop {
    /// Why a call failed with `error`, in a store whose limiter recorded `refused`.
    ///
    /// Two causes are recognised by wasmtime's message, because wasmtime 48 gives them no type to
    /// downcast to and no counter to read: running out of hostcall fuel (its error type,
    /// `HostcallFuelExhausted` in `component/func/options.rs`, is private, and the fuel left is
    /// kept per lift, not in the store) and the store's cap on component handles (a plain
    /// `bail!` in `vm/component/handle_table.rs`; the live count is private).
    fn of(error: &wasmtime::Error, refused: Option<Refused>) -> Stop {
        if error.downcast_ref::<Trap>() == Some(&Trap::Interrupt) {
            return Stop::Deadline;
        }
        if let Some(refused) = refused {
            return Stop::Limit(refused);
        }
        if matches!(
            error.downcast_ref::<ResourceTableError>(),
            Some(ResourceTableError::Full)
        ) {
            return Stop::OpenResources;
        }
        let text = format!("{error:#}");
        if text.contains("fuel allocated for hostcalls has been exhausted") {
            Stop::HostCallBytes
        } else if text.contains("store handle limit exceeded") {
            Stop::OpenResources
        } else {
            Stop::Trapped
        }
    }
}

fn output_tail(output: &MemoryOutputPipe) -> String {
    let bytes = output.contents();
    let start = bytes.len().saturating_sub(OUTPUT_TAIL_BYTES);
    String::from_utf8_lossy(&bytes[start..]).trim().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_deadline_is_told_by_the_interrupt_trap_whatever_else_was_recorded() {
        let interrupted = wasmtime::Error::from(Trap::Interrupt).context("in stage");
        assert_eq!(Stop::of(&interrupted, None), Stop::Deadline);
        assert_eq!(
            Stop::of(&interrupted, Some(Refused::Memory)),
            Stop::Deadline
        );
    }

    #[test]
    fn a_limit_the_limiter_recorded_is_the_cause() {
        let error = wasmtime::Error::msg("Memory limit: growing to 2147483648 refused");
        assert_eq!(
            Stop::of(&error, Some(Refused::Memory)),
            Stop::Limit(Refused::Memory)
        );
        assert_eq!(
            Stop::of(&error, Some(Refused::TableElements)),
            Stop::Limit(Refused::TableElements)
        );
    }

    #[test]
    fn a_full_resource_table_is_told_by_its_error_type_under_any_context() {
        let full = wasmtime::Error::new(ResourceTableError::Full).context("open-at failed");
        assert_eq!(Stop::of(&full, None), Stop::OpenResources);
        let absent = wasmtime::Error::new(ResourceTableError::NotPresent);
        assert_eq!(Stop::of(&absent, None), Stop::Trapped);
    }

    #[test]
    fn any_other_failure_is_a_trap_of_the_plugins_own() {
        let panic = wasmtime::Error::from(Trap::UnreachableCodeReached);
        assert_eq!(Stop::of(&panic, None), Stop::Trapped);
    }
}

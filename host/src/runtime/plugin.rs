//! A loaded plugin and its lifecycle calls, each in a fresh instance.

use std::time::Duration;

use wasmtime::component::Component;
use wasmtime::{Engine, Store, Trap};
use wasmtime_wasi::p2::pipe::MemoryOutputPipe;

use super::cache::CacheOutcome;
use super::engine::Runtime;
use super::error::RuntimeError;
use super::imports;
use super::source::ComponentBytes;
use super::store::{MAX_HOST_CALL_BYTES, MAX_OPEN_RESOURCES, StoreState, linker, new_store};
use crate::caps::Provision;
use crate::caps::files::OUTPUT_CAPTURE_BYTES;
use crate::plan::model::{Grants, Limits};
use crate::wit::types::{Change, Context, Diagnostic, Error, PluginInfo, Staged};
use crate::wit::{Plugin, PluginPre};

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
        }
    }
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
    pre: PluginPre<StoreState>,
}

impl Runtime {
    /// Compiles (or loads from cache) `bytes` as plugin `name`, refuses it if its imports need
    /// anything `grants` does not give, and links it. `grants: None` is for inspection only
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
        let pre = PluginPre::new(instance_pre).map_err(link_error)?;
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

/// One instance, alive for one call.
struct Instance {
    plugin: Plugin,
    store: Store<StoreState>,
    output: MemoryOutputPipe,
}

impl LoadedPlugin {
    async fn instantiate(
        &self,
        provision: &Provision,
        call: Call,
    ) -> Result<Instance, RuntimeError> {
        let output = MemoryOutputPipe::new(OUTPUT_CAPTURE_BYTES);
        let mut store = new_store(&self.engine, provision, &self.limits, &output)?;
        let plugin = self
            .pre
            .instantiate_async(&mut store)
            .await
            .map_err(|e| self.trap(call, &e, &output))?;
        Ok(Instance {
            plugin,
            store,
            output,
        })
    }

    /// Runs `work` (a call into the instance) within the deadline and maps traps.
    async fn guarded<R>(
        &self,
        call: Call,
        output: &MemoryOutputPipe,
        work: impl Future<Output = wasmtime::Result<R>>,
    ) -> Result<R, RuntimeError> {
        match tokio::time::timeout(self.limits.deadline + HOST_CALL_GRACE, work).await {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(e)) => Err(self.trap(call, &e, output)),
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

    fn trap(&self, call: Call, error: &wasmtime::Error, output: &MemoryOutputPipe) -> RuntimeError {
        let text = format!("{error:#}");
        let message = if error.downcast_ref::<Trap>() == Some(&Trap::Interrupt) {
            format!(
                "ran past its deadline of {} and was stopped",
                humantime::format_duration(self.limits.deadline)
            )
        } else if text.contains("forcing trap when growing memory") {
            format!(
                "exceeded its memory limit of {} MiB and was stopped",
                self.limits.memory / MIB
            )
        } else if text.contains("fuel allocated for hostcalls has been exhausted") {
            format!(
                "passed more than {} MiB to one host call (the cap on bytes a call may hand the \
                 host) and was stopped before the host copied them",
                MAX_HOST_CALL_BYTES / MIB as usize
            )
        } else if text.contains("resource table has no free keys")
            || text.contains("store handle limit exceeded")
        {
            format!(
                "held more than {MAX_OPEN_RESOURCES} resources open at once (files, directories, \
                 streams) and was stopped"
            )
        } else {
            format!("trapped: {text}")
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

    /// What the plugin printed to stdout/stderr during the call, if anything (for debugging).
    fn finish(&self, instance: &Instance) {
        let tail = output_tail(&instance.output);
        if !tail.is_empty() {
            tracing::debug!(plugin = %self.name, "plugin output: {tail}");
        }
    }

    /// `info()`.
    pub async fn info(&self, provision: &Provision) -> Result<PluginInfo, RuntimeError> {
        let mut i = self.instantiate(provision, Call::Info).await?;
        let r = self
            .guarded(
                Call::Info,
                &i.output,
                i.plugin.sluice_deploy_strategy().call_info(&mut i.store),
            )
            .await;
        self.finish(&i);
        r
    }

    /// `validate(config)`.
    pub async fn validate(
        &self,
        provision: &Provision,
        config: &str,
    ) -> Result<Result<(), Vec<Diagnostic>>, RuntimeError> {
        let mut i = self.instantiate(provision, Call::Validate).await?;
        let strategy = i.plugin.sluice_deploy_strategy();
        let r = self
            .guarded(
                Call::Validate,
                &i.output,
                strategy.call_validate(&mut i.store, config),
            )
            .await;
        self.finish(&i);
        r
    }

    /// `plan(ctx, config, current)`, with the plan notes the plugin made.
    pub async fn plan(
        &self,
        provision: &Provision,
        ctx: &Context,
        config: &str,
        current: Option<&str>,
    ) -> Result<Result<Planned, Error>, RuntimeError> {
        let mut i = self.instantiate(provision, Call::Plan).await?;
        let strategy = i.plugin.sluice_deploy_strategy();
        let r = self
            .guarded(
                Call::Plan,
                &i.output,
                strategy.call_plan(&mut i.store, ctx, config, current),
            )
            .await;
        self.finish(&i);
        let irreversible = i.store.data().irreversible();
        r.map(|planned| {
            planned.map(|changes| Planned {
                changes,
                irreversible,
            })
        })
    }

    /// `prepare(ctx, config, current)`.
    pub async fn prepare(
        &self,
        provision: &Provision,
        ctx: &Context,
        config: &str,
        current: Option<&str>,
    ) -> Result<Result<String, Error>, RuntimeError> {
        let mut i = self.instantiate(provision, Call::Prepare).await?;
        let strategy = i.plugin.sluice_deploy_strategy();
        let r = self
            .guarded(
                Call::Prepare,
                &i.output,
                strategy.call_prepare(&mut i.store, ctx, config, current),
            )
            .await;
        self.finish(&i);
        r
    }

    /// `stage(ctx, config, current)`.
    pub async fn stage(
        &self,
        provision: &Provision,
        ctx: &Context,
        config: &str,
        current: Option<&str>,
    ) -> Result<Result<Staged, Error>, RuntimeError> {
        let mut i = self.instantiate(provision, Call::Stage).await?;
        let strategy = i.plugin.sluice_deploy_strategy();
        let r = self
            .guarded(
                Call::Stage,
                &i.output,
                strategy.call_stage(&mut i.store, ctx, config, current),
            )
            .await;
        self.finish(&i);
        r
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
        let mut i = self.instantiate(provision, Call::Shift).await?;
        let strategy = i.plugin.sluice_deploy_strategy();
        let r = self
            .guarded(
                Call::Shift,
                &i.output,
                strategy.call_shift(&mut i.store, ctx, config, staged, percent),
            )
            .await;
        self.finish(&i);
        r
    }

    /// `finalize(ctx, config, staged)`.
    pub async fn finalize(
        &self,
        provision: &Provision,
        ctx: &Context,
        config: &str,
        staged: &str,
    ) -> Result<Result<String, Error>, RuntimeError> {
        let mut i = self.instantiate(provision, Call::Finalize).await?;
        let strategy = i.plugin.sluice_deploy_strategy();
        let r = self
            .guarded(
                Call::Finalize,
                &i.output,
                strategy.call_finalize(&mut i.store, ctx, config, staged),
            )
            .await;
        self.finish(&i);
        r
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
        let mut i = self.instantiate(provision, Call::Rollback).await?;
        let strategy = i.plugin.sluice_deploy_strategy();
        let r = self
            .guarded(
                Call::Rollback,
                &i.output,
                strategy.call_rollback(&mut i.store, ctx, config, staged, snapshot, current),
            )
            .await;
        self.finish(&i);
        r
    }
}

fn output_tail(output: &MemoryOutputPipe) -> String {
    let bytes = output.contents();
    let start = bytes.len().saturating_sub(OUTPUT_TAIL_BYTES);
    String::from_utf8_lossy(&bytes[start..]).trim().to_owned()
}

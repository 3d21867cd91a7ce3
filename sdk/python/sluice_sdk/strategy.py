"""The `Strategy` base class a plugin extends, and `export`, which wraps it in the class
componentize-py exports for the `sluice:deploy/strategy` interface.

A strategy names its config type once (`config_type`, a dataclass; a dict when unset) and gets
the parsed config in every call. `validate`, `plan` and `shift` have defaults; `prepare`,
`stage`, `finalize` and `rollback` are the strategy's own. Errors are raised, not returned:
`InvalidConfig`, `Denied`, `Unavailable` and `Failed` become the WIT `error` variants, and any
other exception becomes `failed` with its type and message.
"""

import json
from typing import Any, Callable, Dict, List, Optional, Sequence

from componentize_py_types import Err
from wit_world.imports.types import (
    Change,
    ChangeAction,
    Context,
    Diagnostic,
    Feature,
    PluginInfo,
    Staged,
)

from . import config as config_parser
from .errors import Failed, InvalidConfig, PluginError


class Strategy:
    """A deployment strategy. Subclass it, set the class attributes, implement the lifecycle."""

    #: Short name, e.g. `release-dir`.
    name: str = ""
    #: The plugin's own version (semver).
    version: str = "0.1.0"
    #: One sentence on what it deploys and how.
    description: str = ""
    #: JSON Schema (draft 2020-12) of the unit's config; the host checks every config against it.
    config_schema: Dict[str, Any] = {"type": "object"}
    #: The optional lifecycle features implemented (`Feature.ROLLBACK`, ...).
    features: Sequence[Feature] = ()
    #: The dataclass the config is parsed into; None passes the parsed JSON (a dict).
    config_type: Optional[type] = None

    def validate(self, config: Any) -> List[Diagnostic]:
        """Problems in the config beyond the schema's. Must not touch anything. Default: none."""
        return []

    def plan(self, ctx: Context, config: Any, current: Optional[str]) -> List[Change]:
        """What a deployment would change; must not change anything. Default: one `update`."""
        return [Change(ChangeAction.UPDATE, ctx.unit, f"deploy {ctx.version}")]

    def prepare(self, ctx: Context, config: Any, current: Optional[str]) -> str:
        """Takes what `rollback` will need; returns it as an opaque snapshot string."""
        raise NotImplementedError("prepare")

    def stage(self, ctx: Context, config: Any, current: Optional[str]) -> Staged:
        """Puts the new version in place beside the old one, without sending users to it."""
        raise NotImplementedError("stage")

    def shift(self, ctx: Context, config: Any, staged: str, percent: int) -> None:
        """Sends `percent` of the traffic to the staged version. Default: nothing to do."""

    def finalize(self, ctx: Context, config: Any, staged: str) -> str:
        """Retires the old version; returns the new `current` state the host records."""
        raise NotImplementedError("finalize")

    def rollback(
        self,
        ctx: Context,
        config: Any,
        staged: Optional[str],
        snapshot: Optional[str],
        current: Optional[str],
    ) -> None:
        """Makes `current` live again and removes what `staged` put in place. Safe to call twice."""
        raise NotImplementedError("rollback")


def _as_wit_error(error: Exception) -> Err:
    if isinstance(error, PluginError):
        return Err(error.to_wit())
    if isinstance(error, NotImplementedError):
        return Err(Failed(f"this plugin does not implement `{error}`").to_wit())
    return Err(Failed(f"{type(error).__name__}: {error}").to_wit())


def export(strategy_class: type) -> type:
    """The class to assign to `Strategy` in the app module componentize-py builds.

    ```python
    Strategy = sluice_sdk.export(ReleaseDir)
    ```
    """
    strategy: Strategy = strategy_class()

    def lifecycle(method: Callable[..., Any]) -> Callable[..., Any]:
        def call(_self: Any, ctx: Context, config: str, *rest: Any) -> Any:
            try:
                return method(ctx, config_parser.parse(config, strategy.config_type), *rest)
            except Err:
                raise
            except Exception as error:
                raise _as_wit_error(error) from None

        return call

    class Exported:
        def info(self) -> PluginInfo:
            return PluginInfo(
                name=strategy.name,
                version=strategy.version,
                description=strategy.description,
                config_schema=json.dumps(strategy.config_schema),
                features=list(strategy.features),
            )

        def validate(self, config: str) -> None:
            try:
                problems = strategy.validate(
                    config_parser.parse(config, strategy.config_type)
                )
            except InvalidConfig as error:
                problems = [Diagnostic("", error.message)]
            except Exception as error:
                problems = [Diagnostic("", f"{type(error).__name__}: {error}")]
            if problems:
                raise Err(list(problems))

        plan = lifecycle(strategy.plan)
        prepare = lifecycle(strategy.prepare)
        stage = lifecycle(strategy.stage)
        shift = lifecycle(strategy.shift)
        finalize = lifecycle(strategy.finalize)
        rollback = lifecycle(strategy.rollback)

    Exported.__name__ = Exported.__qualname__ = "Strategy"
    return Exported

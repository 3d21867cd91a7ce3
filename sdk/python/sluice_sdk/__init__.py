"""sluice's Python plugin SDK: write a deployment strategy as a class, build it into a
WebAssembly component with componentize-py (see ../README.md and ../build.sh).

```python
import sluice_sdk
from sluice_sdk import Staged

class Hello(sluice_sdk.Strategy):
    name = "hello"
    def prepare(self, ctx, config, current): return ""
    def stage(self, ctx, config, current):
        sluice_sdk.log.info(f"staging {ctx.version}")
        return Staged(state=ctx.version, endpoints=[], summary=f"staged {ctx.version}")
    def finalize(self, ctx, config, staged): return staged
    def rollback(self, ctx, config, staged, snapshot, current): pass

Strategy = sluice_sdk.export(Hello)
```
"""

from wit_world.imports.types import (
    Change,
    ChangeAction,
    Context,
    Diagnostic,
    Feature,
    PluginInfo,
    Staged,
)

from . import aws, http, log, secrets, state
from .errors import Denied, Failed, InvalidConfig, PluginError, Unavailable
from .strategy import Strategy, export

__all__ = [
    "Change",
    "ChangeAction",
    "Context",
    "Denied",
    "Diagnostic",
    "Failed",
    "Feature",
    "InvalidConfig",
    "PluginError",
    "PluginInfo",
    "Staged",
    "Strategy",
    "Unavailable",
    "aws",
    "export",
    "http",
    "log",
    "secrets",
    "state",
]

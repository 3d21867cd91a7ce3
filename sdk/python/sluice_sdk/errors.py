"""Typed errors a strategy raises; each maps to one variant of the WIT `error`.

Raise `InvalidConfig` when the unit's config is wrong (retrying will not help), `Denied` when a
capability refused a request, `Unavailable` when something the plugin depends on is not
reachable right now, and `Failed` for anything else. Any other exception escaping a lifecycle
call is reported as `failed`, with its type and message.
"""

from wit_world.imports import types


class PluginError(Exception):
    """Base of the typed errors: a message and the WIT variant it becomes."""

    variant = types.Error_Failed

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message

    def to_wit(self) -> types.Error:
        """The WIT `error` value the host receives."""
        return self.variant(self.message)


class InvalidConfig(PluginError):
    """The unit's config is wrong; retrying will not help."""

    variant = types.Error_InvalidConfig


class Denied(PluginError):
    """A capability refused the request (not granted, or outside the grant)."""

    variant = types.Error_Denied


class Unavailable(PluginError):
    """Something the plugin depends on is not reachable right now."""

    variant = types.Error_Unavailable


class Failed(PluginError):
    """Anything else went wrong."""

    variant = types.Error_Failed


_FROM_WIT = {
    types.Error_InvalidConfig: InvalidConfig,
    types.Error_Denied: Denied,
    types.Error_Unavailable: Unavailable,
    types.Error_Failed: Failed,
}


def from_wit(error: types.Error) -> PluginError:
    """The typed error for a WIT `error` a capability returned."""
    return _FROM_WIT[type(error)](error.value)

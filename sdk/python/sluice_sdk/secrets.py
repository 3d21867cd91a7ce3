"""Named secrets the plan grants (`sluice:deploy/secrets`).

Only a plugin whose world imports `sluice:deploy/secrets` may call `get`; the import happens on
the first call, so a plugin that never asks for a secret does not need it in its world.
"""

from componentize_py_types import Err

from .errors import from_wit


def get(name: str) -> str:
    """The value of the secret `name`.

    Raises `Denied` when the plan does not grant that name to this plugin, and `Unavailable`
    when it is granted but has no value in this environment.
    """
    from wit_world.imports import secrets

    try:
        return secrets.get(name)
    except Err as err:
        raise from_wit(err.value) from None


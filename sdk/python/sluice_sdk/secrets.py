"""Named secrets the plan grants (`sluice:deploy/secrets`).

Only a plugin whose world imports `sluice:deploy/secrets` may call `get`; a plugin that never
asks for a secret leaves it out of its world, and this module still imports.
"""

from componentize_py_types import Err

from .errors import from_wit
from .world import OptionalImport

_SECRETS = OptionalImport("secrets")


def get(name: str) -> str:
    """The value of the secret `name`.

    Raises `Denied` when the plan does not grant that name to this plugin, and `Unavailable`
    when it is granted but has no value in this environment.
    """
    try:
        return _SECRETS.bindings().get(name)
    except Err as err:
        raise from_wit(err.value) from None


"""The opaque strings a strategy hands the host (staged state, snapshot, `current`) as JSON."""

import dataclasses
import json
from typing import Any, Type, TypeVar

from .errors import Failed

T = TypeVar("T")


def dump(value: Any) -> str:
    """`value` (a dataclass, or anything JSON can encode) as a JSON string."""
    if dataclasses.is_dataclass(value):
        value = dataclasses.asdict(value)
    return json.dumps(value, sort_keys=True)


def load(what: str, text: str, state_type: Type[T]) -> T:
    """`text`, a string this plugin returned earlier, as an instance of the dataclass `state_type`.

    `what` names the string in the error (e.g. "staged state") when it does not parse.
    """
    try:
        return state_type(**json.loads(text))
    except (json.JSONDecodeError, TypeError) as error:
        raise Failed(f"the {what} {text!r} is not this plugin's: {error}") from None

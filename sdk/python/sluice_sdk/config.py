"""Parsing a unit's config, once per lifecycle call, into a dict or the dataclass a strategy names.

A dataclass config refuses keys it does not declare and reports missing ones as `invalid-config`;
its `__post_init__` may raise `InvalidConfig` for what the JSON Schema cannot say.
"""

import dataclasses
import json
from typing import Any, Optional

from .errors import InvalidConfig


def parse(text: str, config_type: Optional[type]) -> Any:
    """`text` (the unit's config as JSON) as a dict, or as an instance of `config_type`."""
    try:
        value = json.loads(text)
    except json.JSONDecodeError as error:
        raise InvalidConfig(f"the config is not JSON: {error}") from None
    if config_type is None:
        return value
    if not isinstance(value, dict):
        raise InvalidConfig(f"the config must be a JSON object, got {type(value).__name__}")
    known = {field.name for field in dataclasses.fields(config_type)}
    unknown = sorted(set(value) - known)
    if unknown:
        raise InvalidConfig(f"unknown field `{unknown[0]}`, expected one of {sorted(known)}")
    try:
        return config_type(**value)
    except TypeError as error:
        raise InvalidConfig(str(error)) from None

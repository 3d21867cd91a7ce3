"""The sluice:deploy interfaces a plugin's world may leave out (`secrets`, `http`).

Each is imported when the SDK is: componentize-py snapshots the app after importing it, and a
module first imported later is not found at run time. A plugin whose world does not import the
interface still builds; calling it then fails with a message saying what to add.
"""

import importlib
from types import ModuleType

from .errors import Failed


class OptionalImport:
    """The bindings of `sluice:deploy/<interface>`, if the plugin's world imports it."""

    def __init__(self, interface: str):
        self.interface = interface
        try:
            self._module = importlib.import_module(f"wit_world.imports.{interface}")
        except ImportError:
            self._module = None

    def bindings(self) -> ModuleType:
        """The generated module; `Failed` when the world does not import the interface."""
        if self._module is None:
            raise Failed(
                f"this plugin's world does not import sluice:deploy/{self.interface}: "
                "add it to wit/world.wit"
            )
        return self._module

"""{{name}}: a sluice deployment strategy, in Python.

It publishes the unit's `source` directory as a release: `stage` copies it to
`target/releases/<version>/`, `shift(100)` points the `target/current` symlink at it (a new link
renamed over the old one: readers see the old release or the new one, never none), and
`rollback` points `current` back. Make it yours: sluice's docs/writing-a-plugin.md says what each
call must guarantee. Every call gets a fresh instance: keep nothing in memory, only in the
strings returned.
"""

import os
import shutil
from dataclasses import dataclass
from typing import Optional

import sluice_sdk
from sluice_sdk import Failed, Feature, InvalidConfig, Staged, log, state

from naming import release_name

#: The JSON Schema of the unit's config; the host checks every config against it.
SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "additionalProperties": False,
    "required": ["source", "target"],
    "properties": {
        "source": {"type": "string", "description": "The directory to publish (granted read-only)."},
        "target": {"type": "string", "description": "Where releases/ and `current` live (granted read-write)."},
    },
}


@dataclass
class Config:
    """The unit's config."""

    source: str
    target: str


@dataclass
class Release:
    """Every state string: the staged release, the `current` one, the snapshot of the live one."""

    release: Optional[str]


class Plugin(sluice_sdk.Strategy):
    name = "{{name}}"
    description = "Publishes a directory as releases/<version> and points a `current` symlink at it."
    config_schema = SCHEMA
    config_type = Config
    features = (Feature.ROLLBACK,)

    def prepare(self, ctx, config: Config, current):
        return state.dump(Release(live(config)))

    def stage(self, ctx, config: Config, current):
        try:
            name = release_name(ctx.version)
        except ValueError as error:
            raise InvalidConfig(str(error)) from None
        if live(config) == name:
            raise Failed(f"releases/{name} is live: deploy another version")
        release = os.path.join(config.target, "releases", name)
        shutil.rmtree(release, ignore_errors=True)  # what an interrupted deployment left
        shutil.copytree(config.source, release)
        log.info(f"copied {config.source} to {release}")
        return Staged(state=state.dump(Release(name)), endpoints=[], summary=f"staged releases/{name}")

    def shift(self, ctx, config: Config, staged, percent):
        if percent == 100:
            point_current_at(config, state.load("staged state", staged, Release).release)

    def finalize(self, ctx, config: Config, staged):
        return staged

    def rollback(self, ctx, config: Config, staged, snapshot, current):
        kept = current if current is not None else snapshot
        if kept is None:
            return  # prepare never ran: nothing changed
        wanted = state.load("state", kept, Release).release
        point_current_at(config, wanted)
        if staged is not None:
            dropped = state.load("staged state", staged, Release).release
            if dropped != wanted:
                shutil.rmtree(os.path.join(config.target, "releases", dropped), ignore_errors=True)


def live(config: Config) -> Optional[str]:
    """The release `current` points at, if any."""
    try:
        return os.path.basename(os.readlink(os.path.join(config.target, "current")))
    except FileNotFoundError:
        return None


def point_current_at(config: Config, name: Optional[str]) -> None:
    """Makes `releases/<name>` live in one rename; none removes `current`."""
    current = os.path.join(config.target, "current")
    if name is None:
        if os.path.lexists(current):
            os.unlink(current)
        return
    next_link = current + ".next"
    if os.path.lexists(next_link):
        os.unlink(next_link)
    os.symlink(f"releases/{name}", next_link)
    os.replace(next_link, current)


Strategy = sluice_sdk.export(Plugin)

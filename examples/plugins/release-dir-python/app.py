"""release-dir: publishes a directory as an atomic release, written in Python with sluice_sdk.

Under the unit's `target` it keeps `releases/<version>/` directories and a relative `current`
symlink to the live one. `stage` copies `source` into a new release, `shift(100)` renames a new
link over `current`, `finalize` prunes releases beyond `keep`, and `rollback` points `current`
back. It is granted `source` read-only and `target` read-write, and imports nothing but `log`.
"""

from dataclasses import dataclass
from typing import Callable, Optional

import sluice_sdk
from sluice_sdk import Feature, InvalidConfig, Staged, log, state

from config import SCHEMA, Config
from releases import Releases


@dataclass
class Release:
    """The staged state, and the `current` state once finalized."""

    release: str
    version: str
    previous: Optional[str]


@dataclass
class Snapshot:
    """What `prepare` saw live."""

    release: Optional[str]


def release_name(version: str, taken: Callable[[str], bool]) -> str:
    """The directory for `version`: the version itself, or the first of `version~2`, `version~3`,
    ... not `taken`, so no release on disk (the live one, or one kept for `sluice rollback`) is
    ever overwritten by a deployment that may fail."""
    if not version or version.startswith(".") or "/" in version or not version.isprintable():
        raise InvalidConfig(f"version {version!r} cannot name a release directory")
    name, n = version, 2
    while taken(name):
        name, n = f"{version}~{n}", n + 1
    return name


class ReleaseDir(sluice_sdk.Strategy):
    name = "release-dir"
    version = "0.1.0"
    description = (
        "Publishes a directory as an atomic release: copies it to releases/<version> "
        "and swaps a `current` symlink by rename."
    )
    config_schema = SCHEMA
    config_type = Config
    features = (Feature.ROLLBACK,)

    def validate(self, config: Config):
        return config.problems()

    def prepare(self, ctx, config: Config, current):
        return state.dump(Snapshot(Releases(config.target).live()))

    def stage(self, ctx, config: Config, current):
        releases = Releases(config.target)
        releases.clear_leftovers()
        previous = releases.live()
        name = release_name(ctx.version, releases.exists)
        files = releases.install(config.source, name, ctx.deployment_id)
        summary = f"staged releases/{name}: {files} files"
        log.info(summary)
        url = config.release_url(name)
        return Staged(
            state=state.dump(Release(name, ctx.version, previous)),
            endpoints=[url] if url else [],
            summary=summary,
        )

    def shift(self, ctx, config: Config, staged, percent):
        if percent < 100:
            log.debug(f"release-dir cannot split traffic: {percent}% changes nothing")
            return
        release = state.load("staged state", staged, Release).release
        releases = Releases(config.target)
        releases.require(release, "cut over")
        releases.point_current_at(release, ctx.deployment_id)
        log.info(f"current -> releases/{release}")

    def finalize(self, ctx, config: Config, staged):
        release = state.load("staged state", staged, Release).release
        releases = Releases(config.target)
        if releases.live() != release:
            raise sluice_sdk.Failed(f"current does not point at the staged release {release}")
        pruned = releases.prune(config.keep, [release])
        if pruned:
            log.info(f"pruned releases beyond keep = {config.keep}: {', '.join(pruned)}")
        return staged

    def rollback(self, ctx, config: Config, staged, snapshot, current):
        releases = Releases(config.target)
        if current is not None:
            wanted = state.load("current state", current, Release).release
        elif snapshot is not None:
            wanted = state.load("snapshot", snapshot, Snapshot).release
        else:
            wanted = None
        if wanted is None:
            releases.unlink_current()
            log.info("nothing was live before: removed current")
        else:
            releases.require(wanted, "roll back")
            if releases.live() != wanted:
                releases.point_current_at(wanted, ctx.deployment_id)
            log.info(f"current -> releases/{wanted}")
        if staged is not None:
            dropped = state.load("staged state", staged, Release).release
            if dropped != wanted and releases.remove(dropped):
                log.info(f"removed the staged releases/{dropped}")
        releases.clear_leftovers()


Strategy = sluice_sdk.export(ReleaseDir)

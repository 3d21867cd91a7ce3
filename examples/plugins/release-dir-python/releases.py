"""The release directory on disk: `releases/<name>/` directories and a relative `current` link.

The filesystem is the source of truth: the live release is whatever `current` points at. Every
change is atomic: a release is copied under a `.partial-` name and renamed into place, and a new
link is renamed over `current`.
"""

import os
import shutil
from typing import List, Optional

from sluice_sdk import Failed

RELEASES = "releases"
CURRENT = "current"
PARTIAL_PREFIX = ".partial-"
NEXT_LINK_PREFIX = "current.next-"


def _safe(deployment_id: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in deployment_id)


class Releases:
    """The releases under one target directory."""

    def __init__(self, target: str):
        self.target = target
        self.dir = os.path.join(target, RELEASES)
        self.current = os.path.join(target, CURRENT)

    def live(self) -> Optional[str]:
        """The release `current` points at, if any."""
        try:
            link = os.readlink(self.current)
        except FileNotFoundError:
            return None
        return os.path.basename(link.rstrip("/"))

    def names(self) -> List[str]:
        """Every complete release, oldest first (by modification time, then name)."""
        if not os.path.isdir(self.dir):
            return []
        entries = [e for e in os.scandir(self.dir) if not e.name.startswith(".")]
        return [e.name for e in sorted(entries, key=lambda e: (e.stat().st_mtime_ns, e.name))]

    def exists(self, name: str) -> bool:
        """Whether anything is on disk by the name of `releases/<name>`."""
        return os.path.lexists(os.path.join(self.dir, name))

    def install(self, source: str, name: str, deployment_id: str) -> int:
        """Copies `source` to `releases/<name>` (replacing one by that name); returns the file count."""
        os.makedirs(self.dir, exist_ok=True)
        partial = os.path.join(self.dir, PARTIAL_PREFIX + _safe(deployment_id))
        shutil.rmtree(partial, ignore_errors=True)
        shutil.copytree(source, partial, symlinks=False)
        os.utime(partial)  # copytree copied the source's times; the age of a release orders pruning
        self.remove(name)
        os.rename(partial, os.path.join(self.dir, name))
        return sum(len(files) for _, _, files in os.walk(os.path.join(self.dir, name)))

    def require(self, name: str, doing: str) -> None:
        """Fails unless `releases/<name>` exists."""
        if not os.path.isdir(os.path.join(self.dir, name)):
            raise Failed(f"cannot {doing}: releases/{name} does not exist")

    def point_current_at(self, name: str, deployment_id: str) -> None:
        """Renames a new link to `releases/<name>` over `current`: readers see old or new, never none."""
        next_link = os.path.join(self.target, NEXT_LINK_PREFIX + _safe(deployment_id))
        if os.path.lexists(next_link):
            os.unlink(next_link)
        os.symlink(f"{RELEASES}/{name}", next_link)
        os.replace(next_link, self.current)

    def unlink_current(self) -> None:
        """Removes `current` (nothing was live before the first deployment)."""
        if os.path.lexists(self.current):
            os.unlink(self.current)

    def remove(self, name: str) -> bool:
        """Removes `releases/<name>`; whether it existed."""
        path = os.path.join(self.dir, name)
        if not os.path.isdir(path):
            return False
        shutil.rmtree(path)
        return True

    def prune(self, keep: int, protected: List[str]) -> List[str]:
        """Removes the oldest releases beyond `keep`, never a `protected` one; returns their names."""
        names = self.names()
        excess = max(len(names) - keep, 0)
        doomed = [n for n in names if n not in protected][:excess]
        for name in doomed:
            self.remove(name)
        return doomed

    def clear_leftovers(self) -> None:
        """Removes what an interrupted deployment left: partial copies and unrenamed links."""
        if os.path.isdir(self.dir):
            for entry in os.scandir(self.dir):
                if entry.name.startswith(PARTIAL_PREFIX):
                    shutil.rmtree(entry.path, ignore_errors=True)
        if os.path.isdir(self.target):
            for entry in os.scandir(self.target):
                if entry.name.startswith(NEXT_LINK_PREFIX):
                    os.unlink(entry.path)

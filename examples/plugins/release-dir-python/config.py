"""The unit's config: where the site comes from, where releases go, how many to keep."""

from dataclasses import dataclass
from typing import List, Optional
from urllib.parse import quote

from sluice_sdk import Diagnostic

#: The JSON Schema `info()` publishes; the host checks every unit's config against it.
SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "additionalProperties": False,
    "required": ["source", "target"],
    "properties": {
        "source": {"type": "string", "description": "The directory to publish (granted read-only)."},
        "target": {
            "type": "string",
            "description": "The directory holding releases/ and the `current` link (granted read-write).",
        },
        "keep": {"type": "integer", "minimum": 1, "description": "Releases kept, the live one included."},
        "public_url": {"type": "string", "description": "The URL under which `target` is served."},
    },
}


@dataclass
class Config:
    """A unit's config for release-dir."""

    source: str
    target: str
    keep: int = 3
    public_url: Optional[str] = None

    def problems(self) -> List[Diagnostic]:
        """What the schema cannot say: absolute paths, neither inside the other."""
        found = [
            Diagnostic(field, f"must be an absolute guest path, got {path!r}")
            for field, path in (("source", self.source), ("target", self.target))
            if not path.startswith("/")
        ]
        source, target = self.source.rstrip("/") + "/", self.target.rstrip("/") + "/"
        if source.startswith(target) or target.startswith(source):
            found.append(Diagnostic("target", "must not be inside `source`, nor contain it"))
        return found

    def release_url(self, release: str) -> Optional[str]:
        """Where the release directory `release` is served, if `public_url` is set."""
        if self.public_url is None:
            return None
        return f"{self.public_url.rstrip('/')}/releases/{quote(release, safe='')}/"

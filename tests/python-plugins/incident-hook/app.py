"""incident-hook: a hook written in Python. It logs every event it is told of, and when a unit
fails or is rolled back it opens an incident: a JSON POST to `config.url` (grant its origin)
with a one-line summary and a severity. An error from the incident tracker is the hook's
failure, which sluice shows as a warning.
"""

import json

from componentize_py_types import Err
from wit_world import exports
from wit_world.exports.hook import EventKind, HookEvent
from wit_world.imports.types import PluginInfo

import sluice_sdk
from sluice_sdk import http, log

SEVERITY = {EventKind.UNIT_FAILED: "critical", EventKind.UNIT_ROLLED_BACK: "warning"}


class Hook(exports.Hook):
    def info(self) -> PluginInfo:
        return PluginInfo(
            name="incident-hook",
            version="0.1.0",
            description="Opens an incident when a unit fails or is rolled back.",
            config_schema=json.dumps(
                {"type": "object", "properties": {"url": {"type": "string"}}, "required": ["url"]}
            ),
            features=[],
        )

    def validate(self, config: str) -> None:
        pass

    def notify(self, event: HookEvent, config: str) -> None:
        kind = event.kind.name.lower().replace("_", "-")
        log.info("python hook: " + " ".join(part for part in [kind, event.unit, event.outcome] if part))
        severity = SEVERITY.get(event.kind)
        if severity is None:
            return
        incident = {
            "summary": f"{event.environment}: {event.unit} {event.version} {kind}: {event.reason}",
            "severity": severity,
            "deployment": event.deployment_id,
        }
        try:
            answer = http.send(
                "POST",
                json.loads(config)["url"],
                headers=[("content-type", "application/json")],
                body=json.dumps(incident).encode(),
            )
        except sluice_sdk.PluginError as error:
            raise Err(error.to_wit()) from None
        if answer.status >= 300:
            raise Err(sluice_sdk.Unavailable(f"the tracker answered HTTP {answer.status}").to_wit())

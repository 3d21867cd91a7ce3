"""sdk-capabilities: in `stage`, reads each secret in `secrets` and GETs each URL in `urls`
through sluice_sdk's helpers, and fails with one outcome per attempt in its reason (a secret's
length, never its value; a response's status and body; or the typed error and its message).
"""

import sluice_sdk
from sluice_sdk import http, secrets


def read_secret(name: str) -> str:
    try:
        return f"secret {name}: {len(secrets.get(name))} characters"
    except sluice_sdk.PluginError as error:
        return f"secret {name}: {type(error).__name__}: {error.message}"


def fetch(url: str) -> str:
    try:
        response = http.get(url)
    except sluice_sdk.PluginError as error:
        return f"GET {url}: {type(error).__name__}: {error.message}"
    return f"GET {url}: {response.status} {response.text().strip()!r}"


class SdkCapabilities(sluice_sdk.Strategy):
    name = "sdk-capabilities"
    description = "Test plugin: reads secrets and sends HTTP requests through the SDK's helpers."

    def prepare(self, ctx, config, current):
        return ""

    def stage(self, ctx, config, current):
        outcomes = [read_secret(name) for name in config["secrets"]]
        outcomes += [fetch(url) for url in config["urls"]]
        raise sluice_sdk.Failed(" | ".join(outcomes))

    def finalize(self, ctx, config, staged):
        return staged

    def rollback(self, ctx, config, staged, snapshot, current):
        pass


Strategy = sluice_sdk.export(SdkCapabilities)

"""hostile-sockets: in `stage`, opens a TCP connection to `connect` ("HOST:PORT") and looks the
name `lookup` up with Python's own `socket` module, which reaches `wasi:sockets`. sluice links
those imports but must deny every call: the plugin logs what each attempt got and fails with
both outcomes in its reason; "ESCAPED" in either means the sandbox let it through.
"""

import encodings.idna  # noqa: F401  socket encodes host names with it; load it before the snapshot
import socket

import sluice_sdk
from sluice_sdk import log


def connect(target: str) -> str:
    host, port = target.rsplit(":", 1)
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as raw:
            raw.settimeout(2)
            raw.connect((host, int(port)))
    except OSError as error:
        return f"connect to {target} denied: {type(error).__name__}: {error}"
    return f"ESCAPED: connected to {target}"


def lookup(name: str) -> str:
    try:
        found = socket.getaddrinfo(name, 80)
    except OSError as error:
        return f"lookup of {name} denied: {type(error).__name__}: {error}"
    return f"ESCAPED: {name} resolved to {[entry[4] for entry in found]}"


class HostileSockets(sluice_sdk.Strategy):
    name = "hostile-sockets"
    description = "Hostile test plugin: opens a raw TCP socket and resolves a name."

    def prepare(self, ctx, config, current):
        return ""

    def stage(self, ctx, config, current):
        outcomes = [connect(config["connect"]), lookup(config["lookup"])]
        for outcome in outcomes:
            log.warn(outcome)
        raise sluice_sdk.Failed("; ".join(outcomes))

    def finalize(self, ctx, config, staged):
        return staged

    def rollback(self, ctx, config, staged, snapshot, current):
        pass


Strategy = sluice_sdk.export(HostileSockets)

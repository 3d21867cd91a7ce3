"""Outgoing HTTP through the host (`sluice:deploy/http`), only to the origins the plan grants.

Only a plugin whose world imports `sluice:deploy/http` may call these; a plugin that does not
leaves it out of its world, and this module still imports. The host checks each origin and each redirect hop, caps bodies, headers and time,
and redacts secrets: a refused request raises `Denied`, a connection or lookup failure or a
timeout raises `Unavailable`, a request or response over a cap raises `Failed`.
"""

import json
from dataclasses import dataclass
from typing import Any, List, Optional, Tuple

from componentize_py_types import Err

from .errors import Failed, from_wit
from .world import OptionalImport

_HTTP = OptionalImport("http")


@dataclass
class Response:
    """One response: status, headers in order, the whole body, and the URL that answered."""

    status: int
    headers: List[Tuple[str, str]]
    body: bytes
    final_url: str

    def text(self) -> str:
        """The body decoded as UTF-8."""
        return self.body.decode("utf-8")

    def json(self) -> Any:
        """The body parsed as JSON."""
        return json.loads(self.body)

    def header(self, name: str) -> Optional[str]:
        """The first value of header `name` (case-insensitive), if present."""
        wanted = name.lower()
        return next((value for key, value in self.headers if key.lower() == wanted), None)


def send(
    method: str,
    url: str,
    headers: Optional[List[Tuple[str, str]]] = None,
    body: Optional[bytes] = None,
    timeout_ms: Optional[int] = None,
    follow_redirects: bool = True,
) -> Response:
    """Sends one request (`method` is `GET`, `POST`, ...) and waits for the whole response."""
    http = _HTTP.bindings()
    if method.upper() not in http.Method.__members__:
        raise Failed(f"unknown HTTP method {method!r}: expected one of {list(http.Method.__members__)}")
    request = http.Request(
        method=http.Method[method.upper()],
        url=url,
        headers=list(headers or []),
        body=body,
        timeout_ms=timeout_ms,
        follow_redirects=follow_redirects,
    )
    try:
        answer = http.send(request)
    except Err as err:
        raise from_wit(err.value) from None
    return Response(answer.status, answer.headers, bytes(answer.body), answer.final_url)


def get(url: str, headers: Optional[List[Tuple[str, str]]] = None) -> Response:
    """`GET url`."""
    return send("GET", url, headers)


def post_json(url: str, value: Any, headers: Optional[List[Tuple[str, str]]] = None) -> Response:
    """`POST url` with `value` as a JSON body."""
    sent = [("content-type", "application/json"), *(headers or [])]
    return send("POST", url, sent, json.dumps(value).encode("utf-8"))

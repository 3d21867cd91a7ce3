"""The few Lambda API calls the strategy makes, signed with SigV4 and sent through `http`."""

import base64
import json
import re
import time
from typing import Any, Dict, Optional, Tuple
from urllib.parse import quote

from sluice_sdk import Failed, Unavailable, http, log

from config import Config

#: The Lambda API version every path starts with.
_API = "/2015-03-31/functions"
#: How long a new version may stay `Pending` before the stage fails.
_PENDING_POLLS = 120


class AwsError(Failed):
    """An error answer from AWS: its status, its error type and message."""

    def __init__(self, what: str, status: int, kind: str, message: str):
        super().__init__(f"{what}: {status} {kind}: {message}")
        self.status = status
        self.kind = kind


def error_of(answer: http.Response) -> Tuple[str, str]:
    """AWS's error code and message in an error answer: JSON (`x-amzn-ErrorType` and
    `message`, as Lambda answers) or XML (`<Code>` and `<Message>`, as AWS's auth layer does)."""
    text = answer.body.decode("utf-8", "replace")
    kind = answer.header("x-amzn-errortype") or ""
    try:
        parsed = json.loads(text)
    except ValueError:
        parsed = None
    if isinstance(parsed, dict):
        kind = kind or parsed.get("__type") or parsed.get("code") or ""
        message = parsed.get("message") or parsed.get("Message") or text
    else:
        code, found = re.search(r"<Code>(.*?)</Code>", text), re.search(r"<Message>(.*?)</Message>", text, re.S)
        kind = kind or (code.group(1) if code else "")
        message = found.group(1) if found else text
    return (kind.split(":")[0] or "error"), message[:500]


class Lambda:
    """One function's API."""

    def __init__(self, config: Config):
        self.config = config
        self.signer = config.signer()
        self.base = f"{_API}/{quote(config.function, safe='')}"

    def _call(self, method: str, path: str, what: str, body: Any = None, query=()) -> Dict[str, Any]:
        payload = json.dumps(body).encode("utf-8") if body is not None else b""
        headers = [("content-type", "application/json")] if body is not None else []
        url, headers = self.signer.sign(method, self.config.api(), self.base + path, query, headers, payload)
        answer = http.send(method, url, headers, payload if body is not None else None)
        if answer.status >= 300:
            if answer.status in (401, 403):
                what = f"AWS refused the credentials for {what}"
            error = AwsError(what, answer.status, *error_of(answer))
            if answer.status >= 500:
                raise Unavailable(error.message)
            raise error
        return answer.json() if answer.body else {}

    def version(self, version: str) -> Dict[str, Any]:
        """The configuration of one version (`$LATEST` or a number)."""
        return self._call("GET", "/configuration", f"function {self.config.function}:{version}", query=[("Qualifier", version)])

    def alias(self) -> Optional[Dict[str, Any]]:
        """The alias, or None when the function has no such alias yet."""
        try:
            return self._call("GET", f"/aliases/{quote(self.config.alias, safe='')}", f"alias {self.config.alias}")
        except AwsError as error:
            if error.status == 404:
                return None
            raise

    def publish(self, zipped: bytes) -> Dict[str, Any]:
        """Uploads the code and publishes it as a new version; waits until it is no longer pending."""
        published = self._call(
            "PUT", "/code", f"update the code of {self.config.function}",
            {"ZipFile": base64.b64encode(zipped).decode("ascii"), "Publish": True},
        )
        for _ in range(_PENDING_POLLS):
            if published.get("State", "Active") != "Pending":
                return published
            time.sleep(1)
            published = self.version(published["Version"])
        raise Failed(f"version {published['Version']} of {self.config.function} is still pending")

    def point_alias(self, version: str, canary: Optional[str] = None, weight: float = 0.0):
        """Points the alias at `version`, sending `weight` of the calls to `canary` (if any)."""
        weights = {canary: weight} if canary else {}
        self._call(
            "PUT", f"/aliases/{quote(self.config.alias, safe='')}", f"alias {self.config.alias}",
            {"FunctionVersion": version, "RoutingConfig": {"AdditionalVersionWeights": weights}},
        )

    def create_alias(self, version: str):
        """Creates the alias on `version`."""
        self._call("POST", "/aliases", f"create alias {self.config.alias}",
                   {"Name": self.config.alias, "FunctionVersion": version})

    def delete_alias(self):
        """Deletes the alias."""
        self._call("DELETE", f"/aliases/{quote(self.config.alias, safe='')}", f"delete alias {self.config.alias}")

    def delete_version(self, version: str):
        """Deletes one published version."""
        self._call("DELETE", "", f"delete version {version}", query=[("Qualifier", version)])
        log.info(f"deleted version {version} of {self.config.function}")

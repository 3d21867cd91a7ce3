"""AWS Signature Version 4: the headers every AWS API (and moto) wants, computed in the plugin
from credentials the plan grants as secrets, then sent with `sluice_sdk.http`. The host never
learns what a signature is for; the plugin's `http` grant decides where it may go.

It is the same algorithm as the Rust SDK's `sluice_sdk::aws`, checked against the same AWS
SigV4 test suite cases (`sdk/python/tests/test_aws.py`). This module uses only the standard
library, so it also runs (and is tested) outside a component.

```python
from sluice_sdk import aws, http, secrets

signer = aws.Signer(aws.Credentials(secrets.get("aws_key"), secrets.get("aws_secret")),
                    region="us-east-1", service="lambda")
url, headers = signer.sign("GET", "https://lambda.us-east-1.amazonaws.com",
                           "/2015-03-31/functions/api")
answer = http.send("GET", url, headers)
```
"""

import hashlib
import hmac
import time
from dataclasses import dataclass, field
from typing import List, Optional, Sequence, Tuple

Pairs = Sequence[Tuple[str, str]]


@dataclass
class Credentials:
    """An access key, with the session token of temporary credentials."""

    access_key_id: str
    secret_access_key: str = field(repr=False)
    session_token: Optional[str] = field(default=None, repr=False)


@dataclass
class Signer:
    """Signs requests for one `service` (`s3`, `lambda`, `ecs`, ...) in one `region`."""

    credentials: Credentials
    region: str
    service: str

    def sign(
        self,
        method: str,
        endpoint: str,
        path: str,
        query: Pairs = (),
        headers: Pairs = (),
        payload: bytes = b"",
        amz_date: Optional[str] = None,
    ) -> Tuple[str, List[Tuple[str, str]]]:
        """Signs `method` to `endpoint` (`https://host[:port]`) at `path` (not yet
        percent-encoded) with the `query` pairs (not encoded), the `headers` it will send and
        `payload`, at `amz_date` (`YYYYMMDDTHHMMSSZ`, default now). Returns the URL to send to
        and every header to send: `headers`, then `x-amz-date`, `x-amz-content-sha256`,
        `authorization` and, for temporary credentials, `x-amz-security-token`."""
        amz_date = amz_date or format_amz_date(time.time())
        host = endpoint.split("://", 1)[-1].rstrip("/")
        content_sha256 = hashlib.sha256(payload).hexdigest()
        signed = [(name.lower(), " ".join(value.split())) for name, value in headers]
        signed += [("host", host), ("x-amz-date", amz_date)]
        if self.service == "s3":
            signed.append(("x-amz-content-sha256", content_sha256))
        token = self.credentials.session_token
        if token:
            signed.append(("x-amz-security-token", token))
        signed.sort()
        names = ";".join(name for name, _ in signed)
        canonical_headers = "".join(f"{name}:{value}\n" for name, value in signed)
        canonical_query = canonical_pairs(query)
        canonical_request = "\n".join(
            [method, uri_encode(path or "/", keep_slash=True), canonical_query,
             canonical_headers, names, content_sha256]
        )
        date = amz_date[:8]
        scope = f"{date}/{self.region}/{self.service}/aws4_request"
        string_to_sign = "\n".join(
            ["AWS4-HMAC-SHA256", amz_date, scope,
             hashlib.sha256(canonical_request.encode("utf-8")).hexdigest()]
        )
        key = signing_key(self.credentials.secret_access_key, date, self.region, self.service)
        signature = hmac.new(key, string_to_sign.encode("utf-8"), hashlib.sha256).hexdigest()
        authorization = (
            f"AWS4-HMAC-SHA256 Credential={self.credentials.access_key_id}/{scope}, "
            f"SignedHeaders={names}, Signature={signature}"
        )
        sent = list(headers) + [
            ("x-amz-date", amz_date),
            ("x-amz-content-sha256", content_sha256),
            ("authorization", authorization),
        ]
        if token:
            sent.append(("x-amz-security-token", token))
        url = endpoint.rstrip("/") + uri_encode(path or "/", keep_slash=True)
        return (f"{url}?{canonical_query}" if canonical_query else url), sent


def format_amz_date(unix_seconds: float) -> str:
    """`YYYYMMDDTHHMMSSZ` for `unix_seconds` (UTC), as `x-amz-date` wants it."""
    return time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(int(unix_seconds)))


def uri_encode(text: str, keep_slash: bool) -> str:
    """Percent-encodes `text` as SigV4 wants: everything but `A-Z a-z 0-9 - _ . ~`, and `/`
    when `keep_slash`."""
    out = []
    for byte in text.encode("utf-8"):
        char = chr(byte)
        if char.isascii() and (char.isalnum() or char in "-_.~" or (keep_slash and char == "/")):
            out.append(char)
        else:
            out.append(f"%{byte:02X}")
    return "".join(out)


def canonical_pairs(query: Pairs) -> str:
    """The query as signed (and sent): each key and value encoded, the pairs sorted."""
    pairs = sorted((uri_encode(k, False), uri_encode(v, False)) for k, v in query)
    return "&".join(f"{key}={value}" for key, value in pairs)


def signing_key(secret: str, date: str, region: str, service: str) -> bytes:
    """The key derived for one day, region and service."""
    key = f"AWS4{secret}".encode("utf-8")
    for part in (date, region, service, "aws4_request"):
        key = hmac.new(key, part.encode("utf-8"), hashlib.sha256).digest()
    return key

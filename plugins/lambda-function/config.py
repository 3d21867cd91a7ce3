"""The unit's config: which function and alias, where its code comes from, how to reach AWS."""

from dataclasses import dataclass
from typing import Dict, List, Optional

from sluice_sdk import Diagnostic, aws, secrets

_CREDENTIALS = {
    "type": "object",
    "additionalProperties": False,
    "required": ["access_key_id_secret", "secret_access_key_secret"],
    "properties": {
        "access_key_id_secret": {"type": "string", "description": "The granted secret holding the access key id."},
        "secret_access_key_secret": {"type": "string", "description": "The granted secret holding the secret access key."},
        "session_token_secret": {"type": "string", "description": "The granted secret holding a session token (temporary credentials)."},
    },
}

#: The JSON Schema `info()` publishes; the host checks every unit's config against it.
SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "additionalProperties": False,
    "required": ["function", "source", "credentials"],
    "properties": {
        "function": {"type": "string", "minLength": 1, "description": "The function's name (it must exist)."},
        "alias": {"type": "string", "minLength": 1, "description": "The alias callers invoke; sluice moves it. Default `live`."},
        "source": {"type": "string", "description": "The granted directory whose files are the function's code (zipped)."},
        "region": {"type": "string", "description": "The function's region. Default `us-east-1`."},
        "endpoint": {"type": "string", "description": "The Lambda API. Default `https://lambda.REGION.amazonaws.com`."},
        "credentials": _CREDENTIALS,
    },
}


@dataclass
class Config:
    """A unit's config for lambda-function."""

    function: str
    source: str
    credentials: Dict[str, str]
    alias: str = "live"
    region: str = "us-east-1"
    endpoint: Optional[str] = None

    def problems(self) -> List[Diagnostic]:
        """What the schema cannot say."""
        found = []
        if not self.source.startswith("/"):
            found.append(Diagnostic("source", f"must be an absolute guest path, got {self.source!r}"))
        if self.alias.isdigit() or self.alias == "$LATEST":
            found.append(Diagnostic("alias", f"{self.alias!r} names a version, not an alias"))
        return found

    def api(self) -> str:
        """The Lambda API endpoint."""
        return (self.endpoint or f"https://lambda.{self.region}.amazonaws.com").rstrip("/")

    def signer(self) -> aws.Signer:
        """A SigV4 signer with the credentials read from the granted secrets."""
        token = self.credentials.get("session_token_secret")
        credentials = aws.Credentials(
            secrets.get(self.credentials["access_key_id_secret"]),
            secrets.get(self.credentials["secret_access_key_secret"]),
            secrets.get(token) if token else None,
        )
        return aws.Signer(credentials, self.region, "lambda")

"""Vault's wire format: envelopes, error replies, ids, durations and timestamps (NOTES §0)."""

from __future__ import annotations

import json
import random
import re
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tests.fakes.vault.tokens import Token

Json = dict[str, Any]
JSON_TYPE = "application/json"  # exactly: hvac parses errors only for this Content-Type
PERMISSION_DENIED = "1 error occurred:\n\t* permission denied\n\n"
#: What a request without a (valid) token is told: the plain text, not a multierror.
NO_TOKEN = "permission denied"
_BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_DURATION = re.compile(r"(\d+)(h|m|s)")


class VaultErr(Exception):
    """Raised by a handler: becomes ``{"errors": [...]}`` with ``status``."""

    def __init__(self, status: int, *messages: str) -> None:
        super().__init__(status, messages)
        self.status = status
        self.messages = list(messages)


def multierror(message: str) -> str:
    """go-multierror's text, as Vault returns some errors: ``1 error occurred:\n\t* ...``."""
    return f"1 error occurred:\n\t* {message}\n\n"


def bad_request(message: str) -> VaultErr:
    return VaultErr(400, message)


def not_found() -> VaultErr:
    """What a GET or LIST whose handler returned nil gives."""
    return VaultErr(404)


@dataclass
class Req:
    """One request as a handler sees it."""

    method: str  # GET, POST, DELETE or LIST (PUT arrives as POST, ?list=true as LIST)
    path: str  # without /v1/ and without a trailing slash
    params: dict[str, str]  # from the route template
    body: Json
    headers: dict[str, str]
    token: Token | None = None  # the caller's token, None when unauthenticated
    mount_path: str = ""  # "database/", "auth/jwt/"
    wrap_ttl: int | None = None


@dataclass
class Reply:
    status: int
    body: Json | None = None
    headers: dict[str, str] = field(default_factory=dict)

    def encode(self) -> tuple[int, dict[str, str], str]:
        headers = {**self.headers, "Content-Type": JSON_TYPE}  # on a 204 too, as Vault does
        if self.body is None:
            return self.status, headers, ""
        return self.status, headers, json.dumps(self.body)


def envelope(
    *,
    data: Json | None = None,
    auth: Json | None = None,
    lease_id: str = "",
    lease_duration: int = 0,
    renewable: bool = False,
    warnings: list[str] | None = None,
    mount_type: str = "",
) -> Json:
    body: Json = {
        "request_id": str(uuid.uuid4()),
        "lease_id": lease_id,
        "renewable": renewable,
        "lease_duration": lease_duration,
        "data": data,
        "wrap_info": None,
        "warnings": warnings or None,
        "auth": auth,
    }
    if mount_type:
        body["mount_type"] = mount_type
    return body


def ok(data: Json | None = None, **kwargs: Any) -> Reply:
    return Reply(200, envelope(data=data, **kwargs))


def no_content() -> Reply:
    return Reply(204)


def error_reply(status: int, messages: list[str]) -> Reply:
    return Reply(status, {"errors": messages})


class Ids:
    """Random-looking but reproducible ids (seeded), so a failing test can be replayed."""

    def __init__(self, seed: int = 7) -> None:
        self._rng = random.Random(seed)

    def base62(self, n: int = 24) -> str:
        return "".join(self._rng.choice(_BASE62) for _ in range(n))

    def token(self) -> str:
        return "hvs." + self.base62(24)

    def uuid(self) -> str:
        return str(uuid.UUID(int=self._rng.getrandbits(128), version=4))


def parse_duration(value: object, field_name: str) -> int:
    """``parseutil.ParseDurationSecond``: integer seconds, "90", or Go units such as "1h30m"."""
    if isinstance(value, bool):
        raise bad_request(f'error converting input for field "{field_name}": invalid duration')
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        text = value.strip()
        if text.isdigit():
            return int(text)
        if text and _DURATION.sub("", text) == "":
            return sum(int(n) * {"h": 3600, "m": 60, "s": 1}[u] for n, u in _DURATION.findall(text))
    raise bad_request(
        f'error converting input for field "{field_name}": time: invalid duration "{value}"'
    )


def go_duration(seconds: int) -> str:
    """Go's ``time.Duration`` text as Vault prints it in warnings, zero units left out:
    ``768h``, ``833h20m``, ``768h1s``."""
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    text = "".join(f"{n}{u}" for n, u in ((hours, "h"), (minutes, "m"), (secs, "s")) if n)
    return text or "0s"


def rfc3339(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")

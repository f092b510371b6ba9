"""Routes of the fake, keyed by mount type, named with the contract's own path templates.

A route's pattern uses the parameter names of ``openapi.json``, so the contract template of a
request follows from its mount: ``creds/{name}`` on a ``database`` mount is
``/{database_mount_path}/creds/{name}``; on a built-in mount (``sys/``, ``identity/``,
``auth/token/``) it is the literal path.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from tests.fakes.vault.wire import Reply, Req

if TYPE_CHECKING:
    from tests.fakes.vault.core import FakeVault

Handler = Callable[["FakeVault", Req], Reply]
Exists = Callable[["FakeVault", Req], bool]
BUILTIN_TYPES = frozenset({"system", "identity", "token"})
#: Parameters that may span several path segments.
_GREEDY = frozenset({"prefix", "url_lease_id"})


@dataclass(frozen=True)
class Route:
    mount_type: str
    method: str  # GET, POST, DELETE, LIST
    pattern: str  # relative to the mount, e.g. "creds/{name}" or "leases/lookup/{prefix}/"
    handler: Handler
    authenticated: bool = True
    sudo: bool = False
    #: For writes on paths Vault existence-checks: "create" when this says no, else "update".
    exists: Exists | None = None
    wrappable: bool = True

    def regex(self) -> re.Pattern[str]:
        out = ""
        for part in re.split(r"(\{[a-z_]+\})", self.pattern.rstrip("/")):
            if part.startswith("{"):
                name = part[1:-1]
                out += f"(?P<{name}>{'.+' if name in _GREEDY else '[^/]+'})"
            else:
                out += re.escape(part)
        return re.compile(out)

    def template(self, mount_path: str, auth_mount: bool) -> str:
        """The contract path template for this route on a mount."""
        if self.mount_type in BUILTIN_TYPES:
            return "/" + mount_path + self.pattern
        prefix = "/auth/" if auth_mount else "/"
        return f"{prefix}{{{self.mount_type}_mount_path}}/{self.pattern}"

    def capabilities(self, vault: FakeVault, req: Req) -> list[str]:
        if self.method == "GET":
            needed = ["read"]
        elif self.method == "LIST":
            needed = ["list"]
        elif self.method == "DELETE":
            needed = ["delete"]
        elif self.exists is None:
            needed = ["update"]
        else:
            needed = ["update" if self.exists(vault, req) else "create"]
        return [*needed, "sudo"] if self.sudo else needed


ROUTES: list[Route] = []


def route(
    mount_type: str,
    method: str,
    pattern: str,
    *,
    authenticated: bool = True,
    sudo: bool = False,
    exists: Exists | None = None,
    wrappable: bool = True,
) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        ROUTES.append(
            Route(mount_type, method, pattern, handler, authenticated, sudo, exists, wrappable)
        )
        return handler

    return register


def find(mount_type: str, method: str, rest: str) -> tuple[Route, dict[str, str]] | None:
    """The route for ``method rest`` on a mount of ``mount_type``, with its parameters."""
    for candidate in ROUTES:
        if candidate.mount_type != mount_type or candidate.method != method:
            continue
        match = candidate.regex().fullmatch(rest.rstrip("/"))
        if match:
            return candidate, match.groupdict()
    return None

"""``jit doctor``: the set-up checked, one line per check.

The checks are pure functions over what the adapters gathered (``Answer``s: what a service
said to one call); ``jit.commands.doctor`` does the gathering. Each check gives ``PASS``,
``FAIL`` (with how to fix it, pointing at the section of docs/admin.md) or ``SKIP`` (with why).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from jit.errors import EXIT_FINDINGS, EXIT_OK
from jit.redact import log_line

Status = Literal["PASS", "FAIL", "SKIP"]
GUIDE = "docs/admin.md"


@dataclass(frozen=True)
class Check:
    area: str  # "github", "vault" or "kubernetes"
    name: str  # what was checked, e.g. "vault.token-role"
    status: Status
    detail: str  # what was found, or why the check was skipped
    fix: str = ""  # for FAIL: how to fix it

    def as_dict(self) -> dict[str, str]:
        out = {"check": self.name, "status": self.status, "detail": self.detail}
        if self.fix:
            out["fix"] = self.fix
        return out


def passed(area: str, name: str, detail: str) -> Check:
    return Check(area, name, "PASS", detail)


def failed(area: str, name: str, detail: str, fix: str) -> Check:
    return Check(area, name, "FAIL", detail, fix)


def skipped(area: str, name: str, why: str) -> Check:
    return Check(area, name, "SKIP", why)


@dataclass(frozen=True)
class Answer:
    """What a service said to one call: ``status`` (None: no answer) and the JSON body."""

    status: int | None
    body: Mapping[str, Any] = field(default_factory=dict)
    error: str = ""  # what went wrong, as the adapter words it

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300

    @property
    def data(self) -> Mapping[str, Any]:
        """Vault's ``data`` (or the body itself when it has none)."""
        inner = self.body.get("data")
        return inner if isinstance(inner, Mapping) else self.body

    def said(self) -> str:
        if self.status is None:
            return f"no answer ({self.error or 'unreachable'})"
        return f"HTTP {self.status}{': ' + self.error if self.error else ''}"


def exit_code(checks: Sequence[Check]) -> int:
    return EXIT_FINDINGS if any(c.status == "FAIL" for c in checks) else EXIT_OK


def render_text(checks: Sequence[Check]) -> str:
    width = max((len(c.name) for c in checks), default=0)
    lines = []
    for c in checks:
        lines.append(log_line(f"{c.status} {c.name.ljust(width)}  {c.detail}"))
        if c.fix:
            lines.append(log_line(f"     fix: {c.fix}"))
    counts = {s: sum(c.status == s for c in checks) for s in ("PASS", "FAIL", "SKIP")}
    lines.append(
        f"jit doctor: {counts['PASS']} passed, {counts['FAIL']} failed, {counts['SKIP']} skipped"
    )
    return "\n".join(lines) + "\n"


def render_json(checks: Sequence[Check]) -> str:
    return json.dumps({"checks": [c.as_dict() for c in checks]}, indent=2) + "\n"

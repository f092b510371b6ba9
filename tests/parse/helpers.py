"""Shared helpers for the foundation tests: temporary access repositories and jit check."""

from __future__ import annotations

import io
import json
import shutil
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path

from jit.commands.check import run

TESTS = Path(__file__).resolve().parent.parent
CASES = TESTS / "cases"
ROOT = TESTS.parent
#: A Tuesday, 10:00 UTC: inside the office-hours window of the case policies.
NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)


def make_repo(
    root: Path, files: Mapping[str, str | bytes], policies: Path | None = CASES / "policies"
) -> Path:
    """An access repository at ``root``: the case policies plus ``files`` (path -> content)."""
    if policies is not None:
        shutil.copytree(policies, root / "policies")
    (root / "requests").mkdir(exist_ok=True)
    for rel, content in files.items():
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, str):
            content = content.encode("utf-8")
        target.write_bytes(content)
    return root


def check(
    root: Path, *paths: Path, author: str | None = None, now: datetime = NOW
) -> tuple[int, list[dict[str, object]], str]:
    """Run jit check on ``root``: exit code, the findings (JSON), the summary line."""
    out, err = io.StringIO(), io.StringIO()
    code = run(root, author, "json", paths, now=now, out=out, err=err)
    findings = json.loads(out.getvalue()) if out.getvalue() else []
    return code, findings, err.getvalue()


def codes(findings: list[dict[str, object]], severity: str | None = None) -> set[object]:
    return {f["code"] for f in findings if severity is None or f["severity"] == severity}

"""Format cases as files: everything in cases/valid passes ``jit check``, everything in
cases/invalid and cases/policy-invalid is refused with the code (and line) it declares.

Directives, as comments at the top of a case:
``# expect: <code>[@line[:column]]``, ``# path: requests/<login>/<name>.yaml`` (default
``requests/alice/<case>.yaml``), ``# author: <login>``, ``# now: <RFC 3339>``.
"""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

import pytest

from tests.parse.helpers import CASES, NOW, check, make_repo

_DIRECTIVE = re.compile(rb"^# (expect|path|author|now): (.+?)\r?$", re.M)


def _directives(raw: bytes) -> dict[str, str]:
    return {m[1].decode(): m[2].decode() for m in _DIRECTIVE.finditer(raw)}


def _cases(kind: str) -> list[Path]:
    return sorted((CASES / kind).glob("*.yaml"))


def _run_request_case(case: Path, tmp_path: Path) -> tuple[int, list[dict[str, object]], dict]:
    raw = case.read_bytes()
    found = _directives(raw)
    rel = found.get("path", f"requests/alice/{case.name}")
    root = make_repo(tmp_path, {rel: raw})
    now = datetime.fromisoformat(found["now"]) if "now" in found else NOW
    code, findings, _ = check(root, author=found.get("author"), now=now)
    return code, findings, found


def _matches(finding: dict[str, object], expect: str) -> bool:
    code, _, where = expect.partition("@")
    if finding["code"] != code:
        return False
    if not where:
        return True
    line, _, column = where.partition(":")
    return finding["line"] == int(line) and (not column or finding["column"] == int(column))


@pytest.mark.parametrize("case", _cases("valid"), ids=lambda p: p.stem)
def test_valid_case_passes(case: Path, tmp_path: Path) -> None:
    code, findings, _ = _run_request_case(case, tmp_path)
    errors = [f for f in findings if f["severity"] == "error"]
    assert errors == []
    assert code == 0


@pytest.mark.parametrize("case", _cases("invalid"), ids=lambda p: p.stem)
def test_invalid_case_is_refused_with_its_code(case: Path, tmp_path: Path) -> None:
    code, findings, found = _run_request_case(case, tmp_path)
    assert "expect" in found, f"{case.name} declares no '# expect: <code>'"
    assert any(_matches(f, found["expect"]) for f in findings), findings
    assert code == 1


@pytest.mark.parametrize("case", _cases("policy-invalid"), ids=lambda p: p.stem)
def test_invalid_policy_is_reported_with_its_code(case: Path, tmp_path: Path) -> None:
    raw = case.read_bytes()
    expect = _directives(raw)["expect"]
    root = make_repo(tmp_path, {"policies/case.yaml": raw})
    code, findings, _ = check(root)
    hits = [f for f in findings if f["file"] == "policies/case.yaml" and _matches(f, expect)]
    assert hits, findings
    assert code == (1 if hits[0]["severity"] == "error" else 0)


def test_every_case_directory_has_cases() -> None:
    assert len(_cases("valid")) >= 10
    assert len(_cases("invalid")) >= 30
    assert len(_cases("policy-invalid")) >= 20

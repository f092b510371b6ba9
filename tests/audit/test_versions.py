"""Entry format versions: a log written before version 2 (tests/audit/fixtures/v1-log, made
by the reconciler of commit 3f62bb3 from tests/docs/sample.py) still verifies and reports,
alone and with version 2 entries appended after it; an unknown version is malformed."""

from __future__ import annotations

import hashlib
import io
import json
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest

from jit.audit.canon import GENESIS, VERSION, VERSIONS, canonical
from jit.audit.chain import verify_lines
from jit.audit.report import build_rows
from jit.audit.store import AuditLog
from jit.audit.verify import verify_log
from jit.commands.audit import run_report, run_verify
from tests.audit.helpers import lifecycle

FIXTURE = Path(__file__).parent / "fixtures" / "v1-log"
NOW = datetime(2026, 12, 1, tzinfo=UTC)


@pytest.fixture
def old(tmp_path: Path) -> Path:
    shutil.copytree(FIXTURE, tmp_path, dirs_exist_ok=True)
    return tmp_path


def test_the_fixture_is_all_version_1() -> None:
    entries = list(AuditLog(FIXTURE).entries())
    assert len(entries) == 27 and {e["v"] for e in entries} == {1}
    assert VERSION == 2 and VERSIONS == (1, 2)
    granted = [e for e in entries if e["type"] == "granted"]
    assert granted and all("reason" not in e for e in granted)


def test_a_version_1_log_verifies(old: Path) -> None:
    result = verify_log(AuditLog(old), now=NOW)
    assert result.ok, result
    assert (result.chain.count, result.granted, result.revoked) == (27, 5, 5)
    out = io.StringIO()
    assert run_verify(old, git=False, now=NOW, out=out, fmt="json") == 0
    assert json.loads(out.getvalue())["ok"] is True


def test_a_version_1_log_reports_with_reason_unknown(old: Path) -> None:
    rows = build_rows(AuditLog(old).entries(), NOW)
    grants = [r for r in rows if r.event == "grant"]
    assert len(grants) == 5 and all(r.reason is None and r.ticket is None for r in grants)
    assert [r.request_id for r in rows if r.event == "denial"] == ["requests/alice/unapproved"]
    for fmt in ("md", "csv", "json", "html"):
        out = io.StringIO()
        assert run_report(old, None, None, None, None, fmt, now=NOW, out=out) == 0
        assert "alice-incident-4711" in out.getvalue()


def test_version_2_entries_append_to_a_version_1_chain(old: Path) -> None:
    log = AuditLog(old)
    lifecycle(log, "zoe-late-0000abcd", at=datetime(2026, 11, 20, tzinfo=UTC), requester="zoe",
              reason="Rotate keys", ticket="CHG-9")  # fmt: skip
    result = verify_log(AuditLog(old), now=NOW)
    assert result.ok and result.chain.count == 27 + 5
    entries = list(AuditLog(old).entries())
    assert [e["v"] for e in entries[26:28]] == [1, 2]
    (zoe,) = [r for r in build_rows(entries, NOW) if r.requester == "zoe"]
    assert (zoe.reason, zoe.ticket, zoe.status) == ("Rotate keys", "CHG-9", "revoked")


@pytest.mark.parametrize("version", [0, 3, 12])
def test_an_entry_of_an_unknown_version_is_malformed(version: int) -> None:
    body: dict[str, object] = {"type": "drift", "what": "x", "v": version, "seq": 0,
                               "ts": "2026-11-03T09:00:00Z", "prev": GENESIS}  # fmt: skip
    body["hash"] = hashlib.sha256(canonical(body)).hexdigest()
    result = verify_lines([canonical(body)])
    assert result.first_broken is not None and result.first_broken.reason == "malformed"
    assert "known version (v 1 or 2" in result.first_broken.message
    body["v"] = 2
    body["hash"] = hashlib.sha256(
        canonical({k: v for k, v in body.items() if k != "hash"})
    ).hexdigest()
    assert verify_lines([canonical(body)]).ok

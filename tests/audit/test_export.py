"""``jit audit export --format ndjson``: every event, valid against the published schema,
resumable by cursor, and nothing at all from a log that does not verify."""

from __future__ import annotations

import hashlib
import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from jsonschema import Draft202012Validator

from jit.audit import entries as E
from jit.audit.export import Cursor, CursorError, events, parse_cursor
from jit.audit.store import AuditLog
from jit.cli import cli
from jit.commands.audit_export import run_export
from jit.errors import JitError, UsageError
from tests.audit.helpers import T0, lifecycle

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = ROOT / "jit" / "schemas" / "audit-event.schema.json"
NOW = datetime(2026, 11, 10, 12, 0, tzinfo=UTC)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A log with an entry of every type."""
    log = AuditLog(tmp_path)
    lifecycle(log, "alice-incident-0000aaaa", at=T0, ticket="INC-1", not_before=T0)
    lifecycle(log, "bob-debug-0000bbbb", at=T0 + timedelta(hours=1), requester="bob",
              revoke="withdrawn", by="erin", by_role="revoker", reason=None)  # fmt: skip
    log.append(
        [
            E.denied(request_id="requests/m/x", requester="m", resource="r", pr=9, reasons=["no"]),
            E.grant_failed(request_id="requests/c/y", error="vault said 500", retryable=True),
            E.revoke_failed(grant_id="alice-incident-0000aaaa", error="timeout", attempt=2),
            E.drift(what="lease gone", grant_id="bob-debug-0000bbbb"),
            E.delivery(grant_id="g", method="refused"),
        ],
        T0 + timedelta(hours=5),
    )
    return tmp_path


def export(repo: Path, **options: object) -> tuple[list[dict[str, object]], str]:
    out, err = io.StringIO(), io.StringIO()
    assert run_export(repo, out=out, err=err, git=False, now=NOW, **options) == 0  # type: ignore[arg-type]
    return [json.loads(line) for line in out.getvalue().splitlines()], err.getvalue()


def test_every_event_is_valid_against_the_published_schema(repo: Path) -> None:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    validator = Draft202012Validator(schema)
    found, err = export(repo)
    assert {e["type"] for e in found} == set(E.ENTRY_TYPES)
    for event in found:
        assert not list(validator.iter_errors(event)), event
    assert err == f"exported {len(found)} event(s); cursor: {found[-1]['cursor']}\n"
    bad = {**found[0], "surprise": 1}
    assert list(validator.iter_errors(bad))
    wrong = next(e for e in found if e["type"] == "revoked")
    assert list(validator.iter_errors({**wrong, "reason": "because"}))


def test_the_schema_documents_every_member_of_every_entry_type() -> None:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    members = set().union(*E.REQUIRED.values(), *E.OPTIONAL.values())
    assert members <= set(schema["properties"]), members - set(schema["properties"])
    assert set(schema["properties"]["type"]["enum"]) == set(E.ENTRY_TYPES)
    assert all(p.get("description") for p in schema["properties"].values())
    published = ROOT / "schemas" / "audit-event.schema.json"
    assert published.is_symlink() and published.resolve() == SCHEMA


def test_an_event_is_the_entry_as_written_plus_its_cursor(repo: Path) -> None:
    found, _ = export(repo)
    lines = [line for _, line in AuditLog(repo).lines()]
    for event, line in zip(found, lines, strict=True):
        cursor = parse_cursor(str(event.pop("cursor")))
        assert event == json.loads(line)
        assert cursor == Cursor(int(str(event["seq"])), hashlib.sha256(line).hexdigest())


def test_a_cursor_resumes_after_the_event_it_names(repo: Path) -> None:
    everything, _ = export(repo)
    rest, err = export(repo, since=str(everything[4]["cursor"]))
    assert rest == everything[5:]
    assert err.endswith(f"cursor: {everything[-1]['cursor']}\n")
    none, err = export(repo, since=str(everything[-1]["cursor"]))
    assert none == [] and err.startswith("exported 0 event(s)")


def test_a_cursor_file_is_read_and_written(repo: Path, tmp_path: Path) -> None:
    state = tmp_path / "cursor"
    first, _ = export(repo, cursor_file=state)
    assert state.read_text() == f"{first[-1]['cursor']}\n"
    AuditLog(repo).append([E.drift(what="later")], NOW)
    second, _ = export(repo, cursor_file=state)
    assert [e["what"] for e in second] == ["later"]
    assert state.read_text() == f"{second[-1]['cursor']}\n"
    assert export(repo, cursor_file=state)[0] == []
    state.write_text("nonsense\n")
    with pytest.raises(JitError, match="cursor:1: cursor 'nonsense' is not"):
        export(repo, cursor_file=state)


@pytest.mark.parametrize(
    ("cursor", "message"),
    [
        ("3", "is not '<seq>:<64 hex>'"),
        ("3:" + "0" * 64, "the entry at seq 3 .* is now"),
        ("999:" + "0" * 64, "the log has no entry at seq 999"),
    ],
)
def test_a_cursor_that_is_not_from_this_log_is_refused(
    repo: Path, cursor: str, message: str
) -> None:
    with pytest.raises(CursorError, match=message):
        export(repo, since=cursor)


def test_a_broken_log_exports_nothing_and_exits_non_zero(repo: Path) -> None:
    month = repo / "audit/2026/11.jsonl"
    month.write_bytes(month.read_bytes().replace(b'"requester":"bob"', b'"requester":"eve"', 1))
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(JitError, match=r"it does not verify .*edited.*nothing was exported") as e:
        run_export(repo, out=out, err=err, git=False, now=NOW)
    assert e.value.exit_code == 1 and out.getvalue() == ""


def test_grant_problems_are_exported_with_a_note(repo: Path) -> None:
    lifecycle(AuditLog(repo), "carl-stuck-0000cccc", at=T0 + timedelta(hours=6), revoke=None,
              requester="carl")  # fmt: skip
    found, err = export(repo)
    assert found[-1]["type"] == "delivery"
    assert err.startswith("note: 1 grant problem(s) in the log")


def test_an_empty_log_exports_nothing(tmp_path: Path) -> None:
    assert export(tmp_path) == ([], "exported 0 event(s); cursor: none (the log is empty)\n")
    assert list(events([])) == []


def test_the_cli_exports_with_the_real_clock(repo: Path) -> None:
    result = CliRunner().invoke(cli, ["audit", "export", "--repo", str(repo), "--no-git"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith('{"cursor":"0:')


def test_only_ndjson_and_an_empty_cursor_file_means_everything(repo: Path, tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="'csv' is not one of ndjson"):
        export(repo, fmt="csv")
    state = tmp_path / "cursor"
    state.write_text("\n")
    assert len(export(repo, cursor_file=state)[0]) == 15

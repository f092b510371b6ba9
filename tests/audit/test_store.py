"""The log on disk: monthly files, the HEAD checkpoint, appends that refuse a damaged log."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from jit.audit import entries as E
from jit.audit.canon import GENESIS, Head, line_hash
from jit.audit.store import AuditLog, AuditLogError, _read_last_line
from tests.audit.helpers import T0, lifecycle


def test_append_assigns_the_chain_members_and_writes_the_month_file(tmp_path: Path) -> None:
    log = AuditLog(tmp_path)
    written = log.append([E.drift(what="a"), E.drift(what="b")], T0)
    assert [e["seq"] for e in written] == [0, 1]
    assert written[0]["prev"] == GENESIS and written[0]["ts"] == "2026-11-03T09:00:00Z"
    lines = (tmp_path / "audit/2026/11.jsonl").read_bytes().splitlines()
    assert [json.loads(line) for line in lines] == written
    assert written[1]["prev"] == line_hash(lines[0])
    assert log.head() == Head(1, line_hash(lines[1])) == log.recorded_head()
    assert (tmp_path / "audit/HEAD").read_text() == f'{{"hash":"{line_hash(lines[1])}","seq":1}}\n'
    assert log.paths_touched == ["audit/2026/11.jsonl", "audit/HEAD"]


def test_appends_across_a_month_boundary_continue_the_chain(tmp_path: Path) -> None:
    log = AuditLog(tmp_path, "logs/audit/")
    last_second = datetime(2026, 10, 31, 23, 59, 59, tzinfo=UTC)
    log.append([E.drift(what="october")], last_second)
    log.append([E.drift(what="november")], last_second + timedelta(seconds=1))
    log.append([E.drift(what="new year")], datetime(2027, 1, 1, tzinfo=UTC))
    months = [f.rel for f in log.month_files()]
    assert months == [
        "logs/audit/2026/10.jsonl",
        "logs/audit/2026/11.jsonl",
        "logs/audit/2027/01.jsonl",
    ]
    entries = list(log.entries())
    assert [e["what"] for e in entries] == ["october", "november", "new year"]
    assert entries[1]["prev"] == line_hash((tmp_path / months[0]).read_bytes().rstrip(b"\n"))
    assert log.paths_touched == [*months, "logs/audit/HEAD"]


def test_an_append_never_goes_back_in_time(tmp_path: Path) -> None:
    """A run re-chaining its entries after another run's push keeps time in order."""
    log = AuditLog(tmp_path)
    log.append([E.drift(what="later run")], datetime(2026, 12, 1, tzinfo=UTC))
    written = log.append([E.drift(what="earlier now")], datetime(2026, 11, 30, 23, 0, tzinfo=UTC))
    assert written[0]["ts"] == "2026-12-01T00:00:00Z"
    assert [f.month for f in log.month_files()] == ["2026-12"]


def test_an_empty_append_touches_nothing(tmp_path: Path) -> None:
    log = AuditLog(tmp_path)
    assert log.append([], T0) == []
    assert log.paths_touched == [] and not (tmp_path / "audit").exists()
    assert log.head() is None and log.recorded_head() is None and list(log.entries()) == []


def test_append_checks_every_payload_before_writing_any(tmp_path: Path) -> None:
    log = AuditLog(tmp_path)
    with pytest.raises(E.SecretInAuditError):
        log.append([E.drift(what="fine"), {"type": "drift", "what": "x", "token": "y"}], T0)
    assert not (tmp_path / "audit").exists()


def test_a_naive_time_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        AuditLog(tmp_path).append([E.drift(what="x")], datetime(2026, 11, 3))


@pytest.mark.parametrize(
    ("damage", "expected"),
    [
        ("stale HEAD", "records seq 0 "),
        ("no HEAD", "records nothing but the log ends at seq 0"),
        ("HEAD without log", "ends at nothing"),
        ("cut last line", "cut short"),
        ("garbage HEAD", "is not a checkpoint"),
        ("short HEAD hash", "is not a checkpoint"),
        ("last line not json", "is not JSON"),
        ("last line without seq", "has no seq or ts"),
    ],
)
def test_append_refuses_a_log_it_cannot_extend_safely(
    tmp_path: Path, damage: str, expected: str
) -> None:
    log = AuditLog(tmp_path)
    log.append([E.drift(what="a")], T0)
    month = tmp_path / "audit/2026/11.jsonl"
    head = tmp_path / "audit/HEAD"
    if damage == "stale HEAD":
        saved = head.read_bytes()
        log.append([E.drift(what="b")], T0)
        head.write_bytes(saved)
    elif damage == "no HEAD":
        head.unlink()
    elif damage == "HEAD without log":
        month.unlink()
    elif damage == "cut last line":
        month.write_bytes(month.read_bytes()[:-1])
    elif damage == "garbage HEAD":
        head.write_text('{"seq": "1"}')
    elif damage == "short HEAD hash":
        head.write_text('{"seq": 0, "hash": "abc"}')
    elif damage == "last line not json":
        month.write_bytes(b"{oops\n")
    else:
        month.write_bytes(b'{"v":1}\n')
    with pytest.raises(AuditLogError, match=expected) as caught:
        log.append([E.drift(what="c")], T0)
    assert "git checkout -- audit" in str(caught.value) or "jit audit verify" in str(caught.value)


def test_head_reads_past_an_empty_last_month_file(tmp_path: Path) -> None:
    log = AuditLog(tmp_path)
    log.append([E.drift(what="a")], T0)
    (tmp_path / "audit/2026/12.jsonl").touch()
    assert log.head() == log.recorded_head()
    assert log.append([E.drift(what="b")], T0)[0]["seq"] == 1


def test_the_last_line_is_found_across_read_blocks(tmp_path: Path) -> None:
    path = tmp_path / "f"
    path.write_bytes(b"a" * 10 + b"\n" + b"b" * 9000 + b"\n")
    assert _read_last_line(path, block=64) == b"b" * 9000 + b"\n"
    path.write_bytes(b"only line, no newline")
    assert _read_last_line(path, block=4) == b"only line, no newline"
    path.write_bytes(b"")
    assert _read_last_line(path) is None


def test_entries_can_skip_types_before_parsing(tmp_path: Path) -> None:
    log = AuditLog(tmp_path)
    lifecycle(log, "alice-db-0000aaaa")
    assert [e["type"] for e in log.entries()] == [
        "requested", "issuing", "granted", "delivery", "revoked",
    ]  # fmt: skip
    assert [e["type"] for e in log.entries({"granted", "revoked"})] == ["granted", "revoked"]


def test_entries_name_the_line_they_cannot_read(tmp_path: Path) -> None:
    (tmp_path / "audit/2026").mkdir(parents=True)
    (tmp_path / "audit/2026/11.jsonl").write_bytes(b'{"v":1}\n[1]\n')
    with pytest.raises(AuditLogError, match=r"audit/2026/11.jsonl:2: is not a JSON object"):
        list(AuditLog(tmp_path).entries())


def test_files_outside_the_monthly_layout_are_strays(tmp_path: Path) -> None:
    log = AuditLog(tmp_path)
    log.append([E.drift(what="a")], T0)
    for rel in (
        "audit/2026/13.jsonl",
        "audit/2026/1.jsonl",
        "audit/old.jsonl",
        "audit/x/y/z.jsonl",
    ):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).touch()
    (tmp_path / "audit/README.md").touch()
    assert [f.rel for f in log.month_files()] == ["audit/2026/11.jsonl"]
    assert log.stray_files() == [
        "audit/2026/1.jsonl", "audit/2026/13.jsonl", "audit/old.jsonl", "audit/x/y/z.jsonl",
    ]  # fmt: skip

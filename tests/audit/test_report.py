"""``jit audit report``: rows per grant, interval-overlap filters, and md/csv/json output
checked against golden files (regenerate with ``JIT_UPDATE_GOLDEN=1 pytest tests/audit``)."""

from __future__ import annotations

import io
import json
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from jit.audit import entries as E
from jit.audit.render import render
from jit.audit.report import Filters, Row, build_rows, parse_bound, select
from jit.audit.store import AuditLog
from jit.commands.audit import run_report
from jit.errors import UsageError
from tests.audit.helpers import T0, granted, lifecycle

GOLDEN = Path(__file__).parent / "golden"
NOW = datetime(2026, 11, 10, 12, 0, tzinfo=UTC)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    log = AuditLog(tmp_path)
    lifecycle(log, "alice-incident-0000aaaa", at=datetime(2026, 10, 30, 9, tzinfo=UTC),
              approvers=["carol", "bob"], pr=101)  # fmt: skip
    lifecycle(log, "bob-debug-0000bbbb", at=datetime(2026, 10, 31, 22, tzinfo=UTC),
              requester="bob", pr=102, hours=4)  # fmt: skip
    lifecycle(log, "carol-migration-0000cccc", at=T0, requester="carol", revoke="withdrawn",
              by="carol", by_role="requester", pr=103)  # fmt: skip
    lifecycle(log, "dave-deploy-0000dddd", at=T0 + timedelta(days=1), requester="dave",
              resource="prod-k8s-admin", auto=True, approvers=(), pr=104,
              handle={"binding": "jit-dave-deploy-0000dddd"})  # fmt: skip
    lifecycle(log, "erin-oncall-0000eeee", at=NOW - timedelta(hours=1), requester="erin",
              revoke=None, pr=105, handle={"accessor": "hmac-0f3e"})  # fmt: skip
    lifecycle(log, "frank-batch-0000ffff", at=T0 + timedelta(days=2), requester="frank",
              revoke=None, pr=106, hours=1, handle={"group": "jit-frank-batch-0000ffff"})  # fmt: skip
    log.append([E.revoked(grant_id="ghost", reason="out-of-band", revoked_at=NOW, lag_seconds=0)],
               NOW)  # fmt: skip
    return tmp_path


def report(repo: Path, fmt: str = "md", **filters: str | None) -> str:
    out = io.StringIO()
    args: dict[str, str | None] = {"since": None, "until": None, "resource": None, "user": None}
    assert run_report(repo, fmt=fmt, now=NOW, out=out, **{**args, **filters}) == 0  # type: ignore[arg-type]
    return out.getvalue()


def assert_golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if os.environ.get("JIT_UPDATE_GOLDEN") == "1":
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8")


@pytest.mark.parametrize("fmt", ["md", "csv", "json"])
def test_the_report_matches_its_golden_file(repo: Path, fmt: str) -> None:
    assert_golden(f"report.{fmt}", report(repo, fmt))


def test_rows_follow_each_grant_to_its_revocation(repo: Path) -> None:
    rows = {r.grant_id: r for r in build_rows(AuditLog(repo).entries(), NOW)}
    assert set(rows) == {
        "alice-incident-0000aaaa", "bob-debug-0000bbbb", "carol-migration-0000cccc",
        "dave-deploy-0000dddd", "erin-oncall-0000eeee", "frank-batch-0000ffff",
    }  # fmt: skip
    carol = rows["carol-migration-0000cccc"]
    assert (carol.status, carol.revoke_reason, carol.revoked_by, carol.revoked_by_role) == (
        "revoked",
        "withdrawn",
        "carol",
        "requester",
    )
    assert carol.revoked_at == T0 + timedelta(hours=1, minutes=3) and carol.lag_seconds == 180
    assert rows["alice-incident-0000aaaa"].approvers == ("bob", "carol")
    assert (
        rows["dave-deploy-0000dddd"].auto_approved and rows["dave-deploy-0000dddd"].approvers == ()
    )
    assert rows["erin-oncall-0000eeee"].status == "active"
    assert rows["frank-batch-0000ffff"].status == "overdue"
    assert rows["frank-batch-0000ffff"].handle_type == "group"


def ids(text: str) -> list[str]:
    return [row["grant_id"] for row in json.loads(text)]


def test_a_month_selects_the_grants_whose_access_overlaps_it(repo: Path) -> None:
    november = ids(report(repo, "json", since="2026-11-01", until="2026-11-30"))
    assert november == [
        "bob-debug-0000bbbb",  # granted Oct 31 22:00 for 4h: overlaps November 1
        "carol-migration-0000cccc", "dave-deploy-0000dddd", "frank-batch-0000ffff",
        "erin-oncall-0000eeee",
    ]  # fmt: skip
    october = ids(report(repo, "json", since="2026-10-01", until="2026-10-31"))
    assert october == ["alice-incident-0000aaaa", "bob-debug-0000bbbb"]


def test_window_edges_are_inclusive(repo: Path) -> None:
    alice_revoked = "2026-10-30T11:03:00Z"
    assert ids(report(repo, "json", since=alice_revoked, until=alice_revoked)) == [
        "alice-incident-0000aaaa"
    ]
    assert (
        ids(report(repo, "json", since="2026-10-30T11:03:01Z", until="2026-10-30T12:00:00Z")) == []
    )
    assert ids(report(repo, "json", until="2026-10-30")) == ["alice-incident-0000aaaa"]


def test_an_overdue_grant_counts_as_access_until_now(repo: Path) -> None:
    frank_expired = T0 + timedelta(days=2, hours=1)
    since = (frank_expired + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert "frank-batch-0000ffff" in ids(report(repo, "json", since=since))


def test_filters_by_resource_and_user(repo: Path) -> None:
    assert ids(report(repo, "json", resource="prod-k8s-admin")) == ["dave-deploy-0000dddd"]
    assert ids(report(repo, "json", user="CAROL")) == ["carol-migration-0000cccc"]
    assert "_No grants match these filters._" in report(repo, user="nobody")


@pytest.mark.parametrize(
    ("since", "until", "message"),
    [
        ("yesterday", None, "--since 'yesterday' is not a date or time"),
        (None, "2026-13-01", "--until '2026-13-01' is not a date or time"),
        ("2026-11-30", "2026-11-01", "is after --until"),
    ],
)
def test_bad_bounds_are_usage_errors(repo: Path, since: str, until: str, message: str) -> None:
    with pytest.raises(UsageError, match=message) as caught:
        report(repo, since=since, until=until)
    assert caught.value.exit_code == 2


def test_an_unknown_format_is_a_usage_error(repo: Path) -> None:
    with pytest.raises(UsageError, match="'xml' is not one of"):
        report(repo, "xml")
    with pytest.raises(ValueError, match="unknown report format"):
        render([], "xml")


def test_parse_bound_takes_dates_and_rfc3339_times() -> None:
    assert parse_bound("2026-11-30", end=False) == datetime(2026, 11, 30, tzinfo=UTC)
    assert parse_bound("2026-11-30", end=True) == datetime(
        2026, 11, 30, 23, 59, 59, 999999, tzinfo=UTC
    )
    assert parse_bound("2026-11-30T18:00:00+01:00", end=True) == datetime(
        2026, 11, 30, 17, tzinfo=UTC
    )
    with pytest.raises(ValueError, match="no timezone"):
        parse_bound("2026-11-30T18:00:00", end=False)


def hostile_row() -> Row:
    (row,) = build_rows([granted("x-1", requester="=HYPERLINK", resource="a|b\nc")], NOW)
    return row


def test_csv_cells_cannot_become_spreadsheet_formulas() -> None:
    assert ",'=HYPERLINK," in render([hostile_row()], "csv")


def test_markdown_cells_cannot_break_the_table() -> None:
    line = render([hostile_row()], "md").splitlines()[2]
    assert "a\\|b c" in line and line.count(" | ") == 12


def test_rows_survive_entries_missing_optional_members() -> None:
    sparse = {"type": "granted", "grant_id": "g", "ts": "2026-11-03T09:00:00Z",
              "expires_at": "2026-11-03T10:00:00Z", "pr": None}  # fmt: skip
    revoke = {"type": "revoked", "grant_id": "g", "ts": "2026-11-03T10:00:00Z"}
    (row,) = select(build_rows([sparse, revoke, revoke], NOW), Filters(), NOW)
    assert (row.pr, row.approvers, row.handle_type, row.status) == (None, (), "", "revoked")
    assert row.revoked_at == datetime(2026, 11, 3, 10, tzinfo=UTC) and row.lag_seconds is None
    assert "**none recorded**" in render([row], "md")


def test_select_applies_every_filter_to_built_rows(repo: Path) -> None:
    rows = build_rows(AuditLog(repo).entries(), NOW)
    chosen = select(rows, Filters(resource="prod-k8s-admin", user="Dave"), NOW)
    assert [r.grant_id for r in chosen] == ["dave-deploy-0000dddd"]
    assert select(rows, Filters(user="nobody"), NOW) == []


def withdrawn_row(**revoke: object) -> Row:
    payload = E.revoked(grant_id="g-1", reason="withdrawn", revoked_at=NOW, lag_seconds=0)
    (row,) = build_rows([granted("g-1"), {**payload, **revoke}], NOW)
    return row


@pytest.mark.parametrize(
    ("role", "how"),
    [
        ("requester", "withdrawn by @dave (requester)"),
        ("revoker", "withdrawn by @dave (revoker)"),
        ("neither", "withdrawn by @dave (neither requester nor revoker)"),
    ],
)
def test_every_format_names_the_withdrawers_role(role: str, how: str) -> None:
    row = withdrawn_row(by="dave", by_role=role)
    assert row.revoked_by_role == role
    assert f"| {how} |" in render([row], "md")
    assert ",withdrawn,dave," + role + ",0," in render([row], "csv")
    (record,) = json.loads(render([row], "json"))
    assert (record["revoked_by"], record["revoked_by_role"]) == ("dave", role)


@pytest.mark.parametrize(
    "revoke",
    [{"by": "dave"}, {"by": "dave", "by_role": "admin"}, {"by_role": "revoker"}],
    ids=["older-entry", "unknown-role", "role-without-login"],
)
def test_a_role_that_is_missing_or_not_one_of_the_three_is_reported_as_unknown(
    revoke: dict[str, object],
) -> None:
    row = withdrawn_row(**revoke)
    assert row.revoked_by_role is None
    (record,) = json.loads(render([row], "json"))
    assert record["revoked_by_role"] is None
    assert "(" not in render([row], "md").splitlines()[2].split(" | ")[7]

"""The idle sweep's decision over plain data: due exactly when the full run's plan has work."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from jit.reconcile.diff import ISSUING_LEASE
from jit.reconcile.due import reminder_minutes, sweep_due
from jit.reconcile.state import GrantRecord, Status, grant_id

NOW = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
PATH = "requests/alice/x.yaml"
GID = grant_id("requests/alice/x", "c0")


def record(
    status: Status = "active",
    *,
    gid: str = GID,
    expires_at: datetime = NOW + timedelta(hours=1),
    intent_at: datetime = NOW - timedelta(hours=1),
    run_id: str = "",
    reason: str | None = None,
    reminded: bool = False,
) -> GrantRecord:
    return GrantRecord(
        grant_id=gid,
        request_id="requests/alice/x",
        request_path=PATH,
        requester="alice",
        resource="db",
        kind="vault-group",
        approvers=("carol",),
        pr=1,
        merge_commit="m",
        added_commit="c0",
        request_blob="b",
        starts_at=expires_at - timedelta(hours=2),
        expires_at=expires_at,
        status=status,
        run_id=run_id,
        intent_at=intent_at,
        revoke_reason=reason,  # type: ignore[arg-type]
        reminded_at=NOW if reminded else None,
    )


def test_an_active_grant_before_its_end_is_not_due() -> None:
    due = sweep_due({PATH: "c0"}, {GID: record()}, 0, NOW, 0)
    assert not due.due and due.reasons == ()
    assert due.active == 1 and due.next_end == NOW + timedelta(hours=1)
    assert due.summary() == (
        "nothing due (1 active grants; the next grant ends at 2026-01-05T10:00:00Z); "
        "the sweep stops here"
    )


def test_an_empty_repository_is_not_due() -> None:
    due = sweep_due({}, {}, 0, NOW, 0)
    assert not due.due and due.next_end is None
    assert due.summary() == "nothing due (0 active grants); the sweep stops here"


@pytest.mark.parametrize(
    ("requests", "records", "reason"),
    [
        ({PATH: "c0"}, {}, "1 to grant or waiting for not_before"),
        ({PATH: "c0"}, {GID: record(expires_at=NOW)}, "1 to revoke"),  # ends exactly now
        ({PATH: "c0"}, {GID: record("revoke-pending", reason="expired")}, "1 to revoke"),
        ({}, {GID: record()}, "1 to revoke"),  # the request file was withdrawn
        (
            {PATH: "c0"},
            {GID: record("issuing", run_id="run-7", intent_at=NOW - ISSUING_LEASE)},
            "1 intents to finish",
        ),
        ({PATH: "c0"}, {GID: record("issuing", run_id="")}, "1 intents to finish"),  # released
        ({}, {GID: record("issuing")}, "1 intents to abandon"),
    ],
    ids=["merged", "expired", "revoke-pending", "withdrawn", "lease-over", "released", "abandon"],
)
def test_what_the_full_run_would_do_is_due(
    requests: dict[str, str], records: dict[str, GrantRecord], reason: str
) -> None:
    due = sweep_due(requests, records, 0, NOW, 0)
    assert due.due
    assert any(r.startswith(reason) for r in due.reasons), due.reasons
    assert due.summary().startswith("due: ") and due.summary().endswith("the full reconcile")


def test_an_intent_another_run_still_holds_is_not_due() -> None:
    held = record("issuing", run_id="run-7", intent_at=NOW - ISSUING_LEASE + timedelta(seconds=1))
    assert not sweep_due({PATH: "c0"}, {GID: held}, 0, NOW, 0).due


def test_a_file_added_again_is_a_new_grant_and_due() -> None:
    due = sweep_due({PATH: "c1"}, {GID: record()}, 0, NOW, 0)
    assert due.reasons == ("1 to grant or waiting for not_before", "1 to revoke")


def test_a_reminder_is_due_only_inside_its_window_and_once() -> None:
    assert not sweep_due({PATH: "c0"}, {GID: record()}, 0, NOW, 59).due
    assert sweep_due({PATH: "c0"}, {GID: record()}, 0, NOW, 60).reasons == ("1 reminders",)
    assert not sweep_due({PATH: "c0"}, {GID: record(reminded=True)}, 0, NOW, 60).due


def test_doubt_is_due() -> None:
    assert sweep_due({PATH: "c0"}, {GID: record()}, 2, NOW, 0).reasons == (
        "2 grant records that do not read",
    )
    assert sweep_due({PATH: "c0"}, {GID: record()}, 0, NOW, None).reasons == (
        "1 settings.yaml whose reminder_minutes needs a YAML parser",
    )


@pytest.mark.parametrize(
    ("text", "minutes"),
    [
        (None, 0),
        ("bot:\n  login: x\n", 0),
        ("reminder_minutes: 15\n", 15),
        ("a: 1\nreminder_minutes:   30   # before the end\nb: 2\n", 30),
        ("reminder_minutes: 0\n", 0),
        ("reminder_minutes: '15'\n", None),  # a YAML string: the full run reports it
        ("reminder_minutes: 15\nreminder_minutes: 20\n", None),
        ("# reminder_minutes: 5 (see docs)\nreminder_minutes: 15\n", None),
        ("{reminder_minutes: 15}\n", None),
        ("x:\n  reminder_minutes: 15\n", None),
    ],
)
def test_reminder_minutes_is_read_without_yaml_or_not_at_all(
    text: str | None, minutes: int | None
) -> None:
    assert reminder_minutes(text) == minutes

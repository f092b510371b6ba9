"""The planner is pure: desired requests and recorded grants in, buckets out."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from jit.reconcile.diff import ISSUING_LEASE, Desired, lag_seconds, make_plan
from jit.reconcile.state import GrantRecord, Status

NOW = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def desired(name: str, not_before: datetime | None = None) -> Desired:
    return Desired(
        f"requests/alice/{name}", f"requests/alice/{name}.yaml", f"alice-{name}-0", "c0", not_before
    )


def record(
    name: str,
    status: Status = "active",
    *,
    expires_at: datetime = NOW + timedelta(hours=1),
    intent_at: datetime = NOW - timedelta(hours=1),
    reminded: bool = False,
    reason: str | None = None,
) -> GrantRecord:
    return GrantRecord(
        grant_id=f"alice-{name}-0",
        request_id=f"requests/alice/{name}",
        request_path=f"requests/alice/{name}.yaml",
        requester="alice",
        resource="db",
        kind="vault-token",
        approvers=("carol",),
        pr=1,
        merge_commit="m",
        added_commit="c0",
        request_blob="b",
        starts_at=expires_at - timedelta(hours=2),
        expires_at=expires_at,
        status=status,
        run_id="run-1",
        intent_at=intent_at,
        handle={"accessor": "acc"} if status != "issuing" else None,
        reminded_at=NOW if reminded else None,
        revoke_reason=reason,  # type: ignore[arg-type]
    )


def ids(items: tuple[object, ...]) -> list[str]:
    out = []
    for item in items:
        rec = getattr(item, "record", item)
        out.append(rec.grant_id)
    return out


def test_a_new_request_is_granted_and_a_recorded_one_is_left_alone() -> None:
    plan = make_plan([desired("a"), desired("b")], {"alice-b-0": record("b")}, NOW)
    assert ids(plan.grant) == ["alice-a-0"]
    assert ids(plan.active) == ["alice-b-0"]
    assert not plan.revoke and not plan.empty


def test_not_before_in_the_future_waits_and_at_the_instant_it_is_granted() -> None:
    later = make_plan([desired("a", NOW + timedelta(seconds=1))], {}, NOW)
    assert ids(later.waiting) == ["alice-a-0"] and not later.grant
    now = make_plan([desired("a", NOW)], {}, NOW)
    assert ids(now.grant) == ["alice-a-0"] and not now.waiting


def test_expiry_is_exact_at_the_boundary() -> None:
    rec = record("a", expires_at=NOW)
    before = make_plan([desired("a")], {"alice-a-0": rec}, NOW - timedelta(seconds=1))
    assert ids(before.active) == ["alice-a-0"]
    at = make_plan([desired("a")], {"alice-a-0": rec}, NOW)
    assert [(r.record.grant_id, r.reason) for r in at.revoke] == [("alice-a-0", "expired")]


def test_a_deleted_file_withdraws_and_expiry_wins_when_both_apply() -> None:
    live = make_plan([], {"alice-a-0": record("a")}, NOW)
    assert [r.reason for r in live.revoke] == ["withdrawn"]
    ended = make_plan([], {"alice-a-0": record("a", expires_at=NOW)}, NOW)
    assert [r.reason for r in ended.revoke] == ["expired"]


def test_a_file_added_again_is_a_new_grant_and_withdraws_the_old_one() -> None:
    again = Desired("requests/alice/a", "requests/alice/a.yaml", "alice-a-1", "c1")
    plan = make_plan([again], {"alice-a-0": record("a")}, NOW)
    assert ids(plan.grant) == ["alice-a-1"]
    assert [(r.record.grant_id, r.reason) for r in plan.revoke] == [("alice-a-0", "withdrawn")]


def test_revoke_pending_keeps_its_reason() -> None:
    rec = record("a", "revoke-pending", reason="withdrawn")
    plan = make_plan([desired("a")], {"alice-a-0": rec}, NOW)
    assert [r.reason for r in plan.revoke] == ["withdrawn"]


def test_an_intent_is_left_to_its_run_until_the_lease_ends() -> None:
    fresh = record("a", "issuing", intent_at=NOW - ISSUING_LEASE + timedelta(seconds=1))
    plan = make_plan([desired("a")], {"alice-a-0": fresh}, NOW)
    assert ids(plan.in_flight) == ["alice-a-0"] and plan.empty
    stale = record("a", "issuing", intent_at=NOW - ISSUING_LEASE)
    assert ids(make_plan([desired("a")], {"alice-a-0": stale}, NOW).resume) == ["alice-a-0"]


def test_a_stale_intent_whose_request_went_away_or_expired_is_abandoned() -> None:
    stale = record("a", "issuing", intent_at=NOW - ISSUING_LEASE)
    gone = make_plan([], {"alice-a-0": stale}, NOW)
    assert [(r.record.grant_id, r.reason) for r in gone.abandon] == [("alice-a-0", "withdrawn")]
    late = record("a", "issuing", intent_at=NOW - ISSUING_LEASE, expires_at=NOW)
    assert [r.reason for r in make_plan([desired("a")], {"alice-a-0": late}, NOW).abandon] == [
        "expired"
    ]


def test_reminders_are_due_once_within_the_window() -> None:
    rec = record("a", expires_at=NOW + timedelta(minutes=10))
    assert ids(make_plan([desired("a")], {"alice-a-0": rec}, NOW, 10).remind) == ["alice-a-0"]
    assert not make_plan([desired("a")], {"alice-a-0": rec}, NOW, 9).remind
    assert not make_plan([desired("a")], {"alice-a-0": rec}, NOW, 0).remind
    done = record("a", expires_at=NOW + timedelta(minutes=10), reminded=True)
    assert not make_plan([desired("a")], {"alice-a-0": done}, NOW, 10).remind


def test_lag_is_never_negative() -> None:
    assert lag_seconds(NOW, NOW + timedelta(seconds=90)) == 90
    assert lag_seconds(NOW, NOW - timedelta(seconds=90)) == 0


names = st.sampled_from([f"r{i}" for i in range(6)])
statuses = st.sampled_from(["issuing", "active", "revoke-pending"])
offsets = st.integers(min_value=-7200, max_value=7200)


@given(
    wanted=st.sets(names),
    recorded=st.dictionaries(names, st.tuples(statuses, offsets, offsets)),
)
def test_every_request_and_record_lands_in_exactly_one_bucket(
    wanted: set[str], recorded: dict[str, tuple[str, int, int]]
) -> None:
    records = {
        f"alice-{n}-0": record(
            n,
            status,  # type: ignore[arg-type]
            expires_at=NOW + timedelta(seconds=exp),
            intent_at=NOW + timedelta(seconds=intent),
            reason="expired" if status == "revoke-pending" else None,
        )
        for n, (status, exp, intent) in recorded.items()
    }
    plan = make_plan([desired(n) for n in wanted], records, NOW, reminder_minutes=30)
    buckets = [plan.resume, plan.in_flight, plan.abandon, plan.revoke, plan.remind, plan.active]
    seen = [gid for bucket in buckets for gid in ids(bucket)]
    assert sorted(seen) == sorted(records)
    new = ids(plan.grant) + ids(plan.waiting)
    assert sorted(new) == sorted(f"alice-{n}-0" for n in wanted if f"alice-{n}-0" not in records)
    for item in plan.revoke:
        assert item.record.status != "issuing"
        name = item.record.grant_id.split("-")[1]
        if item.reason == "withdrawn":
            assert name not in wanted and item.record.expires_at > NOW
        elif item.record.status == "active":
            assert item.record.expires_at <= NOW
    for rec in plan.active:
        assert rec.expires_at > NOW and rec.grant_id.split("-")[1] in wanted

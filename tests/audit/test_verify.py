"""``verify_log`` on a log on disk: the tamper tests of issue 5, the monthly layout, and the
grant checks (merged PR and approval recorded; revoked exactly once or still active)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from jit.audit import entries as E
from jit.audit.canon import canonical, line_hash, seal
from jit.audit.store import AuditLog
from jit.audit.verify import Verification, verify_log
from tests.audit.helpers import T0, granted, lifecycle, lines_of, write_lines

OCT, NOV = "audit/2026/10.jsonl", "audit/2026/11.jsonl"
LATER = datetime(2027, 1, 1, tzinfo=UTC)


@pytest.fixture
def log(tmp_path: Path) -> AuditLog:
    """Two months, four grants (20 entries): 10 in October, 10 in November."""
    log = AuditLog(tmp_path)
    lifecycle(log, "alice-db-0000aaaa", at=datetime(2026, 10, 30, 9, tzinfo=UTC))
    lifecycle(log, "bob-db-0000bbbb", at=datetime(2026, 10, 30, 12, tzinfo=UTC), requester="bob")
    lifecycle(log, "carol-db-0000cccc", at=T0, requester="carol", revoke="withdrawn", by="carol")
    lifecycle(log, "dave-k8s-0000dddd", at=T0 + timedelta(days=1), requester="dave",
              resource="prod-k8s-admin", auto=True, approvers=())  # fmt: skip
    return log


def check(log: AuditLog, **kw: object) -> Verification:
    return verify_log(log, now=LATER, **kw)  # type: ignore[arg-type]


def broken_at(result: Verification) -> tuple[str, int, int, str]:
    broken = result.chain.first_broken
    assert broken is not None, result
    return broken.file, broken.line_no, broken.seq, broken.reason


def test_an_honest_log_verifies(log: AuditLog) -> None:
    result = check(log)
    assert result.ok and result.chain.count == 20 and result.files == 2
    assert (result.granted, result.revoked, result.active, result.violations) == (4, 4, 0, ())


def test_an_empty_log_verifies(tmp_path: Path) -> None:
    result = check(AuditLog(tmp_path))
    assert result.ok and result.chain.count == 0 and result.chain.head is None


def test_edit_an_entry(log: AuditLog) -> None:
    lines = lines_of(log.root, OCT)
    lines[7] = lines[7].replace(b'"approvers":["carol"]', b'"approvers":["mallory"]')
    write_lines(log.root, OCT, lines)
    assert broken_at(check(log)) == (OCT, 8, 7, "edited")


def test_edit_an_entry_and_recompute_its_own_hash(log: AuditLog) -> None:
    lines = lines_of(log.root, NOV)
    entry, _ = seal(granted("carol-db-0000cccc", requester="carol", approvers=["mallory"]),
                    seq=12, ts="2026-11-03T09:00:00Z", prev=line_hash(lines[1]))  # fmt: skip
    lines[2] = canonical(entry)
    write_lines(log.root, NOV, lines)
    file, line_no, seq, reason = broken_at(check(log))
    assert (file, line_no, seq, reason) == (NOV, 4, 13, "prev-mismatch")
    assert f"seq 12, {NOV}:3" in check(log).chain.first_broken.message  # type: ignore[union-attr]


def test_delete_an_entry(log: AuditLog) -> None:
    lines = lines_of(log.root, NOV)
    write_lines(log.root, NOV, lines[:3] + lines[4:])
    assert broken_at(check(log)) == (NOV, 4, 13, "removed")


def test_delete_the_last_entry_of_a_month(log: AuditLog) -> None:
    write_lines(log.root, OCT, lines_of(log.root, OCT)[:-1])
    assert broken_at(check(log)) == (NOV, 1, 9, "removed")


def test_swap_two_entries(log: AuditLog) -> None:
    lines = lines_of(log.root, OCT)
    lines[2], lines[6] = lines[6], lines[2]
    write_lines(log.root, OCT, lines)
    assert broken_at(check(log)) == (OCT, 3, 2, "reordered")


def test_truncate_the_file(log: AuditLog) -> None:
    write_lines(log.root, NOV, lines_of(log.root, NOV)[:6])
    assert broken_at(check(log)) == (NOV, 7, 16, "truncated")


def test_truncate_the_file_mid_line(log: AuditLog) -> None:
    path = log.root / NOV
    path.write_bytes(path.read_bytes()[:-40])
    assert broken_at(check(log)) == (NOV, 10, 19, "truncated")


def test_delete_the_latest_month_file(log: AuditLog) -> None:
    (log.root / NOV).unlink()
    assert broken_at(check(log)) == (OCT, 11, 10, "truncated")


def test_rewrite_the_chain_from_some_point_without_the_previous_hash(log: AuditLog) -> None:
    lines = lines_of(log.root, NOV)
    forged, prev = lines[:4], "0" * 64
    for seq in range(14, 20):
        _, line = seal(
            E.drift(what="nothing to see"), seq=seq, ts="2026-11-04T09:00:00Z", prev=prev
        )
        forged.append(line)
        prev = line_hash(line)
    write_lines(log.root, NOV, forged)
    (log.root / "audit/HEAD").write_bytes(canonical({"seq": 19, "hash": prev}) + b"\n")
    assert broken_at(check(log)) == (NOV, 5, 14, "prev-mismatch")


def test_an_entry_in_the_wrong_month_file_is_misplaced(log: AuditLog) -> None:
    oct_lines, nov_lines = lines_of(log.root, OCT), lines_of(log.root, NOV)
    write_lines(log.root, OCT, oct_lines + nov_lines[:1])
    write_lines(log.root, NOV, nov_lines[1:])
    assert broken_at(check(log)) == (OCT, 11, 10, "misplaced")


def test_a_missing_head_is_reported(log: AuditLog) -> None:
    (log.root / "audit/HEAD").unlink()
    assert broken_at(check(log))[2:] == (20, "head-mismatch")


def test_stray_files_are_violations(log: AuditLog) -> None:
    (log.root / "audit/2026/11.jsonl.jsonl").write_bytes(b"")
    result = check(log)
    assert not result.ok and result.chain.ok
    assert [v.where for v in result.violations] == ["audit/2026/11.jsonl.jsonl"]


def append_grant(log: AuditLog, payload: dict[str, object], when: datetime = T0) -> None:
    log.append([payload], when + timedelta(days=5))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"pr": None}, "records no merged PR (pr is 'null')"),
        ({"pr": 0}, "records no merged PR (pr is '0')"),
        ({"merge_commit": None}, "records no merge commit (missing)"),
        ({"merge_commit": "main"}, "records no merge commit ('main')"),
        ({"approvers": [], "auto_approved": False}, "records no approval"),
        ({"approvers": "carol"}, "has no list of approvers"),
    ],
)
def test_a_grant_without_a_merged_pr_or_approval_is_a_violation(
    log: AuditLog, change: dict[str, object], message: str
) -> None:
    payload = {**granted("eve-db-0000eeee", requester="eve"), **change}
    append_grant(log, payload)
    log.append([E.revoked(grant_id="eve-db-0000eeee", reason="expired", revoked_at=LATER,
                          lag_seconds=0)], LATER)  # fmt: skip
    result = check(log)
    assert result.chain.ok and not result.ok
    assert [(v.where, v.grant_id) for v in result.violations] == [(f"{NOV}:11", "eve-db-0000eeee")]
    assert message in result.violations[0].message


def test_auto_approved_grants_need_no_approvers(log: AuditLog) -> None:
    assert check(log).ok  # dave's grant is auto-approved with no approvers


def test_grants_are_active_until_expiry_plus_grace_then_overdue(log: AuditLog) -> None:
    expires = T0 + timedelta(days=10, hours=2)
    append_grant(log, granted("eve-db-0000eeee", requester="eve", at=T0 + timedelta(days=10)))
    log.append([E.revoke_failed(grant_id="eve-db-0000eeee", error="Vault: 503 sealed", attempt=1)],
               expires + timedelta(minutes=5))  # fmt: skip
    during = verify_log(log, now=expires - timedelta(seconds=1), grace=0)
    assert during.ok and during.active == 1
    within_grace = verify_log(log, now=expires + timedelta(minutes=14), grace=900)
    assert within_grace.ok and within_grace.active == 1
    at_expiry = verify_log(log, now=expires, grace=0)
    assert not at_expiry.ok and at_expiry.active == 0
    (violation,) = at_expiry.violations
    assert violation.where == f"{NOV}:11" and violation.grant_id == "eve-db-0000eeee"
    assert "expired at 2026-11-13T11:00:00Z and has no revoked entry" in violation.message
    assert "prod-db-readonly for eve" in violation.message
    assert "The last revoke attempt failed: Vault: 503 sealed" in violation.message


def test_a_grant_revoked_twice_granted_twice_or_revoked_unknown(log: AuditLog) -> None:
    revoke = E.revoked(
        grant_id="bob-db-0000bbbb", reason="expired", revoked_at=LATER, lag_seconds=0
    )
    log.append([revoke, {**revoke, "grant_id": "nobody-0000"}, granted("carol-db-0000cccc")], LATER)
    messages = [v.message for v in check(log).violations]
    assert messages == [
        "grant bob-db-0000bbbb is revoked a second time.",
        "revokes grant nobody-0000, which has no granted entry before it.",
        "grant carol-db-0000cccc is granted a second time.",
    ]


def test_entries_without_a_grant_id_are_violations(log: AuditLog) -> None:
    # Written around the payload checks, as a buggy or hostile writer could.
    prev = log.recorded_head()
    assert prev is not None
    _, line = seal({**granted("x-1"), "grant_id": ""}, seq=20, ts="2026-12-01T00:00:00Z",
                       prev=prev.hash)  # fmt: skip
    write_lines(log.root, "audit/2026/12.jsonl", [line])
    (log.root / "audit/HEAD").write_bytes(canonical({"seq": 20, "hash": line_hash(line)}) + b"\n")
    assert [v.message for v in check(log).violations] == ["the granted entry names no grant_id."]


def test_an_unparsable_expiry_is_a_violation(log: AuditLog) -> None:
    append_grant(log, {**granted("eve-db-0000eeee"), "expires_at": "soon"})
    assert [v.message for v in check(log).violations] == [
        "grant eve-db-0000eeee has no valid expires_at."
    ]


def test_grant_checks_stop_at_a_broken_chain(log: AuditLog) -> None:
    append_grant(log, granted("eve-db-0000eeee"))
    write_lines(log.root, NOV, lines_of(log.root, NOV)[:-1])
    result = check(log)
    assert broken_at(result)[3] == "truncated"
    assert result.violations == () and result.notes


def test_committed_checkpoints_must_all_be_on_the_chain(log: AuditLog) -> None:
    head = log.recorded_head()
    assert head is not None
    good = canonical(head._asdict())
    other = canonical({"seq": head.seq, "hash": "f" * 64})
    assert check(log, history=[("c1" * 20, good)]).ok
    history = [("c1" * 20, good), ("c2" * 20, other), ("c3" * 20, b"{"),
               ("c4" * 20, b'{"seq":"1","hash":"x"}')]  # fmt: skip
    result = check(log, history=history)
    assert [v.message for v in result.violations] == [
        f"records a different entry at seq {head.seq} than commit c1c1c1c1c1c1: the log was "
        "rewritten between those commits.",
        "is not a readable checkpoint.",
        "is not a readable checkpoint.",
    ]
    assert result.violations[0].where == "audit/HEAD @ c2c2c2c2c2c2"

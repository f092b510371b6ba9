"""The policy impact comment on a PR that changes ``policies/``: ``jit pr`` end to end
against the fake GitHub, with an audit log and live grants on the base branch (golden)."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from jit.audit import entries as audit
from jit.audit.store import AuditLog
from jit.pr.impact_render import MARKER
from jit.reconcile.state import GrantRecord
from tests.golden import assert_golden
from tests.pr.conftest import NOW, POLICY, World, request

GOLDEN = Path(__file__).parent / "golden"

NEW_POLICY = """\
resources:
  prod-db-readonly:
    description: Read-only access to the production orders database
    grant: {kind: vault-credentials, path: database/creds/orders-readonly}
    eligible: [acme/oncall, bob]
    max_duration: 1h
    approvals:
      - from: [acme/dba]
        count: 1
    auto_approve:
      - requester_in: [acme/oncall]
        max_duration: 30m
  prod-db-admin:
    description: Read-write access, for planned changes
    grant: {kind: vault-credentials, path: database/creds/orders-admin}
    eligible: [acme/dba]
    max_duration: 2h
    approvals:
      - from: [acme/security]
        count: 1
"""
HOSTILE = """\
resources:
  "<img src=x onerror=alert(1)> @acme/everyone":
    description: "[click](https://evil.example) <!-- jit:plan -->"
    grant: {kind: vault-token, policies: [root]}
    eligible: [mallory]
    max_duration: 1h
"""


def _history(tmp: Path) -> dict[str, bytes]:
    """An audit log: alice granted 10 days ago (her file still on main), olga auto-approved
    (file gone), carol only requested (file gone), bob denied 100 days ago."""
    log = AuditLog(tmp / "log")

    def requested(rid: str, who: str) -> dict[str, object]:
        return audit.requested(
            request_id=rid, requester=who, resource="prod-db-readonly", pr=1, merge_commit="m"
        )

    log.append([requested("requests/bob/old", "bob")], NOW - timedelta(days=100))
    log.append(
        [
            audit.denied(
                request_id="requests/bob/old",
                requester="bob",
                resource="prod-db-readonly",
                pr=1,
                reasons=["no"],
            )
        ],
        NOW - timedelta(days=100),
    )
    at = NOW - timedelta(days=10)
    log.append([requested("requests/alice/db", "alice")], at)
    log.append([_granted("requests/alice/db", "alice", ["zoe"], at, hours=2)], at)
    log.append([requested("requests/olga/quick", "olga")], at)
    log.append([_granted("requests/olga/quick", "olga", [], at, hours=0.5)], at)
    log.append([requested("requests/carol/gone", "carol")], at)
    root = tmp / "log"
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def _granted(
    rid: str, who: str, approvers: list[str], at: datetime, *, hours: float
) -> dict[str, object]:
    return audit.granted(
        grant_id=rid.split("/", 1)[1].replace("/", "-"),
        request_id=rid,
        requester=who,
        resource="prod-db-readonly",
        kind="vault-credentials",
        pr=1,
        merge_commit="m",
        approvers=approvers,
        auto_approved=not approvers,
        granted_at=at,
        expires_at=at + timedelta(hours=hours),
        handle={"lease_id": "database/creds/orders-readonly/x"},
    )


def _live_grant() -> str:
    start = NOW - timedelta(minutes=30)
    return GrantRecord(
        grant_id="alice-now-1a2b3c4d",
        request_id="requests/alice/now",
        request_path="requests/alice/now.yaml",
        requester="alice",
        resource="prod-db-readonly",
        kind="vault-credentials",
        approvers=("zoe",),
        pr=3,
        merge_commit="c" * 40,
        added_commit="c" * 40,
        request_blob="d" * 40,
        starts_at=start,
        expires_at=start + timedelta(hours=3),
        status="active",
        run_id="run-1",
        intent_at=start,
        granted_at=start,
        handle={"lease_id": "database/creds/orders-readonly/y"},
    ).to_json()


def _base(world: World) -> None:
    files: dict[str, str | bytes] = dict(_history(world.tmp))
    files["requests/alice/db.yaml"] = request("alice", "2h")
    files["requests/alice/now.yaml"] = request("alice", "3h")
    files["state/grants/alice-now-1a2b3c4d.json"] = _live_grant()
    world.fake.commit_to_main(files, "History")


def impact_comments(world: World, pr: object) -> list[str]:
    return [c.body for c in world.fake.comments_on(pr) if MARKER in c.body]  # type: ignore[arg-type]


def test_a_policy_pr_gets_an_impact_comment_and_the_same_status_as_before(world: World) -> None:
    _base(world)
    pr = world.open("erin", {"policies/databases.yaml": NEW_POLICY}, title="Tighten the db")
    result = world.opened(pr)
    assert result.code == 0, result.err
    (body,) = impact_comments(world, pr)
    assert_golden(GOLDEN / "policy-impact.md", body)
    # It informs; the PR is judged as any PR without requests is.
    status = world.status(pr)
    assert status.state == "success"
    assert status.description == "No access requests in this PR; code-owner review decides."
    assert "no access requests" in world.plan(pr)
    # Pushing again edits the one comment in place.
    world.pushed(pr, {"policies/databases.yaml": POLICY.replace("4h", "3h")})
    (body,) = impact_comments(world, pr)
    assert "| `prod-db-readonly` | changed | max duration: 4h → 3h |" in body
    assert "nobody gains or loses eligibility" in body
    assert "none would be decided differently" in body


def test_hostile_policy_text_is_inert_and_counted_as_errors(world: World) -> None:
    pr = world.open(
        "mallory", {"policies/evil.yaml": HOSTILE, "policies/tests/x.yaml": "tests: []\n"}
    )
    assert world.opened(pr).code == 0
    (body,) = impact_comments(world, pr)
    assert "error(s)" in body
    for raw in ("<img", "](https", "<!-- jit:plan", "@acme/everyone"):
        assert raw not in body
    assert world.status(pr).state == "success"


def test_a_pr_without_policy_changes_gets_no_impact_comment(world: World) -> None:
    pr = world.open("alice", {"requests/alice/db.yaml": request()})
    world.opened(pr)
    assert impact_comments(world, pr) == []


def test_an_unreadable_team_or_audit_log_never_changes_the_verdict(world: World) -> None:
    ghosts = NEW_POLICY.replace("acme/dba]", "acme/ghosts]")
    pr = world.open("erin", {"policies/databases.yaml": ghosts})
    assert world.opened(pr).code == 0
    (body,) = impact_comments(world, pr)
    assert "Membership of `acme/ghosts` could not be read" in body
    world.fake.commit_to_main({"audit/2024/06.jsonl": '{"type":"granted",\n'}, "Broken log")
    other = world.open("erin", {"policies/databases.yaml": ghosts})
    result = world.opened(other)
    assert result.code == 0
    assert "the policy impact comment on #2 was not updated: audit/2024/06.jsonl:1" in result.err
    assert impact_comments(world, other) == []
    assert world.status(other).state == "success"

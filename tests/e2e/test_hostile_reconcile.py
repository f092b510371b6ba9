"""Hostile input never stops revocation (issue 9: findings 1 and 2, "revocation first").

Each test gives the sweep grants of every kind that are due, then adds one hostile thing (a
poison request name or field, a vanished team, a broken policy file, a removed resource, a
backend that is down) and runs ``jit reconcile`` through the real command line and its error
handler. Every other due grant is revoked on time, the problem is reported, and the run exits
1 or 4: never 3 (a bug), and never before revoking.
"""

from __future__ import annotations

import io
import subprocess
import sys
from dataclasses import dataclass

import pytest

from jit.cli import main
from jit.commands import reconcile_wiring
from jit.redact import SECRET_VALUE
from tests.e2e.conftest import Flow
from tests.reconcile.helpers import live
from tests.reconcile.world import RESOURCES, World

TOKEN = "hvs." + "A" * 24
JWT = "eyJhbGciOiJIUzI1.eyJzdWIiOiIxMjM0.c2lnbmF0dXJl"
DUE = {"g": "db-group", "k": "orders-debug", "t": "db-token"}


@pytest.fixture
def world(flow: Flow) -> World:
    return flow


@dataclass(frozen=True)
class Ran:
    code: int
    out: str


def cli(world: World, capsys: pytest.CaptureFixture[str]) -> Ran:
    """``jit reconcile --repo <fresh checkout>`` through click and the one error handler."""
    root = world.remote.clone()
    out = io.StringIO()
    seams = reconcile_wiring.Seams(
        env=world.env(), clock=world.clock.now, out=out, sleep=world.sleeps.append
    )
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(reconcile_wiring.Seams, "default", lambda **_: seams)
        mp.setattr(sys, "argv", ["jit", "reconcile", "--repo", str(root)])
        capsys.readouterr()
        with pytest.raises(SystemExit) as exited:
            main()
    err = capsys.readouterr()
    world.outputs.append(out.getvalue())
    return Ran(int(exited.value.code or 0), out.getvalue() + err.out + err.err)


def due(world: World) -> dict[str, str]:
    """One grant of each kind of bob's, all ending in an hour; then the hour passes."""
    for name, resource in DUE.items():
        world.request("bob", name, resource, "1h")
    assert world.run().code == 0
    gids = {g: r.kind for g, r in world.records().items() if r.requester == "bob"}
    world.advance(hours=1)
    return gids


def revoked(world: World, gids: dict[str, str]) -> None:
    records = world.records()
    assert not set(gids) & set(records), [records[g].status for g in gids if g in records]
    for gid, kind in gids.items():
        assert live(world, kind, gid) == 0, gid
    types = [e["type"] for e in world.audit() if e.get("grant_id") in gids]
    assert types.count("revoked") == len(gids)
    assert world.verify().ok


def raw_request(world: World, login: str, name: str, text: str) -> int:
    path = f"requests/{login}/{name}.yaml"
    pr = world.github.add_pull(login, {path: text})
    world.github.add_review(pr, "carol")
    world.merge(pr, {path: text})
    return pr.number


def nothing_secret_anywhere(world: World) -> None:
    """No channel the run writes to holds the poison: audit log, records, commits, comments."""
    root = world.checkout()
    for path in root.rglob("*"):
        if path.is_file() and ".git" not in path.parts:
            assert not SECRET_VALUE.search(path.read_text(errors="replace")), path
    log = subprocess.run(
        ["git", "log", "--format=%B"], cwd=root, capture_output=True, text=True, check=True
    ).stdout
    assert not SECRET_VALUE.search(log)
    for output in world.outputs:
        assert not SECRET_VALUE.search(output)
    for pull in world.github.pulls.values():
        for comment in world.github.comments_on(pull.number):
            if comment.login != pull.author and "<!-- jit:delivery " not in comment.body:
                assert not SECRET_VALUE.search(comment.body), comment.body


POISON = {
    "a Vault token as the name": (TOKEN, "reason: Investigate INC-4711\n"),
    "a JWT as the name": (JWT, "reason: Investigate INC-4711\n"),
    "a Vault token in the reason": ("leak", f"reason: rotate {TOKEN} please\n"),
    "a JWT in the ticket": ("ticket", f"reason: Investigate\nticket: {JWT}\n"),
    "a private key header in the reason": (
        "key",
        "reason: '-----BEGIN OPENSSH PRIVATE KEY-----'\n",
    ),
}


@pytest.mark.parametrize("case", list(POISON))
def test_a_poison_request_is_denied_and_revocation_goes_on(
    world: World, capsys: pytest.CaptureFixture[str], case: str
) -> None:
    gids = due(world)
    name, tail = POISON[case]
    text = "requester: alice\nresource: db-group\nduration: 1h\n" + tail
    number = raw_request(world, "alice", name, text)
    result = cli(world, capsys)
    assert result.code == 1, result.out
    revoked(world, gids)
    assert "denied" in result.out
    (denial,) = [e for e in world.audit() if e["type"] == "denied"]
    assert denial["pr"] == number and denial["requester"] == "alice"
    assert world.remote.ls("requests") == ["requests/README.md"]  # judged once, retired
    assert world.groups() == []  # nothing was granted for it
    nothing_secret_anywhere(world)
    again = cli(world, capsys)
    assert again.code == 0, again.out


def test_a_poison_request_name_fails_validation_of_its_pr(flow: Flow) -> None:
    pr = flow.open("alice", TOKEN, "db-group")
    checked = flow.validate(pr)
    assert (checked.code, checked.state) == (1, "failure")
    assert "lowercase letters, digits and single hyphens" in checked.out + checked.err


@pytest.mark.parametrize("status", [404, 403])
def test_a_vanished_team_blocks_only_the_requests_it_judges(
    world: World, capsys: pytest.CaptureFixture[str], status: int
) -> None:
    gids = due(world)
    world.request("alice", "later", "db-group")
    if status == 404:  # the team was renamed or deleted
        del world.github.teams[("acme", "dba")]
    else:  # the App lost "Members: read"
        world.github.fail_next(
            "GET",
            "/orgs/acme/teams/dba",
            status=403,
            times=99,
            message="Resource not accessible by integration",
        )
    result = cli(world, capsys)
    assert result.code == 1, result.out
    revoked(world, gids)
    assert "requests/alice/later" in result.out and "acme/dba" in result.out
    assert world.remote.ls("requests/alice") == ["requests/alice/later.yaml"]  # stays pending
    world.github.add_team("acme/dba", ["carol", "dave"])
    world.github.faults.clear()
    again = cli(world, capsys)
    assert again.code == 0 and "1 granted" in again.out, again.out


BROKEN = {
    "unparseable": "resources: [\n",
    # defines db-group a second time: both definitions are invalid, and db-group's due grant
    # must still be revoked (its revocation needs only its record)
    "a duplicate of a resource with due grants": "resources:\n  db-group:\n    description: x\n",
}


@pytest.mark.parametrize("content", list(BROKEN))
def test_a_broken_policy_file_on_main_is_reported_and_revocation_goes_on(
    world: World, capsys: pytest.CaptureFixture[str], content: str
) -> None:
    gids = due(world)
    world.direct({"policies/team-b.yaml": BROKEN[content]})
    world.request("alice", "later", "db-token")
    result = cli(world, capsys)
    assert result.code == 1, result.out
    revoked(world, gids)
    assert "policies/team-b.yaml:" in result.out
    assert "1 granted" in result.out  # a resource the broken file does not touch


def test_a_request_for_a_resource_only_a_broken_file_may_define_waits(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    gids = due(world)
    world.direct({"policies/team-b.yaml": "resources: [\n"})
    raw_request(
        world, "alice", "later", "requester: alice\nresource: team-b-db\nduration: 1h\nreason: x\n"
    )
    result = cli(world, capsys)
    assert result.code == 1, result.out
    revoked(world, gids)
    assert "requests/alice/later" in result.out and "policies/team-b.yaml" in result.out
    assert world.remote.ls("requests/alice") == ["requests/alice/later.yaml"]  # not denied
    assert not [e for e in world.audit() if e["type"] == "denied"]


def test_an_unparseable_request_file_is_denied_and_revocation_goes_on(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    gids = due(world)
    raw_request(world, "alice", "broken", "requester: alice\nresource: [\n")
    result = cli(world, capsys)
    assert result.code == 1, result.out
    revoked(world, gids)


def test_a_removed_resource_ends_its_grants_at_expiry_never_later(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    world.request("alice", "long", "db-group", "2h")
    gids = due(world)
    (long_gid,) = [g for g in world.records() if g.startswith("alice-long")]
    gids[long_gid] = "vault-group"
    world.direct({"policies/resources.yaml": RESOURCES.replace("  db-group:", "  db-group-old:")})
    world.request("alice", "again", "db-group")  # judged by today's policies: denied
    result = cli(world, capsys)
    assert result.code == 1, result.out
    assert world.records()[long_gid].status == "active"  # documented: it ends at its expiry
    assert f"{long_gid}: resource 'db-group' is no longer in policies/" in result.out
    world.advance(hours=1)
    result = cli(world, capsys)
    assert result.code == 0, result.out
    revoked(world, gids)
    (entry,) = [e for e in world.audit() if e["type"] == "revoked" and e["grant_id"] == long_gid]
    assert entry["reason"] == "expired" and entry["lag_seconds"] == 0


def test_one_backend_down_does_not_hold_up_another_kinds_revocation(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    gids = due(world)
    kube = [g for g, kind in gids.items() if kind == "kubernetes-rolebinding"]
    world.kube.fail_next(503, times=999)
    result = cli(world, capsys)
    assert result.code == 4, result.out
    assert sorted(world.records()) == kube and world.records()[kube[0]].status == "revoke-pending"
    assert world.groups() == [] and world.live_tokens() == []
    world.kube._faults.clear()
    again = cli(world, capsys)
    assert again.code == 0, again.out
    revoked(world, gids)


def test_all_at_once(world: World, capsys: pytest.CaptureFixture[str]) -> None:
    """Every hostile thing in one run, and Kubernetes down: Vault's due grants still go."""
    gids = due(world)
    raw_request(
        world, "alice", TOKEN, "requester: alice\nresource: db-group\nduration: 1h\nreason: x\n"
    )
    world.request("alice", "later", "db-group")
    del world.github.teams[("acme", "dba")]
    world.direct({"policies/team-b.yaml": "resources: [\n"})
    raw_request(world, "alice", "broken", "requester: alice\nresource: [\n")
    world.kube.fail_next(503, times=999)
    result = cli(world, capsys)
    assert result.code == 4, result.out  # the binding could not be revoked yet
    left = world.records()
    assert [r.kind for r in left.values()] == ["kubernetes-rolebinding"]
    for gid, kind in gids.items():
        if kind != "kubernetes-rolebinding":
            assert gid not in left and live(world, kind, gid) == 0
    assert "requests/alice/later" in result.out and "policies/team-b.yaml" in result.out
    nothing_secret_anywhere(world)

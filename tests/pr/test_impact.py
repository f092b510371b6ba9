"""The pure parts of the policy impact: comparing policies, rebuilding history, rendering."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from jit.model import (
    Hours,
    KubernetesRoleBinding,
    Policies,
    VaultGroup,
    VaultToken,
)
from jit.ports import FileAtRef, PullFile, PullInfo
from jit.pr.impact import Impact, LiveGrant, policy_impact, teams_that_matter
from jit.pr.impact_gather import head_sources, touches_policies
from jit.pr.impact_history import past_requests
from jit.pr.impact_render import render_impact
from tests.policy.strategies import resource

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
TEAMS = {"acme/eng": frozenset({"alice", "bob"}), "acme/dba": frozenset({"dave"})}


def pols(*resources: object) -> Policies:
    return Policies({r.id: r for r in resources})  # type: ignore[attr-defined]


def test_every_aspect_of_a_resource_change_is_named() -> None:
    base = resource("db", auto=((("acme/eng",), 1800),))
    changes = {
        "auto-approval: acme/eng up to 30m → none": replace(base, auto_approve=()),
        "ticket or hours rule": replace(base, ticket="^INC-[0-9]+$"),
        "description, revokers or delivery": replace(base, description="Other"),
        "grant: vault-credentials database/creds/orders-readonly → vault-token with policies "
        "a, b": replace(base, grant=VaultToken(("a", "b"))),
        "→ vault-group with policies g": replace(base, grant=VaultGroup(("g",))),
        "→ kubernetes-rolebinding ClusterRole view on prod/(cluster-wide)": replace(
            base, grant=KubernetesRoleBinding("prod", None, "view", "ClusterRole", "{login}")
        ),
    }
    for said, after in changes.items():
        (change,) = policy_impact(pols(base), pols(after), TEAMS, [], [], []).changes
        assert change.change == "changed"
        assert any(said in d for d in change.details), change.details
    moved = replace(base, source="policies/other.yaml", line=9)
    assert policy_impact(pols(base), pols(moved), TEAMS, [], [], []).changes == ()
    hours = Hours(frozenset({"mon"}), datetime.min.time(), datetime.max.time(), "UTC")
    (change,) = policy_impact(pols(base), pols(replace(base, hours=hours)), {}, [], [], []).changes
    assert change.details == ("ticket or hours rule",)


def test_removed_resources_gains_losses_and_grants() -> None:
    old = pols(resource("db", eligible=("acme/eng",)), resource("gone", eligible=("carol",)))
    new = pols(resource("db", eligible=("acme/dba", "bob")))
    start = NOW - timedelta(hours=1)
    grants = [
        LiveGrant("g1", "carol", "gone", start, NOW),
        LiveGrant("g2", "bob", "db", start, NOW),
        LiveGrant("g3", "dave", "elsewhere", start, NOW),
    ]
    people = ["alice", "bob", "carol", "dave"]
    impact = policy_impact(old, new, TEAMS, people, [], grants)
    assert [(c.resource, c.change) for c in impact.changes] == [
        ("db", "changed"),
        ("gone", "removed"),
    ]
    assert [(e.resource, e.gains, e.loses) for e in impact.eligibility] == [
        ("db", ("dave",), ("alice",)),
        ("gone", (), ("carol",)),
    ]
    assert [(a.grant.grant_id, a.why) for a in impact.grants] == [
        ("g1", ("its resource is removed",)),
        ("g3", ("its resource is removed",)),
    ]
    assert impact.unknown_teams == ()
    assert policy_impact(old, new, {}, people, [], []).unknown_teams == ("acme/dba", "acme/eng")


def _entry(kind: str, rid: str, days: float, **extra: object) -> dict[str, object]:
    ts = (NOW - timedelta(days=days)).isoformat().replace("+00:00", "Z")
    return {"type": kind, "request_id": rid, "ts": ts, **extra}


def test_history_is_rebuilt_from_files_or_granted_entries_and_skips_the_rest() -> None:
    granted = {
        "requester": "bob",
        "resource": "db",
        "granted_at": "2026-03-01T10:00:00Z",
        "expires_at": "2026-03-01T12:00:00Z",
        "approvers": ["dave", 7],
        "ticket": "INC-1",
    }
    entries = [
        _entry("requested", "requests/alice/a", 5),
        _entry("requested", "requests/bob/b", 1),
        _entry("granted", "requests/bob/b", 1, **granted),
        _entry("denied", "requests/carol/c", 2),
        _entry("granted", "requests/erin/e", 3, **{**granted, "expires_at": "nope"}),
        _entry("requested", "requests/old/o", 91),
        _entry("revoked", "requests/bob/b", 1),
        {"type": "requested", "request_id": "requests/x/y", "ts": "2026-03-01T10:00:00"},
        {"type": "requested", "request_id": 3, "ts": 5},
    ]
    on_main = {
        "requests/alice/a.yaml": b"requester: alice\nresource: db\nduration: 1h\nreason: r\n",
        "requests/bob/b.yaml": b"not: a request\n",
    }
    history, missing = past_requests(entries, on_main, NOW)
    assert [(p.request.id, p.recorded, p.request.duration) for p in history] == [
        ("requests/alice/a", "requested", 3600),
        ("requests/bob/b", "granted", 7200),
    ]
    assert missing == 2  # carol's denial (no file) and erin's broken entry
    bob = history[1]
    assert [r.login for r in bob.ctx.reviews] == ["dave"]
    assert bob.request.ticket == "INC-1"
    assert bob.ctx.start == datetime(2026, 3, 1, 10, tzinfo=UTC)


def test_a_past_request_decided_differently_is_reported_with_the_new_reason() -> None:
    old = pols(resource("db", eligible=("acme/eng",), stages=((("acme/dba",), 1),)))
    new = pols(resource("db", eligible=("acme/eng",), stages=((("acme/dba",), 2),)))
    entries = [
        _entry("requested", "requests/alice/a", 1),
        _entry(
            "granted",
            "requests/alice/a",
            1,
            requester="alice",
            resource="db",
            granted_at="2026-03-01T10:00:00Z",
            expires_at="2026-03-01T11:00:00Z",
            approvers=["dave"],
        ),
    ]
    history, _ = past_requests(entries, {}, NOW)
    impact = policy_impact(old, new, TEAMS, ["alice"], history, [])
    (redecided,) = impact.redecided
    assert (redecided.before, redecided.after) == ("granted", "pending")
    assert (
        redecided.why == "approval stage 1 (acme/dba) would need 2 approval(s) and has 1 on record"
    )
    back = policy_impact(new, old, TEAMS, ["alice"], past_requests(entries, {}, NOW)[0], [])
    (back_again,) = back.redecided
    assert (back_again.before, back_again.after) == ("pending", "granted")
    assert back_again.why == "approval stage 1 (acme/dba) is met by dave"
    (gone,) = policy_impact(old, pols(), TEAMS, ["alice"], history, []).redecided
    assert (gone.after, gone.why.split(" ")[0]) == ("denied", "'db'")
    same = policy_impact(old, old, TEAMS, ["alice"], history, [])
    assert same.redecided == () and same.reevaluated == 1


def test_long_tables_are_cut_and_hostile_values_stay_inert() -> None:
    many = Impact(
        changes=tuple(
            policy_impact(pols(), pols(resource(f"r{i}")), {}, [], [], []).changes[0]
            for i in range(60)
        ),
        unknown_teams=("acme/<b>x</b>",),
        unrebuilt=3,
    )
    text = render_impact(many, 7, "f" * 40, NOW)
    assert "…and 10 more." in text
    assert "3 more could not be rebuilt" in text
    assert "<b>" not in text.replace("`acme/<b>x</b>`", "")
    huge = replace(many, changes=many.changes * 20)
    long = render_impact(
        replace(huge, changes=tuple(replace(c, details=("x" * 290,) * 5) for c in huge.changes)),
        7,
        "f" * 40,
        NOW,
    )
    assert len(long) <= 60_000


class Files:
    """The one GitHubPort call head_sources makes: a file at the PR's head."""

    def __init__(self, files: dict[str, FileAtRef]) -> None:
        self.files = files

    def file_at(self, path: str, ref: str) -> FileAtRef:
        assert ref == "h" * 40
        return self.files.get(path, FileAtRef(path, "missing"))


def test_head_sources_apply_the_pr_to_the_base_files() -> None:
    pull = PullInfo(1, "erin", "h" * 40, "main", "open", False, None)
    port = Files(
        {
            "policies/new.yaml": FileAtRef("policies/new.yaml", "file", b"new"),
            "policies/link.yaml": FileAtRef("policies/link.yaml", "symlink"),
            "policies/settings.yaml": FileAtRef("policies/settings.yaml", "file", b"s2"),
        }
    )
    base = {"policies/a.yaml": b"a", "policies/b.yaml": b"b", "policies/link.yaml": b"l"}
    files = [
        PullFile("policies/new.yaml", "renamed", previous_filename="policies/a.yaml"),
        PullFile("policies/b.yaml", "removed"),
        PullFile("policies/link.yaml", "modified"),
        PullFile("policies/settings.yaml", "modified"),
        PullFile("policies/tests/t.yaml", "added"),
        PullFile("README.md", "modified"),
        PullFile("policies/c.yaml", "unchanged"),
    ]
    found, settings = head_sources(port, pull, files, base, b"s1")  # type: ignore[arg-type]
    assert found == {"policies/new.yaml": b"new"}
    assert settings == b"s2"
    moved = [PullFile("policies/x.yaml", "renamed", previous_filename="policies/settings.yaml")]
    port.files["policies/x.yaml"] = FileAtRef("policies/x.yaml", "file", b"x")
    assert head_sources(port, pull, moved, {}, b"s1") == ({"policies/x.yaml": b"x"}, None)  # type: ignore[arg-type]
    assert touches_policies(files)
    assert not touches_policies([PullFile("policies/a.yaml", "unchanged"), files[5]])


def test_an_auto_approval_taken_away_and_a_new_grant_target() -> None:
    old = pols(resource("db", stages=(), auto=((("acme/eng",), None),)))
    new = pols(replace(old.resources["db"], auto_approve=(), grant=VaultGroup(("g",))))
    entries = [
        _entry("requested", "requests/alice/a", 1),
        _entry(
            "granted",
            "requests/alice/a",
            1,
            requester="alice",
            resource="db",
            granted_at="2026-03-01T10:00:00Z",
            expires_at="2026-03-01T11:00:00Z",
            approvers=[],
        ),
    ]
    grant = LiveGrant("g", "alice", "db", NOW, NOW + timedelta(hours=1))
    history = past_requests(entries, {}, NOW)[0]
    impact = policy_impact(old, new, TEAMS, ["alice", "bob"], history, [grant])
    (redecided,) = impact.redecided
    assert (redecided.before, redecided.after) == ("granted", "pending")
    assert redecided.why == "db has no auto-approval rule"
    assert impact.grants[0].why == ("the grant target changes",)
    gained = policy_impact(pols(), old, TEAMS, ["alice", "carol"], [], [])
    text = render_impact(gained, 1, "a" * 40, NOW)
    assert "- `db`: gains `alice`, `carol`\n" in text


def test_only_the_teams_of_changed_resources_matter() -> None:
    same = resource("same", eligible=("acme/untouched",), stages=((("acme/other",), 1),))
    old = pols(same, resource("db", eligible=("acme/eng",)))
    new = pols(same, resource("db", eligible=("acme/eng", "bob")))
    assert teams_that_matter(old, new) == {"acme/eng", "acme/dba"}
    assert policy_impact(old, new, {}, [], [], []).unknown_teams == ("acme/dba", "acme/eng")

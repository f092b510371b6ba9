"""``jit release`` end to end through the CLI: the deletion PR, pushed to a bare remote and
opened in the fake GitHub; never for someone else's request or one not on main."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.reconcile.gitrepo import git
from tests.requester.conftest import World


@pytest.mark.parametrize(
    "given",
    ["incident-4711", "requests/alice/incident-4711", "requests/alice/incident-4711.yaml"],
)
def test_hand_back_opens_the_pr_that_deletes_my_file(world: World, given: str) -> None:
    ran = world.jit("release", given)
    assert ran.code == 0, ran.err
    pr = world.github.pulls[max(world.github.pulls)]
    assert (pr.author, pr.head_ref, pr.state) == (
        "alice",
        "jit/alice/release-incident-4711",
        "open",
    )
    assert pr.title == "Hand back access: delete requests/alice/incident-4711"
    rows = world.github.diff(pr.base_sha, pr.head_sha)
    assert [(r.filename, r.status) for r in rows] == [
        ("requests/alice/incident-4711.yaml", "removed")
    ]
    assert world.remote.show("requests/alice/incident-4711.yaml") is not None  # main untouched
    assert (world.clone / "requests/alice/incident-4711.yaml").is_file()  # my checkout too
    assert f"Opened {world.github.urls.web}/acme/access/pull/{pr.number}" in ran.out


def test_not_mine_is_refused(world: World) -> None:
    ran = world.jit("release", "requests/bob/orders-debug")
    assert ran.code == 1
    assert "is bob's request, not yours (alice)" in ran.err
    assert world.github.pulls == {}


def test_not_on_main_is_refused(world: World) -> None:
    ran = world.jit("release", "never-merged")
    assert ran.code == 1
    assert "requests/alice/never-merged.yaml is not on main" in ran.err
    assert git(world.remote.path, "branch", "--list", "jit/*") == ""


@pytest.mark.parametrize("given", ["a/b/c/d", "requests/alice/Bad.Name", "/x"])
def test_not_a_request_is_a_usage_error(world: World, given: str) -> None:
    ran = world.jit("release", given)
    assert ran.code == 2
    assert "is not a request" in ran.err


def test_a_repo_that_is_not_a_directory(world: World, tmp_path: Path) -> None:
    assert world.jit("release", "x", "--repo", str(tmp_path / "nowhere")).code == 2

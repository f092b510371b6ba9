"""Hostile PRs: one test per rule of the security model. Each is refused with a finding that
tells the author what to do, a ``failure`` status, and no reviewer asked to judge it."""

from __future__ import annotations

import pytest

from tests.fakes.github_state import Pull, Submodule, Symlink
from tests.pr.conftest import POLICY, World, request

PATH = "requests/alice/incident-4711.yaml"


def _refused(world: World, pr: Pull, code: str, file: str) -> str:
    result = world.opened(pr)
    assert result.code == 1, result.err
    assert world.status(pr).state == "failure"
    assert (pr.requested_users, pr.requested_teams) == ([], [])
    plan = world.plan(pr)
    assert f"`{file}`" in plan and f"`{code}`" in plan
    assert f"title=jit {code}::" in result.out
    return plan


@pytest.mark.parametrize(
    ("path", "code"),
    [
        ("schemas/request.schema.json", "pr-changes-schemas"),
        ("jit/schemas/request.schema.json", "pr-changes-schemas"),
        (".github/workflows/validate.yml", "pr-changes-workflows"),
        ("jit/policy.py", "pr-changes-code"),
        ("pyproject.toml", "pr-changes-code"),
        ("README.md", "pr-changes-other"),
    ],
)
def test_schema_workflow_or_code_change_in_a_request_pr(world: World, path: str, code: str) -> None:
    pr = world.open("alice", {PATH: request(), path: "import os; os.system('curl evil')\n"})
    plan = _refused(world, pr, code, path)
    assert "Open a separate PR for it" in plan


def test_policy_change_in_the_same_pr_is_refused_and_not_used(world: World) -> None:
    looser = POLICY.replace("max_duration: 4h", "max_duration: 90d")
    pr = world.open("alice", {PATH: request(duration="8h"), "policies/databases.yaml": looser})
    plan = _refused(world, pr, "pr-changes-policies", "policies/databases.yaml")
    assert "`duration-over-max`" in plan  # judged by the base branch's 4h, not the PR's 90d


def test_modified_request_already_on_main(world: World) -> None:
    world.fake.commit_to_main({PATH: request()})
    pr = world.open("alice", {PATH: request(duration="4h")})
    plan = _refused(world, pr, "request-modified", PATH)
    assert "add a new request file" in plan


def test_renamed_request(world: World) -> None:
    world.fake.commit_to_main({PATH: request()})
    pr = world.open("alice", {PATH: None, "requests/alice/longer.yaml": request(duration="3h")})
    assert world.fake.diff(pr.base_sha, pr.head_sha)[0].status == "renamed"
    _refused(world, pr, "request-renamed", "requests/alice/longer.yaml")


@pytest.mark.parametrize("target", ["../../policies/databases.yaml", "/etc/passwd"])
def test_symlink(world: World, target: str) -> None:
    pr = world.open("alice", {PATH: Symlink(target)})
    _refused(world, pr, "request-symlink", PATH)


def test_submodule(world: World) -> None:
    pr = world.open("alice", {PATH: Submodule("https://github.fake/mallory/evil.git")})
    _refused(world, pr, "request-submodule", PATH)


def test_requester_is_not_the_author(world: World) -> None:
    pr = world.open("mallory", {PATH: request("alice")})
    plan = _refused(world, pr, "requester-not-author", PATH)
    assert plan.count("`requester-not-author`") == 1  # the engine's twin is folded into it


def test_deleting_someone_elses_request_without_being_a_revoker(world: World) -> None:
    world.fake.commit_to_main({"requests/bob/orders.yaml": request("bob")})
    pr = world.open("mallory", {"requests/bob/orders.yaml": None})
    plan = _refused(world, pr, "withdraw-not-allowed", "requests/bob/orders.yaml")
    assert "only the requester or a revoker of this resource (acme/security)" in plan
    # the logins read as words: no "'mallory' may not withdraw 'bob''s request"
    assert "mallory may not withdraw a request of bob:" in plan and "''s" not in plan


@pytest.mark.parametrize("author", ["bob", "sam"])  # the requester; a member of the revokers
def test_withdrawing_by_the_requester_or_a_revoker_is_allowed(world: World, author: str) -> None:
    world.fake.commit_to_main({"requests/bob/orders.yaml": request("bob")})
    pr = world.open(author, {"requests/bob/orders.yaml": None})
    result = world.opened(pr)
    assert result.code == 0, result.err
    assert world.status(pr).description == "Ready to merge: 1 withdrawal to revoke on merge."
    assert "### Withdrawals" in world.plan(pr)


@pytest.mark.parametrize(
    ("content", "code"),
    [
        (request() + "duration: 1h\n", "duplicate-key"),
        (
            "requester: &who alice\nresource: prod-db-readonly\nduration: 2h\nreason: *who\n",
            "yaml-anchor",
        ),
    ],
)
def test_duplicate_keys_and_anchors(world: World, content: str, code: str) -> None:
    pr = world.open("alice", {PATH: content})
    _refused(world, pr, code, PATH)


def test_pr_against_another_branch(world: World) -> None:
    pr = world.open("alice", {PATH: request()})
    pr.base_ref = "release"
    plan = _refused_without_file(world, pr)
    assert "Change the PR's base branch to main" in plan


def _refused_without_file(world: World, pr: Pull) -> str:
    result = world.opened(pr)
    assert result.code == 1
    assert "::error title=jit pr-wrong-base::" in result.out
    return world.plan(pr)

"""``jit resources`` end to end through the CLI: offline from policies/, and ``--mine`` with
the requester's token against the fake GitHub."""

from __future__ import annotations

import json
import os
from pathlib import Path

from tests.reconcile.gitrepo import git
from tests.requester.conftest import ALICE_ORG_TOKEN, ALICE_TOKEN, World


def test_offline_lists_every_resource_with_its_rules(world: World) -> None:
    ran = world.jit("resources", token=None)
    assert ran.code == 0, ran.err
    block = ran.out.split("\n\n")
    readonly = next(b for b in block if b.startswith("prod-db-readonly:"))
    assert "Read-only access to the production orders database" in readonly
    assert "vault-credentials, at most 4h" in readonly
    assert "eligible:     acme/engineering, carol" in readonly
    assert "approvals:    1 of acme/dba" in readonly
    assert "required, matching ^(INC|CHG)-[0-9]+$" in readonly
    assert "auto-approve: acme/oncall, up to 30m" in readonly
    admin = next(b for b in block if b.startswith("prod-db-admin:"))
    assert "1 of acme/dba; then 1 of acme/security or dave" in admin
    assert "Mon-Fri 08:00-18:00 Europe/Berlin" in admin
    assert world.github.calls == []  # offline: not one API call


def test_json_has_every_field(world: World) -> None:
    ran = world.jit("resources", "--format", "json", token=None)
    views = {v["id"]: v for v in json.loads(ran.out)}
    assert views["prod-db-readonly"]["max_duration"] == "4h"
    assert views["prod-db-readonly"]["ticket"] == "^(INC|CHG)-[0-9]+$"
    assert views["prod-db-readonly"]["may_request"] is None


def test_mine_shows_what_i_may_request_and_why_not(world: World) -> None:
    world.github.add_team("acme/engineering", ["alice"])
    for team in ("acme/oncall", "acme/dba", "acme/sre", "acme/security", "acme/payments"):
        world.github.add_team(team, ["zoe"])
    world.github.add_team("acme/payments-leads", ["zoe"])
    world.github.add_team("acme/platform", ["zoe"])
    ran = world.jit("resources", "--mine", "--format", "json")
    assert ran.code == 0, ran.err
    views = {v["id"]: v for v in json.loads(ran.out)}
    assert views["prod-db-readonly"]["may_request"] == "yes"
    assert views["prod-db-readonly"]["why"] == "you are an active member of acme/engineering"
    assert views["prod-db-admin"]["may_request"] == "no"
    assert "only acme/dba may request it" in views["prod-db-admin"]["why"]
    text = world.jit("resources", "--mine").out
    assert text.index("prod-db-readonly") < text.index("prod-db-admin")
    assert "[not for you]" in text.split("prod-db-admin:")[1].split("\n")[0]


def test_a_token_without_org_access_still_lists_what_it_can_decide(world: World) -> None:
    world.github.add_team("acme/engineering", ["alice"])
    ran = world.jit("resources", "--mine", "--format", "json", token=ALICE_TOKEN)
    assert ran.code == 1
    assert "read:org" in ran.err and "Members: read" in ran.err and "403" in ran.err
    views = {v["id"]: v for v in json.loads(ran.out)}
    assert views["prod-db-readonly"]["may_request"] == "unknown"
    # carol is listed by name: decided without any team
    assert views["payments-secrets-read"]["may_request"] == "unknown"


def test_mine_without_any_token_says_how_to_get_one(world: World) -> None:
    world.monkeypatch.setattr("jit.adapters.github.requester.run_gh_auth_token", lambda: None)
    ran = world.jit("resources", "--mine", token=None)
    assert ran.code == 1
    assert "GITHUB_TOKEN" in ran.err and "gh auth login" in ran.err


def test_the_repository_comes_from_a_github_origin(world: World) -> None:
    ran = world.jit("resources", "--mine", repository=False)
    assert ran.code == 1
    assert "its origin remote" in ran.err and "--github-repo OWNER/NAME" in ran.err
    git(world.clone, "remote", "set-url", "origin", "git@github.com:acme/access.git")
    world.github.add_team("acme/engineering", ["alice"])
    ran = world.jit("resources", "--mine", repository=False)
    assert "prod-db-readonly: Read-only" in ran.out
    assert world.github.count("GET", "/user") == 1


def test_a_github_failure_reading_a_team_is_not_taken_for_a_refusal(world: World) -> None:
    world.github.add_team("acme/dba", ["zoe"])
    world.github.fail_next("GET", "/orgs/acme/teams/*", status=502, times=20)
    ran = world.jit("resources", "--mine")
    assert ran.code == 4
    assert "GitHub answered 502" in ran.err


def test_policies_that_cannot_be_read(world: World, tmp_path: Path) -> None:
    (world.clone / "policies" / "broken.yaml").write_text(
        "resources:\n  broken-one:\n    description: x\n"
    )
    ran = world.jit("resources", token=None)
    assert ran.code == 0
    assert "Left out, because their policies have errors: broken-one" in ran.err
    assert "broken-one" not in ran.out
    empty = tmp_path / "empty"
    (empty / "policies").mkdir(parents=True)
    ran = world.jit("resources", "--repo", str(empty), token=None)
    assert (ran.code, ran.out) == (0, "No resources are defined in policies/.\n")
    ran = world.jit("resources", "--repo", str(tmp_path), token=None)
    assert ran.code == 1 and "there is no policies/ directory" in ran.err
    ran = world.jit("resources", "--repo", str(tmp_path / "nowhere"), token=None)
    assert ran.code == 2


def test_gh_auth_token_is_asked_when_no_token_is_set(world: World, tmp_path: Path) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    gh = bin_dir / "gh"
    gh.write_text(f"#!/bin/sh\n[ \"$*\" = 'auth token' ] && echo {ALICE_ORG_TOKEN}\n")
    gh.chmod(0o755)
    world.monkeypatch.setenv("PATH", f"{bin_dir}:{os.environ['PATH']}")
    world.github.add_team("acme/engineering", ["alice"])
    ran = world.jit("resources", "--mine", "--format", "json", token=None)
    views = {v["id"]: v for v in json.loads(ran.out)}
    assert views["prod-db-readonly"]["may_request"] == "yes"
    gh.write_text("#!/bin/sh\necho 'You are not logged into any GitHub hosts.' >&2\nexit 1\n")
    ran = world.jit("resources", "--mine", token=None)
    assert ran.code == 1 and "gh auth login" in ran.err

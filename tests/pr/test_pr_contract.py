"""Every response the fake GitHub sent during ``jit pr`` runs matches GitHub's OpenAPI contract,
including the open-pulls scan that finds a fork PR after a review (``workflow_run``)."""

from __future__ import annotations

from tests.contracts import github_response_validator, github_spec, path_template
from tests.pr.conftest import World, request


def test_jit_pr_responses_match_the_rest_api_contract(world: World) -> None:
    github_spec()  # skips without the contracts (fails under JIT_REQUIRE_CONTRACTS=1)
    world.fake.add_team("acme/engineering", ["frank"])
    pr = world.open("frank", {"requests/frank/x.yaml": request("frank")}, fork=True)
    world.opened(pr)
    world.fake.add_review(pr, "carol")
    world.run("workflow_run", world.events.workflow_run(pr, event="pull_request_review"))
    assert world.status(pr).state == "success"

    covered = set()
    for call in world.fake.calls:
        if call.status != 204:
            github_response_validator(call.method, call.path, call.status)(call.response)
            covered.add(f"{call.method} {path_template(call.path, call.method)}")
    assert "GET /repos/{owner}/{repo}/pulls" in covered
    assert "POST /repos/{owner}/{repo}/statuses/{sha}" in covered
